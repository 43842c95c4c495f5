"""Elasticsearch, for deployments that outgrow one machine, behind the same search interface.

No plugin: text fields receive zhengce's own token strings (indexer.fields) and the built-in
whitespace analyzer splits them, so segmentation is identical to tantivy's and works on any
cluster — a managed one, or a bare server without the analysis-common module (the integration
test distribution has none). The query is the engine-neutral tree of indexer.query_tree
rendered as DSL; facets are terms aggregations; snippets and highlights are zhengce's, from the stored original text.
Each rebuild is a new versioned index; the alias moves to it atomically once it is complete.
Supported clusters: Elasticsearch 8.x and 9.x (client 8.x, whose compatibility headers 9.x
accepts)."""
from __future__ import annotations

import base64
import json
import time
from itertools import chain
from collections.abc import Mapping
from typing import Iterable, Iterator, NoReturn

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError
from elasticsearch.helpers import streaming_bulk

from analyzers.model import Document
from indexer.base import (
    COUNTABLE, FACET_SIZES, FACETS, REINDEX_HINT, EngineUnavailable, Executed, FacetCount, IndexOutdated, IndexReport,
    SearchEngine, SearchQuery, Suggestion, facet_counts,
)
from indexer.fields import GRAM_FIELDS, KEYWORD_FIELDS, NEAR_FIELDS, WORD_FIELDS, PreparedDocument, gram_field, prepare_all
from indexer.query import QueryPlan
from indexer.query_tree import (
    BoolNode, ConstantNode, DateRangeNode, MatchAll, MatchNone, Node, PhraseNode, TermNode, completion_nodes, matching_node,
    search_node,
)

SUPPORTED_MAJORS = (8, 9)
SCAN_BATCH = 1000
BULK_CHUNK = 500
SOURCE = ["source"]
DERIVED_SUFFIX = "-derived"  # companion index of a build holding its derived products


def mapping(shards: int, replicas: int) -> dict:
    """Index settings and mappings: whitespace-split token fields, keywords, dates."""
    # Tokens are already normalized by zhengce: split on whitespace, nothing else.
    tokens = {"type": "text", "analyzer": "whitespace", "norms": True}
    properties: dict[str, dict] = {"id": {"type": "keyword"}}
    properties.update(
        {name: {**tokens, "index_options": "positions" if name in NEAR_FIELDS else "freqs"} for name in WORD_FIELDS}
    )
    properties.update({gram_field(name): {**tokens, "index_options": "positions"} for name in GRAM_FIELDS})
    properties.update({name: {"type": "keyword"} for name in KEYWORD_FIELDS})
    properties["year"] = {"type": "integer"}
    properties["published"] = {"type": "date"}
    properties["source"] = {"type": "text", "index": False}  # kept in _source, never searched
    return {
        "settings": {
            "number_of_shards": shards,
            "number_of_replicas": replicas,
        },
        # _meta.update: bumped by every update, so that the generation changes with it.
        "mappings": {"dynamic": "strict", "properties": properties, "_meta": {"update": 0}},
    }


def render(node: Node) -> dict:
    """The engine-neutral query tree as Elasticsearch query DSL."""
    if isinstance(node, TermNode):
        return {"term": {node.field: {"value": node.value, "boost": node.boost}}}
    if isinstance(node, PhraseNode):
        return {"match_phrase": {node.field: {"query": " ".join(node.tokens), "slop": node.slop, "boost": node.boost}}}
    if isinstance(node, ConstantNode):
        return {"constant_score": {"filter": render(node.child), "boost": node.score}}
    if isinstance(node, DateRangeNode):
        bounds = {}
        if node.start:
            bounds["gte"] = node.start.isoformat()
        if node.end:
            bounds["lt"] = node.end.isoformat()
        return {"range": {node.field: bounds}}
    if isinstance(node, MatchAll):
        return {"match_all": {}}
    if isinstance(node, MatchNone):
        return {"match_none": {}}
    assert isinstance(node, BoolNode)
    clauses: dict[str, list] = {}
    for key, children in (("must", node.must), ("should", node.should), ("must_not", node.must_not), ("filter", node.filter)):
        if children:
            clauses[key] = [render(child) for child in children]
    if not node.must and not node.should and not node.filter:
        clauses["must"] = [{"match_all": {}}]
    if node.minimum_should_match:
        clauses["minimum_should_match"] = node.minimum_should_match
    elif node.should and not node.must and not node.filter:
        clauses["minimum_should_match"] = 1
    return {"bool": clauses}


