"""One document however it was reached: pages whose URLs normalize to the same address, or whose
title and text are the same (the same 政策文件 listed under two columns, a mobile and a desktop
URL), become one Document that keeps every URL it was found at."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from analyzers.model import DocKind, Document, InterpretationLink

_DEFAULT_PORTS = {"http": 80, "https": 443}
_INDEX_PAGES = ("index.html", "index.htm", "index.shtml", "default.html", "default.htm")
_KIND_RANK = {DocKind.policy: 0, DocKind.interpretation: 1, DocKind.notice: 2}


# An address already in its normalized form (most are): kept as it is, not parsed — every
# update keys every document's addresses, ~20 µs each through urlsplit.
_PLAIN = re.compile(r"https?://[a-z0-9.-]+/[^?#\s]*")


def normalized_url(url: str) -> str:
    """Scheme and host lower-cased, default port, fragment and a folder's index page dropped,
    query parameters sorted: the address as a comparison key, not for fetching."""
    url = url.strip()
    if _PLAIN.fullmatch(url) and not url.endswith(_INDEX_PAGES):
        return url
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    netloc = host if parts.port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{parts.port}"
    path = parts.path or "/"
    for page in _INDEX_PAGES:
        if path.endswith("/" + page):
            path = path[: -len(page)]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(parse_qsl(parts.query))), ""))


class _Groups:
    """Union-find over document positions."""

    def __init__(self, size: int):
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def _merge_links(links: list[list[InterpretationLink]]) -> list[InterpretationLink]:
    seen, merged = set(), []
    for link in (link for group in links for link in group):
        if link.url not in seen:
            seen.add(link.url)
            merged.append(link)
    return merged


def merge_duplicates(documents: list[Document]) -> list[Document]:
    groups = _Groups(len(documents))
    first_with: dict[tuple[str, str, str], int] = {}
    for i, doc in enumerate(documents):
        # Keyed by site too: another site's page with the same text or a canonical naming our
        # address is never merged into (and so never replaces) this site's document.
        keys = [("url", doc.site, normalized_url(u)) for u in doc.urls or [doc.url]] + [("hash", doc.site, doc.content_hash)]
        for key in keys:
            if key in first_with:
                groups.union(i, first_with[key])
            else:
                first_with[key] = i
    members: dict[int, list[Document]] = {}
    for i, doc in enumerate(documents):
        members.setdefault(groups.find(i), []).append(doc)
    merged = []
    for group in members.values():
        if len(group) == 1:
            merged.append(group[0])
            continue
        # The page still online, a policy before a notice, the shortest address: the one to show.
        primary = min(group, key=lambda d: (d.withdrawn_at is not None, _KIND_RANK[d.kind], len(d.url), d.url))
        live = [d for d in group if d.withdrawn_at is None]
        merged.append(primary.model_copy(update={
            "urls": sorted({u for d in group for u in d.urls or [d.url]}),
            "interpretations": _merge_links([d.interpretations for d in group]),
            "interprets": _merge_links([d.interprets for d in group]),
            "withdrawn_at": None if live else primary.withdrawn_at,
        }))
    return merged
