"""The holiday calendar as data: the shipped year files against chinese-calendar day by day,
real dates around 调休, provisional days, deployment files, and notices read from their text."""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from analyzers.holiday_notice import NoticeError, parse_notice, preview
from analyzers.workdays import BUNDLED, CalendarNotCovered, WorkCalendar, default_calendar, load_calendar

NOTICES = Path(__file__).parent / "data" / "holiday_notices"
CALENDAR = default_calendar()


def days(start: date, end: date):
    while start <= end:
        yield start
        start += timedelta(days=1)


def test_shipped_files_agree_with_chinese_calendar_on_every_day_2007_to_2026():
    disagreements = [d for d in days(date(2007, 1, 1), date(2026, 12, 31))
                     if CALENDAR.is_workday(d) != chinese_calendar.is_workday(d)]
    assert disagreements == []
    assert CALENDAR.covered_years == list(range(2007, 2027))


def test_shipped_files_are_in_the_holiday_cn_layout():
    for path in sorted(BUNDLED.glob("*.json")):
        content = json.loads(path.read_text(encoding="utf-8"))
        assert set(content) == {"year", "papers", "days"} and content["year"] == int(path.stem)
        assert all(set(day) == {"name", "date", "isOffDay"} for day in content["days"])
        assert not any(day["name"].isascii() for day in content["days"])  # the notices' own (Chinese) names


def test_national_day_2016_counts_the_make_up_saturday():
    # Fri 2016-09-30; 10-01..10-07 holiday; Sat 10-08 and Sun 10-09 were working days.
    assert CALENDAR.is_workday(date(2016, 10, 8)) and CALENDAR.is_workday(date(2016, 10, 9))
    assert not CALENDAR.is_workday(date(2016, 10, 3))
    assert CALENDAR.nth_workday_after(date(2016, 9, 30), 1) == date(2016, 10, 8)
    assert CALENDAR.nth_workday_after(date(2016, 9, 30), 3) == date(2016, 10, 10)


def test_spring_festival_2024_and_the_2020_extension():
    assert CALENDAR.nth_workday_after(date(2024, 2, 9), 3) == date(2024, 2, 20)
    assert CALENDAR.workdays_between(date(2024, 2, 9), date(2024, 2, 19)) == 2
    # 2020: the holiday was extended to Sun 02-02 by a second notice; 01-31 was a working Friday before it.
    assert not CALENDAR.is_workday(date(2020, 1, 31)) and not CALENDAR.is_workday(date(2020, 2, 2))
    assert CALENDAR.nth_workday_after(date(2020, 1, 23), 1) == date(2020, 2, 3)


def test_an_ordinary_week_and_the_edges():
    assert CALENDAR.nth_workday_after(date(2016, 6, 30), 3) == date(2016, 7, 5)
    assert CALENDAR.workdays_between(date(2016, 7, 5), date(2016, 7, 8)) == 3
    assert CALENDAR.workdays_between(date(2016, 7, 8), date(2016, 7, 5)) == 0
    assert CALENDAR.nth_workday_after(date(2016, 7, 2), 0) == date(2016, 7, 2)
    with pytest.raises(CalendarNotCovered, match="超出工作日历的范围"):
        CALENDAR.is_workday(date(2301, 1, 1))


def test_the_year_boundary_is_settled_only_with_the_next_years_notice():
    # 2018-12-29 (Sat) became a working day, 12-31 (Mon) a day off, through the notice for 2019.
    assert CALENDAR.is_workday(date(2018, 12, 29)) and not CALENDAR.is_workday(date(2018, 12, 31))
    without_2019 = WorkCalendar({y: f for y, f in CALENDAR.years.items() if y != 2019})
    assert not without_2019.is_workday(date(2018, 12, 29)) and without_2019.is_workday(date(2018, 12, 31))
    assert without_2019.settled(date(2018, 12, 14)) and not without_2019.settled(date(2018, 12, 15))
    assert without_2019.first_unsettled(date(2018, 12, 1), date(2019, 1, 5)) == date(2018, 12, 15)
    assert "2019 年的节假日安排尚未载入" in without_2019.why_unsettled(date(2018, 12, 29))
    assert CALENDAR.settled_through == date(2026, 12, 14)
    assert CALENDAR.first_unsettled(date(2016, 1, 1), date(2026, 12, 14)) is None