def _action(index: str, prepared: PreparedDocument) -> dict:
    body = {"id": prepared.id, **prepared.tokens, **prepared.keywords, "source": prepared.source}
    if prepared.year:
        body["year"] = prepared.year
    if prepared.published:
        body["published"] = prepared.published.isoformat()
    return {"_index": index, "_id": prepared.id, "_source": body}


class ElasticsearchEngine(SearchEngine):
    def __init__(self, client: Elasticsearch, alias: str = "zhengce-documents", shards: int = 1, replicas: int = 1):
        self.client = client
        self.alias = alias
        self.shards = shards
        self.replicas = replicas

    # ---- the cluster ----
    def check(self) -> str:
        """The cluster's version; EngineUnavailable with the reason when it cannot be used."""
        try:
            version = self._version()
        except (TransportError, ApiError) as exc:
            raise EngineUnavailable(f"Elasticsearch is not usable: {exc}") from exc
        major = int(version.split(".")[0])
        if major not in SUPPORTED_MAJORS:
            raise EngineUnavailable(
                f"Elasticsearch {version} is not supported; zhengce works with {' and '.join(f'{m}.x' for m in SUPPORTED_MAJORS)}"
            )
        return version

    def _version(self) -> str:
        try:
            return self.client.info()["version"]["number"]
        except ApiError as exc:
            if exc.meta.status != 405:
                raise
        # A server without the rest-root module answers / with 405; the nodes say it too (the
        # oldest of them: what a mixed cluster can do).
        nodes = self.client.nodes.info(node_id="_all", metric="_none", filter_path="nodes.*.version")["nodes"]
        return min((n["version"] for n in nodes.values()), key=lambda v: tuple(int(p) for p in v.split("-")[0].split(".")))

    def check_index(self) -> None:
        # Field names and types: a cluster reports a mapping with its own defaults filled in or
        # left out, but a field this version searches and the index lacks shows either way.
        expected = {name: spec["type"] for name, spec in mapping(self.shards, self.replicas)["mappings"]["properties"].items()}
        for index in self._indices():
            found = self.client.indices.get_mapping(index=index)[index]["mappings"].get("properties", {})
            if {name: spec.get("type", "object") for name, spec in found.items()} != expected:
                raise IndexOutdated(f"Elasticsearch index {index} (alias {self.alias}) has other fields than this "
                                    f"version of zhengce searches; {REINDEX_HINT}")

    def _indices(self) -> list[str]:
        try:
            return list(self.client.indices.get_alias(name=self.alias))
        except NotFoundError:
            return []

    # ---- building ----
    def replace_all(self, documents: Iterable[Document], count_hint: int = 0,
                    derived: Mapping[str, bytes] | None = None) -> IndexReport:
        index = f"{self.alias}-{time.time_ns()}"
        try:
            return self._build(index, documents, count_hint, derived)
        except (TransportError, ApiError) as exc:
            # The cluster went away or refused the build: the alias still names the old index.
            try:
                self.client.indices.delete(index=f"{index},{index}{DERIVED_SUFFIX}", ignore_unavailable=True)
                left = ""
            except (TransportError, ApiError):
                left = f"; the unfinished index {index} is left on the cluster, delete it when it is back"
            raise EngineUnavailable(f"Elasticsearch failed during the rebuild ({exc}); the alias {self.alias}"
                                    f" still names the previous index{left}") from exc

    def _build(self, index: str, documents: Iterable[Document], count_hint: int,
               derived: Mapping[str, bytes] | None) -> IndexReport:
        body = mapping(self.shards, 0)
        body["settings"]["refresh_interval"] = "-1"  # one refresh at the end is cheaper
        self.client.indices.create(index=index, settings=body["settings"], mappings=body["mappings"])
        report = self._bulk((_action(index, p) for p in prepare_all(documents, count_hint)))
        self.client.indices.put_settings(
            index=index, settings={"refresh_interval": None, "number_of_replicas": self.replicas}
        )
        self.client.indices.refresh(index=index)
        if derived:
            self._store_derived(index, derived)
        old = self._indices()
        # One request: searches see the old index or the new one, never neither, never half.
        actions = [{"remove": {"index": name, "alias": self.alias}} for name in old]
        actions.append({"add": {"index": index, "alias": self.alias}})
        self.client.indices.update_aliases(actions=actions)
        for name in old:
            self.client.indices.delete(index=name, ignore_unavailable=True)
            self.client.indices.delete(index=name + DERIVED_SUFFIX, ignore_unavailable=True)
        return report

    def _bulk(self, actions: Iterable[dict]) -> IndexReport:
        """A document the cluster refuses is reported; a cluster that stops answering raises."""
        report = IndexReport(indexed=0)
        for ok, item in streaming_bulk(
            self.client, actions, chunk_size=BULK_CHUNK, max_retries=5, initial_backoff=1, max_backoff=30,
            raise_on_error=False, raise_on_exception=True,
        ):
            operation, detail = next(iter(item.items()))
            if ok:
                report.indexed += operation == "index"
            elif not (operation == "delete" and detail.get("status") == 404):  # gone already: as asked
                report.failed.append((str(detail.get("_id", "?")), json.dumps(detail.get("error", detail), ensure_ascii=False)[:500]))
        return report

    def apply(self, upserts: Iterable[Document], deletes: Iterable[str], count_hint: int = 0,
              derived: Mapping[str, bytes] | None = None, dropped: Iterable[str] = ()) -> IndexReport:
        indices = self._indices()
        if len(indices) != 1:
            raise EngineUnavailable(f"the alias {self.alias} names {len(indices)} indices, not one to update;"
                                    " build one with `zhengce reindex`")
        index = indices[0]
        try:
            deletions = ({"_op_type": "delete", "_index": index, "_id": doc_id} for doc_id in deletes)
            report = self._bulk(chain(deletions, (_action(index, p) for p in prepare_all(upserts, count_hint))))
            self.client.indices.refresh(index=index)
            for product, payload in (derived or {}).items():
                self._put_derived(index, product, payload)
            for product in dropped:
                self.client.options(ignore_status=404).delete(index=index + DERIVED_SUFFIX, id=product, refresh=True)
            meta = self.client.indices.get_mapping(index=index)[index]["mappings"].get("_meta", {})
            self.client.indices.put_mapping(index=index, meta={"update": int(meta.get("update", 0)) + 1})
        except (TransportError, ApiError) as exc:
            raise EngineUnavailable(f"Elasticsearch failed during the update ({exc}); the index {index} may hold part"
                                    " of it: run `zhengce update` again once the cluster answers") from exc
        return report

    def _put_derived(self, index: str, product: str, payload: bytes) -> None:
        self.client.index(index=index + DERIVED_SUFFIX, id=product,
                          document={"payload": base64.b64encode(payload).decode("ascii")}, refresh=True)

    def _store_derived(self, index: str, derived: dict[str, bytes]) -> None:
        """Into a companion index of the build, one stored-only document per product: searches
        of the alias never see them."""
        self.client.indices.create(
            index=index + DERIVED_SUFFIX, settings={"number_of_shards": 1, "number_of_replicas": self.replicas},
            mappings={"dynamic": False, "properties": {"payload": {"type": "binary"}}},
        )
        for product, payload in derived.items():
            self._put_derived(index, product, payload)

    def derived(self, name: str) -> bytes | None:
        indices = self._indices()
        if len(indices) != 1:
            return None
        try:
            found = self.client.get(index=indices[0] + DERIVED_SUFFIX, id=name)
        except NotFoundError:
            return None
        return base64.b64decode(found["_source"]["payload"])

    # ---- reading ----
    def _search(self, again: bool = False, **body) -> dict | None:
        # A shard without a live copy fails the search (after the client's retries on other
        # nodes) rather than answering with part of the results, as Elasticsearch would.
        try:
            return self.client.search(index=self.alias, allow_partial_search_results=False, **body).body
        except NotFoundError as exc:
            if _no_index(exc):
                return None
            if again:
                raise EngineUnavailable(f"Elasticsearch lost the search twice: {exc}") from exc
            # 404 "No search context found": the node that ran a shard's query phase left before
            # the fetch. Asked once more, the search runs on the copies that remain.
            return self._search(again=True, **body)
        except (TransportError, ApiError) as exc:
            _raise_unanswered(exc)

    def _count(self, **body) -> int:
        try:
            found = self.client.count(index=self.alias, **body)
        except NotFoundError as exc:
            if _no_index(exc):
                return 0
            _raise_unanswered(exc)
        except (TransportError, ApiError) as exc:
            _raise_unanswered(exc)
        if found["_shards"].get("failed"):
            raise EngineUnavailable(f"Elasticsearch counted without {found['_shards']['failed']} of its shards")
        return found["count"]

    @staticmethod
    def _document(hit: dict) -> Document:
        return Document.model_validate_json(hit["_source"]["source"])

    def generation(self) -> str:
        """The indices of the alias, each with its count of updates: one request."""
        try:
            found = self.client.indices.get_mapping(index=self.alias, filter_path="*.mappings._meta")
        except NotFoundError:
            return ""
        except (TransportError, ApiError) as exc:
            _raise_unanswered(exc)
        return ",".join(f"{name}#{spec.get('mappings', {}).get('_meta', {}).get('update', 0)}"
                        for name, spec in sorted(found.body.items()))

    def count(self) -> int:
        return self._count()

    def get(self, doc_id: str) -> Document | None:
        try:
            found = self.client.get(index=self.alias, id=doc_id, source_includes=SOURCE)
        except NotFoundError:
            return None
        except (TransportError, ApiError) as exc:
            _raise_unanswered(exc)
        return self._document(found.body)

    @staticmethod
    def _aggregations(sizes: Mapping[str, int]) -> dict:
        return {name: {"terms": {"field": name, "size": size}} for name, size in sizes.items()}

    @staticmethod
    def _buckets(found: dict | None, name: str) -> list[FacetCount]:
        buckets = (found or {}).get("aggregations", {}).get(name, {}).get("buckets", [])
        return facet_counts(name, [(b["key"], b["doc_count"]) for b in buckets])

    def _matching(self, query: SearchQuery) -> dict:
        """What counting and listing in date order ask: the same documents as the search, with
        fewer clauses to evaluate (query_tree.matching_node)."""
        return render(matching_node(self.plan(query.q, query.field), query))

    def term_counts(self, field: str, query: SearchQuery, size: int = 1000) -> list[FacetCount]:
        if field not in COUNTABLE:
            raise ValueError(f"{field!r} is not countable; use one of {COUNTABLE}")
        found = self._search(query=self._matching(query), size=0, aggs=self._aggregations({field: size}))
        return self._buckets(found, field)

    def total(self, query: SearchQuery) -> int:
        return self._count(query=self._matching(query))

    def documents(self, query: SearchQuery) -> Iterator[Document]:
        dsl = self._matching(query)
        after = None
        while True:
            page = self._search(
                query=dsl, size=SCAN_BATCH, source=SOURCE, track_total_hits=False,
                sort=[{"published": {"order": "desc", "missing": "_last"}}, {"id": "asc"}],
                **({"search_after": after} if after else {}),
            )
            hits = (page or {}).get("hits", {}).get("hits", [])
            for hit in hits:
                yield self._document(hit)
            if len(hits) < SCAN_BATCH:
                return
            after = hits[-1]["sort"]

    def execute(self, plan: QueryPlan, query: SearchQuery, count_facets: bool = True) -> Executed | None:
        by_date = [{"published": {"order": "asc" if query.sort == "oldest" else "desc", "missing": "_last"}}]
        sort = [{"_score": "desc"}, *by_date] if plan.has_text and query.sort == "relevance" else by_date
        aggregations = {"aggs": self._aggregations(FACET_SIZES)} if count_facets else {}
        found = self._search(
            query=render(search_node(plan, query)), from_=query.offset, size=query.size, sort=sort,
            source=SOURCE, track_total_hits=True, **aggregations,
        )
        if found is None:
            return None
        page = [(float(hit.get("_score") or 0.0), self._document(hit)) for hit in found["hits"]["hits"]]
        facets = {name: self._buckets(found, name) for name in FACETS} if count_facets else {}
        return Executed(found["hits"]["total"]["value"], page, facets)

    def complete(self, prefix: str, size: int = 8) -> list[Suggestion]:
        suggestions: list[Suggestion] = []
        for kind, node in completion_nodes(prefix):
            found = self._search(query=render(node), size=size, source=SOURCE)
            for hit in (found or {}).get("hits", {}).get("hits", []):
                suggestions.append(Suggestion.of(kind, self._document(hit)))
        return suggestions[:size]


