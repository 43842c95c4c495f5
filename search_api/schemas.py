"""Response models: the API's contract, as OpenAPI publishes it."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field
from pydantic_core import to_json

from analyzers.model import Document, LocalDateTime
from analyzers.timeliness import Capture, InterpretationFacts
from analyzers.workdays import WorkCalendar
from indexer.base import Hit, SearchResult
from search_api.services import UnitDetail, UnitSummary


class LinkedInterpretation(BaseModel):
    id: str
    title: str
    form: str
    published_at: LocalDateTime | None


class ResultItem(BaseModel):
    id: str
    title: str
    title_html: str = Field(description="title, HTML-escaped, query matches in <em>")
    doc_number: str
    publisher: str
    published_at: LocalDateTime | None
    kind: str
    snippet: str = Field(description="best passage, HTML-escaped, query matches in <em>; 【附件：…】 when it is from an attachment")
    url: str = Field(description="the page on the government site")
    related: list["ResultItem"] = Field(
        default_factory=list, description="interpretations of this policy that the query also found, shown under it"
    )
    interpretations: list[LinkedInterpretation] = Field(
        default_factory=list, description="all interpretation materials linked to this policy"
    )

    @staticmethod
    def fields_of(hit: Hit) -> dict:
        """The item as plain data, in the model's field order."""
        doc = hit.document
        return {
            "id": doc.id, "title": doc.title, "title_html": hit.title_html, "doc_number": doc.doc_number,
            "publisher": doc.publisher, "published_at": doc.published_at, "kind": doc.kind.value,
            "snippet": hit.snippet, "url": doc.url, "related": [ResultItem.fields_of(r) for r in hit.related],
            "interpretations": [
                {"id": l.doc_id, "title": l.title, "form": l.form, "published_at": l.published_at}
                for l in doc.interpretations if l.doc_id
            ],
        }


class FacetValue(BaseModel):
    value: str
    count: int


class SearchResponse(BaseModel):
    total: int
    page: int
    size: int
    words: list[str] = Field(description="the query as segmented, as it was searched")
    understood: str = Field(description="how the query was read, in Chinese: terms, phrases, fields, synonyms, dates")
    notes: list[str] = Field(description="parts of the query that were malformed and how they were read instead")
    expansions: dict[str, list[str]] = Field(description="synonyms and aliases searched for each term")
    did_you_mean: list[str] = Field(description="queries that find something, when this one found nothing")
    results: list[ResultItem]
    facets: dict[str, list[FacetValue]] = Field(description="counts for domain, publisher (发布机构), responsible (责任单位), year, type and kind; domain counts each top category of the gov.cn tree (科技、教育) and each subcategory under its path (科技、教育/教育)")

    @staticmethod
    def fields_of(result: SearchResult, page: int, size: int) -> dict:
        return {
            "total": result.total,
            "page": page,
            "size": size,
            "words": result.words,
            "understood": result.plan.describe(),
            "notes": list(result.plan.notes),
            "expansions": {t.text: list(t.synonyms) for t in result.plan.positive if t.synonyms},
            "did_you_mean": result.did_you_mean,
            "results": [ResultItem.fields_of(h) for h in result.hits],
            "facets": {
                name: [{"value": f.value, "count": f.count} for f in values] for name, values in result.facets.items()
            },
        }

    @classmethod
    def json_of(cls, result: SearchResult, page: int, size: int) -> bytes:
        """The response as JSON, serialized straight from plain data in pydantic-core: it is all
        made by zhengce in the model's field order, and validating it as the model first cost
        more than a tenth of a search's CPU (tests.test_api checks the two agree)."""
        return to_json(cls.fields_of(result, page, size))


DocumentOut = Document


class Health(BaseModel):
    status: str
    documents: int


class EvidenceOut(BaseModel):
    """What the raw store holds of a policy and its interpretations: every capture of their pages
    with its time and the SHA-256 of the bytes, beside the dates the pages claim."""

    policy_id: str
    title: str
    url: str
    claimed_published: date | None
    captures: list[Capture]
    interpretations: list[InterpretationFacts]
    crawl_interval_hours: float
    site_first_capture: datetime | None


class CalendarYearOut(BaseModel):
    year: int
    source: str = Field(description="内置 (shipped) or the deployment's file")
    days: int
    papers: list[str]


