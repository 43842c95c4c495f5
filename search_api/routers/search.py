from itertools import islice
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from search_api import services
from search_api.deps import CacheDep, EngineDep
from search_api.exports import SEARCH_EXPORT_LIMIT, rows_csv, search_columns
from search_api.params import SearchQueryDep
from search_api.schemas import Health, SearchResponse, SuggestionOut

router = APIRouter(prefix="/api", tags=["search"])


@router.get("/search", response_model=SearchResponse, summary="Search policies, interpretations and notices")
async def search(query: SearchQueryDep, engine: EngineDep, cache: CacheDep) -> Response:
    # async on purpose: a search is a few ms of CPU under the GIL; running it on the event loop
    # instead of handing it to the thread pool measured ~25% more searches/s (2 workers, 2 cores).
    # Long scans (reports, unit pages) stay plain functions, in the thread pool.
    """Full-text search over titles, 文号, bodies and attachment text, with facet counts for
    domain, publisher (发布机构), responsible (责任单位), year, type (公文种类) and kind; a facet
    with values chosen is counted as if none were, so its other values can be added (OR). Any 2+ character text that appears verbatim in
    a document finds it. Syntax: `"phrase"`, `-exclude`, `a OR b`, `标题:` `文号:` `单位:`
    `领域:`, `发布:2016-01-01..2016-12-31`; malformed syntax is read as plain words (see
    `notes`). Snippets and titles are HTML-escaped; query matches are wrapped in `<em>`.
    Interpretations found with their policy are nested under it in `related`."""
    key = (engine.generation(), query)
    body = cache.get(key)
    if body is None:
        # Serialized here: returning the model would make FastAPI validate it all again.
        body = SearchResponse.json_of(services.search(engine, query), query.page, query.size)
        cache.put(key, body)
    return Response(body, media_type="application/json")


@router.get("/search.csv", summary="A search's results as CSV", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
def search_csv(request: Request, query: SearchQueryDep, engine: EngineDep) -> Response:
    """Every result of the same search and filters (not one page): newest first, or oldest first
    with `sort=oldest`; when more than 10,000 match, the newest 10,000. UTF-8 with a BOM, for
    Excel; cells that could start a formula are quoted. `page` and `size` are ignored."""
    found = list(islice(engine.documents(query), SEARCH_EXPORT_LIMIT))
    if query.sort == "oldest":
        found.reverse()
    site = str(request.base_url).rstrip("/")
    return Response(rows_csv(search_columns(site), found), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="search.csv"'})


@router.get("/suggest", response_model=list[SuggestionOut], summary="As-you-type completion")
def suggest(engine: EngineDep, q: Annotated[str, Query(max_length=50)] = "") -> list[SuggestionOut]:
    """Unit names (and aliases), 文号 and titles containing what has been typed (2+ characters)."""
    return [SuggestionOut(kind=s.kind, text=s.text, id=s.doc_id) for s in services.suggest(engine, q)]


@router.get("/health", response_model=Health, summary="Liveness and index size")
def health(engine: EngineDep) -> Health:
    return Health(status="ok", documents=engine.count())
