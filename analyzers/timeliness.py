"""The timeliness check: was each policy's interpretation published in time, by its rule?

Two stages, so that a report over tens of thousands of policies costs a table lookup per row:
- `policy_facts` (at index build): what the check needs of each policy and its interpretations,
  with the raw store's captures as evidence — stored beside the index as a derived product;
- `assess` (once per facts × calendar × rules × staff decisions): deadline, status, late counts,
  evidence flags; only rows still waiting for an interpretation depend on the day, and `as_of`
  finishes those (pending or missing, overdue count).

Rule: an interpretation is on time when published no later than the N-th working day after
the policy's clock date (N from the policy's rule profile; 0 = that same day). Published after
the deadline is late, whatever kind of day it was: late by working days (may be 0) and by
calendar days. A deadline counted over days a not-yet-loaded notice can still move is 暂定."""
from __future__ import annotations

import gzip
import io
import json
import re
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Callable, Iterable, Iterator

from pydantic import BaseModel, Field, PrivateAttr, TypeAdapter
from pydantic_core import to_json

from analyzers.model import DocKind, Document
from analyzers.spill import Spill
from analyzers.timeliness_rules import RuleProfile, Rules
from analyzers.workdays import CalendarNotCovered, WorkCalendar


class Status(str, Enum):
    on_time = "on_time"
    late = "late"
    missing = "missing"  # deadline passed, no interpretation
    pending = "pending"  # no interpretation yet, deadline not passed
    not_required = "not_required"
    undetermined = "undetermined"  # no date to count from


STATUS_LABELS = {
    Status.on_time: "按时",
    Status.late: "逾期",
    Status.missing: "缺失",
    Status.pending: "未到期",
    Status.not_required: "无需解读",
    Status.undetermined: "无法判定",
}


# ---- facts, built with the index ----
class Capture(BaseModel):
    """One stored fetch of a page: the evidence that it existed then, and with which bytes."""

    url: str
    fetched_at: datetime
    status: int
    sha256: str = Field(description="SHA-256 of the stored response body")


class InterpretationFacts(BaseModel):
    doc_id: str | None
    url: str
    title: str = ""
    form: str = ""
    published: date | None = None
    method: str = ""
    captures: list[Capture] = Field(default_factory=list)


class PolicyFacts(BaseModel):
    id: str
    title: str
    doc_number: str = ""
    doc_type: str = ""
    unit: str = ""
    site: str = ""
    url: str = ""
    published: date | None = None
    written: date | None = None
    interpretations: list[InterpretationFacts] = Field(default_factory=list)
    captures: list[Capture] = Field(default_factory=list)
    crawl_interval_hours: float = 24.0
    site_first_capture: datetime | None = None


def policy_facts(
    documents: Iterable[Document],
    captures: dict[str, list[Capture]],
    crawl_interval: dict[str, timedelta],
    site_first_capture: dict[str, datetime],
) -> Iterator[PolicyFacts]:
    """The facts of every policy, one at a time; `captures` by URL, oldest first."""
    documents = list(documents)
    by_id = {doc.id: doc for doc in documents}

    def captures_of(urls: Iterable[str]) -> list[Capture]:
        return sorted((c for url in dict.fromkeys(urls) for c in captures.get(url, [])), key=lambda c: c.fetched_at)

    for doc in documents:
        if doc.kind is not DocKind.policy:
            continue
        interpretations = []
        for link in doc.interpretations:
            linked = by_id.get(link.doc_id or "")
            interpretations.append(InterpretationFacts(
                doc_id=link.doc_id, url=link.url, title=link.title, form=link.form,
                published=link.published_at.date() if link.published_at else None, method=link.method.value,
                captures=captures_of([link.url, *(linked.urls if linked else [])]),
            ))
        interval = crawl_interval.get(doc.site, timedelta(days=1))
        yield PolicyFacts(
            id=doc.id, title=doc.title, doc_number=doc.doc_number, doc_type=doc.doc_type, unit=doc.publisher,
            site=doc.site, url=doc.url, published=doc.published_at.date() if doc.published_at else None,
            written=doc.written_date, interpretations=interpretations, captures=captures_of([doc.url, *doc.urls]),
            crawl_interval_hours=interval.total_seconds() / 3600, site_first_capture=site_first_capture.get(doc.site),
        )


