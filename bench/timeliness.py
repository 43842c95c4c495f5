"""The timeliness report at city and province size, on a generated corpus of policy facts stored
as the derived product of a real tantivy build, through the same service the API calls.

Run: .venv/bin/python -m bench.timeliness   (prints one line per figure)

Figures: the first report after a build or calendar change (facts loaded and every row
assessed), then a request's cost once assessed (JSON as the API sends it, XLSX), median of 5."""
from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from analyzers.model import DocKind, Document
from analyzers.timeliness import FACTS_PRODUCT, Capture, InterpretationFacts, PolicyFacts, dump_facts, report_json
from indexer.tantivy_engine import TantivyEngine
from search_api import services
from search_api.exports import to_xlsx
from search_api.staff_store import StaffStore
from zhengce.settings import Settings

UNITS = [f"第{i}区{kind}" for i in range(1, 31) for kind in ("人民政府办公室", "民政局", "教育局", "卫健局")]
TYPES = ["通知", "意见", "办法", "方案", "批复", "函"]
AS_OF = date(2026, 11, 25)


def generated_facts(n: int, seed: int = 7) -> list[PolicyFacts]:
    """Policies over 2008–2026: most interpreted within days, some late, some never; a few
    re-publications and unnumbered ones, as a province's portals have."""
    rng = random.Random(seed)
    facts = []
    for i in range(n):
        published = date(2008, 1, 1) + timedelta(days=rng.randrange((AS_OF - date(2008, 1, 1)).days))
        url = f"http://gov.example.cn/zwgk/{published:%Y%m}/t{published:%Y%m%d}_{i}.htm"
        captured = datetime.combine(published, datetime.min.time()) + timedelta(hours=rng.randrange(1, 48))
        interpretations = []
        roll = rng.random()
        if roll < 0.8:
            when = published + timedelta(days=rng.choice([0, 1, 2, 3, 4, 5, 8, 15]))
            interpretations.append(InterpretationFacts(
                doc_id=f"{i:016x}", url=url.replace(".htm", "_jd.htm"), title=f"解读{i}", form="文字解读",
                published=when, method="hyperlink",
                captures=[Capture(url=url.replace(".htm", "_jd.htm"), fetched_at=captured + timedelta(days=4), status=200, sha256="0" * 64)],
            ))
        written = published - timedelta(days=rng.choice([3, 5, 10, 4000 if roll > 0.98 else 7]))
        facts.append(PolicyFacts(
            id=f"{i + 10**15:016x}", title=f"关于第{i}项工作的通知", doc_number="" if roll > 0.97 else f"某政〔{published.year}〕{i}号",
            doc_type=rng.choice(TYPES), unit=rng.choice(UNITS), site="province", url=url, published=published,
            written=written, interpretations=interpretations,
            captures=[Capture(url=url, fetched_at=captured, status=200, sha256="0" * 64)],
            site_first_capture=datetime(2008, 1, 1),
        ))
    return facts


def timed(work, repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


def measure(n: int, folder: Path) -> None:
    engine = TantivyEngine(folder / f"index-{n}")
    stub = Document(id="0" * 16, url="http://gov.example.cn/", site="province", kind=DocKind.notice, title="站点")
    engine.replace_all([stub], derived={FACTS_PRODUCT: dump_facts(generated_facts(n))})
    settings = Settings(data_dir=folder)
    store = StaffStore(folder / f"staff-{n}.sqlite3", folder / "none.json")
    for cache in (services._ASSESSED, services._DAYS):
        cache.clear()
    started = time.perf_counter()
    today = services.ReportSelection(as_of=AS_OF)
    report = services.timeliness_report(engine, settings, store, today)
    cold = (time.perf_counter() - started) * 1000
    json_ms = timed(lambda: report_json(services.timeliness_report(engine, settings, store, today)))
    size = len(report_json(report))
    print(f"{n:,} policies: first report after a build or calendar change {cold:.0f} ms; "
          f"then JSON {json_ms:.0f} ms ({size / 1e6:.1f} MB)", flush=True)
    if n <= 10_000:
        xlsx_ms = timed(lambda: to_xlsx(services.timeliness_report(engine, settings, store, today)), repeat=3)
        again_ms = timed(lambda: services.timeliness_export(engine, settings, store, to_xlsx, today))
        one_unit = services.ReportSelection(unit=UNITS[3], as_of=AS_OF)
        unit_ms = timed(lambda: report_json(services.timeliness_report(engine, settings, store, one_unit)))
        print(f"{n:,} policies: XLSX rendered {xlsx_ms:.0f} ms, the same download again {again_ms:.1f} ms; "
              f"one unit's JSON {unit_ms:.0f} ms", flush=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for n in (10_000, 50_000):
            measure(n, Path(tmp))


if __name__ == "__main__":
    main()
