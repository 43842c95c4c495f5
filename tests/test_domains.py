"""The one domain taxonomy: the gov.cn 主题分类 tree as a checked data file, sites' and the
classifier's categories placed into it, and what a document is filtered and counted under."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from analyzers.decode import decode_html
from analyzers.domains import DomainClassifier, Taxonomy, default_classifier, default_taxonomy, indexed_values, site_domains

REPO = Path(__file__).parent.parent
# Real pages that state a 主题分类: fifteen State Council pages, two 泉港 portal pages.
PAGES_WITH_DOMAINS = sorted((REPO / "sample_site/corpus/govcn-2019").glob("*.html")) + sorted(
    (REPO / "tests/data/extraction/pages/zwgk/zcwj").rglob("*.htm"))


def stated_domain(page: Path) -> str:
    _, html = decode_html(page.read_bytes(), None)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return re.search(r"主题分类[：:]\s*(\S+)", text)[1]


def test_the_tree_is_the_gov_cn_one_two_levels():
    tree = default_taxonomy().tree
    assert len(tree) == 22 and sum(len(subs) for subs in tree.values()) == 121
    assert list(tree)[:2] == ["国务院组织机构", "综合政务"] and tree["其他"] == ()
    assert tree["科技、教育"] == ("科技", "教育", "知识产权", "其他")


@pytest.mark.parametrize("page", PAGES_WITH_DOMAINS, ids=lambda p: p.name)
def test_every_category_a_real_page_states_is_a_path_of_the_tree(page):
    stated = stated_domain(page)
    top, sub = stated.split("\\")
    assert default_taxonomy().holds(f"{top}/{sub}"), stated
    assert site_domains(stated) == [f"{top}/{sub}"]


@pytest.mark.parametrize("written, placed", [
    ("科技、教育\\教育", ["科技、教育/教育"]),
    ("科技、教育 > 科技；卫生、体育\\卫生", ["科技、教育/科技", "卫生、体育/卫生"]),
    ("综合政务", ["综合政务"]),
    ("教育", ["科技、教育/教育"]),  # a subcategory alone, under one top category only
    ("其他", ["其他"]),  # 其他 alone is the top category, not one of the 18 subcategories 其他
    ("综合政务\\其他", ["综合政务/其他"]),
    ("民政、扶贫、救灾\\社会救助", ["民政、扶贫、救灾/社会福利"]),  # a site's own subcategory: an alias
    ("国土资源、能源\\环境监测、保护与治理", ["城乡建设、环境保护/环境监测、保护与治理"]),  # the specific part wins
    ("综合政务\\本站自定义", ["综合政务"]),  # a subcategory nobody knows: its top category only
    ("社会救助和社会福利", ["民政、扶贫、救灾/社会福利"]),  # the 泉港 notice's domain
    ("本站自定义\\栏目", []), ("", []), ("\\\\", []),
])
def test_a_sites_category_is_placed_in_the_tree(written, placed):
    assert site_domains(written) == placed


def test_aliases_and_classifier_categories_are_checked_against_the_tree(tmp_path):
    taxonomy = default_taxonomy()
    assert all(taxonomy.holds(path) for path in taxonomy.aliases.values())
    assert all(taxonomy.holds(path) for path in default_classifier().keywords)
    wrong = tmp_path / "topics.toml"
    wrong.write_text('[tree]\n"综合政务" = ["政务公开"]\n[aliases]\n"救助" = "民政、扶贫、救灾/社会福利"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="救助"):
        Taxonomy.load(wrong)
    keywords = tmp_path / "domains.toml"
    keywords.write_text('[domains]\n"教育" = ["学校"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="教育"):
        DomainClassifier.load(keywords)


def test_the_classifier_names_the_most_specific_categories_once():
    classify = default_classifier().classify
    assert classify("关于做好城乡低保工作的通知", "最低生活保障 社会救助") == ["民政、扶贫、救灾/社会福利"]
    # 安全生产 (a subcategory) and 价格 (its top category alone): the top is not said twice.
    assert classify("安全生产和价格检查的通知", "安全生产 价格") == ["市场监管、安全生产监管/安全生产监管"]


def test_a_document_is_filtered_under_its_top_categories_and_its_paths():
    assert indexed_values(["科技、教育/教育", "科技、教育/科技", "综合政务"]) == [
        "科技、教育", "科技、教育/教育", "科技、教育/科技", "综合政务"]


@pytest.mark.parametrize("asked, indexed", [
    ("教育", "科技、教育/教育"), ("科技、教育\\教育", "科技、教育/教育"), ("科技、教育", "科技、教育"),
    ("社会救助", "民政、扶贫、救灾/社会福利"), ("不是分类", "不是分类"),
])
def test_a_domain_is_asked_for_as_it_is_indexed(asked, indexed):
    from indexer.base import SearchQuery

    assert SearchQuery(domain=asked).domain == (indexed,)
