"""What a query string means, worked out once for every engine.

Syntax (all optional; anything malformed degrades to plain words, never an error):
  社会救助 低保            both must match (words or verbatim text)
  "社会救助和社会福利"       verbatim phrase (“…” works too)
  低保 OR 特困            either (| and 或 work too)
  -通知                   must not match
  标题:低保  文号:泉港政办〔2018〕84号  单位:区民政局  领域:教育
  发布:2016  发布:2016-06  发布:2016-01-01..2016-12-31  (either end may be left open)
Synonyms and unit aliases (analyzers/data/synonyms.toml, the unit registry) are added to each
term, and the plan says in Chinese how it understood the query."""
from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from analyzers.doc_number import doc_number_key
from analyzers.model import INTERPRETATION_FORMS
from analyzers.normalize import normalize
from analyzers.segment import content_words, question_words
from analyzers.synonyms import expansions, synonym_table
MAX_QUERY_CHARS = 200
FIELDS = {
    "标题": "title", "title": "title",
    "文号": "doc_number", "number": "doc_number",
    "单位": "unit", "unit": "unit", "机构": "unit",
    "发文机关": "publisher", "机关": "publisher", "publisher": "publisher",
    "领域": "domain", "domain": "domain", "主题": "domain",
    "发布": "date", "日期": "date", "date": "date",
}
FIELD_NAMES = {"title": "标题", "doc_number": "文号", "unit": "单位", "domain": "领域", "publisher": "发文机关"}
OR_WORDS = {"OR", "|", "或"}
_TOKEN = re.compile(
    r'(?P<neg>-?)(?:(?P<field>[A-Za-z\u4e00-\u9fff]{2,6})[:：])?'
    r'(?:"(?P<quoted>[^"]*)"|“(?P<curly>[^“”]*)”(?=\s|$)|(?P<bare>\S+))'
)
_DATE = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2}))?)?$")


@dataclass(frozen=True)
class Term:
    text: str
    field: str | None = None  # None: anywhere; "title", "doc_number", "unit", "domain"
    phrase: bool = False  # quoted: only the verbatim text
    negated: bool = False
    words: tuple[str, ...] = ()  # its content words: what is searched
    synonyms: tuple[str, ...] = ()  # other ways to say it, searched as well
    ignored: tuple[str, ...] = ()  # question and function words left out (怎么, 哪些, 吗 …)

    @property
    def is_name(self) -> bool:
        """A name of several words the dictionary knows (国家药品监督管理局): one thing, found as
        a name, not as words scattered over a document."""
        return self.field is None and not self.phrase and len(self.words) > 1 and self.text in synonym_table()

    @property
    def soft(self) -> bool:
        """A question: most of its words must match, not all (query_tree.required_words). A
        long term that is no question keeps every word — the conjunction is several times
        cheaper than counting matches over common words — and is relaxed the same way only
        when it finds nothing (search_api.services.search)."""
        if self.phrase or self.field is not None or self.is_name:
            return False
        return any(word in question_words() for word in self.ignored)

    def describe(self) -> str:
        shown = f"“{self.text}”" + ("（整句）" if self.phrase else "")
        if self.ignored:
            shown += f"（按词检索：{'、'.join(self.words)}；忽略：{'、'.join(self.ignored)}）"
        if self.synonyms:
            shown += f"（含同义词：{'、'.join(self.synonyms)}）"
        where = f"{FIELD_NAMES[self.field]}含" if self.field else ""
        return ("不含" if self.negated else "") + where + shown


@dataclass(frozen=True)
class QueryPlan:
    text: str
    groups: tuple[tuple[Term, ...], ...] = ()  # every group must match; a group matches if any term does
    date_from: date | None = None
    date_to: date | None = None
    notes: tuple[str, ...] = ()  # what was not understood and how it was read instead

    @property
    def positive(self) -> list[Term]:
        return [t for group in self.groups for t in group if not t.negated]

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(w for t in self.positive for w in t.words)

    @property
    def doc_number_key(self) -> str:
        return next((doc_number_key(t.text) for t in self.positive if doc_number_key(t.text)), "")

    @property
    def has_text(self) -> bool:
        return bool(self.groups)

    @property
    def highlight_terms(self) -> tuple[str, ...]:
        """What to mark in snippets: every positive term and synonym as typed, then its words;
        one-character words only when nothing longer was asked, so 号 in a 文号 query does
        not light up every 号 in the text."""
        texts = [s for t in self.positive for s in (t.text, *t.synonyms) if len(s) > 1]
        words = [w for w in self.words if len(w) > 1] or list(self.words)
        return tuple(dict.fromkeys(texts + sorted(words, key=len, reverse=True)))

    def describe(self) -> str:
        parts = [" 或 ".join(t.describe() for t in group) for group in self.groups]
        if self.date_from or self.date_to:
            parts.append(f"发布日期 {self.date_from or '不限'} 至 {self.date_to or '不限'}")
        return "；".join(parts)