# The derived product stored with each index build: one policy's facts a line, so that they
# are read one at a time — as objects a province's are gigabytes (~5 KB a policy).
FACTS_PRODUCT = "timeliness-facts.jsonl.gz"
_ONE_FACTS = TypeAdapter(PolicyFacts)


def dump_one_facts(facts: PolicyFacts) -> bytes:
    """One policy's facts as they stand in the product: kept per policy between builds."""
    return _ONE_FACTS.dump_json(facts)


FACTS_BLOCK = 1000  # policies a gzip member of the product: what finding one decompresses
_HEAD_WINDOW = 1 << 20  # bytes read for the head member (~30 bytes a block compressed)
_LEADING_ID = re.compile(rb'\{"id":("(?:[^"\\]|\\.)*")')


def pack_facts(dumped: Iterable[bytes]) -> bytes:
    """The facts product from each policy's dump_one_facts (JSON has no raw newline), compressed
    as it comes — a province's uncompressed is over a gigabyte — in gzip members of FACTS_BLOCK
    policies. When they come in order of id (a build's do), a first member says where each
    block starts and with which id: find_facts then decompresses one block, not the province
    (seconds at a million policies). Still one gzip stream of JSON lines to any reader."""
    blocks, index, member, previous, ordered = io.BytesIO(), [], None, None, True
    for n, one in enumerate(dumped):
        policy_id = _id_of(one)
        ordered = ordered and (previous is None or previous < policy_id)
        previous = policy_id
        if n % FACTS_BLOCK == 0:
            if member is not None:
                member.close()
            index.append([policy_id, blocks.tell()])
            member = gzip.GzipFile(fileobj=blocks, mode="wb", compresslevel=5, mtime=0)
        member.write(one + b"\n")
    if member is not None:
        member.close()
    head = b"#" + json.dumps({"blocks": index if ordered else None}).encode() + b"\n"
    return gzip.compress(head, compresslevel=5, mtime=0) + blocks.getvalue()


def _id_of(line: bytes) -> str:
    found = _LEADING_ID.match(line)
    return json.loads(found.group(1)) if found else ""


def dump_facts(facts: Iterable[PolicyFacts]) -> bytes:
    return pack_facts(map(dump_one_facts, facts))


def _lines(payload: bytes) -> Iterator[bytes]:
    with gzip.GzipFile(fileobj=io.BytesIO(payload)) as lines:
        yield from (line for line in lines if line.strip() and not line.startswith(b"#"))


def each_facts(payload: bytes) -> Iterator[PolicyFacts]:
    """The product's facts, one at a time."""
    return map(_ONE_FACTS.validate_json, _lines(payload))


def load_facts(payload: bytes) -> list[PolicyFacts]:
    return list(each_facts(payload))


def find_facts(payload: bytes, policy_id: str) -> PolicyFacts | None:
    """One policy's facts, read without making the others' objects: each line starts with its
    id; only its block is decompressed when the product says where it is (pack_facts)."""
    start = b'{"id":' + to_json(policy_id) + b","
    lines: Iterable[bytes] = ()
    head, window = zlib.decompressobj(wbits=31), payload[:_HEAD_WINDOW]
    first = head.decompress(window) if window else b""
    blocks = json.loads(first[1:])["blocks"] if first.startswith(b"#") and head.eof else None
    if blocks is None:
        lines = _lines(payload)
    else:
        place = bisect_right([first_id for first_id, _offset in blocks], policy_id) - 1
        if place >= 0:
            base = len(window) - len(head.unused_data)  # where the blocks start
            end = base + blocks[place + 1][1] if place + 1 < len(blocks) else len(payload)
            lines = zlib.decompressobj(wbits=31).decompress(payload[base + blocks[place][1]:end]).split(b"\n")
    return next((_ONE_FACTS.validate_json(line) for line in lines if line.startswith(start)), None)