class CalendarStatusOut(BaseModel):
    years: list[CalendarYearOut]
    settled_through: date | None = Field(description="last day no notice still to come can move")
    missing_years: list[int] = Field(description="years between the first and the last without a file")
    problems: list[str] = Field(description="files that were skipped, and why")


def calendar_overview(calendar: WorkCalendar) -> CalendarStatusOut:
    years = calendar.covered_years
    gaps = [y for y in range(years[0], years[-1] + 1) if y not in calendar.years] if years else []
    return CalendarStatusOut(
        years=[CalendarYearOut(year=y, source=calendar.years[y].source, days=len(calendar.years[y].days),
                               papers=list(calendar.years[y].papers)) for y in years],
        settled_through=calendar.settled_through, missing_years=gaps, problems=calendar.problems,
    )


class ScopeChange(BaseModel):
    include: bool = Field(description="true: the policy needs an interpretation; false: it does not")
    reason: str = Field("", max_length=500, description="why, for the audit log and the report")


class ScopeDecisionOut(BaseModel):
    doc_id: str
    include: bool
    decided_by: str
    decided_at: datetime
    reason: str


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor: str = Field(description="the staff member, or 命令行 / 导入 for changes made outside the API")
    action: str = Field(description="scope.include, scope.exclude, scope.reset, scope.import, staff.add, session.open …")
    target: str = Field(description="the document id or account the change concerns")
    detail: dict


class StaffOut(BaseModel):
    name: str
    via: str = Field(description="token (Authorization: Bearer) or session (signed in with the browser)")


class UnitSummaryOut(BaseModel):
    name: str
    aliases: list[str]
    documents: int = Field(description="documents naming the unit as publisher or 责任单位")
    issued: int
    leads: int = Field(description="documents where it leads (牵头) a task")
    cooperates: int = Field(description="documents where it cooperates (配合)")
    responsible: int = Field(description="documents where it is responsible (负责) with no role stated")

    @classmethod
    def of(cls, unit: UnitSummary) -> "UnitSummaryOut":
        return cls(
            name=unit.name, aliases=list(unit.aliases), documents=unit.documents, issued=unit.issued,
            leads=unit.roles.get("牵头", 0), cooperates=unit.roles.get("配合", 0), responsible=unit.roles.get("负责", 0),
        )


class DocumentRef(BaseModel):
    id: str
    title: str
    doc_number: str
    published_at: LocalDateTime | None
    url: str

    @classmethod
    def of(cls, doc: Document) -> "DocumentRef":
        return cls(id=doc.id, title=doc.title, doc_number=doc.doc_number, published_at=doc.published_at, url=doc.url)


class CoUnit(BaseModel):
    name: str
    role: str


class UnitTaskOut(BaseModel):
    policy: DocumentRef
    section: str
    task: str
    role: str
    co_units: list[CoUnit]


class UnitDetailOut(BaseModel):
    name: str
    aliases: list[str]
    issued: list[DocumentRef] = Field(description="page `issued_page` of the documents it issued, newest first")
    issued_total: int = Field(description="documents it issued")
    issued_page: int
    tasks: list[UnitTaskOut] = Field(description="its tasks in page `tasks_page` of the documents naming it 责任单位")
    task_documents: int = Field(description="documents naming it 责任单位")
    tasks_page: int
    size: int = Field(description="documents per page of either list")

    @classmethod
    def of(cls, unit: UnitDetail) -> "UnitDetailOut":
        return cls(
            name=unit.name,
            aliases=list(unit.aliases),
            issued=[DocumentRef.of(d) for d in unit.issued],
            issued_total=unit.issued_total,
            issued_page=unit.issued_page,
            task_documents=unit.task_documents,
            tasks_page=unit.tasks_page,
            size=unit.size,
            tasks=[
                UnitTaskOut(
                    policy=DocumentRef.of(t.policy), section=t.section, task=t.task, role=t.role,
                    co_units=[CoUnit(name=n, role=r) for n, r in t.co_units],
                )
                for t in unit.tasks
            ],
        )


class SuggestionOut(BaseModel):
    kind: str = Field(description="unit, doc_number or title")
    text: str
    id: str | None = Field(description="the document, for doc_number and title suggestions")
