"""The 3-working-day check: was each policy's interpretation published in time?

Rule: an interpretation is on time when it is published no later than the N-th working day
after the policy's publication day (N = 3 by default; the policy's own day is not counted).
Working days follow the official calendar (analyzers.workdays), 调休 make-up days included."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Iterable

from analyzers.model import DocKind, Document, InterpretationLink
from analyzers.workdays import CalendarNotCovered, nth_workday_after, workdays_between

DEFAULT_WORKDAYS = 3
# 公文种类 that set rules or policy and so need an interpretation; 批复, 函, 纪要 … do not.
NORMATIVE_TYPES = frozenset(
    {"通知", "意见", "办法", "规定", "方案", "决定", "细则", "规划", "条例", "规则", "要点", "通告", "公告", "命令"}
)


class Status(str, Enum):
    on_time = "on_time"
    late = "late"
    missing = "missing"  # deadline passed, no interpretation
    pending = "pending"  # no interpretation yet, deadline not passed
    not_required = "not_required"
    undetermined = "undetermined"  # the calendar does not cover the dates


STATUS_LABELS = {
    Status.on_time: "按时",
    Status.late: "逾期",
    Status.missing: "缺失",
    Status.pending: "未到期",
    Status.not_required: "无需解读",
    Status.undetermined: "无法判定",
}


@dataclass(frozen=True)
class TimelinessRow:
    policy_id: str
    title: str
    doc_number: str
    unit: str
    url: str
    published: date | None
    status: Status
    reason: str = ""  # why not required, or why undetermined
    deadline: date | None = None
    interpretation_id: str | None = None
    interpretation_title: str = ""
    interpretation_form: str = ""
    interpretation_published: date | None = None
    link_method: str = ""
    late_days: int | None = None  # working days after the deadline
    overdue_days: int | None = None  # missing: working days past the deadline, as of today

    @property
    def month(self) -> str:
        return self.published.strftime("%Y-%m") if self.published else ""


@dataclass
class Tally:
    key: str
    counts: dict[Status, int] = field(default_factory=lambda: {s: 0 for s in Status})

    @property
    def required(self) -> int:
        return self.counts[Status.on_time] + self.counts[Status.late] + self.counts[Status.missing]

    @property
    def on_time_rate(self) -> float | None:
        """On time among policies whose deadline has passed; None when there are none."""
        return round(self.counts[Status.on_time] / self.required, 4) if self.required else None


@dataclass
class TimelinessReport:
    rows: list[TimelinessRow]
    by_unit: list[Tally]
    by_month: list[Tally]
    workdays: int
    today: date


def scope(policy: Document, overrides: dict[str, bool], types: frozenset[str] = NORMATIVE_TYPES) -> tuple[bool, str]:
    """Whether a policy needs an interpretation, and why not. Staff overrides come first."""
    if policy.id in overrides:
        return overrides[policy.id], "" if overrides[policy.id] else "已人工排除"
    if not policy.doc_number:
        return False, "无文号"
    if policy.doc_type not in types:
        return False, f"公文种类“{policy.doc_type or '未识别'}”无需解读"
    return True, ""


def _first_interpretation(policy: Document) -> InterpretationLink | None:
    dated = [link for link in policy.interpretations if link.doc_id and link.published_at]
    return min(dated, key=lambda link: link.published_at) if dated else None


def assess(
    policy: Document,
    today: date,
    workdays: int = DEFAULT_WORKDAYS,
    overrides: dict[str, bool] | None = None,
    types: frozenset[str] = NORMATIVE_TYPES,
) -> TimelinessRow:
    published = policy.published_at.date() if policy.published_at else None
    base = dict(
        policy_id=policy.id, title=policy.title, doc_number=policy.doc_number, unit=policy.publisher,
        url=policy.url, published=published,
    )
    required, reason = scope(policy, overrides or {}, types)
    if not required:
        return TimelinessRow(**base, status=Status.not_required, reason=reason)
    if published is None:
        return TimelinessRow(**base, status=Status.undetermined, reason="发布日期未知")
    first = _first_interpretation(policy)
    found = {}
    if first is not None:
        found = dict(
            interpretation_id=first.doc_id, interpretation_title=first.title, interpretation_form=first.form,
            interpretation_published=first.published_at.date(), link_method=first.method.value,
        )
    try:
        deadline = nth_workday_after(published, workdays)
        if first is not None:
            late = workdays_between(deadline, first.published_at.date())
            status = Status.late if late else Status.on_time
            return TimelinessRow(**base, **found, status=status, deadline=deadline, late_days=late)
        if today <= deadline:
            return TimelinessRow(**base, status=Status.pending, deadline=deadline)
        overdue = workdays_between(deadline, today)
        return TimelinessRow(**base, status=Status.missing, deadline=deadline, overdue_days=overdue)
    except CalendarNotCovered as exc:
        return TimelinessRow(**base, **found, status=Status.undetermined, reason=str(exc))


def _tallies(rows: list[TimelinessRow], key) -> list[Tally]:
    tallies: dict[str, Tally] = {}
    for row in rows:
        name = key(row)
        tallies.setdefault(name, Tally(name)).counts[row.status] += 1
    return list(tallies.values())


def report(
    documents: Iterable[Document],
    today: date,
    workdays: int = DEFAULT_WORKDAYS,
    overrides: dict[str, bool] | None = None,
    types: frozenset[str] = NORMATIVE_TYPES,
) -> TimelinessReport:
    rows = [assess(doc, today, workdays, overrides, types) for doc in documents if doc.kind is DocKind.policy]
    rows.sort(key=lambda r: (r.unit, r.published or date.min))
    by_unit = sorted(_tallies(rows, lambda r: r.unit or "（未知单位）"), key=lambda t: (-t.required, t.key))
    by_month = sorted(_tallies(rows, lambda r: r.month or "（未知）"), key=lambda t: t.key)
    return TimelinessReport(rows, by_unit, by_month, workdays, today)
