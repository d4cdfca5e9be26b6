"""What a change does beyond the lines it touches, and the changes a reviewer must not miss.

- A changed, added or removed recording rule: the panels and alerts reading its series (their
  queries name it), on the new side (the old one for a removed rule, whose readers now read
  nothing).
- A changed window: every query whose only change is one range duration (`[5m]` → `[10m]`),
  grouped by that change, so one window edit reads as one line with everything it drives.
- Warnings: a unit changed while the query did not (the numbers read in another unit), an alert
  that fires later (its comparison loosened), a `for` lengthened, a severity lowered (an alert
  removed at one severity and added at a lower one), a series hidden by an override
  (`custom.hideFrom`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..model import Json, visible_panels
from .compare import DashboardDiff
from .rules import RuleChange, rules_of
from .values import identity, token_diff

SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}
_DURATION = re.compile(r"^(\d+)(ms|s|m|h|d|w|y)$")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_COMPARISON = re.compile(r"([<>]=?)\s*(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)\s*$")


@dataclass
class Impact:
    """Readers of each changed recording rule (label → `dashboard › panel`, `alert X (sev)`),
    window changes (`5m → 10m` → what they change), and warnings in plain words."""

    readers: dict[str, list[str]] = field(default_factory=dict)
    windows: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def seconds(duration: str) -> float | None:
    """A Prometheus duration (`5m`, `1h30m`) in seconds, None if it is not one."""
    total, rest = 0.0, duration.strip()
    if not rest:
        return None
    for amount, unit in re.findall(r"(\d+)(ms|s|m|h|d|w|y)", rest):
        total += int(amount) * _SECONDS[unit]
    if re.sub(r"(\d+)(ms|s|m|h|d|w|y)", "", rest):
        return None
    return total


def impact(
    dashboards: Sequence[DashboardDiff],
    rules: Sequence[RuleChange],
    old_models: Mapping[str, Json],
    new_models: Mapping[str, Json],
    old_rules: Iterable[Any],
    new_rules: Iterable[Any],
) -> Impact:
    found = Impact()
    old_exprs = _queries(old_models, old_rules)
    new_exprs = _queries(new_models, new_rules)
    for change in rules:
        if change.rule.kind != "record":
            continue
        name = change.rule.name
        exprs = old_exprs if change.new is None else new_exprs
        pattern = re.compile(rf"(?<![\w:]){re.escape(name)}(?![\w:])")
        readers = [who for who, expr in exprs if pattern.search(expr) and who != f"record {name}"]
        # Once each: the rules ship in more than one file, a panel may read it in two targets.
        found.readers[change.rule.label] = list(dict.fromkeys(readers))
    for who, old, new in _changed_queries(dashboards, rules):
        pair = _window_change(old, new)
        if pair is not None:
            found.windows.setdefault(pair, []).append(who)
    found.warnings += _panel_warnings(dashboards)
    found.warnings += _rule_warnings(rules)
    return found


def _queries(models: Mapping[str, Json], rule_documents: Iterable[Any]) -> list[tuple[str, str]]:
    """(who, expression) of every panel target and every rule."""
    found: list[tuple[str, str]] = []
    for model in models.values():
        title = str(model.get("title", ""))
        for panel in visible_panels(model):
            for target in panel.get("targets") or []:
                if isinstance(target, dict) and target.get("expr"):
                    found.append((f"{title} › {panel.get('title')}", str(target["expr"])))
    for document in rule_documents:
        for rule in rules_of(document).values():
            who = f"alert {rule.label}" if rule.kind == "alert" else f"record {rule.name}"
            found.append((who, rule.expr))
    return found


def _changed_queries(
    dashboards: Sequence[DashboardDiff], rules: Sequence[RuleChange]
) -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str]] = []
    for diff in dashboards:
        for change in diff.panels:
            for query in change.queries:
                if query.old is not None and query.new is not None:
                    who = f"{diff.title} › {change.new.title}"
                    found.append((who, query.old, query.new))
    for rule in rules:
        if rule.old is not None and rule.new is not None and rule.expr_changed:
            kind = "alert" if rule.rule.kind == "alert" else "record"
            found.append((f"{kind} {rule.rule.label}", rule.old.expr, rule.new.expr))
    return found


def _window_change(old: str, new: str) -> tuple[str, str] | None:
    """(old, new) when the only change of a query is one range duration, everywhere alike."""
    removed = [t for tag, t in token_diff(old, new, 0) if tag == "-"]
    added = [t for tag, t in token_diff(old, new, 0) if tag == "+"]
    if not removed or len(removed) != len(added):
        return None
    pairs = set(zip(removed, added, strict=True))
    if len(pairs) != 1:
        return None
    [(a, b)] = pairs
    return (a, b) if _DURATION.match(a) and _DURATION.match(b) else None


def _panel_warnings(dashboards: Sequence[DashboardDiff]) -> list[str]:
    warnings: list[str] = []
    for diff in dashboards:
        for change in diff.panels:
            who = f"{diff.title} › {change.new.title}"
            units = [f for f in change.fields if _is_unit(f[0])]
            if units and not change.queries:
                _, old, new = units[0]
                warnings.append(
                    f"{who}: unit {old} → {new} while its query did not change: the same "
                    "numbers now read in another unit"
                )
            hidden = _hidden(change.new.model) - _hidden(change.old.model)
            warnings += [f"{who}: {what} hidden by an override" for what in sorted(hidden)]
        for panel in diff.added:
            who = f"{diff.title} › {panel.title}"
            warnings += [
                f"{who}: {what} hidden by an override" for what in sorted(_hidden(panel.model))
            ]
    return warnings


def _is_unit(path: str) -> bool:
    return path == "fieldConfig.defaults.unit" or (
        path.startswith("fieldConfig.overrides[") and path.endswith(".properties[unit].value")
    )


def _hidden(panel: Json) -> set[str]:
    """What the panel's overrides hide: `column X from the graph, the legend`."""
    found: set[str] = set()
    overrides = panel.get("fieldConfig", {}).get("overrides")
    for override in overrides if isinstance(overrides, list) else []:
        if not isinstance(override, dict):
            continue
        for prop in override.get("properties") or []:
            if not isinstance(prop, dict) or prop.get("id") != "custom.hideFrom":
                continue
            value = prop.get("value")
            where = [
                k for k in ("viz", "legend", "tooltip") if isinstance(value, dict) and value.get(k)
            ]
            if where:
                found.add(f"{identity(override) or 'a series'} (from the {', '.join(where)})")
    return found