# ---- rows ----
class InterpretationOut(BaseModel):
    doc_id: str | None
    title: str
    form: str
    url: str
    published: date | None
    method: str = Field(description="how the link was found: hyperlink, backlink, doc_number …")
    first_seen: datetime | None = Field(description="the raw store's first capture of its page")


class TimelinessRow(BaseModel):
    policy_id: str
    title: str
    doc_number: str
    unit: str = Field(description="发布机构")
    url: str
    published: date | None
    status: Status
    status_label: str
    reason: str = Field("", description="why not required, or why undetermined")
    provisional: bool = Field(False, description="暂定: the deadline counts days a notice not yet loaded may move")
    provisional_reason: str = ""
    rule: str = Field("", description="the rule profile the policy is checked by")
    workdays: int | None = Field(None, description="working days the rule allows (0: the same day)")
    deadline: date | None = Field(None, description="last day the interpretation is on time")
    interpretation_id: str | None = None
    interpretation_title: str = ""
    interpretation_form: str = ""
    interpretation_published: date | None = None
    link_method: str = ""
    late_workdays: int | None = Field(None, description="late: working days after the deadline (may be 0)")
    late_calendar_days: int | None = Field(None, description="late: calendar days after the deadline")
    off_day_publication: bool = Field(False, description="非工作日发布: the interpretation came out on a day off")
    overdue_workdays: int | None = Field(None, description="missing: working days past the deadline as of as_of")
    overdue_calendar_days: int | None = None
    count_note: str = Field("", description="when a count is a lower bound: ≥ N 个工作日，日历覆盖至 …")
    interpretations: list[InterpretationOut] = Field(default_factory=list, description="every linked interpretation, whatever the status")
    first_seen: datetime | None = Field(None, description="the raw store's first capture of the policy page")
    interpretation_first_seen: datetime | None = None
    evidence_flags: list[str] = Field(default_factory=list, description="claimed dates earlier than the first capture by more than the crawl interval")

    @property
    def month(self) -> str:
        return self.published.strftime("%Y-%m") if self.published else ""


class Tally(BaseModel):
    key: str
    on_time: int = 0
    late: int = 0
    missing: int = 0
    pending: int = 0
    not_required: int = 0
    undetermined: int = 0
    provisional: int = Field(0, description="rows among these whose deadline is 暂定")
    on_time_rate: float | None = Field(None, description="on_time / (on_time + late + missing)")


class DueItem(BaseModel):
    unit: str
    policy_id: str
    title: str
    doc_number: str
    url: str
    published: date | None
    deadline: date
    due: str = Field(description="today, tomorrow or week (within 7 days)")
    provisional: bool


class RuleOut(BaseModel):
    name: str
    label: str
    workdays: int
    clock: str
    citation: str = Field(description="the governing sentence with its source")


class CalendarOut(BaseModel):
    years: list[int]
    settled_through: date | None = Field(description="last day no notice still to come can move")
    problems: list[str]


class TimelinessReport(BaseModel):
    # The rows' JSON, read when the report is serialized (report_json): a report made for its
    # due list or as objects never reads a province's rows from the spill.
    _row_json: Callable[[], Iterable[bytes]] | None = PrivateAttr(None)

    as_of: date
    rules: list[RuleOut]
    calendar: CalendarOut
    rows: list[TimelinessRow]
    by_unit: list[Tally]
    by_month: list[Tally]
    due: list[DueItem]


# ---- assessment ----
# Rows are built without validation (every value comes from validated facts) and share one
# "fields set" (nothing reads which were given).
_ROW_FIELDS = set(TimelinessRow.model_fields)
_INTERPRETATION_FIELDS = set(InterpretationOut.model_fields)


