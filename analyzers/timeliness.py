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
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Iterable, Iterator

from pydantic import BaseModel, Field, PrivateAttr, TypeAdapter
from pydantic_core import to_json

from analyzers.model import DocKind, Document
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


def pack_facts(dumped: Iterable[bytes]) -> bytes:
    """The facts product from each policy's dump_one_facts, in order (JSON has no raw newline),
    compressed as it comes: a province's uncompressed is over a gigabyte."""
    packed = io.BytesIO()
    with gzip.GzipFile(fileobj=packed, mode="wb", compresslevel=5, mtime=0) as out:
        for n, one in enumerate(dumped):
            out.write(b"\n" + one if n else one)
    return packed.getvalue()


def dump_facts(facts: Iterable[PolicyFacts]) -> bytes:
    return pack_facts(map(dump_one_facts, facts))


def _lines(payload: bytes) -> Iterator[bytes]:
    with gzip.GzipFile(fileobj=io.BytesIO(payload)) as lines:
        yield from (line for line in lines if line.strip())


def each_facts(payload: bytes) -> Iterator[PolicyFacts]:
    """The product's facts, one at a time."""
    return map(_ONE_FACTS.validate_json, _lines(payload))


def load_facts(payload: bytes) -> list[PolicyFacts]:
    return list(each_facts(payload))


def find_facts(payload: bytes, policy_id: str) -> PolicyFacts | None:
    """One policy's facts, read without making the others' objects: each line starts with its id."""
    start = b'{"id":' + to_json(policy_id) + b","
    return next((_ONE_FACTS.validate_json(line) for line in _lines(payload) if line.startswith(start)), None)


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
    _row_json: list[bytes] | None = PrivateAttr(None)  # the rows' JSON, when computed with them

    as_of: date
    rules: list[RuleOut]
    calendar: CalendarOut
    rows: list[TimelinessRow]
    by_unit: list[Tally]
    by_month: list[Tally]
    due: list[DueItem]


# ---- assessment ----
# Rows are built without validation (every value comes from validated facts) and share one
# "fields set" (nothing reads which were given): a server keeps a row for every policy, and a
# set of its own was 2.3 KB of a 5.8 KB row.
_ROW_FIELDS = set(TimelinessRow.model_fields)
_INTERPRETATION_FIELDS = set(InterpretationOut.model_fields)


@dataclass(frozen=True, slots=True)
class Assessed:
    """A row before the day is known, and what a report selects and counts it by. A row still
    waiting for its interpretation (it has a deadline) is kept as an object, to be finished as
    of a day; a final row is kept as its JSON only — a server keeps one for every policy, and
    as objects they were 3.3 KB each."""

    unit: str
    published: date | None
    status: Status
    provisional: bool
    rule: str
    json: bytes = b""  # a final row
    waiting: TimelinessRow | None = None

    @classmethod
    def of(cls, row: TimelinessRow, waiting: bool = False) -> "Assessed":
        return cls(row.unit, row.published, row.status, row.provisional, row.rule,
                   b"" if waiting else _ROW_JSON.to_json(row), row if waiting else None)

    @property
    def row(self) -> TimelinessRow:
        return self.waiting if self.waiting is not None else TimelinessRow.model_validate_json(self.json)


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


def assess(facts: PolicyFacts, profile: RuleProfile, calendar: WorkCalendar, overrides: dict[str, bool]) -> Assessed:
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
        return Assessed.of(row(Status.not_required, reason=reason))
    clock = facts.published if profile.clock == "published" else facts.written
    if clock is None:
        return Assessed.of(row(Status.undetermined, reason=f"{profile.clock_label}未知"))
    try:
        deadline = calendar.nth_workday_after(clock, profile.workdays)
        unsettled = calendar.first_unsettled(clock, deadline)
        certainty = {"deadline": deadline, "provisional": unsettled is not None,
                     "provisional_reason": calendar.why_unsettled(unsettled) if unsettled else ""}
        if first is None:
            return Assessed.of(row(Status.pending, **certainty), waiting=True)
        published = first.published
        if published <= deadline:
            return Assessed.of(row(Status.on_time, **certainty))
        late, note = _count(calendar, deadline, published)
        return Assessed.of(row(
            Status.late, **certainty, late_workdays=late, late_calendar_days=(published - deadline).days,
            off_day_publication=not calendar.is_workday(published), count_note=note,
        ))
    except CalendarNotCovered as exc:
        return Assessed.of(row(Status.undetermined, reason=str(exc)))


def on_day(assessed: Assessed, as_of: date, calendar: WorkCalendar) -> TimelinessRow:
    """The row as of a day: a waiting row is pending until its deadline, missing after it."""
    row = assessed.row
    if assessed.waiting is None or as_of <= row.deadline:
        return row
    overdue, note = _count(calendar, row.deadline, as_of)
    return row.model_copy(update={
        "status": Status.missing, "status_label": STATUS_LABELS[Status.missing], "overdue_workdays": overdue,
        "overdue_calendar_days": (as_of - row.deadline).days, "count_note": note,
    })


