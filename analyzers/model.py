"""The one document model shared by every stage: analyzers build it, the indexer stores it,
the API and UI show it. A field is defined here and nowhere else."""
from __future__ import annotations

import hashlib
from datetime import date, datetime
from enum import Enum

from typing import Annotated

from pydantic import BaseModel, Field, WithJsonSchema


# A time as the page prints it: local (China Standard Time), without an offset. JSON Schema's
# "date-time" requires an offset, so the contract says what it really is.
LocalDateTime = Annotated[datetime, WithJsonSchema({
    "type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$",
    "description": "local time as published (China Standard Time), ISO 8601 without offset",
})]


class DocKind(str, Enum):
    policy = "policy"
    interpretation = "interpretation"
    notice = "notice"


KIND_LABELS = {DocKind.policy: "政策文件", DocKind.interpretation: "政策解读", DocKind.notice: "通知公告"}
# Words naming an interpretation's form, as pages and people write them → the form zhengce records.
INTERPRETATION_FORMS = {
    "文字解读": "文字解读",
    "图片解读": "图解",
    "图解": "图解",
    "图表解读": "图解",
    "视频解读": "视频解读",
    "访谈解读": "访谈解读",
    "在线访谈": "访谈解读",
    "媒体报道": "媒体报道",
    "媒体解读": "媒体报道",
}


class UnitRole(BaseModel):
    """A unit named as responsible for one task section of a document."""

    name: str = Field(description="canonical name from the unit registry (as written when it has none)")
    as_written: str = Field("", description="the name as the document prints it, prefix inherited")
    role: str = Field(description="牵头 (leads), 配合 (cooperates) or 负责 (responsible, no role stated)")
    section: str = Field("", description="heading of the task section the unit is named in")
    task: str = Field("", description="text of the task the section assigns")


class Abbreviation(BaseModel):
    """A short name a document defines for something: “……（以下简称“X”）”."""

    short: str
    full: str
    local: bool = Field(False, description="only the tail of its full form (《方案》): a reference within the document")


class Attachment(BaseModel):
    name: str
    url: str
    text: str = ""
    error: str = Field("", description="why no text could be extracted, empty when it was")


class Figure(BaseModel):
    """An image of the body (a 图解's infographic), kept in the raw store like an attachment and
    served from zhengce's own server, never hot-linked."""

    url: str = Field(description="where the page took it from")
    alt: str = ""
    caption: str = Field("", description="its figcaption or title, when the page gives one")
    media_type: str = Field("", description="image/png, image/jpeg, image/gif or image/webp; empty when not stored")
    sha256: str = Field("", description="of the stored bytes; empty when the image was not fetched or is not served")


class LinkMethod(str, Enum):
    hyperlink = "hyperlink"  # the policy's 相关解读 block links to the interpretation
    backlink = "backlink"  # the interpretation's 相关文件 block links to the policy
    doc_number = "doc_number"  # the interpretation cites the policy's 文号
    quoted_title = "quoted_title"  # the interpretation quotes the policy's 《title》
    similarity = "similarity"  # nothing explicit: the texts are alike and the dates fit


class InterpretationLink(BaseModel):
    """A link between a policy and an interpretation, from either side."""

    url: str
    title: str = ""
    form: str = Field("", description="文字解读, 图解, 视频解读, 访谈解读 or 媒体报道")
    doc_id: str | None = Field(None, description="id of the linked document once it is indexed")
    published_at: LocalDateTime | None = None
    method: LinkMethod = Field(LinkMethod.hyperlink, description="how the link was found")
    confidence: float = Field(1.0, ge=0, le=1, description="1.0 for explicit links")


class Validity(BaseModel):
    """Whether a document is still in force, and the words that say so."""

    status: str = Field(description="有效, 失效, 废止 or 已修订")
    statement: str = Field("", description="the sentence or table cell that says so")
    by: str = Field("", description="文号 or 《title》 of the document that repealed or revised it")
    valid_until: date | None = Field(None, description="end of a stated 有效期")


class Version(BaseModel):
    """An earlier text of a page that has since changed; the document holds the newest."""

    number: int = Field(description="1 for the first text fetched")
    fetched_at: datetime | None = None
    content_hash: str
    title: str
    body: str


class Document(BaseModel):
    id: str
    url: str = Field(description="the canonical URL; the document's id derives from it")
    urls: list[str] = Field(default_factory=list, description="every URL the document was found at")
    site: str
    kind: DocKind
    title: str
    doc_number: str = Field("", description="文号, as printed")
    index_number: str = Field("", description="索引号")
    publisher: str = Field("", description="发布机构 / 发文机关")
    written_date: date | None = Field(None, description="生成日期 / 成文日期")
    published_at: LocalDateTime | None = Field(None, description="发布日期 with time when the page gives one")
    domains: list[str] = Field(default_factory=list, description="主题分类 in the gov.cn tree: paths (科技、教育/教育) or top categories (analyzers.domains)")
    domains_as_written: str = Field("", description="the site's own 主题分类 as written (民政、扶贫、救灾\\社会救助): searched, not a facet")
    doc_type: str = Field("", description="公文种类: 通知, 意见, 办法 …")
    source: str = Field("", description="来源, where the site says the text comes from")
    column: str = Field("", description="the site column the document was found in (政策文件, 政策解读 …)")
    interpretation_form: str = Field("", description="for an interpretation: 文字解读, 图解 …")
    units: list[UnitRole] = Field(default_factory=list)
    abbreviations: list[Abbreviation] = Field(default_factory=list, description="short names the document defines (以下简称…)")
    body: str = ""
    attachments: list[Attachment] = Field(default_factory=list)
    images: list[Figure] = Field(default_factory=list, description="images of the body, in order")
    interpretations: list[InterpretationLink] = Field(
        default_factory=list, description="for a policy: its interpretation materials"
    )
    interprets: list[InterpretationLink] = Field(
        default_factory=list, description="for an interpretation: the policies it explains"
    )
    content_hash: str = ""
    fetched_at: datetime | None = None
    validity: Validity | None = None
    repeals: list[str] = Field(
        default_factory=list, description="《title》 or 文号 of documents this one declares repealed (废止)"
    )
    revises: list[str] = Field(default_factory=list, description="《title》 or 文号 of documents this one revises")
    withdrawn_at: datetime | None = Field(None, description="when the page was found gone (HTTP 404/410)")
    versions: list[Version] = Field(default_factory=list, description="earlier texts of the page, oldest first")
    truncated: list[str] = Field(
        default_factory=list, description="what of the page or its attachments was left out of the index, and why"
    )

    @property
    def year(self) -> int | None:
        when = self.published_at or self.written_date
        return when.year if when else None

    @property
    def unit_names(self) -> list[str]:
        """Every unit the document names: the publisher first, then 责任单位 without repeats."""
        names = [self.publisher] if self.publisher else []
        for unit in self.units:
            if unit.name not in names:
                names.append(unit.name)
        return names


def document_id(url: str) -> str:
    """Stable id from the page URL, so a re-crawl or re-index keeps every link valid."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]
