"""Which engine answers is a setting: this is the one place that turns it into an engine."""
from __future__ import annotations

from pathlib import Path

from indexer.base import SearchEngine


def open_engine(name: str, index_dir: Path) -> SearchEngine:
    if name == "tantivy":
        from indexer.tantivy_engine import TantivyEngine

        return TantivyEngine(index_dir / "tantivy")
    raise ValueError(f"unknown search engine {name!r}")