@dataclass(frozen=True)
class Assessed:
    """One row before the day is known (Assessment[i]). A waiting row (no interpretation yet)
    has a deadline: pending until it, missing after (on_day)."""

    unit: str
    published: date | None
    status: Status
    provisional: bool
    rule: str
    deadline: date | None  # a waiting row's; None once the row no longer depends on the day
    json: bytes

    @property
    def row(self) -> TimelinessRow:
        return TimelinessRow.model_validate_json(self.json)


_STATUSES = list(Status)
NO_MONTH = 0xFFFF  # the month column of an undated row


class Assessment:
    """Every policy's row as assessed, in columns: what a report selects and counts a row by,
    and where its JSON is (a Spill), in order of unit, then publication (undated first) —
    Day.select looks rows up by bisection in that order.

    Columns, not objects: a server keeps one for every policy of a province. As objects the
    rows left each worker hundreds of MB at 100,000 documents, most of it the heap that
    assessing them had used and could not give back, pinned by the small objects kept; as
    columns a row costs 28 bytes, and what assessing made and dropped is given back whole."""

    def __init__(self, rows: Iterable[TimelinessRow]):
        self.spill = Spill()
        made = []
        for row in rows:
            offset, length = self.spill.add(_ROW_JSON.to_json(row))
            waiting = row.status is Status.pending  # as assessed, only a row with no interpretation yet
            made.append((row.unit, row.published.toordinal() if row.published else 0, _STATUSES.index(row.status),
                         row.provisional, row.rule, row.deadline.toordinal() if waiting else 0, offset, length))
        self.units = sorted({m[0] for m in made})
        self.rules = sorted({m[4] for m in made})
        ranks = {name: i for i, name in enumerate(self.units)}
        rule_ranks = {name: i for i, name in enumerate(self.rules)}
        made.sort(key=lambda m: (ranks[m[0]], m[1]))
        self.unit = array("I", (ranks[m[0]] for m in made))
        self.published = array("i", (m[1] for m in made))  # ordinals; 0: undated
        self.month = array("H", (_month(m[1]) for m in made))
        self.status = array("B", (m[2] for m in made))
        self.provisional = array("B", (m[3] for m in made))
        self.rule = array("H", (rule_ranks[m[4]] for m in made))
        self.deadline = array("i", (m[5] for m in made))  # ordinals of waiting rows' deadlines; else 0
        self.offset = array("q", (m[6] for m in made))
        self.length = array("I", (m[7] for m in made))

    def __len__(self) -> int:
        return len(self.unit)

    def __getitem__(self, i: int) -> Assessed:
        published, deadline = self.published[i], self.deadline[i]
        return Assessed(self.units[self.unit[i]], date.fromordinal(published) if published else None,
                        _STATUSES[self.status[i]], bool(self.provisional[i]), self.rules[self.rule[i]],
                        date.fromordinal(deadline) if deadline else None, self.json(i))

    def json(self, i: int) -> bytes:
        return self.spill.read(self.offset[i], self.length[i])

    def month_name(self, month: int) -> str:
        return UNKNOWN_MONTH if month == NO_MONTH else f"{month // 12:04d}-{month % 12 + 1:02d}"


def _month(ordinal: int) -> int:
    if not ordinal:
        return NO_MONTH
    day = date.fromordinal(ordinal)
    return day.year * 12 + day.month - 1


def _count(calendar: WorkCalendar, start: date, end: date) -> tuple[int, str]:
    """Working days in (start, end], and a note when days in it are not settled (a lower bound)."""
    unsettled = calendar.first_unsettled(start, end)
    if unsettled is None:
        return calendar.workdays_between(start, end), ""
    known_end = unsettled - timedelta(days=1)
    counted = calendar.workdays_between(start, known_end)
    return counted, f"≥ {counted} 个工作日，日历覆盖至 {known_end}"


