"""The text of a State Council 部分节假日安排 notice → that year's calendar file.

The notices have kept one shape since 2008: numbered items "二、春节：2月10日至17日放假调休，
共8天。2月4日（星期日）、2月18日（星期日）上班。", a year in the title ("关于2024年部分节假日
安排的通知"). Dates without a year belong to the notice's year, except December dates of the
元旦 item (the year before). Every date printed with its weekday is checked against it, and a
"共N天" against the days of the range: a misread notice fails loudly instead of moving days."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from analyzers.workdays import CalendarDay, YearFile

WEEKDAYS = "一二三四五六日"


class NoticeError(ValueError):
    """The text is not a notice this parser can read, with where and why in Chinese."""


@dataclass(frozen=True)
class NoticeItem:
    name: str
    off: tuple[date, ...]
    work: tuple[date, ...]
    text: str


YEAR = re.compile(r"关于\s*(\d{4})\s*年\s*部分节假日安排")
ITEM = re.compile(r"^\s*[一二三四五六七八九十]+、\s*([^：:]{1,40})[：:]\s*(.+)$", re.M)
# One date: optional year, optional month (carried over from the date before), day, optional (星期X …).
DATE = r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:[（(]([^）)]*)[）)])?"
RANGE = re.compile(DATE + r"\s*(?:至|—|－|-|~|〜)\s*" + DATE + r"[^。，,；]*?(?:放假|休息)")
SINGLE = re.compile(DATE + r"\s*(?:放假|休息)")
WORK_RUN = re.compile(r"((?:" + DATE + r"[、，,和及\s]*)+)上班")
ONE = re.compile(DATE)
TOTAL = re.compile(r"共\s*(\d+)\s*天")


class _Dates:
    """Reads dates in order, carrying year and month forward as the notice's prose does."""

    def __init__(self, notice_year: int, item_name: str):
        self.notice_year = notice_year
        self.item_name = item_name
        self.month: int | None = None
        self.year: int | None = None

    def read(self, year: str | None, month: str | None, day: str, note: str | None, where: str) -> date:
        if month:
            self.month = int(month)
            self.year = None
        if year:
            self.year = int(year)
        if self.month is None:
            raise NoticeError(f"{where}：“{day}日”前没有月份")
        resolved_year = self.year or (
            self.notice_year - 1 if self.month == 12 and "元旦" in self.item_name else self.notice_year
        )
        try:
            value = date(resolved_year, self.month, int(day))
        except ValueError as exc:
            raise NoticeError(f"{where}：{resolved_year}年{self.month}月{day}日不是有效日期") from exc
        weekday = re.search(r"(?:星期|周)([一二三四五六日天])", note or "")
        if weekday and WEEKDAYS.index(weekday.group(1).replace("天", "日")) != value.weekday():
            raise NoticeError(f"{where}：{value} 是星期{WEEKDAYS[value.weekday()]}，通知却写着星期{weekday.group(1)}"
                              "——年份或日期可能读错了")
        return value


def _item(notice_year: int, name: str, body: str) -> NoticeItem:
    where = f"“{name}”一项"
    dates = _Dates(notice_year, name)
    off: list[date] = []
    ranged = RANGE.search(body)
    if ranged:
        start = dates.read(*ranged.groups()[:4], where)
        end = dates.read(*ranged.groups()[4:8], where)
        if end < start or (end - start).days > 31:
            raise NoticeError(f"{where}：放假从 {start} 到 {end}，不像一个假期")
        off = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        total = TOTAL.search(body[ranged.end() - 2:])
        if total and int(total.group(1)) != len(off):
            raise NoticeError(f"{where}：写明共 {total.group(1)} 天，日期范围却是 {len(off)} 天")
    else:
        single = SINGLE.search(body)
        if single is None:
            raise NoticeError(f"{where}：没有读到放假日期（“X月X日放假”或“X月X日至X日放假”）")
        off = [dates.read(*single.groups(), where)]
        if "与周末连休" in body:  # the weekend next to the day belongs to the holiday, as the notice says
            off = _with_adjacent_weekend(off[0])
    work: list[date] = []
    for run in WORK_RUN.finditer(body):
        for one in ONE.finditer(run.group(1)):
            work.append(dates.read(*one.groups(), where))
    clash = set(off) & set(work)
    if clash:
        raise NoticeError(f"{where}：{min(clash)} 既是放假又是上班")
    return NoticeItem(name.strip(), tuple(off), tuple(work), f"{name}：{body.strip()}")


def _with_adjacent_weekend(day: date) -> list[date]:
    days = [day]
    before, after = day - timedelta(days=1), day + timedelta(days=1)
    while before.weekday() >= 5:
        days.insert(0, before)
        before -= timedelta(days=1)
    while after.weekday() >= 5:
        days.append(after)
        after += timedelta(days=1)
    return days


def parse_notice(text: str, source: str = "", papers: tuple[str, ...] = ()) -> tuple[YearFile, list[NoticeItem]]:
    """The year file a notice sets, and what was read from each item (for the preview)."""
    normalized = unicodedata.normalize("NFKC", text).replace("\r\n", "\n")
    # NFKC turns the notice's full-width colon and brackets into ASCII; the patterns accept both.
    year_match = YEAR.search(normalized)
    if year_match is None:
        raise NoticeError("没有找到“关于XXXX年部分节假日安排”：这不像国务院办公厅的节假日安排通知")
    year = int(year_match.group(1))
    items = [_item(year, m.group(1), m.group(2)) for m in ITEM.finditer(normalized)]
    if not items:
        raise NoticeError("没有找到“一、元旦：……”这样的分项安排")
    days: dict[date, CalendarDay] = {}
    for item in items:
        for day in item.off:
            days[day] = CalendarDay(item.name, day, True)
        for day in item.work:
            days[day] = CalendarDay(item.name, day, False)
    ordered = tuple(days[d] for d in sorted(days))
    return YearFile(year, papers, ordered, source or "导入"), items


def preview(items: list[NoticeItem], year: int | None = None) -> list[str]:
    """One line per item: the days off and the make-up working days, with weekdays (and the
    year, for a day outside the notice's own)."""
    def show(day: date) -> str:
        prefix = f"{day.year}年" if year is not None and day.year != year else ""
        return f"{prefix}{day.month}月{day.day}日（{'星期' + WEEKDAYS[day.weekday()]}）"

    lines = []
    for item in items:
        off = f"{show(item.off[0])}至{show(item.off[-1])}" if len(item.off) > 1 else show(item.off[0])
        work = "、".join(show(d) for d in item.work) or "无"
        lines.append(f"{item.name}：放假 {off}，共 {len(item.off)} 天；调休上班 {work}")
    return lines
