"""Every golden file two renderings differ in, compared by what it holds: dashboards panel by
panel, rule files rule by rule, other YAML field by field, text (the docs) as a summary line, and
the changes of config.libsonnet's thresholds with what each drives."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import yaml

from ..model import Json
from .compare import DashboardDiff, compare_all
from .impact import Impact, impact
from .rules import RuleChange, compare_rules, is_rules
from .thresholds import ThresholdChange, threshold_changes
from .values import keyed, raw_changes, show, value_changes

DASHBOARD_DIR = "dashboards/"


@dataclass
class FileDiff:
    """A golden file other than a dashboard or a rules file: new, removed or changed, with its
    field changes (YAML) or a summary line (text)."""

    path: str
    status: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)
    summary: str = ""
    # A text file's (or an unreadable one's) changed lines, as a unified diff.
    lines: list[str] = field(default_factory=list)


@dataclass
class RulesDiff:
    path: str
    status: str  # new, removed, changed
    rules: list[RuleChange] = field(default_factory=list)
    # The groups' own fields (name, interval, limit...) by group name: `groups[api].interval`.
    groups: list[tuple[str, str, str]] = field(default_factory=list)

    def group_lines(self) -> list[str]:
        return [path for path, _, _ in self.groups]


@dataclass
class ChangeSet:
    dashboards: list[DashboardDiff]
    rules: list[RulesDiff] = field(default_factory=list)
    files: list[FileDiff] = field(default_factory=list)
    thresholds: list[ThresholdChange] = field(default_factory=list)
    total: int = 0  # files compared (either side)
    impact: Impact = field(default_factory=Impact)

    @property
    def changed_dashboards(self) -> list[DashboardDiff]:
        return [d for d in self.dashboards if d.status != "unchanged"]

    @property
    def empty(self) -> bool:
        return not (self.changed_dashboards or self.rules or self.files or self.thresholds)

    def changed_paths(self) -> list[str]:
        paths = [f"{DASHBOARD_DIR}{d.name}.json" for d in self.changed_dashboards]
        return paths + [r.path for r in self.rules] + [f.path for f in self.files]


def is_dashboard(path: str) -> bool:
    """A dashboard file, by golden-relative (`dashboards/x.json`) or repository path."""
    bare = path.removeprefix("golden/")
    return bare.startswith(DASHBOARD_DIR) and bare.endswith(".json") and bare.count("/") == 1


def dashboards_in(files: Mapping[str, bytes]) -> dict[str, Json]:
    """The readable dashboard models of a rendering, by name (file stem)."""
    found: dict[str, Json] = {}
    for path, content in sorted(files.items()):
        if is_dashboard(path):
            model = _json(content)
            if isinstance(model, dict) and isinstance(model.get("panels", []), list):
                found[PurePosixPath(path).stem] = model
    return found


def _json(content: bytes) -> Any:
    try:
        return json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


# libyaml's safe loader when PyYAML has it (ten times faster), else the pure-Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yaml(content: bytes | None) -> tuple[Any, str | None]:
    """A YAML file's document (a list of them when several), or the reason it has none."""
    if content is None:
        return {}, None
    try:
        documents = list(yaml.load_all(content, Loader=_LOADER))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        return None, str(exc).splitlines()[0]
    return (documents[0] if len(documents) == 1 else documents), None