def _no_index(exc: NotFoundError) -> bool:
    """A 404 that means there is no index yet — not one of the other 404s a search can meet."""
    return exc.error == "index_not_found_exception"


def _raise_unanswered(exc: TransportError | ApiError) -> NoReturn:
    """A cluster that did not answer (gone, overloaded, a shard without a copy) as the
    engine-neutral EngineUnavailable; a request it refused (4xx) is our error and stays one."""
    if isinstance(exc, ApiError) and isinstance(exc.meta.status, int) and exc.meta.status < 500 and exc.meta.status != 429:
        raise exc
    raise EngineUnavailable(f"Elasticsearch did not answer: {exc}") from exc


def connect(url: str, api_key: str = "", username: str = "", password: str = "", ca_certs: str = "",
            timeout: float = 30.0) -> Elasticsearch:
    """A client of the cluster at `url`: one node, or several separated by commas — a request a
    node cannot answer (gone, timed out) is retried on another."""
    options: dict = {"request_timeout": timeout, "retry_on_timeout": True, "max_retries": 3}
    if api_key:
        options["api_key"] = api_key
    elif username:
        options["basic_auth"] = (username, password)
    if ca_certs:
        options["ca_certs"] = ca_certs
    return Elasticsearch([u.strip() for u in url.split(",") if u.strip()], **options)

