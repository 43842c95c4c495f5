"""Dependencies handlers declare by type: `engine: EngineDep`. Tests override settings.

They are `async def` although nothing in them awaits: FastAPI runs a plain `def` dependency in
its thread pool, a hand-off that cost more than the work itself on every request."""
from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends

from indexer.base import SearchEngine
from search_api.cache import ResponseCache
from zhengce.engines import open_engine
from zhengce.settings import Settings, get_settings


async def settings() -> Settings:
    return get_settings()


@lru_cache
def _engine_for(current: Settings) -> SearchEngine:
    return open_engine(current)


async def get_engine(current: Annotated[Settings, Depends(settings)]) -> SearchEngine:
    return _engine_for(current)


@lru_cache
def _cache_for(current: Settings) -> ResponseCache:
    return ResponseCache(current.response_cache)


async def get_response_cache(current: Annotated[Settings, Depends(settings)]) -> ResponseCache:
    return _cache_for(current)


SettingsDep = Annotated[Settings, Depends(settings)]
EngineDep = Annotated[SearchEngine, Depends(get_engine)]
CacheDep = Annotated[ResponseCache, Depends(get_response_cache)]
