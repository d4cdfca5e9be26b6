"""A picture of each dashboard: a self-contained HTML page placing every panel as Grafana would,
drawn with its data.

Panels are boxes on Grafana's 24-column grid (x and w in 24ths of the width, y and h in 30 px
grid rows), each with its title, its description behind an (i), and its visualization drawn by
the bundled renderer (renderer/, see bundle.py) from the frames given (data.py), values formatted
by Grafana's own @grafana/data; the queries on hover. Side by side with a base, added, removed,
changed and moved panels are outlined and named. All text is escaped by Jinja's autoescape, the
page's data is JSON with `<` escaped; the page loads nothing (its Content-Security-Policy
forbids any fetch and any script but the renderer's, by its hash).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jinja2

from ..comparison.compare import DashboardDiff, Panel, panels_of
from ..model import Json, is_row, number
from . import bundle

# Frames by panel key (data.panel_frames); a panel without any shows its "No data".
Frames = Mapping[str, list[dict[str, object]]]

COLUMNS = 24
ROW_PX = 30  # Grafana's grid row height
GRID_PX = 1200
HEADER_PX = 150
LEGEND_PX = 34
SIDE_HEADING_PX = 30
PAGE_PAD_PX = 16
ABOUT_LINE_PX = 16  # line height of a panel's description, so it is cut between lines

# Grafana's named colours as its dark theme draws them; other CSS colours pass if plainly safe.
_GRAFANA_COLORS = {
    "green": "#73bf69",
    "yellow": "#fade2a",
    "orange": "#ff9830",
    "red": "#f2495c",
    "blue": "#5794f2",
    "purple": "#b877d9",
    "text": "#ccccdc",
    "transparent": "transparent",
}
_SAFE_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}|rgba?\([0-9.,\s%]+\)|[a-z-]{3,30}")


@dataclass(frozen=True)
class Page:
    """One rendered page and the window size that shows all of it."""

    html: str
    width: int
    height: int


def page(model: Json, frames: Frames | None = None, time: tuple[int, int] = (0, 0)) -> Page:
    """The dashboard alone, drawn with `frames` over `time` (from, to in seconds)."""
    side = _side(model, "", {}, {}, frames or {})
    return _render(model, [side], legend="", time=time)


def compare_page(
    old: Json | None,
    new: Json | None,
    diff: DashboardDiff,
    base: str,
    frames: tuple[Frames, Frames] | None = None,
    time: tuple[int, int] = (0, 0),
) -> Page:
    """Before (the base) and after (the working tree) side by side, changes marked; `frames`
    are each side's."""
    before, after = _statuses(diff)
    parts = _parts(diff)
    old_frames, new_frames = frames or ({}, {})
    sides = [
        _side(old, f"before: {base}", before, parts[0], old_frames)
        if old is not None
        else _absent(f"not in {base}"),
        _side(new, "after: working tree", after, parts[1], new_frames)
        if new is not None
        else _absent("removed"),
    ]
    shown = new if new is not None else old
    assert shown is not None
    counts = (
        f"{len(diff.added)} added, {len(diff.removed)} removed, {len(diff.renamed)} renamed, "
        f"{len(diff.moved)} moved, {len(diff.changed)} changed"
    )
    return _render(shown, sides, legend=f"against {base}: {counts}", time=time)


def steps(panel: Json) -> list[dict[str, str]]:
    """Threshold steps as (colour, `≥ level`) for the swatches."""
    thresholds = panel.get("fieldConfig", {}).get("defaults", {}).get("thresholds")
    if not isinstance(thresholds, dict):
        return []
    found = []
    levels = [s for s in thresholds.get("steps", []) if isinstance(s, dict)]
    for step in levels:
        level = step.get("value")
        if level is not None:
            text = f"≥ {number(level)}"
        else:
            text = "base" if len(levels) > 1 else "one colour"
        found.append({"color": css_color(str(step.get("color", ""))), "text": text})
    return found


