"""Domains (领域) of a document: the site's own 主题分类 when it gives one, else a keyword
classifier over the gov.cn top categories and the social-welfare domains (data/domains.toml)."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DOMAINS_FILE = Path(__file__).parent / "data" / "domains.toml"
TITLE_WEIGHT = 3


@dataclass(frozen=True)
class DomainClassifier:
    keywords: dict[str, tuple[str, ...]]
    min_score: int
    max_domains: int

    @classmethod
    def load(cls, path: Path = DOMAINS_FILE) -> "DomainClassifier":
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
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
        ranked = sorted(scores, key=lambda d: (-scores[d], d))
        return ranked[: self.max_domains]


@lru_cache
def default_classifier() -> DomainClassifier:
    return DomainClassifier.load()


def site_domains(value: str) -> list[str]:
    """主题分类 such as 科技、教育\\科技: the category path, most general first."""
    parts = [p.strip() for p in re.split(r"[\\\\/>＞]", value or "") if p.strip()]
    return list(dict.fromkeys(parts))


def document_domains(site_value: str, title: str, body: str) -> list[str]:
    return site_domains(site_value) or default_classifier().classify(title, body)
