"""Site templates: one TOML file per site describes where its documents are and how its pages
are laid out. The crawler reads the link and list rules, the analyzers the page rules; adding a
site is adding a file here (or anywhere, with --site-file), not code."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlparse

SITES_DIR = Path(__file__).parent

# The meta tags every Chinese government site is asked to carry (《政府网站发展指引》, 2017):
# read on every page unless a template maps them otherwise.
STANDARD_META = {
    "ArticleTitle": "title",
    "PubDate": "published_at",
    "ContentSource": "publisher",
    "ColumnName": "column_name",
    "SiteName": "site_name",
}


class SiteConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Column:
    path: str
    name: str
    kind: str  # a DocKind value


@dataclass(frozen=True)
class ListApi:
    """A JSON list endpoint paged by a number: `url` holds {page}; paging ends at the first page
    with no items or whose `end_field` equals `end_value` (TRS search APIs answer past the last
    page with an error flag rather than an empty list)."""

    url: str
    items: str  # dotted path to the list of records: "data" or "result.rows"
    url_field: str  # the record's detail-page URL
    column: str = ""  # name of the column the records belong to
    first_page: int = 1
    end_field: str = ""
    end_value: object = None
    fields: dict[str, str] = field(default_factory=dict)  # record key → document field

    def page_url(self, base_url: str, page: int) -> str:
        return urljoin(base_url, self.url.format(page=page))

    def matches(self, base_url: str, url: str) -> bool:
        """Is `url` one of this endpoint's pages? Same path, same fixed query parameters."""
        template = urlparse(urljoin(base_url, self.url))
        candidate = urlparse(url)
        if candidate.path != template.path:
            return False
        fixed = {k: v for k, v in parse_qsl(template.query) if "{page}" not in v}
        return fixed.items() <= dict(parse_qsl(candidate.query)).items()

    def records(self, data: object) -> list[dict] | None:
        """The page's records, or None when the page says paging has ended."""
        if not isinstance(data, dict):
            return None
        if self.end_field and data.get(self.end_field) == self.end_value:
            return None
        items: object = data
        for key in self.items.split("."):
            items = items.get(key) if isinstance(items, dict) else None
        return [item for item in items if isinstance(item, dict)] if isinstance(items, list) and items else None

    def record_fields(self, record: dict) -> dict[str, str]:
        """Document fields of a record; where several keys feed a field, the first non-empty wins."""
        found: dict[str, str] = {}
        for key, target in self.fields.items():
            value = record.get(key)
            if value not in (None, "") and target not in found:
                found[target] = str(value).strip()
        return found


@dataclass(frozen=True)
class PageRules:
    title: str = ""
    # CSS selector(s) of the body; empty: find it the way readability does (generic template).
    body: str = ""
    meta_table: str = ""
    published: str = ""
    attachments: str = ""
    interpretations: str = ""
    back_links: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # metadata table label → field
    meta: dict[str, str] = field(default_factory=lambda: dict(STANDARD_META))  # <meta name> → field


@dataclass(frozen=True)
class Revisit:
    """How long a fetched page counts as current. A crawl re-asks (conditionally) only for pages
    older than this; anything newer is read back from the raw store, so a crawl killed half-way
    and run again fetches only what it had not finished."""

    lists: timedelta = timedelta(hours=6)
    details: timedelta = timedelta(days=30)


@dataclass(frozen=True)
class Site:
    name: str
    title: str
    base_url: str
    start_paths: tuple[str, ...]
    columns: tuple[Column, ...]
    detail_url: re.Pattern
    list_url: re.Pattern
    attachment_url: re.Pattern
    page: PageRules
    list_apis: tuple[ListApi, ...] = ()
    revisit: Revisit = Revisit()
    # Scrapy settings for this site (download_delay, concurrent_requests_per_domain, …).
    crawl: dict[str, object] = field(default_factory=dict)

    @property
    def start_urls(self) -> list[str]:
        return [urljoin(self.base_url, path) for path in self.start_paths]

    @property
    def host(self) -> str:
        return urlparse(self.base_url).netloc

    def with_base_url(self, base_url: str) -> "Site":
        return replace(self, base_url=base_url.rstrip("/") + "/")

    def column_for(self, url: str) -> Column | None:
        api = self.list_api_for(url)
        if api is not None:
            return next((c for c in self.columns if c.name == api.column), None)
        path = urlparse(url).path
        matches = [c for c in self.columns if path.startswith(c.path)]
        return max(matches, key=lambda c: len(c.path)) if matches else None

    def list_api_for(self, url: str) -> ListApi | None:
        return next((api for api in self.list_apis if api.matches(self.base_url, url)), None)

    def is_detail(self, url: str) -> bool:
        """A document page: matches the detail rule and is not a list page (for templates whose
        detail rule is as broad as "any .html")."""
        path = urlparse(url).path
        return bool(self.detail_url.search(path)) and not self.list_url.search(path)

    def is_list(self, url: str) -> bool:
        return bool(self.list_url.search(urlparse(url).path)) or self.list_api_for(url) is not None

    def is_attachment(self, url: str) -> bool:
        return bool(self.attachment_url.search(urlparse(url).path))


# Images of a detail page's body (a 图解's infographic) are fetched like attachments: raster
# files only, this many per page at most, each at most this large.
IMAGE_PATH = re.compile(r"\.(?:png|jpe?g|gif|webp)$", re.IGNORECASE)
IMAGES_PER_PAGE = 20
IMAGE_MAX_BYTES = 5 * 1024 * 1024

