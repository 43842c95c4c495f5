"""One conformance suite over the search interface: the same documents, queries and expected
results, facets, snippets and suggestions, on every engine.

Both run in every `make test`: tantivy, and Elasticsearch on the project's own two-node cluster
(tests/es_cluster.py; or the cluster ZHENGCE_ES_URL names, with ZHENGCE_ES_API_KEY or
ZHENGCE_ES_USER/PASSWORD and ZHENGCE_ES_CA_CERTS as needed). On the cluster the index has two
shards and a replica, as a deployment would: BM25 statistics are then per shard, so totals,
result sets, facets and scans are compared as sets, and the first result and its snippet only
for the queries in FIRST, whose best match leads clearly. The expectations are data
(tests/data/conformance/expected.json); ZHENGCE_UPDATE_CONFORMANCE=1 rewrites them from tantivy
after a deliberate change, to be reviewed in the diff."""
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest

from indexer.base import SearchQuery, search_products
from indexer.tantivy_engine import TantivyEngine
from tests.conftest import drop_builds, es_client

EXPECTED = Path(__file__).parent / "data" / "conformance" / "expected.json"
ENGINES = ["tantivy", "elasticsearch"]
QUERIES = [
    {"q": "政务公开"}, {"q": "泉港政办〔2018〕84号"}, {"q": "泉港政办2018-84"}, {"q": "低保"}, {"q": "涂岭镇"},
    {"q": "务公开工"}, {"q": '"社会救助和社会福利"'}, {"q": "低保 -通知"}, {"q": "涂岭镇 OR 网络诈骗"},
    {"q": "标题:低保"}, {"q": "单位:区卫计局"}, {"q": "领域:教育"}, {"q": "低保 发布:2018"}, {"q": "解读"},
    {"q": "图解"}, {"q": "临时救助"}, {"q": "国发〔2018〕44号"}, {"q": ""}, {"q": "", "kind": "interpretation"},
    {"q": "救助", "year": 2019}, {"q": "通知", "unit": "泉港区民政局"}, {"q": "不存在的词语组合"}, {"q": '"未闭合'},
    # Questions as typed (soft AND over content words), abbreviations (the dictionary's and those
    # the documents define: 三项制度, 两库), fragments ranked by title and frequency, a
    # relaxed query, traditional characters and full-width digits.
    {"q": "什么是无废城市"}, {"q": "怎样开展消费扶贫"}, {"q": "雄安新区总体规划批复了吗"},
    {"q": "小微企业怎么申请融资担保"}, {"q": "综保区"}, {"q": "卫健委"}, {"q": "三项制度"}, {"q": "两库"},
    {"q": "品集中采"}, {"q": "随机、一公"}, {"q": "高质量发"}, {"q": "无废城市 火星探测", "relax": 99},
    {"q": "國務院辦公廳"}, {"q": "国发〔２０１９〕５号"},
    # The result page's controls: several values of a facet (any of them), where words are
    # looked for (标题 / 文号 / 发文机关), validity, and the order by date.
    {"q": "通知", "kind": ["policy", "interpretation"]}, {"q": "", "domain": ["教育", "社会救助"], "year": [2018, 2019]},
    {"q": "民政", "field": "title"}, {"q": "泉港政办〔2018〕84号", "field": "doc_number"},
    {"q": "民政局", "field": "publisher"}, {"q": "", "validity": "有效"}, {"q": "救助", "sort": "oldest"},
    {"q": "", "sort": "newest"}, {"q": "", "domain": "民政、扶贫、救灾"}, {"q": "救助", "domain": "民政、扶贫、救灾/社会福利"},
]
# Queries whose first result is the one document they name, on any engine.
FIRST = {"泉港政办〔2018〕84号", "泉港政办2018-84", "涂岭镇", "临时救助", "国发〔2018〕44号", "什么是无废城市",
         "怎样开展消费扶贫", "雄安新区总体规划批复了吗", "综保区", "三项制度", "品集中采", "随机、一公",
         "国发〔２０１９〕５号"}


def key(params: dict) -> str:
    return json.dumps(params, ensure_ascii=False, sort_keys=True)


