"""`zhengce update`: only what changed in the raw store is analyzed again, only the documents
that come out different are written — and the index it leaves is the one a full rebuild of the
same raw store gives, on tantivy and on the real Elasticsearch cluster.

The changes are stored in the raw store as a re-crawl stores them: a page edited, a page gone
(404), an attachment's bytes changed, a new interpretation linking back to a policy that had
none, a new policy repealing an older one, and a page published again at a second address."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
import time

import httpx
import pytest

from analyzers.abbreviations import ABBREVIATIONS_PRODUCT
from analyzers.images import image_product
from analyzers.model import DocKind
from analyzers.timeliness import FACTS_PRODUCT, load_facts
from crawler.raw_store import RawStore
from indexer.base import FACETS, SearchQuery
from tests.conftest import drop_builds, es_client, start_api, zhengce
from tests.hostile import HTML, pdf_with_text, policy_page
from zhengce.engines import open_engine
from zhengce.settings import Settings

QUERIES = ["政务公开", "最低生活保障", "泉港政办〔2018〕84号", "解读", "社会救助", "更新测试"]
REPEALED = "泉港政办〔2018〕84号"


def _environment(engine: str, request) -> dict[str, str]:
    if engine == "tantivy":
        return {"ZHENGCE_ENGINE": "tantivy"}
    es_url = request.getfixturevalue("es_url")
    alias = f"zhengce-update-{os.getpid()}"
    request.addfinalizer(lambda: drop_builds(es_client(es_url), alias))
    return {"ZHENGCE_ENGINE": "elasticsearch", "ZHENGCE_ES_URL": es_url, "ZHENGCE_ES_INDEX": alias}


def _engine(folder, env: dict[str, str], monkeypatch):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return open_engine(Settings.from_env(data_dir=folder))


def _snapshot(engine) -> dict:
    """Everything a reader of the index can see: every stored document, the derived products,
    and what searches find (as sets and counts: BM25 statistics still count a replaced
    document until its segment is merged, so scores, not results, may differ)."""
    documents = {doc.id: doc for doc in engine.documents(SearchQuery())}
    images = {f.sha256 for doc in documents.values() for f in doc.images if f.sha256}
    searches = {}
    for q in QUERIES:
        result = engine.search(SearchQuery(q=q, size=100))
        found = {hit.document.id for hit in result.hits} | {r.document.id for hit in result.hits for r in hit.related}
        facets = {name: sorted((f.value, f.count) for f in result.facets.get(name, [])) for name in FACETS}
        searches[q] = (result.total, found, facets)
    return {
        "count": engine.count(),
        "documents": {doc_id: doc.model_dump_json() for doc_id, doc in documents.items()},
        "facts": [f.model_dump_json() for f in load_facts(engine.derived(FACTS_PRODUCT))],
        "abbreviations": json.loads(engine.derived(ABBREVIATIONS_PRODUCT)),
        "images": {sha: engine.derived(image_product(sha)) for sha in images},
        "searches": searches,
    }


def _store_changes(store: RawStore, documents: list) -> dict[str, str]:
    """A re-crawl's findings, stored as the crawler stores them; returns what was changed."""
    base = documents[0].url.split("/zwgk/")[0] + "/"
    policies = [d for d in documents if d.kind is DocKind.policy and not d.withdrawn_at]
    with_pdf = next(d for d in policies if any(a.url.endswith(".pdf") for a in d.attachments))

    def first_sentence(doc) -> str:
        return doc.body.split("。")[0][-12:]

    edited = next(d for d in policies if d.id != with_pdf.id and d.doc_number != REPEALED
                  and len(first_sentence(d)) == 12 and first_sentence(d).encode() in store.latest(d.url).body)
    uninterpreted = next(d for d in policies if not d.interpretations and d.id not in (with_pdf.id, edited.id))
    withdrawn = next(d for d in documents if d.kind is DocKind.interpretation)
    copied = next(d for d in policies if d.id not in (with_pdf.id, edited.id, uninterpreted.id)
                  and d.doc_number != REPEALED)

    def put(url: str, body: bytes, status: int = 200, headers: dict | None = None) -> None:
        store.put("quangang_sample", url, url, status, headers or HTML, body)

    put(edited.url, store.latest(edited.url).body.replace(first_sentence(edited).encode(), "更新测试后的句子".encode(), 1))
    pdf = next(a.url for a in with_pdf.attachments if a.url.endswith(".pdf"))
    put(pdf, pdf_with_text(b"BT /F1 12 Tf 72 720 Td (attachment replaced by update test) Tj ET"),
        headers={"content-type": ["application/pdf"]})
    put(withdrawn.url, b"<html><body>404</body></html>", status=404)
    put(base + "zwgk/zcjd/202611/t20261125_9990101.htm", policy_page(
        f"《{uninterpreted.title}》政策解读", "<p>更新测试：这份解读说明该文件的主要内容。</p>", published="2026-11-25 10:00",
        back_links=[(uninterpreted.url, uninterpreted.title)]))
    put(base + "zwgk/zcwj/202611/t20261126_9990102.htm", policy_page(
        "泉港区人民政府办公室关于印发更新测试实施办法的通知",
        f"<p>本办法自印发之日起施行。《泉港区推进社会公益事业建设领域政府信息公开工作实施方案》（{REPEALED}）同时废止。</p>",
        doc_number="泉港政办〔2026〕101号", published="2026-11-26 10:00"))
    put(base + "zwgk/zcwj/202611/t20261127_9990103.htm", store.latest(copied.url).body)
    return {"edited": edited.id, "with_pdf": with_pdf.id, "uninterpreted": uninterpreted.id,
            "withdrawn": withdrawn.id, "copied": copied.id}


