"""A realistic synthetic corpus of policy documents for benchmarks.

Sentences come from the real documents bundled in sample_site/corpus (the two local documents
and fifteen State Council pages) and from the sample site's own pages; units, domains, years,
kinds and 文号 follow skewed, realistic distributions (a few units and domains issue most
documents; recent years dominate). Deterministic for a seed."""
from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from pathlib import Path

from analyzers.html_text import element_text, parse_html
from analyzers.model import DocKind, Document, InterpretationLink, LinkMethod, UnitRole, document_id
from analyzers.segment import query_words

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = ["综合政务", "民政、扶贫、救灾", "科技、教育", "卫生、体育", "城乡建设、环境保护", "财政、金融、审计",
           "农业、林业、水利", "工业、交通", "劳动、人事、监察", "商贸、海关、旅游", "市场监管、安全生产监管",
           "公安、安全、司法", "国土资源、能源", "文化、广电、新闻出版", "国民经济管理、国有资产监管"]
TYPES = ["通知", "意见", "办法", "方案", "决定", "通告", "规定", "批复", "函"]
AREAS = ["泉港区", "泉州市", "丰泽区", "鲤城区", "洛江区", "晋江市", "石狮市", "南安市", "惠安县", "安溪县", "永春县",
         "德化县", "福建省"]
DEPARTMENTS = ["人民政府办公室", "人民政府", "民政局", "教育局", "财政局", "卫生健康委员会", "生态环境局", "住房和城乡建设局",
               "交通运输局", "农业农村局", "市场监督管理局", "应急管理局", "人力资源和社会保障局", "文化和旅游局", "医疗保障局"]
TOPIC_PATTERNS = ["进一步做好{}{}工作", "加强{}{}管理", "推进{}{}建设", "印发{}{}实施方案", "开展{}{}专项行动",
                  "做好{}{}有关事项", "完善{}{}机制", "落实{}{}政策"]
NUMBER_PREFIXES = ["泉港政办", "泉港政", "泉港民", "泉港教", "泉港卫计", "泉港环", "泉港财", "国办发", "国发", "闽政办",
                   "闽政", "泉政办", "泉政文", "泉民"]
_SENTENCE = re.compile(r"[^。；！？\n]{8,160}[。；！？]")
_TOPIC = re.compile(r"关于(.{4,40}?)的(?:通知|意见|办法|方案|决定|指导意见|批复|实施意见)")


def _real_texts() -> list[str]:
    corpus = ROOT / "sample_site" / "corpus"
    texts = [p.read_text(encoding="utf-8") for p in corpus.glob("*.txt")]
    for page in sorted((corpus / "govcn-2019").glob("a_*.html")):
        texts.append(element_text(parse_html(page.read_text(encoding="utf-8")).select_one("#UCAP-CONTENT")))
    for page in sorted((ROOT / "sample_site" / "www").rglob("t*_*.htm")):
        raw = page.read_bytes()
        html = raw.decode("gb18030") if b'charset="gbk"' in raw[:400] else raw.decode("utf-8")
        texts.append(element_text(parse_html(html).select_one(".TRS_Editor")))
    return texts


def _zipf_choice(rng: random.Random, items: list, s: float = 1.1):
    weights = [1 / (i + 1) ** s for i in range(len(items))]
    return rng.choices(items, weights)[0]


class CorpusGenerator:
    def __init__(self, seed: int = 7):
        self.rng = random.Random(seed)
        texts = _real_texts()
        self.sentences = sorted({m.group(0).strip() for t in texts for m in _SENTENCE.finditer(t)})
        nouns = sorted({w for s in self.sentences for w in query_words(s) if 2 <= len(w) <= 4 and w.isalpha()})
        real_topics = sorted({m.group(1) for t in texts for m in _TOPIC.finditer(t)})
        made_topics = {
            self.rng.choice(TOPIC_PATTERNS).format(self.rng.choice(nouns), self.rng.choice(nouns)) for _ in range(3000)
        }
        self.topics = real_topics + sorted(made_topics)
        self.units = [area + department for area in AREAS for department in DEPARTMENTS]
        self.rng.shuffle(self.units)

    def _date(self) -> datetime:
        year = _zipf_choice(self.rng, list(range(2024, 2009, -1)), 0.6)
        return datetime(year, 1, 1, 9) + timedelta(days=self.rng.randrange(365), minutes=self.rng.randrange(540))

    def _body(self, chars: int) -> str:
        lines: list[str] = []
        total = 0
        while total < chars:
            sentence = self.rng.choice(self.sentences)
            lines.append(sentence)
            total += len(sentence)
        return "\n".join(lines)

    def document(self, n: int, policies: list[Document]) -> Document:
        rng = self.rng
        kind = rng.choices([DocKind.policy, DocKind.interpretation, DocKind.notice], [80, 15, 5])[0]
        publisher = _zipf_choice(rng, self.units)
        published = self._date()
        topic = rng.choice(self.topics)
        doc_type = _zipf_choice(rng, TYPES)
        url = f"http://bench.example.gov.cn/zwgk/{published:%Y%m}/t{published:%Y%m%d}_{n}.htm"
        domain = _zipf_choice(rng, DOMAINS)
        common = dict(
            id=document_id(url), url=url, site="bench", publisher=publisher, published_at=published,
            domains=[domain], body=self._body(rng.randint(600, 1400)), content_hash=str(n),
        )
        if kind is DocKind.interpretation and policies:
            policy = rng.choice(policies[-2000:])
            link = InterpretationLink(url=policy.url, title=policy.title, doc_id=policy.id, method=LinkMethod.backlink)
            return Document(kind=kind, title=f"《{policy.title}》政策解读", interpretation_form="文字解读",
                            interprets=[link], **common)
        if kind is DocKind.notice:
            return Document(kind=kind, title=f"关于{topic}的通知", doc_type="通知", **common)
        number = f"{_zipf_choice(rng, NUMBER_PREFIXES)}〔{published.year}〕{rng.randint(1, 200)}号"
        units = [UnitRole(name=u, as_written=u, role=role, section=topic[:12])
                 for u, role in ((_zipf_choice(rng, self.units), "牵头"), (_zipf_choice(rng, self.units), "配合"))]
        return Document(kind=kind, title=f"{publisher}关于{topic}的{doc_type}", doc_number=number, doc_type=doc_type,
                        units=units, **common)

    def documents(self, count: int) -> list[Document]:
        made: list[Document] = []
        policies: list[Document] = []
        for n in range(count):
            doc = self.document(n, policies)
            made.append(doc)
            if doc.kind is DocKind.policy:
                policies.append(doc)
        return made
