from fastapi import APIRouter, HTTPException, Path

from search_api.deps import EngineDep
from search_api.params import UnitPage
from search_api.schemas import UnitDetailOut, UnitSummaryOut
from search_api.services import unit_detail, units_overview

router = APIRouter(prefix="/api/units", tags=["units"])


@router.get("", response_model=list[UnitSummaryOut], summary="Every unit: canonical name, aliases, counts")
def list_units(engine: EngineDep) -> list[UnitSummaryOut]:
    return [UnitSummaryOut.of(unit) for unit in units_overview(engine)]


@router.get("/{name:path}", response_model=UnitDetailOut, summary="What a unit issued, leads and cooperates on")
def get_unit(engine: EngineDep, name: str = Path(max_length=100, description="canonical name or alias"),
             issued_page: UnitPage = 1, tasks_page: UnitPage = 1) -> UnitDetailOut:
    """The documents the unit issued, and the tasks (policy, section, task text) it leads
    (牵头), cooperates on (配合) or is responsible for, with the other units on that task: each
    list a page of UNIT_PAGE_SIZE documents, with its total."""
    detail = unit_detail(engine, name, issued_page, tasks_page)
    if detail is None:
        raise HTTPException(404, f"no unit named {name} in the registry or the documents")
    return UnitDetailOut.of(detail)
