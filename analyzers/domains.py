"""Domains (主题分类) of a document, in one taxonomy: the gov.cn two-level subject tree
(data/topics.toml). A domain is written as its path, "科技、教育/教育", or a top category alone,
"科技、教育". The site's own 主题分类 is placed into the tree when it can be (its names, or an
alias); otherwise a keyword classifier picks from the tree (data/domains.toml)."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
TOPICS_FILE = DATA / "topics.toml"
DOMAINS_FILE = DATA / "domains.toml"
SEPARATOR = "/"
TITLE_WEIGHT = 3
# Between the levels of a site's 主题分类 (科技、教育\教育, 科技、教育 > 教育), and between two of them.
_LEVELS = re.compile(r"\s*[\\/>＞]\s*")
_SEVERAL = re.compile(r"[；;，,|\n]+")


def split(path: str) -> tuple[str, str]:
    """A path as (top category, subcategory); the subcategory is "" for a top category alone."""
    top, _, sub = path.partition(SEPARATOR)
    return top, sub


@dataclass(frozen=True)
class Taxonomy:
    tree: dict[str, tuple[str, ...]]  # top category → its subcategories, in the tree's order
    aliases: dict[str, str]  # another name → its path
    # Subcategory names under one top category only (其他 is under most), to their path.
    unique: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self):
        tops: dict[str, list[str]] = {}
        for top, subs in self.tree.items():
            for sub in subs:
                tops.setdefault(sub, []).append(top)
        unique = {sub: f"{found[0]}{SEPARATOR}{sub}" for sub, found in tops.items() if len(found) == 1}
        object.__setattr__(self, "unique", unique)

    @classmethod
    def load(cls, path: Path = TOPICS_FILE) -> "Taxonomy":
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        taxonomy = cls({top: tuple(subs) for top, subs in raw["tree"].items()}, dict(raw.get("aliases", {})))
        wrong = [f"{name} → {target}" for name, target in taxonomy.aliases.items() if not taxonomy.holds(target)]
        if wrong:
            raise ValueError(f"{path}: aliases outside the tree: {'; '.join(wrong)}")
        return taxonomy

    def holds(self, path: str) -> bool:
        top, sub = split(path)
        return top in self.tree and (not sub or sub in self.tree[top])

    def place(self, name: str) -> str | None:
        """Where a category name belongs: a path or a top category, None when it is none of ours.
        The most specific reading wins: a subcategory known under another top category, or an
        alias, places a site's path whose subcategory its top does not hold."""
        parts = [p for p in _LEVELS.split(name.strip()) if p]
        if not parts:
            return None
        top = parts[0]
        if top in self.tree:
            if len(parts) == 1:
                return top
            sub = parts[-1]
            if sub in self.tree[top]:
                return f"{top}{SEPARATOR}{sub}"
            return self._named(sub) or top
        return self._named(parts[-1])

    def _named(self, name: str) -> str | None:
        return self.aliases.get(name) or self.unique.get(name) or (name if name in self.tree else None)

    def canonical(self, value: str) -> str:
        """A domain as asked for (教育, 科技、教育\\教育) as the value it is indexed under; a value
        the taxonomy cannot place is kept as it was given."""
        return self.place(value) or value


@lru_cache
def default_taxonomy() -> Taxonomy:
    return Taxonomy.load()


def indexed_values(paths: list[str]) -> list[str]:
    """What a document is filtered and counted under: each top category (a filter on it finds
    its subcategories too) and each path."""
    values = []
    for path in paths:
        top, sub = split(path)
        values += [top, path] if sub else [top]
    return list(dict.fromkeys(values))


@dataclass(frozen=True)
class DomainClassifier:
    keywords: dict[str, tuple[str, ...]]  # path or top category → words that speak of it
    min_score: int
    max_domains: int

    @classmethod
    def load(cls, path: Path = DOMAINS_FILE, taxonomy: Taxonomy | None = None) -> "DomainClassifier":
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        taxonomy = taxonomy or default_taxonomy()
        outside = [name for name in raw["domains"] if not taxonomy.holds(name)]
        if outside:
            raise ValueError(f"{path}: domains outside the tree: {', '.join(outside)}")
        return cls(
            {name: tuple(words) for name, words in raw["domains"].items()},
            int(raw.get("min_score", 3)),
            int(raw.get("max_domains", 2)),
        )

    def classify(self, title: str, body: str) -> list[str]:
        scores = {}
        for domain, words in self.keywords.items():
            score = sum(TITLE_WEIGHT * title.count(w) + body.count(w) for w in words)
            if score >= self.min_score:
                scores[domain] = score
        return _distinct(sorted(scores, key=lambda d: (-scores[d], d)))[: self.max_domains]


def _distinct(paths: list[str]) -> list[str]:
    """Paths without a top category alone that one of its subcategories already says."""
    said = {split(p)[0] for p in paths if split(p)[1]}
    return list(dict.fromkeys(p for p in paths if split(p)[1] or p not in said))


@lru_cache
def default_classifier() -> DomainClassifier:
    return DomainClassifier.load()


def site_domains(value: str, taxonomy: Taxonomy | None = None) -> list[str]:
    """A site's 主题分类 (科技、教育\\科技; several separated by ；) placed in the tree."""
    taxonomy = taxonomy or default_taxonomy()
    placed = [taxonomy.place(name) for name in _SEVERAL.split(value or "")]
    return _distinct([p for p in placed if p])


def document_domains(site_value: str, title: str, body: str) -> list[str]:
    return site_domains(site_value) or default_classifier().classify(title, body)
