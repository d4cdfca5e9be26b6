"""Expectations with known answers, checked on a real Prometheus: the number a panel must show at a
moment, and which alert must fire (or stay silent) for which labels.

The expected values come from the world's own parameters (the MiB a heap holds, the failures a
provider returns per minute, the requests an idle service gets), never from a query. A panel is
read as Grafana shows it at that moment: a stat's last value (an instant query at the moment), the
target's interval as Grafana computes it for the dashboard's default time range. An alert fires at
a moment when its expression returned the labels at every evaluation in the `for` before it, as
Prometheus' rule manager does; evaluations run every scrape interval.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .. import grafana
from ..render import Dashboard
from . import evaluate
from .promapi import Answer, Client
from .variables import resolve

# The dashboards' default time range (config.dashboard.time: now-6h): the interval Grafana gives
# a panel's queries when it opens.
DASHBOARD_RANGE_S = 6 * 3600

Labels = Mapping[str, str]


@dataclass(frozen=True)
class Shows:
    """Dashboard `dashboard` (its short name), panel `panel`: at `at` seconds before the end,
    with `variables` set (the others at All), the series with `series` labels (the only one if
    empty) shows `value` ± `tolerance`; `value` None means "No data"."""

    dashboard: str
    panel: str
    value: float | None
    why: str
    at: int = 0
    tolerance: float = 0.0
    variables: Labels = field(default_factory=dict)
    series: Labels = field(default_factory=dict)
    ref_id: str | None = None

    def subject(self) -> str:
        where = ", ".join(f"{k}={v}" for k, v in self.variables.items())
        which = ", ".join(f'{k}="{v}"' for k, v in self.series.items())
        ref = f" › {self.ref_id}" if self.ref_id else ""
        return (
            f"{self.dashboard} › {self.panel}{ref}"
            + (f" {{{which}}}" if which else "")
            + (f" with {where}" if where else "")
            + f" at end-{_minutes(self.at)}"
        )

    def expected(self) -> str:
        if self.value is None:
            return "No data"
        return f"{self.value:g}" + (f" ± {self.tolerance:g}" if self.tolerance else "")


@dataclass(frozen=True)
class Excludes:
    """No series of the panel's answer at `at` has label `label` matching `pattern`."""

    dashboard: str
    panel: str
    label: str
    pattern: str
    why: str
    at: int = 0

    def subject(self) -> str:
        return f"{self.dashboard} › {self.panel} at end-{_minutes(self.at)}"

    def expected(self) -> str:
        return f'no series with {self.label}=~"{self.pattern}"'


@dataclass(frozen=True)
class Fires:
    """Alert `alert` at `severity` is firing for `labels` (a subset) `by` seconds before the end."""

    alert: str
    severity: str
    labels: Labels
    why: str
    by: int = 0

    def subject(self) -> str:
        return f"alert {self.alert} ({self.severity}) {_show(self.labels)}"

    def expected(self) -> str:
        return f"firing by end-{_minutes(self.by)}"


@dataclass(frozen=True)
class Silent:
    """Alert `alert` (every alert if "*"; every severity unless given) never fires for `labels`
    (a subset) from `since` to `until` seconds before the end (`since` None: the whole data)."""

    alert: str
    labels: Labels
    why: str
    since: int | None = None
    until: int = 0
    severity: str | None = None

    def subject(self) -> str:
        severity = f" ({self.severity})" if self.severity else ""
        return f"alert {self.alert}{severity} {_show(self.labels)}"

    def expected(self) -> str:
        since = "the start" if self.since is None else f"end-{_minutes(self.since)}"
        return f"silent from {since} to end-{_minutes(self.until)}"


@dataclass(frozen=True)
class Reads:
    """Dashboard `dashboard`, panel `panel` as the viewer reads it at `at` seconds before the end
    (`variables` set, the others at their defaults), drawn by the preview's renderer with
    Grafana's own display code (display.py): the value named `name` (a stat's or gauge's value:
    its display name; the only one if None), or in a table the cell of column `column` in the
    row whose cells read every text of `row`, reads `text` exactly, unit included (None: the
    panel's "No data" text, its `noValue` if it has one), and is coloured `level`: the colour of
    the panel's threshold step 0 (`base`), 1 (`warning`) or 2 (`critical`)."""

    dashboard: str
    panel: str
    text: str | None
    why: str
    at: int = 0
    level: str | None = None
    variables: Labels = field(default_factory=dict)
    name: str | None = None
    column: str | None = None
    row: tuple[str, ...] = ()

    def subject(self) -> str:
        where = ", ".join(f"{k}={v}" for k, v in self.variables.items())
        cell = f" › {self.column} of row {', '.join(self.row)}" if self.column else ""
        named = f" › {self.name}" if self.name else ""
        return (
            f"{self.dashboard} › {self.panel}{named}{cell} as read"
            + (f" with {where}" if where else "")
            + f" at end-{_minutes(self.at)}"
        )

    def expected(self) -> str:
        shown = "its No data text" if self.text is None else f"{self.text!r}"
        return shown + (f" in its {self.level} colour" if self.level else "")


