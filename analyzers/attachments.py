"""Text of attachment files (附件): PDF with pypdf, DOCX with python-docx, XLSX with openpyxl,
XLS (and WPS's .et) with xlrd, DOC (and WPS's .wps, which WPS Office writes in the same Word 97
binary format) from the document's piece table, read from its OLE container with olefile.

A file that cannot be read gives an empty text and a reason, never an exception: the document
is still indexed, and the reason is shown next to the attachment."""
from __future__ import annotations

import io
import logging
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlparse

from analyzers.limits import MB, AnalysisLimits

logging.getLogger("pypdf").setLevel(logging.ERROR)
MAX_ZIP_MEMBERS = 10_000


@dataclass(frozen=True)
class ExtractedText:
    text: str
    error: str = ""
    truncated: str = ""  # what of the text was left out, and why


class TooLarge(ValueError):
    """The file would take more than the limits allow to read."""


OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def file_kind(url: str, content_type: str = "", body: bytes = b"") -> str:
    """pdf, docx, doc, xls, xlsx, wps … from the bytes' signature, else the URL's extension."""
    extension = PurePosixPath(urlparse(url).path).suffix.lower().lstrip(".")
    if body.startswith(b"%PDF"):
        return "pdf"
    if body.startswith(b"PK"):
        head = body[:8192]
        if b"word/" in head:
            return "docx"
        if b"xl/" in head:
            return "xlsx"
    if body.startswith(OLE_SIGNATURE):
        import olefile

        try:
            with olefile.OleFileIO(body) as ole:
                if ole.exists("WordDocument"):
                    return "doc"
                if ole.exists("Workbook") or ole.exists("Book"):
                    return "xls"
        except OSError:
            pass
    if "pdf" in content_type:
        return "pdf"
    return {"wps": "doc", "et": "xls"}.get(extension, extension)


def _pdf_text(body: bytes, limits: AnalysisLimits) -> tuple[str, str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    pages = reader.pages
    read = pages[: limits.attachment_pages]
    text = "\n".join((page.extract_text() or "").strip() for page in read).strip()
    cut = f"PDF 共 {len(pages)} 页，只读取了前 {len(read)} 页" if len(pages) > len(read) else ""
    return text, cut


def _check_zip(body: bytes, limits: AnalysisLimits) -> None:
    """A DOCX or XLSX is a zip: refuse one whose members would inflate past the limit (the sizes
    in its directory bound what zipfile will produce; a member that lies fails its CRC)."""
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise TooLarge(f"压缩包内有 {len(members)} 个文件，超过 {MAX_ZIP_MEMBERS} 个")
        inflated = sum(member.file_size for member in members)
        if inflated > limits.attachment_inflated_bytes:
            raise TooLarge(f"解压后 {inflated // MB} MB，超过 {limits.attachment_inflated_bytes // MB} MB 的限制")


def _docx_text(body: bytes) -> str:
    from docx import Document as DocxDocument

    document = DocxDocument(io.BytesIO(body))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(p for p in parts if p.strip())


def _xlsx_text(body: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    lines = []
    for sheet in book.worksheets:
        lines.append(sheet.title)
        for row in sheet.iter_rows(values_only=True):
            cells = ["" if v is None else str(v) for v in row]
            if any(cells):
                lines.append("\t".join(cells).rstrip())
    return "\n".join(lines)


def _xls_text(body: bytes) -> str:
    import xlrd

    book = xlrd.open_workbook(file_contents=body)
    lines = []
    for sheet in book.sheets():
        lines.append(sheet.name)
        for r in range(sheet.nrows):
            cells = [_cell(v) for v in sheet.row_values(r)]
            if any(cells):
                lines.append("\t".join(cells).rstrip())
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_FIELD = re.compile("\x13[^\x13\x14\x15]*\x14?|\x15")  # a field's code (HYPERLINK …) and its marks
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _doc_text(body: bytes) -> str:
    """Word 97–2003 text by its piece table ([MS-DOC] 2.8.35): the CLX in the table stream lists
    where each run of characters sits in the WordDocument stream, as UTF-16 or as 8-bit text."""
    import olefile

    with olefile.OleFileIO(body) as ole:
        word = ole.openstream("WordDocument").read()
        flags = struct.unpack_from("<H", word, 0x0A)[0]
        if flags & 0x0100:
            raise ValueError("文件已加密")
        table = ole.openstream("1Table" if flags & 0x0200 else "0Table").read()
    fc_clx, lcb_clx = struct.unpack_from("<II", word, 0x01A2)
    clx = table[fc_clx : fc_clx + lcb_clx]
    position = 0
    while clx[position] == 0x01:  # Prc: formatting, skipped
        position += 3 + struct.unpack_from("<H", clx, position + 1)[0]
    if clx[position] != 0x02:
        raise ValueError("没有找到文字片段表（piece table）")
    size = struct.unpack_from("<I", clx, position + 1)[0]
    plc = clx[position + 5 : position + 5 + size]
    pieces = (size - 4) // 12
    cps = struct.unpack_from(f"<{pieces + 1}I", plc, 0)
    parts = []
    for i in range(pieces):
        fc = struct.unpack_from("<I", plc, 4 * (pieces + 1) + 8 * i + 2)[0]
        length = cps[i + 1] - cps[i]
        if fc & 0x40000000:
            start = (fc & 0x3FFFFFFF) // 2
            parts.append(word[start : start + length].decode("cp1252", errors="replace"))
        else:
            parts.append(word[fc : fc + 2 * length].decode("utf-16-le", errors="replace"))
    text = _FIELD.sub("", "".join(parts))
    text = text.replace("\r", "\n").replace("\x07", "\t").replace("\x0b", "\n")
    return "\n".join(line.strip() for line in _CONTROL.sub("", text).split("\n") if line.strip())


_EXTRACTORS = {"docx": _docx_text, "xlsx": _xlsx_text, "xls": _xls_text, "doc": _doc_text}


def extract_text(url: str, body: bytes, content_type: str = "", limits: AnalysisLimits = AnalysisLimits()) -> ExtractedText:
    """The file's text, at most `limits.text_chars` of it. Runs the parsers in this process:
    for crawled files call it through analyzers.isolation, which bounds memory and time."""
    if len(body) > limits.attachment_bytes:
        return ExtractedText("", f"文件过大（{len(body) // MB} MB，限制 {limits.attachment_bytes // MB} MB），未提取正文")
    kind = file_kind(url, content_type, body)
    if kind != "pdf" and kind not in _EXTRACTORS:
        return ExtractedText("", f"暂不支持提取 {kind or '未知'} 格式的正文")
    cut = ""
    try:
        if kind in ("docx", "xlsx"):
            _check_zip(body, limits)
        if kind == "pdf":
            text, cut = _pdf_text(body, limits)
        else:
            text = _EXTRACTORS[kind](body)
    except TooLarge as exc:
        return ExtractedText("", f"{kind} 文件{exc}，未提取正文")
    except Exception as exc:  # noqa: BLE001
        # pypdf and python-docx raise many types on damaged files; any of them means "unreadable".
        return ExtractedText("", f"无法读取 {kind} 文件：{type(exc).__name__}: {exc}"[:300])
    if not text.strip():
        return ExtractedText("", f"{kind} 文件中没有可提取的文字（可能是扫描件）")
    if len(text) > limits.text_chars:
        cut = "；".join(filter(None, (cut, f"正文 {len(text)} 字，只索引了前 {limits.text_chars} 字")))
        text = text[: limits.text_chars]
    return ExtractedText(text, truncated=cut)
