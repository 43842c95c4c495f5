"""Abbreviations the documents define themselves: “……（以下简称“X”）”, “（以下简称X）”,
“（简称“X”）”, “（以下统称“X”）”. Read from every document at analysis time and gathered by
`zhengce reindex` into a table abbreviation → full forms (with the documents that define them),
which queries use: 三项制度 also finds the documents that write out 行政执法公示制度、执法全过程
记录制度、重大执法决定法制审核制度.

The full form is what stands right before the bracket: a 《title》 or a “quoted name” when there
is one, else the clause back to the last punctuation, after the verb that introduces the name
(组成, 推行, 设立 …). A short name that is only the tail of its full form (《方案》 for 《……试点方案》,
试点工作小组 for 国家组织……试点工作小组) points back within its own document and names nothing on
its own: it is recorded, not used for search."""
from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable

from analyzers.model import Abbreviation, Document
from analyzers.normalize import normalize

ABBREVIATIONS_PRODUCT = "abbreviations.json"  # the derived product stored with each index build
_DEFINITION = re.compile(
    r"[（(]\s*(?:以下)?(?:简称|统称|称)\s*[“\"《「]?(?P<short>[^”\"》」）)，,。；]{2,16})[”\"》」]?\s*[）)]"
)
_TITLE = re.compile(r"《([^《》]{2,80})》\s*$")
_QUOTED = re.compile(r"[“\"]([^“”\"]{2,60})[”\"]\s*$")
_CLAUSE_END = re.compile(r"[，。；：！？、,;:!?\n（(）)]")
# Verbs that introduce a name, and 的: the name starts after the last of them. (No other single
# characters: 对 would cut 对象名录库 in two.)
_INTRODUCING = ("组成", "成立", "设立", "组建", "建立", "推行", "实行", "实施", "开展", "设置", "印发", "出台",
                "制定", "发布", "推进", "建设", "启动", "的")
_QUALIFIER = re.compile(r"[（(][^（）()]*[）)]$")  # a trailing （2018—2035年）


def _full_form(before: str) -> str:
    for pattern in (_TITLE, _QUOTED):
        match = pattern.search(before)
        if match:
            return match.group(1).strip()
    clause = before[-120:]
    # A list of names (A、B、C（以下统称“三项制度”）) is one full form: only stronger punctuation ends it.
    cut = max((m.end() for m in re.finditer(r"[，。；：！？,;:!?\n]", clause)), default=0)
    clause = clause[cut:]
    positions = [clause.rfind(verb) + len(verb) for verb in _INTRODUCING if verb in clause]
    start = max(positions, default=0)
    name = clause[start:].strip()
    for left, right in (("“", "”"), ("《", "》"), ('"', '"')):
        if name.startswith(left) and name.endswith(right):
            name = name[1:-1]
    return name.strip()


def defined_abbreviations(text: str) -> list[Abbreviation]:
    found: dict[tuple[str, str], Abbreviation] = {}
    for match in _DEFINITION.finditer(text):
        short = match.group("short").strip()
        full = _full_form(text[: match.start()])
        if len(full) <= len(short) or not full or short == full:
            continue
        local = _QUALIFIER.sub("", full).endswith(short)
        found[(short, full)] = Abbreviation(short=short, full=full, local=local)
    return list(found.values())


def abbreviation_table(documents: Iterable[Document]) -> dict[str, list[dict]]:
    """{short: [{"full", "documents"}]} over every document's searchable abbreviations."""
    table: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for document in documents:
        for a in document.abbreviations:
            if not a.local:
                table[normalize(a.short).lower()][a.full].append(document.id)
    return {short: [{"full": full, "documents": ids} for full, ids in forms.items()] for short, forms in table.items()}


def learned_expansions(table: dict[str, list[dict]]) -> dict[str, tuple[str, ...]]:
    return {short: tuple(entry["full"] for entry in forms) for short, forms in table.items()}
