"""What the staff pages and their JSON twins compute from the index: the timeliness report and
the unit lookups. Routers and UI pages both call these, so HTML and JSON always agree."""
from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Callable, Iterable

from analyzers.model import Document
from analyzers.timeliness import (
    FACTS_PRODUCT, Day, PolicyFacts, TimelinessReport, assess_all, each_facts, find_facts, policy_facts,
)
from analyzers.timeliness_rules import Rules, load_rules
from analyzers.workdays import WorkCalendar, load_calendar
from analyzers.unit_registry import default_registry
from indexer.base import FACET_SIZES, FACETS, SearchEngine, SearchQuery, SearchResult, Suggestion
from indexer.corrections import did_you_mean
from indexer.query_tree import ANY_TERM, search_node
from search_api.staff_store import StaffStore
from zhengce.settings import Settings


RELAXATIONS = (1, 2, ANY_TERM)  # fewer words of each term, then any one term (query_tree)


def search(engine: SearchEngine, query: SearchQuery) -> SearchResult:
    """A search; when it finds nothing, the same search relaxed step by step — each term may
    miss one more of its words, then two, then any one term will do — said in the notes; and,
    "did you mean" suggestions for the query as typed, each checked to find something."""
    answered, result = _relaxed_if_empty(engine, query)
    # A facet with values chosen is counted as if none were: its other values stay in view, to
    # be added (OR within a facet), each with the documents it would add.
    for name in FACETS:
        if getattr(answered, name):
            result.facets[name] = engine.term_counts(name, replace(answered, **{name: ()}), FACET_SIZES[name])
    return result


def _relaxed_if_empty(engine: SearchEngine, query: SearchQuery) -> tuple[SearchQuery, SearchResult]:
    """(the query that was answered, its result)."""
    result = engine.search(query)
    if result.total or not result.plan.has_text:
        return query, result
    suggestions = did_you_mean(engine, query, result.plan)  # a slip of the keyboard is likelier than no document
    tried = {search_node(result.plan, query)}
    for relax in RELAXATIONS:
        step = replace(query, relax=relax)
        node = search_node(result.plan, step)
        if node in tried:  # one-word terms: a step that lowers nothing asks the same again
            continue
        tried.add(node)
        relaxed = engine.search(step)
        if relaxed.total:
            note = "已放宽检索条件：没有同时包含全部词语的文件，以下结果只包含其中部分词语"
            relaxed.plan = replace(relaxed.plan, notes=(*relaxed.plan.notes, note))
            relaxed.did_you_mean = suggestions
            return step, relaxed
    result.did_you_mean = suggestions
    return query, result


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