def compare_files(
    old: Mapping[str, bytes],
    new: Mapping[str, bytes],
    old_thresholds: Mapping[str, Any] | None = None,
    new_thresholds: Mapping[str, Any] | None = None,
) -> ChangeSet:
    """Both sides (path → bytes: golden-relative, or repository paths) compared file by file,
    and the thresholds tables. A file that cannot be read as what its path says (an emptied or
    hand-broken JSON or YAML file) is compared as text, and says so."""
    old_models, new_models = dashboards_in(old), dashboards_in(new)
    changes = ChangeSet(compare_all(old_models, new_models), total=len(set(old) | set(new)))
    for path in sorted(set(old) | set(new)):
        before, after = old.get(path), new.get(path)
        if is_dashboard(path):
            stem = PurePosixPath(path).stem
            readable = (before is None or stem in old_models) and (
                after is None or stem in new_models
            )
            if readable:
                if before and after and before != after and old_models[stem] == new_models[stem]:
                    changes.files.append(_rewritten(path, before, after))
                continue
            # compare_all saw only its readable side: say what the other holds
            changes.dashboards = [d for d in changes.dashboards if d.name != stem]
        if before == after:
            continue
        status = "new" if before is None else "removed" if after is None else "changed"
        if is_dashboard(path):
            summary = _unreadable(before, after)
            changes.files.append(
                FileDiff(path, status, summary=summary, lines=_lines(before, after))
            )
        elif path.endswith(".json") and _json_pair(before, after) is not None:
            a, b = _json_pair(before, after) or ({}, {})
            fields = field_changes(a, b, old_models, new_models)
            changes.files.append(
                FileDiff(path, status, fields) if fields else _rewritten(path, before, after)
            )
        elif path.endswith((".yaml", ".yml")):
            (a, bad_a), (b, bad_b) = _yaml(before), _yaml(after)
            if bad_a or bad_b:
                why = f"not valid YAML ({bad_a or bad_b}); " + text_summary(before, after)
                changes.files.append(
                    FileDiff(path, status, summary=why, lines=_lines(before, after))
                )
            elif is_rules(_rules_in(a)) and is_rules(_rules_in(b)):
                diff = RulesDiff(path, status, compare_rules(_rules_in(a), _rules_in(b)))
                diff.groups = group_changes(_rules_in(a), _rules_in(b))
                diff.groups += value_changes(keyed(_wrapper(a)), keyed(_wrapper(b)))
                if diff.rules or diff.groups or status != "changed":
                    changes.rules.append(diff)
                else:
                    changes.files.append(_rewritten(path, before, after))
            else:
                fields = field_changes(a, b, old_models, new_models)
                changes.files.append(
                    FileDiff(path, status, fields) if fields else _rewritten(path, before, after)
                )
        else:
            summary = text_summary(before, after)
            changes.files.append(
                FileDiff(path, status, summary=summary, lines=_lines(before, after))
            )
    rule_changes = [r for rules in changes.rules for r in rules.rules]
    changes.thresholds = threshold_changes(
        old_thresholds, new_thresholds, changes.dashboards, rule_changes
    )
    # Who reads a changed recording rule: every rules file of each side (parsed only then).
    recorded = any(r.rule.kind == "record" for r in rule_changes)
    old_rules = _rule_documents(old) if recorded else []
    new_rules = _rule_documents(new) if recorded else []
    changes.impact = impact(
        changes.dashboards, rule_changes, old_models, new_models, old_rules, new_rules
    )
    return changes


def _rule_documents(files: Mapping[str, bytes]) -> list[Any]:
    documents = (_yaml(c)[0] for p, c in files.items() if p.endswith((".yaml", ".yml")))
    return [_rules_in(d) for d in documents if is_rules(_rules_in(d)) and _rules_in(d)]


def _wrapper(document: Any) -> Any:
    """What a PrometheusRule holds beside its rules (kind, metadata), compared too."""
    if isinstance(document, dict) and _rules_in(document) is not document:
        return {k: v for k, v in document.items() if k != "spec"}
    return {}


def _rules_in(document: Any) -> Any:
    """The rules document a file holds: itself, or a Kubernetes PrometheusRule's `spec`; an
    absent side is an empty one."""
    if not document:
        return {"groups": []}
    if isinstance(document, dict) and document.get("kind") == "PrometheusRule":
        spec = document.get("spec")
        if isinstance(spec, dict) and set(document) <= {"apiVersion", "kind", "metadata", "spec"}:
            return spec
    return document


def field_changes(
    old: Any, new: Any, old_models: Mapping[str, Json], new_models: Mapping[str, Json]
) -> list[tuple[str, str, str]]:
    """Field by field; a string field holding a dashboard's JSON (a Kubernetes ConfigMap or
    GrafanaDashboard wrapping it) is one row naming the dashboard when it is, on each side, that
    side's golden dashboard: its changes are the dashboard's, listed with it."""
    rows: list[tuple[str, str, str]] = []
    for path, a, b in raw_changes(keyed(old), keyed(new)):
        was, now = _embedded(a, old_models), _embedded(b, new_models)
        if was is not None and now is not None:
            rows.append((path, f"the dashboard {was} (before)", f"the dashboard {now} (after)"))
        else:
            rows.append((path, show(a), show(b)))
    return rows


