"""Bad input and bad days through the real command line: attachment bombs, huge pages, an emptied
or corrupt store, a full disk, a template that matches nothing, two crawls at once."""
from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from analyzers.model import document_id
from crawler.raw_store import RawStore
from tests.conftest import zhengce
from tests.hostile import docx_bomb, pdf_with_text, policy_page, put_page, slow_pdf
from indexer.base import SearchQuery
from zhengce.engines import open_engine
from zhengce.locks import exclusive
from zhengce.settings import Settings

PDF = {"content-type": ["application/pdf"]}


def _documents(data) -> dict:
    """What the index holds, read as the server would."""
    engine = open_engine(Settings(data_dir=data))
    return {d.id: d for d in engine.documents(SearchQuery())}


def test_bombs_and_huge_pages_are_cut_with_their_reason_and_the_rest_goes_on(tmp_path):
    with RawStore(tmp_path / "raw.sqlite3") as store:
        folder = "zwgk/zcwj/202611/"
        put_page(store, folder + "bomb.docx", docx_bomb(), {"content-type": ["application/octet-stream"]})
        put_page(store, folder + "slow.pdf", slow_pdf(1_000_000), PDF)
        put_page(store, folder + "good.pdf", pdf_with_text(b"BT /F1 12 Tf 72 712 Td (zhengce attachment words) Tj ET"), PDF)
        policy = put_page(store, folder + "t20261120_1.htm", policy_page(
            "泉港区关于附件炸弹测试的通知", "<p>正文。</p>", doc_number="泉港政〔2026〕2号",
            attachments=[("./bomb.docx", "炸弹.docx"), ("./slow.pdf", "慢.pdf"), ("./good.pdf", "正常.pdf")]))
        huge = put_page(store, folder + "t20261121_2.htm", policy_page(
            "泉港区关于超长页面测试的通知", "<p>" + "超长正文内容。" * 300_000 + "</p>"))
        served_as_png = put_page(store, folder + "t20261122_3.htm", policy_page(
            "泉港区关于错误内容类型测试的通知", "<p>这个页面被服务器标成了图片。</p>"), {"content-type": ["image/png"]})
    started = time.monotonic()
    reindexed = zhengce(tmp_path, "reindex", env={"ZHENGCE_ATTACHMENT_SECONDS": "3", "ZHENGCE_MAX_TEXT_CHARS": "100000"})
    elapsed = time.monotonic() - started
    assert reindexed.returncode == 0, reindexed.stdout + reindexed.stderr
    assert elapsed < 90, f"reindex took {elapsed:.0f} s"
    documents = _documents(tmp_path)
    errors = {a.name: a.error for a in documents[document_id(policy)].attachments}
    assert "解压后 256 MB" in errors["炸弹.docx"]
    assert "超过 3 秒" in errors["慢.pdf"]
    good = next(a for a in documents[document_id(policy)].attachments if a.name == "正常.pdf")
    assert "zhengce attachment words" in good.text and good.error == ""
    cut = documents[document_id(huge)]
    assert len(cut.body) == 100_000 and "只索引了前 100000 字" in cut.truncated[0]
    assert document_id(served_as_png) in documents


def test_a_killed_reindex_leaves_no_worker_behind(tmp_path):
    with RawStore(tmp_path / "raw.sqlite3") as store:
        put_page(store, "zwgk/zcwj/202611/slow.pdf", slow_pdf(3_000_000), PDF)
        put_page(store, "zwgk/zcwj/202611/t20261120_1.htm", policy_page(
            "慢附件", "<p>正文。</p>", attachments=[("./slow.pdf", "慢.pdf")]))
    process = subprocess.Popen([os.sys.executable, "-m", "zhengce.cli", "--data-dir", str(tmp_path), "reindex"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    children: list[str] = []
    while time.monotonic() < deadline and not children:
        time.sleep(0.2)
        found = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
        children = found
    assert children, "the extractor process never started"
    process.kill()
    process.wait()
    time.sleep(1)
    alive = [pid for pid in children if os.path.exists(f"/proc/{pid}") and "Z" not in open(f"/proc/{pid}/stat").read().split()[2]]
    assert alive == []


def test_reindex_refuses_to_empty_the_index(data_dir, tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(data_dir / "index", copy / "index")
    RawStore(copy / "raw.sqlite3").close()  # an empty store, as after a lost disk
    refused = zhengce(copy, "reindex")
    assert refused.returncode == 1 and "--allow-shrink" in refused.stderr and "Traceback" not in refused.stderr
    assert len(_documents(copy)) > 30
    assert zhengce(copy, "reindex", "--allow-shrink").returncode == 0
    assert _documents(copy) == {}


def test_a_corrupt_store_is_one_line_with_the_remedy(tmp_path):
    (tmp_path / "raw.sqlite3").write_bytes(b"this is not a database" * 100)
    result = zhengce(tmp_path, "reindex")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "cannot be read" in result.stderr and "backup" in result.stderr


def test_a_template_that_matches_nothing_fails_loudly(tmp_path, sample_site_url):
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "nothing.toml").write_text('extends = "quangang_sample"\nname = "nothing"\n'
                                        '[links.remove]\ndetail = \'/t\\d{8}_\\d+\\.s?html?$\'\n'
                                        '[links]\ndetail = \'/never/\\d+\\.htm$\'\n', encoding="utf-8")
    result = zhengce(tmp_path, "crawl", "--site", "nothing", "--base-url", sample_site_url, "--log-level", "WARNING")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "found no detail page" in result.stderr and "/never/" in result.stderr


def test_a_second_crawl_of_the_same_data_dir_refuses(tmp_path, sample_site_url):
    with exclusive(tmp_path, "crawl"):
        result = zhengce(tmp_path, "crawl", "--site", "quangang_sample", "--base-url", sample_site_url)
    assert result.returncode == 2 and "another crawl is running" in result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small file system needs root (CI runs as root)")
def test_a_crawl_onto_a_full_disk_exits_non_zero_with_the_count(tmp_path, sample_site_url):
    small = tmp_path / "small"
    small.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(small)], capture_output=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        result = zhengce(small, "crawl", "--site", "quangang_sample", "--base-url", sample_site_url,
                         "--log-level", "ERROR")
    finally:
        subprocess.run(["umount", str(small)], check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    line = next(line for line in result.stderr.splitlines() if "could not be stored" in line)
    assert "full" in line.lower() and "Traceback" not in result.stderr
