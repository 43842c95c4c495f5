"""Search behaviour on the crawled sample site: verbatim recall, syntax, synonyms, ranking."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bench.relevance import judged_scores, substring_recall
from indexer.base import SearchQuery
from indexer.ranking import break_ties_by_recency
from indexer.tantivy_engine import TantivyEngine

MINZHENG_2016 = "泉州市民政局关于印发2016年政务公开工作要点的通知"
NOTICE_84 = "泉港区人民政府办公室关于印发推进社会公益事业建设领域政府信息公开工作实施方案的通知"


@pytest.fixture(scope="module")
def engine(data_dir) -> TantivyEngine:
    return TantivyEngine(data_dir / "index" / "tantivy")


def titles(engine, q: str, **filters) -> list[str]:
    return [d.title for d in engine.documents(SearchQuery(q=q, **filters))]


def test_every_random_substring_finds_its_document(engine):
    rate, misses = substring_recall(engine, draws=1000)
    assert misses == [] and rate == 1.0


def test_judged_queries_rank_well(engine):
    scores = judged_scores(engine)
    assert len(scores) >= 40
    assert sum(s.ndcg for s in scores) / len(scores) >= 0.9
    assert sum(s.recall for s in scores) / len(scores) >= 0.9


def test_text_across_jieba_words_is_found(engine):
    # 政务公开工作 is cut 政务公开 / 工作: 务公开工 is no word of either, yet it is in the text.
    assert MINZHENG_2016 in titles(engine, "务公开工")


def test_phrase_exclusion_or(engine):
    assert titles(engine, '"公开方式方法要因事制宜"') == [NOTICE_84]
    for doc in engine.documents(SearchQuery(q='"社会救助和社会福利"')):
        assert "社会救助和社会福利" in doc.title + doc.body
    without = titles(engine, "低保 -通知")
    assert without and all("通知" not in t for t in without)
    for doc in engine.documents(SearchQuery(q="低保 -通知")):
        assert "通知" not in doc.body
    either = titles(engine, "涂岭镇 OR 网络诈骗")
    assert len(either) == 2


def test_field_queries(engine):
    assert all("低保" in t or "最低生活保障" in t for t in titles(engine, "标题:低保"))
    assert titles(engine, "文号:泉港政办〔2018〕84号") == [NOTICE_84]
    by_unit = list(engine.documents(SearchQuery(q="单位:区卫计局")))
    assert by_unit and all("泉港区卫生和计划生育局" in d.unit_names for d in by_unit)
    assert all("教育" in " ".join(d.domains) for d in engine.documents(SearchQuery(q="领域:教育")))


def test_date_range_in_the_query(engine):
    found = list(engine.documents(SearchQuery(q="低保 发布:2018-01-01..2018-12-31")))
    assert found and all(d.published_at.year == 2018 for d in found)
    assert list(engine.documents(SearchQuery(q="发布:2099"))) == []


def test_synonyms_widen_the_search(engine):
    short = {d.id for d in engine.documents(SearchQuery(q="低保"))}
    long = {d.id for d in engine.documents(SearchQuery(q="最低生活保障"))}
    assert long <= short
    result = engine.search(SearchQuery(q="低保"))
    assert "最低生活保障" in result.plan.positive[0].synonyms


def test_interpretation_words_match_by_kind(engine):
    kinds = {d.kind.value for d in engine.documents(SearchQuery(q="解读"))}
    assert "interpretation" in kinds
    forms = {d.interpretation_form for d in engine.documents(SearchQuery(q="图解", kind="interpretation"))}
    assert forms == {"图解"}


def test_title_match_outranks_body_match(engine):
    assert engine.search(SearchQuery(q="临时救助")).hits[0].document.title == "泉港区民政局关于进一步做好临时救助工作的通知"


def test_policy_comes_with_its_interpretations(engine):
    first = engine.search(SearchQuery(q="政务公开")).hits[0]
    assert first.document.title == MINZHENG_2016
    assert {r.document.interpretation_form for r in first.related} == {"文字解读", "图解"}


def test_recency_breaks_ties_only():
    old, new = datetime(2016, 1, 1, tzinfo=timezone.utc), datetime(2020, 1, 1, tzinfo=timezone.utc)
    assert break_ties_by_recency([(1.0, old, "a"), (1.0, new, "b"), (2.0, old, "c"), (0.5, new, "d")]) == ["c", "b", "a", "d"]
    assert break_ties_by_recency([(1.0, None, "a"), (1.0, old, "b")]) == ["b", "a"]


def test_completion_and_did_you_mean(client):
    suggestions = client.get("/api/suggest", params={"q": "泉港政办"}).json()
    assert {"kind": "doc_number", "text": "泉港政办〔2018〕84号"} in [{k: s[k] for k in ("kind", "text")} for s in suggestions]
    units = [s["text"] for s in client.get("/api/suggest", params={"q": "区卫计"}).json() if s["kind"] == "unit"]
    assert units == ["区卫计局（泉港区卫生和计划生育局）"]
    assert client.get("/api/suggest", params={"q": "政"}).json() == []
    body = client.get("/api/search", params={"q": "政务公凯"}).json()
    # A slip of the keyboard: nothing has every word, so the search is relaxed (政务 alone) and
    # says so, and the likelier query is offered.
    assert body["total"] > 0 and any(n.startswith("已放宽检索条件") for n in body["notes"])
    assert "政务公开" in body["did_you_mean"]
    assert client.get("/api/search", params={"q": "政务公开"}).json()["did_you_mean"] == []


def test_api_says_how_it_understood_the_query(client):
    body = client.get("/api/search", params={"q": '低保 -通知 发布:2018 "未闭合'}).json()
    assert "不含“通知”" in body["understood"] and "2018-01-01" in body["understood"]
    assert body["notes"] and body["expansions"]["低保"][0] == "最低生活保障"
    grouped = client.get("/api/search", params={"q": "政务公开"}).json()["results"][0]
    assert grouped["title"] == MINZHENG_2016 and len(grouped["related"]) == 2
    page = client.get("/", params={"q": "政务公凯"})
    assert "您是不是要找" in page.text and "政务公开" in page.text


def test_response_cache_serves_repeats_and_forgets_on_rebuild(tmp_path):
    from analyzers.model import DocKind, Document, document_id
    from search_api.cache import ResponseCache

    cache = ResponseCache(2)
    cache.put(("g1", 1), b"a")
    cache.put(("g1", 2), b"b")
    assert cache.get(("g1", 1)) == b"a"
    cache.put(("g1", 3), b"c")  # the least recently used entry, 2, goes
    assert cache.get(("g1", 2)) is None and cache.get(("g1", 3)) == b"c"
    assert ResponseCache(0).get(("g", 1)) is None

    engine = TantivyEngine(tmp_path)
    url = "http://a/1"
    engine.replace_all([Document(id=document_id(url), url=url, site="t", kind=DocKind.policy, title="临时救助", body="临时救助")])
    before = engine.generation()
    engine.replace_all([Document(id=document_id(url), url=url, site="t", kind=DocKind.policy, title="医疗救助", body="医疗救助")])
    assert engine.generation() != before  # a cached response of the old index is never served
