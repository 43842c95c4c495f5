"""Extraction on the real documents (sample_site/corpus, byte-exact copies) and on the sample
site's pages, which wrap those documents in a Fujian portal's template."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from analyzers.decode import decode_html
from analyzers.dates import find_date, find_datetime
from analyzers.doc_number import doc_number_key, find_doc_numbers
from analyzers.doc_type import doc_type_from_title
from analyzers.model import DocKind, UnitRole
from analyzers.page import analyze_page
from analyzers.units import extract_units, names_a_unit, parse_unit_list
from sites import load_site
from tests.conftest import CORPUS, SAMPLE_WWW

QUANGANG = (CORPUS / "quangang-2018-84-notice.txt").read_text(encoding="utf-8")
MINZHENG = (CORPUS / "quanzhou-minzheng-2016-gongkai-page.txt").read_text(encoding="utf-8")
SITE = load_site("quangang_sample")


@pytest.mark.parametrize(
    "spelling",
    ["泉港政办〔2018〕84号", "泉港政办[2018]84号", "泉港政办【2018】84号", "泉港政办（2018）84号",
     "泉港政办(2018)第84号", "泉港政办2018-84", "泉港政办 〔2018〕 84 号"],
)
def test_every_doc_number_spelling_has_one_key(spelling):
    assert doc_number_key(spelling) == "泉港政办2018-84"


def test_doc_number_found_in_the_real_notice():
    assert find_doc_numbers(QUANGANG)[0] == "泉港政办〔2018〕84号"
    assert doc_number_key("关于做好政务公开工作的通知") == ""


def test_dates_in_the_forms_of_the_corpus():
    assert find_datetime("时间:2016-06-30 10:02") == datetime(2016, 6, 30, 10, 2)
    assert find_date("2016年6月23日") == date(2016, 6, 23)
    assert find_date("2019年01月08日") == date(2019, 1, 8)
    assert find_date("2019/1/8") == date(2019, 1, 8)


def test_impossible_or_missing_dates_are_not_guessed():
    assert find_date("2016-02-30") is None
    assert find_date("生成日期：不详") is None
    assert find_date("") is None


@pytest.mark.parametrize(
    ("title", "kind"),
    [("泉州市民政局关于印发2016年政务公开工作要点的通知", "通知"),
     ("国务院办公厅关于加强三级公立医院绩效考核工作的意见", "意见"),
     ("泉港区推进社会公益事业建设领域政府信息公开工作实施方案", "方案"),
     ("关于防范冒充政府网站网络诈骗的提示", "")],
)
def test_doc_type_from_title(title, kind):
    assert doc_type_from_title(title) == kind


def units_of(section: str, units: list[UnitRole]) -> list[tuple[str, str]]:
    return [(u.as_written, u.role) for u in units if u.section == section]


def test_units_with_roles_and_inherited_prefix_in_the_real_notice():
    units = extract_units(QUANGANG)
    assert units_of("脱贫攻坚领域", units) == [
        ("区财政局", "负责"), ("区农林水局", "负责"), ("各镇人民政府", "负责"), ("山腰街道办事处", "负责"),
    ]
    assert units_of("社会救助和社会福利领域", units) == [
        ("区民政局", "牵头"), ("区教育局", "配合"), ("区人社局", "配合"), ("区住建局", "配合"),
        ("区卫计局", "配合"), ("区残联", "配合"), ("泉州市医疗保障基金管理中心泉港管理部", "配合"),
        ("各镇人民政府", "配合"), ("山腰街道办事处", "配合"),
    ]
    # 市场监督管理局 starts with 市 but is the district's bureau: it inherits 区 like the others.
    assert ("区市场监督管理局", "负责") in units_of("基本医疗卫生领域", units)
    assert units_of("公共文化体育领域", units) == [("区文体新局", "负责")]
    assert len({u.section for u in units}) == 7


def test_units_get_canonical_names_and_their_task():
    units = [u for u in extract_units(QUANGANG) if u.section == "社会救助和社会福利领域"]
    assert [u.name for u in units[:5]] == [
        "泉港区民政局", "泉港区教育局", "泉港区人力资源和社会保障局", "泉港区住房和城乡建设局", "泉港区卫生和计划生育局",
    ]
    assert units[0].task.startswith("（二）社会救助和社会福利领域。重点围绕城乡低保")
    assert units[0].task.endswith("又保护好相关人员个人隐私。")
    unknown = parse_unit_list("区档案馆牵头")[0]
    assert unknown.name == unknown.as_written == "区档案馆"


def test_units_in_parentheses_keep_nested_brackets():
    units = extract_units(MINZHENG)
    first = units_of("切实落实权力清单和责任清单公开", units)
    assert first == [
        ("市局办公室", "负责"), ("市局行政审核审批科", "负责"), ("市局救灾与社会福利科", "负责"),
        ("各县市(区)民政局", "负责"), ("石狮市委社会工作部(民政局)", "负责"), ("泉州台商投资区民政保障局", "负责"),
    ]


def test_unit_list_without_roles_and_with_trailing_cooperators():
    assert [(u.as_written, u.role) for u in parse_unit_list("区环保局牵头，石化工业园区管委会、区工信局配合")] == [
        ("区环保局", "牵头"), ("石化工业园区管委会", "配合"), ("区工信局", "配合"),
    ]
    assert [(u.as_written, u.role) for u in parse_unit_list("区民政局牵头，区财政局")] == [
        ("区民政局", "牵头"), ("区财政局", "配合"),
    ]


def page(rel: str, content_type: str | None = "text/html; charset=utf-8"):
    raw = (SAMPLE_WWW / rel).read_bytes()
    _encoding, html = decode_html(raw, content_type)
    url = SITE.base_url + rel
    return analyze_page(SITE, url, html, None, lambda _url: None)


def test_policy_page_metadata_body_and_interpretation_block():
    result = page("zwgk/zcwj/201810/t20181015_1718001.htm")
    doc = result.document
    assert result.problems == []
    assert doc.kind is DocKind.policy
    assert doc.title == "泉港区人民政府办公室关于印发推进社会公益事业建设领域政府信息公开工作实施方案的通知"
    assert doc.doc_number == "泉港政办〔2018〕84号"
    assert doc.index_number == "QG00101-0200-2018-00084"
    assert doc.publisher == "泉港区人民政府办公室"
    assert doc.written_date == date(2018, 10, 12)
    assert doc.published_at == datetime(2018, 10, 15, 9, 30)
    assert doc.domains == ["综合政务/政务公开"]
    assert doc.doc_type == "通知"
    assert "区民政局牵头" in doc.body and "alert" not in doc.body
    assert [(l.form, l.url.rsplit("/", 1)[1]) for l in doc.interpretations] == [
        ("文字解读", "t20181017_1718101.htm"), ("图解", "t20181018_1718102.htm"),
    ]
    assert ("泉港区民政局", "区民政局", "牵头") in [(u.name, u.as_written, u.role) for u in doc.units]


def test_real_municipal_page_dates_differ_from_signing():
    doc = page("zwgk/zcwj/201606/t20160630_1180003.htm").document
    assert doc.published_at == datetime(2016, 6, 30, 10, 2)
    assert doc.written_date == date(2016, 6, 23)
    assert doc.doc_number == ""
    assert "相关解读材料应于文件公开后3个工作日内" in doc.body


@pytest.mark.parametrize("content_type", ["text/html; charset=gbk", None])
def test_gbk_page_decodes_from_header_or_meta(content_type):
    raw = (SAMPLE_WWW / "zwgk/zcwj/201809/t20180903_1715007.htm").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    doc = page("zwgk/zcwj/201809/t20180903_1715007.htm", content_type).document
    assert doc.title == "泉港区教育局关于做好2018年秋季学前教育幼儿资助工作的通知"
    assert "普惠性幼儿园" in doc.body and "\ufffd" not in doc.body


def test_broken_markup_page_keeps_all_its_text():
    doc = page("zwgk/zcwj/201811/t20181108_1720009.htm").document
    assert doc.doc_number == "泉港卫计〔2018〕45号"
    assert "家庭医生签约服务" in doc.body and "二〇一八年十一月" in doc.body
    assert ("泉港区卫生和计划生育局", "牵头") in [(u.name, u.role) for u in doc.units]


def test_real_govcn_page_republished_keeps_its_metadata():
    doc = page("zwgk/zcwj/201901/t20190108_1750031.htm").document
    assert doc.title == "国务院关于2018年度国家科学技术奖励的决定"
    assert doc.doc_number == "国发〔2018〕44号"
    assert doc.publisher == "国务院"
    assert doc.written_date == date(2018, 12, 28)
    assert doc.domains == ["科技、教育/科技"]
    assert doc.doc_type == "决定"


def test_interpretation_page_links_back_and_has_a_form():
    doc = page("zwgk/zcjd/201810/t20181018_1718102.htm").document
    assert doc.kind is DocKind.interpretation
    assert doc.interpretation_form == "图解"
    assert [l.url.rsplit("/", 1)[1] for l in doc.interprets] == ["t20181015_1718001.htm"]


def test_a_page_without_body_is_reported_not_indexed():
    result = analyze_page(SITE, SITE.base_url + "x/t20200101_1.htm", "<html><p>Not a policy</p>", None, lambda u: None)
    assert result.document is None
    assert any("正文" in p for p in result.problems)


def test_publisher_and_signing_date_from_the_signature_when_the_page_has_no_table():
    lines = [line.strip(" \u00a0") for line in MINZHENG.splitlines()]
    body = "".join(f"<p>{line}</p>" for line in lines[3:60] if line)
    html = f"<html><head><title>通知</title></head><body><h1 class='article_title'>通知</h1><div class='TRS_Editor'>{body}</div>"
    doc = analyze_page(SITE, SITE.base_url + "zwgk/zcwj/201606/t20160630_1.htm", html, None, lambda u: None).document
    assert doc.publisher == "泉州市民政局"
    assert doc.written_date == date(2016, 6, 23)


def test_no_signature_means_no_guess():
    from analyzers.signature import signature

    assert signature("一、总体要求\n（一）指导思想。") == ("", None)
    assert signature("特此通知。\n2018年7月18日") == ("", date(2018, 7, 18))


def test_doc_number_in_the_body_only_from_its_own_line():
    def number_of(body_lines: list[str]) -> str:
        body = "".join(f"<p>{line}</p>" for line in body_lines)
        html = f"<h1 class='article_title'>关于印发某方案的通知</h1><div class='TRS_Editor'>{body}</div>"
        return analyze_page(SITE, SITE.base_url + "zwgk/zcwj/201901/t20190101_9.htm", html, None, lambda u: None).document.doc_number

    assert number_of(["国务院关于2018年度国家科学技术奖励的决定", "国发〔2018〕44号", "各省、自治区："]) == "国发〔2018〕44号"
    assert number_of(["根据《福建省最低生活保障办法》（闽政〔2013〕12号），现通知如下："]) == ""


def govcn_body(name: str) -> str:
    from analyzers.html_text import element_text, parse_html

    soup = parse_html((CORPUS / "govcn-2019" / name).read_text(encoding="utf-8"))
    return element_text(soup.select_one("#UCAP-CONTENT"))


def test_state_council_task_notes_with_the_first_listed_leading():
    units = extract_units(govcn_body("a_005.html"))
    first = [(u.as_written, u.role) for u in units if u.section == "拓展两个市场"]
    assert first == [("税务总局", "牵头"), ("财政部", "配合"), ("海关总署", "配合")]
    # "下同": later notes follow the same rule; 等有关部门 is not a unit.
    assert [(u.as_written, u.role) for u in units if u.section == "提前适用政策"] == [
        ("海关总署", "牵头"), ("财政部", "配合"), ("税务总局", "配合"),
    ]
    assert all("等" not in u.as_written for u in units)
    assert next(u for u in units if u.as_written == "税务总局").name == "国家税务总局"


def test_state_council_notes_lead_and_participants_and_no_rule():
    lead = extract_units(govcn_body("a_007.html"))
    assert [(u.as_written, u.role) for u in lead[:3]] == [("生态环境部", "牵头"), ("国家发展改革委", "配合"), ("工业和信息化部", "配合")]
    plain = extract_units(govcn_body("a_009.html"))
    assert {u.role for u in plain} == {"负责"}  # a_009 names no lead rule
    assert "各省级人民政府" in {u.as_written for u in plain}
    assert extract_units(govcn_body("a_003.html")) == []  # （…由人力资源社会保障行政部门负责） is prose


def test_role_labels_and_hanzi_dates():
    units = extract_units("（一）加强资金监管。\n牵头单位：区财政局；配合单位：区发改局、区住建局")
    assert [(u.as_written, u.role, u.section) for u in units] == [
        ("区财政局", "牵头", "加强资金监管"), ("区发改局", "配合", "加强资金监管"), ("区住建局", "配合", "加强资金监管"),
    ]
    assert find_date("二〇一八年十二月二十三日") == date(2018, 12, 23)
    assert find_date("二〇二〇年十月十日") == date(2020, 10, 10)


def test_domains_from_the_site_else_from_the_classifier():
    from analyzers.domains import default_classifier

    assert page("zwgk/zcwj/201807/t20180720_1712005.htm").document.domains == ["民政、扶贫、救灾/社会福利"]  # the site writes 民政、扶贫、救灾\\社会救助
    interpretation = page("zwgk/zcjd/201807/t20180723_1712103.htm").document  # no 主题分类 on the page
    assert interpretation.domains == ["民政、扶贫、救灾/社会福利"]
    classify = default_classifier().classify
    assert classify("关于做好2019年大气污染防治工作的通知", "扬尘污染管控") == ["城乡建设、环境保护/环境监测、保护与治理"]
    assert classify("关于召开会议的通知", "请准时参加。") == []


@pytest.mark.parametrize(
    ("title", "first_line", "kind"),
    [("《泉港区低保实施办法》政策解读", "近日出台了办法。", DocKind.interpretation),
     ("图解：低保提标", "一图读懂。", DocKind.interpretation),
     ("泉港区人民政府关于印发低保办法的通知", "泉港政〔2020〕3号", DocKind.policy),
     ("关于开展防汛演练的公告", "定于下周开展演练。", DocKind.notice),
     # An official document about interpretation work is not an interpretation: its title is
     # 关于…的通知, whatever its subject.
     ("泉港区人民政府办公室关于进一步做好政策解读工作的通知", "泉港政办〔2021〕12号", DocKind.policy),
     ("泉港区人民政府办公室关于进一步做好政策解读工作的通知", "各乡镇人民政府。", DocKind.notice),
     ("关于开展“政务公开访谈”活动的公告", "定于下周开展。", DocKind.notice),
     ("关于《泉港区低保实施办法》的解读", "近日出台了办法。", DocKind.interpretation),
     ("解读：关于低保提标的通知", "近日出台了通知。", DocKind.interpretation),
     ("一图读懂《泉港区人民政府关于印发低保办法的通知》", "泉港政〔2020〕3号", DocKind.interpretation),
     ("政策解读《泉港区人民政府关于印发低保办法的通知》", "泉港政〔2020〕3号", DocKind.interpretation),
     ("《关于印发低保办法的通知》答记者问", "记者：", DocKind.interpretation)],
)
def test_kind_of_a_page_outside_the_template_columns(title, first_line, kind):
    html = f"<h1 class='article_title'>{title}</h1><div class='TRS_Editor'><p>{first_line}</p><p>正文。</p></div>"
    doc = analyze_page(SITE, SITE.base_url + "other/202001/t20200101_7.htm", html, None, lambda u: None).document
    assert doc.kind is kind


@pytest.mark.parametrize("name", ["泉港区民政局", "国务院办公厅", "教育部", "福建省民政厅", "涂岭镇人民政府", "区卫计局",
                                  "国家发展改革委", "全国人大常委会", "国管局", "石狮市委社会工作部(民政局)",
                                  "泉港石化工业园区管理委员会"])
def test_a_name_of_one_body_is_a_unit(name):
    assert names_a_unit(name)


@pytest.mark.parametrize("name", ["办公室", "各相关科室", "市局相关科室", "市局办公室", "各县市(区)民政局", "各设区市民政局",
                                  "各有关省级人民政府", "有关部门", "本单位", "市场监督管理局", "相关单位"])
def test_a_kind_of_body_the_text_pins_down_is_no_unit_on_its_own(name):
    assert not names_a_unit(name)