def assess_all(facts: Iterable[PolicyFacts], rules: Rules, calendar: WorkCalendar, overrides: dict[str, bool],
               workdays: int | None = None) -> list[Assessed]:
    """Every policy by its rule; `workdays` replaces every rule's allowance (a what-if report).
    Rows that no longer depend on the day are serialized here, once (Assessed)."""
    profiles: dict[tuple[str, str], RuleProfile] = {}
    assessed = []
    for policy in facts:
        key = (policy.unit, policy.site)
        if key not in profiles:
            profile = rules.profile_for(policy.unit, policy.site)
            profiles[key] = replace(profile, workdays=workdays) if workdays is not None else profile
        assessed.append(assess(policy, profiles[key], calendar, overrides))
    assessed.sort(key=lambda a: (a.unit, a.published or date.min))
    return assessed


_ROW_JSON = TimelinessRow.__pydantic_serializer__
UNKNOWN_UNIT, UNKNOWN_MONTH = "（未知单位）", "（未知）"


class Day:
    """Every row as of one day, with its JSON and grouping keys computed once: a report is then
    a selection of rows, its tallies and the rows' JSON joined."""

    def __init__(self, assessed: list[Assessed], as_of: date, calendar: WorkCalendar):
        self.as_of = as_of
        self.assessed = assessed
        # The waiting rows as of this day (pending, or missing past their deadline).
        self.finished = {i: on_day(one, as_of, calendar) for i, one in enumerate(assessed) if one.waiting is not None}
        self.waiting = list(self.finished)
        self.json = [_ROW_JSON.to_json(self.finished[i]) if i in self.finished else one.json
                     for i, one in enumerate(assessed)]
        self.units = [one.unit or UNKNOWN_UNIT for one in assessed]
        self.months = [one.published.isoformat()[:7] if one.published else UNKNOWN_MONTH for one in assessed]
        self.statuses = [(self.finished[i] if i in self.finished else one).status.value for i, one in enumerate(assessed)]
        self.exports: dict[tuple, bytes] = {}  # downloads rendered from this day's rows, by selection

    def row(self, i: int) -> TimelinessRow:
        return self.finished[i] if i in self.finished else self.assessed[i].row

    def select(self, unit: str | None = None, date_from: date | None = None, date_to: date | None = None) -> list[int]:
        rows = self.assessed
        return [
            i for i in range(len(rows))
            if (unit is None or rows[i].unit == unit)
            and (date_from is None or (rows[i].published is not None and rows[i].published >= date_from))
            and (date_to is None or (rows[i].published is not None and rows[i].published <= date_to))
        ]

    def _tallies(self, keys: list[str], chosen: list[int]) -> list[Tally]:
        counts: dict[str, Counter] = defaultdict(Counter)
        for i in chosen:
            bucket = counts[keys[i]]
            bucket[self.statuses[i]] += 1
            if self.assessed[i].provisional:
                bucket["provisional"] += 1
        tallies = []
        for name, bucket in counts.items():
            required = bucket["on_time"] + bucket["late"] + bucket["missing"]
            rate = round(bucket["on_time"] / required, 4) if required else None
            tallies.append(Tally(key=name, on_time_rate=rate, **bucket))
        return tallies

    def report(self, chosen: list[int], calendar: WorkCalendar, rules: Rules, rows: bool = True) -> TimelinessReport:
        """rows: the chosen rows as objects (a page, a download); without them the report has
        their JSON only, which is all its JSON needs (report_json), at no cost per row."""
        by_unit = sorted(self._tallies(self.units, chosen), key=lambda t: (-(t.on_time + t.late + t.missing), t.key))
        by_month = sorted(self._tallies(self.months, chosen), key=lambda t: t.key)
        picked = set(chosen)
        used = {self.assessed[i].rule for i in chosen} or {rules.default}
        result = TimelinessReport.model_construct(
            as_of=self.as_of,
            rules=[RuleOut(name=p.name, label=p.label, workdays=p.workdays, clock=p.clock_label, citation=p.citation)
                   for name, p in sorted(rules.profiles.items()) if name in used],
            calendar=CalendarOut(years=calendar.covered_years, settled_through=calendar.settled_through,
                                 problems=calendar.problems),
            rows=[self.row(i) for i in chosen] if rows else [], by_unit=by_unit, by_month=by_month,
            due=due_soon([self.finished[i] for i in self.waiting if i in picked], self.as_of),
        )
        result._row_json = [self.json[i] for i in chosen]
        return result


def report_json(report: TimelinessReport) -> bytes:
    """The report as JSON, its rows from the JSON serialized when they were assessed."""
    if report._row_json is None:
        return report.model_dump_json().encode()
    head = report.model_dump_json(exclude={"rows"}).encode()
    return head[:-1] + b',"rows":[' + b",".join(report._row_json) + b"]}"


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


def build_report(assessed: list[Assessed], as_of: date, calendar: WorkCalendar, rules: Rules) -> TimelinessReport:
    """Every assessed row as of a day (what services do per request, without their caches)."""
    day = Day(assessed, as_of, calendar)
    return day.report(list(range(len(assessed))), calendar, rules)
