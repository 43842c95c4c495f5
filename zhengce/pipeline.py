"""Raw store → analyzers → index: the rebuild that `zhengce reindex` runs, with no network."""
from __future__ import annotations

from dataclasses import dataclass, field

from analyzers.attachments import ExtractedText, extract_text
from analyzers.decode import decode_html
from analyzers.linking import link_interpretations
from analyzers.model import Document
from analyzers.page import analyze_page
from crawler.raw_store import RawResponse, RawStore
from indexer.base import SearchEngine
from sites import Site, SiteConfigError, load_site

STAGE = "analyze"


@dataclass
class AnalysisReport:
    documents: list[Document] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (url, message)
    pages_seen: int = 0
    index_failures: list[tuple[str, str]] = field(default_factory=list)  # (document id, why)


class _AttachmentTexts:
    """Reads attachment text from the raw store, once per URL."""

    def __init__(self, store: RawStore):
        self.store = store
        self.cache: dict[str, ExtractedText | None] = {}

    def __call__(self, url: str) -> ExtractedText | None:
        if url not in self.cache:
            raw = self.store.latest(url)
            if raw is None:
                self.cache[url] = None
            elif raw.status != 200:
                self.cache[url] = ExtractedText("", f"下载失败：HTTP {raw.status}")
            else:
                self.cache[url] = extract_text(url, raw.body, raw.content_type)
        return self.cache[url]


def _site(name: str, sites: dict[str, Site | SiteConfigError]) -> Site | SiteConfigError:
    if name not in sites:
        try:
            sites[name] = load_site(name)
        except SiteConfigError as exc:
            sites[name] = exc
    return sites[name]


def analyze_store(store: RawStore) -> AnalysisReport:
    """Every stored detail page of every site → linked Documents. Problems are recorded in the
    store's error log (stage "analyze"), never raised: one bad page does not stop the rebuild."""
    report = AnalysisReport()
    sites: dict[str, Site | SiteConfigError] = {}
    attachments = _AttachmentTexts(store)
    store.clear_errors(STAGE)
    for raw in store.iter_latest():
        site = _site(raw.site, sites)
        if isinstance(site, SiteConfigError):
            report.problems.append((raw.url, str(site)))
            store.log_error(raw.site, raw.url, STAGE, str(site))
            continue
        if not _is_document_page(site, raw):
            continue
        report.pages_seen += 1
        try:
            _encoding, html = decode_html(raw.body, raw.content_type)
            result = analyze_page(site, raw.final_url, html, raw.fetched_at, attachments)
        except Exception as exc:  # noqa: BLE001 — any parser failure is one page's problem
            result_problems, document = [f"解析失败：{type(exc).__name__}: {exc}"], None
        else:
            result_problems, document = result.problems, result.document
        for message in result_problems:
            report.problems.append((raw.url, message))
            store.log_error(raw.site, raw.url, STAGE, message)
        if document is not None:
            report.documents.append(document)
    report.documents = link_interpretations(report.documents)
    return report


def _is_document_page(site: Site, raw: RawResponse) -> bool:
    return raw.status == 200 and raw.is_html and site.is_detail(raw.final_url)


def reindex(store: RawStore, engine: SearchEngine) -> AnalysisReport:
    report = analyze_store(store)
    indexed = engine.replace_all(report.documents, count_hint=len(report.documents))
    report.index_failures = indexed.failed
    return report