Expectation = Shows | Excludes | Fires | Silent | Reads


class Stated(Protocol):
    """What a verdict reports on: an expectation, or a check of the same shape."""

    @property
    def why(self) -> str: ...

    def subject(self) -> str: ...

    def expected(self) -> str: ...


@dataclass(frozen=True)
class Verdict:
    expectation: Stated
    shown: str  # what the panel or the rule manager showed, in words
    met: bool

    def line(self, scenario: str) -> str:
        e = self.expectation
        mark = "ok  " if self.met else "MISS"
        return (
            f"{mark} {scenario} › {e.subject()}: expected {e.expected()} ({e.why}); "
            f"shows {self.shown}"
        )


@dataclass(frozen=True)
class World:
    """What the expectations are checked against: the data's end, the compiled dashboards (by
    short name) and the alert rules document."""

    end: int
    start: int
    scrape_interval: str
    dashboards: Mapping[str, Dashboard]
    rules: dict[str, Any]


def check(client: Client, world: World, expectations: Sequence[Expectation]) -> list[Verdict]:
    """Every expectation but `Reads` (read through the renderer: display.check)."""
    return [_check(client, world, e) for e in expectations if not isinstance(e, Reads)]


def _check(client: Client, world: World, e: Shows | Excludes | Fires | Silent) -> Verdict:
    if isinstance(e, Shows):
        return _shows(client, world, e)
    if isinstance(e, Excludes):
        return _excludes(client, world, e)
    if isinstance(e, Fires):
        return _fires(client, world, e)
    return _silent(client, world, e)


# ---- panels ----


def _answer(
    client: Client,
    world: World,
    dashboard_name: str,
    panel_title: str,
    at: int,
    variables: Labels,
    ref_id: str | None,
) -> tuple[Answer | None, str]:
    """The panel's target answer at `at` seconds before the end, or None and why not."""
    dashboard = world.dashboards.get(dashboard_name)
    if dashboard is None:
        return None, f"no dashboard {dashboard_name!r}"
    when = world.end - at
    window = evaluate.Window(end=when, range_s=DASHBOARD_RANGE_S)
    targets = [
        t
        for t in evaluate.targets(dashboard, window, world.scrape_interval)
        if t.panel == panel_title and (ref_id is None or t.ref_id == ref_id)
    ]
    if len(targets) != 1:
        found = "no target" if not targets else f"{len(targets)} targets (name a refId)"
        return None, f"panel {panel_title!r} has {found}"
    target = targets[0]
    resolved = resolve(client, dashboard.model, window.start, window.end, window.range_s)
    unknown = set(variables) - {v.name for v in resolved.variables}
    if unknown:
        return None, f"the dashboard has no variable {', '.join(sorted(unknown))}"
    values = {
        v.name: v.render(variables.get(v.name, resolved.defaults[v.name]))
        for v in resolved.variables
    }
    query = grafana.interpolate(target.expr, values, target.interval.macros())
    answer = client.query(query, when)
    return answer, query


def _shows(client: Client, world: World, e: Shows) -> Verdict:
    answer, query = _answer(client, world, e.dashboard, e.panel, e.at, e.variables, e.ref_id)
    if answer is None:
        return Verdict(e, query, False)
    if answer.error:
        return Verdict(e, f"an error: {answer.error}", False)
    chosen = [s for s in answer.result if e.series.items() <= (s.get("metric") or {}).items()]
    if e.value is None:
        return Verdict(e, _describe(chosen), not chosen)
    if len(chosen) != 1:
        return Verdict(e, _describe(chosen), False)
    value = float(chosen[0]["value"][1])
    met = math.isfinite(value) and abs(value - e.value) <= e.tolerance + 1e-9
    return Verdict(e, f"{value:.4g}", met)


def _excludes(client: Client, world: World, e: Excludes) -> Verdict:
    answer, query = _answer(client, world, e.dashboard, e.panel, e.at, {}, None)
    if answer is None:
        return Verdict(e, query, False)
    if answer.error:
        return Verdict(e, f"an error: {answer.error}", False)
    pattern = re.compile(e.pattern)
    bad = [
        s for s in answer.result if pattern.fullmatch(str((s.get("metric") or {}).get(e.label, "")))
    ]
    if not answer.result:
        return Verdict(e, "No data", False)
    return Verdict(e, _describe(bad) if bad else f"{len(answer.result)} series, none", not bad)


