"""The signature block at the foot of an official document: the issuing unit on one line and
the signing date (成文日期) on the next, as in 泉州市民政局 / 2016年6月23日."""
from __future__ import annotations

import re
from datetime import date

from analyzers.dates import arabic_dates, find_date

_DATE_LINE = re.compile(r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_UNIT = re.compile(r"(人民政府|办公室|办公厅|委员会|局|厅|部|院|委|中心|办)$")


def signature(body: str) -> tuple[str, date | None]:
    """(issuing unit, signing date) of the last signature in the body; ("", None) if none."""
    lines = [arabic_dates(line.strip()) for line in (body or "").split("\n")]
    for i in range(len(lines) - 1, -1, -1):
        if _DATE_LINE.fullmatch(lines[i]):
            unit = lines[i - 1] if i > 0 else ""
            return (unit if len(unit) <= 30 and _UNIT.search(unit) else ""), find_date(lines[i])
    return "", None
