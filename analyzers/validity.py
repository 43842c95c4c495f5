"""Validity (效力): is a document still in force? From what the page says of itself — a 有效性
cell, a （已废止） mark, 本办法已失效, a 有效期 — and from what other documents say of it:
《…》（…号）同时废止 in a newer document repeals the older one; 对《…》作如下修改 revises it."""
from __future__ import annotations

import re
from datetime import date

from analyzers.dates import find_date
from analyzers.doc_number import doc_number_key, find_doc_numbers
from analyzers.model import Document, Validity

STATUSES = ("废止", "失效", "已修订", "有效")
_MARK = re.compile(r"[（(【\[]\s*(?:已|已经)?(废止|失效|修订)\s*[）)】\]]")
_SELF = re.compile(
    r"(?:本(?:文件|通知|办法|规定|意见|决定|细则|方案|条例|规划|规范性文件)|此件|该文件)"
    r"(?:已|现已|已经)(?:被[^。，；]{0,60}?)?(废止|失效|修订)"
)
_SENTENCE = re.compile(r"[^。；;\n]+")
_QUOTED = re.compile(r"(根据|依据|按照|依照|贯彻|落实)?\s*《([^《》]{4,80})》\s*(?:[（(]([^（）()]{2,40}?号)[）)])?")
_REPEAL_VERB = re.compile(r"废止|停止执行|不再执行")
_REVISE_VERB = re.compile(r"作如下修改|作出如下修改|修订如下|予以修订|修正如下")
_UNTIL = re.compile(r"有效期(?:至|到|截至)\s*((?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)")
_YEARS = re.compile(r"自\s*((?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*起施行[^。]{0,12}?有效期\s*(?:为)?\s*([1-9一二三四五六七八九十])\s*年")
_HANZI = "一二三四五六七八九十"


def _status(word: str) -> str:
    return "已修订" if "修" in word else word


def _named_documents(sentence: str, verb: re.Pattern) -> list[str]:
    """The 《titles》 (with their 文号) a sentence applies a verb to, not those it cites as basis."""
    if not verb.search(sentence):
        return []
    named = []
    for match in _QUOTED.finditer(sentence[: verb.search(sentence).start()] if verb is _REVISE_VERB else sentence):
        if match.group(1):
            continue
        named.append(f"《{match.group(2)}》" + (f"（{match.group(3)}）" if match.group(3) else ""))
    return named


def repeals_and_revisions(body: str) -> tuple[list[str], list[str]]:
    """Documents the body declares repealed, and documents it revises."""
    repealed, revised = [], []
    for sentence in _SENTENCE.findall(body):
        if _SELF.search(sentence):
            continue
        repealed += _named_documents(sentence, _REPEAL_VERB)
        revised += _named_documents(sentence, _REVISE_VERB)
    return repealed, revised


def _valid_until(body: str) -> date | None:
    until = _UNTIL.search(body)
    if until:
        return find_date(until.group(1))
    years = _YEARS.search(body)
    if years:
        start = find_date(years.group(1))
        count = _HANZI.index(years.group(2)) + 1 if years.group(2) in _HANZI else int(years.group(2))
        if start:
            try:
                return start.replace(year=start.year + count)
            except ValueError:  # 29 February
                return start.replace(year=start.year + count, day=28)
    return None


def own_validity(stated: str, title: str, body: str, today: date | None = None) -> Validity | None:
    """What the page says of its own validity: a table cell, a mark by the title, a sentence, a 有效期."""
    for word in STATUSES:
        if word.replace("已", "") in stated:
            return Validity(status=_status(word), statement=stated)
    mark = _MARK.search(title) or _MARK.search(body[:200])
    if mark:
        return Validity(status=_status(mark.group(1)), statement=mark.group(0))
    for sentence in _SENTENCE.findall(body):
        found = _SELF.search(sentence)
        if found:
            return Validity(status=_status(found.group(1)), statement=sentence.strip())
    until = _valid_until(body)
    if until:
        expired = until < (today or date.today())
        return Validity(status="失效" if expired else "有效", statement=f"有效期至{until.isoformat()}", valid_until=until)
    return None


def _reference_keys(reference: str) -> set[str]:
    keys = {re.sub(r"[\s《》]", "", reference.split("》")[0])}
    numbers = find_doc_numbers(reference)
    if numbers:
        keys.add(doc_number_key(numbers[0]))
    return keys


def apply_repeals(documents: list[Document]) -> list[Document]:
    """Mark the documents that others repeal or revise; a repeal outranks a revision."""
    by_key: dict[str, list[Document]] = {}
    for doc in documents:
        by_key.setdefault(re.sub(r"\s", "", doc.title), []).append(doc)
        if doc.doc_number:
            by_key.setdefault(doc_number_key(doc.doc_number), []).append(doc)
    for status in ("已修订", "废止"):  # all revisions first, so any repeal has the last word
        for source in documents:
            by = source.doc_number or f"《{source.title}》"
            for reference in source.revises if status == "已修订" else source.repeals:
                targets = {id(t): t for key in _reference_keys(reference) for t in by_key.get(key, ()) if t is not source}
                for target in targets.values():
                    target.validity = Validity(status=status, statement=f"{by} 载明：{reference}{status}", by=by)
    return documents


def judge_expiry(documents: list[Document], today: date | None = None) -> list[Document]:
    """A stated 有效期 judged against today, not the day its page was analyzed: a page analyzed
    once and kept (an update re-analyzes only what changed) is still right when it expires."""
    today = today or date.today()
    for doc in documents:
        validity = doc.validity
        if validity and validity.valid_until and not validity.by and validity.statement == f"有效期至{validity.valid_until.isoformat()}":
            status = "失效" if validity.valid_until < today else "有效"
            if status != validity.status:
                doc.validity = validity.model_copy(update={"status": status})
    return documents