def _scope(facts: PolicyFacts, profile: RuleProfile, overrides: dict[str, bool]) -> tuple[bool, str]:
    if facts.id in overrides:
        return overrides[facts.id], "" if overrides[facts.id] else "已人工排除"
    if not facts.doc_number:
        return False, "无文号"
    if facts.doc_type not in profile.types:
        return False, f"公文种类“{facts.doc_type or '未识别'}”无需解读"
    if not profile.needs_number(facts.doc_number):
        return False, f"文号“{facts.doc_number}”不在本规则要求解读的范围内"
    if facts.written and facts.published and (facts.published - facts.written).days > profile.republication_days:
        gap = (facts.published - facts.written).days
        return False, (f"旧文件重新发布：成文于 {facts.written}，发布于 {facts.published}，"
                       f"相隔 {gap} 天（超过 {profile.republication_days} 天）")
    return True, ""


def _first_seen(captures: list[Capture]) -> datetime | None:
    return next((c.fetched_at for c in captures if c.status == 200), None)


def _evidence(facts: PolicyFacts, first: InterpretationFacts | None) -> list[str]:
    """Claimed dates the crawl contradicts: the page was first captured later than its date plus
    the crawl interval, although the site was already being crawled then."""
    interval = timedelta(hours=facts.crawl_interval_hours)
    flags = []
    for what, claimed, captures in (
        ("政策", facts.published, facts.captures),
        ("解读", first.published if first else None, first.captures if first else []),
    ):
        seen = _first_seen(captures)
        if claimed is None or seen is None or facts.site_first_capture is None:
            continue
        late_by = seen.date() - claimed
        if late_by > interval and seen > facts.site_first_capture + interval:
            flags.append(f"{what}页面声称 {claimed} 发布，首次抓取却在 {seen:%Y-%m-%d %H:%M}"
                         f"（晚 {late_by.days} 天，超过抓取间隔）：可能是补发或倒签日期")
    return flags


def assess(facts: PolicyFacts, profile: RuleProfile, calendar: WorkCalendar, overrides: dict[str, bool]) -> TimelinessRow:
    dated = sorted((i for i in facts.interpretations if i.doc_id and i.published), key=lambda i: i.published)
    first = dated[0] if dated else None
    base = dict(
        policy_id=facts.id, title=facts.title, doc_number=facts.doc_number, unit=facts.unit, url=facts.url,
        published=facts.published, rule=profile.name, workdays=profile.workdays,
        interpretations=[
            InterpretationOut.model_construct(
                _INTERPRETATION_FIELDS, doc_id=i.doc_id, title=i.title, form=i.form, url=i.url,
                published=i.published, method=i.method, first_seen=_first_seen(i.captures))
            for i in facts.interpretations
        ],
        first_seen=_first_seen(facts.captures), evidence_flags=_evidence(facts, first),
    )
    if first is not None:
        base.update(interpretation_id=first.doc_id, interpretation_title=first.title,
                    interpretation_form=first.form, interpretation_published=first.published,
                    link_method=first.method, interpretation_first_seen=_first_seen(first.captures))

    def row(status: Status, **fields) -> TimelinessRow:
        return TimelinessRow.model_construct(_ROW_FIELDS, **base, status=status, status_label=STATUS_LABELS[status],
                                             **fields)

    required, reason = _scope(facts, profile, overrides)
    if not required:
        return row(Status.not_required, reason=reason)
    clock = facts.published if profile.clock == "published" else facts.written
    if clock is None:
        return row(Status.undetermined, reason=f"{profile.clock_label}未知")
    try:
        deadline = calendar.nth_workday_after(clock, profile.workdays)
        unsettled = calendar.first_unsettled(clock, deadline)
        certainty = {"deadline": deadline, "provisional": unsettled is not None,
                     "provisional_reason": calendar.why_unsettled(unsettled) if unsettled else ""}
        if first is None:
            return row(Status.pending, **certainty)
        published = first.published
        if published <= deadline:
            return row(Status.on_time, **certainty)
        late, note = _count(calendar, deadline, published)
        return row(
            Status.late, **certainty, late_workdays=late, late_calendar_days=(published - deadline).days,
            off_day_publication=not calendar.is_workday(published), count_note=note,
        )
    except CalendarNotCovered as exc:
        return row(Status.undetermined, reason=str(exc))


