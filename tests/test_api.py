"""The API and HTML pages through the real uvicorn server on loopback."""
from __future__ import annotations

import json
import socket

import pytest

MINZHENG_2016 = "泉州市民政局关于印发2016年政务公开工作要点的通知"
NOTICE_84 = "泉港区人民政府办公室关于印发推进社会公益事业建设领域政府信息公开工作实施方案的通知"


def search(client, **params) -> dict:
    response = client.get("/api/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_search_lists_the_2016_document_with_highlight_and_facets(client):
    body = search(client, q="政务公开", size=20)
    hit = next(r for r in body["results"] if r["title"] == MINZHENG_2016)
    assert "<em>政务公开</em>" in hit["snippet"]
    assert set(hit) >= {"id", "title", "doc_number", "publisher", "published_at", "snippet", "url"}
    assert hit["publisher"] == "泉州市民政局" and hit["published_at"] == "2016-06-30T10:02:00"
    for name in ("domain", "publisher", "responsible", "year", "type"):
        assert body["facets"][name] and {"value", "count"} == set(body["facets"][name][0])
    assert body["words"] == ["政务公开"]


def test_raw_utf8_in_the_request_line_is_accepted(api_url):
    """What `curl '127.0.0.1:8000/api/search?q=政务公开'` sends: the hanzi unencoded."""
    host, port = api_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"GET /api/search?q=政务公开 HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode("utf-8"))
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, payload = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert MINZHENG_2016 in [r["title"] for r in json.loads(payload)["results"]]


def test_doc_number_query_ranks_the_notice_first(client):
    assert search(client, q="泉港政办〔2018〕84号")["results"][0]["title"] == NOTICE_84


def test_word_only_in_a_pdf_finds_its_document(client):
    results = search(client, q="涂岭镇")["results"]
    assert len(results) == 1 and "【附件：" in results[0]["snippet"]


def test_facet_filters_combine(client):
    body = search(client, domain="政务公开", year=2016)
    assert body["total"] >= 1
    assert all(r["published_at"].startswith("2016") for r in body["results"])


def test_document_with_attachments_and_interpretations(client):
    policy_id = search(client, q="涂岭镇")["results"][0]["id"]
    document = client.get(f"/api/documents/{policy_id}").json()
    assert document["doc_number"] == "泉港政办〔2018〕52号"
    assert [a["name"] for a in document["attachments"]] == [
        "附件1：泉港区2018年城乡低保标准调整测算表.pdf", "附件2：城乡低保对象家庭经济状况申报表.docx",
    ]
    assert all(a["text"] and not a["error"] for a in document["attachments"])
    assert [(i["form"], i["method"]) for i in document["interpretations"]] == [
        ("文字解读", "hyperlink"), ("媒体报道", "similarity"),
    ]
    assert document["interpretations"][1]["confidence"] < 1


def test_every_interpretation_link_resolves_and_links_back(client):
    policies = search(client, kind="policy", size=100)["results"]
    linked = 0
    for item in policies:
        policy = client.get(f"/api/documents/{item['id']}").json()
        for link in policy["interpretations"]:
            assert link["doc_id"], f"unresolved 相关解读 link {link['url']}"
            interpretation = client.get(f"/api/documents/{link['doc_id']}").json()
            assert interpretation["kind"] == "interpretation"
            assert policy["id"] in [back["doc_id"] for back in interpretation["interprets"]]
            linked += 1
    assert linked == 10


@pytest.mark.parametrize(
    ("params", "field"),
    [({"size": 0}, "size"), ({"size": 101}, "size"), ({"page": 0}, "page"), ({"year": "abc"}, "year"),
     ({"kind": "memo"}, "kind"), ({"q": "政" * 201}, "q"), ({"page": 500, "size": 100}, "page")],
)
def test_bad_parameters_get_422_with_a_clear_message(client, params, field):
    response = client.get("/api/search", params=params)
    assert response.status_code == 422
    body = response.json()
    message = body.get("message") or body.get("detail")
    assert field in message


def test_unknown_and_malformed_document_ids(client):
    assert client.get("/api/documents/0123456789abcdef").status_code == 404
    assert client.get("/api/documents/../../etc/passwd").status_code == 404
    assert client.get("/api/documents/not-an-id").status_code == 422


def test_openapi_documents_the_api(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/search", "/api/documents/{doc_id}"} <= set(spec["paths"])
    assert "SearchResponse" in spec["components"]["schemas"]
    assert client.get("/docs").status_code == 200


def test_pages_escape_crawled_markup(client):
    notice_id = search(client, q="网络诈骗")["results"][0]["id"]
    for page in (client.get("/", params={"q": "script"}), client.get(f"/documents/{notice_id}")):
        assert page.status_code == 200
        assert "<script>alert" not in page.text
        assert "&lt;script&gt;alert" in page.text or "&lt;/<em>script</em>&gt;" in page.text


def test_search_page_shows_facets_and_pagination(client):
    page = client.get("/", params={"q": "通知", "size": 5})
    assert page.status_code == 200
    assert 'data-facet="domain"' in page.text and 'rel="next"' in page.text
    assert client.get("/", params={"size": 0}).status_code == 422


def test_pager_links_keep_the_query_and_filters(client):
    page = client.get("/", params={"q": "通知", "size": 5, "kind": "policy"})
    next_href = page.text.split('rel="next" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert "q=%E9%80%9A%E7%9F%A5" in next_href and "kind=policy" in next_href and "page=2" in next_href
    second = client.get(next_href)
    assert second.status_code == 200 and '<strong aria-current="page">2</strong>' in second.text


@pytest.mark.parametrize("params", [
    {"q": ""}, {"q": "养老"}, {"q": "泉港政办〔2016〕7号"}, {"q": '"推进" -通知'}, {"q": "标题:通知", "page": 2, "size": 3},
    {"q": "解读"}, {"q": "养老服务", "kind": "interpretation"}, {"q": "yanglao"}, {"q": "一个不会找到任何东西的查询词"},
])
def test_the_search_json_is_what_the_contract_model_gives(data_dir, params):
    """The search response is serialized from plain data without validating it as the model
    first (a tenth of a search's CPU): it must be byte for byte what the model gives — for
    results with interpretations, related hits nested, facets, notes and an empty page."""
    from indexer.base import SearchQuery
    from search_api import services
    from search_api.schemas import SearchResponse
    from zhengce.engines import open_engine
    from zhengce.settings import Settings

    engine = open_engine(Settings(data_dir=data_dir))
    query = SearchQuery(**params)
    result = services.search(engine, query)
    validated = SearchResponse.model_validate(SearchResponse.fields_of(result, query.page, query.size))
    assert SearchResponse.json_of(result, query.page, query.size) == validated.model_dump_json().encode()
