"""`zhengce crawl` progress: pages, new, changed, unchanged, skipped, withdrawn, errors, every few
seconds on stderr while the crawl runs (one updating line on a terminal); the command prints the
final figures."""
from __future__ import annotations

import sys

from scrapy import signals
from twisted.internet import task

COUNTERS = ("new", "changed", "unchanged", "skipped", "withdrawn", "failed", "errors")


def progress_line(stats: dict) -> str:
    counts = {name: stats.get(f"zhengce/{name}", 0) for name in COUNTERS}
    pages = sum(counts[name] for name in ("new", "changed", "unchanged", "withdrawn", "failed"))
    return (f"pages {pages + counts['skipped']} · new {counts['new']} · changed {counts['changed']}"
            f" · unchanged {counts['unchanged']} · skipped (fresh in store) {counts['skipped']}"
            f" · withdrawn {counts['withdrawn']} · errors {counts['errors'] + counts['failed']}")


class CrawlProgress:
    def __init__(self, crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.loop: task.LoopingCall | None = None
        self.on_terminal = sys.stderr.isatty()

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler, crawler.settings.getfloat("ZHENGCE_PROGRESS_INTERVAL", 2.0))
        crawler.signals.connect(extension.opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def show(self) -> None:
        line = progress_line(self.crawler.stats.get_stats())
        sys.stderr.write(f"\r{line}\033[K" if self.on_terminal else line + "\n")
        sys.stderr.flush()

    def opened(self, spider) -> None:
        if self.interval > 0:
            self.loop = task.LoopingCall(self.show)
            self.loop.start(self.interval, now=False)

    def closed(self, spider, reason) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.on_terminal:
            sys.stderr.write("\r\033[K")
