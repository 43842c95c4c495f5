"""文号 (document numbers): find them in text and reduce every spelling to one key.

泉港政办〔2018〕84号, 泉港政办[2018]84号, 泉港政办【2018】84号, 泉港政办（2018）84号,
泉港政办(2018)第84号 and 泉港政办2018-84 all have the key 泉港政办2018-84."""
from __future__ import annotations

import re

_OPEN = "〔[【(（［〖"
_CLOSE = "〕]】)）］〗"
_PREFIX = r"[\u4e00-\u9fff]{1,16}"
DOC_NUMBER = re.compile(
    rf"(?P<prefix>{_PREFIX})\s*(?:[{re.escape(_OPEN)}]\s*(?P<year>(?:19|20)\d{{2}})\s*[{re.escape(_CLOSE)}]"
    rf"\s*第?\s*(?P<num>\d{{1,5}})\s*号"
    rf"|(?P<year2>(?:19|20)\d{{2}})\s*[-－—]\s*(?P<num2>\d{{1,5}})(?!\d))"
)


def find_doc_numbers(text: str) -> list[str]:
    """Every 文号 printed in text, as printed, in order of appearance."""
    return [m.group(0).strip() for m in DOC_NUMBER.finditer(text or "") if m.group("year")]


def doc_number_key(text: str) -> str:
    """The normalized key of the first 文号 in text, or "" when it holds none."""
    match = DOC_NUMBER.search(text or "")
    if not match:
        return ""
    year = match.group("year") or match.group("year2")
    num = match.group("num") or match.group("num2")
    return f"{match.group('prefix')}{year}-{int(num)}"
