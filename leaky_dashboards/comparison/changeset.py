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
from .rules import RuleChange, compare_rules, is_rules
from .thresholds import ThresholdChange, threshold_changes
from .values import keyed, value_changes

DASHBOARD_DIR = "dashboards/"


@dataclass
class FileDiff:
    """A golden file other than a dashboard or a rules file: new, removed or changed, with its
    field changes (YAML) or a summary line (text)."""

    path: str
    status: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)
    summary: str = ""


@dataclass
class RulesDiff:
    path: str
    status: str  # new, removed, changed
    rules: list[RuleChange] = field(default_factory=list)


@dataclass
class ChangeSet:
    dashboards: list[DashboardDiff]
    rules: list[RulesDiff] = field(default_factory=list)
    files: list[FileDiff] = field(default_factory=list)
    thresholds: list[ThresholdChange] = field(default_factory=list)

    @property
    def changed_dashboards(self) -> list[DashboardDiff]:
        return [d for d in self.dashboards if d.status != "unchanged"]

    @property
    def empty(self) -> bool:
        return not (self.changed_dashboards or self.rules or self.files or self.thresholds)

    def changed_paths(self) -> list[str]:
        paths = [f"{DASHBOARD_DIR}{d.name}.json" for d in self.changed_dashboards]
        return paths + [r.path for r in self.rules] + [f.path for f in self.files]


def dashboards_in(files: Mapping[str, bytes]) -> dict[str, Json]:
    """The dashboard models of a rendering, by name (file stem)."""
    return {
        PurePosixPath(path).stem: json.loads(content)
        for path, content in sorted(files.items())
        if path.startswith(DASHBOARD_DIR) and path.endswith(".json")
    }


def compare_files(
    old: Mapping[str, bytes],
    new: Mapping[str, bytes],
    old_thresholds: Mapping[str, Any] | None = None,
    new_thresholds: Mapping[str, Any] | None = None,
) -> ChangeSet:
    """Both renderings (golden-relative path → bytes) compared, and the thresholds tables."""
    changes = ChangeSet(compare_all(dashboards_in(old), dashboards_in(new)))
    for path in sorted(set(old) | set(new)):
        if path.startswith(DASHBOARD_DIR) and path.endswith(".json"):
            continue
        before, after = old.get(path), new.get(path)
        if before == after:
            continue
        status = "new" if before is None else "removed" if after is None else "changed"
        if path.endswith((".yaml", ".yml")):
            a = {} if before is None else yaml.safe_load(before)
            b = {} if after is None else yaml.safe_load(after)
            if is_rules(a or {"groups": []}) and is_rules(b or {"groups": []}):
                changes.rules.append(RulesDiff(path, status, compare_rules(a or {}, b or {})))
            else:
                changes.files.append(FileDiff(path, status, value_changes(keyed(a), keyed(b))))
        else:
            changes.files.append(FileDiff(path, status, summary=text_summary(before, after)))
    changes.thresholds = threshold_changes(
        old_thresholds,
        new_thresholds,
        changes.dashboards,
        [r for rules in changes.rules for r in rules.rules],
    )
    return changes


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
