"""Run the app under uvicorn (httptools and uvloop, one worker per core by default),
accepting request lines with raw UTF-8 as nginx does.

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


class TolerantHttpToolsProtocol(HttpToolsProtocol):
    def data_received(self, data: bytes) -> None:
        if _REQUEST_START.match(data):
            data = encode_request_line(data)
        super().data_received(data)


def run(host: str, port: int, workers: int | None = None) -> None:
    workers = workers or int(os.environ.get("ZHENGCE_WORKERS", "0")) or os.cpu_count() or 1
    uvicorn.run(
        "search_api.app:app", host=host, port=port, workers=workers, http=TolerantHttpToolsProtocol,
        loop="uvloop", log_level="warning",
    )