@pytest.fixture(params=["tantivy", "elasticsearch"])
def deployment(request, data_dir, tmp_path, monkeypatch):
    """A copy of the sample site's raw store, built by `zhengce reindex` on the engine."""
    env = _environment(request.param, request)
    with sqlite3.connect(data_dir / "raw.sqlite3") as source, sqlite3.connect(tmp_path / "raw.sqlite3") as copy:
        source.backup(copy)
    built = zhengce(tmp_path, "reindex", env=env)
    assert built.returncode == 0, built.stdout + built.stderr
    return request.param, tmp_path, env


def test_an_update_gives_the_index_a_rebuild_gives(deployment, monkeypatch):
    name, folder, env = deployment
    engine = _engine(folder, env, monkeypatch)
    before = _snapshot(engine)
    with RawStore(folder / "raw.sqlite3") as store:
        changed = _store_changes(store, list(engine.documents(SearchQuery())))

    updated = zhengce(folder, "update", env=env)
    assert updated.returncode == 0, updated.stdout + updated.stderr
    # The five pages stored, and the page whose attachment changed; nothing else.
    assert f"updated {name}: 6 pages analyzed" in updated.stdout, updated.stdout
    after_update = _snapshot(engine)

    rebuilt = zhengce(folder, "reindex", env=env)
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    after_rebuild = _snapshot(engine)
    assert after_update["documents"].keys() == after_rebuild["documents"].keys()
    for doc_id, source in after_rebuild["documents"].items():
        assert after_update["documents"][doc_id] == source, doc_id
    assert after_update == after_rebuild

    # And the update did change what each change reaches.
    documents = {doc_id: json.loads(source) for doc_id, source in after_update["documents"].items()}
    assert "更新测试后的句子" in documents[changed["edited"]]["body"]
    assert any("attachment replaced" in a["text"] for a in documents[changed["with_pdf"]]["attachments"])
    assert documents[changed["withdrawn"]]["withdrawn_at"]
    assert [link["method"] for link in documents[changed["uninterpreted"]]["interpretations"]] == ["backlink"]
    repealed = next(d for d in documents.values() if d["doc_number"] == REPEALED)
    assert repealed["validity"]["status"] == "废止" and repealed["validity"]["by"] == "泉港政办〔2026〕101号"
    assert len(documents[changed["copied"]]["urls"]) == 2
    assert after_update["count"] == before["count"] + 2  # the interpretation and the policy; the copy merged


def test_an_update_with_nothing_new_writes_nothing(deployment, monkeypatch):
    name, folder, env = deployment
    engine = _engine(folder, env, monkeypatch)
    generation = engine.generation()
    again = zhengce(folder, "update", env=env)
    assert again.returncode == 0, again.stderr
    assert f"updated {name}: 0 pages analyzed; 0 documents added, 0 replaced, 0 removed" in again.stdout
    assert engine.generation() != generation  # an update is a new generation, even an empty one


