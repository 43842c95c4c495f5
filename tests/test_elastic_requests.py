"""Request-level tests of the Elasticsearch engine: the mapping, bulk loading, the alias swap,
the query DSL and aggregations it sends, through the real client to a recording stand-in
(tests/es_stub.py). These are NOT behaviour tests of Elasticsearch; those are the conformance
suite, run against a real cluster with ZHENGCE_ES_URL=… make test-es."""
from __future__ import annotations

import pytest

from analyzers.model import DocKind, Document, document_id
from indexer.base import EngineUnavailable, IndexOutdated, SearchQuery
from indexer.elastic_engine import ElasticsearchEngine, connect, render
from indexer.fields import prepare
from indexer.query import parse_query
from indexer.query_tree import matching_node, search_node
from tests.es_stub import StubState, start_stub


@pytest.fixture
def stub():
    state = StubState()
    server, url = start_stub(state)
    yield state, url
    server.shutdown()


def engine_for(url: str) -> ElasticsearchEngine:
    return ElasticsearchEngine(connect(url, timeout=5), alias="zhengce-test", shards=2, replicas=1)


def doc(n: int, title: str, body: str) -> Document:
    url = f"http://example.gov.cn/t{n}.htm"
    return Document(id=document_id(url), url=url, site="t", kind=DocKind.policy, title=title, body=body,
                    doc_number=f"泉港政办〔2018〕{n}号", domains=["社会救助"], publisher="泉港区民政局")


DOCS = [doc(84, "关于推进社会公益事业建设领域政府信息公开的通知", "社会救助和社会福利领域重点公开城乡低保。"),
        doc(52, "关于提高城乡居民最低生活保障标准的通知", "城市居民最低生活保障标准提高到680元。")]


def test_supported_versions_and_clear_errors(stub):
    state, url = stub
    assert engine_for(url).check() == "8.15.0"
    state.version = "9.1.0"
    assert engine_for(url).check() == "9.1.0"
    state.version = "7.17.9"
    with pytest.raises(EngineUnavailable, match="7.17.9 is not supported; zhengce works with 8.x and 9.x"):
        engine_for(url).check()
    with pytest.raises(EngineUnavailable, match="not usable"):
        ElasticsearchEngine(connect("http://127.0.0.1:9", timeout=1)).check()


def test_rebuild_maps_loads_and_swaps_the_alias_atomically(stub):
    state, url = stub
    engine = engine_for(url)
    first = engine.replace_all(DOCS)
    assert (first.indexed, first.failed) == (2, [])
    created = [r for r in state.requests if r.method == "PUT" and r.path.count("/") == 1]
    body = created[0].body
    assert body["settings"]["number_of_shards"] == 2 and body["settings"]["refresh_interval"] == "-1"
    assert "analysis" not in body["settings"]  # the built-in whitespace analyzer: no module needed
    properties = body["mappings"]["properties"]
    assert body["mappings"]["dynamic"] == "strict"
    assert properties["body"]["analyzer"] == properties["text_ng"]["analyzer"] == "whitespace"
    assert properties["unit"] == {"type": "keyword"} and properties["published"] == {"type": "date"}
    assert properties["source"]["index"] is False
    # The bulk carries exactly the tokens tantivy gets: segmentation is the same on both engines.
    bulk = state.of("PUT", "/_bulk")[0].body
    sources = {line["id"]: line for line in bulk[1::2]}
    assert sources[DOCS[0].id]["body"] == prepare(DOCS[0]).tokens["body"]
    assert sources[DOCS[0].id]["text_ng"] == prepare(DOCS[0]).tokens["text_ng"] and "社会 会救 救助" in sources[DOCS[0].id]["text_ng"]
    settings = [r for r in state.requests if r.path.endswith("/_settings")][0].body
    assert settings == {"refresh_interval": None, "number_of_replicas": 1}
    new_index = created[0].path.strip("/")
    assert state.of("POST", "/_aliases")[0].body == {"actions": [{"add": {"index": new_index, "alias": "zhengce-test"}}]}

    engine.replace_all(DOCS[:1])
    swap = state.of("POST", "/_aliases")[-1].body["actions"]
    assert swap[0] == {"remove": {"index": new_index, "alias": "zhengce-test"}} and "add" in swap[1]
    deleted = [r.path.strip("/") for r in state.requests if r.method == "DELETE"]
    assert deleted == [new_index, new_index + "-derived"]  # the old build goes only after the alias moved


def test_failed_documents_are_reported_and_throttling_retried(stub):
    state, url = stub
    state.reject_ids = {DOCS[1].id}
    state.throttle_bulk_once = True
    report = engine_for(url).replace_all(DOCS)
    assert len(state.of("PUT", "/_bulk")) == 2  # 429, then the retry
    assert report.indexed == 1
    assert report.failed[0][0] == DOCS[1].id and "mapper_parsing_exception" in report.failed[0][1]


def test_search_sends_the_shared_query_tree_with_filters_facets_and_sorting(stub):
    state, url = stub
    engine = engine_for(url)
    engine.replace_all(DOCS)
    query = SearchQuery(q='泉港政办〔2018〕84号 "社会救助" -草案', domain="社会救助", page=2, size=5)
    engine.search(query)
    sent = state.of("POST", "/zhengce-test/_search")[-1].body
    assert sent["query"] == render(search_node(parse_query(query.q), query))
    flat = str(sent["query"])
    assert "'doc_number_key': {'value': '泉港政办2018-84', 'boost': 20.0}" in flat
    assert "'text_ng': {'query': '社会 会救 救助'" in flat
    assert sent["query"]["bool"]["filter"] == [{"term": {"domain": {"value": "民政、扶贫、救灾/社会福利", "boost": 1.0}}}]
    assert "must_not" in sent["query"]["bool"]["must"][0]["bool"]
    assert set(sent["aggs"]) == {"domain", "publisher", "responsible", "year", "type", "kind"}
    assert sent["aggs"]["responsible"] == {"terms": {"field": "responsible", "size": 50}}
    assert (sent["from"], sent["size"], sent["_source"]) == (5, 5, ["source"])
    assert sent["sort"][0] == {"_score": "desc"} and "published" in sent["sort"][1]
    assert sent["track_total_hits"] is True


