"""Which rule a policy is checked by: rule profiles as data (analyzers/data/timeliness.toml,
extended and overridden by <data dir>/timeliness.toml), assigned per publishing unit or site."""
from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

BUNDLED = Path(__file__).parent / "data" / "timeliness.toml"
CLOCKS = {"published": "发布日期", "written": "成文日期"}


class RulesError(ValueError):
    """A rule file that cannot be used, with the reason in Chinese."""


@dataclass(frozen=True)
class RuleProfile:
    name: str
    label: str
    workdays: int
    clock: str = "published"
    types: frozenset[str] = frozenset()
    doc_number_patterns: tuple[re.Pattern, ...] = ()
    republication_days: int = 365
    sentence: str = ""
    source: str = ""

    @property
    def clock_label(self) -> str:
        return CLOCKS[self.clock]

    @property
    def citation(self) -> str:
        """The governing sentence with its source, as quoted in reports and exports."""
        if not self.sentence:
            return f"{self.label}（未填写依据条文）"
        return f"“{self.sentence}”——{self.source}" if self.source else f"“{self.sentence}”"

    def needs_number(self, doc_number: str) -> bool:
        return not self.doc_number_patterns or any(p.search(doc_number) for p in self.doc_number_patterns)


@dataclass(frozen=True)
class Rules:
    profiles: dict[str, RuleProfile]
    default: str
    by_unit: dict[str, str] = field(default_factory=dict)
    by_site: dict[str, str] = field(default_factory=dict)
    version: str = ""

    def profile_for(self, unit: str, site: str) -> RuleProfile:
        name = self.by_unit.get(unit) or self.by_site.get(site) or self.default
        return self.profiles[name]


def _profile(name: str, table: dict, where: str) -> RuleProfile:
    try:
        workdays = int(table["workdays"])
        clock = str(table.get("clock", "published"))
        patterns = tuple(re.compile(str(p)) for p in table.get("doc_number_patterns", []))
        profile = RuleProfile(
            name=name, label=str(table.get("label", name)), workdays=workdays, clock=clock,
            types=frozenset(str(t) for t in table.get("types", [])), doc_number_patterns=patterns,
            republication_days=int(table.get("republication_days", 365)),
            sentence=str(table.get("sentence", "")), source=str(table.get("source", "")),
        )
    except KeyError as exc:
        raise RulesError(f"{where}：规则 {name} 缺少 {exc.args[0]}") from exc
    except (ValueError, TypeError, re.error) as exc:
        raise RulesError(f"{where}：规则 {name} 有无法使用的值（{exc}）") from exc
    if not 0 <= workdays <= 30:
        raise RulesError(f"{where}：规则 {name} 的 workdays 应在 0 到 30 之间")
    if clock not in CLOCKS:
        raise RulesError(f"{where}：规则 {name} 的 clock 应为 {' 或 '.join(CLOCKS)}")
    if not profile.types:
        raise RulesError(f"{where}：规则 {name} 没有列出需要解读的公文种类（types）")
    return profile


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"{path}：无法读取（{exc}）") from exc


def build_rules(tables: list[tuple[dict, str]], canonical=lambda name: name) -> Rules:
    """Rules from the bundled table and the deployment's, later ones winning; `canonical` maps a
    unit's other names to the registry's name."""
    profiles: dict[str, RuleProfile] = {}
    default = ""
    by_unit: dict[str, str] = {}
    by_site: dict[str, str] = {}
    for name, fields in _raw_profiles(tables).items():
        profiles[name] = _profile(name, fields, "、".join(where for _, where in tables))
    for table, where in tables:
        default = str(table.get("default", default))
        for assignment in table.get("assign", []):
            target = str(assignment.get("profile", ""))
            if "unit" in assignment:
                by_unit[canonical(str(assignment["unit"]))] = target
            elif "site" in assignment:
                by_site[str(assignment["site"])] = target
            else:
                raise RulesError(f"{where}：[[assign]] 需要 unit 或 site")
    for target in (default, *by_unit.values(), *by_site.values()):
        if target not in profiles:
            raise RulesError(f"没有名为“{target}”的规则（已有：{'、'.join(sorted(profiles))}）")
    digest = hashlib.sha256(repr([t for t, _ in tables]).encode()).hexdigest()[:16]
    return Rules(profiles, default, by_unit, by_site, digest)


def _raw_profiles(tables: list[tuple[dict, str]]) -> dict[str, dict]:
    """Each profile's fields merged over all tables, so a deployment may override one field."""
    merged: dict[str, dict] = {}
    for table, _ in tables:
        for name, profile in table.get("profiles", {}).items():
            merged[name] = {**merged.get(name, {}), **profile}
    return merged


def _stamp(path: Path | None) -> tuple:
    if path is None:
        return ()
    try:
        stat = path.stat()
    except OSError:
        return ()
    return (stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _rules_for(path: Path | None, _stamp: tuple) -> Rules:
    from analyzers.unit_registry import default_registry

    tables = [(_read(BUNDLED), "内置规则")]
    if path is not None and path.exists():
        tables.append((_read(path), str(path)))
    return build_rules(tables, default_registry().canonical)


def load_rules(path: Path | None = None) -> Rules:
    """The bundled profiles with the deployment's file over them; re-read when the file changes."""
    return _rules_for(path, _stamp(path))