def test_an_update_the_state_cannot_vouch_for_is_a_full_rebuild(deployment, monkeypatch):
    name, folder, env = deployment
    state = next((folder / "index").glob("*.build.sqlite3"))
    with sqlite3.connect(state) as db:  # as a build killed between the engine's change and the state's
        db.execute("UPDATE meta SET value = '1' WHERE key = 'dirty'")
    rebuilt = zhengce(folder, "update", env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "(a full rebuild: the last build or update did not finish)" in rebuilt.stdout
    # Another build of the index (here: a rebuild by hand, then the state of an older one).
    shutil.copy(state, folder / "older.sqlite3")
    assert zhengce(folder, "reindex", env=env).returncode == 0
    shutil.copy(folder / "older.sqlite3", state)
    again = zhengce(folder, "update", env=env)
    assert "(a full rebuild: the index was rebuilt or changed by something else)" in again.stdout


def test_searches_go_on_answering_during_an_update(deployment, monkeypatch):
    """A bounded loop of searches against the real server while `zhengce update` changes the
    index under it: no error, and every answer is whole."""
    name, folder, env = deployment
    with RawStore(folder / "raw.sqlite3") as store:
        _store_changes(store, list(_engine(folder, env, monkeypatch).documents(SearchQuery())))
    with start_api(folder, env=env) as api:
        failures: list[str] = []
        answered = 0
        stop = threading.Event()

        def search_loop() -> None:
            nonlocal answered
            with httpx.Client(base_url=api, timeout=30) as http:
                deadline = time.monotonic() + 120
                for n in range(5000):
                    if stop.is_set() or time.monotonic() > deadline:
                        return
                    response = http.get("/api/search", params={"q": QUERIES[n % len(QUERIES)], "size": n % 7 + 1})
                    if response.status_code != 200:
                        failures.append(f"{response.status_code}: {response.text[:200]}")
                    answered += 1

        loop = threading.Thread(target=search_loop)
        loop.start()
        time.sleep(0.5)
        updated = zhengce(folder, "update", env=env)
        time.sleep(0.5)
        stop.set()
        loop.join()
        assert updated.returncode == 0, updated.stderr
        assert "更新测试" in httpx.get(f"{api}/api/search", params={"q": "更新测试"}).text
    assert answered > 10 and failures == []


def test_the_report_after_an_update_counts_the_new_policy_and_keeps_one_build_in_memory(deployment, monkeypatch):
    """The timeliness report of a long-lived server after an update: the new policy is a row,
    and what the server holds of the build before (hundreds of MB at province size) is gone."""
    from datetime import date

    from search_api import services
    from search_api.staff_store import StaffStore

    name, folder, env = deployment
    engine = _engine(folder, env, monkeypatch)
    settings = Settings.from_env(data_dir=folder)
    staff = StaffStore(settings.staff_db_path, settings.scope_overrides_path)
    before = services.timeliness_report(engine, settings, staff)
    with RawStore(folder / "raw.sqlite3") as store:
        _store_changes(store, list(engine.documents(SearchQuery())))
    assert zhengce(folder, "update", env=env).returncode == 0
    services.timeliness_day(engine, settings, staff, date.today())
    after = services.timeliness_report(engine, settings, staff)
    titles = {row.title for row in after.rows}
    assert "泉港区人民政府办公室关于印发更新测试实施办法的通知" in titles
    assert len(after.rows) == len(before.rows) + 1
    generation = engine.generation()
    assert {key[0] for key in services._ASSESSED} == {generation}
    assert {key[0][0] for key in services._DAYS} == {generation}


def test_pages_analyzed_by_forked_workers_are_those_analyzed_in_one_process(data_dir, tmp_path, monkeypatch):
    """Many pages to analyze are shared among forked workers (the threshold is lowered here, so
    that the sample site's pages are many): a rebuild's documents, problems and page count are
    those of one process, and so is an update's, whose workers read earlier rows' texts from
    the build state."""
    from indexer.tantivy_engine import TantivyEngine
    from zhengce import pipeline
    from zhengce.build_state import BuildState

    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: nothing is shared")
    with sqlite3.connect(data_dir / "raw.sqlite3") as source, sqlite3.connect(tmp_path / "raw.sqlite3") as copy:
        source.backup(copy)
    with RawStore(tmp_path / "raw.sqlite3") as store:
        alone = pipeline.analyze_store(store)
        monkeypatch.setattr(pipeline, "ANALYZE_PARALLEL_FROM", 1)
        shared = pipeline.analyze_store(store)
        assert [d.model_dump_json() for d in shared.documents] == [d.model_dump_json() for d in alone.documents]
        assert (shared.problems, shared.pages_seen) == (alone.problems, alone.pages_seen)

        engine = TantivyEngine(tmp_path / "index" / "tantivy")
        with BuildState(tmp_path / "index" / "tantivy.build.sqlite3") as state:
            pipeline.reindex(store, engine, state)
            _store_changes(store, list(engine.documents(SearchQuery())))
            updated = pipeline.update(store, engine, state)
            assert not updated.full and updated.pages_seen == 6
            after_update = _snapshot(engine)
            pipeline.reindex(store, engine, state)
        assert _snapshot(engine) == after_update


def test_a_document_that_another_changes_in_place_is_hashed_anew():
    """A document the cross-document work leaves as read is hashed by the JSON it was read from
    (zhengce.pipeline._ReadBack); one whose validity another document sets — the repealed
    plan, changed in place — is serialized again, or an update would leave it unchanged in the
    index."""
    import hashlib
    from datetime import datetime

    from analyzers.model import Document, document_id
    from zhengce.build_state import PageEntry
    from zhengce.pipeline import _ReadBack, finish

    def page(n: int, title: str, number: str, body: str) -> Document:
        url = f"http://www.qg.gov.cn/zwgk/zcwj/t{n}.htm"
        return Document(id=document_id(url), url=url, site="quangang_sample", kind=DocKind.policy, title=title,
                        doc_number=number, body=body, published_at=datetime(2026, 11, n), content_hash=str(n))

    plan = page(1, "泉港区推进政务公开工作实施方案", "泉港政办〔2016〕1号", "本方案自印发之日起施行。")
    repealing = page(2, "泉港区人民政府办公室关于印发新方案的通知", "泉港政办〔2026〕101号",
                     "《泉港区推进政务公开工作实施方案》（泉港政办〔2016〕1号）同时废止。")
    repealing.repeals = ["《泉港区推进政务公开工作实施方案》（泉港政办〔2016〕1号）"]
    read = _ReadBack()
    sources = {doc.id: doc.model_dump_json().encode() for doc in (plan, repealing)}
    read.made([PageEntry(doc.url, n, doc.url, "", {}, sources[doc.id]) for n, doc in enumerate((plan, repealing))])
    finished = {doc.id: doc for doc in finish(read.documents())}
    assert finished[plan.id].validity.status == "废止"
    assert read.hash_of(finished[plan.id]) == hashlib.sha1(finished[plan.id].model_dump_json().encode()).hexdigest()
    assert read.hash_of(finished[plan.id]) != hashlib.sha1(sources[plan.id]).hexdigest()
    assert read.hash_of(finished[repealing.id]) == hashlib.sha1(sources[repealing.id]).hexdigest()


def test_interpretations_that_cite_nothing_link_alike_whether_their_windows_are_segmented_here_or_by_workers(
        tmp_path, monkeypatch):
    """Linking by similarity asks for a window's words at once (Vectors.prefetch): the state's
    cache segments the missing ones in forked workers, reads the stored ones in batches, and
    the links are those segmenting each document here gives."""
    from analyzers.linking import SEGMENTING, link_interpretations
    from analyzers.model import LinkMethod
    from bench.corpus import CorpusGenerator
    from zhengce import build_state
    from zhengce.build_state import BuildState, Meta

    documents = CorpusGenerator().documents(600)
    uncited = [d for d in documents if d.kind is DocKind.interpretation][:12]
    for doc in uncited:  # no back link, no quoted title: only its words say which policy it explains
        doc.interprets, doc.title = [], doc.title.replace("《", "").replace("》", "")

    def links(vectors) -> dict[str, list]:
        return {d.id: [(l.doc_id, l.method, l.confidence) for l in d.interprets]
                for d in link_interpretations([d.model_copy(deep=True) for d in documents], vectors)}

    expected = links(SEGMENTING)
    assert sum(any(m is LinkMethod.similarity for _id, m, _c in expected[d.id]) for d in uncited) >= 3
    monkeypatch.setattr(build_state, "VECTORS_PARALLEL_FROM", 1)
    with BuildState(tmp_path / "state.sqlite3") as state:
        fresh = state.vectors(fresh=True)
        assert links(fresh) == expected
        assert len(fresh.added) > 50
        state.save(Meta(), {}, [], {}, fresh.added, set(), {}, full=True)
        kept = state.vectors(fresh=False)
        assert links(kept) == expected and not kept.added and len(kept.known) == len(fresh.added)