LINK_RULES = ("detail", "list", "attachment")


def _patterns(value: object) -> list[str]:
    """A link rule is one regex or a list of them."""
    return [value] if isinstance(value, str) else list(value or [])


def _compile(raw: dict, key: str, path: Path) -> re.Pattern:
    patterns = _patterns(raw.get("links", {}).get(key))
    if not patterns:
        raise SiteConfigError(f"{path.name}: [links] needs '{key}'")
    try:
        for pattern in patterns:
            re.compile(pattern)
        return re.compile("|".join(f"(?:{p})" for p in patterns))
    except (re.error, TypeError) as exc:
        raise SiteConfigError(f"{path.name}: [links] {key} is not a valid regex: {exc}") from exc


def _page_rules(page: dict) -> PageRules:
    plain = {k: v for k, v in page.items() if k not in ("labels", "meta")}
    return PageRules(**plain, labels=page.get("labels", {}), meta={**STANDARD_META, **page.get("meta", {})})


def _revisit(raw: dict) -> Revisit:
    return Revisit(
        lists=timedelta(hours=float(raw.get("list_hours", 6))),
        details=timedelta(days=float(raw.get("detail_days", 30))),
    )


def _merged_columns(parent: list[dict], child: list[dict]) -> list[dict]:
    """The parent's columns and the child's, matched by path: a child column with a parent's path
    overrides what it states of it, and one with `remove = true` takes it away."""
    columns = {column["path"]: dict(column) for column in parent if "path" in column}
    for column in child:
        path = column.get("path")
        if column.get("remove"):
            columns.pop(path, None)
        else:
            columns[path] = {**columns.get(path, {}), **column}
    return list(columns.values())


def _merged_links(parent: dict, child: dict) -> dict:
    """Each link rule matches what the parent's patterns match and the child's; `[links.remove]`
    names patterns of the parent the child does not want."""
    remove = child.get("remove", {})
    merged = {k: v for k, v in parent.items() if k not in LINK_RULES}
    for key in LINK_RULES:
        patterns = [p for p in _patterns(parent.get(key)) if p not in _patterns(remove.get(key))]
        patterns += [p for p in _patterns(child.get(key)) if p not in patterns]
        merged[key] = patterns
    return merged


def _merged(parent: dict, child: dict) -> dict:
    """The child's keys over the parent's: tables merged key by key, columns and link rules added
    to the parent's (see above), other lists replaced."""
    merged = dict(parent)
    for key, value in child.items():
        if key == "columns":
            merged[key] = _merged_columns(parent.get(key, []), value)
        elif key == "links":
            merged[key] = _merged_links(parent.get(key, {}), value)
        elif isinstance(value, dict) and isinstance(parent.get(key), dict):
            merged[key] = _merged(parent[key], value)
        else:
            merged[key] = value
    return merged


def _raw_template(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    """The file's table, on top of the platform template it `extends` (a file in the same folder
    or the shipped ones), so a site of a known platform states only what is its own."""
    if path in seen:
        raise SiteConfigError(f"{path.name}: 'extends' goes round in a circle")
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    parent_name = raw.pop("extends", None)
    if not parent_name:
        return raw
    for folder in (path.parent, SITES_DIR):
        parent = folder / f"{parent_name}.toml"
        if parent.is_file():
            return _merged(_raw_template(parent, (*seen, path)), raw)
    raise SiteConfigError(f"{path.name}: extends '{parent_name}', which is not a template")


def parse_site(path: Path) -> Site:
    try:
        raw = _raw_template(path)
        columns = tuple(Column(c["path"], c["name"], c["kind"]) for c in raw.get("columns", []))
        apis = tuple(ListApi(**api) for api in raw.get("list_api", []))
        names = {c.name for c in columns}
        for api in apis:
            if api.column and api.column not in names:
                raise SiteConfigError(f"{path.name}: list_api column '{api.column}' is not one of {sorted(names)}")
        return Site(
            name=raw["name"],
            title=raw.get("title", raw["name"]),
            base_url=raw["base_url"].rstrip("/") + "/",
            start_paths=tuple(raw.get("start_paths", [])),
            columns=columns,
            detail_url=_compile(raw, "detail", path),
            list_url=_compile(raw, "list", path),
            attachment_url=_compile(raw, "attachment", path),
            page=_page_rules(raw.get("page", {})),
            list_apis=apis,
            revisit=_revisit(raw.get("revisit", {})),
            crawl=raw.get("crawl", {}),
        )
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, SiteConfigError):
            raise
        raise SiteConfigError(f"{path.name}: {type(exc).__name__}: {exc}") from exc


def available_sites(extra_dirs: tuple[Path, ...] = ()) -> list[str]:
    return sorted({p.stem for folder in (*extra_dirs, SITES_DIR) for p in folder.glob("*.toml")})


def load_site(name: str, extra_dirs: tuple[Path, ...] = ()) -> Site:
    """The template NAME.toml from the deployment's own folders first, then the shipped ones."""
    for folder in (*extra_dirs, SITES_DIR):
        path = folder / f"{name}.toml"
        if path.is_file():
            return parse_site(path)
    raise SiteConfigError(f"no site template '{name}'; available: {', '.join(available_sites(extra_dirs))}")
