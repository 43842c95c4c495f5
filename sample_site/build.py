"""Render sample_site/content/documents.toml into www/ as a Fujian 集约化 portal would publish
it: column list pages with pagination, detail pages with the 信息公开 metadata table, 附件下载
(real PDF and DOCX files), 相关解读 and 相关文件 blocks, one GBK page and one with broken markup.

Run `python -m sample_site.build` after editing the content; the output is committed so that
serving the site needs nothing but the standard library. Needs the `sample` extra (reportlab)."""
from __future__ import annotations

import html
import io
import re
import shutil
import struct
import tomllib
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bs4 import BeautifulSoup
from jinja2 import Environment, FileSystemLoader, select_autoescape

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
WWW = HERE / "www"
COLUMNS = {
    "zcwj": ("/zwgk/zcwj/", "政策文件"),
    "zcjd": ("/zwgk/zcjd/", "政策解读"),
    "tzgg": ("/tzgg/", "通知公告"),
}
PAGE_SIZE = 8
FORMS = [("文字解读", "文字解读"), ("图片解读", "图解"), ("视频解读", "视频解读"), ("访谈解读", "访谈解读"), ("媒体报道", "媒体报道")]


@dataclass
class Page:
    slug: str
    column: str
    title: str = ""
    doc_number: str = ""
    index_number: str = ""
    publisher: str = ""
    written: str = ""
    published: str = ""
    domains: str = ""
    body_html: str = ""
    encoding: str = "utf-8"
    broken: bool = False
    image: str = ""
    attachments: list[dict] = field(default_factory=list)
    interpretations: list[str] = field(default_factory=list)
    explains: list[str] = field(default_factory=list)

    @property
    def href(self) -> str:
        return f"{COLUMNS[self.column][0]}{self.slug[1:7]}/{self.slug}.htm"

    @property
    def metadata(self) -> bool:
        return self.column != "zcjd"


def paragraphs_html(text: str) -> str:
    return "\n".join(f"<p>{html.escape(line.strip())}</p>" for line in text.splitlines() if line.strip())


def from_quangang(page: Page, text: str) -> None:
    lines = text.splitlines()
    title_at = next(i for i, line in enumerate(lines) if line.startswith("泉港区人民政府办公室关于印发"))
    page.body_html = paragraphs_html("\n".join(lines[title_at + 1 :]))


def from_minzheng_page(page: Page, text: str) -> None:
    """The page text holds its own furniture (时间:, 附件下载, 扫一扫, 相关解读): keep only the body."""
    lines = [line.strip(" \u00a0\t") for line in text.splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("时间:")) + 1
    end = lines.index("附件下载")
    page.body_html = paragraphs_html("\n".join(lines[start:end]))


def from_govcn(page: Page, raw: bytes) -> None:
    soup = BeautifulSoup(raw, "lxml")
    meta = {}
    for row in soup.select("table.bd1 tr"):
        cells = row.find_all("td")
        for label, value in zip(cells[0::2], cells[1::2]):
            meta[re.sub(r"[\s\u3000:：]", "", label.get_text())] = value.get_text().strip()
    page.title = meta["标题"]
    page.doc_number = meta.get("发文字号", "")
    page.index_number = meta.get("索引号", "")
    page.publisher = meta.get("发文机关", "")
    page.domains = meta.get("主题分类", "")
    page.written = re.sub(r"(\d+)年(\d+)月(\d+)日", r"\1-\2-\3", meta.get("成文日期", ""))
    page.published = re.sub(r"(\d+)年(\d+)月(\d+)日", r"\1-\2-\3", meta.get("发布日期", "")) + " 10:00"
    page.body_html = soup.select_one("#UCAP-CONTENT").decode_contents()


def break_markup(body_html: str) -> str:
    """What old editors leave behind: unclosed paragraphs and fonts, stray closing tags, bare &."""
    broken = body_html.replace("</p>", "").replace("<p>", '<p align=justify><font face="仿宋_GB2312">', 3)
    return broken.replace("&amp;", "&") + "\n</td></tr></table></span>\n<p>二〇一八年十一月 <b>印发"


def load_pages() -> list[Page]:
    raw = tomllib.loads((HERE / "content" / "documents.toml").read_text(encoding="utf-8"))
    pages = []
    for entry in raw["document"]:
        source = entry.pop("source", "")
        body = entry.pop("body", "")
        page = Page(**entry)
        if source.startswith("govcn:"):
            from_govcn(page, (CORPUS / "govcn-2019" / source[6:]).read_bytes())
        elif source == "corpus:quangang-2018-84-notice.txt":
            from_quangang(page, (CORPUS / source[7:]).read_text(encoding="utf-8"))
        elif source == "corpus:quanzhou-minzheng-2016-gongkai-page.txt":
            from_minzheng_page(page, (CORPUS / source[7:]).read_text(encoding="utf-8"))
        else:
            page.body_html = paragraphs_html(body)
        if page.image:
            page.body_html = f'<p style="text-align:center"><img src="./{page.image}" alt="{html.escape(page.title)}"></p>\n' + page.body_html
        if page.broken:
            page.body_html = break_markup(page.body_html)
        pages.append(page)
    return pages


