"""Hostile material for the security tests: pages in the sample portal's template whose every
link slot holds a script URL, and small files that inflate or stall a parser."""
from __future__ import annotations

import html
import io
import zlib
import zipfile
from pathlib import Path

from crawler.raw_store import RawStore

SITE = "quangang_sample"
BASE = "http://127.0.0.1:8001/"  # quangang_sample's own base URL; nothing is fetched from it
HTML = {"content-type": ["text/html; charset=utf-8"]}

# What browsers run as script although it does not start with a lower-case "javascript:".
SCRIPT_URLS = [
    "JavaScript:alert(1)",
    "jAvAsCrIpT:alert(document.cookie)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "java\rscript:alert(1)",
    " javascript:alert(1)",
    "\x01\x02javascript:alert(1)",
    "JAVASCRIPT&colon;alert(1)",  # an entity the HTML parser decodes to ':'
    "jav&#x09;ascript:alert(1)",  # a tab written as a character reference
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
]


def _href(value: str) -> str:
    """An attribute value as the hostile page writes it: quotes escaped, entities kept as written."""
    return value.replace('"', "&quot;").replace("<", "&lt;")


def policy_page(title: str, body: str, *, doc_number: str = "", publisher: str = "泉港区人民政府办公室",
                published: str = "2026-11-20 09:00", attachments: list[tuple[str, str]] = (),
                interpretations: list[tuple[str, str]] = (), back_links: list[tuple[str, str]] = (),
                canonical: str | None = None) -> bytes:
    """A detail page of the Fujian TRS template (as the sample site's), with the given links."""
    def anchors(links):
        return "\n".join(f'<li><a href="{_href(u)}">{html.escape(t)}</a></li>' for u, t in links)

    head = f'<link rel="canonical" href="{_href(canonical)}">' if canonical is not None else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>{head}</head>
<body>
<div class="xxgk_table"><table>
  <tr><th>索引号：</th><td>QG-2026-0001</td><th>发布机构：</th><td>{html.escape(publisher)}</td></tr>
  <tr><th>生成日期：</th><td>2026-11-18</td><th>文　　号：</th><td>{html.escape(doc_number)}</td></tr>
  <tr><th>主题分类：</th><td colspan="3">综合政务\\政务公开</td></tr>
</table></div>
<div class="article">
  <h1 class="article_title">{html.escape(title)}</h1>
  <div class="article_info"><span>时间:{published}</span></div>
  <div class="TRS_Editor">{body}</div>
  <div class="article_attachment"><h4>附件下载</h4><ul>{anchors(attachments)}</ul></div>
  <div class="xgjd"><h3>相关解读</h3><dl><dt>文字解读</dt><dd><ul>{anchors(interpretations)}</ul></dd></dl></div>
  <div class="xgwj"><h3>相关文件</h3><ul>{anchors(back_links)}</ul></div>
</div>
</body></html>""".encode("utf-8")


def put_page(store: RawStore, path: str, body: bytes, headers: dict | None = None, site: str = SITE,
             base: str = BASE) -> str:
    url = base + path
    store.put(site, url, url, 200, headers or HTML, body)
    return url


def docx_bomb(inflated: int = 256 * 1024 * 1024) -> bytes:
    """A DOCX of a few hundred KB whose document.xml inflates to `inflated` bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(b'<?xml version="1.0"?><w:document xmlns:w="x"><w:body><w:p><w:r><w:t>')
            chunk = b"A" * (1024 * 1024)
            for _ in range(inflated // len(chunk)):
                member.write(chunk)
            member.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return buffer.getvalue()


def _pdf(objects: list[bytes]) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def pdf_with_text(text_ops: bytes) -> bytes:
    """A one-page PDF whose content stream (deflated) is `text_ops`."""
    stream = zlib.compress(text_ops, 9)
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


def slow_pdf(operations: int = 3_000_000) -> bytes:
    """About 100 KB that a text extractor spends minutes on: millions of text-showing operators."""
    return pdf_with_text(b"BT /F1 12 Tf 72 712 Td " + b"(zhengce) Tj " * operations + b"ET")


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
