"""Every shipped site template crawls its local mirror to every expected document, with every
field right; and a site that no template covers is added by a configuration file alone."""
from __future__ import annotations

import json

import pytest

from sample_site import mirrors
from tests.conftest import REPO
from tests.mirrors import assert_document, serve_mirror

GOVCN_2019 = json.loads((REPO / "tests/data/mirrors/govcn_2019.json").read_text(encoding="utf-8"))


def _govcn_2019(root):
    mirrors.build_govcn_2019(root)
    return GOVCN_2019


CASES = {
    "fujian_trs": (mirrors.build_fujian_trs, None),
    "govcn_2019": (_govcn_2019, None),
    "govcn_current": (mirrors.build_govcn_current, None),
    "generic": (mirrors.build_generic, None),
    "xinluo_hanweb": (mirrors.build_hanweb, "xinluo_hanweb.toml"),
}


@pytest.fixture(scope="module")
def crawl_site(tmp_path_factory):
    """Crawls a template's mirror once per module, however many tests look at it."""
    done: dict[str, tuple] = {}

    def crawl(name: str) -> tuple:
        if name not in done:
            build, site_file = CASES[name]
            mirror, expected = serve_mirror(tmp_path_factory.mktemp(name), build, site_file)
            mirror.crawl(name)
            done[name] = (name, mirror, expected, mirror.documents())
        return done[name]

    yield crawl
    for _name, mirror, _expected, _documents in done.values():
        mirror.close()


@pytest.fixture(params=sorted(CASES))
def crawled(request, crawl_site):
    return crawl_site(request.param)


def test_every_expected_document_with_every_field(crawled):
    _name, _mirror, expected, documents = crawled
    assert len(expected) >= 4
    for item in expected:
        assert_document(documents.get(item["path"]), item, documents)


def test_nothing_but_the_expected_documents(crawled):
    _name, _mirror, expected, documents = crawled
    assert sorted(documents) == sorted(item["path"] for item in expected)


def test_no_crawl_or_analysis_errors(crawled):
    from crawler.raw_store import RawStore

    _name, mirror, _expected, _documents = crawled
    with RawStore(mirror.data / "raw.sqlite3") as store:
        assert [(e.url, e.message) for e in store.errors("crawl") + store.errors("fetch")] == []


def test_fujian_list_api_paged_to_its_end_flag(crawl_site):
    from crawler.raw_store import RawStore

    _name, mirror, expected, _documents = crawl_site("fujian_trs")
    with RawStore(mirror.data / "raw.sqlite3") as store:
        answers = [json.loads(r.body) for r in store.iter_latest() if "channelid=1001" in r.url]
    policies = sum(1 for e in expected if e["kind"] == "policy")
    assert policies > 10, "the mirror should need more than one page of records"
    assert len(answers) == -(-policies // 10) + 1  # every page of records, then the one that says stop
    assert [a["success"] for a in answers].count(False) == 1
    assert sum(len(a.get("data", [])) for a in answers) == policies


def test_gbk_page_served_as_utf8_is_read_as_gbk(crawl_site):
    _name, _mirror, _expected, documents = crawl_site("xinluo_hanweb")
    doc = documents["art/2020/6/8/art_1229_1002.html"]
    assert "进一步规范临时救助工作" in doc.body
    assert "\ufffd" not in doc.body


def test_validity_from_table_and_from_a_repeal(crawl_site):
    _name, _mirror, _expected, documents = crawl_site("xinluo_hanweb")
    repealed = documents["art/2017/3/2/art_1229_1001.html"].validity
    assert repealed.status == "废止" and repealed.by == "龙新政〔2020〕31号"
    assert documents["art/2019/9/16/art_1230_1003.html"].validity.status == "失效"
    assert documents["art/2020/6/8/art_1229_1002.html"].validity.status == "有效"
    assert documents["art/2021/1/5/art_1230_1004.html"].validity is None


def test_attachments_in_old_binary_formats_are_read_and_attributed(crawl_site):
    _name, _mirror, _expected, documents = crawl_site("xinluo_hanweb")
    attachments = {a.name: a for a in documents["art/2020/6/8/art_1229_1002.html"].attachments}
    assert sorted(attachments) == sorted(label for _file, label in mirrors.HANWEB_ATTACHMENTS)
    for attachment in attachments.values():
        assert attachment.error == "", (attachment.name, attachment.error)
        assert "涂岭镇" in attachment.text, attachment.name
