"""One stored detail page → one Document, following the page rules of its site template."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable
from urllib.parse import urldefrag

from bs4 import BeautifulSoup, Tag

from analyzers.abbreviations import defined_abbreviations
from analyzers.attachments import ExtractedText
from analyzers.images import ServableImage
from analyzers.dates import find_date, find_datetime
from analyzers.doc_number import find_doc_numbers
from analyzers.doc_type import doc_type_from_title
from analyzers.domains import document_domains
from analyzers.limits import AnalysisLimits
from analyzers.html_text import element_text, inline_text, label_key, parse_html
from analyzers.model import INTERPRETATION_FORMS, Attachment, DocKind, Document, Figure, InterpretationLink, document_id
from analyzers.readable import main_content
from analyzers.signature import signature
from analyzers.unit_registry import default_registry
from analyzers.urls import safe_url, same_host
from analyzers.units import extract_units
from analyzers.validity import own_validity, repeals_and_revisions
from sites import IMAGES_PER_PAGE, PageRules, Site

_FORM_IN_TITLE = re.compile(
    r"^[【\[]?(" + "|".join(INTERPRETATION_FORMS) + r"|一图读懂|视频|访谈)[】\]：:]?"
)
_TITLE_WORDS = {"一图读懂": "图解", "视频": "视频解读", "访谈": "访谈解读"}
# Conventions of the genres: a news report opens with a dateline (东南网7月2日讯, 本报讯) or names
# its reporter; an interview transcript gives its speakers.
_NEWS_OPENING = re.compile(r"^[^，。\n]{0,12}(讯|电)[　\s]|^[^。\n]{0,30}记者")
_INTERVIEW = re.compile(r"(主持人|嘉宾)[:：]")

_MEDIA_SOURCE = re.compile(r"(日报|晚报|早报|商报|报社|电视台|广播电视台|新华社|融媒体|新闻中心|(?<!政府)网)$")

# Tells whether an image (by URL) is stored and may be served; None when not.
ImageReader = Callable[[str], ServableImage | None]
# Reads an attachment's stored text by URL; None when it was never fetched.
AttachmentReader = Callable[[str], ExtractedText | None]


@dataclass
class PageResult:
    document: Document | None
    problems: list[str] = field(default_factory=list)


def _meta_fields(soup: BeautifulSoup, names: dict[str, str]) -> dict[str, str]:
    """<meta name=… content=…> → document fields; names compared case-insensitively, as sites vary."""
    wanted = {name.lower(): target for name, target in names.items()}
    found: dict[str, str] = {}
    for tag in soup.find_all("meta", attrs={"name": True}):
        target = wanted.get(str(tag["name"]).lower())
        content = (tag.get("content") or "").strip()
        if target and content and target not in found:
            found[target] = content
    return found


def field_layers(soup: BeautifulSoup, rules: PageRules, listing: dict[str, str]) -> list[dict[str, str]]:
    """Field values by where they come from, most trusted first: the metadata table (what readers
    see), the meta tags, what a list said of the page."""
    table = _table_fields(soup.select_one(rules.meta_table) if rules.meta_table else None, rules.labels)
    return [table, _meta_fields(soup, rules.meta), listing]


def _published(texts: list[str]) -> datetime | None:
    """The first date given; if a less trusted source gives the same day with its time (a meta
    tag's firstpublishedtime beside the table's 2019年02月15日), that one."""
    found = [d for d in map(find_datetime, texts) if d is not None]
    if not found:
        return None
    timed = [d for d in found if d.date() == found[0].date() and d.time() != datetime.min.time()]
    return timed[0] if timed else found[0]


def _canonical(soup: BeautifulSoup, url: str) -> str:
    """The page's rel=canonical, honoured only on the page's own host: a page can speak for
    another address of its own site, never take over a document of another site."""
    link = soup.find("link", rel="canonical", href=True)
    canonical = safe_url(link["href"], url) if link else None
    return urldefrag(canonical)[0] if canonical and same_host(canonical, url) else url


def _table_fields(table: Tag | None, labels: dict[str, str]) -> dict[str, str]:
    """Label → value pairs of a metadata table whose rows hold label cell, value cell, …"""
    found: dict[str, str] = {}
    if table is None:
        return found
    wanted = {label_key(k): v for k, v in labels.items()}
    for row in table.find_all("tr"):
        cells = row.find_all(["th", "td"], recursive=False)
        for label_cell, value_cell in zip(cells[0::2], cells[1::2]):
            target = wanted.get(label_key(inline_text(label_cell)))
            if target and target not in found:
                found[target] = inline_text(value_cell)
    return found


def _links(base_url: str, anchors: list[Tag], keep_unsafe: bool = False) -> list[tuple[str, str]]:
    """(absolute http(s) URL, anchor text) of each anchor, once per URL. With `keep_unsafe`, an
    anchor whose href is no such URL is kept as ("", text): its text stays, as text, never a link."""
    seen, links = set(), []
    for anchor in anchors:
        href = anchor.get("href") or ""
        if href.strip().startswith("#"):
            continue
        url = safe_url(href, base_url)
        if url is None:
            if keep_unsafe and inline_text(anchor):
                links.append(("", inline_text(anchor)))
            continue
        url = urldefrag(url)[0]
        if url not in seen:
            seen.add(url)
            links.append((url, inline_text(anchor)))
    return links


def _figures(base_url: str, body: Tag, read_image: ImageReader | None) -> list[Figure]:
    """The body's images with their alt text and caption, once per URL, at most IMAGES_PER_PAGE."""
    figures, seen = [], set()
    for img in body.find_all("img", src=True):
        url = safe_url(img["src"], base_url)
        if url is None or url in seen or len(figures) >= IMAGES_PER_PAGE:
            continue
        seen.add(url)
        holder = img.find_parent("figure")
        caption = inline_text(holder.find("figcaption")) if holder and holder.find("figcaption") else ""
        stored = read_image(url) if read_image else None
        figures.append(Figure(url=url, alt=(img.get("alt") or "").strip(), caption=caption or (img.get("title") or "").strip(),
                              media_type=stored.media_type if stored else "", sha256=stored.sha256 if stored else ""))
    return figures