@pytest.fixture(scope="module", params=ENGINES)
def engine(request, data_dir, tmp_path_factory):
    documents = list(TantivyEngine(data_dir / "index" / "tantivy").documents(SearchQuery()))
    products = search_products(documents)  # the abbreviations the documents define
    if request.param == "tantivy":
        under_test = TantivyEngine(tmp_path_factory.mktemp("conformance"))
        under_test.replace_all(documents, derived=products)
        yield under_test
        return
    from indexer.elastic_engine import ElasticsearchEngine

    client = es_client(request.getfixturevalue("es_url"))
    under_test = ElasticsearchEngine(client, alias=f"zhengce-conformance-{uuid.uuid4().hex[:8]}", shards=2, replicas=1)
    under_test.check()
    report = under_test.replace_all(documents, derived=products)
    assert report.failed == []
    yield under_test
    drop_builds(client, under_test.alias)


def path(document) -> str:
    """Documents by URL path: ids hash the full URL, and the sample site's port differs per run."""
    return urlparse(document.url).path


def observed(engine, params: dict) -> dict:
    query = SearchQuery(size=100, **params)
    result = engine.search(query)
    flat = [h for hit in result.hits for h in (hit, *hit.related)]
    return {
        "total": result.total,
        "paths": sorted(path(h.document) for h in flat),
        "first": path(flat[0].document) if flat else None,
        "first_snippet": flat[0].snippet if flat else None,
        "facets": {name: [[f.value, f.count] for f in values] for name, values in result.facets.items()},
        "scan": sorted(path(d) for d in engine.documents(query)),
    }


@pytest.fixture(scope="module")
def expected(engine):
    if os.environ.get("ZHENGCE_UPDATE_CONFORMANCE") and isinstance(engine, TantivyEngine):
        EXPECTED.write_text(
            json.dumps({key(p): observed(engine, p) for p in QUERIES}, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
            encoding="utf-8",
        )
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


@pytest.mark.parametrize("params", QUERIES, ids=key)
def test_same_results_facets_and_snippets(engine, expected, params):
    want, got = expected[key(params)], observed(engine, params)
    assert got["total"] == want["total"] == engine.total(SearchQuery(**params))
    assert got["paths"] == want["paths"]
    assert got["scan"] == want["scan"]
    assert sorted(map(tuple, sum(got["facets"].values(), []))) == sorted(map(tuple, sum(want["facets"].values(), [])))
    if params["q"] in FIRST:
        assert got["first"] == want["first"]
        assert got["first_snippet"] == want["first_snippet"]


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_sorted_by_date_in_the_same_order(engine, sort):
    """By date the order is the engines' own, not BM25's: the same on both (dated documents)."""
    hits = engine.search(SearchQuery(q="救助", sort=sort, size=100)).hits
    stamps = [h.document.published_at for h in hits if h.document.published_at]
    assert len(stamps) > 3 and stamps == sorted(stamps, reverse=sort == "newest")


def test_get_count_counts_and_completion(engine, expected):
    everything = expected[key({"q": ""})]
    assert engine.count() == everything["total"]
    first = next(iter(engine.documents(SearchQuery())))
    assert engine.get(first.id) == first and engine.get("0000000000000000") is None
    assert {(s.kind, s.text) for s in engine.complete("泉港政办")} >= {("doc_number", "泉港政办〔2018〕84号")}
    units = {c.value: c.count for c in engine.term_counts("unit_role", SearchQuery())}
    assert units["泉港区民政局|牵头"] >= 4


def test_derived_products_switch_with_their_build(engine, expected):
    """Last in this file: it rebuilds the engine under test (with the same documents)."""
    documents = list(engine.documents(SearchQuery()))
    engine.replace_all(documents, derived={"facts.json.gz": b"one", "other": bytes(range(256))})
    assert engine.derived("facts.json.gz") == b"one" and engine.derived("other") == bytes(range(256))
    engine.replace_all(documents)
    assert engine.derived("facts.json.gz") is None  # a build without products has none of the last one's
    assert engine.count() == expected[key({"q": ""})]["total"]
