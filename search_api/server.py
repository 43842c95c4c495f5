"""Run the app under uvicorn, accepting request lines with raw UTF-8 as nginx does.

`curl '127.0.0.1:8000/api/search?q=政务公开'` sends the hanzi unencoded; h11 (and httptools)
reject any non-ASCII byte in the request target. This protocol percent-encodes those bytes in
the request line before h11 reads it; browsers already encode, so nothing else changes."""
from __future__ import annotations

import re

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

_REQUEST_START = re.compile(rb"^[A-Z]{3,10} ")
_NON_ASCII = re.compile(rb"[\x80-\xff]")


def encode_request_line(data: bytes) -> bytes:
    line_end = data.find(b"\r\n")
    line_end = len(data) if line_end < 0 else line_end
    line = _NON_ASCII.sub(lambda m: b"%%%02X" % m.group(0)[0], data[:line_end])
    return line + data[line_end:]


class TolerantH11Protocol(H11Protocol):
    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE and _REQUEST_START.match(data):
            data = encode_request_line(data)
        super().data_received(data)


def run(host: str, port: int) -> None:
    uvicorn.run("search_api.app:app", host=host, port=port, http=TolerantH11Protocol, log_level="warning")
