"""Dashboard rules about what a query means: legends, raw buckets, ratios, quantiles, counters,
per-minute numbers, zero fallbacks, numbers as written. Each was a test over the committed
dashboards; as a rule it names the panel and query in a second, on any dashboard.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

from ..grafana import parse_duration
from ..model import Json
from ..promql import Node, children, function, kind, metric_name
from .context import Context, Problem
from .rule import Rule

FAMILY = "dashboard"
PER_MINUTE_UNITS = frozenset({"reqpm", "opm", "rpm", "wpm"})
DURATION_UNITS = frozenset({"s", "ms"})
# A presence test (`group(...)`) may narrow the family only to a service (and to the
# installation's scope, which every selector carries).
PRESENCE_LABELS = frozenset({"application", "job"})
# 0.95 as written, not the float noise 0.94999999999999996.
FLOAT_NOISE = re.compile(r"\d\.\d{7,}")
# The longest window a range query may evaluate at every step (unless its interval is longer).
SHORT_WINDOW = timedelta(minutes=5)
# Windows that follow the step (so each evaluation reads about one step of samples).
STEP_WINDOWS = frozenset({"__rate_interval", "__interval"})

Walked = tuple[Node, tuple[Node, ...]]


def _walk(node: Node, parents: tuple[Node, ...] = ()) -> Iterator[Walked]:
    """Every node with its ancestors, outermost first."""
    yield node, parents
    for child in children(node):
        yield from _walk(child, (*parents, node))


# Each parsed query's walk, made once: the rules below walk every query (and `promql.parse` hands
# the same tree for the same text); the tree is kept beside its walk, so its id is never reused.
_WALKS: dict[int, tuple[Node, list[Walked]]] = {}
_WALKS_KEPT = 8192


def _walked(tree: Node) -> list[Walked]:
    """`_walk(tree)` as a list, remembered for the process."""
    kept = _WALKS.get(id(tree))
    if kept is not None and kept[0] is tree:
        return kept[1]
    if len(_WALKS) >= _WALKS_KEPT:
        _WALKS.clear()
    walked = list(_walk(tree))
    _WALKS[id(tree)] = (tree, walked)
    return walked


def _trees(ctx: Context) -> Iterator[tuple[Json, str, Node, str]]:
    """(panel, refId, syntax tree, text) of every target that parsed."""
    for panel, ref, query in ctx.targets:
        if query.ast is not None:
            yield panel, ref, query.ast, query.text


def _presence(parents: tuple[Node, ...]) -> bool:
    """Inside `group()`: only whether the family exists is read, never a value."""
    return any(kind(p) == "AggregateExpr" and str(p.op) == "group" for p in parents)


def _valued(node: Node) -> Iterator[tuple[Node, str]]:
    """(selector, metric) of the series `node` reads the values of."""
    for n, parents in _walk(node):
        if kind(n) == "VectorSelector" and not _presence(parents):
            name = metric_name(n)
            if name is not None:
                yield n, name


def _number(node: Node) -> float | None:
    return float(node.val) if kind(node) == "NumberLiteral" else None


def _object(value: object) -> Json:
    """`value` when it is a JSON object, else an empty one (the schema check names it)."""
    return value if isinstance(value, dict) else {}


def _unit(panel: Json) -> str:
    return str(_object(_object(panel.get("fieldConfig")).get("defaults")).get("unit") or "")


def _grouping(tree: Node) -> list[str]:
    """The labels of the outermost aggregation's `by`: what names the series a query returns
    (`histogram_quantile` consumes `le`)."""
    for node, parents in _walked(tree):
        if kind(node) != "AggregateExpr":
            continue
        modifier = node.modifier
        if modifier is None or str(modifier.type).endswith("Without"):
            return []
        quantile = any(function(p) == "histogram_quantile" for p in parents)
        return [label for label in modifier.labels if not (quantile and label == "le")]
    return []


def legend_labels(ctx: Context) -> Iterator[Problem]:
    for panel in ctx.panels:
        if panel.get("type") == "table":
            continue  # a table shows the labels as columns
        targets = panel.get("targets")
        legends = [
            str(t.get("legendFormat", ""))
            for t in (targets if isinstance(targets, list) else [])
            if isinstance(t, dict)
        ]
        repeated = sorted({legend for legend in legends if legends.count(legend) > 1})
        if repeated:
            yield panel, None, f"legends {repeated} name two queries' series alike"
    for panel, ref, tree, _ in _trees(ctx):
        if panel.get("type") == "table":
            continue
        legend = str(_target(panel, ref).get("legendFormat", ""))
        if legend == "__auto":
            yield panel, ref, "legend `__auto`: name the series (`{{label}}` or words)"
            continue
        missing = [label for label in _grouping(tree) if "{{" + label + "}}" not in legend]
        if missing:
            shown = ", ".join("{{" + label + "}}" for label in missing)
            yield panel, ref, f"legend {legend!r} does not name grouping label(s) {shown}"


def raw_buckets(ctx: Context) -> Iterator[Problem]:
    for panel, ref, tree, _ in _trees(ctx):
        for _, name in _valued(tree):
            if name.endswith("_bucket") and ":" not in name:
                yield (
                    panel,
                    ref,
                    f"reads the raw buckets {name} (every route, method, uri and status): read "
                    "the recorded per-application buckets (rules.libsonnet)",
                )


def _never_zero(node: Node) -> bool:
    """`(x > 0)`, or a sum or max of series each `> 0`."""
    k = kind(node)
    if k == "ParenExpr":
        return _never_zero(node.expr)
    if k == "AggregateExpr" and str(node.op) in ("sum", "max"):
        return _never_zero(node.expr)
    return k == "BinaryExpr" and str(node.op) == ">" and _number(node.rhs) == 0


def ratio_zero(ctx: Context) -> Iterator[Problem]:
    for panel, ref, tree, _ in _trees(ctx):
        for node, _ in _walked(tree):
            if kind(node) == "BinaryExpr" and str(node.op) == "/":
                number = _number(node.rhs)
                if not (_never_zero(node.rhs) or (number is not None and number != 0)):
                    yield (
                        panel,
                        ref,
                        "a denominator that can be 0 makes 0/0 = NaN: filter it `> 0` (no data) "
                        "or fall back (`or 0 * total`)",
                    )


def quantile_nan(ctx: Context) -> Iterator[Problem]:
    for panel, ref, tree, _ in _trees(ctx):
        for node, parents in _walked(tree):
            if function(node) != "histogram_quantile":
                continue
            outer = parents[-1] if parents else None
            guarded = (
                outer is not None
                and kind(outer) == "BinaryExpr"
                and str(outer.op) == ">="
                and _number(outer.rhs) == 0
            )
            if not guarded:
                yield (
                    panel,
                    ref,
                    "histogram_quantile of no requests is NaN: compare it `>= 0` (NaN compares "
                    "false, so the panel shows no data)",
                )


def counter_subtraction(ctx: Context) -> Iterator[Problem]:
    if ctx.catalog is None:
        return
    for panel, ref, tree, _ in _trees(ctx):
        for node, _ in _walked(tree):
            if kind(node) != "BinaryExpr" or str(node.op) != "-":
                continue
            counters = sorted(
                {
                    name
                    for _, name in _valued(node)
                    if (metric := ctx.catalog.metrics.get(name)) is not None
                    and metric.type == "counter"
                }
            )
            if counters:
                yield (
                    panel,
                    ref,
                    f"subtracts counters ({', '.join(counters)}): a restart resets one and the "
                    "difference spikes negative",
                )


def _times_sixty(node: Node) -> bool:
    """`x * 60`, possibly the left side of an `or` fallback."""
    k = kind(node)
    if k == "ParenExpr":
        return _times_sixty(node.expr)
    if k != "BinaryExpr":
        return False
    if str(node.op) == "or":
        return _times_sixty(node.lhs)
    return str(node.op) == "*" and _number(node.rhs) == 60


def per_minute(ctx: Context) -> Iterator[Problem]:
    for panel in ctx.panels:
        unit = _unit(panel)
        if "per minute" in str(panel.get("title") or "").lower() and unit not in (
            PER_MINUTE_UNITS | DURATION_UNITS
        ):
            yield panel, None, f"a per-minute title with unit {unit!r}: use a per-minute unit"
    for panel, ref, tree, _ in _trees(ctx):
        titled = "per minute" in str(panel.get("title") or "").lower()
        if (titled or _unit(panel) in PER_MINUTE_UNITS) and not _times_sixty(tree):
            yield panel, ref, "a per-minute panel shows a rate times 60 (`... * 60`)"


def zero_fallback(ctx: Context) -> Iterator[Problem]:
    for panel, ref, tree, _ in _trees(ctx):
        for node, parents in _walked(tree):
            if function(node) == "vector" and any(_number(a) == 0 for a in node.args):
                yield (
                    panel,
                    ref,
                    "`vector(0)` shows a confident 0 where the metric is not exported: fall back "
                    "to `0 * group(<family>)`",
                )
            elif kind(node) == "VectorSelector" and _presence(parents):
                extra = sorted(
                    {str(m.name) for m in node.matchers.matchers}
                    - PRESENCE_LABELS
                    - ctx.scoped
                    - {"__name__"}
                )
                if extra:
                    yield (
                        panel,
                        ref,
                        f"a zero fallback's presence test narrowed by {', '.join(extra)}: only "
                        "by service (`application` or `job`)",
                    )


def _target(panel: Json, ref: str) -> Json:
    found: Json = next((t for t in panel.get("targets", []) if str(t.get("refId", "?")) == ref), {})
    return found


def _step(panel: Json) -> timedelta:
    """The panel's minimum interval (`interval`), none when unset or not a duration."""
    try:
        return timedelta(seconds=parse_duration(str(panel.get("interval") or "0s")))
    except ValueError:
        return timedelta()


