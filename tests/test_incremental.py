"""Crawling again: killed crawls resume without losing or re-fetching pages; unchanged pages cost
a conditional request; changed pages become versions; removed pages are kept as withdrawn;
one document reached at several URLs stays one document."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import httpx
import pytest

from crawler.raw_store import RawStore
from sample_site import mirrors
from tests.conftest import REPO
from tests.conftest import start_api
from tests.mirrors import serve_mirror

LARGE = 400


def _rows(store_path) -> list[tuple]:
    with sqlite3.connect(store_path) as db:
        return sorted(db.execute("SELECT url, final_url, status, body_sha1 FROM responses"))


def _stored_so_far(store_path) -> int:
    """Rows the crawl has committed; 0 before it has created the store's tables."""
    try:
        return len(_rows(store_path)) if store_path.exists() else 0
    except sqlite3.OperationalError:
        return 0


def _crawl_command(mirror, site: str = "fujian_trs") -> list[str]:
    return [sys.executable, "-m", "zhengce.cli", "--data-dir", str(mirror.data), "crawl", "--site", site,
            "--base-url", mirror.url, "--delay", "0", "--log-level", "WARNING"]


def test_kill_9_then_rerun_ends_with_the_raw_store_of_an_uninterrupted_crawl(tmp_path):
    build = lambda root: mirrors.build_large(root, documents=LARGE, per_list=20)  # noqa: E731
    whole, _ = serve_mirror(tmp_path / "whole", build)
    killed, _ = serve_mirror(tmp_path / "killed", build, delay=0.02)
    try:
        whole.crawl("quangang_sample")
        store = killed.data / "raw.sqlite3"
        process = subprocess.Popen(_crawl_command(killed, "quangang_sample"), cwd=REPO,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if _stored_so_far(store) >= LARGE // 3:
                break
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        complete_at_kill = {url for url, *_ in _rows(store)}
        assert LARGE // 3 <= len(complete_at_kill) < LARGE, "the crawl should be killed half-way"
        asked_before = len(killed.server.requests)

        killed.crawl("quangang_sample")
        asked_again = {killed.url.rstrip("/") + path for path in killed.server.requests[asked_before:]}
        refetched = sorted(asked_again & complete_at_kill - {killed.url + "robots.txt"})
        assert refetched == [], f"fetched twice though complete: {refetched[:5]}"
        rebase = lambda rows, url: sorted((u.replace(url, ""), f.replace(url, ""), s, h) for u, f, s, h in rows)  # noqa: E731
        assert rebase(_rows(store), killed.url) == rebase(_rows(whole.data / "raw.sqlite3"), whole.url)
    finally:
        whole.close()
        killed.close()


@pytest.fixture(scope="module")
def recrawled(tmp_path_factory):
    """The gov.cn mirror crawled; then one page edited, one removed (404), one gone (410), one
    page also published at a second address; then crawled again with --recheck."""
    tmp = tmp_path_factory.mktemp("recrawl")
    mirror, expected = serve_mirror(tmp, lambda root: mirrors.build_govcn_2019(root) or [])
    first = mirror.crawl("govcn_2019")
    pages = [p for p in sorted(mirror.root.rglob("content_*.htm"))]
    edited, removed, gone, copied = pages[0], pages[1], pages[2], pages[3]
    old_text = edited.read_bytes()
    edited.write_bytes(old_text.replace("各省、自治区、直辖市人民政府".encode(), "各省、自治区、直辖市和新疆生产建设兵团人民政府".encode(), 1))
    os.utime(edited, (time.time() + 5, time.time() + 5))
    removed.unlink()
    (mirror.root / ".routes").write_text(f"/{gone.relative_to(mirror.root).as_posix()} 410\n", encoding="utf-8")
    second_address = copied.with_name("content_9999999.htm")
    second_address.write_bytes(copied.read_bytes())
    listing = mirror.root / "zhengce/content/index.htm"
    listing.write_text(listing.read_text(encoding="utf-8").replace(
        "</ul>", f'<li><a href="/{second_address.relative_to(mirror.root).as_posix()}">另一地址</a></li></ul>'), encoding="utf-8")
    asked_before = len(mirror.server.requests)
    second = mirror.crawl("govcn_2019", "--recheck")
    yield {"mirror": mirror, "first": first, "second": second, "edited": edited, "removed": removed, "gone": gone,
           "copied": copied, "second_address": second_address, "asked_second": mirror.server.requests[asked_before:],
           "documents": mirror.documents()}
    mirror.close()


def _path(mirror, file) -> str:
    return file.relative_to(mirror.root).as_posix()


def test_the_crawl_reports_what_it_found(recrawled):
    assert "new 19 " in recrawled["first"].stdout  # 15 pages, 3 list pages (zhengce/content/ is index.htm too), robots.txt
    second = recrawled["second"].stdout
    assert "changed 3 " in second  # the edited page and the list (at two addresses) that gained a link
    assert "unchanged 14 " in second  # 12 pages, the second list page, robots.txt
    assert "withdrawn 2 " in second
    assert "new 1 " in second  # the second address


def test_unchanged_pages_cost_a_conditional_request(recrawled):
    with RawStore(recrawled["mirror"].data / "raw.sqlite3") as store:
        for url in {r.url for r in store.iter_latest()}:
            if "content_5362266" in url:
                assert len(store.versions(url)) == 1, "a re-fetch of an unchanged page adds no version"
    mirror = recrawled["mirror"]
    answered_304 = {path for path in mirror.server.not_modified if "content_" in path}
    assert len(answered_304) == 12  # the 15 pages but the edited, the removed and the gone one


def test_changed_page_keeps_its_earlier_text_and_the_api_diffs_them(recrawled, tmp_path):
    mirror = recrawled["mirror"]
    doc = recrawled["documents"][_path(mirror, recrawled["edited"])]
    assert len(doc.versions) == 1
    assert "新疆生产建设兵团" in doc.body and "新疆生产建设兵团" not in doc.versions[0].body
    from tests.conftest import zhengce

    assert zhengce(mirror.data, "reindex").returncode == 0
    with start_api(mirror.data) as api:
        versions = httpx.get(f"{api}/api/documents/{doc.id}/versions").json()
        assert [v["number"] for v in versions] == [1, 2] and versions[-1]["current"]
        change = httpx.get(f"{api}/api/documents/{doc.id}/diff").json()
        assert change["from_version"] == 1 and change["to_version"] == 2
        assert any(line.startswith("+") and "新疆生产建设兵团" in line for line in change["diff"])
        assert any(line.startswith("-") and "新疆" not in line for line in change["diff"])
        assert httpx.get(f"{api}/api/documents/{doc.id}/diff", params={"from": 3}).status_code == 404
        page = httpx.get(f"{api}/documents/{doc.id}").text
        assert "修改记录" in page and "新疆生产建设兵团" in page


def test_removed_pages_are_kept_as_withdrawn(recrawled):
    mirror, documents = recrawled["mirror"], recrawled["documents"]
    for key in ("removed", "gone"):
        doc = documents[_path(mirror, recrawled[key])]
        assert doc.withdrawn_at is not None, key
        assert doc.body, "the last text is kept"
    assert documents[_path(mirror, recrawled["edited"])].withdrawn_at is None


def test_one_document_at_two_addresses(recrawled):
    mirror, documents = recrawled["mirror"], recrawled["documents"]
    original = mirror.url + _path(mirror, recrawled["copied"])
    copy = mirror.url + _path(mirror, recrawled["second_address"])
    holders = [d for d in documents.values() if copy in d.urls or d.url == copy]
    assert len(holders) == 1
    assert holders[0].urls == sorted([original, copy])
    assert len(documents) == 15


def test_a_page_the_spider_cannot_parse_is_logged_and_the_crawl_goes_on(tmp_path):
    mirror, expected = serve_mirror(tmp_path, mirrors.build_fujian_trs)
    try:
        broken = next(mirror.root.glob("ssp/search/api/search@channelid=1002&page=1*"))
        broken.write_text('{"success": true, "data": [ {"_doctitle": "被截断的', encoding="utf-8")
        mirror.crawl("fujian_trs")
        with RawStore(mirror.data / "raw.sqlite3") as store:
            logged = store.errors("crawl")
        assert [e.url.split("?")[1] for e in logged] == ["channelid=1002&page=1&size=10"]
        assert "JSONDecodeError" in logged[0].message
        found = mirror.documents()
        assert all(e["path"] in found for e in expected if e["kind"] != "interpretation")
    finally:
        mirror.close()


def test_a_redirected_page_keeps_the_address_it_was_linked_at(tmp_path):
    mirror, _ = serve_mirror(tmp_path, lambda root: mirrors.build_govcn_2019(root) or [])
    try:
        old = next(mirror.root.rglob("content_5365945.htm"))
        new = old.with_name("content_1.htm")
        old.rename(new)
        old_path, new_path = (f"/{p.relative_to(mirror.root).as_posix()}" for p in (old, new))
        (mirror.root / ".routes").write_text(f"{old_path} 301 {new_path}\n", encoding="utf-8")
        mirror.crawl("govcn_2019")
        with RawStore(mirror.data / "raw.sqlite3") as store:
            stored = store.latest(mirror.url + old_path[1:])
        assert stored.status == 200 and stored.final_url == mirror.url + new_path[1:]
        doc = mirror.documents()[new_path[1:]]
        assert doc.urls == sorted([mirror.url + old_path[1:], mirror.url + new_path[1:]])
    finally:
        mirror.close()
