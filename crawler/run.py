"""Run one crawl of one site in this process: Scrapy settings, the spider, a summary."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scrapy.crawler import CrawlerProcess

from crawler.raw_store import RawStore
from crawler.spiders.portal import PortalSpider
from sites import Site

DEFAULT_USER_AGENT = "zhengce/0.1 (+https://github.com/zhengce/zhengce; policy search crawler)"


@dataclass(frozen=True)
class CrawlSummary:
    stats: dict
    finish_reason: str

    def count(self, name: str) -> int:
        return self.stats.get(f"zhengce/{name}", 0)


def scrapy_settings(raw_store: Path, user_agent: str, log_level: str, recheck: bool = False) -> dict:
    return {
        "BOT_NAME": "zhengce",
        "USER_AGENT": user_agent,
        "ROBOTSTXT_OBEY": True,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
        "DOWNLOAD_DELAY": 1.0,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "RETRY_TIMES": 3,
        "RETRY_BACKOFF_BASE": 2.0,
        "DOWNLOAD_TIMEOUT": 60,
        "DOWNLOAD_MAXSIZE": 100 * 1024 * 1024,
        "LOG_LEVEL": log_level,
        "LOG_INSTALL_ROOT_HANDLER": True,
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.middlewares.BackoffMiddleware": 50,
            "crawler.middlewares.RawStoreMiddleware": 580,
            "crawler.middlewares.IncrementalMiddleware": 585,
            "crawler.middlewares.RedirectGuardMiddleware": 650,
        },
        "SPIDER_MIDDLEWARES": {"crawler.middlewares.CrawlErrorMiddleware": 10},
        "EXTENSIONS": {"crawler.progress.CrawlProgress": 0},
        "ZHENGCE_RECHECK": recheck,
    }


def crawl(site: Site, raw_store: Path, user_agent: str = DEFAULT_USER_AGENT, log_level: str = "INFO",
          recheck: bool = False, overrides: dict | None = None) -> CrawlSummary:
    """Crawl the site to the end; blocks. Twisted's reactor cannot restart: one crawl per process."""
    settings = scrapy_settings(raw_store, user_agent, log_level, recheck)
    settings.update({key.upper(): value for key, value in site.crawl.items()})
    settings.update(overrides or {})
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(PortalSpider)
    with RawStore(raw_store) as store:
        process.crawl(crawler, site=site, store=store)
        process.start()
    stats = crawler.stats.get_stats()
    return CrawlSummary(stats=stats, finish_reason=stats.get("finish_reason", "unknown"))