def _describe(series: Sequence[dict[str, Any]]) -> str:
    if not series:
        return "No data"
    shown = "; ".join(
        f"{_show(s.get('metric') or {})} = {float(s['value'][1]):.4g}" for s in series[:3]
    )
    return f"{len(series)} series: {shown}" + (" …" if len(series) > 3 else "")


# ---- alerts ----


@dataclass(frozen=True)
class _Rule:
    alert: str
    severity: str
    expr: str
    hold_s: float
    labels: Mapping[str, str] = field(default_factory=dict)  # the rule's own, severity included


def _rules(document: dict[str, Any]) -> Iterator[_Rule]:
    for group in document.get("groups") or []:
        for rule in group.get("rules") or []:
            if "alert" in rule:
                labels = {str(k): str(v) for k, v in (rule.get("labels") or {}).items()}
                yield _Rule(
                    str(rule["alert"]),
                    labels.get("severity", ""),
                    str(rule["expr"]),
                    grafana.parse_duration(str(rule.get("for") or "0s")),
                    labels,
                )


Fired = list[tuple[dict[str, str], list[int]]]


def firing(client: Client, world: World, rule: _Rule) -> tuple[Fired, str | None]:
    """Each label set the rule fired for, with the evaluation times it was firing at."""
    step = grafana.parse_duration(world.scrape_interval)
    answer = client.query_range(rule.expr, world.start, world.end, step)
    if answer.error:
        return [], answer.error
    result: Fired = []
    for series in answer.result:
        active = [int(float(t)) for t, _ in series.get("values") or []]
        times = fired(active, step, rule.hold_s)
        if times:
            # As Prometheus labels an alert: the series' labels, then the rule's own.
            metric = {k: v for k, v in (series.get("metric") or {}).items() if k != "__name__"}
            result.append((metric | dict(rule.labels) | {"severity": rule.severity}, times))
    return result, None


def fired(active: Sequence[int], step: float, hold_s: float) -> list[int]:
    """The evaluation times an alert is firing at, given those its expression returned its labels
    at: it fires once active at every evaluation for `hold_s`; a missed evaluation resets it."""
    result: list[int] = []
    since: int | None = None
    previous: int | None = None
    for t in sorted(active):
        if previous is None or t - previous > step:  # a gap: pending starts again
            since = t
        previous = t
        if since is not None and t - since >= hold_s:
            result.append(t)
    return result


def _matching(world: World, alert: str, severity: str | None) -> list[_Rule]:
    return [
        r
        for r in _rules(world.rules)
        if (alert == "*" or r.alert == alert) and (severity is None or r.severity == severity)
    ]


def _fires(client: Client, world: World, e: Fires) -> Verdict:
    rules = _matching(world, e.alert, e.severity)
    if not rules:
        return Verdict(e, "no such rule", False)
    deadline = world.end - e.by
    fired_at: list[tuple[int, str]] = []
    for rule in rules:
        fired, error = firing(client, world, rule)
        if error:
            return Verdict(e, f"an error: {error}", False)
        for labels, times in fired:
            if e.labels.items() <= labels.items():
                fired_at.append((times[0], _show(labels)))
    if not fired_at:
        return Verdict(e, "never fired for these labels", False)
    first, shown = min(fired_at)
    return Verdict(e, f"fired at end-{_minutes(world.end - first)} {shown}", first <= deadline)


def _silent(client: Client, world: World, e: Silent) -> Verdict:
    rules = _matching(world, e.alert, e.severity)
    if not rules:
        return Verdict(e, "no such rule", False)
    start = world.start if e.since is None else world.end - e.since
    stop = world.end - e.until
    for rule in rules:
        fired, error = firing(client, world, rule)
        if error:
            return Verdict(e, f"an error: {error}", False)
        for labels, times in fired:
            during = [t for t in times if start <= t <= stop]
            if during and e.labels.items() <= labels.items():
                when = _minutes(world.end - during[0])
                return Verdict(e, f"{rule.alert} fired at end-{when} {_show(labels)}", False)
    return Verdict(e, "silent", True)


def _show(labels: Mapping[str, object]) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__") + "}"


def _minutes(seconds: int) -> str:
    return f"{seconds // 60}m" if seconds % 60 == 0 else f"{seconds}s"


def dashboards_by_name(compiled: Sequence[Dashboard], prefix: str) -> dict[str, Dashboard]:
    """Short name (the uid without the prefix: overview, system ...) → dashboard."""
    return {d.uid.removeprefix(prefix): d for d in compiled}
