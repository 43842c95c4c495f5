"""Precision and recall of the analyzers against labelled pages.

The labels (tests/data/extraction/labels.toml) cover every page of the sample site and a set of
held-out pages written after the extractors (tests/data/extraction/pages). The pages go through
the same path as a crawl: into a raw store, then zhengce.pipeline.analyze_store.

Run: .venv/bin/python -m bench.extraction"""
from __future__ import annotations

import tempfile
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from crawler.raw_store import RawStore
from zhengce.pipeline import analyze_store

REPO = Path(__file__).resolve().parent.parent
LABELS = REPO / "tests" / "data" / "extraction" / "labels.toml"
PAGE_ROOTS = (REPO / "sample_site" / "www", REPO / "tests" / "data" / "extraction" / "pages")
SITE, BASE_URL = "quangang_sample", "http://127.0.0.1:8001/"
TARGETS = {
    "interpretation links": ("precision", 0.95, "recall", 0.9),
    "责任单位 with role": ("f1", 0.9, None, None),
    "文号": ("exact", 0.95, None, None),
    "dates": ("exact", 0.95, None, None),
}


@dataclass
class Score:
    name: str
    correct: int
    predicted: int
    expected: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def exact(self) -> float:
        return self.correct / self.expected if self.expected else 1.0

    def meets_target(self) -> bool:
        target = TARGETS.get(self.name)
        if target is None:
            return True
        first, first_min, second, second_min = target
        return getattr(self, first) >= first_min and (second is None or getattr(self, second) >= second_min)


def _charsets(root: Path) -> dict[str, str]:
    table = root / ".charsets"
    if not table.is_file():
        return {}
    return dict(line.split() for line in table.read_text().splitlines() if line.strip())


def _store_pages(store: RawStore, labels: list[dict]) -> None:
    for label in labels:
        for root in PAGE_ROOTS:
            file = root / label["path"]
            if file.is_file():
                charset = _charsets(root).get(label["path"], "utf-8")
                url = BASE_URL + label["path"]
                store.put(SITE, url, url, 200, {"content-type": [f"text/html; charset={charset}"]}, file.read_bytes())
                break
        else:
            raise FileNotFoundError(f"labelled page {label['path']} is in neither {PAGE_ROOTS}")


def _path(url: str) -> str:
    return url.removeprefix(BASE_URL)


def evaluate() -> list[Score]:
    labels = tomllib.loads(LABELS.read_text(encoding="utf-8"))["page"]
    with tempfile.TemporaryDirectory() as tmp, RawStore(Path(tmp) / "raw.sqlite3") as store:
        _store_pages(store, labels)
        documents = {_path(d.url): d for d in analyze_store(store).documents}
    by_path = {label["path"]: label for label in labels}

    gold_links = {(l["path"], p) for l in labels for p in l.get("explains", [])}
    found_links = {
        (path, _path(link.url))
        for path, doc in documents.items()
        for link in doc.interprets
        if link.doc_id
    }
    interpretations = [l for l in labels if l["kind"] == "interpretation"]
    form_correct = sum(documents[l["path"]].interpretation_form == l["form"] for l in interpretations if l["path"] in documents)
    gold_units = Counter((l["path"], *u.rsplit(" ", 1)) for l in labels for u in l["units"])
    found_units = Counter(
        (path, u.as_written, u.role) for path, doc in documents.items() if path in by_path for u in doc.units
    )
    numbers = sum(documents[p].doc_number == l["doc_number"] for p, l in by_path.items() if p in documents)
    dates = 0
    for path, label in by_path.items():
        doc = documents.get(path)
        if doc is None:
            continue
        published = doc.published_at.date().isoformat() if doc.published_at else ""
        written = doc.written_date.isoformat() if doc.written_date else ""
        dates += (published == label["published"]) + (written == label["written"])
    kinds = sum(documents[p].kind.value == l["kind"] for p, l in by_path.items() if p in documents)
    return [
        Score("interpretation links", len(found_links & gold_links), len(found_links), len(gold_links)),
        Score("interpretation form", form_correct, sum(l["path"] in documents for l in interpretations), len(interpretations)),
        Score("责任单位 with role", sum((found_units & gold_units).values()), sum(found_units.values()), sum(gold_units.values())),
        Score("文号", numbers, len(documents), len(labels)),
        Score("dates", dates, 2 * len(documents), 2 * len(labels)),
        Score("document kind", kinds, len(documents), len(labels)),
    ]


def main() -> None:
    print(f"{'measure':<22}{'correct':>8}{'found':>7}{'labelled':>9}{'precision':>10}{'recall':>8}{'F1':>7}  target")
    for s in evaluate():
        target = TARGETS.get(s.name)
        verdict = "" if target is None else ("met" if s.meets_target() else "MISSED")
        print(f"{s.name:<22}{s.correct:>8}{s.predicted:>7}{s.expected:>9}{s.precision:>10.3f}{s.recall:>8.3f}{s.f1:>7.3f}  {verdict}")


if __name__ == "__main__":
    main()