def long_window(ctx: Context) -> Iterator[Problem]:
    for panel, ref, query in ctx.targets:
        if query.ast is None or _target(panel, ref).get("instant"):
            continue
        longest = max(_step(panel), SHORT_WINDOW)
        for node, _ in _walked(query.ast):
            if kind(node) not in ("MatrixSelector", "SubqueryExpr"):
                continue
            variable = query.window(node.range)
            if variable in STEP_WINDOWS:
                continue
            if variable is not None:
                yield (
                    panel,
                    ref,
                    f"a range query evaluates its ${variable} window at every step: make the "
                    "target instant, or use $__rate_interval",
                )
            elif node.range > longest:
                yield (
                    panel,
                    ref,
                    f"a range query evaluates a {_duration(node.range)} window at every step: at "
                    f"most {_duration(longest)} (the panel's interval, else 5m), or instant",
                )


def _duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    return f"{seconds // 60}m" if seconds % 60 == 0 else f"{seconds}s"


def number_format(ctx: Context) -> Iterator[Problem]:
    for panel, ref, _, text in _trees(ctx):
        noise = FLOAT_NOISE.search(text)
        if noise:
            yield panel, ref, f"the number {noise.group(0)}… is float noise: write it as meant"


RULES: tuple[Rule, ...] = (
    Rule(
        "legend-labels",
        FAMILY,
        "outside tables, every legend names each label of its query's outermost `by` (not `le` "
        "under `histogram_quantile`), none is `__auto`, and a panel's legends differ",
        legend_labels,
    ),
    Rule(
        "raw-buckets",
        FAMILY,
        "no query reads a histogram's raw `_bucket` series; the recorded per-application "
        "buckets instead (`rules.libsonnet`)",
        raw_buckets,
    ),
    Rule(
        "ratio-zero",
        FAMILY,
        "every `/` divides by a number other than 0 or by series filtered `> 0` (0/0 is NaN)",
        ratio_zero,
    ),
    Rule(
        "quantile-nan",
        FAMILY,
        "every `histogram_quantile` is compared `>= 0`, so no requests is no data, not NaN",
        quantile_nan,
    ),
    Rule(
        "counter-subtraction",
        FAMILY,
        "no `-` reads a counter (a restart resets it: the difference spikes negative)",
        counter_subtraction,
    ),
    Rule(
        "per-minute",
        FAMILY,
        f"a panel with a per-minute unit ({', '.join(sorted(PER_MINUTE_UNITS))}) or title shows "
        "a rate times 60; a per-minute title has a per-minute (or duration) unit",
        per_minute,
    ),
    Rule(
        "zero-fallback",
        FAMILY,
        "no `vector(0)`: a zero fallback is `0 * group(<family>)`, narrowed only by "
        "`application` or `job`",
        zero_fallback,
    ),
    Rule(
        "long-window",
        FAMILY,
        "a range (not instant) query's windows are `$__rate_interval`, `$__interval` or at most "
        "5m (or the panel's `interval`): a long window is evaluated at every step",
        long_window,
    ),
    Rule(
        "number-format",
        FAMILY,
        "numbers as written (`0.95`), no float noise (`0.9499999999`)",
        number_format,
    ),
)