def _embedded(value: Any, models: Mapping[str, Json]) -> str | None:
    """`dashboards/<name>.json` when `value` is that dashboard's JSON, exactly."""
    if not isinstance(value, str) or not value.lstrip().startswith("{"):
        return None
    model = _json(value.encode("utf-8"))
    if not isinstance(model, dict):
        return None
    for name, golden in models.items():
        if golden == model:
            return f"{DASHBOARD_DIR}{name}.json"
    return None


def group_changes(old: Any, new: Any) -> list[tuple[str, str, str]]:
    """The rule groups' own fields that differ, groups by name: `groups[api].interval`."""

    def heads(document: Any) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for n, group in enumerate(document.get("groups") or [], start=1):
            if isinstance(group, dict):
                name = str(group.get("name", f"#{n}"))
                found[name if name not in found else f"{name} #{n}"] = {
                    k: v for k, v in group.items() if k not in ("rules", "name")
                }
        return found

    a, b = heads(old), heads(new)
    rows: list[tuple[str, str, str]] = []
    for name in [*b, *(n for n in a if n not in b)]:
        if name not in a:
            rows.append((f"groups[{name}]", "(absent)", "(added)"))
        elif name not in b:
            rows.append((f"groups[{name}]", "(present)", "(removed)"))
        else:
            rows += [(f"groups[{name}].{p}", o, n) for p, o, n in value_changes(a[name], b[name])]
    return rows


def _unreadable(old: bytes | None, new: bytes | None) -> str:
    sides = [
        f"{name} is not a readable dashboard ({_why(c)})"
        for name, c in (("before", old), ("after", new))
        if c is not None and not isinstance(_json(c), dict)
    ]
    return "; ".join(sides) + "; " + text_summary(old, new)


def _rewritten(path: str, old: bytes | None, new: bytes | None) -> FileDiff:
    """A file whose bytes changed but not what it holds: said, with its changed lines."""
    summary = "the same content, written differently: " + text_summary(old, new)
    return FileDiff(path, "changed", summary=summary, lines=_lines(old, new))


def _json_pair(old: bytes | None, new: bytes | None) -> tuple[Any, Any] | None:
    """Both sides of a JSON file parsed ({} for a missing side), or None if one is not JSON."""
    a = {} if old is None else _json(old)
    b = {} if new is None else _json(new)
    return None if a is None or b is None else (a, b)


def _lines(old: bytes | None, new: bytes | None) -> list[str]:
    """The changed lines with two of context, as `diff -u` shows them (headers left out)."""
    a = [] if old is None else old.decode("utf-8", "replace").splitlines()
    b = [] if new is None else new.decode("utf-8", "replace").splitlines()
    return list(difflib.unified_diff(a, b, lineterm="", n=2))[2:]


def _why(content: bytes) -> str:
    if not content.strip():
        return "empty"
    return "not valid JSON" if _json(content) is None else "not a JSON object"


def text_summary(old: bytes | None, new: bytes | None) -> str:
    """`4 lines added, 4 removed, under “Recommended alerting thresholds”, “1. 🚀 …”`: how much
    changed, and under which Markdown headings."""
    a = [] if old is None else old.decode("utf-8", "replace").splitlines()
    b = [] if new is None else new.decode("utf-8", "replace").splitlines()
    added = removed = 0
    headings: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        removed += i2 - i1
        added += j2 - j1
        heading = _heading_above(b, j1) if b else _heading_above(a, i1)
        if heading and heading not in headings:
            headings.append(heading)
    text = f"{added} line{'' if added == 1 else 's'} added, {removed} removed"
    if headings:
        text += ", under " + ", ".join(f"“{h}”" for h in headings)
    return text


def _heading_above(lines: list[str], index: int) -> str | None:
    for line in reversed(lines[: index + 1]):
        if line.startswith("#"):
            return line.lstrip("#").strip()
    return None
