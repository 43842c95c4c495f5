"""A thin spider for any site template: it finds list pages (HTML or a JSON list API), detail
pages and attachments, and follows them. Storing, skipping what is fresh, conditional requests
and error logging happen in crawler.middlewares; parsing happens later, in analyzers."""
from __future__ import annotations

import json
from urllib.parse import urljoin, urlparse

from scrapy import Request, Spider
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from twisted.python.failure import Failure

from crawler.middlewares import Refused
from crawler.raw_store import RawStore, looks_like_html
from sites import IMAGE_MAX_BYTES, IMAGE_PATH, IMAGES_PER_PAGE, ListApi, Site

LIST_PAGE = "zhengce_list"  # request meta: a list page, revisited on the site's list schedule


def _same_folder(url: str, other: str) -> bool:
    return urlparse(url).path.rsplit("/", 1)[0] == urlparse(other).path.rsplit("/", 1)[0]


class PortalSpider(Spider):
    name = "portal"

    def __init__(self, site: Site, store: RawStore, **kwargs):
        super().__init__(**kwargs)
        self.site = site
        self.store = store
        self.allowed_domains = [urlparse(site.base_url).hostname]
        # deny_extensions=[]: attachments (.pdf, .docx …) are exactly what we want to fetch.
        # The host check is ours: LinkExtractor's allow_domains ignores ports.
        self.links = LinkExtractor(deny_extensions=[], unique=True)

    def is_list_request(self, request: Request) -> bool:
        return bool(request.meta.get(LIST_PAGE))

    async def start(self):
        for url in self.site.start_urls:
            yield Request(url, callback=self.parse, errback=self.failed, meta={LIST_PAGE: True})
        for api in self.site.list_apis:
            yield self._api_page(api, api.first_page)

    def _api_page(self, api: ListApi, page: int) -> Request:
        return Request(api.page_url(self.site.base_url, page), callback=self.parse_api, errback=self.failed,
                       meta={LIST_PAGE: True}, cb_kwargs={"api": api, "page": page}, priority=-page)

    def parse(self, response: Response):
        if not isinstance(response, TextResponse):
            if not looks_like_html(response.body):
                return  # an attachment: already stored, nothing to follow
            response = HtmlResponse(response.url, body=response.body, request=response.request)
        if self.site.is_detail(response.url):
            yield from self._images(response)
        on_list_page = self.site.is_list(response.url)
        for link in self.links.extract_links(response):
            url = link.url
            if urlparse(url).netloc != self.site.host:
                continue
            if self.site.is_attachment(url):
                yield Request(url, callback=self.parse, errback=self.failed, priority=1)
            elif self.site.is_detail(url):
                yield self._detail(url)
            elif on_list_page and self.site.is_list(url) and (
                not self.site.columns or self.site.column_for(url) or _same_folder(url, response.url)
            ):
                # A list page is paged whether a column covers it or not (its index_1.htm,
                # ?page=2 … sit beside it); other list pages are followed within the columns.
                yield Request(url, callback=self.parse, errback=self.failed, meta={LIST_PAGE: True})

    def _images(self, response: HtmlResponse):
        """The body's raster images (a 图解's infographic), fetched like attachments and kept in
        the raw store; each at most IMAGE_MAX_BYTES (Scrapy drops a larger one unread)."""
        scope = f"{self.site.page.body} img::attr(src)" if self.site.page.body else "img::attr(src)"
        wanted = []
        for src in response.css(scope).getall():
            url = response.urljoin(src.strip())
            if urlparse(url).netloc == self.site.host and IMAGE_PATH.search(urlparse(url).path) and url not in wanted:
                wanted.append(url)
        for url in wanted[:IMAGES_PER_PAGE]:
            yield Request(url, callback=self.parse, errback=self.failed, priority=1,
                          meta={"download_maxsize": IMAGE_MAX_BYTES})

    def parse_api(self, response: Response, api: ListApi, page: int):
        records = api.records(json.loads(response.body))
        if records is None:
            return  # past the last page
        for record in records:
            if record.get(api.url_field):
                yield self._detail(urljoin(response.url, str(record[api.url_field])))
        yield self._api_page(api, page + 1)

    def _detail(self, url: str) -> Request:
        self.crawler.stats.inc_value("zhengce/detail_links")  # none at all: the template matches nothing
        return Request(url, callback=self.parse, errback=self.failed, priority=2)

    def failed(self, failure: Failure):
        """A request that failed for good (after retries): on record, and the crawl goes on."""
        if failure.check(Refused):
            return  # the middleware that refused it has logged why
        request = failure.request if hasattr(failure, "request") else None
        url = request.url if request is not None else "?"
        self.store.log_error(self.site.name, url, "fetch", f"{failure.type.__name__}: {failure.getErrorMessage()}")
        self.crawler.stats.inc_value("zhengce/errors")
