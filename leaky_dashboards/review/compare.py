"""What changed between two renderings of the dashboards, panel by panel, as data.

Panels are matched by title; a panel whose title changed is matched by its place (same position,
else same id, and same type). A panel counts as moved when its row, its place inside that row or
its size changed: panels that only slid down because a row above them grew are not moved.
Field changes come from `changes.value_changes` (deepdiff), as in the golden report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..changes import value_changes
from ..model import Json, describe_thresholds, panel_keys

# Fields that are layout or bookkeeping, reported as a move (gridPos) or not at all (id).
_LAYOUT = frozenset({"gridPos", "id", "panels", "targets"})
_THRESHOLDS = "fieldConfig.defaults.thresholds"


@dataclass(frozen=True)
class Place:
    """Where a panel sits: its row (None above the first row) and its gridPos."""

    row: str | None
    x: int
    y: int
    w: int
    h: int
    row_y: int  # first grid line of the row's content, so y - row_y is the place inside the row

    def relative(self) -> tuple[str | None, int, int, int, int]:
        return (self.row, self.x, self.y - self.row_y, self.w, self.h)


@dataclass(frozen=True)
class Panel:
    """One visible panel (not a row) with its key (unique title) and place."""

    key: str
    model: Json
    place: Place

    @property
    def title(self) -> str:
        return str(self.model.get("title", ""))

    @property
    def type(self) -> str:
        return str(self.model.get("type", "panel"))


@dataclass(frozen=True)
class QueryChange:
    """A target whose expression changed, appeared (old None) or went away (new None)."""

    ref: str
    old: str | None
    new: str | None


@dataclass
class PanelChange:
    old: Panel
    new: Panel
    fields: list[tuple[str, str, str]] = field(default_factory=list)
    queries: list[QueryChange] = field(default_factory=list)
    moved: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.fields or self.queries)

    @property
    def renamed(self) -> bool:
        return self.old.title != self.new.title


@dataclass
class DashboardDiff:
    """One dashboard's comparison; `status` is new, removed, changed or unchanged."""

    name: str
    title: str
    status: str
    settings: list[tuple[str, str, str]] = field(default_factory=list)
    added: list[Panel] = field(default_factory=list)
    removed: list[Panel] = field(default_factory=list)
    panels: list[PanelChange] = field(default_factory=list)
    rows_added: list[str] = field(default_factory=list)
    rows_removed: list[str] = field(default_factory=list)
    panel_count: int = 0

    @property
    def moved(self) -> list[PanelChange]:
        return [p for p in self.panels if p.moved]

    @property
    def changed(self) -> list[PanelChange]:
        return [p for p in self.panels if p.changed]

    @property
    def touched(self) -> list[PanelChange]:
        """Matched panels that moved or changed, in the new dashboard's order."""
        return [p for p in self.panels if p.moved or p.changed]


def compare_all(old: Mapping[str, Json], new: Mapping[str, Json]) -> list[DashboardDiff]:
    """Every dashboard of either side, by name."""
    diffs: list[DashboardDiff] = []
    for name in sorted(set(old) | set(new)):
        if name not in old:
            model = new[name]
            panels = panels_of(model)
            diffs.append(
                DashboardDiff(
                    name, _title(model, name), "new", added=panels, panel_count=len(panels)
                )
            )
        elif name not in new:
            model = old[name]
            diffs.append(
                DashboardDiff(
                    name, _title(model, name), "removed", panel_count=len(panels_of(model))
                )
            )
        else:
            diffs.append(compare_dashboard(name, old[name], new[name]))
    return diffs


def compare_dashboard(name: str, old: Json, new: Json) -> DashboardDiff:
    diff = DashboardDiff(name, _title(new, name), "unchanged", panel_count=len(panels_of(new)))
    if old == new:
        return diff
    diff.settings = value_changes(_settings(old), _settings(new))
    old_rows, new_rows = _row_titles(old), _row_titles(new)
    diff.rows_added = [r for r in new_rows if r not in old_rows]
    diff.rows_removed = [r for r in old_rows if r not in new_rows]
    before, after = panels_of(old), panels_of(new)
    pairs = match(before, after)
    paired_old = {id(o) for o, _ in pairs}
    paired_new = {id(n) for _, n in pairs}
    diff.removed = [p for p in before if id(p) not in paired_old]
    diff.added = [p for p in after if id(p) not in paired_new]
    for o, n in pairs:
        change = compare_panel(o, n)
        change.moved = moved(o.place, n.place, row_kept=o.place.row in new_rows)
        diff.panels.append(change)
    found = (
        diff.settings,
        diff.added,
        diff.removed,
        diff.touched,
        diff.rows_added,
        diff.rows_removed,
    )
    if not any(found):
        # What is left differs only in bookkeeping (panel ids, row positions): still say so.
        diff.settings = value_changes(_skeleton(old), _skeleton(new))
    if diff.settings or any(found):
        diff.status = "changed"
    return diff


