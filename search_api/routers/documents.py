from fastapi import APIRouter, HTTPException, Path

from search_api.deps import EngineDep
from search_api.schemas import DocumentOut

router = APIRouter(prefix="/api/documents", tags=["documents"])

DocId = Path(pattern=r"^[0-9a-f]{16}$", description="document id, as search results give it")


@router.get("/{doc_id}", response_model=DocumentOut, summary="One document, whole")
def get_document(engine: EngineDep, doc_id: str = DocId) -> DocumentOut:
    """The document with its metadata, body, attachments (with extracted text), 责任单位, and
    its links: `interpretations` for a policy, `interprets` (the policies it explains) for an
    interpretation, each with the linked document's id."""
    document = engine.get(doc_id)
    if document is None:
        raise HTTPException(404, f"no document with id {doc_id}")
    return document