def write_pdf(path: Path, title: str, lines: list[str]) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    pdf.setTitle(title)
    pdf.setFont("STSong-Light", 16)
    pdf.drawString(60, 780, title)
    pdf.setFont("STSong-Light", 11)
    y = 750
    for line in lines:
        pdf.drawString(60, y, line)
        y -= 20
    pdf.save()


def write_docx(path: Path, title: str, lines: list[str]) -> None:
    from docx import Document as DocxDocument

    doc = DocxDocument()
    # A fixed date keeps the rebuilt file byte-identical.
    doc.core_properties.created = doc.core_properties.modified = datetime(2018, 7, 18, 9, 0)
    doc.add_heading(title, level=1)
    table = doc.add_table(rows=0, cols=2)
    for line in lines:
        label, _, value = line.partition("：")
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    doc.add_paragraph("本人承诺以上所填内容真实有效，如有虚报、瞒报，愿意承担相应法律责任。")
    buffer = io.BytesIO()
    doc.save(buffer)
    path.write_bytes(_without_zip_times(buffer.getvalue()))


def _without_zip_times(data: bytes) -> bytes:
    """python-docx stamps zip entries with the current time; fix them so rebuilds are identical."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(zipfile.ZipInfo(info.filename, date_time=(2018, 7, 18, 9, 0, 0)), source.read(info))
    return out.getvalue()


ATTACHMENT_CONTENT = {
    "pdf": [
        "单位：元/人·月",
        "镇（街道）　　城市低保标准　　农村低保标准",
        "山腰街道　　　680　　　　　　580",
        "涂岭镇　　　　680　　　　　　580",
        "前黄镇　　　　680　　　　　　580",
        "界山镇　　　　680　　　　　　580",
        "说明：测算依据为2017年全区城乡居民人均消费支出。",
    ],
    "docx": [
        "申请人姓名：",
        "身份证号码：",
        "家庭成员及赡养义务人情况：",
        "家庭年收入（元）：",
        "诚信承诺人签字：",
    ],
}


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain one-colour PNG (a stand-in for the 图解 picture)."""
    row = b"\x00" + bytes(rgb) * width
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b"")


def build(out: Path = WWW) -> None:
    pages = load_pages()
    by_slug = {p.slug: p for p in pages}
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["htm"]))
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    charsets = []

    def write(rel: str, text: str, encoding: str = "utf-8") -> None:
        target = out / rel.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode(encoding))
        if encoding != "utf-8":
            charsets.append(f"{rel.lstrip('/')} {encoding}")

    for page in pages:
        path, name = COLUMNS[page.column]
        forms = []
        for label, form in FORMS:
            items = [by_slug[s] for s in page.interpretations if _form(by_slug[s]) == form]
            forms.append({"label": label, "items": items})
        context = {
            "doc": page,
            "forms": forms,
            "charset": page.encoding,
            "column_name": name,
            "column_path": path,
            "page_id": page.slug,
            "explains": [by_slug[s] for s in page.explains],
        }
        write(page.href, env.get_template("detail.htm").render(**context), page.encoding)
        folder = (out / page.href.lstrip("/")).parent
        for attachment in page.attachments:
            writer = write_pdf if attachment["kind"] == "pdf" else write_docx
            writer(folder / attachment["file"], attachment["name"].split("：", 1)[-1].rsplit(".", 1)[0], ATTACHMENT_CONTENT[attachment["kind"]])
        if page.image:
            (folder / page.image).write_bytes(png(320, 200, (200, 40, 40)))

    home_columns = []
    for key, (path, name) in COLUMNS.items():
        items = sorted((p for p in pages if p.column == key), key=lambda p: p.published, reverse=True)
        listed = [{"href": p.href, "title": p.title, "doc_number": p.doc_number, "date": p.published[:10]} for p in items]
        page_count = max(1, -(-len(listed) // PAGE_SIZE))
        for index in range(page_count):
            chunk = listed[index * PAGE_SIZE : (index + 1) * PAGE_SIZE]
            filename = "index.htm" if index == 0 else f"index_{index}.htm"
            write(
                f"{path}{filename}",
                env.get_template("list.htm").render(
                    items=chunk, page_count=page_count, page_index=index, charset="utf-8",
                    column_name=name, column_path=path, page_id=f"{key}-{index}",
                ),
            )
        home_columns.append({"path": path, "name": name, "items": listed[:5]})
    write("/index.htm", env.get_template("home.htm").render(
        columns=home_columns, charset="utf-8", column_name="首页", column_path="/", page_id="home"))
    write("/robots.txt", "User-agent: *\nDisallow: /admin/\nDisallow: /search/\n")
    write("/images/common.css", "body{font-family:'Microsoft YaHei',sans-serif}.xxgk_table th{width:90px}\n")
    write("/images/jquery.min.js", "/* site furniture */function createPageHTML(){}\n")
    (out / ".charsets").write_text("\n".join(charsets) + "\n", encoding="utf-8")


def _form(page: Page) -> str:
    return "图解" if page.title.startswith("图解") else "文字解读"


if __name__ == "__main__":
    build()
    print(f"built {sum(1 for p in WWW.rglob('*') if p.is_file())} files into {WWW}")
