"""Raw store → analyzers → index: the rebuild that `zhengce reindex` runs, with no network."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections import ChainMap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urljoin

import analyzers
from analyzers.attachments import ExtractedText
from analyzers.decode import decode_html
from analyzers.images import ServableImage, image_product, servable
from analyzers.dedup import merge_duplicates
from analyzers.isolation import IsolatedExtractor, worker_pool
from analyzers.limits import AnalysisLimits
from analyzers.linking import SEGMENTING, Vectors, link_interpretations
from analyzers.model import DocKind, Document, Version
from analyzers.page import PageResult, analyze_page
from indexer.base import search_products
from analyzers.timeliness import FACTS_PRODUCT, Capture, PolicyFacts, dump_one_facts, pack_facts, policy_facts
from analyzers.validity import apply_repeals, judge_expiry
from crawler.raw_store import WITHDRAWN_STATUSES, LatestIds, LatestRow, RawResponse, RawStore
from indexer.base import SearchEngine
from sites import SITES_DIR, Site, SiteConfigError, load_site
from zhengce.build_state import BuildState, Meta, PageEntry, RowText, RowTexts

ANALYZERS_DIR = Path(analyzers.__file__).parent

STAGE = "analyze"


class _Reads:
    """Which rows of the raw store one page's analysis read besides its own (attachments,
    images): when any of them changes, the page is analyzed again."""

    def __init__(self):
        self.rows: dict[str, int | None] = {}

    def note(self, url: str, raw: RawResponse | None) -> None:
        self.rows[url] = raw.id if raw is not None else None


class _AttachmentTexts:
    """Reads attachment text from the raw store, once per URL, in the isolated extractor."""

    def __init__(self, store: RawStore, extractor: IsolatedExtractor, reads: _Reads):
        self.store = store
        self.extractor = extractor
        self.reads = reads
        self.cache: dict[str, tuple[RawResponse | None, ExtractedText | None]] = {}

    def __call__(self, url: str) -> ExtractedText | None:
        if url not in self.cache:
            raw = self.store.latest(url)
            if raw is None:
                text = None
            elif raw.status != 200:
                text = ExtractedText("", f"下载失败：HTTP {raw.status}")
            else:
                text = self.extractor.extract(url, raw.body, raw.content_type)
            self.cache[url] = (raw and dataclasses.replace(raw, body=b""), text)
        raw, text = self.cache[url]
        self.reads.note(url, raw)
        return text


class _StoredImages:
    """Which images the raw store holds that may be served (analyzers.images), once per URL; and
    their bytes, read again only when the index build stores them."""

    def __init__(self, store: RawStore, reads: _Reads):
        self.store = store
        self.reads = reads
        self.cache: dict[str, tuple[RawResponse | None, ServableImage | None]] = {}

    def __call__(self, url: str) -> ServableImage | None:
        if url not in self.cache:
            raw = self.store.latest(url)
            found = servable(raw.body) if raw is not None and raw.status == 200 else None
            self.cache[url] = (raw and dataclasses.replace(raw, body=b""), found)
        raw, found = self.cache[url]
        self.reads.note(url, raw)
        return found


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


def _listings(store: RawStore, latest: LatestIds, sites: _Sites) -> dict[str, dict[str, str]]:
    """What JSON list APIs said of each detail page (title, 文号, dates …), by page URL. Only the
    list answers are read, found by their addresses."""
    listings: dict[str, dict[str, str]] = {}
    for url, row in latest.rows.items():
        site = sites[row.site]
        api = site.list_api_for(url) if isinstance(site, Site) else None
        if api is None:
            continue
        raw = store.response(row.id)
        if raw.status != 200:
            continue
        store.clear_errors(STAGE, {raw.url})  # said again below while it is still so, never twice
        try:
            records = api.records(json.loads(raw.body)) or []
        except ValueError as exc:
            store.log_error(raw.site, raw.url, STAGE, f"列表接口返回的不是 JSON：{exc}")
            continue
        for record in records:
            if record.get(api.url_field):
                listings[urljoin(raw.final_url, str(record[api.url_field]))] = api.record_fields(record)
    return listings


def _listing_key(listings: dict[str, dict[str, str]], url: str, final_url: str) -> str:
    listing = listings.get(url) or listings.get(final_url)
    return json.dumps(listing, ensure_ascii=False, sort_keys=True) if listing else ""


class _PageAnalyzer:
    def __init__(self, store: RawStore, listings: dict[str, dict[str, str]], extractor: IsolatedExtractor,
                 texts: RowTexts):
        self.texts = texts
        self.reads = _Reads()
        self.attachments = _AttachmentTexts(store, extractor, self.reads)
        self.images = _StoredImages(store, self.reads)
        self.listings = listings
        self.limits = extractor.limits

    def __call__(self, site: Site, raw: RawResponse) -> PageResult:
        try:
            _encoding, html = decode_html(raw.body, raw.content_type)
            cut = len(html) > self.limits.page_chars
            if cut:
                html = html[: self.limits.page_chars]
            listing = self.listings.get(raw.url) or self.listings.get(raw.final_url)
            said = _listing_key(self.listings, raw.url, raw.final_url)
            result = analyze_page(site, raw.final_url, html, raw.fetched_at, self.attachments, listing, raw.referer,
                                  self.limits, self.images)
        except Exception as exc:  # noqa: BLE001 — any parser failure is one page's problem
            return PageResult(None, [f"解析失败：{type(exc).__name__}: {exc}"])
        if cut and result.document is not None:
            result.document.truncated.insert(0, f"页面 {len(raw.body) // 1024} KB，只分析了前 {self.limits.page_chars} 个字符")
        self.texts.put(raw.id, said, result.document)
        return result

    def text_of(self, site: Site, raw: RawResponse) -> RowText | None:
        """What a row says (content hash, title, body), from when it was analyzed if it was."""
        known, text = self.texts.get(raw.id, _listing_key(self.listings, raw.url, raw.final_url))
        if known:
            return text
        document = self(site, raw).document
        return None if document is None else (document.content_hash, document.title, document.body)


def _earlier_versions(history: list[RawResponse], current_raw: RawResponse, current: Document,
                      analyze: _PageAnalyzer, site: Site) -> list[Version]:
    """Texts the page had before, oldest first; markup-only changes do not count as versions."""
    versions: list[Version] = []
    hashes = {current.content_hash}
    for raw in history:
        if raw == current_raw or raw.status != 200 or not raw.is_html:
            continue
        earlier = analyze.text_of(site, raw)
        if earlier is None or earlier[0] in hashes:
            continue
        content_hash, title, body = earlier
        hashes.add(content_hash)
        versions.append(Version(number=len(versions) + 1, fetched_at=raw.fetched_at,
                                content_hash=content_hash, title=title, body=body))
    return versions


def _analyze_page(store: RawStore, site: Site, analyze: _PageAnalyzer, newest: RawResponse,
                  with_history: set[str]) -> tuple[PageEntry, bool]:
    """One detail page's entry (its Document before cross-document work, or none, and its
    problems), and whether it was an HTML page analyzed."""
    raw = newest
    analyze.reads.rows = {}
    entry = PageEntry(newest.url, newest.id, newest.final_url, "", {}, None, [])
    history = store.versions(raw.url) if raw.url in with_history else [raw]
    withdrawn_at = None
    if raw.status in WITHDRAWN_STATUSES:
        withdrawn_at = raw.fetched_at
        raw = next((v for v in reversed(history) if v.status == 200), raw)
    entry.final_url = raw.final_url
    entry.listing = _listing_key(analyze.listings, raw.url, raw.final_url)
    if raw.status != 200:
        return entry, False
    if raw.is_html:
        result = analyze(site, raw)
    else:
        result = PageResult(None, [f"内容类型“{raw.content_type or '未声明'}”，内容也不像 HTML：不是页面，未建立文档"])
    entry.problems = list(result.problems)
    document = result.document
    if document is not None:
        document.urls = sorted({*document.urls, raw.url})  # the address asked for, before redirects
        if len(history) > 1:
            document.versions = _earlier_versions(history, raw, document, analyze, site)
        document.withdrawn_at = withdrawn_at
        entry.document = document.model_dump_json().encode("utf-8")
    entry.deps = dict(analyze.reads.rows)
    return entry, raw.is_html


def _fresh(entry: PageEntry, row: LatestRow, latest: LatestIds, listings: dict[str, dict[str, str]]) -> bool:
    """Whether a page's kept analysis still holds: its newest row, its listing record and every
    row it read are those it was analyzed with."""
    return (entry.response_id == row.id
            and entry.listing == _listing_key(listings, entry.url, entry.final_url)
            and all(latest.of(url) == read for url, read in entry.deps.items()))


@dataclass
class _Pages:
    """Stage 1's result: every page's entry in the raw store's order, and what was done."""
    entries: list[PageEntry]
    analyzed: list[PageEntry]  # the entries made now (the others were kept)
    gone: list[str]  # URLs whose entries were kept and have no page now
    pages_seen: int
    row_texts: dict[int, bytes]  # what the rows analyzed now said


