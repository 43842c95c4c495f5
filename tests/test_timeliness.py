"""The timeliness rules on real calendar dates: deadlines, lateness by the rule as written,
provisional deadlines at the calendar's edge, rule profiles, scope and evidence."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
import tomllib

import pytest

from analyzers.holiday_notice import parse_notice
from analyzers.model import DocKind, Document, InterpretationLink, LinkMethod, document_id
from analyzers.timeliness import (
    Capture, Status, assess_all, build_report, dump_facts, load_facts, on_day, policy_facts,
)
from analyzers.timeliness_rules import BUNDLED, RulesError, build_rules, load_rules
from analyzers.workdays import WorkCalendar, default_calendar

TODAY = date(2026, 11, 25)
CALENDAR = default_calendar()
RULES = load_rules()
UNIT = "泉港区民政局"


def policy(published: datetime | None, *interpretations: datetime, doc_number="泉港民〔2016〕58号",
           title="关于做好走访慰问工作的通知", doc_type="通知", url="http://a/p", unit=UNIT,
           written: date | None = None) -> Document:
    links = [
        InterpretationLink(url=f"{url}/i{n}", title=f"解读{n}", form="文字解读", doc_id=document_id(f"{url}/i{n}"),
                           published_at=when, method=LinkMethod.hyperlink)
        for n, when in enumerate(interpretations)
    ]
    return Document(id=document_id(url), url=url, site="t", kind=DocKind.policy, title=title, doc_number=doc_number,
                    doc_type=doc_type, publisher=unit, published_at=published, written_date=written,
                    interpretations=links)


def check(doc: Document, today: date = TODAY, calendar: WorkCalendar = CALENDAR, rules=RULES,
          overrides: dict | None = None, workdays: int | None = None, captures=None, first_crawl=None):
    facts = policy_facts([doc], captures or {}, {}, {"t": first_crawl} if first_crawl else {})
    (assessed,) = assess_all(facts, rules, calendar, overrides or {}, workdays)
    return on_day(assessed, today, calendar)


def test_friday_before_national_day_counts_the_make_up_saturday():
    # Fri 2016-09-30 → working days Sat 10-08 (调休), Sun 10-09 (调休), Mon 10-10: deadline 10-10.
    on_time = check(policy(datetime(2016, 9, 30, 16), datetime(2016, 10, 8, 9)))
    assert (on_time.status, on_time.deadline, on_time.late_workdays) == (Status.on_time, date(2016, 10, 10), None)
    assert check(policy(datetime(2016, 9, 30, 16), datetime(2016, 10, 10, 17))).status is Status.on_time
    late = check(policy(datetime(2016, 9, 30, 16), datetime(2016, 10, 12, 9)))
    assert (late.status, late.late_workdays, late.late_calendar_days) == (Status.late, 2, 2)
    assert not late.off_day_publication and not late.provisional


def test_published_on_the_sunday_after_a_friday_deadline_is_late_by_zero_working_days():
    # Tue 2016-07-05 → deadline Fri 07-08; published Sun 07-10: after the deadline, on no working day.
    row = check(policy(datetime(2016, 7, 5, 9), datetime(2016, 7, 10, 11)))
    assert (row.deadline, row.status) == (date(2016, 7, 8), Status.late)
    assert (row.late_workdays, row.late_calendar_days, row.off_day_publication) == (0, 2, True)


def test_deadline_on_a_make_up_saturday_and_publication_on_the_sunday_after():
    # Wed 2024-10-09 → Thu 10-10, Fri 10-11, Sat 10-12 (调休上班): deadline Saturday 10-12.
    row = check(policy(datetime(2024, 10, 9, 9), datetime(2024, 10, 13, 10)))
    assert row.deadline == date(2024, 10, 12)
    assert (row.status, row.late_workdays, row.late_calendar_days, row.off_day_publication) == (Status.late, 0, 1, True)
    assert check(policy(datetime(2024, 10, 9, 9), datetime(2024, 10, 12, 18))).status is Status.on_time


def test_the_2020_extension_and_the_2019_year_boundary():
    extended = check(policy(datetime(2020, 1, 23, 9), datetime(2020, 2, 5, 9)))
    assert (extended.deadline, extended.status) == (date(2020, 2, 5), Status.on_time)
    boundary = check(policy(datetime(2018, 12, 27, 9)))  # Fri 12-28, Sat 12-29 (调休), Wed 01-02
    assert (boundary.deadline, boundary.status, boundary.provisional) == (date(2019, 1, 2), Status.missing, False)


def test_the_earliest_interpretation_decides_and_every_one_is_listed():
    row = check(policy(datetime(2016, 6, 30, 10), datetime(2016, 7, 8), datetime(2016, 7, 4)))
    assert (row.status, row.interpretation_published) == (Status.on_time, date(2016, 7, 4))
    assert [i.published for i in row.interpretations] == [date(2016, 7, 8), date(2016, 7, 4)]


def test_missing_counts_working_and_calendar_days_overdue_as_of_the_day():
    doc = policy(datetime(2026, 11, 13, 9))  # Fri; deadline Wed 11-18
    row = check(doc)
    assert (row.status, row.deadline, row.overdue_workdays, row.overdue_calendar_days) == (Status.missing, date(2026, 11, 18), 5, 7)
    pending = check(policy(datetime(2026, 11, 24, 9)))
    assert (pending.status, pending.deadline, pending.overdue_workdays) == (Status.pending, date(2026, 11, 27), None)


def test_a_known_missing_row_stays_missing_after_the_calendar_ends():
    """as_of in 2027 without a 2027 file: the 2018 row is still 缺失; only its count is a bound."""
    row = check(policy(datetime(2018, 7, 20)), today=date(2027, 2, 1))
    assert row.status is Status.missing and not row.provisional
    assert row.count_note.startswith("≥ ") and row.count_note.endswith("日历覆盖至 2026-12-14")
    assert row.overdue_workdays == CALENDAR.workdays_between(row.deadline, date(2026, 12, 14))


def test_a_deadline_past_the_calendar_is_provisional_until_the_next_notice_is_loaded():
    doc = policy(datetime(2026, 12, 30, 10))  # Wed
    row = check(doc, today=date(2027, 2, 1))
    # Weekends only: Thu 12-31, Fri 01-01, Mon 01-04.
    assert (row.deadline, row.provisional, row.status) == (date(2027, 1, 4), True, Status.missing)
    assert row.provisional_reason == "2027 年的节假日安排尚未载入，它可能调整 2026 年 12 月下旬的休息日和上班日"
    notice = ("国务院办公厅关于2027年部分节假日安排的通知\n"  # a notice written in the official format (not a real one)
              "一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n"
              "二、春节：2月6日（农历除夕、周六）至13日（周六）放假调休，共8天。2月14日（周日）、2月20日（周六）上班。\n")
    year_file, _ = parse_notice(notice)
    final = check(doc, today=date(2027, 2, 1), calendar=WorkCalendar({**CALENDAR.years, 2027: year_file}))
    # Thu 12-31, then 01-01 is a holiday: Mon 01-04, Tue 01-05.
    assert (final.deadline, final.provisional, final.status) == (date(2027, 1, 5), False, Status.missing)


def test_same_day_rule_and_assignment_per_unit():
    shipped = tomllib.loads(BUNDLED.read_text(encoding="utf-8"))
    rules = build_rules([(shipped, "内置"), ({"assign": [{"unit": UNIT, "profile": "same_day"}]}, "部署")])
    same_day = check(policy(datetime(2016, 7, 5, 9), datetime(2016, 7, 6, 9)), rules=rules)
    assert (same_day.rule, same_day.workdays, same_day.deadline, same_day.status) == ("same_day", 0, date(2016, 7, 5), Status.late)
    other = check(policy(datetime(2016, 7, 5, 9), datetime(2016, 7, 6, 9), unit="泉港区教育局", url="http://a/q"), rules=rules)
    assert (other.rule, other.status) == ("quanzhou_3_workdays", Status.on_time)
    with pytest.raises(RulesError, match="没有名为“nonexistent”的规则"):
        build_rules([({"default": "nonexistent", "profiles": {}}, "部署")])


def test_what_if_working_days_replace_every_rule():
    doc = policy(datetime(2016, 6, 30, 10), datetime(2016, 7, 8))  # Thu; Fri 07-01, then 07-04 …
    assert check(doc).late_workdays == 3
    five = check(doc, workdays=5)
    assert (five.status, five.deadline, five.late_workdays) == (Status.late, date(2016, 7, 7), 1)
    assert check(doc, workdays=6).status is Status.on_time


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [({"doc_number": ""}, "无文号"), ({"doc_type": "批复"}, "批复"),
     ({"written": date(1998, 3, 2)}, "旧文件重新发布：成文于 1998-03-02")],
)
def test_out_of_scope_documents_are_not_required_and_keep_their_interpretations(kwargs, reason):
    row = check(policy(datetime(2018, 7, 20), datetime(2018, 7, 23), **kwargs))
    assert row.status is Status.not_required and reason in row.reason
    assert [i.published for i in row.interpretations] == [date(2018, 7, 23)]


def test_a_recent_written_date_is_not_a_republication():
    assert check(policy(datetime(2018, 7, 20), written=date(2018, 7, 10))).status is Status.missing


def test_staff_overrides_include_and_exclude():
    excluded = policy(datetime(2018, 7, 20))
    assert check(excluded, overrides={excluded.id: False}).status is Status.not_required
    included = policy(datetime(2018, 7, 20), doc_number="")
    assert check(included, overrides={included.id: True}).status is Status.missing


def test_no_publication_date_is_undetermined():
    row = check(policy(None))
    assert row.status is Status.undetermined and row.reason == "发布日期未知"


def capture(url: str, when: datetime) -> Capture:
    return Capture(url=url, fetched_at=when, status=200, sha256="0" * 64)


def test_evidence_flags_a_page_first_seen_long_after_its_claimed_date_once_the_site_was_crawled():
    cst = timezone(timedelta(hours=8))
    first_crawl = datetime(2026, 1, 5, 9, tzinfo=cst)
    doc = policy(datetime(2026, 3, 2, 9), datetime(2026, 3, 3, 9), url="http://a/new")
    captures = {"http://a/new": [capture("http://a/new", datetime(2026, 3, 2, 12, tzinfo=cst))],
                "http://a/new/i0": [capture("http://a/new/i0", datetime(2026, 3, 20, 8, tzinfo=cst))]}
    row = check(doc, captures=captures, first_crawl=first_crawl)
    assert row.status is Status.on_time  # by the claimed date …
    assert row.first_seen == datetime(2026, 3, 2, 12, tzinfo=cst)
    assert row.interpretation_first_seen == datetime(2026, 3, 20, 8, tzinfo=cst)
    assert len(row.evidence_flags) == 1 and row.evidence_flags[0].startswith("解读页面声称 2026-03-03 发布")
    # A page found by the first crawl of a site is old, not back-dated.
    old = policy(datetime(2018, 3, 2, 9), url="http://a/old")
    row = check(old, captures={"http://a/old": [capture("http://a/old", first_crawl)]}, first_crawl=first_crawl)
    assert row.evidence_flags == []


def test_report_tallies_due_soon_and_facts_round_trip():
    docs = [
        policy(datetime(2016, 6, 30), datetime(2016, 7, 4), url="http://a/1"),
        policy(datetime(2016, 6, 30), datetime(2016, 7, 8), url="http://a/2"),
        policy(datetime(2016, 7, 1), url="http://a/3"),
        policy(datetime(2016, 7, 1), doc_number="", url="http://a/4"),
        policy(datetime(2026, 11, 23), url="http://a/5"),  # Mon → due Thu 11-26: tomorrow as of 11-25
        policy(datetime(2026, 11, 25), url="http://a/6"),  # Wed → due Mon 11-30: within the week
    ]
    facts = load_facts(dump_facts(policy_facts(docs, {}, {}, {})))
    result = build_report(assess_all(facts, RULES, CALENDAR, {}), TODAY, CALENDAR, RULES)
    (unit,) = result.by_unit
    assert (unit.key, unit.on_time, unit.late, unit.missing, unit.not_required, unit.pending) == (UNIT, 1, 1, 1, 1, 2)
    assert unit.on_time_rate == pytest.approx(1 / 3, abs=1e-4)
    assert [m.key for m in result.by_month] == ["2016-06", "2016-07", "2026-11"]
    assert [(d.deadline, d.due) for d in result.due] == [(date(2026, 11, 26), "tomorrow"), (date(2026, 11, 30), "week")]
    assert result.rules[0].citation.startswith("“出台规范性文件") and "泉州市民政局" in result.rules[0].citation
    assert result.calendar.settled_through == date(2026, 12, 14)


def test_a_days_selection_is_the_rows_a_filter_over_all_would_choose():
    """Day.select finds a unit's rows and a date range by bisection in the assessment's order:
    the same rows, in the same order, as testing every row, with undated rows, units with no
    name, and ranges that start or end between rows, before the first or after the last."""
    import random

    from analyzers.timeliness import Day

    rng = random.Random(16)
    units = ["泉港区民政局", "泉港区教育局", "", "石狮市人民政府", "泉州市财政局"]
    docs = []
    for n in range(400):
        published = None if rng.random() < 0.1 else datetime(2016, 1, 1, 9) + timedelta(days=rng.randrange(900))
        interpretations = [published + timedelta(days=rng.randrange(8))] if published and rng.random() < 0.5 else []
        docs.append(policy(published, *interpretations, url=f"http://a/p{n}", unit=rng.choice(units)))
    assessed = assess_all(policy_facts(docs, {}, {}, {}), RULES, CALENDAR, {})
    day = Day(assessed, TODAY, CALENDAR)
    edges = [None, date(2015, 6, 1), date(2016, 3, 1), date(2016, 3, 2), date(2017, 1, 31), date(2020, 1, 1)]
    for unit in [None, *units, "没有这个单位"]:
        for date_from in edges:
            for date_to in edges:
                expected = [
                    i for i, one in enumerate(assessed)
                    if (unit is None or one.unit == unit)
                    and (date_from is None or (one.published is not None and one.published >= date_from))
                    and (date_to is None or (one.published is not None and one.published <= date_to))
                ]
                assert day.select(unit, date_from, date_to) == expected, (unit, date_from, date_to)
    report = day.report(day.select("泉港区民政局"), CALENDAR, RULES)
    assert [row.policy_id for row in report.rows] == [assessed[i].row.policy_id for i in day.select("泉港区民政局")]
    assert {row.status for row in report.rows} >= {Status.missing, Status.on_time}


def test_rows_that_the_temporary_folder_cannot_take_are_a_clear_error(tmp_path, monkeypatch):
    """Assessed rows are spilled to a temporary file (analyzers.spill): a full disk (here a file
    size limit) or a missing TMPDIR is a SpillError naming the folder, which the API answers
    with 503 and the reason, not a broken report."""
    import resource
    import signal
    import tempfile

    from analyzers.spill import Spill, SpillError

    facts = policy_facts([policy(datetime(2016, 7, 5, 9), url=f"http://a/p{n}") for n in range(20)], {}, {}, {})
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    ignored = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG), not the process
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard))
    try:
        with pytest.raises(SpillError, match="临时文件写入失败"):
            assessment = assess_all(facts, RULES, CALENDAR, {})
            assessment.json(len(assessment) - 1)  # buffered: a write may fail when read back
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, ignored)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))
    with pytest.raises(SpillError, match="gone"):
        Spill()


def test_one_policys_facts_are_found_in_its_block_as_a_scan_finds_them(monkeypatch):
    """The facts product is gzip members of FACTS_BLOCK policies after a head that says where
    each block starts (pack_facts); find_facts decompresses one block. Every policy is found as
    a scan of every line finds it — first and last of a block, the product's last, an id
    between two blocks or before the first — and a product out of id order, or written in one
    member before blocks existed, is scanned."""
    import gzip
    import io

    from analyzers import timeliness
    from analyzers.timeliness import dump_one_facts, each_facts, find_facts, pack_facts

    monkeypatch.setattr(timeliness, "FACTS_BLOCK", 4)
    facts = sorted(policy_facts([policy(datetime(2016, 7, 5, 9), url=f"http://a/p{n}") for n in range(11)], {}, {}, {}),
                   key=lambda f: f.id)
    ordered = pack_facts(map(dump_one_facts, facts))
    assert [f.id for f in each_facts(ordered)] == [f.id for f in facts]
    with gzip.GzipFile(fileobj=io.BytesIO(ordered)) as whole:
        assert whole.readline().startswith(b'#{"blocks": [[')  # 3 blocks: 4, 4 and 3 policies
    shuffled = pack_facts(map(dump_one_facts, [facts[5], *facts[:5], *facts[6:]]))
    single = io.BytesIO()
    with gzip.GzipFile(fileobj=single, mode="wb") as out:  # the product as builds before blocks wrote it
        out.write(b"\n".join(map(dump_one_facts, facts)))
    for product in (ordered, shuffled, single.getvalue()):
        for one in facts:
            assert find_facts(product, one.id) == one
        for absent in ("", "0", facts[3].id + "0", "z"):
            assert find_facts(product, absent) is None
    assert find_facts(pack_facts([]), facts[0].id) is None and list(each_facts(pack_facts([]))) == []
