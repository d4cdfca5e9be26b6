"""Dashboards as Grafana hands them out, read back into the model golden/ holds.

Three shapes: the JSON model (Dashboard settings → JSON Model), the HTTP API's
`{"dashboard": …, "meta": …}` envelope (`GET /api/dashboards/uid/<uid>`), and "Export for
sharing externally" (`__inputs`, `__requires`, `${DS_…}` datasource placeholders, emptied
variable values). `normalize` removes what Grafana wrote by itself (`defaults.py`) against the
golden copy of the same dashboard, so what is left to compare is what someone changed.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import BuildError, a_type
from ..model import Json, is_row, iter_panels, shape_error
from .defaults import ANY, EXPORT_FIELDS, Default, for_scope

# A dashboard file larger than this is refused unread (the largest golden one is about 100 kB).
MAX_BYTES = 32 * 1024 * 1024
_PLACEHOLDER = re.compile(r"^\$\{DS_[^}]*\}$")
_MISSING: Any = object()


class BadInput(BuildError):
    """A file that is not a Grafana dashboard, or one that is none of ours: exit 2."""


@dataclass(frozen=True)
class Fetched:
    """One dashboard as Grafana gave it: where from (a file, a URL), in which shape, its model."""

    origin: str
    shape: str  # "JSON model", "HTTP API", "export"
    model: Json

    @property
    def uid(self) -> str:
        return str(self.model["uid"])


def parse(origin: str, content: bytes) -> Fetched:
    """The dashboard in `content`, whatever Grafana shape it has; BadInput naming `origin`."""
    if len(content) > MAX_BYTES:
        raise BadInput(f"{origin}: {len(content)} bytes, too large to be a dashboard")
    try:
        document = json.loads(content.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BadInput(
            f"{origin}: not UTF-8 text (byte {exc.start}), not a JSON dashboard"
        ) from None
    except json.JSONDecodeError as exc:
        raise BadInput(f"{origin}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    except RecursionError:
        raise BadInput(f"{origin}: nested too deeply to be a dashboard") from None
    return from_document(origin, document)


def from_document(origin: str, document: Any) -> Fetched:
    if not isinstance(document, dict):
        raise BadInput(f"{origin}: holds {a_type(document)}, not a Grafana dashboard")
    shape = "JSON model"
    model: Any = document
    if isinstance(document.get("dashboard"), dict) and "panels" not in document:
        shape, model = "HTTP API", document["dashboard"]
    elif any(k in document for k in EXPORT_FIELDS):
        shape = "export"
    if not isinstance(model, dict):  # pragma: no cover - checked above
        raise BadInput(f"{origin}: not a Grafana dashboard")
    uid = model.get("uid")
    if "spec" in model and str(model.get("apiVersion", "")).startswith("dashboard.grafana.app/"):
        raise BadInput(
            f"{origin}: a dashboard resource of Grafana's newer API "
            f"({str(model['apiVersion'])[:80]}), which drift does not read: give the classic "
            "JSON model (Settings → JSON Model, or GET /api/dashboards/uid/<uid>)"
        )
    if not isinstance(uid, str) or not uid:
        raise BadInput(
            f"{origin}: not a Grafana dashboard: no string `uid` "
            "(expected a JSON model, an HTTP API response or an export)"
        )
    problem = shape_error(model) or _panels_problem(model)
    if problem is not None:
        raise BadInput(f"{origin}: not a Grafana dashboard: {problem}")
    if shape == "export":
        model = _unexport(model)
    return Fetched(origin, shape, model)


def _panels_problem(model: Json) -> str | None:
    """Why a panel cannot be compared (the fields the comparer reads, of the types Grafana
    writes); None when every panel can."""
    for where, panel in _placed(model):
        name = f"{where} ({json.dumps(panel.get('title'), ensure_ascii=False)[:80]})"
        for key, kinds, what in _PANEL_FIELDS:
            if key in panel and not _is(panel[key], kinds):
                return f"{name}: {key} is {a_type(panel[key])}, not {what}"
        grid = panel.get("gridPos", {})
        for axis in ("x", "y", "w", "h"):
            if axis in grid and not _is(grid[axis], (int, float)):
                return f"{name}: gridPos.{axis} is {a_type(grid[axis])}, not a number"
        config = panel.get("fieldConfig", {})
        for key in ("defaults", "overrides"):
            if key in config and not _is(config[key], dict if key == "defaults" else list):
                return f"{name}: fieldConfig.{key} is {a_type(config[key])}"
        thresholds = config.get("defaults", {}).get("thresholds")
        if thresholds is not None and not isinstance(thresholds, dict):
            return f"{name}: fieldConfig.defaults.thresholds is {a_type(thresholds)}"
        steps = (thresholds or {}).get("steps", [])
        if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
            return f"{name}: fieldConfig.defaults.thresholds.steps is not an array of objects"
    return None


# A panel's fields the comparer reads: (name, accepted types, what Grafana writes).
_PANEL_FIELDS: tuple[tuple[str, tuple[type, ...] | type, str], ...] = (
    ("id", int, "a number"),
    ("type", str, "a string"),
    ("title", str, "a string"),
    ("gridPos", dict, "an object"),
    ("fieldConfig", dict, "an object"),
    ("options", dict, "an object"),
)


def _is(value: Any, kinds: tuple[type, ...] | type) -> bool:
    return isinstance(value, kinds) and not isinstance(value, bool)


def _placed(model: Json) -> Iterator[tuple[str, Json]]:
    for i, panel in enumerate(model.get("panels", [])):
        yield f"panels[{i}]", panel
        for j, child in enumerate(panel.get("panels", []) if isinstance(panel, dict) else []):
            yield f"panels[{i}].panels[{j}]", child


def _unexport(model: Json) -> Json:
    """The model without the export's own fields (its `__inputs`, `__requires`, `__elements`)."""
    return {k: v for k, v in model.items() if k not in EXPORT_FIELDS}


