"""Other names for what a query asks: the curated dictionary (analyzers/data/synonyms.toml),
every unit's canonical name and aliases from the unit registry, and the abbreviations the
indexed documents define themselves (passed in by the engine, see analyzers.abbreviations).

Two kinds of entry: `groups` of names for the same thing, each finding the others; and
`expand`, one way only — an abbreviation finds its full forms (社保 → 社会保险, 社会保障), while
a full form does not turn into an abbreviation that may mean more than it does."""
from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from analyzers.normalize import normalize
from analyzers.unit_registry import default_registry

SYNONYMS_FILE = Path(__file__).parent / "data" / "synonyms.toml"
MAX_EXPANSIONS = 6


def _add(table: dict[str, tuple[str, ...]], form: str, others: list[str]) -> None:
    table[form] = tuple(dict.fromkeys(table.get(form, ()) + tuple(o for o in others if o != form)))


@lru_cache
def synonym_table() -> dict[str, tuple[str, ...]]:
    """Each known form → the forms a query for it also searches. Keys are normalized as
    queries are (analyzers.normalize), lower-cased."""
    data = tomllib.loads(SYNONYMS_FILE.read_text(encoding="utf-8"))
    groups = [list(g) for g in data["groups"]]
    groups += [[unit.name, *unit.aliases] for unit in default_registry().units.values() if unit.aliases]
    table: dict[str, tuple[str, ...]] = {}
    for group in groups:
        for form in group:
            _add(table, normalize(form).lower(), group)
    for short, forms in data.get("expand", {}).items():
        _add(table, normalize(short).lower(), list(forms))
    return table


def expansions(text: str, words: tuple[str, ...], learned: Mapping[str, tuple[str, ...]] | None = None) -> tuple[str, ...]:
    """Other ways to write a query term: the whole term's synonyms and the full forms the
    documents define for it, then the term with one of its words replaced by a synonym
    (低保标准 → 最低生活保障标准)."""
    table = synonym_table()
    found = list(table.get(text, ())) + list((learned or {}).get(text, ()))
    for word in dict.fromkeys(words):
        if word != text and word in table:
            found += [text.replace(word, other) for other in table[word]]
    return tuple(dict.fromkeys(f for f in found if f != text))[:MAX_EXPANSIONS]
