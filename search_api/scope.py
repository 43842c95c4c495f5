"""Staff decisions on which policies the timeliness check covers, kept in the data directory
(timeliness_scope.json: document id → true to include, false to exclude)."""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

_lock = threading.Lock()


def load_overrides(path: Path) -> dict[str, bool]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise RuntimeError(f"{path} is unreadable ({exc}); fix or delete it") from exc
    return {str(k): bool(v) for k, v in raw.items()}


def set_override(path: Path, doc_id: str, include: bool | None) -> dict[str, bool]:
    """Record include/exclude for one document (None forgets it); written atomically."""
    with _lock:
        overrides = load_overrides(path)
        if include is None:
            overrides.pop(doc_id, None)
        else:
            overrides[doc_id] = include
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(overrides, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(temporary, path)
        return overrides
