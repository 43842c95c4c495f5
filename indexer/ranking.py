"""Result order after scoring, the same for every engine: recency breaks ties, and an
interpretation found with its policy is shown under that policy."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from analyzers.model import DocKind

if TYPE_CHECKING:  # the interface orders its results with this module
    from indexer.base import Hit

TIE_WINDOW = 20  # extra hits fetched so that ties across a page boundary are ordered too
_OLDEST = datetime.min.replace(tzinfo=timezone.utc)


def break_ties_by_recency(scored: list[tuple[float, datetime | None, object]]) -> list[object]:
    """Order (score, published, item) by score, newest first among equal scores."""
    ordered = sorted(scored, key=lambda s: (-round(s[0], 4), -(s[1] or _OLDEST).timestamp()))
    return [item for _score, _when, item in ordered]


def group_interpretations(hits: list[Hit]) -> list[Hit]:
    """Move each interpretation hit under a policy hit it explains, keeping the first position
    either of them had, so a policy comes up with its interpretations."""
    policies = {h.document.id: h for h in hits if h.document.kind is DocKind.policy}
    grouped: list[Hit] = []
    placed: set[str] = set()
    for hit in hits:
        if hit.document.kind is DocKind.interpretation:
            parent = next((policies[l.doc_id] for l in hit.document.interprets if l.doc_id in policies), None)
            if parent is not None:
                parent.related.append(hit)
                if parent.document.id not in placed:
                    grouped.append(parent)
                    placed.add(parent.document.id)
                continue
        if hit.document.id not in placed:
            grouped.append(hit)
            placed.add(hit.document.id)
    return grouped