def _rule_warnings(rules: Sequence[RuleChange]) -> list[str]:
    warnings: list[str] = []
    for change in rules:
        old, new = change.old, change.new
        if old is None or new is None or change.rule.kind != "alert":
            continue
        who = f"alert {new.label}"
        was, now = _COMPARISON.search(old.expr), _COMPARISON.search(new.expr)
        if was and now and was.group(1) == now.group(1):
            a, b = float(was.group(2)), float(now.group(2))
            if (a < b and was.group(1).startswith(">")) or (a > b and was.group(1).startswith("<")):
                warnings.append(
                    f"{who} fires later: its level loosened, {was.group(0)} → {now.group(0)}"
                )
        before, after = (
            seconds(str(old.model.get("for", "0s"))),
            seconds(str(new.model.get("for", "0s"))),
        )
        if before is not None and after is not None and after > before:
            warnings.append(
                f"{who} waits longer before it fires: `for` {old.model.get('for', '0s')} → "
                f"{new.model.get('for')}"
            )
    removed = {
        (c.rule.name, c.rule.severity) for c in rules if c.new is None and c.rule.kind == "alert"
    }
    added = {
        (c.rule.name, c.rule.severity) for c in rules if c.old is None and c.rule.kind == "alert"
    }
    for name, severity in sorted(removed, key=lambda r: (r[0], str(r[1]))):
        lower = [
            s for n, s in added
            if n == name and SEVERITY_RANK.get(str(s), -1) < SEVERITY_RANK.get(str(severity), -1)
        ]  # fmt: skip
        if lower and (name, severity) not in added:
            warnings.append(
                f"alert {name}: severity lowered, {severity} → {', '.join(map(str, lower))}"
            )
    return warnings
