"""A thin spider for any site template: it finds list, detail and attachment links and hands
every response on. Storing happens in RawStoreMiddleware; parsing happens later, in analyzers."""
from __future__ import annotations

from urllib.parse import urlparse

from scrapy import Request, Spider
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor

from sites import Site


class PortalSpider(Spider):
    name = "portal"

    def __init__(self, site: Site, **kwargs):
        super().__init__(**kwargs)
        self.site = site
        self.allowed_domains = [urlparse(site.base_url).hostname]
        self.start_urls = site.start_urls
        # deny_extensions=[]: attachments (.pdf, .docx …) are exactly what we want to fetch.
        # The host check is ours: LinkExtractor's allow_domains ignores ports.
        self.links = LinkExtractor(deny_extensions=[], unique=True)

    def parse(self, response: Response):
        if not isinstance(response, TextResponse):
            return  # an attachment: already stored, nothing to follow
        on_list_page = self.site.is_list(response.url)
        for link in self.links.extract_links(response):
            url = link.url
            if urlparse(url).netloc != self.site.host:
                continue
            if self.site.is_attachment(url):
                yield Request(url, callback=self.parse, priority=1)
            elif self.site.is_detail(url):
                yield Request(url, callback=self.parse, priority=2)
            elif on_list_page and self.site.is_list(url) and self.site.column_for(url):
                yield Request(url, callback=self.parse)
