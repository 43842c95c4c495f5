"""The public pages and their controls through the real server, without a browser: errors in
Chinese in the site's layout, one JSON error shape, HEAD, the offline API docs, and the search
controls that are plain links and forms (sort, dates, field, several values of a facet, chips,
page numbers, 返回检索结果, CSV)."""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from html import unescape
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from analyzers.images import image_product, servable
from analyzers.model import DocKind, Document, Figure
from crawler.raw_store import RawStore
from zhengce.pipeline import _ImageBytes

MINZHENG_2016 = "泉州市民政局关于印发2016年政务公开工作要点的通知"


def api(client, **params) -> dict:
    response = client.get("/api/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def hrefs(html: str, css_class: str | None = None) -> list[str]:
    pattern = r'<a [^>]*?href="([^"]+)"' if css_class is None else rf'<a class="{css_class}" href="([^"]+)"'
    return [unescape(h) for h in re.findall(pattern, html)]


# ---- errors for people, errors for programs ----

@pytest.mark.parametrize("path, status, says", [
    ("/documents/0000000000000000", 404, "未找到该文件"),
    ("/no/such/page", 404, "您访问的页面或文件不存在"),
    ("/?page=abc", 422, "页码应为整数"),
    ("/?size=0", 422, "每页条数不能小于 1"),
    ("/?year=1800", 422, "年份不能小于 1949"),
    ("/?from=2024-13-01", 422, "发布日期（从）应写作 2024-02-09"),
    ("/units/没有这个单位", 404, "未找到该单位"),
])
def test_a_page_that_fails_answers_in_chinese_in_the_site_layout(client, path, status, says):
    response = client.get(path, headers={"Referer": str(client.base_url) + "/?q=%E4%BD%8E%E4%BF%9D"})
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    text = response.text
    assert says in text and "<h1>" in text and 'class="searchbox"' in text  # the site's own layout
    assert '<a href="/">返回检索首页</a>' in text and 'href="/?q=' in text  # a way back, to where one came from
    assert '"detail"' not in text and "Input should" not in text and "Traceback" not in text


def test_a_referer_elsewhere_is_no_way_back(client):
    text = client.get("/documents/0000000000000000", headers={"Referer": "https://evil.example/x"}).text
    assert "evil.example" not in text and "返回上一页" not in text


@pytest.mark.parametrize("path, status", [
    ("/api/documents/0000000000000000", 404), ("/api/no-such-endpoint", 404), ("/api/search?page=abc", 422),
    ("/api/search?sort=sideways", 422), ("/api/search?from=yesterday", 422), ("/api/units/没有这个单位", 404),
])
def test_every_api_error_has_one_json_shape(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"message", "detail"} and isinstance(body["message"], str) and body["message"]
    if status == 422:
        assert body["detail"] and {"loc", "msg", "type"} <= set(body["detail"][0])


def test_a_page_beyond_the_last_says_so_once(client):
    response = client.get("/", params={"q": "通知", "page": 999})
    assert response.status_code == 404
    text = response.text
    assert text.count("超出范围") == 1 and "没有找到相关文件" not in text
    assert 'rel="next"' not in text
    last = re.search(r"共 (\d+) 条结果，(\d+) 页", text)
    assert last and int(last[2]) < 999
    assert f'page={last[2]}' in text  # a link to the last page


def test_head_is_answered_wherever_get_is(client):
    for path in ("/", "/?q=低保", "/api/search?q=低保", "/static/style.css", "/documents/0000000000000000", "/favicon.ico"):
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code, path
        assert head.content == b"" and head.headers["content-type"] == got.headers["content-type"], path


def test_api_docs_favicon_and_print_styles_come_from_this_server(client):
    for page, script in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        html = client.get(page).text
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert sources and all(s.startswith("/") and not s.startswith("//") for s in sources), sources
        asset = next(s for s in sources if s.endswith(script))
        assert client.get(asset).status_code == 200
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon" and icon.content[:4] == b"\0\0\1\0"
    assert client.get("/static/print.css").status_code == 200
    assert 'media="print"' in client.get("/").text


def test_every_page_has_one_h1_a_skip_link_and_a_chinese_title(client):
    for path in ("/", "/?q=低保", "/units", "/reports/timeliness", "/signin", "/no/such/page"):
        html = client.get(path).text
        assert html.count("<h1") == 1, path
        assert 'class="skip-link" href="#main"' in html and 'id="main"' in html, path
        title = re.search(r"<title>(.*?)</title>", html, re.S)[1]
        assert "<" not in unescape(title) and title.endswith("政策通"), (path, title)


# ---- search controls ----

def dates(body: dict) -> list[str]:
    return [r["published_at"] for r in body["results"] if r["published_at"]]


def test_sort_by_date_either_way(client):
    newest = dates(api(client, q="通知", sort="newest", size=50))
    oldest = dates(api(client, q="通知", sort="oldest", size=50))
    assert len(newest) > 5 and newest == sorted(newest, reverse=True) and oldest == sorted(oldest)
    assert api(client, q="通知", sort="newest")["total"] == api(client, q="通知")["total"]


def test_date_range_from_and_to(client):
    everything = api(client, q="通知", size=100)
    ranged = api(client, q="通知", size=100, **{"from": "2018-01-01", "to": "2018-12-31"})
    assert 0 < ranged["total"] < everything["total"]
    assert all("2018-01-01" <= d[:10] <= "2018-12-31" for d in dates(ranged))
    expected = sum(1 for d in dates(everything) if d.startswith("2018"))
    assert ranged["total"] == expected
    # empty fields of the form mean no limit
    assert api(client, q="通知", **{"from": "", "to": ""})["total"] == everything["total"]


def test_field_choice_title_doc_number_publisher(client):
    anywhere = api(client, q="民政", size=100)
    titles = api(client, q="民政", field="title", size=100)
    assert 0 < titles["total"] < anywhere["total"]
    assert all("民政" in r["title"] for r in titles["results"])
    by_number = api(client, q="泉港政办〔2018〕84号", field="doc_number")
    assert by_number["total"] >= 1 and all("84号" in r["doc_number"] for r in by_number["results"])
    assert api(client, q="最低生活保障", field="doc_number")["total"] == 0  # words are not looked for in the body
    by_publisher = api(client, q="民政局", field="publisher", size=100)
    assert by_publisher["total"] >= 1 and all("民政局" in r["publisher"] for r in by_publisher["results"])
    assert "发文机关含" in by_publisher["understood"]


def test_several_values_of_one_facet_are_any_of_them(client):
    policies = api(client, q="通知", kind="policy")["total"]
    interpretations = api(client, q="通知", kind="interpretation")["total"]
    both = client.get("/api/search", params=[("q", "通知"), ("kind", "policy"), ("kind", "interpretation")]).json()
    assert policies and interpretations and both["total"] == policies + interpretations
    # a facet with a value chosen still offers its other values, counted as if none were chosen
    counted = {f["value"]: f["count"] for f in api(client, q="通知", kind="policy")["facets"]["kind"]}
    unfiltered = {f["value"]: f["count"] for f in api(client, q="通知")["facets"]["kind"]}
    assert counted == unfiltered and len(counted) > 1


def test_validity_filter(client):
    everything = api(client, q="")["total"]
    in_force = api(client, q="", validity="有效")["total"]
    others = sum(api(client, q="", validity=v)["total"] for v in ("失效", "废止", "已修订"))
    assert in_force + others == everything and in_force > 0


def test_result_page_controls_are_plain_links_and_forms(client):
    html = client.get("/", params=[("q", "通知"), ("kind", "policy"), ("size", "5")]).text
    chips = re.findall(r'<ul class="chips".*?</ul>', html, re.S)[0]
    chip = unescape(re.search(r'href="([^"]+)"[^>]*>类别：政策文件', chips)[1])
    assert dict(parse_qsl(urlsplit(chip).query)) == {"q": "通知", "size": "5"}  # the chip removes its filter only
    # a facet value adds itself to the filters of its facet (OR) and keeps the rest
    domain_links = [h for h in hrefs(html) if "domain=" in h]
    added = parse_qsl(urlsplit(domain_links[0]).query)
    assert ("kind", "policy") in added and ("q", "通知") in added and sum(k == "domain" for k, _ in added) == 1
    sort_link = next(h for h in hrefs(html) if "sort=newest" in h)
    assert ("kind", "policy") in parse_qsl(urlsplit(sort_link).query)
    # the date form and the page jump carry the state as hidden fields
    for form in re.findall(r'<form class="(?:dates|jump)".*?</form>', html, re.S):
        assert '<input type="hidden" name="kind" value="policy">' in form and 'name="q" value="通知"' in form
    assert re.search(r'<strong aria-current="page">1</strong>', html)


def test_long_facets_show_more_behind_details(client):
    html = client.get("/", params={"q": ""}).text
    unit = re.search(r'<section class="facet" data-facet="responsible">.*?</section>', html, re.S)[0]
    shown = re.split(r"<details", unit)[0]
    assert shown.count("<li") == 8 and '<details class="more">' in unit and "更多（" in unit and "收起" in unit


def facet_section(html: str, name: str) -> str:
    return re.search(rf'<section class="facet" data-facet="{name}">.*?</section>', html, re.S)[0]


def domain_query(href: str) -> list[str]:
    return [v for k, v in parse_qsl(urlsplit(href).query) if k == "domain"]


def test_the_domain_facet_is_the_tree_taken_a_level_at_a_time(client):
    top = "民政、扶贫、救灾"
    facet = facet_section(client.get("/", params={"q": ""}).text, "domain")
    assert "subcategories" not in facet and "科技、教育/" not in facet  # top categories until one is chosen
    into_top = next(h for h in hrefs(facet) if domain_query(h) == [top])
    page = client.get(into_top).text
    facet = facet_section(page, "domain")
    subcategories = re.search(r'<ul class="subcategories".*?</ul>', facet, re.S)[0]
    into_sub = hrefs(subcategories)
    assert len(into_sub) > 1 and all(len(domain_query(h)) == 1 and domain_query(h)[0].startswith(f"{top}/")
                                     for h in into_sub)  # a subcategory narrows: it replaces its top
    sub = domain_query(into_sub[0])[0]
    assert api(client, domain=sub)["total"] < api(client, domain=top)["total"]
    page = client.get(into_sub[0]).text
    assert f"主题分类：{top} › {sub.split('/')[1]}" in page  # the chip
    facet = facet_section(page, "domain")
    chosen = re.search(r'<li class="selected"><a href="([^"]+)" aria-current="true"[^>]*><span class="check" aria-hidden="true">☑</span>'
                       + sub.split("/")[1], facet)
    assert domain_query(unescape(chosen[1])) == [top]  # the chosen subcategory off: back up to its top
    top_again = next(h for h in hrefs(facet) if domain_query(h) == [])
    assert top_again == "/"  # the top off: the whole branch (and here nothing else was asked)
    # Old links and people write a subcategory or a site's name alone: it shows as chosen.
    assert "aria-current" in facet_section(client.get("/", params={"q": "", "domain": "社会救助"}).text, "domain")


def test_a_document_shows_its_domain_as_a_path_of_links(client):
    hit = api(client, q="", domain="民政、扶贫、救灾/社会福利", size=1)["results"][0]
    html = client.get(f"/documents/{hit['id']}").text
    cell = re.search(r"<th>主题分类</th><td>(.*?)</td>", html, re.S)[1]
    assert [domain_query(h) for h in hrefs(cell)][:2] == [["民政、扶贫、救灾"], ["民政、扶贫、救灾/社会福利"]]
    assert ">民政、扶贫、救灾</a> › <a" in cell


def test_a_document_opened_from_results_links_back_to_the_same_page(client):
    params = {"q": "政务公开", "kind": "policy", "size": "2", "page": "2"}
    html = client.get("/", params=params).text
    link = next(h for h in hrefs(html) if h.startswith("/documents/"))
    page = client.get(link).text
    back = unescape(re.search(r'id="back-to-results" href="([^"]+)"', page)[1])
    assert back.startswith("/?") and dict(parse_qsl(urlsplit(back).query)) == params


@pytest.mark.parametrize("hostile", ["//evil.example/?q=1", "javascript:alert(1)", "q=1&next=https://evil.example",
                                     "q=%0d%0aSet-Cookie:x", "\x00"])
def test_back_to_results_is_only_ever_a_result_page(client, hostile):
    first = hrefs(client.get("/", params={"q": "政务公开"}).text)
    doc = next(h for h in first if h.startswith("/documents/")).split("?")[0]
    page = client.get(doc, params={"back": hostile})
    assert page.status_code == 200
    found = re.search(r'id="back-to-results" href="([^"]+)"', page.text)
    if found:
        href = unescape(found[1])
        assert href.startswith("/?") and "evil" not in href and "javascript" not in href and "next=" not in href


def test_interpretations_name_their_policy_and_the_public_sees_no_link_internals(client, staff_client):
    html = client.get("/", params={"q": "解读", "kind": "interpretation"}).text
    assert "解读的政策：" in html
    public = client.get(next(h for h in hrefs(client.get("/", params={"q": "政务公开"}).text)
                             if h.startswith("/documents/"))).text
    assert "置信度" not in public and "政策页链接" not in public and "内容相似" not in public
    document_id = re.search(r'href="/documents/([0-9a-f]+)', client.get("/", params={"q": MINZHENG_2016}).text)[1]
    staff_view = staff_client.get(f"/documents/{document_id}").text
    assert "链接" in staff_view or "引用" in staff_view


def test_csv_export_of_the_same_search(client):
    body = api(client, q="通知", kind="policy")
    response = client.get("/api/search.csv", params={"q": "通知", "kind": "policy"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["标题", "文号", "发布机构", "发布日期"]
    assert len(rows) - 1 == body["total"]
    assert all(r[4] == "政策文件" for r in rows[1:])
    assert all(not r[0].startswith(("=", "+", "@")) for r in rows[1:])
    stamped = [r[3] for r in rows[1:] if r[3]]
    assert stamped == sorted(stamped, reverse=True) and date.fromisoformat(stamped[0])
    assert "/api/search.csv?" in client.get("/", params={"q": "通知"}).text


def test_the_landing_page_leads_into_the_results(client):
    html = client.get("/").text
    for panel in ("latest-policies", "latest-interpretations", "domains", "publishers"):
        assert f'id="{panel}"' in html
    policies = re.search(r'id="latest-policies".*?</section>', html, re.S)[0]
    days = re.findall(r"<time>([\d-]+)</time>", policies)
    assert days and days == sorted(days, reverse=True)
    interpretations = re.search(r'id="latest-interpretations".*?</section>', html, re.S)[0]
    assert 'class="form"' in interpretations
    domain = unescape(re.search(r'id="domains".*?href="(/\?domain=[^"]+)"', html, re.S)[1])
    count = int(re.search(r'id="domains".*?<span class="count">(\d+)</span>', html, re.S)[1])
    assert client.get(domain).status_code == 200 and "/" not in domain_query(domain)[0]  # a top category
    assert api(client, domain=dict(parse_qsl(urlsplit(domain).query))["domain"])["total"] == count
    tree = re.search(r'id="domains".*?</section>', html, re.S)[0]
    subcategory = next(h for h in hrefs(tree) if "/" in domain_query(h)[0])
    assert api(client, domain=domain_query(subcategory)[0])["total"] > 0
    assert "全部文件" in client.get("/", params={"q": ""}).text  # any parameter: the results


def test_an_infographic_is_stored_served_from_here_and_shown(client):
    original = (Path(__file__).parent.parent / "sample_site" / "www" / "zwgk" / "zcjd" / "201607" / "tujie-2016-gongkai.png").read_bytes()
    html = client.get("/", params={"q": "图解：泉州市民政系统2016年政务公开工作要点"}).text
    doc_id = re.search(r'href="/documents/([0-9a-f]{16})[^"]*">(?:<em>)?图解', html)[1]
    document = client.get(f"/api/documents/{doc_id}").json()
    stored = [i for i in document["images"] if i["sha256"]]
    assert len(stored) == 1 and stored[0]["media_type"] == "image/png"
    assert stored[0]["alt"] == "图解：泉州市民政系统2016年政务公开工作要点"
    assert all("ewm.png" not in i["url"] for i in document["images"])  # the footer's QR code is no part of the body
    number = document["images"].index(stored[0])
    image = client.get(f"/api/documents/{doc_id}/images/{number}")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png" and image.content == original
    page = client.get(f"/documents/{doc_id}").text
    assert f'<img src="/api/documents/{doc_id}/images/{number}" alt="图解：泉州市民政系统2016年政务公开工作要点"' in page
    assert client.get(f"/api/documents/{doc_id}/images/{number + 1}").status_code == 404


@pytest.mark.parametrize("body, served", [
    (b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png"), (b"\xff\xd8\xff\xe0" + b"0" * 100, "image/jpeg"),
    (b"GIF89a" + b"0" * 10, "image/gif"), (b"RIFF\0\0\0\0WEBPVP8 ", "image/webp"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', None),
    (b"<html><script>alert(1)</script></html>", None), (b"", None),
    (b"\x89PNG\r\n\x1a\n" + b"0" * (5 * 1024 * 1024), None),
])
def test_only_raster_images_of_a_limited_size_are_served(body, served):
    found = servable(body)
    assert (found.media_type if found else None) == served


def test_an_image_changed_under_a_running_build_is_not_stored_under_the_old_name(tmp_path):
    png = b"\x89PNG\r\n\x1a\n" + b"1" * 64
    store = RawStore(tmp_path / "raw.sqlite3")
    url = "http://site.example/a.png"
    old = servable(png)
    doc = Document(id="0" * 16, url="http://site.example/1.htm", site="t", kind=DocKind.interpretation, title="图解",
                   images=[Figure(url=url, media_type=old.media_type, sha256=old.sha256)])
    store.put("t", url, url, 200, {"content-type": ["image/png"]}, png)
    products = _ImageBytes(store, [doc])
    assert dict(products.items()) == {image_product(old.sha256): png}
    store.put("t", url, url, 200, {"content-type": ["image/png"]}, png + b"2")
    assert dict(products.items()) == {image_product(old.sha256): b""}
