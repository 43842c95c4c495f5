"""Working days by the official Chinese calendar: public holidays and 调休 make-up workdays,
from the chinese-calendar package (the State Council's yearly notices, as data).

A year the package has no data for raises CalendarNotCovered: guessing weekdays there would
turn a holiday into a working day and silently mark an interpretation late."""
from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar


class CalendarNotCovered(ValueError):
    pass


def is_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as exc:
        raise CalendarNotCovered(
            f"工作日历没有 {day.year} 年的节假日安排（chinese-calendar {chinese_calendar.__version__}：{exc}）；"
            "请升级 chinese-calendar 后重试"
        ) from exc


def nth_workday_after(day: date, n: int) -> date:
    """The n-th working day after day, day itself not counted (n=0: day)."""
    current = day
    remaining = n
    while remaining > 0:
        current += timedelta(days=1)
        if is_workday(current):
            remaining -= 1
    return current


def workdays_between(start: date, end: date) -> int:
    """Working days in (start, end]: after start, up to and including end; 0 when end ≤ start."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        count += is_workday(current)
    return count