def normalize(fetched: Fetched, golden: Json) -> Json:
    """A copy of the fetched model with what Grafana adds by itself undone against `golden`:
    bookkeeping fields dropped (or, where golden has the field, taken from it), defaults absent
    on one side and holding Grafana's default on the other made equal, an export's datasource
    placeholders and emptied variable values taken from golden."""
    model = copy.deepcopy(fetched.model)
    export = fetched.shape == "export"
    _defaults(model, golden, for_scope("dashboard"))
    _nulls(model, {k: v for k, v in golden.items() if k != "panels"})
    golden_panels = {p.get("id"): p for p in iter_panels(golden)}
    for panel in iter_panels(model):
        match = golden_panels.get(panel.get("id"))
        if match is not None and is_row(match) != is_row(panel):
            match = None
        scope = "row" if is_row(panel) else "panel"
        _defaults(panel, match, for_scope(scope, str(panel.get("type", ""))))
        if match is not None:
            _nulls(panel, {k: v for k, v in match.items() if k != "panels"})
        _datasource(panel, match)
        golden_targets = _by(match.get("targets") if match else None, "refId")
        for target in _dicts(panel.get("targets")):
            found = _named(golden_targets, target, "refId")
            _defaults(target, found, for_scope("target"))
            _datasource(target, found)
    variables = _by(_list(golden, "templating"), "name")
    for variable in _dicts(_list(model, "templating")):
        found = _named(variables, variable, "name")
        _defaults(variable, found, for_scope("variable", str(variable.get("type", ""))))
        _datasource(variable, found)
        if export and found is not None:
            _exported_variable(variable, found)
    annotations = _by(_list(golden, "annotations"), "name")
    for annotation in _dicts(_list(model, "annotations")):
        found = _named(annotations, annotation, "name")
        _defaults(annotation, found, for_scope("annotation"))
        _datasource(annotation, found)
    links = _by(golden.get("links"), "title")
    for link in _dicts(model.get("links")):
        _defaults(link, _named(links, link, "title"), for_scope("link"))
    return model


def _exported_variable(variable: Json, golden: Json) -> None:
    """Undo what the export does to a variable: a query variable's `current` and `options`
    emptied and a `refresh` of never made on-load, a datasource variable's `current` emptied."""
    kind = variable.get("type")
    if kind in ("query", "datasource") and variable.get("current") == {}:
        _take(variable, golden, "current")
    if kind == "query":
        if variable.get("options") == []:
            _take(variable, golden, "options")
        if variable.get("refresh") == 1 and golden.get("refresh") == 0:
            variable["refresh"] = 0