def test_a_deployment_file_wins_and_a_broken_one_is_skipped_with_its_reason(tmp_path):
    folder = tmp_path / "calendar"
    folder.mkdir()
    shipped = CALENDAR.years[2024].as_json()
    shipped["days"].append({"name": "测试", "date": "2024-03-04", "isOffDay": True})
    (folder / "2024.json").write_text(json.dumps(shipped, ensure_ascii=False), encoding="utf-8")
    (folder / "2030.json").write_text("{not json", encoding="utf-8")
    calendar = load_calendar(folder)
    assert not calendar.is_workday(date(2024, 3, 4)) and calendar.years[2024].source == str(folder / "2024.json")
    assert calendar.years[2023].source == "内置"
    assert len(calendar.problems) == 1 and "2030.json" in calendar.problems[0] and "holiday-cn" in calendar.problems[0]
    assert calendar.version != CALENDAR.version
    (folder / "2024.json").unlink()  # seen at the next call, without a restart
    assert load_calendar(folder).is_workday(date(2024, 3, 4))


@pytest.mark.parametrize("year", [2018, 2024, 2025])
def test_real_notices_read_as_the_shipped_calendar(year):
    """The notice texts of three years give the same working days as the shipped data, every day."""
    year_file, items = parse_notice((NOTICES / f"{year}.txt").read_text(encoding="utf-8"))
    assert year_file.year == year and len(items) >= 6
    alone = WorkCalendar({year: year_file})
    differing = [d for d in days(date(year, 1, 1), date(year, 12, 14)) if alone.is_workday(d) != CALENDAR.is_workday(d)]
    assert differing == []


def test_the_2019_notice_sets_the_december_days_before_it_and_its_later_change_shows():
    year_file, items = parse_notice((NOTICES / "2019.txt").read_text(encoding="utf-8"))
    by_date = {d.date: d.is_off_day for d in year_file.days}
    assert by_date[date(2018, 12, 29)] is False and by_date[date(2018, 12, 31)] is True
    lines = preview(items, 2019)
    assert lines[0] == "元旦：放假 2018年12月30日（星期日）至1月1日（星期二），共 3 天；调休上班 2018年12月29日（星期六）"
    # Its 劳动节 (one day) was extended to four by a notice of 2019-03-22, which the shipped data has.
    alone = WorkCalendar({2019: year_file})
    assert alone.is_workday(date(2019, 5, 2)) and not CALENDAR.is_workday(date(2019, 5, 2))


def test_the_2025_format_with_lunar_dates_and_zhou_weekdays():
    year_file, items = parse_notice((NOTICES / "2025.txt").read_text(encoding="utf-8"))
    spring = next(i for i in items if i.name == "春节")
    assert (spring.off[0], spring.off[-1], len(spring.off)) == (date(2025, 1, 28), date(2025, 2, 4), 8)
    assert spring.work == (date(2025, 1, 26), date(2025, 2, 8))


@pytest.mark.parametrize(("text", "message"), [
    ("随便一段文字", "不像国务院办公厅"),
    ("国务院办公厅关于2024年部分节假日安排的通知\n一、春节：2月10日至17日放假调休，共9天。", "共 9 天"),
    ("国务院办公厅关于2024年部分节假日安排的通知\n一、春节：2月10日至17日放假调休，共8天。2月4日（星期一）上班。", "星期日"),
    ("国务院办公厅关于2024年部分节假日安排的通知\n一、春节：2月30日放假。", "不是有效日期"),
    ("国务院办公厅关于2024年部分节假日安排的通知\n一、春节：另行通知。", "没有读到放假日期"),
])
def test_a_misread_notice_fails_loudly(text, message):
    with pytest.raises(NoticeError, match=message):
        parse_notice(text)
