"""Crawler: Scrapy spiders driven by site templates; every response goes to the raw store."""