def _take(item: Json, golden: Json, key: str) -> None:
    if key in golden:
        item[key] = copy.deepcopy(golden[key])
    else:
        item.pop(key, None)


def _datasource(item: Json, golden: Json | None) -> None:
    """An export's `${DS_…}` placeholder stands for the concrete datasource the importer picks:
    where golden names a concrete datasource of that type, it is that one. Where golden reads
    the `${datasource}` variable the export keeps the variable, so a placeholder there is a
    change (someone picked a datasource for the panel) and stays to be reported."""
    ref = item.get("datasource")
    if not isinstance(ref, dict) or not _PLACEHOLDER.match(str(ref.get("uid", ""))):
        return
    theirs = golden.get("datasource") if golden else None
    if (
        isinstance(theirs, dict)
        and theirs.get("type") == ref.get("type")
        and not str(theirs.get("uid", "")).startswith("$")
    ):
        item["datasource"] = copy.deepcopy(theirs)


def _defaults(item: Json, golden: Json | None, defaults: Iterable[Default]) -> None:
    for default in defaults:
        parts = default.path.split(".")
        mine = _get(item, parts)
        theirs = _MISSING if golden is None else _get(golden, parts)
        if mine is _MISSING and theirs is _MISSING:
            continue
        if default.value is ANY:
            if theirs is _MISSING:
                _delete(item, parts)
            elif mine is not _MISSING:
                _set(item, parts, copy.deepcopy(theirs))
        elif theirs is _MISSING and _same(mine, default.value):
            _delete(item, parts)
            _prune(item, golden, parts[:-1])
        elif mine is _MISSING and _same(theirs, default.value) and golden is not None:
            _set(item, parts, copy.deepcopy(theirs))


def _nulls(item: Any, golden: Any) -> None:
    """A field golden holds as null and Grafana's copy leaves out is no change: Grafana's save
    model drops nulls (`sortedDeepCloneWithoutNulls`). Lists are followed item by item when both
    have as many items."""
    if isinstance(item, dict) and isinstance(golden, dict):
        for key, value in golden.items():
            if value is None and key not in item:
                item[key] = None
            elif key in item:
                _nulls(item[key], value)
    elif isinstance(item, list) and isinstance(golden, list) and len(item) == len(golden):
        for mine, theirs in zip(item, golden, strict=True):
            _nulls(mine, theirs)


def _same(a: Any, b: Any) -> bool:
    return bool(type(a) is type(b) and a == b) or (
        isinstance(a, int | float)
        and isinstance(b, int | float)
        and not isinstance(a, bool)
        and not isinstance(b, bool)
        and a == b
    )


def _prune(item: Json, golden: Json | None, parts: list[str]) -> None:
    """Remove objects emptied by removing defaults from them, where golden has none."""
    while parts:
        if _get(item, parts) == {} and (golden is None or _get(golden, parts) is _MISSING):
            _delete(item, parts)
            parts = parts[:-1]
        else:
            return


def _get(item: Any, parts: list[str]) -> Any:
    for part in parts:
        if not isinstance(item, dict) or part not in item:
            return _MISSING
        item = item[part]
    return item


def _set(item: Json, parts: list[str], value: Any) -> None:
    for part in parts[:-1]:
        child = item.get(part)
        if not isinstance(child, dict):
            child = item[part] = {}
        item = child
    item[parts[-1]] = value


def _delete(item: Json, parts: list[str]) -> None:
    parent = _get(item, parts[:-1]) if len(parts) > 1 else item
    if isinstance(parent, dict):
        parent.pop(parts[-1], None)


def _list(model: Json | None, key: str) -> list[Any]:
    holder = model.get(key) if model else None
    items = holder.get("list") if isinstance(holder, dict) else None
    return items if isinstance(items, list) else []


def _dicts(items: Any) -> Iterator[Json]:
    return (item for item in (items if isinstance(items, list) else []) if isinstance(item, dict))


def _named(found: dict[str, Json], item: Json, key: str) -> Json | None:
    name = item.get(key)
    return found.get(name) if isinstance(name, str) else None


def _by(items: Any, key: str) -> dict[str, Json]:
    """Items by their string `key` (the first of a repeated one)."""
    found: dict[str, Json] = {}
    for item in _dicts(items):
        name = item.get(key)
        if isinstance(name, str):
            found.setdefault(name, item)
    return found
