"""How much of a crawled page or attachment the analyzers will read. Crawled files are written
by strangers: a 773 KB DOCX can inflate to 256 MiB of XML, a 50 MB page can hold one endless
paragraph. What is cut is recorded on the document with the reason; the stored bytes stay whole,
so a deployment that raises a limit gets the rest at the next `zhengce reindex`."""
from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class AnalysisLimits:
    page_chars: int = 5_000_000  # of a page's HTML, parsed (after decoding: a cut never splits a character)
    text_chars: int = 500_000  # of a page's body, and of each attachment's text, indexed
    attachment_bytes: int = 50 * MB  # a larger file is not opened
    attachment_inflated_bytes: int = 200 * MB  # the members of a zip-based file (DOCX, XLSX) together
    attachment_pages: int = 2_000  # PDF pages read
    attachment_memory_bytes: int = 1024 * MB  # address space of the process that extracts
    attachment_seconds: float = 60.0  # wall time for one attachment
