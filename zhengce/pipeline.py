"""Raw store → analyzers → index: the rebuild that `zhengce reindex` runs, with no network."""
from __future__ import annotations

import json
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from analyzers.attachments import ExtractedText
from analyzers.decode import decode_html
from analyzers.images import ServableImage, image_product, servable
from analyzers.dedup import merge_duplicates
from analyzers.isolation import IsolatedExtractor
from analyzers.limits import AnalysisLimits
from analyzers.linking import link_interpretations
from analyzers.model import Document, Version
from analyzers.page import PageResult, analyze_page
from indexer.base import search_products
from analyzers.timeliness import FACTS_PRODUCT, Capture, PolicyFacts, dump_facts, policy_facts
from analyzers.validity import apply_repeals
from crawler.raw_store import WITHDRAWN_STATUSES, RawResponse, RawStore
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
    """Reads attachment text from the raw store, once per URL, in the isolated extractor."""

    def __init__(self, store: RawStore, extractor: IsolatedExtractor):
        self.store = store
        self.extractor = extractor
        self.cache: dict[str, ExtractedText | None] = {}

    def __call__(self, url: str) -> ExtractedText | None:
        if url not in self.cache:
            raw = self.store.latest(url)
            if raw is None:
                self.cache[url] = None
            elif raw.status != 200:
                self.cache[url] = ExtractedText("", f"下载失败：HTTP {raw.status}")
            else:
                self.cache[url] = self.extractor.extract(url, raw.body, raw.content_type)
        return self.cache[url]


class _StoredImages:
    """Which images the raw store holds that may be served (analyzers.images), once per URL; and
    their bytes, read again only when the index build stores them."""

    def __init__(self, store: RawStore):
        self.store = store
        self.cache: dict[str, ServableImage | None] = {}

    def __call__(self, url: str) -> ServableImage | None:
        if url not in self.cache:
            raw = self.store.latest(url)
            self.cache[url] = servable(raw.body) if raw is not None and raw.status == 200 else None
        return self.cache[url]


class _ImageBytes(Mapping[str, bytes]):
    """The stored images of these documents as derived products, read from the raw store one at
    a time while the engine writes them (a province's images need not fit in memory at once)."""

    def __init__(self, store: RawStore, documents: list[Document]):
        self.store = store
        self.urls = {image_product(f.sha256): f.url for d in documents for f in d.images if f.sha256}

    def __getitem__(self, name: str) -> bytes:
        # A crawl running beside this build may have stored a newer image under the URL: then
        # nothing is stored for the old one (its page answers 404 for it until the next build),
        # rather than other bytes under its name, or a failed build.
        raw = self.store.latest(self.urls[name])
        found = servable(raw.body) if raw is not None and raw.status == 200 else None
        return raw.body if found is not None and image_product(found.sha256) == name else b""

    def __iter__(self):
        return iter(self.urls)

    def __len__(self) -> int:
        return len(self.urls)


class _Sites:
    """Site templates by name, loaded once; a missing or broken one is remembered as its error."""

    def __init__(self, folders: tuple[Path, ...]):
        self.folders = folders
        self.loaded: dict[str, Site | SiteConfigError] = {}

    def __getitem__(self, name: str) -> Site | SiteConfigError:
        if name not in self.loaded:
            try:
                self.loaded[name] = load_site(name, self.folders)
            except SiteConfigError as exc:
                self.loaded[name] = exc
        return self.loaded[name]


def _listings(store: RawStore, sites: _Sites) -> dict[str, dict[str, str]]:
    """What JSON list APIs said of each detail page (title, 文号, dates …), by page URL."""
    listings: dict[str, dict[str, str]] = {}
    if not any(isinstance(sites[name], Site) and sites[name].list_apis for name in store.sites()):
        return listings  # no site lists through an API: no need to read the store twice
    for raw in store.iter_latest():
        site = sites[raw.site]
        api = site.list_api_for(raw.url) if isinstance(site, Site) else None
        if api is None or raw.status != 200:
            continue
        try:
            records = api.records(json.loads(raw.body)) or []
        except ValueError as exc:
            store.log_error(raw.site, raw.url, STAGE, f"列表接口返回的不是 JSON：{exc}")
            continue
        for record in records:
            if record.get(api.url_field):
                listings[urljoin(raw.final_url, str(record[api.url_field]))] = api.record_fields(record)
    return listings


class _PageAnalyzer:
    def __init__(self, store: RawStore, listings: dict[str, dict[str, str]], extractor: IsolatedExtractor):
        self.attachments = _AttachmentTexts(store, extractor)
        self.images = _StoredImages(store)
        self.listings = listings
        self.limits = extractor.limits

    def __call__(self, site: Site, raw: RawResponse) -> PageResult:
        try:
            _encoding, html = decode_html(raw.body, raw.content_type)
            cut = len(html) > self.limits.page_chars
            if cut:
                html = html[: self.limits.page_chars]
            listing = self.listings.get(raw.url) or self.listings.get(raw.final_url)
            result = analyze_page(site, raw.final_url, html, raw.fetched_at, self.attachments, listing, raw.referer,
                                  self.limits, self.images)
        except Exception as exc:  # noqa: BLE001 — any parser failure is one page's problem
            return PageResult(None, [f"解析失败：{type(exc).__name__}: {exc}"])
        if cut and result.document is not None:
            result.document.truncated.insert(0, f"页面 {len(raw.body) // 1024} KB，只分析了前 {self.limits.page_chars} 个字符")
        return result


