"""Policy ↔ interpretation links across the whole corpus.

A policy's 相关解读 block links to its interpretations; an interpretation's 相关文件 block links
back. Either direction is enough: both documents get the link, resolved to document ids."""
from __future__ import annotations

from analyzers.model import DocKind, Document, InterpretationLink

FORM_ORDER = ("文字解读", "图解", "视频解读", "访谈解读", "媒体报道", "")


def _form_rank(link: InterpretationLink) -> tuple[int, str]:
    return (FORM_ORDER.index(link.form) if link.form in FORM_ORDER else len(FORM_ORDER), link.title)


def _as_link(doc: Document, form: str = "") -> InterpretationLink:
    return InterpretationLink(url=doc.url, title=doc.title, form=form or doc.interpretation_form, doc_id=doc.id)


def link_interpretations(documents: list[Document]) -> list[Document]:
    by_url = {doc.url: doc for doc in documents}
    explains: dict[str, dict[str, InterpretationLink]] = {}  # interpretation id → policy id → link
    explained_by: dict[str, dict[str, InterpretationLink]] = {}  # policy id → interpretation id → link

    def connect(policy: Document, interpretation: Document, form: str = "") -> None:
        explained_by.setdefault(policy.id, {})[interpretation.id] = _as_link(interpretation, form)
        explains.setdefault(interpretation.id, {})[policy.id] = _as_link(policy)

    for doc in documents:
        for link in doc.interpretations:
            target = by_url.get(link.url)
            if target is not None and target.kind is DocKind.interpretation:
                connect(doc, target, link.form)
        if doc.kind is DocKind.interpretation:
            for link in doc.interprets:
                target = by_url.get(link.url)
                if target is not None and target.kind is not DocKind.interpretation:
                    connect(target, doc)

    linked = []
    for doc in documents:
        unresolved_out = [l for l in doc.interpretations if l.url not in by_url]
        unresolved_back = [l for l in doc.interprets if l.url not in by_url]
        linked.append(
            doc.model_copy(
                update={
                    "interpretations": sorted(explained_by.get(doc.id, {}).values(), key=_form_rank)
                    + unresolved_out,
                    "interprets": list(explains.get(doc.id, {}).values()) + unresolved_back,
                }
            )
        )
    return linked
