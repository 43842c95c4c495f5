"""Writes analyzers/data/calendar/<year>.json (holiday-cn's layout) from chinese-calendar's data.

Run once per chinese-calendar release that adds a year (`python scripts/generate_calendar.py`);
tests/test_calendar.py checks the files against chinese-calendar day by day. A year's file holds
the days its State Council notice set, so the late-December days of a New Year's block belong
to the next year's file, as the notice for that year set them."""
from __future__ import annotations

import json
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

import chinese_calendar
from chinese_calendar.constants import Holiday

FIRST_YEAR = 2007  # the first year of today's holiday system (春节 from 除夕, 清明/端午/中秋 from 2008)
NAMES = {
    Holiday.new_years_day: "元旦",
    Holiday.spring_festival: "春节",
    Holiday.tomb_sweeping_day: "清明节",
    Holiday.labour_day: "劳动节",
    Holiday.dragon_boat_festival: "端午节",
    Holiday.national_day: "国庆节",
    Holiday.mid_autumn_festival: "中秋节",
    Holiday.anti_fascist_70th_day: "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
# The State Council notices behind each year, where their addresses are known (gov.cn).
PAPERS = {
    2007: ["http://www.gov.cn/zhengce/content/2008-03/28/content_1761.htm"],
    2008: ["http://www.gov.cn/zhengce/content/2008-03/28/content_1645.htm"],
    2009: ["http://www.gov.cn/zhengce/content/2008-12/10/content_1572.htm"],
    2010: ["http://www.gov.cn/zhengce/content/2009-12/08/content_1476.htm"],
    2011: ["http://www.gov.cn/zhengce/content/2010-12/10/content_1423.htm"],
    2012: ["http://www.gov.cn/zhengce/content/2011-12/06/content_1411.htm"],
    2013: ["http://www.gov.cn/zhengce/content/2012-12/10/content_1353.htm"],
    2014: ["http://www.gov.cn/zhengce/content/2014-01/02/content_1194.htm"],
    2015: ["http://www.gov.cn/zhengce/content/2014-12/16/content_9302.htm"],
    2019: ["http://www.gov.cn/zhengce/content/2018-12/06/content_5346276.htm",
           "http://www.gov.cn/zhengce/content/2019-03/22/content_5375877.htm"],
    2020: ["http://www.gov.cn/zhengce/content/2019-11/21/content_5454164.htm",
           "http://www.gov.cn/zhengce/content/2020-01/27/content_5472352.htm"],
}


def notice_year(day: date, name: str) -> int:
    return day.year + 1 if day.month == 12 and name == "元旦" else day.year


def year_files() -> dict[int, dict]:
    days: dict[int, list[dict]] = defaultdict(list)
    for table, off in ((chinese_calendar.holidays, True), (chinese_calendar.workdays, False)):
        for day, holiday in table.items():
            name = NAMES[Holiday(holiday)]
            year = notice_year(day, name)
            if year >= FIRST_YEAR:
                days[year].append({"name": name, "date": day.isoformat(), "isOffDay": off})
    return {
        year: {"year": year, "papers": PAPERS.get(year, []), "days": sorted(entries, key=lambda d: d["date"])}
        for year, entries in sorted(days.items())
    }


def main(folder: Path = Path(__file__).resolve().parents[1] / "analyzers" / "data" / "calendar") -> int:
    folder.mkdir(parents=True, exist_ok=True)
    for year, content in year_files().items():
        (folder / f"{year}.json").write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"{year}: {len(content['days'])} days")
    return 0


if __name__ == "__main__":
    sys.exit(main())