ANALYZE_PARALLEL_FROM = 64  # pages; fewer are analyzed in this process (forking costs more than it saves)


@dataclass
class _Analysis:
    """What analyzing a share of pages needs besides the pages; forked workers inherit it (site
    templates hold compiled code that cannot be sent to them)."""
    store_path: Path
    state_path: Path | None  # the build state, for what earlier rows said (none: a rebuild)
    sites: _Sites
    listings: dict[str, dict[str, str]]
    limits: AnalysisLimits
    with_history: set[str]


_INHERITED: _Analysis | None = None


def _analyze_share(rows: list[LatestRow], work: _Analysis | None = None) -> tuple[list[tuple[PageEntry, bool]], dict[int, bytes]]:
    """These pages' entries (and whether each was an HTML page analyzed), and what the rows
    analyzed said; with connections of its own, so that it can run in a worker."""
    work = work or _INHERITED
    with RawStore(work.store_path) as store, IsolatedExtractor(work.limits) as extractor:
        state = BuildState(work.state_path) if work.state_path else None
        try:
            texts = RowTexts(state)
            analyze = _PageAnalyzer(store, work.listings, extractor, texts)
            made = [_analyze_page(store, work.sites[row.site], analyze, store.response(row.id), work.with_history)
                    for row in rows]
        finally:
            if state is not None:
                state.close()
    return made, texts.added


