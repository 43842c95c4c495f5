"""A stand-in for an Elasticsearch cluster, for request-level tests only.

It records what the real client sends and answers with responses of the real shapes, so
that the requests themselves (mapping, bulk bodies, alias swap, DSL) and the answers no real
cluster gives on demand (an unsupported version, a rejected document) are checked exactly.
It does not evaluate queries: behaviour is tested against a real two-node cluster
(tests/es_cluster.py) by the conformance suite and tests/test_elastic_cluster.py."""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

SHARDS_ALL_ANSWERED = {"total": 1, "successful": 1, "skipped": 0, "failed": 0}


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    body: object


@dataclass
class StubState:
    version: str = "8.15.0"
    requests: list[Recorded] = field(default_factory=list)
    documents: dict[str, dict] = field(default_factory=dict)  # _id → _source
    aliases: dict[str, str] = field(default_factory=dict)  # alias → index
    mappings: dict[str, dict] = field(default_factory=dict)  # index → the mappings it was created with
    reject_ids: set[str] = field(default_factory=set)  # bulk items answered with a mapping error
    throttle_bulk_once: bool = False  # answer the first bulk with 429, as a busy cluster does
    search_hits: list[dict] | None = None  # canned hits; default: every stored document
    # answer this many searches with the 404 a cluster gives when a node left between a search's
    # query and fetch phases (real answers: tests/test_elastic_cluster.py, the node-lost test)
    lose_search_contexts: int = 0
    stored: dict[tuple[str, str], dict] = field(default_factory=dict)  # (index, _id) → a single-document write

    def of(self, method: str, suffix: str = "") -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.endswith(suffix)]


def _parse(raw: bytes, content_type: str) -> object:
    if not raw:
        return None
    text = raw.decode("utf-8")
    if "ndjson" in content_type or "x-ndjson" in content_type:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return json.loads(text)


def make_handler(state: StubState):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def _reply(self, status: int, body: object) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Elastic-Product", "Elasticsearch")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self) -> None:
            url = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = _parse(self.rfile.read(length), self.headers.get("Content-Type", ""))
            state.requests.append(Recorded(self.command, url.path, parse_qs(url.query), body))
            parts = [p for p in url.path.split("/") if p]
            if not parts:
                return self._reply(200, {"name": "stub", "cluster_name": "stub", "version": {"number": state.version},
                                         "tagline": "You Know, for Search"})
            if parts == ["_bulk"]:
                return self._bulk(body)
            if parts == ["_aliases"]:
                for action in body["actions"]:
                    (kind, spec), = action.items()
                    if kind == "add":
                        state.aliases[spec["alias"]] = spec["index"]
                return self._reply(200, {"acknowledged": True})
            if parts[0] == "_alias":
                index = state.aliases.get(parts[1])
                if index is None:
                    return self._reply(404, {"error": {"type": "aliases_not_found_exception"}, "status": 404})
                return self._reply(200, {index: {"aliases": {parts[1]: {}}}})
            if len(parts) == 2 and parts[1] == "_mapping":
                index = state.aliases.get(parts[0], parts[0])
                return self._reply(200, {index: {"mappings": state.mappings.get(index, {})}})
            if self.command == "PUT" and len(parts) == 1 and body:
                state.mappings[parts[0]] = body.get("mappings", {})
            if len(parts) >= 2 and parts[1] == "_search":
                return self._search(body)
            if len(parts) >= 2 and parts[1] == "_count":
                return self._reply(200, {"count": len(state.documents), "_shards": SHARDS_ALL_ANSWERED})
            if len(parts) >= 3 and parts[1] == "_doc" and self.command in ("PUT", "POST"):
                state.stored[(parts[0], parts[2])] = body
                return self._reply(201, {"_index": parts[0], "_id": parts[2], "result": "created"})
            if len(parts) >= 3 and parts[1] == "_doc" and (parts[0], parts[2]) in state.stored:
                return self._reply(200, {"_index": parts[0], "_id": parts[2], "found": True,
                                         "_source": state.stored[(parts[0], parts[2])]})
            if len(parts) >= 3 and parts[1] == "_doc":
                source = state.documents.get(parts[2])
                if source is None:
                    return self._reply(404, {"_id": parts[2], "found": False})
                return self._reply(200, {"_id": parts[2], "found": True, "_source": {"source": source["source"]}})
            # create index, settings, refresh, delete: acknowledge
            return self._reply(200, {"acknowledged": True, "shards_acknowledged": True, "index": parts[0]})

        def _bulk(self, lines: list) -> None:
            if state.throttle_bulk_once:
                state.throttle_bulk_once = False
                return self._reply(429, {"error": {"type": "es_rejected_execution_exception"}, "status": 429})
            items, errors = [], False
            for action, source in zip(lines[0::2], lines[1::2]):
                meta = action["index"]
                if meta["_id"] in state.reject_ids:
                    errors = True
                    items.append({"index": {"_index": meta["_index"], "_id": meta["_id"], "status": 400,
                                            "error": {"type": "mapper_parsing_exception", "reason": "stub rejects it"}}})
                else:
                    state.documents[meta["_id"]] = source
                    items.append({"index": {"_index": meta["_index"], "_id": meta["_id"], "status": 201, "result": "created"}})
            self._reply(200, {"took": 1, "errors": errors, "items": items})

        def _search(self, body: dict) -> None:
            if state.lose_search_contexts:
                state.lose_search_contexts -= 1
                reason = "No search context found for id [19]"
                return self._reply(404, {"error": {"type": "search_phase_execution_exception", "reason": reason,
                                                   "root_cause": [{"type": "search_context_missing_exception",
                                                                   "reason": reason}]}, "status": 404})
            size = body.get("size", 10)
            start = body.get("from", 0)
            pool = state.search_hits
            if pool is None:
                pool = [{"_id": k, "_score": 1.0, "_source": {"source": v["source"]}, "sort": [0, k]}
                        for k, v in state.documents.items()]
            if "search_after" in body:
                after = body["search_after"][1]
                pool = [h for h in pool if h["_id"] > after]
            hits = pool[start : start + size] if size else []
            aggregations = {name: {"buckets": []} for name in body.get("aggs", {})}
            self._reply(200, {"took": 1, "timed_out": False, "hits": {"total": {"value": len(pool), "relation": "eq"},
                                                                      "hits": hits}, "aggregations": aggregations})

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

    return Handler


def start_stub(state: StubState) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