def match(before: list[Panel], after: list[Panel]) -> list[tuple[Panel, Panel]]:
    """Pairs (old, new) in the new order: by key, then renamed panels by position, then by id."""
    by_key = {p.key: p for p in before}
    pairs = {id(n): (by_key[n.key], n) for n in after if n.key in by_key}
    for fingerprint in (_position, _panel_id):
        lonely_old = [p for p in before if all(o is not p for o, _ in pairs.values())]
        lonely_new = [p for p in after if id(p) not in pairs]
        for n in lonely_new:
            candidates = [o for o in lonely_old if fingerprint(o) == fingerprint(n)]
            rivals = [m for m in lonely_new if fingerprint(m) == fingerprint(n)]
            if len(candidates) == 1 and len(rivals) == 1 and fingerprint(n) is not None:
                pairs[id(n)] = (candidates[0], n)
                lonely_old.remove(candidates[0])
    return [pairs[id(n)] for n in after if id(n) in pairs]


def compare_panel(old: Panel, new: Panel) -> PanelChange:
    change = PanelChange(old, new)
    fields = value_changes(_fields(old.model), _fields(new.model))
    thresholds = [f for f in fields if f[0].startswith(_THRESHOLDS)]
    change.fields = [f for f in fields if not f[0].startswith(_THRESHOLDS)]
    if thresholds:
        change.fields.append(
            (
                "thresholds",
                describe_thresholds(_defaults(old.model).get("thresholds")),
                describe_thresholds(_defaults(new.model).get("thresholds")),
            )
        )
    old_targets, new_targets = _targets(old.model), _targets(new.model)
    for ref in _ordered(old_targets, new_targets):
        a, b = old_targets.get(ref), new_targets.get(ref)
        old_expr = None if a is None else str(a.get("expr", ""))
        new_expr = None if b is None else str(b.get("expr", ""))
        if old_expr != new_expr:
            change.queries.append(QueryChange(ref, old_expr, new_expr))
        if a is not None and b is not None:
            rest = value_changes(_without(a, "expr"), _without(b, "expr"))
            change.fields.extend((f"targets[{ref}].{p}", o, n) for p, o, n in rest)
    change.fields.sort()
    return change


def moved(old: Place, new: Place, *, row_kept: bool) -> bool:
    """Moved: to another row, inside its row, or resized. A panel whose row was renamed or
    removed did not move itself (the row change is reported once), so only x and size count."""
    if old.row == new.row or row_kept:
        return old.relative() != new.relative()
    return (old.x, old.w, old.h) != (new.x, new.w, new.h)


def panels_of(dashboard: Json) -> list[Panel]:
    """Visible panels in display order with their rows; a collapsed row's panels included."""
    keys = {id(model): key for key, model in panel_keys(dashboard).items()}
    found: list[Panel] = []
    row: str | None = None
    row_y = 0
    for top in dashboard.get("panels", []):
        if top.get("type") == "row":
            row = str(top.get("title", ""))
            row_y = _grid(top)[1] + 1
            for nested in top.get("panels", []):
                found.append(Panel(keys[id(nested)], nested, _place(nested, row, row_y)))
        else:
            found.append(Panel(keys[id(top)], top, _place(top, row, row_y)))
    return found


def place_text(place: Place) -> str:
    row = f"row “{place.row}”, " if place.row is not None else ""
    return f"{row}x {place.x}, y {place.y}, {place.w}×{place.h}"


def _title(model: Json, name: str) -> str:
    return str(model.get("title") or name)


def _settings(dashboard: Json) -> Json:
    """Dashboard fields without panels; variables keyed by name so a new one is one change."""
    view = {k: v for k, v in dashboard.items() if k not in ("panels", "templating")}
    variables = dashboard.get("templating", {}).get("list", [])
    view["variables"] = {str(v.get("name")): v for v in variables if isinstance(v, dict)}
    return view


def _fields(panel: Json) -> Json:
    return {k: v for k, v in panel.items() if k not in _LAYOUT}


def _defaults(panel: Json) -> Json:
    defaults = panel.get("fieldConfig", {}).get("defaults", {})
    return defaults if isinstance(defaults, dict) else {}


def _targets(panel: Json) -> dict[str, Json]:
    targets = [t for t in panel.get("targets", []) if isinstance(t, dict)]
    keyed: dict[str, Json] = {}
    for index, target in enumerate(targets):
        ref = str(target.get("refId") or f"#{index + 1}")
        keyed[ref if ref not in keyed else f"{ref}#{index + 1}"] = target
    return keyed


def _ordered(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    return sorted(set(old) | set(new))


def _without(target: Json, key: str) -> Json:
    return {k: v for k, v in target.items() if k != key}


def _grid(panel: Json) -> tuple[int, int, int, int]:
    pos = panel.get("gridPos", {})
    return (int(pos.get("x", 0)), int(pos.get("y", 0)), int(pos.get("w", 0)), int(pos.get("h", 0)))


def _place(panel: Json, row: str | None, row_y: int) -> Place:
    x, y, w, h = _grid(panel)
    return Place(row, x, y, w, h, row_y)


def _skeleton(dashboard: Json) -> Json:
    return {
        key: {"id": p.get("id"), "gridPos": p.get("gridPos")}
        for key, p in panel_keys(dashboard).items()
    }


def _row_titles(dashboard: Json) -> list[str]:
    return [str(p.get("title", "")) for p in dashboard.get("panels", []) if p.get("type") == "row"]


def _position(panel: Panel) -> tuple[Any, ...] | None:
    return (panel.type, *_grid(panel.model))


def _panel_id(panel: Panel) -> tuple[Any, ...] | None:
    return None if panel.model.get("id") is None else (panel.type, panel.model["id"])
