"""Run the app under uvicorn (httptools and uvloop, one worker per core by default),
accepting request lines with raw UTF-8 as nginx does, and closing connections that take too
long to send their request head or send one too large (uvicorn has neither limit: 1,000
half-sent requests were held open for as long as their clients liked).

`curl '127.0.0.1:8000/api/search?q=政务公开'` sends the hanzi unencoded; httptools (and h11)
reject any non-ASCII byte in the request target. This protocol percent-encodes those bytes in
the request line before the parser reads it; browsers already encode, so nothing else changes."""
from __future__ import annotations

import os
import re

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# Requests without a body: a chunk starting so is the start of a request, never body bytes.
_REQUEST_START = re.compile(rb"^(GET|HEAD|DELETE|OPTIONS) ")
_NON_ASCII = re.compile(rb"[\x80-\xff]")


def encode_request_line(data: bytes) -> bytes:
    line_end = data.find(b"\r\n")
    line_end = len(data) if line_end < 0 else line_end
    line = _NON_ASCII.sub(lambda m: b"%%%02X" % m.group(0)[0], data[:line_end])
    return line + data[line_end:]


HEAD_TIMEOUT = float(os.environ.get("ZHENGCE_HEADER_TIMEOUT", "10"))  # seconds for a request line and headers
MAX_HEAD_BYTES = 64 * 1024
IDLE_TIMEOUT = 5  # seconds a kept-alive connection may stay silent between requests
MAX_CONNECTIONS = 1000  # per worker; past it, 503 at once
# Seconds a worker may take to answer the supervisor's ping before it is killed and replaced
# (uvicorn: 5). Preparing the timeliness report reads the build's facts in one pydantic-core
# call that holds the GIL — longer than 5 s at 300,000 documents on a slow day — and a worker
# replaced for it prepared it again and was replaced again, for ever (found by bench.scale).
WORKER_PING_TIMEOUT = 120


class TolerantHttpToolsProtocol(HttpToolsProtocol):
    _head_timer = None
    _head_bytes = 0

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_clock()

    def _start_head_clock(self) -> None:
        if self._head_timer is None:
            self._head_bytes = 0
            self._head_timer = self.loop.call_later(HEAD_TIMEOUT, self._head_too_slow)

    def _stop_head_clock(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def on_message_begin(self) -> None:
        self._start_head_clock()  # the next request on a kept-alive connection: its own clock
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._stop_head_clock()
        super().on_headers_complete()

    def connection_lost(self, exc) -> None:
        self._stop_head_clock()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if _REQUEST_START.match(data):
            data = encode_request_line(data)
        if self._head_timer is not None:
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES:
                self._stop_head_clock()
                self.send_400_response("Request head too large.")
                return
        super().data_received(data)


def run(host: str, port: int, workers: int | None = None) -> None:
    workers = workers or int(os.environ.get("ZHENGCE_WORKERS", "0")) or os.cpu_count() or 1
    uvicorn.run(
        "search_api.app:app", host=host, port=port, workers=workers, http=TolerantHttpToolsProtocol,
        loop="uvloop", log_level="warning", timeout_keep_alive=IDLE_TIMEOUT, limit_concurrency=MAX_CONNECTIONS,
        # X-Forwarded-Proto from the nginx front on this machine: request.url.scheme is then https,
        # and the session cookie is marked Secure.
        proxy_headers=True, forwarded_allow_ips="127.0.0.1", timeout_worker_healthcheck=WORKER_PING_TIMEOUT,
    )
