"""Dates as government pages print them: 2016-06-30 10:02, 2016年6月23日, 2019/01/08, 20180806."""
from __future__ import annotations

import re
from datetime import date, datetime

_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"|(?P<m2>[01]\d)(?P<d2>[0-3]\d)(?!\d))"
    r"(?:\s*(?P<H>[0-2]?\d)[:：时](?P<M>[0-5]\d)(?:[:：](?P<S>[0-5]\d))?)?"
)


def find_datetime(text: str) -> datetime | None:
    """The first valid date (with its time, when printed) in text; None when there is none.

    An impossible date such as 2016-02-30 is skipped, not guessed at."""
    for match in _DATE.finditer(text or ""):
        month = match.group("m") or match.group("m2")
        day = match.group("d") or match.group("d2")
        try:
            return datetime(
                int(match.group("y")),
                int(month),
                int(day),
                int(match.group("H") or 0),
                int(match.group("M") or 0),
                int(match.group("S") or 0),
            )
        except ValueError:
            continue
    return None


def find_date(text: str) -> date | None:
    found = find_datetime(text)
    return found.date() if found else None