INTERPRETATION_WORDS = {"解读", "政策解读", "解读材料"}


def interpretation_hint(text: str) -> tuple[str, str] | None:
    """A term that names interpretations also matches them by kind or form, whatever their text
    says: 解读 → any interpretation, 图解 → the 图解 form. (keyword field, value) or None."""
    if text in INTERPRETATION_WORDS:
        return ("kind", "interpretation")
    if text in INTERPRETATION_FORMS:
        return ("form", INTERPRETATION_FORMS[text])
    return None


# Dates every engine can store and compare (timestamps in nanoseconds end in 1677 and 2262).
EARLIEST_DATE = date(1700, 1, 1)
LATEST_DATE = date(2261, 12, 31)


def _date_range(value: str) -> tuple[date | None, date | None] | None:
    """2016 / 2016-06 / 2016-06-30, or a range A..B with either end open; None if not a date."""
    start, sep, end = value.partition("..")
    if not sep:
        start = end = value

    def bound(text: str, last: bool) -> date | None:
        match = _DATE.match(text)
        if not match:
            raise ValueError(text)
        year, month, day = int(match["y"]), match["m"], match["d"]
        if month is None:
            return date(year, 12, 31) if last else date(year, 1, 1)
        month = int(month)
        if day is None:
            return date(year, month, calendar.monthrange(year, month)[1] if last else 1)
        return date(year, month, int(day))

    try:
        found = (bound(start, False) if start else None), (bound(end, True) if end else None)
    except ValueError:  # also an impossible date such as 2016-02-30
        return None
    if any(d is not None and not EARLIEST_DATE <= d <= LATEST_DATE for d in found):
        return None  # the engines store nothing outside these years (nanosecond timestamps)
    return found


def _normalize(q: str) -> str:
    # Full-width forms and traditional characters as the index has them (analyzers.normalize),
    # whitespace collapsed; everything else may be text the user wants verbatim.
    return " ".join(normalize(q).split())[:MAX_QUERY_CHARS]


def _term(text: str, field_name: str | None, phrase: bool, negated: bool,
          learned: Mapping[str, tuple[str, ...]]) -> Term:
    words, ignored = content_words(text)
    synonyms = () if phrase else expansions(text.lower(), tuple(words), learned)
    return Term(text.lower(), field_name, phrase, negated, tuple(words), synonyms, tuple(ignored))


def parse_query(q: str, learned: Mapping[str, tuple[str, ...]] | None = None, default_field: str = "") -> QueryPlan:
    """`learned`: abbreviation → full forms defined in the indexed documents themselves;
    `default_field`: where a term without a field prefix is looked for ("": everywhere)."""
    learned = learned or {}
    text = _normalize(q or "")
    notes: list[str] = []
    if text.count('"') % 2:
        notes.append("引号未配对，已按普通词处理")
        text = text.replace('"', " ").strip()
    groups: list[list[Term]] = []
    date_from = date_to = None
    pending_or = False
    for match in _TOKEN.finditer(text):
        negated = bool(match["neg"])
        label, bare = match["field"], match["bare"]
        quoted = match["quoted"] if match["quoted"] is not None else match["curly"]
        value = quoted if quoted is not None else bare
        if not label and not quoted and bare in OR_WORDS:
            pending_or = bool(groups)
            continue
        field_name = FIELDS.get(label) if label else None
        if label and field_name is None:  # 10:02, http://… — not a field: the token is text
            value, field_name = f"{label}{text[match.end('field')]}{value}", None
        field_name = field_name or default_field or None
        if field_name == "date":
            found = _date_range(value)
            if found is None:
                notes.append(f"“{value}”不是日期或日期范围（可检索 {EARLIEST_DATE.year}–{LATEST_DATE.year} 年），已按普通词处理")
                field_name = None
            else:
                date_from, date_to = found
                continue
        value = value.strip()
        if not value or (value == "-" and not quoted):
            continue
        term = _term(value, field_name, quoted is not None, negated, learned)
        if pending_or and not negated and all(not t.negated for t in groups[-1]):
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
    if groups and all(t.negated for g in groups for t in g) and not (date_from or date_to):
        notes.append("只有排除词：在全部文件中排除")
    return QueryPlan(text, tuple(tuple(g) for g in groups), date_from, date_to, tuple(notes))
