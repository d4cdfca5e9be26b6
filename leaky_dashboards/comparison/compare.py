"""What changed between two renderings of a dashboard, panel by panel, as data: the one comparer
behind `invoke build`, `invoke golden-update` (their text lines, `changes.py`) and `invoke diff`
and `invoke preview` (the Markdown report, the pictures).

Panels are matched by key (`identity.py`: an explicit key, else the title, else the content of a
renamed panel). A matched panel whose title differs is renamed. It moved when it sits in another
row, or its place among the row's other matched panels changed: panels that only slid down
because a row above grew, or aside because a panel was inserted or removed beside them, did not
move. Of panels that swapped places, those outside the longest run kept in order moved. A
changed size is a field change; a changed `id` is reported apart, because links
(`viewPanel=<id>`) to the panel change with it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..model import Json, describe_thresholds, field_defaults, is_row, panel_keys
from .identity import explicit_key, pair
from .values import identity, is_long_text, keyed, raw_changes, show, value_changes

# Fields that are layout or identity: reported as a move, a rename, a size or an id change.
_LAYOUT = frozenset({"gridPos", "id", "panels", "targets", "title"})
_THRESHOLDS = "fieldConfig.defaults.thresholds"


@dataclass(frozen=True)
class Place:
    """Where a panel sits: its row (title; None above the first row), the row's index among the
    rows (-1 above the first), the panel's place in the row in reading order (1 = first), and
    its gridPos."""

    row: str | None
    row_index: int
    rank: int
    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class Panel:
    """One visible panel (not a row) with its display key (unique title) and place."""

    key: str
    model: Json
    place: Place

    @property
    def title(self) -> str:
        return str(self.model.get("title", ""))

    @property
    def type(self) -> str:
        return str(self.model.get("type", "panel"))

    @property
    def unit(self) -> str | None:
        unit = field_defaults(self.model).get("unit")
        return None if unit is None else str(unit)

    @property
    def id(self) -> Any:
        return self.model.get("id")


@dataclass(frozen=True)
class QueryChange:
    """A target whose expression changed, appeared (old None) or went away (new None)."""

    ref: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class TextChange:
    """A long string field that changed, shown as a word diff."""

    path: str
    old: str
    new: str


@dataclass
class PanelChange:
    old: Panel
    new: Panel
    fields: list[tuple[str, str, str]] = field(default_factory=list)
    queries: list[QueryChange] = field(default_factory=list)
    texts: list[TextChange] = field(default_factory=list)
    moved: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.fields or self.queries or self.texts)

    @property
    def renamed(self) -> bool:
        return self.old.title != self.new.title

    @property
    def renumbered(self) -> bool:
        return bool(self.old.id != self.new.id)

    def changed_parts(self) -> set[str]:
        """Which parts of the panel changed, as the preview marks them: title, type, unit,
        thresholds, description, queries, options, size, place."""
        parts = {"title"} if self.renamed else set()
        parts |= {"queries"} if self.queries else set()
        for path in [f[0] for f in self.fields] + [t.path for t in self.texts]:
            parts.add(_part(path))
        if self.moved:
            parts.add("place")
        return parts


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
    rows_renamed: list[tuple[str, str]] = field(default_factory=list)
    panel_count: int = 0

    @property
    def moved(self) -> list[PanelChange]:
        return [p for p in self.panels if p.moved]

    @property
    def changed(self) -> list[PanelChange]:
        return [p for p in self.panels if p.changed]

    @property
    def renamed(self) -> list[PanelChange]:
        return [p for p in self.panels if p.renamed]

    @property
    def renumbered(self) -> list[PanelChange]:
        return [p for p in self.panels if p.renumbered]

    @property
    def touched(self) -> list[PanelChange]:
        """Matched panels renamed, moved or changed, in the new dashboard's order."""
        return [p for p in self.panels if p.renamed or p.moved or p.changed]


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
            panels = panels_of(model)
            diffs.append(
                DashboardDiff(
                    name, _title(model, name), "removed", removed=panels, panel_count=len(panels)
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
    old_rows, new_rows = _rows(old), _rows(new)
    row_map = match_rows(old_rows, new_rows)
    diff.rows_removed = [_text(r) for i, r in enumerate(old_rows) if i not in row_map]
    paired_rows = set(row_map.values())
    diff.rows_added = [_text(r) for i, r in enumerate(new_rows) if i not in paired_rows]
    diff.rows_renamed = [
        (_text(old_rows[o]), _text(new_rows[n]))
        for o, n in row_map.items()
        if _text(old_rows[o]) != _text(new_rows[n])
    ]
    before, after = panels_of(old), panels_of(new)
    pairs = match(before, after)
    paired_old = {id(o) for o, _ in pairs}
    paired_new = {id(n) for _, n in pairs}
    diff.removed = [p for p in before if id(p) not in paired_old]
    diff.added = [p for p in after if id(p) not in paired_new]
    moves = moved_pairs(pairs, row_map)
    for o, n in pairs:
        change = compare_panel(o, n)
        change.moved = (id(o), id(n)) in moves
        diff.panels.append(change)
    found = (
        diff.settings,
        diff.added,
        diff.removed,
        diff.touched,
        diff.renumbered,
        diff.rows_added,
        diff.rows_removed,
        diff.rows_renamed,
    )
    if not any(found):
        # What is left differs only in bookkeeping (row ids, positions): still say so.
        diff.settings = value_changes(_skeleton(old), _skeleton(new))
    if diff.settings or any(found):
        diff.status = "changed"
    return diff


def match(before: list[Panel], after: list[Panel]) -> list[tuple[Panel, Panel]]:
    """Pairs (old, new) in the new order (see identity.pair)."""
    return pair(before, after, lambda p: p.model, lambda p: p.key)


def match_rows(old_rows: list[Json], new_rows: list[Json]) -> dict[int, int]:
    """Old row index → new row index: by explicit key, by title, then a renamed row by its
    place among the rows (the same index, unmatched on both sides)."""
    found: dict[int, int] = {}
    for same in (explicit_key, _text):
        for n, row in enumerate(new_rows):
            key = same(row)
            if key is None or n in found.values():
                continue
            for o, old_row in enumerate(old_rows):
                if o not in found and same(old_row) == key:
                    found[o] = n
                    break
    # A row's id comes from its title unless the library keys it, so a renamed row is known by
    # its place among the rows.
    for o in range(min(len(old_rows), len(new_rows))):
        if o not in found and o not in found.values():
            found[o] = o
    return found


def moved_pairs(
    pairs: list[tuple[Panel, Panel]], row_map: Mapping[int, int]
) -> set[tuple[int, int]]:
    """The pairs (by id of old and new panel) that moved: to another row, or out of the longest
    run of the row's matched panels that kept their order."""
    moved: set[tuple[int, int]] = set()
    by_row: dict[int, list[tuple[Panel, Panel]]] = {}
    for o, n in pairs:
        old_row = row_map.get(o.place.row_index, -2) if o.place.row_index >= 0 else -1
        if old_row != n.place.row_index:
            moved.add((id(o), id(n)))
        else:
            by_row.setdefault(n.place.row_index, []).append((o, n))
    for members in by_row.values():
        members.sort(key=lambda p: p[1].place.rank)
        order = [o.place.rank for o, _ in members]
        kept = _longest_increasing(order)
        moved |= {(id(o), id(n)) for i, (o, n) in enumerate(members) if i not in kept}
    return moved


def compare_panel(old: Panel, new: Panel) -> PanelChange:
    change = PanelChange(old, new)
    raw = raw_changes(keyed(_fields(old.model)), keyed(_fields(new.model)))
    if any(path.startswith(_THRESHOLDS) for path, _, _ in raw):
        change.fields.append(
            (
                "thresholds",
                describe_thresholds(field_defaults(old.model).get("thresholds"), old.unit),
                describe_thresholds(field_defaults(new.model).get("thresholds"), new.unit),
            )
        )
    # A table column's thresholds (an override's `thresholds` property) read as thresholds too.
    old_columns, new_columns = column_thresholds(old.model), column_thresholds(new.model)
    for column in sorted(set(old_columns) | set(new_columns)):
        was, now = old_columns.get(column), new_columns.get(column)
        if was != now:
            change.fields.append(
                (
                    f"thresholds of {column}",
                    "(absent)" if was is None else describe_thresholds(was[0], was[1]),
                    "(absent)" if now is None else describe_thresholds(now[0], now[1]),
                )
            )
    for path, a, b in raw:
        if path.startswith(_THRESHOLDS) or _OVERRIDE_THRESHOLDS.match(path):
            continue
        if is_long_text(a, b):
            change.texts.append(TextChange(path, a, b))
        else:
            change.fields.append((path, show(a), show(b)))
    if (old.place.w, old.place.h) != (new.place.w, new.place.h):
        change.fields.append(("size", size_text(old.place), size_text(new.place)))
    old_targets, new_targets = _targets(old.model), _targets(new.model)
    for ref in sorted(set(old_targets) | set(new_targets)):
        a, b = old_targets.get(ref), new_targets.get(ref)
        old_expr = None if a is None else str(a.get("expr", ""))
        new_expr = None if b is None else str(b.get("expr", ""))
        if old_expr != new_expr:
            change.queries.append(QueryChange(ref, old_expr, new_expr))
        if a is not None and b is not None:
            rest = value_changes(keyed(_without(a, "expr")), keyed(_without(b, "expr")))
            change.fields.extend((f"targets[{ref}].{p}", o, n) for p, o, n in rest)
    change.fields.sort()
    return change


_OVERRIDE_THRESHOLDS = re.compile(r"fieldConfig\.overrides\[[^\]]*\]\.properties\[thresholds\]")


def column_thresholds(panel: Json) -> dict[str, tuple[Any, str | None]]:
    """Each override's thresholds by its matcher (`column P95`), with the unit it shows them in
    (the override's own `unit`, else the panel's)."""
    overrides = panel.get("fieldConfig", {}).get("overrides")
    found: dict[str, tuple[Any, str | None]] = {}
    if not isinstance(overrides, list):
        return found
    default_unit = field_defaults(panel).get("unit")
    for override in overrides:
        name = identity(override)
        properties = override.get("properties") if isinstance(override, dict) else None
        if name is None or not isinstance(properties, list):
            continue
        values = {p.get("id"): p.get("value") for p in properties if isinstance(p, dict)}
        if "thresholds" in values:
            unit = values.get("unit", default_unit)
            found[name] = (values["thresholds"], None if unit is None else str(unit))
    return found


def panels_of(dashboard: Json) -> list[Panel]:
    """Visible panels in display order with their rows; a collapsed row's panels included."""
    keys = {id(model): key for key, model in panel_keys(dashboard).items()}
    found: list[Panel] = []
    groups: list[tuple[str | None, int, list[Json]]] = [(None, -1, [])]
    for top in dashboard.get("panels", []):
        if is_row(top):
            groups.append((_text(top), len(groups) - 1, list(top.get("panels", []))))
        else:
            groups[-1][2].append(top)
    for row, row_index, members in groups:
        reading = sorted(
            range(len(members)), key=lambda i: (_grid(members[i])[1], _grid(members[i])[0])
        )
        rank = {index: place + 1 for place, index in enumerate(reading)}
        for index, model in enumerate(members):
            x, y, w, h = _grid(model)
            place = Place(row, row_index, rank[index], x, y, w, h)
            found.append(Panel(keys[id(model)], model, place))
    return found


def place_text(place: Place) -> str:
    row = f"row “{place.row}”" if place.row is not None else "above the rows"
    return f"{row}, place {place.rank} (x {place.x}, y {place.y})"


def size_text(place: Place) -> str:
    return f"{place.w}×{place.h}"


def _part(path: str) -> str:
    if path.startswith("thresholds") or path.startswith(_THRESHOLDS):
        return "thresholds"
    if path.startswith("fieldConfig.defaults.unit"):
        return "unit"
    if path.startswith(("description", "type", "size")):
        return path.split(".")[0]
    if path.startswith("targets"):
        return "queries"
    return "options"


def _longest_increasing(values: list[int]) -> set[int]:
    """Indexes of one longest strictly increasing subsequence (the first found)."""
    tails: list[int] = []
    tail_index: list[int] = []
    previous = [-1] * len(values)
    for i, value in enumerate(values):
        at = bisect.bisect_left(tails, value)
        if at == len(tails):
            tails.append(value)
            tail_index.append(i)
        else:
            tails[at], tail_index[at] = value, i
        previous[i] = tail_index[at - 1] if at else -1
    kept: set[int] = set()
    i = tail_index[-1] if tail_index else -1
    while i >= 0:
        kept.add(i)
        i = previous[i]
    return kept


def _title(model: Json, name: str) -> str:
    return str(model.get("title") or name)


def _text(panel: Json) -> str:
    return str(panel.get("title", ""))


def _settings(dashboard: Json) -> Json:
    """Dashboard fields without panels; named items (variables, links) keyed by name so a new
    one is one change: `templating.list[service].query`."""
    settings: Json = keyed({k: v for k, v in dashboard.items() if k != "panels"})
    return settings


def _rows(dashboard: Json) -> list[Json]:
    return [p for p in dashboard.get("panels", []) if is_row(p)]


def _fields(panel: Json) -> Json:
    return {k: v for k, v in panel.items() if k not in _LAYOUT}


def _targets(panel: Json) -> dict[str, Json]:
    targets = [t for t in panel.get("targets", []) if isinstance(t, dict)]
    found: dict[str, Json] = {}
    for index, target in enumerate(targets):
        ref = str(target.get("refId") or f"#{index + 1}")
        found[ref if ref not in found else f"{ref}#{index + 1}"] = target
    return found


def _without(target: Json, key: str) -> Json:
    return {k: v for k, v in target.items() if k != key}


def _grid(panel: Json) -> tuple[int, int, int, int]:
    pos = panel.get("gridPos", {})
    return (int(pos.get("x", 0)), int(pos.get("y", 0)), int(pos.get("w", 0)), int(pos.get("h", 0)))


def _skeleton(dashboard: Json) -> Json:
    return {
        key: {"id": p.get("id"), "gridPos": p.get("gridPos")}
        for key, p in panel_keys(dashboard).items()
    }
