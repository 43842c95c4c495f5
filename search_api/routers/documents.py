from fastapi import APIRouter, HTTPException, Path, Query, Response

from analyzers.images import image_product
from analyzers.model import Document
from search_api.deps import EngineDep
from search_api.schemas import DocumentOut
from search_api.versions import DiffOut, VersionOut, diff, version_list

router = APIRouter(prefix="/api/documents", tags=["documents"])

DocId = Path(pattern=r"^[0-9a-f]{16}$", description="document id, as search results give it")


@router.get("/{doc_id}", response_model=DocumentOut, summary="One document, whole")
def get_document(engine: EngineDep, doc_id: str = DocId) -> DocumentOut:
    """The document with its metadata, body, attachments (with extracted text), 责任单位, and
    its links: `interpretations` for a policy, `interprets` (the policies it explains) for an
    interpretation, each with the linked document's id."""
    return _document(engine, doc_id)


def _document(engine, doc_id: str) -> Document:
    document = engine.get(doc_id)
    if document is None:
        raise HTTPException(404, f"no document with id {doc_id}")
    return document


@router.get("/{doc_id}/versions", response_model=list[VersionOut], summary="The texts a document has had")
def get_versions(engine: EngineDep, doc_id: str = DocId) -> list[VersionOut]:
    """Oldest first; the last is the current text. A page re-crawled with a changed title or text
    adds a version; one re-crawled unchanged does not."""
    return version_list(_document(engine, doc_id))


@router.get("/{doc_id}/diff", response_model=DiffOut, summary="What changed between two versions")
def get_diff(
    engine: EngineDep,
    doc_id: str = DocId,
    from_version: int | None = Query(None, alias="from", ge=1, description="default: the one before `to`"),
    to_version: int | None = Query(None, alias="to", ge=1, description="default: the current version"),
) -> DiffOut:
    document = _document(engine, doc_id)
    newest = len(document.versions) + 1
    to_version = to_version or newest
    from_version = from_version or max(1, to_version - 1)
    try:
        return diff(document, from_version, to_version)
    except KeyError as exc:
        raise HTTPException(404, f"document {doc_id} has versions 1 to {newest}, not {exc.args[0]}") from exc


@router.get("/{doc_id}/images/{number}", summary="An image of a document's body, from this server",
            response_class=Response, responses={200: {"content": {"image/png": {}, "image/jpeg": {}}}, 404: {}})
def get_image(engine: EngineDep, doc_id: str = DocId,
              number: int = Path(ge=0, le=99, description="its place among the document's `images`")) -> Response:
    """The stored bytes of the document's image, as crawled: PNG, JPEG, GIF or WebP only,
    recognized by their first bytes (never SVG); 404 for one that was not fetched or may not be
    served. The page it belongs to shows it from here, never from the site it came from."""
    document = _document(engine, doc_id)
    if number >= len(document.images) or not document.images[number].sha256:
        raise HTTPException(404, f"document {doc_id} has no stored image {number}")
    figure = document.images[number]
    payload = engine.derived(image_product(figure.sha256))
    if not payload:
        raise HTTPException(404, f"the image {number} of document {doc_id} is not in this index build")
    return Response(payload, media_type=figure.media_type,
                    headers={"Cache-Control": "public, max-age=86400", "Content-Disposition": "inline"})