def test_responses_become_documents_with_zhengce_snippets(stub):
    state, url = stub
    engine = engine_for(url)
    engine.replace_all(DOCS)
    result = engine.search(SearchQuery(q="低保"))
    assert result.total == 2
    hit = next(h for h in result.hits if h.document.id == DOCS[0].id)
    assert hit.document == DOCS[0]
    assert "低保</em>" in hit.snippet
    assert engine.get(DOCS[1].id) == DOCS[1]
    assert engine.get("0000000000000000") is None
    assert engine.count() == 2


def test_date_ranges_and_scans_use_search_after(stub):
    state, url = stub
    engine = engine_for(url)
    state.search_hits = [{"_id": f"{i:06d}", "_score": None, "sort": [0, f"{i:06d}"],
                          "_source": {"source": DOCS[i % 2].model_dump_json()}} for i in range(1500)]
    scanned = list(engine.documents(SearchQuery(q="发布:2018-01-01..2018-12-31")))
    assert len(scanned) == 1500
    first, second = state.of("POST", "/zhengce-test/_search")[-2:]
    assert "search_after" not in first.body and second.body["search_after"] == [0, "000999"]
    assert {"range": {"published": {"gte": "2018-01-01", "lt": "2019-01-01"}}} in first.body["query"]["bool"]["filter"]


def test_commands_stop_with_the_reason_when_the_cluster_cannot_be_used(tmp_path, stub):
    import os
    import subprocess
    import sys

    state, url = stub
    state.version = "7.10.2"
    for es_url, reason in (("http://127.0.0.1:9", "not usable"), (url, "7.10.2 is not supported")):
        env = {**os.environ, "ZHENGCE_ENGINE": "elasticsearch", "ZHENGCE_ES_URL": es_url}
        served = subprocess.run([sys.executable, "-m", "zhengce.cli", "--data-dir", str(tmp_path), "serve", "--port", "9"],
                                capture_output=True, text=True, env=env, timeout=60)
        assert served.returncode == 2 and reason in served.stderr
    # Not inherited: under `make test-es` the test process itself has a cluster URL.
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ZHENGCE_ES_")}, "ZHENGCE_ENGINE": "elasticsearch"}
    missing = subprocess.run([sys.executable, "-m", "zhengce.cli", "--data-dir", str(tmp_path), "serve"],
                             capture_output=True, text=True, env=env, timeout=60)
    assert missing.returncode == 2 and "needs ZHENGCE_ES_URL" in missing.stderr and "Traceback" not in missing.stderr


def test_total_counts_the_documents_the_search_finds(stub):
    """With the query of matching_node: the search's documents, without what only ranks them."""
    state, url = stub
    engine = engine_for(url)
    engine.replace_all(DOCS)
    query = SearchQuery(q="低保", year=2018)
    assert engine.total(query) == 2
    sent = [r for r in state.requests if r.path.endswith("/_count")][-1].body
    assert sent["query"] == render(matching_node(parse_query(query.q), query))
    assert sent["query"] != render(search_node(parse_query(query.q), query))


def test_an_index_built_with_other_fields_is_refused_until_rebuilt(stub):
    state, url = stub
    engine = engine_for(url)
    engine.check_index()  # no index yet: nothing to refuse
    state.aliases["zhengce-test"] = "zhengce-test-1"  # built by an older version: no "text_ng"
    state.mappings["zhengce-test-1"] = {"properties": {"id": {"type": "keyword"}, "body_ng": {"type": "text"}}}
    with pytest.raises(IndexOutdated, match="zhengce-test-1 .*other fields.*zhengce reindex"):
        engine.check_index()
    engine.replace_all(DOCS)
    engine.check_index()


def test_derived_products_are_stored_with_their_build_and_dropped_with_it(stub):
    state, url = stub
    engine = engine_for(url)
    engine.replace_all(DOCS, derived={"facts.json.gz": b"\x1f\x8b first build"})
    first_index = state.aliases["zhengce-test"]
    assert engine.derived("facts.json.gz") == b"\x1f\x8b first build"
    assert engine.derived("other") is None
    companion = [r for r in state.requests if r.method == "PUT" and r.path == f"/{first_index}-derived"]
    assert companion and companion[0].body["mappings"]["properties"]["payload"] == {"type": "binary"}

    engine.replace_all(DOCS, derived={"facts.json.gz": b"second"})
    assert engine.derived("facts.json.gz") == b"second"
    deleted = {r.path for r in state.requests if r.method == "DELETE"}
    assert f"/{first_index}-derived" in deleted


def test_a_search_context_lost_with_a_node_is_asked_again_never_an_empty_answer(stub):
    state, url = stub
    engine = engine_for(url)
    engine.replace_all(DOCS)
    state.lose_search_contexts = 1
    assert engine.search(SearchQuery()).total == len(DOCS)  # asked again: the whole answer
    state.lose_search_contexts = 2
    with pytest.raises(EngineUnavailable, match="lost the search twice"):
        engine.search(SearchQuery())
