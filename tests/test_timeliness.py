"""The 3-working-day rule on real calendar dates, holidays and 调休 included."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from analyzers.model import DocKind, Document, InterpretationLink, LinkMethod, document_id
from analyzers.timeliness import Status, assess, report

TODAY = date(2026, 11, 25)


def policy(published: datetime, *interpretations: datetime, doc_number="泉港民〔2016〕58号", title="关于做好走访慰问工作的通知", doc_type="通知", url="http://a/p") -> Document:
    links = [
        InterpretationLink(url=f"http://a/i{n}", title=f"解读{n}", form="文字解读", doc_id=document_id(f"http://a/i{n}"),
                           published_at=when, method=LinkMethod.hyperlink)
        for n, when in enumerate(interpretations)
    ]
    return Document(id=document_id(url), url=url, site="t", kind=DocKind.policy, title=title, doc_number=doc_number,
                    doc_type=doc_type, publisher="泉港区民政局", published_at=published, interpretations=links)


def test_friday_before_national_day_counts_the_make_up_saturday():
    # Fri 2016-09-30 → working days Sat 10-08 (调休), Sun 10-09 (调休), Mon 10-10: deadline 10-10.
    on_time = assess(policy(datetime(2016, 9, 30, 16), datetime(2016, 10, 8, 9)), TODAY)
    assert (on_time.status, on_time.deadline, on_time.late_days) == (Status.on_time, date(2016, 10, 10), 0)
    last_day = assess(policy(datetime(2016, 9, 30, 16), datetime(2016, 10, 10, 17)), TODAY)
    assert last_day.status is Status.on_time
    late = assess(policy(datetime(2016, 9, 30, 16), datetime(2016, 10, 12, 9)), TODAY)
    assert (late.status, late.late_days) == (Status.late, 2)


def test_friday_before_spring_festival_2024():
    # Fri 2024-02-09 → Sun 02-18 (调休), Mon 02-19, Tue 02-20: deadline 02-20.
    row = assess(policy(datetime(2024, 2, 9, 10), datetime(2024, 2, 19, 15)), TODAY)
    assert (row.status, row.deadline) == (Status.on_time, date(2024, 2, 20))
    holiday_only = assess(policy(datetime(2024, 2, 9, 10), datetime(2024, 2, 21, 9)), TODAY)
    assert (holiday_only.status, holiday_only.late_days) == (Status.late, 1)


def test_the_earliest_interpretation_decides():
    row = assess(policy(datetime(2016, 6, 30, 10), datetime(2016, 7, 8), datetime(2016, 7, 4)), TODAY)
    assert (row.status, row.interpretation_published) == (Status.on_time, date(2016, 7, 4))


def test_missing_counts_working_days_overdue_as_of_today():
    row = assess(policy(datetime(2026, 11, 13, 9)), TODAY)  # Fri; deadline Wed 11-18
    assert (row.status, row.deadline, row.overdue_days) == (Status.missing, date(2026, 11, 18), 5)
    pending = assess(policy(datetime(2026, 11, 24, 9)), TODAY)
    assert (pending.status, pending.deadline) == (Status.pending, date(2026, 11, 27))


def test_number_of_working_days_is_configurable():
    doc = policy(datetime(2016, 6, 30, 10), datetime(2016, 7, 8))  # Thu; Fri 07-01, then 07-04 …
    assert assess(doc, TODAY).late_days == 3
    five = assess(doc, TODAY, workdays=5)
    assert (five.status, five.deadline, five.late_days) == (Status.late, date(2016, 7, 7), 1)
    assert assess(doc, TODAY, workdays=6).status is Status.on_time


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [({"doc_number": ""}, "无文号"), ({"doc_type": "批复"}, "批复")],
)
def test_out_of_scope_documents_are_not_required(kwargs, reason):
    row = assess(policy(datetime(2018, 7, 20), **kwargs), TODAY)
    assert row.status is Status.not_required and reason in row.reason


def test_staff_overrides_include_and_exclude():
    excluded = policy(datetime(2018, 7, 20))
    assert assess(excluded, TODAY, overrides={excluded.id: False}).status is Status.not_required
    included = policy(datetime(2018, 7, 20), doc_number="")
    assert assess(included, TODAY, overrides={included.id: True}).status is Status.missing


def test_a_year_the_calendar_lacks_is_undetermined_not_guessed():
    row = assess(policy(datetime(2099, 3, 2)), date(2099, 6, 1))
    assert row.status is Status.undetermined and "2099" in row.reason


def test_report_aggregates_per_unit_and_month():
    docs = [
        policy(datetime(2016, 6, 30), datetime(2016, 7, 4), url="http://a/1"),
        policy(datetime(2016, 6, 30), datetime(2016, 7, 8), url="http://a/2"),
        policy(datetime(2016, 7, 1), url="http://a/3"),
        policy(datetime(2016, 7, 1), doc_number="", url="http://a/4"),
    ]
    result = report(docs, TODAY)
    (unit,) = result.by_unit
    assert unit.key == "泉港区民政局"
    assert [unit.counts[s] for s in (Status.on_time, Status.late, Status.missing, Status.not_required)] == [1, 1, 1, 1]
    assert unit.on_time_rate == pytest.approx(1 / 3, abs=1e-4)
    assert [m.key for m in result.by_month] == ["2016-06", "2016-07"]


def test_normative_types_are_configurable():
    plan = policy(datetime(2018, 7, 20), doc_type="方案")
    assert assess(plan, TODAY).status is Status.missing
    assert assess(plan, TODAY, types=frozenset({"通知"})).status is Status.not_required
