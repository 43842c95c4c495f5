from datetime import date
from enum import Enum
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import Response

from analyzers.timeliness import DueItem, TimelinessReport, report_json
from search_api.auth import StaffDep, StaffStoreDep
from search_api.deps import EngineDep, SettingsDep
from search_api.exports import DUE_COLUMNS, evidence_csv, rows_csv, to_csv, to_ics, to_xlsx
from search_api.params import check_dates
from analyzers.workdays import load_calendar
from search_api.schemas import CalendarStatusOut, EvidenceOut, ScopeChange, ScopeDecisionOut, calendar_overview
from search_api.services import ReportSelection, policy_evidence, timeliness_export, timeliness_report

router = APIRouter(prefix="/api/reports", tags=["reports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DocId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]


class Format(str, Enum):
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


class TableFormat(str, Enum):
    json = "json"
    csv = "csv"


def _download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


Unit = Annotated[str | None, Query(max_length=100, description="发布机构; aliases work")]
AsOf = Annotated[date | None, Query(description="the day to count to (default today)")]


@router.get(
    "/timeliness",
    response_model=TimelinessReport,
    summary="Were interpretations published in time, by each policy's rule?",
    responses={200: {"content": {"text/csv": {}, XLSX: {}}}},
)
def timeliness(
    engine: EngineDep,
    settings: SettingsDep,
    store: StaffStoreDep,
    unit: Unit = None,
    date_from: Annotated[date | None, Query(alias="from", description="policies published on or after")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="policies published on or before")] = None,
    as_of: AsOf = None,
    workdays: Annotated[int | None, Query(ge=0, le=30, description="what-if: this many working days for every rule")] = None,
    format: Annotated[Format, Query(description="json, or a csv / xlsx download of the same rows")] = Format.json,  # noqa: A002
):
    """One row per policy, checked by its rule profile (`rules` quotes each rule's sentence and
    source): on time; late (published after the deadline: working days late, which may be 0,
    and calendar days late; 非工作日发布 flagged); missing (working and calendar days overdue as
    of `as_of`); pending; not required (no 文号, a type or 文号 the rule does not cover, a
    re-publication of an old document, or excluded by staff); undetermined (no date to count
    from). A deadline that counts days a holiday notice not yet loaded may move is `provisional`
    (暂定), with the reason. Every row lists all its interpretations and the raw store's first
    captures as evidence. Totals per unit (发布机构) and per month; `due`: deadlines within 7 days."""
    check_dates(date_from, date_to, as_of)
    if date_from and date_to and date_from > date_to:
        raise HTTPException(422, "from must not be after to")
    selection = ReportSelection(unit, date_from, date_to, as_of, workdays)
    if format is not Format.json:
        render, media_type = (to_csv, "text/csv; charset=utf-8") if format is Format.csv else (to_xlsx, XLSX)
        content = timeliness_export(engine, settings, store, render, selection)
        return _download(content, media_type, f"timeliness.{format.value}")
    result = timeliness_report(engine, settings, store, selection, rows=False)
    # Serialized here, once: FastAPI would dump and validate tens of thousands of rows again.
    return Response(report_json(result), media_type="application/json")


@router.get("/timeliness/due", response_model=list[DueItem], responses={200: {"content": {"text/csv": {}}}},
            summary="Interpretations due today, tomorrow and within 7 days, not yet published")
def due(engine: EngineDep, settings: SettingsDep, store: StaffStoreDep, unit: Unit = None, as_of: AsOf = None,
        format: Annotated[TableFormat, Query(description="json or csv")] = TableFormat.json):  # noqa: A002
    check_dates(as_of)
    items = timeliness_report(engine, settings, store, ReportSelection(unit, as_of=as_of), rows=False).due
    if format is TableFormat.csv:
        return _download(rows_csv(DUE_COLUMNS, items), "text/csv; charset=utf-8", "due.csv")
    return items


@router.get("/timeliness/due.ics", response_class=Response, responses={200: {"content": {"text/calendar": {}}}},
            summary="The due-soon queue as an iCalendar feed to subscribe to")
def due_feed(engine: EngineDep, settings: SettingsDep, store: StaffStoreDep, unit: Unit = None) -> Response:
    items = timeliness_report(engine, settings, store, ReportSelection(unit), rows=False).due
    name = f"政策解读到期提醒（{unit}）" if unit else "政策解读到期提醒"
    return Response(to_ics(items, name), media_type="text/calendar; charset=utf-8")


@router.get("/timeliness/evidence/{policy_id}", response_model=EvidenceOut, responses={404: {}, 200: {"content": {"text/csv": {}}}},
            summary="The raw store's captures of a policy and its interpretations")
def evidence(engine: EngineDep, policy_id: DocId,
             format: Annotated[TableFormat, Query(description="json or csv")] = TableFormat.json):  # noqa: A002
    """URLs, capture times and the SHA-256 of the stored bytes, beside the dates the pages claim."""
    facts = policy_evidence(engine, policy_id)
    if facts is None:
        raise HTTPException(404, f"no policy with id {policy_id}")
    if format is TableFormat.csv:
        return _download(evidence_csv(facts), "text/csv; charset=utf-8", f"evidence-{policy_id}.csv")
    return EvidenceOut(policy_id=facts.id, title=facts.title, url=facts.url, claimed_published=facts.published,
                       captures=facts.captures, interpretations=facts.interpretations,
                       crawl_interval_hours=facts.crawl_interval_hours, site_first_capture=facts.site_first_capture)


@router.get("/calendar", response_model=CalendarStatusOut, summary="Which years the holiday calendar covers, and from where")
def calendar_status(settings: SettingsDep) -> CalendarStatusOut:
    return calendar_overview(load_calendar(settings.calendar_dir))


STAFF_ONLY = {401: {"description": "no valid API token or session"}, 403: {"description": "CSRF check failed"}}


@router.put("/timeliness/scope/{doc_id}", response_model=ScopeDecisionOut, responses={404: {}, **STAFF_ONLY},
            summary="Include or exclude one policy from the check (staff)")
def set_scope(engine: EngineDep, store: StaffStoreDep, staff: StaffDep, change: ScopeChange,
              doc_id: DocId) -> ScopeDecisionOut:
    """Recorded with who, when and why in the audit log (`/api/staff/audit`)."""
    if engine.get(doc_id) is None:
        raise HTTPException(404, f"no document with id {doc_id}")
    decision = store.set_scope(doc_id, change.include, staff.name, change.reason)
    return ScopeDecisionOut(**vars(decision))


@router.delete("/timeliness/scope/{doc_id}", status_code=204, responses=STAFF_ONLY,
               summary="Back to the default scope rule (staff)")
def reset_scope(store: StaffStoreDep, staff: StaffDep, doc_id: DocId) -> Response:
    store.set_scope(doc_id, None, staff.name)
    return Response(status_code=204)
