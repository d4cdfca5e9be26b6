"""A change of `thresholds` in libsonnet/config.libsonnet, with everything it drives.

One level (`thresholds.latencyP95.warning 0.5 → 0.4`) colours panels and sets an alert's
comparison. The report shows it once, with the panels whose threshold steps are that row's
levels on both sides (rising, or one minus them for a success rate: `model.coloured_by`,
what the docs' thresholds table lists) and whose steps changed, and the alert rules of that
severity whose comparison was the old level and is the new one (`… > 0.5` became `… > 0.4`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..model import coloured_by, with_unit
from .compare import DashboardDiff, column_thresholds
from .rules import RuleChange

# The levels of a row that colour panels and page people; other fields are shown without drives.
LEVELS = ("warning", "critical")
_COMPARISON = re.compile(r"[<>]=?\s*(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)\s*$")


@dataclass
class ThresholdChange:
    key: str
    level: str
    old: Any
    new: Any
    unit: str | None = None
    panels: list[str] = field(default_factory=list)  # "dashboard › panel"
    alerts: list[str] = field(default_factory=list)  # "Name (severity)"

    @property
    def path(self) -> str:
        return f"thresholds.{self.key}.{self.level}"


def threshold_changes(
    old_table: Mapping[str, Any] | None,
    new_table: Mapping[str, Any] | None,
    dashboards: Sequence[DashboardDiff],
    rules: Sequence[RuleChange],
) -> list[ThresholdChange]:
    """Every changed field of the thresholds table, in the new table's order, each level with
    what it drives. Empty when either side's table is unknown."""
    if old_table is None or new_table is None:
        return []
    found: list[ThresholdChange] = []
    for key in [*new_table, *(k for k in old_table if k not in new_table)]:
        old_row = old_table.get(key) or {}
        new_row = new_table.get(key) or {}
        for level in [*new_row, *(f for f in old_row if f not in new_row)]:
            if level == "order" or old_row.get(level) == new_row.get(level):
                continue
            unit = new_row.get("unit", old_row.get("unit"))
            change = ThresholdChange(
                key, level, old_row.get(level), new_row.get(level), str(unit) if unit else None
            )
            if level in LEVELS and old_row and new_row:
                change.panels = _panels(old_row, new_row, dashboards)
                change.alerts = _alerts(level, old_row[level], new_row[level], rules)
            found.append(change)
    return found


def _panels(old_row: Any, new_row: Any, dashboards: Sequence[DashboardDiff]) -> list[str]:
    """The panels (`dashboard › panel`) and table columns (`dashboard › panel (column P95)`)
    whose steps changed from the row's old levels to its new ones."""
    found: list[str] = []
    for d in dashboards:
        for p in d.panels:
            changed = {f[0] for f in p.fields}
            if (
                "thresholds" in changed
                and coloured_by(p.old.model, old_row)
                and coloured_by(p.new.model, new_row)
            ):
                found.append(f"{d.title} › {p.new.title}")
            old_columns, new_columns = (
                column_thresholds(p.old.model),
                column_thresholds(p.new.model),
            )
            for column, (steps, _) in new_columns.items():
                if (
                    f"thresholds of {column}" in changed
                    and column in old_columns
                    and coloured_by(_with_steps(old_columns[column][0]), old_row)
                    and coloured_by(_with_steps(steps), new_row)
                ):
                    found.append(f"{d.title} › {p.new.title} ({column})")
    return found


def _with_steps(thresholds: Any) -> dict[str, Any]:
    return {"fieldConfig": {"defaults": {"thresholds": thresholds}}}


def _alerts(level: str, old: Any, new: Any, rules: Sequence[RuleChange]) -> list[str]:
    found = [
        r.rule.label
        for r in rules
        if r.old is not None
        and r.new is not None
        and r.new.severity == level
        and _compares_to(r.old.expr, old)
        and _compares_to(r.new.expr, new)
    ]
    return list(dict.fromkeys(found))  # an alert in two files (Kubernetes' copy) is one alert


def _compares_to(expr: str, level: Any) -> bool:
    found = _COMPARISON.search(expr)
    if found is None or not isinstance(level, int | float):
        return False
    return math.isclose(float(found.group(1)), float(level), rel_tol=1e-9, abs_tol=1e-12)


def level_text(change: ThresholdChange) -> str:
    """Both levels in the row's unit as a panel shows them (`500 ms → 400 ms`)."""
    return f"{with_unit(change.old, change.unit)} → {with_unit(change.new, change.unit)}"