def on_day(assessed: Assessed, as_of: date, calendar: WorkCalendar) -> TimelinessRow:
    """The row as of a day: a waiting row is pending until its deadline, missing after it."""
    row = assessed.row
    if assessed.deadline is None or as_of <= assessed.deadline:
        return row
    overdue, note = _count(calendar, row.deadline, as_of)
    return row.model_copy(update={
        "status": Status.missing, "status_label": STATUS_LABELS[Status.missing], "overdue_workdays": overdue,
        "overdue_calendar_days": (as_of - row.deadline).days, "count_note": note,
    })


def assess_all(facts: Iterable[PolicyFacts], rules: Rules, calendar: WorkCalendar, overrides: dict[str, bool],
               workdays: int | None = None) -> Assessment:
    """Every policy by its rule; `workdays` replaces every rule's allowance (a what-if report).
    Each row is serialized here, once."""
    profiles: dict[tuple[str, str], RuleProfile] = {}

    def rows() -> Iterator[TimelinessRow]:
        for policy in facts:
            key = (policy.unit, policy.site)
            if key not in profiles:
                profile = rules.profile_for(policy.unit, policy.site)
                profiles[key] = replace(profile, workdays=workdays) if workdays is not None else profile
            yield assess(policy, profiles[key], calendar, overrides)

    return Assessment(rows())


_ROW_JSON = TimelinessRow.__pydantic_serializer__
UNKNOWN_UNIT, UNKNOWN_MONTH = "（未知单位）", "（未知）"
DUE_WITHIN = 7  # days: a pending row whose deadline is this close is in the report's due list


