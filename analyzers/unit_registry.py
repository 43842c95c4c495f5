"""The unit registry: canonical unit names and their aliases (区卫计局 = 泉港区卫生和计划生育局),
kept as an editable data file (analyzers/data/units.toml, or ZHENGCE_UNITS_FILE)."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_FILE = Path(__file__).parent / "data" / "units.toml"


@dataclass(frozen=True)
class Unit:
    name: str
    aliases: tuple[str, ...]


class UnitRegistry:
    def __init__(self, units: list[Unit]):
        self.units = {unit.name: unit for unit in units}
        self._canonical: dict[str, str] = {}
        for unit in units:
            for alias in (unit.name, *unit.aliases):
                owner = self._canonical.setdefault(alias, unit.name)
                if owner != unit.name:
                    raise ValueError(f"unit registry: {alias!r} is an alias of both {owner!r} and {unit.name!r}")

    @classmethod
    def load(cls, path: Path) -> "UnitRegistry":
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
            return cls([Unit(u["name"], tuple(u.get("aliases", []))) for u in raw.get("unit", [])])
        except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"unit registry {path}: {type(exc).__name__}: {exc}") from exc

    def canonical(self, name: str) -> str:
        """The registered name for name, or name itself when the registry does not know it."""
        return self._canonical.get(name, name)

    def aliases(self, name: str) -> tuple[str, ...]:
        unit = self.units.get(self.canonical(name))
        return unit.aliases if unit else ()


@lru_cache
def default_registry() -> UnitRegistry:
    return UnitRegistry.load(Path(os.environ.get("ZHENGCE_UNITS_FILE", DEFAULT_FILE)))
