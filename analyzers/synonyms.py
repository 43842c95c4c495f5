"""Synonyms and abbreviations for queries: the groups of analyzers/data/synonyms.toml and every
unit's canonical name and aliases from the unit registry."""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from analyzers.unit_registry import default_registry

SYNONYMS_FILE = Path(__file__).parent / "data" / "synonyms.toml"
MAX_EXPANSIONS = 6


@lru_cache
def synonym_table() -> dict[str, tuple[str, ...]]:
    """Each known form → the other forms of its group."""
    groups = [tuple(g) for g in tomllib.loads(SYNONYMS_FILE.read_text(encoding="utf-8"))["groups"]]
    registry = default_registry()
    groups += [(unit.name, *unit.aliases) for unit in registry.units.values() if unit.aliases]
    table: dict[str, tuple[str, ...]] = {}
    for group in groups:
        for form in group:
            others = tuple(f for f in group if f != form)
            table[form] = tuple(dict.fromkeys(table.get(form, ()) + others))
    return table


def expansions(text: str, words: tuple[str, ...]) -> tuple[str, ...]:
    """Other ways to write a query term: the whole term's synonyms, then the term with one of
    its words replaced by a synonym (低保标准 → 最低生活保障标准)."""
    table = synonym_table()
    found = list(table.get(text, ()))
    for word in dict.fromkeys(words):
        if word != text and word in table:
            found += [text.replace(word, other) for other in table[word]]
    return tuple(dict.fromkeys(f for f in found if f != text))[:MAX_EXPANSIONS]
