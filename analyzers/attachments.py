"""Text of attachment files (附件): PDF with pypdf, DOCX with python-docx.

A file that cannot be read gives an empty text and a reason, never an exception: the document
is still indexed, and the reason is shown next to the attachment."""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlparse

MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024
logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass(frozen=True)
class ExtractedText:
    text: str
    error: str = ""


def file_kind(url: str, content_type: str = "", body: bytes = b"") -> str:
    """pdf, docx, doc, xls, xlsx, wps … from the bytes' signature, else the URL's extension."""
    if body.startswith(b"%PDF"):
        return "pdf"
    if body.startswith(b"PK") and b"word/" in body[:4096]:
        return "docx"
    if "pdf" in content_type:
        return "pdf"
    return PurePosixPath(urlparse(url).path).suffix.lower().lstrip(".")


def _pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    return "\n".join((page.extract_text() or "").strip() for page in reader.pages).strip()


def _docx_text(body: bytes) -> str:
    from docx import Document as DocxDocument

    document = DocxDocument(io.BytesIO(body))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(p for p in parts if p.strip())


_EXTRACTORS = {"pdf": _pdf_text, "docx": _docx_text}


def extract_text(url: str, body: bytes, content_type: str = "") -> ExtractedText:
    if len(body) > MAX_ATTACHMENT_BYTES:
        return ExtractedText("", f"文件过大（{len(body) // 1024 // 1024} MB），未提取正文")
    kind = file_kind(url, content_type, body)
    extractor = _EXTRACTORS.get(kind)
    if extractor is None:
        return ExtractedText("", f"暂不支持提取 {kind or '未知'} 格式的正文")
    try:
        text = extractor(body)
    except Exception as exc:  # noqa: BLE001
        # pypdf and python-docx raise many types on damaged files; any of them means "unreadable".
        return ExtractedText("", f"无法读取 {kind} 文件：{type(exc).__name__}: {exc}"[:300])
    if not text.strip():
        return ExtractedText("", f"{kind} 文件中没有可提取的文字（可能是扫描件）")
    return ExtractedText(text)
