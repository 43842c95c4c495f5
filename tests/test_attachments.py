from analyzers.attachments import extract_text, file_kind
from analyzers.limits import AnalysisLimits
from tests.conftest import SAMPLE_WWW

FOLDER = SAMPLE_WWW / "zwgk/zcwj/201807"
OLD_FORMATS = SAMPLE_WWW.parent / "attachments"


def test_pdf_text_is_extracted():
    result = extract_text("x.pdf", (FOLDER / "P020180720551203.pdf").read_bytes())
    assert result.error == ""
    assert "涂岭镇" in result.text and "城乡低保标准调整测算表" in result.text


def test_docx_text_is_extracted_with_tables():
    result = extract_text("x.docx", (FOLDER / "P020180720551204.docx").read_bytes())
    assert result.error == ""
    assert "赡养义务人" in result.text and "诚信承诺" in result.text


def test_damaged_pdf_gives_a_reason_not_an_exception():
    body = (FOLDER / "P020180720551203.pdf").read_bytes()[:300]
    result = extract_text("x.pdf", body)
    assert result.text == "" and "pdf" in result.error


def test_unsupported_format_is_recorded():
    result = extract_text("http://x/a/附件.rar", b"Rar!\x1a\x07\x00 archive")
    assert result.text == "" and "rar" in result.error


def test_damaged_wps_gives_a_reason_not_an_exception():
    result = extract_text("http://x/a/附件.wps", b"\xd0\xcf\x11\xe0 not really an office file")
    assert result.text == "" and "doc" in result.error


def test_old_binary_formats_by_signature_whatever_the_name():
    for name, kind in (("P020200608_lowbao.doc", "doc"), ("P020200608_shenqing.wps", "doc"),
                       ("P020200608_cesuan.xls", "xls"), ("P020200608_cesuan.xlsx", "xlsx")):
        body = (OLD_FORMATS / name).read_bytes()
        assert file_kind("http://x/download?id=1", "", body) == kind, name
        result = extract_text(f"http://x/{name}", body)
        assert result.error == "" and "涂岭镇" in result.text, name


def test_doc_text_keeps_paragraphs_and_table_cells():
    text = extract_text("x.doc", (OLD_FORMATS / "P020200608_lowbao.doc").read_bytes()).text
    assert text.split("\n")[:2] == ["泉港区2018年城乡低保资金分配表说明", "各镇人民政府、山腰街道办事处：低保金按月足额发放到户。"]
    assert "镇（街道）\t资金（万元）" in text


def test_oversized_file_is_not_read():
    result = extract_text("big.pdf", b"%PDF" + b"0" * 2000, limits=AnalysisLimits(attachment_bytes=1000))
    assert result.text == "" and "过大" in result.error
