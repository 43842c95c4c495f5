"""What the staff pages and their JSON twins compute from the index: the timeliness report and
the unit lookups. Routers and UI pages both call these, so HTML and JSON always agree."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from analyzers.model import DocKind, Document
from analyzers.timeliness import NORMATIVE_TYPES, TimelinessReport, report
from analyzers.unit_registry import default_registry
from indexer.base import SearchEngine, SearchQuery, SearchResult, Suggestion
from indexer.corrections import did_you_mean
from search_api.staff_store import StaffStore
from zhengce.settings import Settings


def search(engine: SearchEngine, query: SearchQuery) -> SearchResult:
    """A search, with "did you mean" when it finds nothing."""
    result = engine.search(query)
    if result.total == 0:
        result.did_you_mean = did_you_mean(engine, query, result.plan)
    return result


MAX_UNIT_SUGGESTIONS = 4


def suggest(engine: SearchEngine, prefix: str, size: int = 8) -> list[Suggestion]:
    """As-you-type: unit names and aliases containing the text, then 文号 and titles."""
    text = prefix.strip()
    if len(text) < 2:
        return []
    registry = default_registry()
    counted = {c.value: c.count for c in engine.term_counts("unit", SearchQuery())}
    units = []
    for name in sorted(counted, key=lambda n: -counted[n]):
        forms = (name, *registry.aliases(name))
        match = next((form for form in forms if text in form), None)
        if match:
            units.append(Suggestion("unit", name if match == name else f"{match}（{name}）"))
    return (units[:MAX_UNIT_SUGGESTIONS] + engine.complete(text, size))[:size]


def timeliness_report(
    engine: SearchEngine,
    settings: Settings,
    store: StaffStore,
    unit: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    as_of: date | None = None,
    workdays: int | None = None,
) -> TimelinessReport:
    query = SearchQuery(
        kind=DocKind.policy.value,
        publisher=default_registry().canonical(unit) if unit else None,
        date_from=date_from,
        date_to=date_to,
    )
    return report(
        engine.documents(query),
        today=as_of or date.today(),
        workdays=workdays or settings.interpretation_workdays,
        overrides=store.scope_overrides(),
        types=frozenset(settings.timeliness_types) or NORMATIVE_TYPES,
    )


ROLES = ("牵头", "配合", "负责")


@dataclass
class UnitSummary:
    name: str
    aliases: tuple[str, ...]
    documents: int = 0  # documents naming the unit, as publisher or 责任单位
    issued: int = 0
    roles: dict[str, int] = field(default_factory=lambda: {role: 0 for role in ROLES})  # documents per role


def units_overview(engine: SearchEngine) -> list[UnitSummary]:
    registry = default_registry()
    everything = SearchQuery()
    summaries: dict[str, UnitSummary] = {}

    def summary(name: str) -> UnitSummary:
        return summaries.setdefault(name, UnitSummary(name, registry.aliases(name)))

    for count in engine.term_counts("unit", everything):
        summary(count.value).documents = count.count
    for count in engine.term_counts("publisher", everything):
        summary(count.value).issued = count.count
    for count in engine.term_counts("unit_role", everything):
        name, _, role = count.value.rpartition("|")
        summary(name).roles[role] = count.count
    return sorted(summaries.values(), key=lambda s: (-s.documents, s.name))


@dataclass
class UnitTask:
    policy: Document
    section: str
    task: str
    role: str
    co_units: list[tuple[str, str]]  # (name, role) of the other units on the same task


@dataclass
class UnitDetail:
    name: str
    aliases: tuple[str, ...]
    issued: list[Document]
    tasks: list[UnitTask]


def unit_detail(engine: SearchEngine, name: str) -> UnitDetail | None:
    registry = default_registry()
    canonical = registry.canonical(name)
    issued = list(engine.documents(SearchQuery(publisher=canonical)))
    tasks = []
    for document in engine.documents(SearchQuery(unit=canonical)):
        for unit in document.units:
            if unit.name != canonical:
                continue
            co_units = [
                (other.name, other.role)
                for other in document.units
                if other.name != canonical and other.section == unit.section and other.task == unit.task
            ]
            tasks.append(UnitTask(document, unit.section, unit.task, unit.role, co_units))
    if not issued and not tasks and canonical not in registry.units:
        return None
    return UnitDetail(canonical, registry.aliases(canonical), issued, tasks)
