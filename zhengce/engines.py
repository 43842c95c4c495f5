"""Which engine answers is a setting: this is the one place that turns it into an engine.
It lives with the settings, above the stages: indexer modules know nothing of configuration."""
from __future__ import annotations

from indexer.base import SearchEngine
from zhengce.settings import Settings


def open_engine(settings: Settings) -> SearchEngine:
    """The configured engine; for Elasticsearch, checked to be reachable and supported."""
    if settings.engine == "tantivy":
        from indexer.tantivy_engine import TantivyEngine

        return TantivyEngine(settings.index_dir / "tantivy")
    if settings.engine == "elasticsearch":
        from indexer.elastic_engine import ElasticsearchEngine, connect

        client = connect(settings.es_url, settings.es_api_key, settings.es_username, settings.es_password,
                         settings.es_ca_certs)
        engine = ElasticsearchEngine(client, settings.es_index, settings.es_shards, settings.es_replicas)
        engine.check()
        return engine
    raise ValueError(f"unknown search engine {settings.engine!r}")
