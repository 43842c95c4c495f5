"""Dependencies handlers declare by type: `engine: EngineDep`. Tests override get_settings."""
from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends

from indexer.base import SearchEngine
from search_api.cache import ResponseCache
from zhengce.engines import open_engine
from zhengce.settings import Settings, get_settings


@lru_cache
def _engine_for(settings: Settings) -> SearchEngine:
    return open_engine(settings)


def get_engine(settings: Annotated[Settings, Depends(get_settings)]) -> SearchEngine:
    return _engine_for(settings)


@lru_cache
def _cache_for(settings: Settings) -> ResponseCache:
    return ResponseCache(settings.response_cache)


def get_response_cache(settings: Annotated[Settings, Depends(get_settings)]) -> ResponseCache:
    return _cache_for(settings)


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[SearchEngine, Depends(get_engine)]
CacheDep = Annotated[ResponseCache, Depends(get_response_cache)]