def _form_of(label: str) -> str:
    if label in _TITLE_WORDS:
        return _TITLE_WORDS[label]
    for word, form in INTERPRETATION_FORMS.items():
        if word in label:
            return form
    return ""


def _interpretation_links(base_url: str, block: Tag | None) -> list[InterpretationLink]:
    """Links of a 相关解读 block, each with the form named by the label before it."""
    if block is None:
        return []
    links: list[InterpretationLink] = []
    current_form = ""
    for node in block.descendants:
        if isinstance(node, Tag) and node.name == "a":
            for url, title in _links(base_url, [node]):
                named = _FORM_IN_TITLE.match(title)
                form = _form_of(named.group(1)) if named else current_form
                links.append(InterpretationLink(url=url, title=title, form=form))
        elif not isinstance(node, Tag) and node.find_parent("a") is None:
            current_form = _form_of(str(node)) or current_form
    return links


def _interpretation_form(title: str, column_name: str, source: str, body: Tag, text: str) -> str:
    """From the title (图解：…), the column (…/视频解读), the content (a video, a transcript, a
    dateline), the source (a newspaper's report is 媒体报道); otherwise a written interpretation."""
    title_form = _FORM_IN_TITLE.match(title)
    if title_form:
        return _form_of(title_form.group(1))
    if _form_of(column_name):
        return _form_of(column_name)
    if body.find(["video", "embed"]) is not None:
        return "视频解读"
    if _INTERVIEW.search(text[:500]):
        return "访谈解读"
    if _MEDIA_SOURCE.search(source) or _NEWS_OPENING.search(text):
        return "媒体报道"
    return "文字解读"


_INTERPRETATION_TITLE = re.compile(r"解读|图解|问答|答记者问|一图读懂|访谈")


def _official_title(title: str) -> bool:
    """关于…的通知: an official document's own title, whose subject may name interpretation work
    (关于进一步做好政策解读工作的通知, 关于开展政务访谈活动的通知) without being one. Not when
    the kind word closes a quoted title (解读《关于…的通知》) or 解读 comes before 关于."""
    about = title.find("关于")
    return (about >= 0 and not _INTERPRETATION_TITLE.search(title[:about]) and bool(doc_type_from_title(title))
            and not title.rstrip().endswith(("》", "」", "”")))


def _kind_from_content(title: str, doc_number: str) -> DocKind:
    """An interpretation names itself in its title; a policy carries a 文号; the rest are notices."""
    if _FORM_IN_TITLE.match(title) or (_INTERPRETATION_TITLE.search(title) and not _official_title(title)):
        return DocKind.interpretation
    return DocKind.policy if doc_number else DocKind.notice


def _doc_number_line(body: str) -> str:
    """A 文号 printed on a line of its own under the title (国发〔2018〕44号), not one quoted in a
    sentence, which would be another document's."""
    for line in body.split("\n")[:8]:
        found = find_doc_numbers(line)
        if found and found[0] == line.strip():
            return found[0]
    return ""


