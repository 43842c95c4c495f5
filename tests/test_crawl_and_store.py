"""The real spider against the sample site on loopback, through the command line, and the raw
store it fills."""
from __future__ import annotations

from datetime import datetime, timezone

from crawler.raw_store import RawStore
from indexer.tantivy_engine import TantivyEngine
from zhengce.build_state import BuildState
from zhengce.pipeline import reindex
from tests.conftest import SAMPLE_DOCUMENTS, SAMPLE_WWW, zhengce

SITE_FILES = sorted(
    p.relative_to(SAMPLE_WWW).as_posix()
    for p in SAMPLE_WWW.rglob("*")
    if p.is_file() and p.parent != SAMPLE_WWW and "images" not in p.parts and p.suffix != ".png"
)


def test_crawl_stores_every_page_and_attachment_byte_exact(data_dir, sample_site_url):
    with RawStore(data_dir / "raw.sqlite3") as store:
        stored = {r.url: r for r in store.iter_latest()}
    for rel in SITE_FILES:
        response = stored.get(sample_site_url + rel) or stored.get(sample_site_url + rel.removesuffix("index.htm"))
        assert response is not None, f"{rel} was not crawled"
        assert response.status == 200
        assert response.body == (SAMPLE_WWW / rel).read_bytes(), f"{rel} not stored byte-exact"
    gbk = stored[sample_site_url + "zwgk/zcwj/201809/t20180903_1715007.htm"]
    assert gbk.content_type == "text/html; charset=gbk"
    assert sample_site_url + "robots.txt" in stored, "robots.txt was not asked for"
    assert not any(url.rstrip("/") == sample_site_url.rstrip("/") for url in stored), "left the site's columns"


def test_all_list_pages_were_followed(data_dir, sample_site_url):
    with RawStore(data_dir / "raw.sqlite3") as store:
        urls = {r.url for r in store.iter_latest()}
    for page in ("index_1.htm", "index_2.htm"):
        assert f"{sample_site_url}zwgk/zcwj/{page}" in urls


def test_reindex_needs_no_network_and_reports_what_it_did(data_dir, tmp_path):
    offline = tmp_path / "copy"
    offline.mkdir()
    (offline / "raw.sqlite3").write_bytes((data_dir / "raw.sqlite3").read_bytes())
    result = zhengce(offline, "reindex")
    assert result.returncode == 0, result.stderr
    assert f"indexed {SAMPLE_DOCUMENTS} documents from {SAMPLE_DOCUMENTS} pages" in result.stdout
    assert TantivyEngine(offline / "index" / "tantivy").count() == SAMPLE_DOCUMENTS


def test_reindex_without_a_raw_store_says_so(tmp_path):
    result = zhengce(tmp_path, "reindex")
    assert result.returncode == 2
    assert "zhengce crawl" in result.stderr


def test_crawl_of_an_unknown_site_fails_clearly(tmp_path):
    result = zhengce(tmp_path, "crawl", "--site", "no_such_site")
    assert result.returncode != 0
    assert "no site template 'no_such_site'" in result.stderr


def test_a_bad_page_is_logged_and_the_rest_indexed(tmp_path):
    site_url = "http://127.0.0.1:8001/"
    good = (SAMPLE_WWW / "zwgk/zcjd/201607/t20160704_1180101.htm").read_bytes()
    html = {"content-type": ["text/html; charset=utf-8"]}

    def put(site: str, path: str, status: int, body: bytes) -> None:
        store.put(site, site_url + path, site_url + path, status, html, body)

    with RawStore(tmp_path / "raw.sqlite3") as store:
        put("quangang_sample", "zwgk/zcjd/201607/t20160704_1180101.htm", 200, good)
        put("quangang_sample", "zwgk/zcwj/201901/t20190101_1.htm", 200, b"<html><p>")
        put("quangang_sample", "zwgk/zcwj/201901/t20190101_2.htm", 404, b"gone")
        put("no_such_site", "t20190101_3.htm", 200, good)
        engine = TantivyEngine(tmp_path / "index")
        with BuildState(tmp_path / "index.build.sqlite3") as state:
            report = reindex(store, engine, state)
        assert [d.title for d in report.documents] == ["《泉州市民政系统2016年政务公开工作要点》解读"]
        assert engine.count() == 1
        logged = store.errors("analyze")
        assert [e.url.rsplit("/", 1)[1] for e in logged] == ["t20190101_1.htm", "t20190101_3.htm"]
        assert "no site template" in logged[1].message


def test_raw_store_keeps_versions_and_bodies_once(tmp_path):
    with RawStore(tmp_path / "raw.sqlite3") as store:
        first = datetime(2024, 1, 1, tzinfo=timezone.utc)
        store.put("s", "http://a/x", "http://a/x", 200, {"Content-Type": ["text/html"]}, b"v1", first)
        store.put("s", "http://a/x", "http://a/x", 200, {}, b"v2")
        store.put("s", "http://a/y", "http://a/y", 200, {}, b"v1")
        assert store.count() == 3
        assert store.latest("http://a/x").body == b"v2"
        assert [r.body for r in store.iter_latest()] == [b"v2", b"v1"]
        assert store._db.execute("SELECT COUNT(*) FROM bodies").fetchone()[0] == 2
    with RawStore(tmp_path / "raw.sqlite3") as reopened:
        assert reopened.latest("http://a/y").body == b"v1"