class _LastUsed(OrderedDict):
    """A small cache of the most recently used entries."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def get_or(self, key, make):
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = self[key] = make()
        while len(self) > self.size:
            self.popitem(last=False)
        return value


_ASSESSED = _LastUsed(4)  # by build × calendar × rules × staff decisions × what-if working days
_DAYS = _LastUsed(4)  # by all of that × the day counted to
_LOCK = threading.Lock()
# Each is hundreds of MB at 100,000 documents (the assessment of 80,000 policies: 289 MB,
# measured): a generation's are dropped as soon as another answers — every update is one —
# rather than when newer ones push them out. The facts themselves are not kept: they are read
# from the build's product one policy at a time when assessed (414 MB more as objects).


def _forget_other_generations(generation: str) -> None:
    for cache, build_of in ((_ASSESSED, lambda key: key[0]), (_DAYS, lambda key: key[0][0])):
        for key in [key for key in cache if build_of(key) != generation]:
            del cache[key]


def _facts(engine: SearchEngine) -> Iterable[PolicyFacts]:
    """The facts stored with the index build; an index built before they were is read from its
    documents instead (without the raw store's evidence)."""
    payload = engine.derived(FACTS_PRODUCT)
    if payload is not None:
        return each_facts(payload)
    return policy_facts(engine.documents(SearchQuery()), {}, {}, {})


def warm_timeliness(engine: SearchEngine, settings: Settings, store: StaffStore) -> bool:
    """Today's report prepared before its first visit, from the facts stored with the build;
    an index built before they were is read from its documents by the first request, not at
    start-up. Whether it was prepared."""
    if engine.derived(FACTS_PRODUCT) is None:
        return False
    timeliness_day(engine, settings, store, date.today())  # the assessment and the day: not a report's rows
    return True


def timeliness_context(settings: Settings) -> tuple[WorkCalendar, Rules]:
    return load_calendar(settings.calendar_dir), load_rules(settings.timeliness_rules_path)


def timeliness_day(engine: SearchEngine, settings: Settings, store: StaffStore, as_of: date,
                   workdays: int | None = None) -> tuple[Day, WorkCalendar, Rules]:
    """Every policy assessed as of a day — computed once per index build, calendar, rules and
    staff decisions (a new calendar file or decision is seen at the next request, no reindex),
    and finished once per day counted to."""
    calendar, rules = timeliness_context(settings)
    overrides = store.scope_overrides()
    key = (engine.generation(), calendar.version, rules.version, tuple(sorted(overrides.items())), workdays)
    with _LOCK:
        _forget_other_generations(key[0])
        made = (key, as_of) not in _DAYS
        assessed = _ASSESSED.get_or(key, lambda: assess_all(_facts(engine), rules, calendar, overrides, workdays))
        day = _DAYS.get_or((key, as_of), lambda: Day(assessed, as_of, calendar))
        if made:
            _give_back_freed_memory()
    return day, calendar, rules


def _libc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: its allocator gives memory back on its own terms
        return None


_MALLOC_TRIM = _libc_trim()


def _give_back_freed_memory() -> None:
    """Assessing a province reads its facts and makes every row once: hundreds of MB that are
    freed after, but that glibc keeps in the heap for the process to reuse (a worker stayed
    ~80 MB larger at 100,000 documents, measured). malloc_trim hands it back to the system."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


@dataclass(frozen=True)
class ReportSelection:
    """Which rows a report covers: a unit (any of its names), a publication date range, the day
    counted to, and a what-if number of working days."""

    unit: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    as_of: date | None = None
    workdays: int | None = None


def _selected(engine: SearchEngine, settings: Settings, store: StaffStore, selection: ReportSelection):
    day, calendar, rules = timeliness_day(engine, settings, store, selection.as_of or date.today(), selection.workdays)
    canonical = default_registry().canonical(selection.unit) if selection.unit else None
    return day, day.select(canonical, selection.date_from, selection.date_to), calendar, rules


def timeliness_report(engine: SearchEngine, settings: Settings, store: StaffStore,
                      selection: ReportSelection = ReportSelection(), rows: bool = True) -> TimelinessReport:
    """rows: with each row as an object (a page shows them); without, the report's JSON
    (report_json) and its due list are what it is for, and a province's rows cost nothing."""
    day, chosen, calendar, rules = _selected(engine, settings, store, selection)
    return day.report(chosen, calendar, rules, rows)


def timeliness_export(engine: SearchEngine, settings: Settings, store: StaffStore,
                      render: Callable[[TimelinessReport], bytes], selection: ReportSelection = ReportSelection()) -> bytes:
    """A download of the report, rendered once per day's assessment and selection: the first
    XLSX of a province takes a second or more, the same one again nothing."""
    day, chosen, calendar, rules = _selected(engine, settings, store, selection)
    key = (render, selection.unit, selection.date_from, selection.date_to)
    if key not in day.exports:
        day.exports[key] = render(day.report(chosen, calendar, rules))
    return day.exports[key]


def policy_evidence(engine: SearchEngine, policy_id: str) -> PolicyFacts | None:
    payload = engine.derived(FACTS_PRODUCT)
    if payload is not None:
        return find_facts(payload, policy_id)
    return next((f for f in _facts(engine) if f.id == policy_id), None)


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


UNIT_PAGE_SIZE = 20  # documents per page of a unit's lists


@dataclass
class UnitDetail:
    name: str
    aliases: tuple[str, ...]
    issued: list[Document]  # this page of the documents it issued, newest first
    issued_total: int
    tasks: list[UnitTask]  # its tasks in this page of the documents that name it 责任单位
    task_documents: int  # how many documents name it 责任单位
    issued_page: int = 1
    tasks_page: int = 1
    size: int = UNIT_PAGE_SIZE


def unit_detail(engine: SearchEngine, name: str, issued_page: int = 1, tasks_page: int = 1,
                size: int = UNIT_PAGE_SIZE) -> UnitDetail | None:
    """A unit's documents and tasks, a page of each: what the page shows is read from the
    index, never every document of the unit (a county government issues thousands)."""
    registry = default_registry()
    canonical = registry.canonical(name)
    issued_total, issued = engine.page(SearchQuery(publisher=canonical, sort="newest", page=issued_page, size=size))
    task_documents, named = engine.page(SearchQuery(responsible=canonical, sort="newest", page=tasks_page, size=size))
    tasks = []
    for document in named:
        for unit in document.units:
            if unit.name != canonical:
                continue
            co_units = [
                (other.name, other.role)
                for other in document.units
                if other.name != canonical and other.section == unit.section and other.task == unit.task
            ]
            tasks.append(UnitTask(document, unit.section, unit.task, unit.role, co_units))
    if not issued_total and not task_documents and canonical not in registry.units:
        return None
    return UnitDetail(canonical, registry.aliases(canonical), issued, issued_total, tasks, task_documents,
                      issued_page, tasks_page, size)
