"""All configuration in one place, read from the environment (ZHENGCE_*) once per process."""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ENGINES = ("tantivy", "elasticsearch")


class SettingsError(ValueError):
    """A setting is missing or has a value zhengce cannot use."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    engine: str = "tantivy"
    user_agent: str = ""
    interpretation_workdays: int = 3  # the timeliness rule: interpretations due within N working days
    # 公文种类 that need an interpretation when they carry a 文号; empty: analyzers.timeliness's list
    timeliness_types: tuple[str, ...] = ()
    response_cache: int = 2000  # recent search responses kept per worker; 0 turns the cache off
    # Elasticsearch, when engine = "elasticsearch"
    es_url: str = ""
    es_api_key: str = ""
    es_username: str = ""
    es_password: str = ""
    es_ca_certs: str = ""
    es_index: str = "zhengce-documents"  # the alias; versioned indices are named after it
    es_shards: int = 1
    es_replicas: int = 1
    # Folders of the deployment's own site templates, searched before the shipped ones.
    sites_dirs: tuple[Path, ...] = ()

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise SettingsError(f"ZHENGCE_ENGINE={self.engine!r} is not one of: {', '.join(ENGINES)}")
        if not 1 <= self.interpretation_workdays <= 30:
            raise SettingsError("ZHENGCE_INTERPRETATION_WORKDAYS must be between 1 and 30")
        if self.engine == "elasticsearch" and not self.es_url:
            raise SettingsError("ZHENGCE_ENGINE=elasticsearch needs ZHENGCE_ES_URL (e.g. https://es.example.gov.cn:9200)")

    @property
    def raw_store_path(self) -> Path:
        return self.data_dir / "raw.sqlite3"

    @property
    def site_folders(self) -> tuple[Path, ...]:
        """<data dir>/sites, then ZHENGCE_SITES_DIR (os.pathsep-separated)."""
        return (self.data_dir / "sites", *self.sites_dirs)

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def scope_overrides_path(self) -> Path:
        return self.data_dir / "timeliness_scope.json"

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        values = {
            "data_dir": Path(os.environ.get("ZHENGCE_DATA_DIR", "data")),
            "engine": os.environ.get("ZHENGCE_ENGINE", "tantivy"),
            "user_agent": os.environ.get("ZHENGCE_USER_AGENT", ""),
            "interpretation_workdays": int(os.environ.get("ZHENGCE_INTERPRETATION_WORKDAYS", "3")),
            **{
                key: os.environ[f"ZHENGCE_{key.upper()}"]
                for key in ("es_url", "es_api_key", "es_username", "es_password", "es_ca_certs", "es_index")
                if os.environ.get(f"ZHENGCE_{key.upper()}")
            },
            **{
                key: int(os.environ[f"ZHENGCE_{key.upper()}"])
                for key in ("es_shards", "es_replicas", "response_cache")
                if os.environ.get(f"ZHENGCE_{key.upper()}")
            },
            "sites_dirs": tuple(Path(p) for p in os.environ.get("ZHENGCE_SITES_DIR", "").split(os.pathsep) if p),
            "timeliness_types": tuple(
                t.strip() for t in os.environ.get("ZHENGCE_TIMELINESS_TYPES", "").replace("，", ",").split(",") if t.strip()
            ),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


@lru_cache
def get_settings() -> Settings:
    return Settings.from_env()
