"""Read-only views of a rendered Grafana dashboard model shared by the diff, lint and verify."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from .errors import a_type

Json = dict[str, Any]
# Lint waivers a panel carries in the Jsonnet source (lint.libsonnet); stripped before output.
WAIVER_FIELD = "lintWaivers"
# A panel's key in the Jsonnet library (`libsonnet/panels.libsonnet` `keyField`): its stable
# identity, from which its id is derived. Not Grafana's: stripped before the schema check and
# before any output.
KEY_FIELD = "panelKey"
# Fields of the Jsonnet library, not Grafana's, on the dashboard or a panel.
LIBRARY_FIELDS = (WAIVER_FIELD, KEY_FIELD)


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


def is_row(panel: Json) -> bool:
    """Rows are headings, not panels: never counted, linted or compared as panels."""
    return panel.get("type") == "row"


def visible_panels(dashboard: Json) -> Iterator[Json]:
    """The panels a viewer sees, rows left out, in display order."""
    return (panel for panel in iter_panels(dashboard) if not is_row(panel))


def count_panels(dashboard: Json) -> int:
    return sum(1 for _ in visible_panels(dashboard))


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


def describe_thresholds(value: Any, unit: str | None = None) -> str:
    """Threshold steps as a reader says them: `green, yellow ≥ 0.5, red ≥ 1`, or with the
    panel's unit `green, yellow ≥ 500 ms, red ≥ 1 s`."""
    if not isinstance(value, dict) or not isinstance(value.get("steps"), list):
        return "(none)"
    parts = []
    mode = value.get("mode", "absolute")
    for step in value["steps"]:
        color = str(step.get("color", "?"))
        level = step.get("value")
        if level is None:
            parts.append(color)
        elif mode == "percentage":
            parts.append(f"{color} ≥ {number(level)}%")
        else:
            parts.append(f"{color} ≥ {with_unit(level, unit)}")
    suffix = "" if mode in ("absolute", "percentage") else f" ({mode})"
    return ", ".join(parts) + suffix


# Grafana units a reviewer reads with a word after the number.
_UNIT_WORDS = {
    "ms": "ms",
    "reqpm": "req/min",
    "reqps": "req/s",
    "opm": "ops/min",
    "ops": "ops/s",
    "bytes": "B",
    "decbytes": "B",
    "percent": "%",
}


def with_unit(value: Any, unit: str | None) -> str:
    """A level in the panel's unit: `500 ms` (s below 1), `1 s`, `5%` (percentunit), `20 req/min`;
    a plain number for short, none or no unit."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return str(value)
    if unit == "s":
        return f"{number(round(value * 1000, 6))} ms" if abs(value) < 1 else f"{number(value)} s"
    if unit == "percentunit":
        return f"{number(round(value * 100, 6))}%"
    if unit in _UNIT_WORDS:
        word = _UNIT_WORDS[unit]
        return f"{number(value)}{word}" if word == "%" else f"{number(value)} {word}"
    if unit in (None, "", "short", "none"):
        return number(value)
    return f"{number(value)} {unit}"


def coloured_by(panel: Json, level: Json) -> bool:
    """Whether the panel's steps are this row of config.thresholds, rising (errors) or falling
    (success rates: one minus the levels)."""
    thresholds = field_defaults(panel).get("thresholds") or {}
    steps = thresholds.get("steps", []) if isinstance(thresholds, dict) else []
    values = [s.get("value") for s in steps if isinstance(s, dict) and s.get("value") is not None]
    if len(values) != 2 or not all(_is_number(v) for v in values):
        return False
    if not (_is_number(level.get("warning")) and _is_number(level.get("critical"))):
        return False
    warning, critical = float(level["warning"]), float(level["critical"])
    return _close(values, [warning, critical]) or _close(values, [1 - critical, 1 - warning])


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _close(a: list[Any], b: list[float]) -> bool:
    return all(math.isclose(float(x), y, abs_tol=1e-9) for x, y in zip(a, b, strict=True))


def number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def field_defaults(panel: Json) -> Json:
    found = panel.get("fieldConfig", {}).get("defaults", {})
    return found if isinstance(found, dict) else {}


def strip_library_fields(model: Json) -> Json:
    """A copy of the dashboard without the library's own fields (lint waivers and panel keys,
    source annotations, not Grafana fields), as Grafana and golden/ see it."""
    if not any(f in p for p in (model, *iter_panels(model)) for f in LIBRARY_FIELDS):
        return model
    return _stripped(model, depth=2)


def _stripped(part: Json, depth: int) -> Json:
    """`part` without LIBRARY_FIELDS, and its panels (`depth` levels: a dashboard's, a row's)
    likewise. Only the objects that change are copied: the rest is shared with the model, which
    nothing mutates (deep copies of every dashboard, twice a build, were a tenth of a warm one)."""
    clean = {k: v for k, v in part.items() if k not in LIBRARY_FIELDS}
    panels = clean.get("panels")
    if depth > 0 and isinstance(panels, list):
        clean["panels"] = [_stripped(p, depth - 1) if isinstance(p, dict) else p for p in panels]
    return clean
