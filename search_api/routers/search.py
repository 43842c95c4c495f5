from fastapi import APIRouter

from search_api.deps import EngineDep
from search_api.params import SearchQueryDep
from search_api.schemas import Health, SearchResponse

router = APIRouter(prefix="/api", tags=["search"])


@router.get("/search", response_model=SearchResponse, summary="Search policies, interpretations and notices")
def search(query: SearchQueryDep, engine: EngineDep) -> SearchResponse:
    """Full-text search over titles, 文号, bodies and attachment text, with facet counts for
    domain, unit, year, type (公文种类) and kind. Snippets and titles are HTML-escaped; query
    matches are wrapped in `<em>`."""
    return SearchResponse.from_result(engine.search(query), query.page, query.size)


@router.get("/health", response_model=Health, summary="Liveness and index size")
def health(engine: EngineDep) -> Health:
    return Health(status="ok", documents=engine.count())
