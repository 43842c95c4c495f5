"""Scrapy middlewares: where crawling policy lives, so the spider stays a list of links.

Downloader side, in the order a response passes them (Scrapy calls process_response from the
highest order number down):
  650 RedirectGuardMiddleware        refuses, and logs, a redirect off the site or in a loop
  600 RedirectMiddleware (Scrapy's)  follows 3xx, so what reaches us is the final page
  590 HttpCompressionMiddleware      the stored bytes are the entity, not gzip
  585 IncrementalMiddleware          skips pages the raw store has fresh; conditional requests
  580 RawStoreMiddleware             commits the response before anything parses it
  ~   BackoffMiddleware (process_request, 50)  waits before a retry, longer each time
Spider side: CrawlErrorMiddleware puts a callback's exception in the store's error log."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

from crawler.raw_store import Outcome, RawResponse

REPLAYED = "zhengce:replayed"  # a response read back from the raw store, not fetched
REDIRECTS = (301, 302, 303, 307, 308)


class Refused(IgnoreRequest):
    """A request a middleware dropped after putting the reason in the store's error log."""


def _replay(request: Request, stored: RawResponse) -> Response:
    headers = {name: values for name, values in stored.headers.items() if name != "content-encoding"}
    cls = responsetypes.from_args(headers=headers, url=stored.final_url, body=stored.body)
    return cls(url=stored.final_url, status=stored.status, headers=headers, body=stored.body,
               request=request, flags=[REPLAYED])


class _WithCrawler:
    """A middleware that reaches the spider (its site and raw store) through the crawler."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)


class IncrementalMiddleware(_WithCrawler):
    """A page checked within its site's revisit period is read back from the raw store instead of
    fetched (its links are still followed: that is how a killed crawl resumes where it stopped).
    An older page is asked for conditionally (If-None-Match / If-Modified-Since); a 304 is
    answered with the stored version."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.recheck = crawler.settings.getbool("ZHENGCE_RECHECK")

    def process_request(self, request: Request):
        spider = self.crawler.spider
        visit = spider.store.visit(request.url)
        if visit is None or not visit.complete:
            return None
        site = spider.site
        period = site.revisit.lists if spider.is_list_request(request) else site.revisit.details
        age = datetime.now(timezone.utc) - visit.last_checked
        if not self.recheck and age < period:
            stored = spider.store.latest(request.url)
            if stored is not None:
                self.crawler.stats.inc_value("zhengce/skipped")
                return _replay(request, stored)
        if visit.last_status == 200:
            if visit.etag:
                request.headers["If-None-Match"] = visit.etag
            if visit.last_modified:
                request.headers["If-Modified-Since"] = visit.last_modified
        return None

    def process_response(self, request: Request, response: Response):
        if response.status != 304 or REPLAYED in response.flags:
            return response
        store = self.crawler.spider.store
        stored = store.latest(request.url)
        if stored is None:  # a 304 for a page we never had: ask again, plainly
            return request.replace(headers={k: v for k, v in request.headers.items()
                                            if k.lower() not in (b"if-none-match", b"if-modified-since")},
                                   dont_filter=True)
        store.touch(request.url)
        self.crawler.stats.inc_value(f"zhengce/{Outcome.unchanged.value}")
        return _replay(request, stored)


class RawStoreMiddleware(_WithCrawler):
    """Commits every fetched response to the raw store: URL asked for, final URL after redirects,
    status, headers, bytes, time, and the page that linked to it."""

    def process_response(self, request: Request, response: Response):
        if REPLAYED in response.flags:
            return response
        spider = self.crawler.spider
        headers = {
            name.decode("latin-1"): [v.decode("latin-1") for v in values]
            for name, values in response.headers.items()
        }
        asked_for = (request.meta.get("redirect_urls") or [request.url])[0]
        referer = (request.headers.get("Referer") or b"").decode("latin-1")
        try:
            outcome = spider.store.put(spider.site.name, asked_for, response.url, response.status, headers,
                                       response.body, referer=referer)
        except sqlite3.Error as exc:
            # A full disk or an I/O error: nothing more can be stored, so the crawl ends now and
            # says so, instead of fetching pages it cannot keep.
            stats = self.crawler.stats
            stats.inc_value("zhengce/store_failed")
            stats.set_value("zhengce/store_error", f"{type(exc).__name__}: {exc}")
            self.crawler.engine.close_spider(spider, "store_failed")
            raise Refused(f"not stored: {exc}") from exc
        self.crawler.stats.inc_value(f"zhengce/{outcome.value}")
        return response


class RedirectGuardMiddleware(_WithCrawler):
    """A redirect to another host (or another port of ours), or back to an address already on
    its way, is not followed: it goes to the error log with both URLs. Scrapy would follow the
    first (its offsite check ignores ports) and drop the second as a duplicate, silently."""

    def process_response(self, request: Request, response: Response):
        location = response.headers.get("Location")
        if response.status not in REDIRECTS or not location:
            return response
        target = urljoin(request.url, location.decode("latin-1"))
        site = self.crawler.spider.site
        if urlsplit(target).netloc.lower() != site.host.lower():
            self._refuse(request, f"重定向到站外地址 {target}，未跟随")
        if target in (*request.meta.get("redirect_urls", ()), request.url):
            self._refuse(request, f"重定向循环（回到 {target}），未跟随")
        return response

    def _refuse(self, request: Request, message: str):
        spider = self.crawler.spider
        spider.store.log_error(spider.site.name, request.url, "fetch", message)
        self.crawler.stats.inc_value("zhengce/errors")
        raise Refused(message)


class BackoffMiddleware:
    """Retries wait before going out again: RETRY_BACKOFF_BASE seconds, doubling per attempt up to
    RETRY_BACKOFF_MAX, so a struggling server gets room instead of a burst."""

    def __init__(self, base: float, cap: float):
        self.base, self.cap = base, cap

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getfloat("RETRY_BACKOFF_BASE", 2.0), crawler.settings.getfloat("RETRY_BACKOFF_MAX", 60.0))

    async def process_request(self, request: Request):
        attempt = request.meta.get("retry_times", 0)
        if attempt and self.base > 0:
            from twisted.internet import reactor  # the one Scrapy installed; importing earlier would pick another

            await maybe_deferred_to_future(deferLater(reactor, min(self.cap, self.base * 2 ** (attempt - 1)), lambda: None))
        return None


class CrawlErrorMiddleware(_WithCrawler):
    """A page the spider could not parse is logged with its URL; the crawl goes on."""

    def process_spider_exception(self, response: Response, exception: Exception):
        spider = self.crawler.spider
        spider.store.log_error(spider.site.name, response.url, "crawl", f"{type(exception).__name__}: {exception}")
        self.crawler.stats.inc_value("zhengce/errors")
        return []
