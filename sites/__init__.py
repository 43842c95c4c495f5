"""Site templates: one TOML file per site describes where its documents are and how its pages
are laid out. The crawler reads the link rules, the analyzers the page rules; adding a site is
adding a file here, not code."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urljoin, urlparse

SITES_DIR = Path(__file__).parent


class SiteConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Column:
    path: str
    name: str
    kind: str  # a DocKind value


@dataclass(frozen=True)
class PageRules:
    title: str
    body: str
    meta_table: str = ""
    published: str = ""
    attachments: str = ""
    interpretations: str = ""
    back_links: str = ""
    labels: dict[str, str] = field(default_factory=dict)


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
        path = urlparse(url).path
        matches = [c for c in self.columns if path.startswith(c.path)]
        return max(matches, key=lambda c: len(c.path)) if matches else None

    def is_detail(self, url: str) -> bool:
        return bool(self.detail_url.search(urlparse(url).path))

    def is_list(self, url: str) -> bool:
        return bool(self.list_url.search(urlparse(url).path))

    def is_attachment(self, url: str) -> bool:
        return bool(self.attachment_url.search(urlparse(url).path))


def _compile(raw: dict, key: str, path: Path) -> re.Pattern:
    try:
        return re.compile(raw["links"][key])
    except KeyError as exc:
        raise SiteConfigError(f"{path.name}: [links] needs '{key}'") from exc
    except re.error as exc:
        raise SiteConfigError(f"{path.name}: [links] {key} is not a valid regex: {exc}") from exc


def parse_site(path: Path) -> Site:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        page = raw["page"]
        return Site(
            name=raw["name"],
            title=raw.get("title", raw["name"]),
            base_url=raw["base_url"].rstrip("/") + "/",
            start_paths=tuple(raw["start_paths"]),
            columns=tuple(Column(c["path"], c["name"], c["kind"]) for c in raw.get("columns", [])),
            detail_url=_compile(raw, "detail", path),
            list_url=_compile(raw, "list", path),
            attachment_url=_compile(raw, "attachment", path),
            page=PageRules(**{k: v for k, v in page.items() if k != "labels"}, labels=page.get("labels", {})),
            crawl=raw.get("crawl", {}),
        )
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise SiteConfigError(f"{path.name}: {type(exc).__name__}: {exc}") from exc


def available_sites() -> list[str]:
    return sorted(p.stem for p in SITES_DIR.glob("*.toml"))


def load_site(name: str) -> Site:
    path = SITES_DIR / f"{name}.toml"
    if not path.is_file():
        raise SiteConfigError(f"no site template '{name}'; available: {', '.join(available_sites())}")
    return parse_site(path)
