"""The Elasticsearch engine on a real two-node cluster (tests/es_cluster.py): the index
lifecycle while searches run, refused documents, an index of other fields, a node lost with
replicas, and the cluster lost in the middle of a rebuild. The fault tests stop nodes of our
own cluster, so they are skipped when ZHENGCE_ES_URL names somebody else's."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field

import pytest

from analyzers.model import Document
from indexer.base import EngineUnavailable, IndexOutdated, SearchQuery
from indexer.elastic_engine import ElasticsearchEngine
from indexer.tantivy_engine import TantivyEngine
from tests.conftest import REPO, drop_builds, es_client

pytestmark = pytest.mark.usefixtures("es_url")


@pytest.fixture(scope="module")
def documents(data_dir) -> list[Document]:
    return list(TantivyEngine(data_dir / "index" / "tantivy").documents(SearchQuery()))


@pytest.fixture
def engine(es_url):
    client = es_client(es_url)
    engine = ElasticsearchEngine(client, alias=f"zhengce-it-{uuid.uuid4().hex[:8]}", shards=2, replicas=1)
    yield engine
    drop_builds(client, engine.alias)


@pytest.fixture
def own_cluster(es_cluster):
    if es_cluster is None:
        pytest.skip("ZHENGCE_ES_URL names a cluster that is not ours to stop")
    yield es_cluster
    for node in es_cluster.nodes:  # whatever the test did, both nodes are back for the next one
        if node.process is None:
            es_cluster.start_node(node.number, wait=False)
    es_cluster.wait(len(es_cluster.nodes), status="green")


@dataclass
class SearchLoop:
    """Searches (everything, 100 a page) over and over in a thread until stopped: what each
    saw, when the engine said it could not answer (EngineUnavailable, the API's 503), and
    anything else — an answer with fewer documents than its total, another error — which no
    test allows."""

    engine: ElasticsearchEngine
    seen: list[frozenset[str]] = field(default_factory=list)
    failures: list[tuple[float, str]] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    answered_at: list[float] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> "SearchLoop":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                result = self.engine.search(SearchQuery(size=100))
            except EngineUnavailable as exc:
                self.failures.append((time.monotonic(), str(exc)[:200]))
                time.sleep(0.05)
                continue
            except Exception as exc:  # noqa: BLE001 — recorded, and failed by the test
                self.wrong.append(f"{type(exc).__name__}: {str(exc)[:200]}")
                continue
            ids = frozenset(h.document.id for hit in result.hits for h in (hit, *hit.related))
            if len(ids) != result.total:
                self.wrong.append(f"an answer of {len(ids)} documents for a total of {result.total}")
            self.seen.append(ids)
            self.answered_at.append(time.monotonic())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def longest_gap(self, since: float) -> float:
        times = [since, *(t for t in self.answered_at if t >= since)]
        return max(b - a for a, b in zip(times, times[1:])) if len(times) > 1 else float("inf")


def test_a_rebuild_swaps_the_alias_while_searches_run(engine, documents):
    first = engine.replace_all(documents)
    assert (first.indexed, first.failed) == (len(documents), [])
    old, new = frozenset(d.id for d in documents), frozenset(d.id for d in documents[: len(documents) // 2])
    with SearchLoop(engine) as loop:
        time.sleep(1)
        report = engine.replace_all(documents[: len(documents) // 2])
        time.sleep(1)
    assert report.failed == [] and loop.failures == [] and loop.wrong == []
    assert set(loop.seen) <= {old, new}  # the old index or the new, never a mix
    assert loop.seen[0] == old and loop.seen[-1] == new
    assert len(engine._indices()) == 1 and engine.count() == len(new)


def test_documents_the_cluster_refuses_are_reported_and_the_rest_indexed(engine, documents):
    # A keyword over Lucene's 32,766-byte term limit: Elasticsearch refuses that document alone.
    refused = documents[0].model_copy(update={"id": "refused0000000000", "publisher": "局" * 12_000})
    report = engine.replace_all([refused, *documents[1:]])
    assert [doc_id for doc_id, _ in report.failed] == ["refused0000000000"]
    assert "[publisher]" in report.failed[0][1]  # the reason names the field
    assert report.indexed == engine.count() == len(documents) - 1


def test_reindex_names_a_document_the_cluster_refuses_and_exits_1(data_dir, es_url, tmp_path):
    from crawler.raw_store import RawStore

    data = tmp_path / "data"
    shutil.copytree(data_dir, data, ignore=shutil.ignore_patterns("index"))
    with RawStore(data / "raw.sqlite3") as store:
        page = next(r for r in store.iter_latest() if r.url.endswith("t20181015_1718001.htm"))
        hostile = page.body.replace("发布机构：</th><td>泉港区人民政府办公室".encode(),
                                    ("发布机构：</th><td>" + "局" * 12_000).encode())
        assert hostile != page.body
        store.put(page.site, page.url, page.final_url, 200, page.headers, hostile)
    alias = f"zhengce-it-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "ZHENGCE_ENGINE": "elasticsearch", "ZHENGCE_ES_URL": es_url, "ZHENGCE_ES_INDEX": alias}
    done = subprocess.run([sys.executable, "-m", "zhengce.cli", "--data-dir", str(data), "reindex"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "not indexed:" in done.stderr and "[publisher]" in done.stderr, done.stderr
    client = es_client(es_url)
    assert client.count(index=alias)["count"] == int(done.stdout.split()[1])  # the rest is searchable
    drop_builds(client, alias)


def test_an_index_of_other_fields_is_refused_with_the_remedy(engine):
    engine.client.indices.create(index=f"{engine.alias}-1", mappings={"properties": {"title": {"type": "keyword"}}},
                                 aliases={engine.alias: {}})
    with pytest.raises(IndexOutdated, match="zhengce reindex"):
        engine.check_index()


def test_searches_go_on_when_a_node_is_lost(engine, documents, own_cluster):
    engine.replace_all(documents)
    own_cluster.wait(2, status="green")  # every shard has its replica on the other node
    with SearchLoop(engine) as loop:
        time.sleep(1)
        lost_at = time.monotonic()
        own_cluster.stop_node(2)
        time.sleep(5)
    complete = frozenset(d.id for d in documents)
    assert loop.wrong == [] and set(loop.seen) == {complete}  # every answer complete, before and after
    gap = loop.longest_gap(lost_at)
    print(f"\n[node lost] {len(loop.seen)} searches answered, {len(loop.failures)} failed, longest gap {gap:.2f} s")
    assert gap < 10, loop.failures
    assert loop.answered_at[-1] > lost_at + 3, (loop.failures, loop.answered_at[-3:], lost_at)


def test_a_cluster_lost_during_a_rebuild_keeps_the_old_index(data_dir, es_url, own_cluster, tmp_path):
    alias = f"zhengce-it-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "ZHENGCE_ENGINE": "elasticsearch", "ZHENGCE_ES_URL": es_url, "ZHENGCE_ES_INDEX": alias,
           "ZHENGCE_ES_REPLICAS": "1"}
    command = [sys.executable, "-m", "zhengce.cli", "--data-dir", str(data_dir), "reindex"]
    built = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    client = es_client(es_url)
    before = ElasticsearchEngine(client, alias)._indices()
    count = client.count(index=alias)["count"]
    rebuild = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    built_before = set(client.indices.get(index=f"{alias}-*"))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and set(client.indices.get(index=f"{alias}-*")) <= built_before:
        time.sleep(0.02)  # until the new build's index exists: its documents are being sent
    for node in reversed(own_cluster.nodes):
        own_cluster.stop_node(node.number, force=True)
    _out, err = rebuild.communicate(timeout=300)
    assert rebuild.returncode == 1, err
    assert "Elasticsearch failed during the rebuild" in err and "still names the previous index" in err and "Traceback" not in err
    for node in own_cluster.nodes:
        own_cluster.start_node(node.number, wait=False)
    own_cluster.wait(2)
    after = ElasticsearchEngine(es_client(es_url), alias)
    assert after._indices() == before and after.count() == count  # the old index, whole and searchable
    assert after.search(SearchQuery(q="低保")).total > 0
    drop_builds(client, alias)


def test_a_cluster_unreachable_at_start_is_exit_2_with_the_reason(data_dir):
    env = {**os.environ, "ZHENGCE_ENGINE": "elasticsearch", "ZHENGCE_ES_URL": "http://127.0.0.1:9"}
    for command in ("reindex", "serve"):
        done = subprocess.run([sys.executable, "-m", "zhengce.cli", "--data-dir", str(data_dir), command],
                              env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and "Elasticsearch is not usable" in done.stderr and "Traceback" not in done.stderr
