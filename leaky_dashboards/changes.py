"""The golden diff: what changed between reviewed output and a new rendering, in reviewer words.

The comparison is the one `invoke diff` reports (`comparison.compare` for dashboards: panels matched
by key, renamed, moved only when their row or their place in it changed; `comparison.rules` for rule
files, rule by rule); this module writes it as the lines `invoke build` and `invoke golden-update`
print: `dashboard › panel › field: old → new`.
"""

from __future__ import annotations

import base64
import difflib
import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from .comparison.compare import DashboardDiff, compare_dashboard, place_text
from .comparison.rules import RuleChange, compare_rules, is_rules
from .comparison.values import around_change, keyed, show, value_changes, word_diff_text
from .errors import BuildError
from .limits import REPORT_VALUE_MAX, cut
from .model import Json, is_row, panel_keys, shape_error

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
    """Reviewer-facing lines for one changed file, from the comparer `invoke diff` uses."""
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
        if is_rules(before) and is_rules(after):
            return rule_lines(compare_rules(before, after))
        if (lines := manifest_changes(before, after)) is not None:
            return lines
        return [_line(p, o, n) for p, o, n in value_changes(keyed(before), keyed(after))]
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
    """Changes of one dashboard as lines: `dashboard › panel › field: old → new`."""
    return dashboard_lines(compare_dashboard(str(new.get("title") or old.get("title")), old, new))


def dashboard_lines(diff: DashboardDiff) -> list[str]:
    """The comparer's findings in build words: settings, rows, panels removed, added, renamed,
    moved and changed (in the new order), then ids that changed."""
    head = f"{diff.title}{SEP}"
    lines = [_line(f"{head}(dashboard){SEP}{p}", o, n) for p, o, n in diff.settings]
    lines += [f"{head}row added: {r!r}" for r in diff.rows_added]
    lines += [f"{head}row removed: {r!r}" for r in diff.rows_removed]
    lines += [f"{head}row renamed: {o!r} → {n!r}" for o, n in diff.rows_renamed]
    lines += [f"{head}panel removed: {p.key!r} ({p.type})" for p in diff.removed]
    lines += [f"{head}panel added: {p.key!r} ({p.type}, {place_text(p.place)})" for p in diff.added]
    for change in diff.touched:
        panel = f"{head}{change.new.key}{SEP}"
        if change.renamed:
            lines.append(f"{head}panel renamed: {change.old.title!r} → {change.new.title!r}")
        if change.moved:
            lines.append(
                f"{panel}moved: {place_text(change.old.place)} → {place_text(change.new.place)}"
            )
        lines += [_line(f"{panel}{p}", o, n) for p, o, n in change.fields]
        lines += [f"{panel}{t.path}: {word_diff_text(t.old, t.new)}" for t in change.texts]
        for query in change.queries:
            old_expr = "(absent)" if query.old is None else show(query.old)
            new_expr = "(absent)" if query.new is None else show(query.new)
            lines.append(_line(f"{panel}targets[{query.ref}].expr", old_expr, new_expr))
    if diff.renumbered:
        ids = ", ".join(f"{c.new.key!r} {c.old.id} → {c.new.id}" for c in diff.renumbered)
        lines.append(f"{head}panel ids changed (viewPanel= links to them change): {ids}")
    return lines


def rule_lines(changes: list[RuleChange]) -> list[str]:
    """Rule changes as lines: `LeakyTokensX (warning) › expr: old → new`."""
    lines: list[str] = []
    for change in changes:
        head = f"{change.rule.label}{SEP}"
        if change.new is None:
            lines.append(f"{head}rule removed")
        elif change.old is None:
            lines.append(f"{head}rule added: expr {show(change.new.expr)}")
        else:
            if change.expr_changed:
                lines.append(_line(f"{head}expr", show(change.old.expr), show(change.new.expr)))
            lines += [_line(f"{head}{p}", o, n) for p, o, n in change.fields]
            lines += [f"{head}{t.path}: {word_diff_text(t.old, t.new)}" for t in change.texts]
    return lines


def manifest_changes(old: Any, new: Any) -> list[str] | None:
    """A Kubernetes object carrying a dashboard (GrafanaDashboard, sidecar ConfigMap) or rule
    groups (PrometheusRule), in reviewer words: the carried dashboard or rules compared as their
    golden files are, the object's other fields value by value; None for anything else."""
    if not (isinstance(old, dict) and isinstance(new, dict) and old.get("kind") == new.get("kind")):
        return None
    before, after = _carried(old), _carried(new)
    if before is None or after is None:
        return None
    (old_rest, old_content), (new_rest, new_content) = before, after
    lines = [_line(p, o, n) for p, o, n in value_changes(keyed(old_rest), keyed(new_rest))]
    if old_content != new_content:
        if is_rules(old_content) and is_rules(new_content):
            lines += rule_lines(compare_rules(old_content, new_content))
        else:
            lines += dashboard_changes(old_content, new_content)
    return lines


def _carried(document: Json) -> tuple[Json, Any] | None:
    """(the object without what it carries, the dashboard model or rules document it carries)."""
    spec, data = document.get("spec"), document.get("data")
    kind = document.get("kind")
    try:
        if kind == "PrometheusRule" and isinstance(spec, dict):
            return document | {"spec": {**spec, "groups": None}}, {"groups": spec.get("groups")}
        if kind == "GrafanaDashboard" and isinstance(spec, dict):
            if isinstance(spec.get("json"), str):
                return document | {"spec": {**spec, "json": None}}, json.loads(spec["json"])
            if isinstance(spec.get("gzipJson"), str):
                packed = base64.b64decode(spec["gzipJson"])
                model = json.loads(gzip.decompress(packed))
                return document | {"spec": {**spec, "gzipJson": None}}, model
        if kind == "ConfigMap" and isinstance(data, dict) and len(data) == 1:
            ((key, text),) = data.items()
            if str(key).endswith(".json") and isinstance(text, str):
                return document | {"data": {key: None}}, json.loads(text)
    except (ValueError, OSError, EOFError):
        return None
    return None


def _line(path: str, old: str, new: str) -> str:
    """`path: old → new`, long values with the unchanged parts away from the change elided."""
    before, after = around_change(old, new, REPORT_VALUE_MAX)
    # each side starts at most a little context before its change: a cut keeps the change
    return f"{path}: {cut(before, 4 * REPORT_VALUE_MAX)} → {cut(after, 4 * REPORT_VALUE_MAX)}"


def _summary_of_new(path: str, content: bytes) -> list[str]:
    if path.endswith(".json"):
        model = json.loads(content)
        keys = [k for k, p in panel_keys(model).items() if not is_row(p)]
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
