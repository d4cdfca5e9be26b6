"""Read-only views of a rendered Grafana dashboard model shared by the diff, lint and verify."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Json = dict[str, Any]


def iter_panels(dashboard: Json) -> Iterator[Json]:
    """Every panel in display order, rows included, panels of collapsed rows after their row."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def panel_keys(dashboard: Json) -> dict[str, Json]:
    """Panels keyed by title; a repeated title gets ' #2', ' #3' so every key is unique."""
    keyed: dict[str, Json] = {}
    for panel in iter_panels(dashboard):
        title = str(panel.get("title") or f"<untitled {panel.get('type', 'panel')}>")
        key, n = title, 1
        while key in keyed:
            n += 1
            key = f"{title} #{n}"
        keyed[key] = panel
    return keyed


def count_panels(dashboard: Json) -> int:
    """Panels a viewer sees, rows not counted."""
    return sum(1 for panel in iter_panels(dashboard) if panel.get("type") != "row")
