"""A panel added in Grafana's UI as Jsonnet in the library's style, ready to paste.

The constructor of its type (`panels.stat`, `panels.timeSeries`...) called with named arguments,
its queries as `target(expr, legend)`, thresholds as `panels.thresholds.levels(th.<row>)` when
they are the levels of a row of `config.thresholds`; a type the library has no constructor for
is written as the object Grafana saved (JSON is Jsonnet). Every string is a Jsonnet string
literal, escaped: the text comes from a dashboard file and may hold anything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..model import Json, field_defaults
from .locate import levels

# Grafana type → the library's constructor and the width it gives when none is passed.
_CONSTRUCTORS = {
    "stat": ("panels.stat", 4),
    "timeseries": ("panels.timeSeries", 12),
    "piechart": ("panels.pie", 8),
    "bargauge": ("panels.barGauge", 8),
    "gauge": ("panels.gauge", 8),
}
_WIDTH_ARGUMENT = {"timeseries", "gauge"}
# The locals of a domain file a snippet reads, as the domain files define them.
LOCALS = {
    "target": "local target = panels.target;",
    "th": "local th = (import 'config.libsonnet').thresholds;",
    "panels": "local panels = import 'panels.libsonnet';",
}
_TOKEN = re.compile(r"\\.|.", re.DOTALL)


def string(value: str) -> str:
    """`value` as a single-quoted Jsonnet string literal (JSON's escapes, `'` escaped)."""
    inner = json.dumps(value, ensure_ascii=False)[1:-1]
    out = []
    for token in _TOKEN.findall(inner):
        out.append('"' if token == '\\"' else "\\'" if token == "'" else token)
    return "'" + "".join(out) + "'"


def key_for(title: str, taken: Iterable[str]) -> str:
    """A camelCase key from the title's ASCII words, not one of `taken`."""
    words = re.findall(r"[A-Za-z0-9]+", title)
    key = "".join(
        w.lower() if i == 0 else w[:1].upper() + w[1:].lower() for i, w in enumerate(words)
    )
    if not key or key[0].isdigit():
        key = "uiPanel" + key[:1].upper() + key[1:]
    if key in _KEYWORDS:
        key += "Panel"
    used = set(taken)
    found, n = key, 1
    while found in used:
        n += 1
        found = f"{key}{n}"
    return found


def panel(model: Json, key: str, thresholds: Mapping[str, Any]) -> str:
    """The field `key: constructor(...)` to paste into a domain's `panels.keyed({...})`."""
    kind = str(model.get("type", ""))
    if kind not in _CONSTRUCTORS:
        return _raw(model, key)
    constructor, default_width = _CONSTRUCTORS[kind]
    defaults = field_defaults(model)
    args: list[tuple[str, str]] = [
        ("title", string(str(model.get("title", "")))),
        ("description", string(str(model.get("description", "")))),
        ("unit", string(str(defaults.get("unit", "short")))),
        ("targets", _targets(model.get("targets"))),
    ]
    steps = _thresholds(model, thresholds)
    if steps is not None:
        args.append(("thresholds", steps))
    elif kind == "gauge":
        args.append(("thresholds", "panels.thresholds.neutral"))
    for name in ("min", "max") if kind == "gauge" else ():
        args.append((name, _number(defaults.get(name), 0 if name == "min" else 100)))
    targets = [t for t in _list(model.get("targets")) if t.get("hide") is not True]
    if kind == "stat" and targets and all(t.get("instant") is True for t in targets):
        args.append(("instant", "true"))
    if isinstance(defaults.get("decimals"), int):
        args.append(("decimals", str(defaults["decimals"])))
    width = (model.get("gridPos") or {}).get("w")
    if kind in _WIDTH_ARGUMENT and isinstance(width, int) and width != default_width:
        args.append(("width", str(width)))
    body = "".join(f"  {name}={value},\n" for name, value in args)
    return f"{key}: {constructor}(\n{body}),"


def _list(items: Any) -> list[Json]:
    return [t for t in (items if isinstance(items, list) else []) if isinstance(t, dict)]


def _targets(targets: Any) -> str:
    calls = []
    for target in _list(targets):
        if target.get("hide") is True:
            continue
        expr = string(str(target.get("expr", "")))
        legend = target.get("legendFormat")
        if legend in (None, "", "__auto"):
            calls.append(f"target({expr})")
        else:
            calls.append(f"target({expr}, {string(str(legend))})")
    if not calls:
        return "[]"
    return "[\n" + "".join(f"    {c},\n" for c in calls) + "  ]"


def _thresholds(model: Json, table: Mapping[str, Any]) -> str | None:
    steps = field_defaults(model).get("thresholds")
    if not isinstance(steps, dict) or len(steps.get("steps") or []) < 2:
        return None
    for name, row in table.items():
        if not isinstance(row, Mapping):
            continue
        found = levels(model, row)
        if found and found == {"warning": row.get("warning"), "critical": row.get("critical")}:
            first = (steps.get("steps") or [{}])[0]
            kind = (
                "success" if isinstance(first, dict) and first.get("color") == "red" else "levels"
            )
            return f"panels.thresholds.{kind}(th.{name})"
    return _literal(steps, 2)


def _number(value: Any, fallback: int) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return json.dumps(value)
    return str(fallback)


def _raw(model: Json, key: str) -> str:
    kept = {k: v for k, v in model.items() if k not in ("id", "gridPos", "pluginVersion")}
    size = model.get("gridPos") or {}
    kept["gridPos"] = {"w": size.get("w", 12), "h": size.get("h", 8)}
    return f"{key}: {_literal(kept, 0)} + panels.withKey({string(key)}),"


def _literal(value: Any, indent: int) -> str:
    """JSON as Jsonnet: object keys quoted where they are not identifiers, strings single-quoted."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        parts = [f"{pad}  {_field(k)}: {_literal(v, indent + 2)},\n" for k, v in value.items()]
        return "{\n" + "".join(parts) + pad + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        parts = [f"{pad}  {_literal(v, indent + 2)},\n" for v in value]
        return "[\n" + "".join(parts) + pad + "]"
    if isinstance(value, str):
        return string(value)
    return json.dumps(value)


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KEYWORDS = frozenset(
    {"assert", "else", "error", "false", "for", "function", "if", "import", "importstr",
     "importbin", "in", "local", "null", "tailstrict", "then", "self", "super", "true"}
)  # fmt: skip


def _field(name: Any) -> str:
    text = str(name)
    return text if _IDENTIFIER.match(text) and text not in _KEYWORDS else string(text)
