"""Serve the sample site on 127.0.0.1 as a government portal would: index.htm for folders,
each page's charset in its Content-Type (GBK where the page is GBK), robots.txt, Last-Modified."""
from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

WWW = Path(__file__).parent / "www"


def _charsets(root: Path) -> dict[str, str]:
    table = root / ".charsets"
    if not table.is_file():
        return {}
    pairs = (line.split() for line in table.read_text(encoding="utf-8").splitlines() if line.strip())
    return {path: charset for path, charset in pairs}


class PortalHandler(SimpleHTTPRequestHandler):
    index_pages = ("index.htm", "index.html")  # read by Python 3.12+; 3.11 tries both names itself
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".htm": "text/html",
        ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".pdf": "application/pdf",
    }

    def __init__(self, *args, charsets: dict[str, str], **kwargs):
        self.charsets = charsets
        super().__init__(*args, **kwargs)

    def guess_type(self, path):  # noqa: ANN001 — signature of the base class
        kind = super().guess_type(path)
        if kind.startswith("text/"):
            rel = Path(path).resolve().relative_to(Path(self.directory).resolve()).as_posix()
            return f"{kind}; charset={self.charsets.get(rel, 'utf-8')}"
        return kind

    def log_message(self, format, *args):  # noqa: A002 — quiet: tests crawl it many times
        pass


def make_server(port: int = 0, root: Path = WWW) -> ThreadingHTTPServer:
    handler = partial(PortalHandler, directory=str(root), charsets=_charsets(root))
    return ThreadingHTTPServer(("127.0.0.1", port), handler)


def serve_in_background(port: int = 0, root: Path = WWW) -> tuple[ThreadingHTTPServer, str]:
    """Start the site in a daemon thread; return the server and its base URL."""
    server = make_server(port, root)
    threading.Thread(target=server.serve_forever, name="sample-site", daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"
