"""Staff-only JSON: who is signed in, and the audit log of every staff change."""
from typing import Annotated

from fastapi import APIRouter, Query

from search_api.auth import StaffDep, StaffStoreDep
from search_api.schemas import AuditEntryOut, StaffOut

router = APIRouter(prefix="/api/staff", tags=["staff"],
                   responses={401: {"description": "no valid API token or session"}})


@router.get("/me", response_model=StaffOut, summary="The staff member this request authenticates as")
def me(staff: StaffDep) -> StaffOut:
    return StaffOut(name=staff.name, via=staff.via)


@router.get("/audit", response_model=list[AuditEntryOut], summary="Audit log of staff changes, newest first")
def audit(
    staff: StaffDep,
    store: StaffStoreDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[int | None, Query(ge=1, le=2**62, description="page back: entries with a smaller id")] = None,
) -> list[AuditEntryOut]:
    return [AuditEntryOut(**vars(entry)) for entry in store.audit_log(limit, before)]
