from analyzers import attachments
from analyzers.attachments import extract_text
from tests.conftest import SAMPLE_WWW

FOLDER = SAMPLE_WWW / "zwgk/zcwj/201807"


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
    result = extract_text("http://x/a/附件.wps", b"\xd0\xcf\x11\xe0 old office file")
    assert result.text == "" and "wps" in result.error


def test_oversized_file_is_not_read(monkeypatch):
    monkeypatch.setattr(attachments, "MAX_ATTACHMENT_BYTES", 1000)
    result = extract_text("big.pdf", b"%PDF" + b"0" * 2000)
    assert result.text == "" and "过大" in result.error
