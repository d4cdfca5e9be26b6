"""Evaluate every panel target of a dashboard, range and instant, under every variable setting;
and every Prometheus annotation query (restarts, firing alerts) the same way.

Settings: every variable at "All" (custom ones at their default), then, in turn, each variable at
each of its concrete values with the others at "All". Identical interpolated queries run once.
Each check fails on an API error, on an empty result (no series, or only NaN) where the scenario
requires data (`requires`; always, unless the quiet scenario lets a graph stay empty) and on a value
outside the panel's sense: percentunit outside 0..1, percent outside 0..100, infinity, or a
negative value from a rate/increase with no subtraction in it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

from .. import grafana, promql
from ..model import visible_panels
from ..render import Dashboard
from .promapi import Answer, Client
from .variables import Resolved, resolve

Mode = Literal["range", "instant"]
Kind = Literal["error", "empty", "sense"]
MODES: tuple[Mode, ...] = ("range", "instant")
PIXELS_PER_COLUMN = 80  # a 1920 px wide dashboard: Grafana's maxDataPoints is the panel's width
EPSILON = 1e-9
DEFAULT_SETTING = "all at All"  # the dashboard as it opens: what one load costs

_RATE = re.compile(r"\b(?:i?rate|increase)\s*\(")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')


@dataclass(frozen=True)
class Window:
    """The dashboard time range Grafana would query: `range_s` ending at `end`."""

    end: int
    range_s: int = 86400

    @property
    def start(self) -> int:
        return self.end - self.range_s


@dataclass(frozen=True)
class Target:
    dashboard: str
    panel: str
    ref_id: str
    expr: str
    unit: str
    interval: grafana.Interval
    # How Grafana sends it: one-value panels (stat over a window, pie, table...) ask instantly.
    grafana_mode: Mode = "range"
    panel_type: str = ""
    # The panel's own text for an empty result (`noValue`): set where a variable value may select
    # services that do not export the metric (a database panel at a service without a database).
    no_value: str = ""

    def where(self) -> str:
        return f"{self.dashboard} › {self.panel} › {self.ref_id} › {self.expr}"


@dataclass(frozen=True)
class Check:
    target: Target
    setting: str  # "all at All" or "service=auth-server"
    mode: Mode
    query: str  # the interpolated expression sent to Prometheus
    answer: Answer
    kind: Kind | None  # None: the check passed
    message: str = ""
    # The panel may be empty here and says so (`may_be_empty`): a service without its metrics.
    declared: bool = False


@dataclass
class DashboardResult:
    dashboard: Dashboard
    targets: list[Target] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    variable_problems: list[tuple[str, str]] = field(default_factory=list)


def targets(dashboard: Dashboard, window: Window, scrape_interval: str) -> Iterator[Target]:
    """Every visible Prometheus target, with the interval Grafana would give its query."""
    ds_interval = grafana.parse_duration(scrape_interval)
    for panel in visible_panels(dashboard.model):
        defaults = (panel.get("fieldConfig") or {}).get("defaults") or {}
        unit = str(defaults.get("unit") or "")
        width = int((panel.get("gridPos") or {}).get("w") or 12)
        points = int(panel.get("maxDataPoints") or width * PIXELS_PER_COLUMN)
        panel_min = _duration(panel.get("interval")) or ds_interval
        for target in panel.get("targets") or []:
            if target.get("hide") or not target.get("expr"):
                continue
            min_step = _duration(target.get("interval"))
            scrape = min_step or ds_interval
            iv = grafana.interval(window.range_s, points, max(panel_min, min_step or 0), scrape)
            yield Target(
                dashboard.title,
                str(panel.get("title") or "<untitled>"),
                str(target.get("refId", "?")),
                str(target["expr"]),
                unit,
                iv,
                "instant" if target.get("instant") and not target.get("range") else "range",
                str(panel.get("type") or ""),
                str(defaults.get("noValue") or ""),
            )


# Series only Prometheus' rule manager writes: verify's Prometheus evaluates no rules, so a query
# over them is run (it must not fail) but may be empty.
_RULE_SERIES = re.compile(r"\bALERTS(?:_FOR_STATE)?\b")
ANNOTATION = "annotation"  # Target.panel_type of an annotation query


def annotation_targets(
    dashboard: Dashboard, window: Window, scrape_interval: str
) -> Iterator[Target]:
    """Every enabled Prometheus annotation query, as Grafana sends it: a range query over the
    dashboard's range at the annotation's step."""
    scrape = grafana.parse_duration(scrape_interval)
    for annotation in (dashboard.model.get("annotations") or {}).get("list") or []:
        source = annotation.get("datasource") or {}
        if annotation.get("builtIn") or source.get("type") != "prometheus":
            continue
        if not annotation.get("enable") or not annotation.get("expr"):
            continue
        step = _duration(annotation.get("step")) or scrape
        yield Target(
            dashboard.title,
            f"annotation {annotation.get('name', '?')}",
            "Anno",
            str(annotation["expr"]),
            "",
            grafana.interval(window.range_s, 24 * PIXELS_PER_COLUMN, step, scrape),
            "range",
            ANNOTATION,
        )


# Which services export each metric (the catalog's `services`), by metric name.
Exporters = Mapping[str, Sequence[str]]


def may_be_empty(target: Target, setting: str, exporters: Exporters) -> bool:
    """A panel that says what its empty result means (`noValue`) may be empty where the setting
    picks one service, or one instance of a service, that exports none of the metrics it reads
    (a service without a database); never as the dashboard opens, never for a service that
    exports them, never for a metric the catalog does not list."""
    variable, _, value = setting.partition("=")
    if not target.no_value or variable not in ("service", "instance") or "+" in value:
        return False
    services = {s for names in exporters.values() for s in names}
    service = value if variable == "service" else _service_of(value, services)
    metrics = reads(target.expr)
    return bool(metrics) and all(m in exporters and service not in exporters[m] for m in metrics)


def _service_of(instance: str, services: set[str]) -> str | None:
    """`token-service-2:8082` → `token-service`: the longest service its name starts with."""
    owners = [s for s in services if instance.startswith(s + "-")]
    return max(owners, key=len) if owners else None


def reads(expr: str) -> set[str]:
    """The metric names an expression selects."""
    query = promql.parse(expr)
    if query.ast is None:
        return set()
    return {
        name for s in promql.selectors(query.ast) if (name := promql.metric_name(s)) is not None
    }


def made_by_rules(target: Target) -> bool:
    """Whether the target reads series only the rule manager writes (`ALERTS`)."""
    return bool(_RULE_SERIES.search(_STRING.sub('""', target.expr)))


def settings(resolved: Resolved) -> list[tuple[str, dict[str, str]]]:
    """(label, rendered variable values): all at All, then each variable at each value.

    A multi-value variable is also set to every value at once, as a viewer ticking them all
    would, so the escaped (a|b|…) alternation Grafana sends is exercised too.
    """

    def render(values: dict[str, str | list[str]]) -> dict[str, str]:
        return {v.name: v.render(values[v.name]) for v in resolved.variables}

    result = [(DEFAULT_SETTING, render(resolved.defaults))]
    for variable in resolved.variables:
        for value in variable.values:
            if resolved.defaults[variable.name] == value:
                continue
            result.append(
                (f"{variable.name}={value}", render(resolved.defaults | {variable.name: value}))
            )
        if variable.multi and len(variable.values) > 1:
            every = list(variable.values)
            result.append(
                (
                    f"{variable.name}={'+'.join(every)}",
                    render(resolved.defaults | {variable.name: every}),
                )
            )
    return result


# Whether a target must show data (the quiet scenario lets a graph stay empty); default: always.
Requires = Callable[[Target], bool]


def always(_: Target) -> bool:
    return True


def verify_dashboard(
    client: Client,
    dashboard: Dashboard,
    window: Window,
    scrape_interval: str,
    workers: int = 2,
    requires: Requires = always,
    nan_free: bool = False,
    exporters: Exporters | None = None,
) -> DashboardResult:
    result = DashboardResult(dashboard)
    resolved = resolve(client, dashboard.model, window.start, window.end, window.range_s)
    result.variable_problems = resolved.problems
    planned: list[tuple[Target, str, Mode, str]] = []
    for target in targets(dashboard, window, scrape_interval):
        result.targets.append(target)
        for label, values in settings(resolved):
            query = grafana.interpolate(target.expr, values, target.interval.macros())
            planned.extend((target, label, mode, query) for mode in MODES)
    for target in annotation_targets(dashboard, window, scrape_interval):
        result.targets.append(target)
        for label, values in settings(resolved):
            query = grafana.interpolate(target.expr, values, target.interval.macros())
            planned.append((target, label, "range", query))
    unique = {(query, mode, target.interval.step) for target, _, mode, query in planned}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        answers = dict(
            zip(
                unique,
                pool.map(lambda key: query_as_grafana(client, window, *key), unique),
                strict=True,
            )
        )
    for target, label, mode, query in planned:
        answer = answers[(query, mode, target.interval.step)]
        declared = may_be_empty(target, label, exporters or {})
        required = requires(target) and not made_by_rules(target) and not declared
        kind, message = judge(target, answer, required, nan_free)
        result.checks.append(Check(target, label, mode, query, answer, kind, message, declared))
    return result


def verify(
    client: Client,
    dashboards: Sequence[Dashboard],
    window: Window,
    scrape_interval: str,
    requires: Requires = always,
    nan_free: bool = False,
    exporters: Exporters | None = None,
) -> list[DashboardResult]:
    return [
        verify_dashboard(
            client,
            d,
            window,
            scrape_interval,
            requires=requires,
            nan_free=nan_free,
            exporters=exporters,
        )
        for d in dashboards
    ]


def query_as_grafana(client: Client, window: Window, query: str, mode: Mode, step: float) -> Answer:
    if mode == "instant":
        return client.query(query, window.end)
    # Grafana aligns the range to the step so consecutive refreshes hit the same points.
    start = math.floor(window.start / step) * step
    end = math.floor(window.end / step) * step
    return client.query_range(query, start, end, step)


def values_of(answer: Answer) -> list[float]:
    out: list[float] = []
    for item in answer.result:
        pairs = item.get("values") or ([item["value"]] if "value" in item else [])
        out.extend(float(v) for _, v in pairs)
    return out


def shown(answer: Answer) -> list[float]:
    """The values a panel would draw: NaN is a gap, not a value."""
    return [v for v in values_of(answer) if not math.isnan(v)]


def judge(
    target: Target, answer: Answer, required: bool = True, nan_free: bool = False
) -> tuple[Kind | None, str]:
    """`nan_free`: a NaN is a finding, not a gap (Grafana prints "NaN" on a stat)."""
    if answer.error:
        return "error", answer.error
    if nan_free and any(math.isnan(v) for v in values_of(answer)):
        return "sense", "NaN (0/0 or a quantile of nothing)"
    values = shown(answer)
    if not values:
        if not required:
            return None, ""
        return "empty", "no data" if not answer.result else "only NaN"
    return sense(target.unit, target.expr, values)


def sense(unit: str, expr: str, values: list[float]) -> tuple[Kind | None, str]:
    if any(math.isinf(v) for v in values):
        return "sense", "infinite value"
    low, high = min(values), max(values)
    bounds = {"percentunit": (0.0, 1.0), "percent": (0.0, 100.0)}.get(unit)
    if bounds and (low < bounds[0] - EPSILON or high > bounds[1] + EPSILON):
        return (
            "sense",
            f"values {low:g}..{high:g} outside {bounds[0]:g}..{bounds[1]:g} for unit {unit}",
        )
    bare = _STRING.sub('""', expr)
    if _RATE.search(bare) and "-" not in re.sub(r"\d[eE]-", "", bare) and low < -EPSILON:
        return "sense", f"negative value {low:g} from a rate"
    return None, ""


def _duration(value: object) -> float | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return grafana.parse_duration(value)
    except ValueError:
        return None