def _earlier_versions(history: list[RawResponse], current_raw: RawResponse, current: Document,
                      analyze: _PageAnalyzer, site: Site) -> list[Version]:
    """Texts the page had before, oldest first; markup-only changes do not count as versions."""
    versions: list[Version] = []
    hashes = {current.content_hash}
    for raw in history:
        if raw == current_raw or raw.status != 200 or not raw.is_html:
            continue
        earlier = analyze(site, raw).document
        if earlier is None or earlier.content_hash in hashes:
            continue
        hashes.add(earlier.content_hash)
        versions.append(Version(number=len(versions) + 1, fetched_at=raw.fetched_at,
                                content_hash=earlier.content_hash, title=earlier.title, body=earlier.body))
    return versions


def analyze_store(store: RawStore, site_folders: tuple[Path, ...] = (),
                  limits: AnalysisLimits = AnalysisLimits()) -> AnalysisReport:
    """Every stored detail page of every site → deduplicated, linked Documents. A page that has
    changed carries its earlier texts; one now answering 404/410 is kept as withdrawn. Problems
    are recorded in the store's error log (stage "analyze"), never raised: one bad page does not
    stop the rebuild."""
    report = AnalysisReport()
    sites = _Sites(site_folders)
    store.clear_errors(STAGE)
    with IsolatedExtractor(limits) as extractor:
        _analyze_pages(store, sites, _PageAnalyzer(store, _listings(store, sites), extractor), report)
    documents = apply_repeals(merge_duplicates(report.documents))
    report.documents = link_interpretations(documents)
    return report


def _analyze_pages(store: RawStore, sites: _Sites, analyze: _PageAnalyzer, report: AnalysisReport) -> None:
    changed = store.urls_with_history()
    for raw in store.iter_latest():
        site = sites[raw.site]
        if isinstance(site, SiteConfigError):
            report.problems.append((raw.url, str(site)))
            store.log_error(raw.site, raw.url, STAGE, str(site))
            continue
        if not site.is_detail(raw.final_url):
            continue
        history = store.versions(raw.url) if raw.url in changed else [raw]
        withdrawn_at = None
        if raw.status in WITHDRAWN_STATUSES:
            withdrawn_at = raw.fetched_at
            raw = next((v for v in reversed(history) if v.status == 200), raw)
        if raw.status != 200:
            continue
        if raw.is_html:
            report.pages_seen += 1
            result = analyze(site, raw)
        else:
            result = PageResult(None, [f"内容类型“{raw.content_type or '未声明'}”，内容也不像 HTML：不是页面，未建立文档"])
        for message in result.problems:
            report.problems.append((raw.url, message))
            store.log_error(raw.site, raw.url, STAGE, message)
        document = result.document
        if document is None:
            continue
        document.urls = sorted({*document.urls, raw.url})  # the address asked for, before redirects
        if len(history) > 1:
            document.versions = _earlier_versions(history, raw, document, analyze, site)
        document.withdrawn_at = withdrawn_at
        report.documents.append(document)


def timeliness_facts(store: RawStore, documents: list[Document], sites: _Sites) -> list[PolicyFacts]:
    """What the timeliness report needs of every policy, with the raw store's captures of it and
    of its interpretations as evidence. A site's crawl interval is how often its lists are re-read."""
    urls = {u for doc in documents for u in (doc.url, *doc.urls)}
    urls |= {link.url for doc in documents for link in doc.interpretations}
    captures = {url: [Capture(**vars(c)) for c in found] for url, found in store.captures(urls).items()}
    intervals = {name: site.revisit.lists for name in store.sites() if isinstance(site := sites[name], Site)}
    return policy_facts(documents, captures, intervals, store.first_fetch_by_site())


class IndexWouldShrink(RuntimeError):
    """The rebuilt index would hold fewer documents than the caller allows."""


def reindex(store: RawStore, engine: SearchEngine, site_folders: tuple[Path, ...] = (),
            limits: AnalysisLimits = AnalysisLimits(), keep_at_least: int = 0) -> AnalysisReport:
    """Analyze the store and replace the index with the result, unless it has fewer than
    `keep_at_least` documents (an emptied or truncated store): then the index is left alone."""
    report = analyze_store(store, site_folders, limits)
    if len(report.documents) < keep_at_least:
        raise IndexWouldShrink(f"the raw store gives {len(report.documents)} documents, fewer than the"
                               f" {keep_at_least} this rebuild must keep")
    derived = ChainMap({
        FACTS_PRODUCT: dump_facts(timeliness_facts(store, report.documents, _Sites(site_folders))),
        **search_products(report.documents),
    }, _ImageBytes(store, report.documents))
    indexed = engine.replace_all(report.documents, count_hint=len(report.documents), derived=derived)
    report.index_failures = indexed.failed
    return report
