from datetime import date
from enum import Enum
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import Response

from search_api.auth import StaffDep, StaffStoreDep
from search_api.deps import EngineDep, SettingsDep
from search_api.exports import to_csv, to_xlsx
from search_api.params import check_dates
from search_api.schemas import ScopeChange, ScopeDecisionOut, TimelinessReportOut
from search_api.services import timeliness_report

router = APIRouter(prefix="/api/reports", tags=["reports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DocId = Path(pattern=r"^[0-9a-f]{16}$")


class Format(str, Enum):
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


@router.get(
    "/timeliness",
    response_model=TimelinessReportOut,
    summary="Were interpretations published within N working days?",
    responses={200: {"content": {"text/csv": {}, XLSX: {}}}},
)
def timeliness(
    engine: EngineDep,
    settings: SettingsDep,
    store: StaffStoreDep,
    unit: Annotated[str | None, Query(max_length=100, description="发布机构; aliases work")] = None,
    date_from: Annotated[date | None, Query(alias="from", description="policies published on or after")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="policies published on or before")] = None,
    as_of: Annotated[date | None, Query(description="count overdue days up to this day (default today)")] = None,
    workdays: Annotated[int | None, Query(ge=1, le=30, description="deadline in working days (default 3)")] = None,
    format: Annotated[Format, Query(description="json, or a csv / xlsx download of the same rows")] = Format.json,  # noqa: A002
):
    """One row per policy: on time, late (by how many working days), missing (and how many
    working days overdue), pending, not required (no 文号 or not a normative type, or excluded
    by staff) or undetermined (a year the holiday calendar does not cover). Working days follow
    the official calendar with 调休 make-up days. Totals per unit (发布机构) and per month."""
    check_dates(date_from, date_to, as_of)
    if date_from and date_to and date_from > date_to:
        raise HTTPException(422, "from must not be after to")
    result = timeliness_report(engine, settings, store, unit, date_from, date_to, as_of, workdays)
    if format is Format.csv:
        return Response(to_csv(result), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="timeliness.csv"'})
    if format is Format.xlsx:
        return Response(to_xlsx(result), media_type=XLSX,
                        headers={"Content-Disposition": 'attachment; filename="timeliness.xlsx"'})
    return TimelinessReportOut.of(result)


STAFF_ONLY = {401: {"description": "no valid API token or session"}, 403: {"description": "CSRF check failed"}}


@router.put("/timeliness/scope/{doc_id}", response_model=ScopeDecisionOut, responses={404: {}, **STAFF_ONLY},
            summary="Include or exclude one policy from the check (staff)")
def set_scope(engine: EngineDep, store: StaffStoreDep, staff: StaffDep, change: ScopeChange,
              doc_id: str = DocId) -> ScopeDecisionOut:
    """Recorded with who, when and why in the audit log (`/api/staff/audit`)."""
    if engine.get(doc_id) is None:
        raise HTTPException(404, f"no document with id {doc_id}")
    decision = store.set_scope(doc_id, change.include, staff.name, change.reason)
    return ScopeDecisionOut(**vars(decision))


@router.delete("/timeliness/scope/{doc_id}", status_code=204, responses=STAFF_ONLY,
               summary="Back to the default scope rule (staff)")
def reset_scope(store: StaffStoreDep, staff: StaffDep, doc_id: str = DocId) -> Response:
    store.set_scope(doc_id, None, staff.name)
    return Response(status_code=204)