def css_color(name: str) -> str:
    """A colour for a style attribute: Grafana's names mapped, anything unsafe made grey."""
    name = name.strip()
    if name in _GRAFANA_COLORS:
        return _GRAFANA_COLORS[name]
    return name if _SAFE_COLOR.fullmatch(name) else "#808080"


def _statuses(diff: DashboardDiff) -> tuple[dict[str, str], dict[str, str]]:
    """Mark by panel key on each side: removed (before), added (after), changed or moved (both)."""
    before = {p.key: "removed" for p in diff.removed}
    after = {p.key: "added" for p in diff.added}
    for change in diff.panels:
        status = "changed" if change.changed or change.renamed else "moved" if change.moved else ""
        if status:
            before[change.old.key] = status
            after[change.new.key] = status
    return before, after


def _parts(diff: DashboardDiff) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """The changed parts of each matched panel, by panel key on each side, to highlight them."""
    before: dict[str, set[str]] = {}
    after: dict[str, set[str]] = {}
    for change in diff.panels:
        parts = change.changed_parts()
        if parts:
            before[change.old.key] = after[change.new.key] = parts
    return before, after


def _side(
    model: Json,
    heading: str,
    marks: dict[str, str],
    parts: dict[str, set[str]],
    frames: Frames,
) -> dict[str, Any]:
    name = "before" if heading.startswith("before") else "after"
    keyed = {id(p.model): p for p in panels_of(model)}
    rows, boxes, bottom = [], [], 0
    specs: dict[str, Any] = {}
    for top in model.get("panels", []):
        x, y, w, h = _grid(top)
        bottom = max(bottom, y + h)
        if is_row(top):
            hidden = len(top.get("panels", [])) if top.get("collapsed") else 0
            rows.append(
                {"title": str(top.get("title", "")), "hidden": hidden, "style": _style(x, y, w, h)}
            )
        else:
            panel = keyed[id(top)]
            box = _box(panel, marks.get(panel.key, ""), parts.get(panel.key, set()))
            box["id"] = f"{name}/{panel.key}"
            specs[box["id"]] = _spec(panel, frames.get(panel.key, []))
            boxes.append(box)
    return {
        "name": name,
        "specs": specs,
        "heading": heading,
        "absent": "",
        "rows": rows,
        "panels": boxes,
        "height": bottom * ROW_PX,
    }


def _absent(text: str) -> dict[str, Any]:
    return {
        "name": text,
        "heading": " ",
        "specs": {},
        "absent": f"({text})",
        "rows": [],
        "panels": [],
        "height": 0,
    }


