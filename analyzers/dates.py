"""Dates as government pages print them: 2016-06-30 10:02, 2016年6月23日, 2019/01/08, 20180806."""
from __future__ import annotations

import re
from datetime import date, datetime

_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"|(?P<m2>[01]\d)(?P<d2>[0-3]\d)(?!\d))"
    r"(?:\s*(?P<H>[0-2]?\d)[:：时](?P<M>[0-5]\d)(?:[:：](?P<S>[0-5]\d))?)?"
)


_HANZI_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_HANZI_DATE = re.compile(r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")


def _hanzi_number(text: str) -> int:
    """一 … 九十九 as official documents write months and days (十二, 二十三, 三十一)."""
    if "十" not in text:
        return _HANZI_DIGITS[text]
    tens, _, ones = text.partition("十")
    return (_HANZI_DIGITS[tens] if tens else 1) * 10 + (_HANZI_DIGITS[ones] if ones else 0)


def arabic_dates(text: str) -> str:
    """二〇一九年三月五日 → 2019年3月5日, the signing-date form of 红头文件."""
    def convert(match: re.Match) -> str:
        year = "".join(str(_HANZI_DIGITS[ch]) for ch in match.group(1))
        return f"{year}年{_hanzi_number(match.group(2))}月{_hanzi_number(match.group(3))}日"

    return _HANZI_DATE.sub(convert, text)


def find_datetime(text: str) -> datetime | None:
    """The first valid date (with its time, when printed) in text; None when there is none.

    An impossible date such as 2016-02-30 is skipped, not guessed at."""
    for match in _DATE.finditer(arabic_dates(text or "")):
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