def _analyze_rows(work: _Analysis, rows: list[LatestRow],
                  meanwhile: Callable[[], None]) -> tuple[list[tuple[PageEntry, bool]], dict[int, bytes]]:
    """_analyze_share of every row, on every core when there are many (an update's analysis is
    ~5 ms a page, most of what it costs), and `meanwhile` run here while the workers analyze."""
    workers = min(os.cpu_count() or 1, len(rows) // ANALYZE_PARALLEL_FROM)
    if workers < 2:
        meanwhile()
        return _analyze_share(rows, work)
    global _INHERITED
    _INHERITED = work
    size = -(-len(rows) // (workers * 4))  # a few shares a worker: pages differ in cost
    made: list[tuple[PageEntry, bool]] = []
    said: dict[int, bytes] = {}
    try:
        with worker_pool(workers) as pool:
            shares = pool.map(_analyze_share, [rows[i:i + size] for i in range(0, len(rows), size)])  # all sent now
            meanwhile()
            for entries, texts in shares:
                made += entries
                said.update(texts)
    finally:
        _INHERITED = None
    return made, said


def _analyze_pages(store: RawStore, sites: _Sites, latest: LatestIds, kept: dict[str, PageEntry],
                   state_path: Path | None, limits: AnalysisLimits, report: "AnalysisReport",
                   meanwhile: Callable[[list[PageEntry | None]], None] = lambda entries: None) -> _Pages:
    """Every detail page's entry: the kept one where it still holds, else analyzed now. Pages are
    read one by one, by their newest rows; list answers, attachments and images only as pages
    ask for them. Problems go to the report and the store's error log (stage "analyze")."""
    listings = _listings(store, latest, sites)
    entries: list[PageEntry | None] = []
    analyzed_at: list[int] = []  # places in entries of the pages analyzed now, in the store's order
    todo: list[tuple[int, LatestRow]] = []  # (place in entries, row) of the pages to analyze
    for url, row in sorted(latest.rows.items(), key=lambda item: item[1].id):
        # A kept entry is a detail page's, by the same templates (an update's fingerprint is
        # the last build's): asked first, the template's address rules are read only for the
        # pages that changed (~12 µs a page, every page of every update).
        if url in kept and _fresh(kept[url], row, latest, listings):
            entries.append(kept[url])
            continue
        site = sites[row.site]
        if isinstance(site, Site) and not site.is_detail(row.final_url):
            continue
        if isinstance(site, SiteConfigError):
            analyzed_at.append(len(entries))
            entries.append(PageEntry(url, row.id, row.final_url, "", {}, None, [str(site)]))
        else:
            analyzed_at.append(len(entries))
            todo.append((len(entries), row))
            entries.append(None)
    work = _Analysis(store.path, state_path, sites, listings, limits, store.urls_with_history())
    made, said = _analyze_rows(work, [row for _place, row in todo], lambda: meanwhile(entries))
    pages_seen = 0
    for (place, _row), (entry, seen) in zip(todo, made):
        entries[place] = entry
        pages_seen += seen
    analyzed = [entries[place] for place in analyzed_at]
    store.clear_errors(STAGE, {entry.url for entry in analyzed})
    for entry in analyzed:
        for message in entry.problems:
            report.problems.append((entry.url, message))
            store.log_error(latest.rows[entry.url].site, entry.url, STAGE, message)
    present = {entry.url for entry in entries}
    gone = [url for url in kept if url not in present]
    return _Pages(entries, analyzed, gone, pages_seen, said)


def finish(page_documents: list[Document], vectors: Vectors = SEGMENTING, today: date | None = None) -> list[Document]:
    """Cross-document work over every page's Document: a stated 有效期 judged today, duplicates
    merged, repeals and revisions applied, interpretations linked; one Document per id."""
    documents = link_interpretations(apply_repeals(merge_duplicates(judge_expiry(page_documents, today))), vectors)
    ids: set[str] = set()
    return [doc for doc in documents if not (doc.id in ids or ids.add(doc.id))]  # the first of an id


@dataclass
class AnalysisReport:
    documents: list[Document] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (url, message)
    pages_seen: int = 0
    index_failures: list[tuple[str, str]] = field(default_factory=list)  # (document id, why)
    full: bool = True  # a rebuild; else an update
    why_full: str = ""  # why an update was a rebuild
    added: int = 0
    replaced: int = 0
    removed: int = 0


def analyze_store(store: RawStore, site_folders: tuple[Path, ...] = (),
                  limits: AnalysisLimits = AnalysisLimits()) -> AnalysisReport:
    """Every stored detail page of every site → deduplicated, linked Documents. A page that has
    changed carries its earlier texts; one now answering 404/410 is kept as withdrawn. Problems
    are recorded in the store's error log (stage "analyze"), never raised: one bad page does not
    stop the rebuild."""
    report = AnalysisReport()
    store.clear_errors(STAGE)
    pages = _analyze_pages(store, _Sites(site_folders), store.latest_ids(), {}, None, limits, report)
    report.pages_seen = pages.pages_seen
    read = _ReadBack()
    read.made(pages.entries)
    report.documents = finish(read.documents())
    return report


class _ReadBack:
    """Every page's Document read back from its JSON, whether made now or kept (from the build
    state, a batch at a time): an update and a rebuild start the cross-document work from the
    very same Documents. Each entry's JSON is let go once read (the state has it): a million
    pages' JSON and Documents are ~10 GB together.

    With each document, the hash of its JSON: a document the cross-document work leaves as it
    was (the same object, its validity not set by another document) is stored as that JSON, so
    its hash is known without serializing it again — most of a province's documents, ~2 s of an
    update at 100,000."""

    def __init__(self):
        self._by_place: dict[int, Document] = {}
        self._read: dict[int, tuple[Document, str, object]] = {}  # id(document) → (it, hash, its validity)

    def kept(self, entries: list[PageEntry | None], state: BuildState) -> None:
        """The kept entries' documents, from the state. An update reads them while the workers
        analyze the changed pages: on 2 cores the three share the CPU, and what the workers
        leave idle (starting, uneven shares) is used: ~1 s of an update at 100,000, measured."""
        stored = [(place, e) for place, e in enumerate(entries) if e is not None and e.stored and e.document is None]
        for start in range(0, len(stored), READ_BATCH):
            batch = stored[start:start + READ_BATCH]
            found = state.documents([e.url for _place, e in batch])
            for place, entry in batch:
                if entry.url in found:
                    self._add(place, found[entry.url])

    def made(self, entries: list[PageEntry]) -> None:
        """The documents whose JSON the entries hold (analyzed now, or handed to a rebuild)."""
        for place, entry in enumerate(entries):
            if entry.document is not None:
                self._add(place, entry.document)
                entry.document = None

    def _add(self, place: int, source: bytes) -> None:
        document = Document.model_validate_json(source)
        self._by_place[place] = document
        self._read[id(document)] = (document, hashlib.sha1(source).hexdigest(), document.validity)

    def documents(self) -> list[Document]:
        """In the entries' order (the raw store's)."""
        return [self._by_place[place] for place in sorted(self._by_place)]

    def hash_of(self, document: Document) -> str:
        read = self._read.get(id(document))
        if read is not None and read[0] is document and read[2] is document.validity:
            return read[1]
        return hashlib.sha1(document.model_dump_json().encode("utf-8")).hexdigest()


READ_BATCH = 500  # kept documents read from the state and made Documents at a time: their JSON is let go


def timeliness_facts(store: RawStore, documents: list[Document], sites: _Sites,
                     of: set[str] | None = None) -> list[PolicyFacts]:
    """What the timeliness report needs of the policies (all, or those whose id is in `of`),
    with the raw store's captures of them and of their interpretations as evidence. A site's
    crawl interval is how often its lists are re-read."""
    by_id = {doc.id: doc for doc in documents}
    wanted = [doc for doc in documents if doc.kind is DocKind.policy and (of is None or doc.id in of)]
    urls = {u for doc in wanted for u in _fact_urls(doc, by_id)}
    captures = {url: [Capture(**vars(c)) for c in found] for url, found in store.captures(urls).items()}
    return policy_facts([*wanted, *_linked(wanted, by_id)], captures, *_site_facts(store, sites))


def _linked(policies: list[Document], by_id: dict[str, Document]) -> list[Document]:
    """The interpretations these policies link to (policy_facts reads their addresses)."""
    ids = {link.doc_id for doc in policies for link in doc.interpretations if link.doc_id}
    return [by_id[i] for i in ids if i in by_id and by_id[i].kind is not DocKind.policy]


def _fact_urls(policy: Document, by_id: dict[str, Document]) -> set[str]:
    urls = {policy.url, *policy.urls}
    for link in policy.interpretations:
        urls.add(link.url)
        if link.doc_id in by_id:
            urls.update(by_id[link.doc_id].urls)
    return urls


def _site_facts(store: RawStore, sites: _Sites) -> tuple[dict, dict]:
    intervals = {name: site.revisit.lists for name in store.sites() if isinstance(site := sites[name], Site)}
    return intervals, store.first_fetch_by_site()


class IndexWouldShrink(RuntimeError):
    """The rebuilt index would hold fewer documents than the caller allows."""


def fingerprint(site_folders: tuple[Path, ...], limits: AnalysisLimits) -> str:
    """What a page's analysis depends on besides the raw store: the analyzers (code and data),
    the template loader and every template, the limits. Kept analyses made with another are
    never reused."""
    digest = hashlib.sha1(repr(limits).encode())
    files = [*ANALYZERS_DIR.rglob("*.py"), *ANALYZERS_DIR.rglob("data/**/*"), *SITES_DIR.glob("*.py")]
    files += [path for folder in (*site_folders, SITES_DIR) for path in sorted(Path(folder).glob("*.toml"))]
    for path in sorted(set(files)):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def reindex(store: RawStore, engine: SearchEngine, state: BuildState, site_folders: tuple[Path, ...] = (),
            limits: AnalysisLimits = AnalysisLimits(), keep_at_least: int = 0) -> AnalysisReport:
    """Analyze every page of the store and replace the index with the result, unless it has
    fewer than `keep_at_least` documents (an emptied or truncated store): then the index is left
    alone. The state of this build is recorded for later updates."""
    return _build(store, engine, state, site_folders, limits, keep_at_least, full_because="")


def update(store: RawStore, engine: SearchEngine, state: BuildState, site_folders: tuple[Path, ...] = (),
           limits: AnalysisLimits = AnalysisLimits(), keep_at_least: int = 0) -> AnalysisReport:
    """Bring the index up to the raw store, re-analyzing only the pages new, changed or
    withdrawn since the last build or update (or whose list record, attachments or images
    changed), and adding, replacing or removing only the documents that come out different —
    including those another page's change reaches (links both ways, validity, duplicates).
    The result is the index a rebuild of the same store gives. When the state does not describe
    the index that answers, this is a rebuild, and the report says why."""
    meta = state.meta()
    why = (
        "no record of an earlier build" if not meta.generation else
        "the last build or update did not finish" if meta.dirty else
        "the analyzers or site templates changed" if meta.fingerprint != fingerprint(site_folders, limits) else
        "the index was rebuilt or changed by something else" if meta.generation != engine.generation() else ""
    )
    return _build(store, engine, state, site_folders, limits, keep_at_least, full_because=why, incremental=not why)


def _build(store: RawStore, engine: SearchEngine, state: BuildState, site_folders: tuple[Path, ...],
           limits: AnalysisLimits, keep_at_least: int, full_because: str, incremental: bool = False) -> AnalysisReport:
    report = AnalysisReport(full=not incremental, why_full=full_because)
    sites = _Sites(site_folders)
    last_row = store.max_id()  # before reading: a row a crawl adds meanwhile is new next time
    if not incremental:
        store.clear_errors(STAGE)
    read = _ReadBack()
    pages = _analyze_pages(store, sites, store.latest_ids(), state.pages() if incremental else {},
                           state.path if incremental else None, limits, report, lambda e: read.kept(e, state))
    report.pages_seen = pages.pages_seen
    return _index_pages(store, engine, state, sites, pages, read, last_row, fingerprint(site_folders, limits), report,
                        keep_at_least)


def rebuild_from_analyses(store: RawStore, engine: SearchEngine, state: BuildState, entries: list[PageEntry],
                          site_folders: tuple[Path, ...] = (), limits: AnalysisLimits = AnalysisLimits()) -> AnalysisReport:
    """A full rebuild from page analyses made elsewhere, one entry per raw-store URL at its newest
    row: everything a rebuild does after reading the pages. bench.scale builds generated corpora
    of up to a million documents with it, whose pages it cannot afford to render and analyze.
    The entries' JSON is let go as it is read (the state keeps it)."""
    report = AnalysisReport()
    pages = _Pages(sorted(entries, key=lambda e: e.response_id), list(entries), [], 0, {})
    return _index_pages(store, engine, state, _Sites(site_folders), pages, _ReadBack(), store.max_id(),
                        fingerprint(site_folders, limits), report, keep_at_least=0)


def _index_pages(store: RawStore, engine: SearchEngine, state: BuildState, sites: _Sites, pages: _Pages,
                 read: _ReadBack, last_row: int, analyzed_with: str, report: AnalysisReport,
                 keep_at_least: int) -> AnalysisReport:
    """Cross-document work over every page, then the index changed to match: rebuilt, or (an
    update) only the documents that differ written, the rest left as they are."""
    incremental = not report.full
    vectors = state.vectors(fresh=not incremental)
    state.mark_dirty()  # from here until save() the state describes no index
    state.save_pages(pages.analyzed, pages.gone, full=not incremental)
    read.made(pages.entries)  # the kept ones were read while the others were analyzed
    documents = finish(read.documents(), vectors)
    report.documents = documents
    if len(documents) < keep_at_least:
        raise IndexWouldShrink(f"the raw store gives {len(documents)} documents, fewer than the"
                               f" {keep_at_least} this rebuild must keep")
    before = state.indexed() if incremental else {}
    hashes = {doc.id: read.hash_of(doc) for doc in documents}
    del read
    changed = [doc for doc in documents if before.get(doc.id) != hashes[doc.id]]
    removed = [doc_id for doc_id in before if doc_id not in hashes]
    site_facts = json.dumps(_site_facts(store, sites), default=str, sort_keys=True)
    facts = _facts(store, documents, sites, changed, removed, state.meta(), site_facts, incremental, state)
    products = {FACTS_PRODUCT: facts.product, **search_products(documents)}
    images = _ImageBytes(store, documents)
    if incremental:
        kept_images = state.images()
        new_images = {name: images[name] for name in images if name not in kept_images}
        indexed = engine.apply(changed, removed, count_hint=len(changed), derived={**products, **new_images},
                               dropped=sorted(kept_images - set(images)))
    else:
        indexed = engine.replace_all(documents, count_hint=len(documents), derived=ChainMap(products, images))
    report.index_failures = indexed.failed
    report.added = sum(doc.id not in before for doc in changed)
    report.replaced, report.removed = len(changed) - report.added, len(removed)
    failed = {doc_id for doc_id, _why in indexed.failed}  # not in the index: tried again next time
    state.save(
        Meta(analyzed_with, engine.generation(), last_row, False, site_facts),
        {doc.id: hashes[doc.id] for doc in changed if doc.id not in failed},
        [*removed, *failed], facts.computed, vectors.added, set(images), pages.row_texts, full=not incremental,
    )
    return report


@dataclass
class _Facts:
    product: bytes  # the facts product: every policy's, by id
    computed: dict[str, bytes]  # those computed now, by policy id


def _facts(store: RawStore, documents: list[Document], sites: _Sites, changed: list[Document], removed: list[str],
           meta: Meta, site_facts: str, incremental: bool, state: BuildState) -> _Facts:
    """The policies' timeliness facts: all computed in a rebuild, or when the sites' crawl
    intervals or first captures changed; else only those of policies that changed, that link
    to an interpretation that changed or went, or whose pages or interpretations' pages were
    fetched again since the last build — the rest are kept, and read from the state into the
    product one at a time (a province's are over a gigabyte)."""
    policies = sorted(doc.id for doc in documents if doc.kind is DocKind.policy)
    of: set[str] | None = None
    if incremental and meta.site_facts == site_facts:
        by_id = {doc.id: doc for doc in documents}
        touched_docs = {doc.id for doc in changed} | set(removed)
        fetched = store.urls_since(meta.last_response_id)
        of = {doc.id for doc in changed if doc.kind is DocKind.policy}
        for policy_id in policies:
            policy = by_id[policy_id]
            if any(link.doc_id in touched_docs for link in policy.interpretations) or not fetched.isdisjoint(
                    _fact_urls(policy, by_id)):
                of.add(policy_id)
        of |= set(policies) - state.policies_with_facts()  # none kept (not indexed last time): computed now
    computed = {f.id: dump_one_facts(f) for f in timeliness_facts(store, documents, sites, of)}
    return _Facts(pack_facts(_in_order(policies, computed, state.facts_by_id() if of is not None else iter(()))),
                  computed)


def _in_order(policies: list[str], computed: dict[str, bytes], kept: Iterator[tuple[str, bytes]]) -> Iterator[bytes]:
    """Each policy's facts, by id: computed now, else kept (`kept` is by id too)."""
    stored = next(kept, None)
    for policy_id in policies:
        if policy_id in computed:
            yield computed[policy_id]
            continue
        while stored[0] < policy_id:  # SQLite's order of TEXT (UTF-8 bytes) is str's order
            stored = next(kept)
        yield stored[1]
