"""Serve the sample site, or a test mirror, on 127.0.0.1 as a government portal would:
index.htm for folders, each page's charset in its Content-Type (GBK where the page is GBK),
robots.txt, Last-Modified and ETag with 304 answers to conditional requests, JSON list APIs
(the file PATH@QUERY answers PATH?QUERY), and the redirects and removals a `.routes` file
lists (`PATH 301 TARGET`, `PATH 410`)."""
from __future__ import annotations

import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

WWW = Path(__file__).parent / "www"


def _table(root: Path, name: str) -> dict[str, list[str]]:
    table = root / name
    if not table.is_file():
        return {}
    rows = (line.split() for line in table.read_text(encoding="utf-8").splitlines() if line.strip())
    return {row[0]: row[1:] for row in rows}


class PortalHandler(SimpleHTTPRequestHandler):
    index_pages = ("index.htm", "index.html")  # read by Python 3.12+; 3.11 tries both names itself
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".htm": "text/html",
        ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".doc": "application/msword",
        ".xls": "application/vnd.ms-excel",
        ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".wps": "application/vnd.ms-works",
        ".pdf": "application/pdf",
    }
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers: the crawler reuses connections

    def __init__(self, *args, root: Path, **kwargs):
        self.root = root
        self.charsets = {path: values[0] for path, values in _table(root, ".charsets").items()}
        self.routes = _table(root, ".routes")
        self.etag = ""
        super().__init__(*args, directory=str(root), **kwargs)

    def translate_path(self, path: str) -> str:
        parts = urlsplit(path)
        if parts.query:
            answer = self.root / (unquote(parts.path).lstrip("/") + "@" + unquote(parts.query))
            if answer.is_file():
                return str(answer)
        return super().translate_path(path)

    def guess_type(self, path):  # noqa: ANN001 — signature of the base class
        path = str(path)
        if "@" in Path(path).name:  # an answer to PATH?QUERY: the type PATH has, JSON for an API
            path = path.rsplit("@", 1)[0]
            if not Path(path).suffix:
                return "application/json; charset=utf-8"
        kind = super().guess_type(path)
        if kind.startswith("text/"):
            rel = Path(path).resolve().relative_to(self.root.resolve()).as_posix()
            return f"{kind}; charset={self.charsets.get(rel, 'utf-8')}"
        return kind

    def send_head(self):
        self.server.requests.append(self.path)
        if self.server.delay:
            time.sleep(self.server.delay)
        route = self.routes.get(urlsplit(self.path).path)
        if route and route[0] in ("301", "302"):
            self.send_response(int(route[0]))
            self.send_header("Location", route[1])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if route:
            self.send_error(int(route[0]))
            return None
        target = Path(self.translate_path(self.path))
        if target.is_file():
            stat = target.stat()
            self.etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
            if self.headers.get("If-None-Match") == self.etag:
                self.server.not_modified.append(self.path)
                self.send_response(304)
                self.end_headers()
                return None
        return super().send_head()

    def end_headers(self):
        if self.etag:
            self.send_header("ETag", self.etag)
            self.etag = ""
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 — quiet: tests crawl it many times
        pass


class PortalServer(ThreadingHTTPServer):
    """Keeps the paths asked for (tests count fetches); `delay` seconds per answer imitates a slow
    government server."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler, delay: float = 0.0):
        super().__init__(address, handler)
        self.delay = delay
        self.requests: list[str] = []
        self.not_modified: list[str] = []  # paths answered 304 to an If-None-Match


def make_server(port: int = 0, root: Path = WWW, delay: float = 0.0) -> PortalServer:
    return PortalServer(("127.0.0.1", port), partial(PortalHandler, root=root), delay)


def serve_in_background(port: int = 0, root: Path = WWW, delay: float = 0.0) -> tuple[PortalServer, str]:
    """Start the site in a daemon thread; return the server and its base URL."""
    server = make_server(port, root, delay)
    threading.Thread(target=server.serve_forever, name="sample-site", daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"
