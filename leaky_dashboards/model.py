"""Read-only views of a rendered Grafana dashboard model shared by the diff, lint and verify."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from .errors import a_type

Json = dict[str, Any]
# Lint waivers a panel carries in the Jsonnet source (lint.libsonnet); stripped before output.
WAIVER_FIELD = "lintWaivers"


def shape_error(model: Any) -> str | None:
    """Why `model` cannot be read as a dashboard, in Jsonnet's words; None when it can.

    A dashboard is an object; its panels (and each row's panels), each panel's targets and its
    templating list, where present, are arrays of objects.
    """
    if not isinstance(model, dict):
        return f"holds {a_type(model)}, not a dashboard object"
    templating = model.get("templating", {})
    if not isinstance(templating, dict):
        return f"templating is {a_type(templating)}, not an object"
    problem = _objects(templating, "list", "templating.list")
    if problem:
        return problem
    problem = _objects(model, "panels", "panels")
    for i, panel in enumerate(model.get("panels", []) if problem is None else []):
        problem = _objects(panel, "panels", f"panels[{i}].panels") or _targets(panel, f"[{i}]")
        for j, child in enumerate(panel.get("panels", []) if problem is None else []):
            problem = _targets(child, f"[{i}].panels[{j}]")
            if problem:
                break
        if problem:
            break
    return problem


def _objects(parent: Json, key: str, where: str) -> str | None:
    items = parent.get(key, [])
    if not isinstance(items, list):
        return f"{where} is {a_type(items)}, not an array"
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            return f"{where}[{i}] is {a_type(item)}, not an object"
    return None


def _targets(panel: Json, where: str) -> str | None:
    return _objects(panel, "targets", f"panels{where}.targets")


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


def panels_in_rows(dashboard: Json) -> Iterator[tuple[str | None, Json]]:
    """Visible panels (rows left out) in display order, each with its row's title (None above
    the first row); a collapsed row's panels included."""
    row: str | None = None
    for top in dashboard.get("panels", []):
        if top.get("type") == "row":
            row = str(top.get("title", ""))
            for nested in top.get("panels", []):
                yield row, nested
        else:
            yield row, top


def describe_thresholds(value: Any) -> str:
    """Threshold steps as a reader says them: `green, yellow ≥ 0.5, red ≥ 1`."""
    if not isinstance(value, dict) or not isinstance(value.get("steps"), list):
        return "(none)"
    parts = []
    for step in value["steps"]:
        color = str(step.get("color", "?"))
        level = step.get("value")
        parts.append(color if level is None else f"{color} ≥ {number(level)}")
    mode = value.get("mode", "absolute")
    suffix = "" if mode == "absolute" else f" ({mode})"
    return ", ".join(parts) + suffix


def number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def strip_waivers(model: Json) -> Json:
    """A copy of the dashboard without lint waivers (`lintWaivers`, a source annotation, not a
    Grafana field), as Grafana and golden/ see it."""
    if not any(WAIVER_FIELD in p for p in iter_panels(model)) and WAIVER_FIELD not in model:
        return model
    clean = copy.deepcopy(model)
    clean.pop(WAIVER_FIELD, None)
    for panel in iter_panels(clean):
        panel.pop(WAIVER_FIELD, None)
    return clean
