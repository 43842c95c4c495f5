"""All configuration in one place, read from the environment (ZHENGCE_*) once per process."""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from analyzers.limits import MB, AnalysisLimits

ENGINES = ("tantivy", "elasticsearch")


class SettingsError(ValueError):
    """A setting is missing or has a value zhengce cannot use."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    engine: str = "tantivy"
    user_agent: str = ""
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
    # Host names the API answers to (the Host header); empty: the bind address and localhost.
    allowed_hosts: tuple[str, ...] = ()
    bind_host: str = "127.0.0.1"
    # reindex refuses an index that lost more than this share of the documents (1.0: allow any loss)
    max_shrink: float = 0.5
    analysis_limits: AnalysisLimits = AnalysisLimits()

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise SettingsError(f"ZHENGCE_ENGINE={self.engine!r} is not one of: {', '.join(ENGINES)}")
        if not 0 <= self.max_shrink <= 1:
            raise SettingsError("ZHENGCE_MAX_SHRINK must be a share between 0 and 1")
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
    def build_state_path(self) -> Path:
        """What the last build of the configured index knew (zhengce.build_state), one per index."""
        name = "tantivy" if self.engine == "tantivy" else f"elasticsearch-{self.es_index}"
        return self.index_dir / f"{name}.build.sqlite3"

    @property
    def scope_overrides_path(self) -> Path:
        """Where versions before the staff database kept scope decisions; imported once."""
        return self.data_dir / "timeliness_scope.json"

    @property
    def calendar_dir(self) -> Path:
        """The deployment's holiday calendar files (<year>.json), over the shipped ones."""
        return self.data_dir / "calendar"

    @property
    def timeliness_rules_path(self) -> Path:
        """The deployment's rule profiles and their assignment to units and sites."""
        return self.data_dir / "timeliness.toml"

    @property
    def staff_db_path(self) -> Path:
        return self.data_dir / "staff.sqlite3"

    @property
    def host_allow_list(self) -> list[str]:
        if self.allowed_hosts:
            return list(self.allowed_hosts)
        hosts = {self.bind_host, "localhost", "127.0.0.1", "::1"}
        if self.bind_host in ("0.0.0.0", "::"):
            import socket

            hosts |= {socket.gethostname(), socket.getfqdn()}
            hosts -= {"0.0.0.0", "::"}
        return sorted(hosts)

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        values = {
            "data_dir": Path(os.environ.get("ZHENGCE_DATA_DIR", "data")),
            "engine": os.environ.get("ZHENGCE_ENGINE", "tantivy"),
            "user_agent": os.environ.get("ZHENGCE_USER_AGENT", ""),
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
            "allowed_hosts": _list(os.environ.get("ZHENGCE_ALLOWED_HOSTS", "")),
            "bind_host": os.environ.get("ZHENGCE_BIND_HOST", "127.0.0.1"),
            **({"max_shrink": float(os.environ["ZHENGCE_MAX_SHRINK"])} if os.environ.get("ZHENGCE_MAX_SHRINK") else {}),
            "analysis_limits": _limits(),
            "sites_dirs": tuple(Path(p) for p in os.environ.get("ZHENGCE_SITES_DIR", "").split(os.pathsep) if p),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


# environment variable → (AnalysisLimits field, unit)
LIMIT_VARIABLES = {
    "ZHENGCE_MAX_PAGE_CHARS": ("page_chars", 1),
    "ZHENGCE_MAX_TEXT_CHARS": ("text_chars", 1),
    "ZHENGCE_ATTACHMENT_MAX_MB": ("attachment_bytes", MB),
    "ZHENGCE_ATTACHMENT_INFLATED_MB": ("attachment_inflated_bytes", MB),
    "ZHENGCE_ATTACHMENT_MAX_PAGES": ("attachment_pages", 1),
    "ZHENGCE_ATTACHMENT_MEMORY_MB": ("attachment_memory_bytes", MB),
    "ZHENGCE_ATTACHMENT_SECONDS": ("attachment_seconds", 1),
}


def _limits() -> AnalysisLimits:
    values = {}
    for variable, (name, unit) in LIMIT_VARIABLES.items():
        if os.environ.get(variable):
            try:
                number = float(os.environ[variable])
            except ValueError:
                raise SettingsError(f"{variable} must be a number, not {os.environ[variable]!r}") from None
            if number <= 0:
                raise SettingsError(f"{variable} must be positive")
            values[name] = number * unit if name == "attachment_seconds" else int(number * unit)
    return AnalysisLimits(**values)


def _list(value: str) -> tuple[str, ...]:
    """A comma-separated setting (full-width commas too)."""
    return tuple(item.strip() for item in value.replace("，", ",").split(",") if item.strip())


@lru_cache
def get_settings() -> Settings:
    return Settings.from_env()