def _box(panel: Panel, status: str, parts: set[str]) -> dict[str, Any]:
    """A panel's box; `parts` are the changed parts the picture highlights (CSS class `hl`):
    title, kind (type, unit), steps (thresholds), about (description); the others are named in
    the box's change line."""
    model = panel.model
    x, y, w, h = _grid(model)
    queries = [
        f"{t.get('refId', '?')}: {t.get('expr', '')}"
        for t in model.get("targets", [])
        if isinstance(t, dict)
    ]
    unit = model.get("fieldConfig", {}).get("defaults", {}).get("unit")
    return {
        "title": panel.title,
        "type": panel.type,
        "unit": "" if unit is None else str(unit),
        "steps": steps(model),
        "status": status,
        "hl": {
            "title": "title" in parts,
            "kind": bool(parts & {"type", "unit"}),
            "steps": "thresholds" in parts,
            "about": "description" in parts,
        },
        "changes": ", ".join(sorted(parts)),
        "queries": queries,
        "description": str(model.get("description", "")),
        # what is left of the box under title, type and thresholds, less room for the mark
        "about_px": max(0, (h * ROW_PX - 96) // ABOUT_LINE_PX * ABOUT_LINE_PX),
        "hover": "\n\n".join([panel.title, str(model.get("description", "")), *queries]).strip(),
        "x": x,
        "y": y,
        "w": w,
        "h": h,
        "style": _style(x, y, w, h),
    }


def _spec(panel: Panel, frames: list[dict[str, object]]) -> dict[str, Any]:
    """What the renderer needs to draw a panel: its options and field config, and its frames."""
    model = panel.model
    return {
        "key": panel.key,
        "title": panel.title,
        "type": panel.type,
        "fieldConfig": model.get("fieldConfig") or {"defaults": {}, "overrides": []},
        "options": model.get("options") or {},
        "transformations": model.get("transformations") or [],
        "frames": frames,
    }


def script_json(value: object) -> str:
    """JSON safe inside a <script> element: no `<`, `>` or `&` to close it or open a comment."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@cache
def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode()


def _style(x: int, y: int, w: int, h: int) -> str:
    return (
        f"left: {x * 100 / COLUMNS:.4f}%; top: {y * ROW_PX}px; "
        f"width: {w * 100 / COLUMNS:.4f}%; height: {h * ROW_PX}px"
    )


def _grid(panel: Json) -> tuple[int, int, int, int]:
    pos = panel.get("gridPos", {})
    return (int(pos.get("x", 0)), int(pos.get("y", 0)), int(pos.get("w", 0)), int(pos.get("h", 0)))


def _render(model: Json, sides: list[dict[str, Any]], legend: str, time: tuple[int, int]) -> Page:
    variables = [
        {
            "name": str(v.get("name", "")),
            "label": str(v.get("label") or v.get("name", "")),
            "type": str(v.get("type", "")),
            "current": str((v.get("current") or {}).get("text", "")),
            "help": str(v.get("description", "")),
        }
        for v in model.get("templating", {}).get("list", [])
        if isinstance(v, dict)
    ]
    rows = [str(p.get("title", "")) for p in model.get("panels", []) if is_row(p)]
    tags = ", ".join(str(t) for t in model.get("tags", []))
    meta = f"uid {model.get('uid', '?')} · tags {tags} · refresh {model.get('refresh', 'off')}"
    header = HEADER_PX + (LEGEND_PX if legend else 0)
    specs: dict[str, Any] = {}
    for side in sides:
        specs.update(side["specs"])
    data = {"time": {"from": time[0] * 1000, "to": time[1] * 1000}, "panels": specs}
    script = bundle.ensure().script
    html = _template().render(
        data=script_json(data),
        script=script,
        script_hash=_csp_hash(script),
        title=str(model.get("title", "")),
        meta=meta,
        description=str(model.get("description", "")),
        variables=variables,
        rows=rows,
        legend=legend,
        sides=sides,
        css=_css(),
        grid_px=GRID_PX,
        header_px=header,
    )
    headed = any(s["heading"] for s in sides)
    tallest = max(max(s["height"], 120 if s["absent"] else 0) for s in sides)
    height = 2 * PAGE_PAD_PX + header + (SIDE_HEADING_PX if headed else 0) + tallest + PAGE_PAD_PX
    width = len(sides) * GRID_PX + (len(sides) - 1) * 24 + 48
    return Page(html, width, height)


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("leaky_dashboards.review", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _template() -> jinja2.Template:
    return _environment().get_template("preview.html.j2")


@cache
def _css() -> str:
    return (
        resources.files("leaky_dashboards.review")
        .joinpath("templates/preview.css")
        .read_text(encoding="utf-8")
    )


def index(
    names: list[str],
    *,
    screenshots: bool,
    statuses: dict[str, str] | None = None,
    base: str = "",
) -> str:
    """A page linking every dashboard's page (and picture), in the order given, each with its
    status against the base (changed, new, removed)."""
    return (
        _environment()
        .get_template("index.html.j2")
        .render(
            names=names,
            screenshots=screenshots,
            statuses=statuses or {},
            base=base,
            css=_css(),
        )
    )
