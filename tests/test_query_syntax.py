"""Parsing the query syntax: every input gives a plan; malformed parts are read as words."""
from datetime import date

import pytest

from indexer.query import parse_query


def terms(q: str):
    return [[(t.text, t.field, t.phrase, t.negated) for t in group] for group in parse_query(q).groups]


def test_words_phrases_or_and_exclusion():
    assert terms('社会救助 "社会救助和社会福利" 低保 OR 特困 -通知') == [
        [("社会救助", None, False, False)],
        [("社会救助和社会福利", None, True, False)],
        [("低保", None, False, False), ("特困", None, False, False)],
        [("通知", None, False, True)],
    ]
    assert terms("“整句检索”") == [[("整句检索", None, True, False)]]
    assert terms("低保 | 特困 或 五保")[0] == [("低保", None, False, False), ("特困", None, False, False), ("五保", None, False, False)]


def test_field_queries_in_chinese_and_english():
    assert terms("标题:低保 文号：泉港政办〔2018〕84号 unit:区民政局 领域:教育") == [
        [("低保", "title", False, False)],
        [("泉港政办〔2018〕84号", "doc_number", False, False)],
        [("区民政局", "unit", False, False)],
        [("教育", "domain", False, False)],
    ]


@pytest.mark.parametrize(
    ("q", "start", "end"),
    [("发布:2016", date(2016, 1, 1), date(2016, 12, 31)), ("发布:2016-02", date(2016, 2, 1), date(2016, 2, 29)),
     ("发布:2016-01-01..2016-06-30", date(2016, 1, 1), date(2016, 6, 30)), ("日期:2019..", date(2019, 1, 1), None),
     ("date:..2018-06", None, date(2018, 6, 30))],
)
def test_date_ranges(q, start, end):
    plan = parse_query(q)
    assert (plan.date_from, plan.date_to) == (start, end) and not plan.groups


@pytest.mark.parametrize(
    ("q", "note"),
    [('"未闭合的引号', "引号"), ("发布:2016-02-30", "不是日期"), ("发布:昨天", "不是日期"), ("-通知", "排除")],
)
def test_malformed_syntax_degrades_with_a_note(q, note):
    plan = parse_query(q)
    assert any(note in n for n in plan.notes)


@pytest.mark.parametrize("q", ["OR", "- -", "标题:", "::", '""', "OR 低保 OR", "(((", "a" * 500, "10:02", "http://x.cn/a?b=1"])
def test_anything_parses(q):
    plan = parse_query(q)
    assert len(plan.text) <= 200
    assert isinstance(plan.describe(), str)


def test_unknown_field_and_times_stay_text():
    assert terms("10:02 http://x.cn") == [[("10:02", None, False, False)], [("http://x.cn", None, False, False)]]
    assert terms('"单位："') == [[("单位:", None, True, False)]]  # full-width forms are normalized, as in the index


def test_synonyms_and_aliases_are_expanded_and_described():
    plan = parse_query("低保标准 区卫计局")
    low, unit = plan.positive
    assert "最低生活保障标准" in low.synonyms
    assert "泉港区卫生和计划生育局" in unit.synonyms
    assert "含同义词" in plan.describe()
    assert parse_query('"低保"').positive[0].synonyms == ()  # a quoted phrase is taken literally