def analyze_page(
    site: Site,
    url: str,
    html: str,
    fetched_at: datetime | None,
    read_attachment: AttachmentReader,
    listing: dict[str, str] | None = None,
    referer: str = "",
    limits: AnalysisLimits = AnalysisLimits(),
    read_image: ImageReader | None = None,
) -> PageResult:
    """`listing`: fields a JSON list API gave for this page; `referer`: the page that linked to it.
    `html` should be at most `limits.page_chars` long: the caller cuts, and records the cut."""
    problems: list[str] = []
    truncated: list[str] = []
    soup = parse_html(html)
    rules = site.page
    layers = field_layers(soup, rules, listing or {})
    fields = {key: value for layer in reversed(layers) for key, value in layer.items()}

    title = (
        (inline_text(soup.select_one(rules.title)) if rules.title else "")
        or fields.get("title", "")
        or inline_text(soup.title).split("-")[0].split("_")[0].strip()
    )
    body_element = soup.select_one(rules.body) if rules.body else main_content(html, problems)
    if body_element is None:
        return PageResult(None, [f"正文区域 {rules.body} 未找到，未建立文档"])
    interpretations = _interpretation_links(url, soup.select_one(rules.interpretations) if rules.interpretations else None)
    interprets = [
        InterpretationLink(url=u, title=t)
        for u, t in _links(url, soup.select(rules.back_links) if rules.back_links else [])
    ]
    attachment_anchors = soup.select(rules.attachments) if rules.attachments else []
    attachment_anchors += [a for a in body_element.find_all("a", href=True) if site.is_attachment(a["href"])]
    body = element_text(body_element)
    if not title or not body:
        return PageResult(None, ["页面缺少标题或正文，未建立文档"])
    if len(body) > limits.text_chars:
        truncated.append(f"正文 {len(body)} 字，只索引了前 {limits.text_chars} 字")
        body = body[: limits.text_chars]

    attachments = []
    for att_url, name in _links(url, attachment_anchors, keep_unsafe=True):
        extracted = read_attachment(att_url) if att_url else ExtractedText("", "链接不是 http(s) 地址，未下载")
        if extracted is None:
            attachments.append(Attachment(name=name, url=att_url, error="附件未下载"))
        else:
            attachments.append(Attachment(name=name, url=att_url, text=extracted.text, error=extracted.error))
            if extracted.truncated:
                truncated.append(f"附件“{name}”：{extracted.truncated}")

    published_texts = [inline_text(soup.select_one(rules.published)) if rules.published else ""]
    published_texts += [layer.get("published_at", "") for layer in layers]
    published_at = _published(published_texts)
    if published_at is None:
        problems.append(f"发布日期无法识别：{next((t for t in published_texts if t), '')!r}")
    signed_by, signed_on = signature(body)
    written_date = find_date(fields.get("written_date", ""))
    if fields.get("written_date") and written_date is None:
        problems.append(f"成文日期无法识别：{fields['written_date']!r}")

    column = site.column_for(url) or (site.column_for(referer) if referer else None)
    doc_number = fields.get("doc_number", "")
    if column is not None:
        kind = DocKind(column.kind)
    else:  # a page outside the template's columns: judge it by what it says
        kind = _kind_from_content(title, doc_number or _doc_number_line(body))
    if not doc_number and kind is not DocKind.interpretation:
        doc_number = _doc_number_line(body)
    publisher = default_registry().canonical(fields.get("publisher", "") or signed_by)
    interpretation_form = ""
    if kind is DocKind.interpretation:
        column_name = fields.get("column_name", "") or (column.name if column else "")
        interpretation_form = _interpretation_form(title, column_name, publisher, body_element, body)
    repeals, revises = repeals_and_revisions(body)
    canonical = _canonical(soup, url)

    document = Document(
        id=document_id(canonical),
        url=canonical,
        urls=sorted({url, canonical}),
        site=site.name,
        kind=kind,
        title=title,
        doc_number=doc_number,
        index_number=fields.get("index_number", ""),
        publisher=publisher,
        written_date=written_date or signed_on,
        published_at=published_at,
        domains=document_domains(fields.get("domains", ""), title, body),
        domains_as_written=fields.get("domains", ""),
        doc_type=fields.get("doc_type", "") or (doc_type_from_title(title) if kind is not DocKind.interpretation else ""),
        source=fields.get("source", ""),
        column=column.name if column else fields.get("column_name", ""),
        interpretation_form=interpretation_form,
        units=extract_units(body),
        abbreviations=defined_abbreviations(body),
        body=body,
        attachments=attachments,
        images=_figures(url, body_element, read_image),
        interpretations=interpretations,
        interprets=interprets,
        content_hash=hashlib.sha1(f"{title}\n{body}".encode("utf-8")).hexdigest(),
        fetched_at=fetched_at,
        validity=own_validity(fields.get("validity", ""), title, body),
        repeals=repeals,
        revises=revises,
        truncated=truncated,
    )
    return PageResult(document, problems)
