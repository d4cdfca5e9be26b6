"""The golden diff: what changed between reviewed output and a new rendering, in reviewer words.

Dashboards are compared as parsed JSON; only when they differ is deepdiff asked for details, and
panels are matched by title (not array index) and targets by refId, so an inserted panel does not
read as every later panel changing.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import BuildError
from .limits import REPORT_VALUE_MAX, cut
from .model import Json, panel_keys, shape_error

SEP = " › "


@dataclass(frozen=True)
class Change:
    """One golden file that differs: `status` is new, removed or changed."""

    path: str
    status: str
    details: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [f"{self.path}: {self.status}", *(f"  {d}" for d in self.details)]


class CorruptGolden(BuildError):
    """A golden file that cannot be read as what its path says it holds (exit 2)."""


def compare(
    rendered: Mapping[str, bytes], golden: Mapping[str, bytes | None], *, repair: bool = False
) -> list[Change]:
    """Every difference between the rendered files and the golden ones, sorted by path.

    A corrupt golden file (None: unreadable) raises CorruptGolden naming it, unless `repair`
    (golden-update), which reports it as changed: the rendering will replace it.
    """
    changes: list[Change] = []
    for path in sorted(set(rendered) | set(golden)):
        old = golden.get(path)
        if path not in golden:
            changes.append(Change(path, "new", _summary_of_new(path, rendered[path])))
        elif path not in rendered:
            changes.append(Change(path, "removed", ["no source renders this file any more"]))
        elif old is None:
            changes.append(Change(path, "changed", ["unreadable golden file, rewritten"]))
        elif rendered[path] != old:
            try:
                details = describe(path, old, rendered[path])
            except CorruptGolden as exc:
                if not repair:
                    raise
                details = [f"{exc}, rewritten"]
            changes.append(Change(path, "changed", details))
    return changes


def describe(path: str, old: bytes, new: bytes) -> list[str]:
    """Reviewer-facing lines for one changed file."""
    if path.endswith(".json"):
        before, after = _parse_json(path, old), json.loads(new)
        problem = shape_error(before)
        if problem is not None:
            raise CorruptGolden(f"golden/{path}: corrupt golden file: {problem}")
        if before == after:
            return ["same content, but not in canonical form (run `invoke golden-update`)"]
        return dashboard_changes(before, after)
    if path.endswith((".yaml", ".yml")):
        before, after = _parse_yaml(path, old), yaml.safe_load(new)
        if before == after:
            return ["same content, but not in canonical form (run `invoke golden-update`)"]
        return [f"{p}: {o} → {n}" for p, o, n in value_changes(keyed(before), keyed(after))]
    diff = difflib.unified_diff(
        old.decode("utf-8", "replace").splitlines(),
        new.decode("utf-8", "replace").splitlines(),
        "golden",
        "rendered",
        lineterm="",
        n=1,
    )
    return list(diff)[2:]


def dashboard_changes(old: Json, new: Json) -> list[str]:
    """Changes of one dashboard: its own fields, then panels removed, added and changed."""
    title = str(new.get("title") or old.get("title"))
    lines = [
        f"{title}{SEP}(dashboard){SEP}{p}: {o} → {n}"
        for p, o, n in value_changes(keyed(_without_panels(old)), keyed(_without_panels(new)))
    ]
    old_panels, new_panels = panel_keys(old), panel_keys(new)
    for key in old_panels.keys() - new_panels.keys():
        lines.append(f"{title}{SEP}panel removed: {key!r} ({old_panels[key].get('type')})")
    for key in new_panels.keys() - old_panels.keys():
        lines.append(f"{title}{SEP}panel added: {key!r} ({new_panels[key].get('type')})")
    for key in old_panels.keys() & new_panels.keys():
        before, after = (
            keyed(_without_panels(old_panels[key])),
            keyed(_without_panels(new_panels[key])),
        )
        if before != after:
            lines.extend(
                f"{title}{SEP}{key}{SEP}{p}: {o} → {n}" for p, o, n in value_changes(before, after)
            )
    return sorted(lines)


def value_changes(old: Any, new: Any) -> list[tuple[str, str, str]]:
    """(field path, old value, new value) for every leaf deepdiff finds changed."""
    if old == new:
        return []
    from deepdiff import DeepDiff  # imported only when something differs: it is slow to load

    diff = DeepDiff(old, new, view="tree", verbose_level=2)
    found: list[tuple[str, str, str]] = []
    for levels in diff.tree.values():
        for level in levels:
            found.append(
                (_path(level.path(output_format="list")), _show(level.t1), _show(level.t2))
            )
    return sorted(found)


class Key(str):
    """The identity of a list item (refId, alert name...), shown in brackets like an index."""

    __slots__ = ()


def identity(item: Any) -> str | None:
    """What names a list item for a reviewer: a target's refId, an alert rule's name and
    severity, a variable's, datasource's or rule group's name."""
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("refId"), str):
        return str(item["refId"])
    if isinstance(item.get("alert"), str):
        severity = (item.get("labels") or {}).get("severity")
        return f"{item['alert']} {severity}" if severity else str(item["alert"])
    for field_name in ("name", "uid"):
        if isinstance(item.get(field_name), str):
            return str(item[field_name])
    return None


def keyed(value: Any) -> Any:
    """`value` with every list of uniquely named items turned into a mapping by that name, so
    an inserted item reads as one addition and paths name items (targets[A], rules[X warning])."""
    if isinstance(value, dict):
        return {k: keyed(v) for k, v in value.items()}
    if isinstance(value, list):
        names = [identity(item) for item in value]
        items = [keyed(item) for item in value]
        if value and all(names) and len(set(names)) == len(names):
            return {Key(n): item for n, item in zip(names, items, strict=True)}
        return items
    return value


def _path(parts: list[Any]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int | Key):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(whole)"


def _show(value: Any) -> str:
    if type(value).__name__ == "NotPresent":
        return "(absent)"
    return cut(json.dumps(value, ensure_ascii=False, sort_keys=True), REPORT_VALUE_MAX)


def _without_panels(dashboard: Json) -> Json:
    return {k: v for k, v in dashboard.items() if k != "panels"}


def _summary_of_new(path: str, content: bytes) -> list[str]:
    if path.endswith(".json"):
        model = json.loads(content)
        # Rows are headings, not panels: the count agrees with the build summary.
        keys = [k for k, p in panel_keys(model).items() if p.get("type") != "row"]
        return [f"{model.get('title')}: {len(keys)} panels: " + ", ".join(keys)]
    return []


def _parse_json(path: str, content: bytes) -> Any:
    try:
        return json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptGolden(f"golden/{path}: corrupt golden file: {exc}") from None


def _parse_yaml(path: str, content: bytes) -> Any:
    try:
        return yaml.safe_load(content)
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CorruptGolden(f"golden/{path}: corrupt golden file: {exc}".splitlines()[0]) from None
