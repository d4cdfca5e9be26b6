"""Verify's findings and per-dashboard summary, one line each."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from .evaluate import DEFAULT_SETTING, Check, DashboardResult, shown


def findings(results: Sequence[DashboardResult]) -> list[str]:
    """Failed checks grouped by target, mode and problem, each naming dashboard › panel › refId."""
    lines: list[str] = []
    for result in results:
        for name, message in result.variable_problems:
            lines.append(f"{result.dashboard.title} › variable ${name}: {message}")
        groups: dict[tuple[str, str, str], list[Check]] = defaultdict(list)
        for check in result.checks:
            if check.kind:
                groups[(check.target.where(), check.mode, check.kind)].append(check)
        for (where, mode, kind), checks in groups.items():
            first = checks[0]
            when = ", ".join(dict.fromkeys(c.setting for c in checks))
            detail = f" (sent: {first.query})" if first.query != first.target.expr else ""
            lines.append(f"{where}: {kind} on {mode} query with {when}: {first.message}{detail}")
    return lines


def summary(result: DashboardResult) -> str:
    checks = result.checks
    count = {kind: sum(1 for c in checks if c.kind == kind) for kind in ("error", "empty", "sense")}
    ok = sum(1 for c in checks if c.kind is None and shown(c.answer))
    # Empty where the scenario allows it (a quiet platform's graphs of failures).
    allowed = sum(1 for c in checks if c.kind is None and not shown(c.answer))
    # What one load of the dashboard as it opens costs over a 24 h range: every target once, in
    # the mode Grafana sends it (range for time series and sparklines, instant otherwise); two
    # panels sending the same query are two queries, as Grafana sends them.
    timed = {
        c.target: c
        for c in checks
        if c.mode == c.target.grafana_mode and c.setting == DEFAULT_SETTING
    }
    seconds = [c.answer.seconds for c in timed.values()]
    slowest = max(timed.values(), key=lambda c: c.answer.seconds, default=None)
    slow = f" ({slowest.target.panel} › {slowest.target.ref_id})" if slowest else ""
    return (
        f"{result.dashboard.title}: {len(result.targets)} targets, {len(checks)} checks: "
        f"{ok} with data, "
        + (f"{allowed} empty as allowed, " if allowed else "")
        + f"{count['empty']} empty, {count['error']} errors, {count['sense']} out of range; "
        f"one 24h load: {len(seconds)} queries, "
        f"time sum {sum(seconds):.2f} s, max {max(seconds, default=0):.3f} s{slow}"
    )


def failed(results: Sequence[DashboardResult]) -> bool:
    return any(r.variable_problems or any(c.kind for c in r.checks) for r in results)