class Day:
    """Every row as of one day: a report is a selection of rows, found by unit and publication
    date, its tallies, and the rows' JSON joined — what it costs grows with the rows it shows,
    not with the province. Only the rows missing as of the day have JSON of the day's own (in a
    Spill of the day); the others' is the assessment's."""

    def __init__(self, assessed: Assessment, as_of: date, calendar: WorkCalendar):
        self.as_of = as_of
        self.assessed = assessed
        self.spill = Spill()
        self.status = array("B", assessed.status)
        # Where a row missing as of this day has its JSON in the day's spill (-1: not missing):
        # columns too, for the hundreds of thousands of rows of a province still waiting.
        self.offset = array("q", [-1]) * len(assessed)
        self.length = array("I", [0]) * len(assessed)
        self.due: list[int] = []  # rows pending with a deadline within DUE_WITHIN days
        today, missing = as_of.toordinal(), _STATUSES.index(Status.missing)
        for i, deadline in enumerate(assessed.deadline):
            if not deadline:
                continue
            if today > deadline:
                self.offset[i], self.length[i] = self.spill.add(_ROW_JSON.to_json(on_day(assessed[i], as_of, calendar)))
                self.status[i] = missing
            elif deadline - today <= DUE_WITHIN:
                self.due.append(i)
        self.exports: dict[tuple, bytes] = {}  # downloads rendered from this day's rows, by selection

    def json(self, i: int) -> bytes:
        return self.spill.read(self.offset[i], self.length[i]) if self.offset[i] >= 0 else self.assessed.json(i)

    def row(self, i: int) -> TimelinessRow:
        return TimelinessRow.model_validate_json(self.json(i))

    def _unit_ranges(self, unit: str | None) -> list[tuple[int, int]]:
        column = self.assessed.unit
        if unit is not None:
            names = self.assessed.units
            rank = bisect_left(names, unit)
            if rank == len(names) or names[rank] != unit:
                return []
            return [(bisect_left(column, rank), bisect_right(column, rank))]
        ranges, start = [], 0
        while start < len(column):
            end = bisect_right(column, column[start], start)
            ranges.append((start, end))
            start = end
        return ranges

    def select(self, unit: str | None = None, date_from: date | None = None, date_to: date | None = None) -> list[int]:
        """The rows of a unit (any, when None) published in a date range (both ends included;
        with either end, an undated row is not in it), in the assessment's order."""
        published = self.assessed.published
        chosen: list[int] = []
        for lo, hi in self._unit_ranges(unit):
            if date_from is not None or date_to is not None:
                lo = bisect_left(published, max(1, date_from.toordinal() if date_from else 1), lo, hi)
                if date_to is not None:
                    hi = bisect_right(published, date_to.toordinal(), lo, hi)
            chosen.extend(range(lo, hi))
        return chosen

    def _tallies(self, keys: array, name_of, chosen: list[int]) -> list[Tally]:
        counts: dict[int, Counter] = defaultdict(Counter)
        provisional = self.assessed.provisional
        for i in chosen:
            bucket = counts[keys[i]]
            bucket[self.status[i]] += 1
            if provisional[i]:
                bucket["provisional"] += 1
        tallies = []
        for key, bucket in counts.items():
            named = {_STATUSES[code].value: bucket[code] for code in range(len(_STATUSES)) if code in bucket}
            required = sum(named.get(s.value, 0) for s in (Status.on_time, Status.late, Status.missing))
            rate = round(named.get("on_time", 0) / required, 4) if required else None
            tallies.append(Tally(key=name_of(key), on_time_rate=rate, provisional=bucket["provisional"], **named))
        return tallies

    def report(self, chosen: list[int], calendar: WorkCalendar, rules: Rules, rows: bool = True) -> TimelinessReport:
        """rows: the chosen rows as objects (a page, a download); without them the report has
        their JSON only, which is all its JSON needs (report_json), at no cost per row."""
        assessed = self.assessed
        by_unit = sorted(self._tallies(assessed.unit, lambda rank: assessed.units[rank] or UNKNOWN_UNIT, chosen),
                         key=lambda t: (-(t.on_time + t.late + t.missing), t.key))
        by_month = sorted(self._tallies(assessed.month, assessed.month_name, chosen), key=lambda t: t.key)
        picked = set(chosen)
        used = {assessed.rules[assessed.rule[i]] for i in chosen} or {rules.default}
        result = TimelinessReport.model_construct(
            as_of=self.as_of,
            rules=[RuleOut(name=p.name, label=p.label, workdays=p.workdays, clock=p.clock_label, citation=p.citation)
                   for name, p in sorted(rules.profiles.items()) if name in used],
            calendar=CalendarOut(years=calendar.covered_years, settled_through=calendar.settled_through,
                                 problems=calendar.problems),
            rows=[self.row(i) for i in chosen] if rows else [], by_unit=by_unit, by_month=by_month,
            due=due_soon([self.row(i) for i in self.due if i in picked], self.as_of),
        )
        result._row_json = lambda: map(self.json, chosen)
        return result


def report_json(report: TimelinessReport) -> bytes:
    """The report as JSON, its rows from the JSON serialized when they were assessed."""
    if report._row_json is None:
        return report.model_dump_json().encode()
    head = report.model_dump_json(exclude={"rows"}).encode()
    return head[:-1] + b',"rows":[' + b",".join(report._row_json()) + b"]}"


def due_soon(rows: list[TimelinessRow], as_of: date) -> list[DueItem]:
    """Policies still waiting whose deadline is today, tomorrow or within the next 7 days."""
    items = []
    for row in rows:
        if row.status is not Status.pending or row.deadline is None:
            continue
        days = (row.deadline - as_of).days
        if days > 7:
            continue
        due = "today" if days == 0 else "tomorrow" if days == 1 else "week"
        items.append(DueItem(unit=row.unit, policy_id=row.policy_id, title=row.title, doc_number=row.doc_number,
                             url=row.url, published=row.published, deadline=row.deadline, due=due,
                             provisional=row.provisional))
    items.sort(key=lambda i: (i.deadline, i.unit, i.title))
    return items


def build_report(assessed: Assessment, as_of: date, calendar: WorkCalendar, rules: Rules) -> TimelinessReport:
    """Every assessed row as of a day (what services do per request, without their caches)."""
    day = Day(assessed, as_of, calendar)
    return day.report(list(range(len(assessed))), calendar, rules)
