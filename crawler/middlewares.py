"""Downloader middleware that commits every response to the raw store before any parsing.

Placed next to the downloader (order 950), it sees each hop as the server sent it: redirects,
404s and 500s included, so a withdrawn page is on record too."""
from __future__ import annotations

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.raw_store import RawStore


class RawStoreMiddleware:
    def __init__(self, store: RawStore, crawler):
        self.store = store
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("ZHENGCE_RAW_STORE")
        if not path:
            raise NotConfigured("ZHENGCE_RAW_STORE is not set")
        middleware = cls(RawStore(path), crawler)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(self, request, response):
        headers = {
            name.decode("latin-1"): [v.decode("latin-1") for v in values]
            for name, values in response.headers.items()
        }
        location = response.headers.get("Location")
        final_url = response.urljoin(location.decode("latin-1")) if location else response.url
        self.store.put(self.crawler.spider.site.name, request.url, final_url, response.status, headers, response.body)
        self.crawler.stats.inc_value("zhengce/stored")
        self.crawler.stats.inc_value(f"zhengce/stored/status_{response.status}")
        return response

    def spider_closed(self):
        self.store.close()
