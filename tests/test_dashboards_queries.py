"""The queries are right for what the services export (../shared/spec/metrics-contract.md) and
cheap to run: the contract's traps and the threshold levels. What holds for any dashboard
(legends, raw buckets, ratios, quantiles, counters, per-minute numbers, zero fallbacks, long
windows, numbers as written) is a lint rule (leaky_dashboards/lint/queries.py), each proved on a
bad panel in test_lint_rules.py."""

from __future__ import annotations

from typing import Any

import pytest

from leaky_dashboards.model import Json

from .dashboards_support import (
    NAMES,
    WINDOW_STANDINS,
    config,
    dashboards,
    library,
    panels,
    parse,
    queried_series,
    recording_rules,
    selectors,
    targets,
    valued,
    walk,
)


def all_targets() -> list[tuple[str, Json, Json]]:
    return [(name, p, t) for name in NAMES for p, t in targets(dashboards()[name])]


def where(name: str, panel: Json, target: Json) -> str:
    return f"{name} › {panel['title']} › {target['refId']}: {target['expr']}"


def test_token_consumption_never_adds_attempts_to_decisions() -> None:
    """`attempt` is counted before the decision: every selector names one outcome or drops it."""
    seen = 0
    for name, panel, target in all_targets():
        for s in valued(target["expr"]):
            if s.metric != "token_consume_total":
                continue
            seen += 1
            op, value = s.matchers.get("outcome", ("", ""))
            assert (op == "Equal") or (op == "NotEqual" and value == "attempt"), where(
                name, panel, target
            )
    assert seen > 10


def test_success_rates_divide_allowed_by_attempt() -> None:
    for _name, _panel, target in all_targets():
        tree = parse(target["expr"])
        if type(tree).__name__ != "BinaryExpr" or str(tree.op) != "/":
            continue
        numerator, denominator = valued(tree.lhs.prettify()), valued(tree.rhs.prettify())
        if {s.metric for s in numerator} == {"token_consume_total"}:
            assert {s.matchers["outcome"] for s in numerator} == {("Equal", "allowed")}
            assert {s.matchers["outcome"] for s in denominator} == {("Equal", "attempt")}


def test_up_is_filtered_by_job_never_by_application() -> None:
    for name, panel, target in all_targets():
        for s in selectors(target["expr"]):
            if s.metric == "up":
                assert "application" not in s.matchers, where(name, panel, target)


def test_heap_limits_leave_out_pools_without_a_limit() -> None:
    """Every jvm_memory_max_bytes selector sits under a `> 0` comparison."""
    for name, panel, target in all_targets():
        for node, parents in walk(parse(target["expr"])):
            if type(node).__name__ == "VectorSelector" and node.name == "jvm_memory_max_bytes":
                comparison = parents[-1]
                assert type(comparison).__name__ == "BinaryExpr", where(name, panel, target)
                assert str(comparison.op) == ">" and comparison.rhs.val == 0


def test_heap_in_use_counts_every_heap_pool_per_instance() -> None:
    """With G1, Eden and Survivor (max -1) live inside Old Gen's limit: the numerator keeps every
    heap pool (no `and` filter against the limits, no `id` matcher), and the ratio is taken per
    instance before any service-level aggregation. (A pool's own usage, grouped by `id`, is
    another measure: see test_a_pool_usage_divides_each_pool_by_its_own_limit.)"""
    checked = 0
    for name, panel, target in all_targets():
        if "jvm_memory_max_bytes" not in target["expr"] or _per_pool(target["expr"]):
            continue
        checked += 1
        used = [s for s in selectors(target["expr"]) if s.metric == "jvm_memory_used_bytes"]
        assert len(used) == 1
        assert set(used[0].matchers) - {"instance"} == {"area", "application"}
        assert " and " not in target["expr"], where(name, panel, target)
        for node, _ in walk(parse(target["expr"])):
            if type(node).__name__ == "BinaryExpr" and str(node.op) == "/":
                for side in (node.lhs, node.rhs):
                    aggregate = side.expr if type(side).__name__ == "ParenExpr" else side
                    assert "instance" in aggregate.modifier.labels, where(name, panel, target)
    assert checked >= 4


def _per_pool(expr: str) -> bool:
    """Grouped by memory pool (`id`): a pool's own numbers, not the heap's."""
    return any(
        type(node).__name__ == "AggregateExpr"
        and node.modifier is not None
        and "id" in node.modifier.labels
        for node, _ in walk(parse(expr))
    )


def test_a_pool_usage_divides_each_pool_by_its_own_limit() -> None:
    """Pools without a limit (max = -1) must not show -1 or a negative share: every per-pool
    ratio divides by `max > 0` grouped by the same labels as its numerator, so those pools drop
    out of the ratio instead of dividing by -1."""
    checked = 0
    for name, panel, target in all_targets():
        tree = parse(target["expr"])
        if not _per_pool(target["expr"]) or type(tree).__name__ != "BinaryExpr":
            continue
        if str(tree.op) != "/":
            continue
        checked += 1
        [top] = [s for s in selectors(target["expr"]) if s.metric == "jvm_memory_used_bytes"]
        [limit] = [s for s in selectors(target["expr"]) if s.metric == "jvm_memory_max_bytes"]
        assert top.matchers == limit.matchers, where(name, panel, target)
        assert tree.lhs.modifier.labels == tree.rhs.modifier.labels, where(name, panel, target)
        assert _denominator_never_zero(tree.rhs), where(name, panel, target)
    assert checked >= 1


def test_only_the_one_minute_load_average_is_used() -> None:
    for _name, _panel, target in all_targets():
        for s in selectors(target["expr"]):
            if s.metric.startswith("system_load_average"):
                assert s.metric == "system_load_average_1m"


def test_active_users_count_only_users_with_allowed_consumption() -> None:
    [(_panel, target)] = [
        (p, t) for p, t in targets(dashboards()["overview"]) if "Active users" in p["title"]
    ]
    [s] = valued(target["expr"])
    assert s.metric == "token_consume_total"
    assert s.matchers["outcome"] == ("Equal", "allowed")
    assert s.window == WINDOW_STANDINS["$time_range"]
    assert target["expr"].startswith("(count(") and "> 0" in target["expr"]
    # Nobody consumed yet is 0 users, not "No data" (count of nothing is nothing), but only
    # where the token service exports the counter at all.
    assert target["expr"].endswith(" or 0 * group(token_consume_total))")


def _levels() -> list[set[float]]:
    rows = config()["thresholds"].values()
    higher_worse = [{row["warning"], row["critical"]} for row in rows]
    higher_better = [{round(1 - row["warning"], 9), round(1 - row["critical"], 9)} for row in rows]
    objectives = [{o["objective"]} for o in config()["slo"]["objectives"].values()]
    return higher_worse + higher_better + objectives


def test_every_colour_level_comes_from_the_alert_thresholds_table_or_an_slo_objective() -> None:
    coloured = 0
    for name in NAMES:
        for panel in panels(dashboards()[name]):
            steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
            values = {round(s["value"], 9) for s in steps if s["value"] is not None}
            if values:
                coloured += 1
                assert values in _levels(), f"{name} › {panel['title']}: {values}"
    assert coloured >= 8


@pytest.mark.parametrize(
    ("dashboard", "title", "row"),
    [
        ("overview", "❌ Error rate", "errorRate"),
        ("overview", "⏱️ Latency p95", "latencyP95"),
        ("system", "💾 Heap memory usage (worst service)", "heapUsage"),
        ("gateway", "🚦 Rate limit blocks per minute", "rateLimitBlocks"),
        ("gateway", "Auth failures by reason (per minute)", "authFailures"),
        ("business", "❌ Provider failures (last 5m)", "providerFailures"),
    ],
)
def test_alert_table_levels_colour_their_panels(dashboard: str, title: str, row: str) -> None:
    [panel] = [p for p in panels(dashboards()[dashboard]) if p["title"] == title]
    steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
    level = config()["thresholds"][row]
    assert [s["color"] for s in steps] == ["green", "yellow", "red"]
    assert [s["value"] for s in steps[1:]] == [level["warning"], level["critical"]]


# variable → the labels it may match (`up` carries the service name as `job` only)
VARIABLE_LABELS = {
    "$service": {"application", "job"},
    "$provider": {"provider"},
    "$auth_outcome": {"outcome"},
    "$instance": {"instance"},
}


def no_value(panel: Json) -> str:
    return str(panel.get("fieldConfig", {}).get("defaults", {}).get("noValue") or "")


def test_a_variable_filters_only_metrics_that_have_every_one_of_its_values() -> None:
    """So any single value still shows data: `service` only on metrics every service exports
    (HTTP, JVM, process), `provider` only where every provider appears, and so on. A metric only
    some values export (the database pools) may be filtered on a panel that says, in its
    `noValue` text, what an empty result means."""
    catalog = library("metrics")
    series = queried_series()
    choices = {
        "$service": set(catalog["services"]),
        "$provider": set(catalog["providers"]),
        "$auth_outcome": {"success", "failure"},
        # Instances of every service: only metrics every service exports may take it.
        "$instance": set(catalog["services"]),
    }
    filtered = partial = 0
    for name, panel, target in all_targets():
        for s in selectors(target["expr"]):
            for label, (_op, value) in s.matchers.items():
                if value not in VARIABLE_LABELS:
                    continue
                filtered += 1
                assert label in VARIABLE_LABELS[value], where(name, panel, target)
                metric = series[s.metric]
                # A service label takes the names of the services that export the metric (an
                # instance label: the instances of those services).
                service_label = label in ("application", "job", "instance")
                values = set(metric["services"] if service_label else metric["labels"][label])
                if choices[value] <= values:
                    continue
                # Only some values export it: the panel must say what its empty result means.
                assert values & choices[value] and no_value(panel), (
                    f"{where(name, panel, target)}: {s.metric} is not exported by "
                    f"{sorted(choices[value] - values)} and the panel sets no noValue text"
                )
                partial += 1
    assert filtered > 20
    assert partial > 0  # the database panels follow $service and $instance


def test_service_filters_up_by_job() -> None:
    for name, panel, target in all_targets():
        for s in selectors(target["expr"]):
            if s.metric == "up":
                assert s.matchers.get("job") == ("Re", "$service"), where(name, panel, target)


def _http_reads(expr: str, recorded: dict[str, str]) -> list[tuple[str, object]]:
    """(metric, its uri matcher) of every HTTP series `expr` reads for its values, following the
    recorded series to the expressions recording them."""
    reads: list[tuple[str, object]] = []
    for s in valued(expr):
        if s.metric in recorded:
            reads += _http_reads(recorded[s.metric], recorded)
        elif s.metric.startswith("http_server_requests_seconds"):
            reads.append((s.metric, s.matchers.get("uri")))
    return reads


def test_users_http_traffic_leaves_out_actuator_scrapes_and_health_checks() -> None:
    """Every HTTP value a dashboard shows (request rates, error ratios, latencies, heatmaps, top
    endpoints) is users': /actuator is left out, read directly or through the recorded series.
    Only the presence test of the zero fallback reads the family whole."""
    recorded = recording_rules()
    checked = 0
    for name, panel, target in all_targets():
        for _, uri in _http_reads(target["expr"], recorded):
            checked += 1
            assert uri == ("NotRe", "/actuator.*"), where(name, panel, target)
    assert checked >= 12


# An instance's state: one sick replica must show, never be summed or averaged away.
INSTANCE_STATE = (
    "jvm_memory_",
    "jvm_threads_",
    "jvm_classes_loaded_classes",
    "up",
    "process_uptime_seconds",
    "process_start_time_seconds",
)


def _counts_restarts(node: Any) -> bool:
    """`sum(changes(process_start_time_seconds[...]))`: how often processes started."""
    inner = node.expr
    return (
        type(inner).__name__ == "Call"
        and inner.func.name == "changes"
        and {s.metric for s in valued(inner.prettify())} == {"process_start_time_seconds"}
    )


def test_instance_state_is_shown_per_instance_or_for_the_worst_one() -> None:
    checked = 0
    for name, panel, target in all_targets():
        for node, _ in walk(parse(target["expr"])):
            if type(node).__name__ != "AggregateExpr" or str(node.op) not in ("sum", "avg"):
                continue
            reads = {s.metric for s in valued(node.prettify())}
            if _counts_restarts(node):
                continue  # restarts are events, not a state: a service's add up over instances
            if not any(
                m == p or (p.endswith("_") and m.startswith(p))
                for m in reads
                for p in INSTANCE_STATE
            ):
                continue
            checked += 1
            labels = list(node.modifier.labels) if node.modifier is not None else []
            assert "instance" in labels, where(name, panel, target)
    assert checked >= 8


def test_services_up_counts_services_whose_every_instance_is_up() -> None:
    [panel] = [p for p in panels(dashboards()["system"]) if p["title"] == "🖥️ Services up"]
    fully, total = (t["expr"] for t in panel["targets"])
    assert fully.startswith('(count(min by (job) (up{job=~"$service"}) == 1)')
    assert total == 'count(max by (job) (up{job=~"$service"}))'


def test_a_restart_shows_in_the_status_table() -> None:
    [table] = [p for p in panels(dashboards()["system"]) if p["title"] == "Service status overview"]
    exprs = {t["refId"]: t["expr"] for t in table["targets"]}
    renames = table["transformations"][-1]["options"]["renameByName"]
    [ref] = [r for r in exprs if renames.get(f"Value #{r}") == "Restarts"]
    assert exprs[ref] == (
        'sum by (job, instance) (changes(process_start_time_seconds{application=~"$service"}'
        "[$__range]))"
    )


def _denominator_never_zero(node: object) -> bool:
    """`(x > 0)`, or a sum or max of series each `> 0` (the heap limits)."""
    if type(node).__name__ == "ParenExpr":
        return _denominator_never_zero(node.expr)  # type: ignore[attr-defined]
    if type(node).__name__ == "AggregateExpr" and str(node.op) in ("sum", "max"):  # type: ignore[attr-defined]
        return _denominator_never_zero(node.expr)  # type: ignore[attr-defined]
    if type(node).__name__ != "BinaryExpr":
        return False
    rhs = node.rhs  # type: ignore[attr-defined]
    return str(node.op) == ">" and type(rhs).__name__ == "NumberLiteral" and rhs.val == 0  # type: ignore[attr-defined]


def test_the_overview_reads_recorded_http_rates() -> None:
    """Every bucket of every route, method, uri and status was what made the overview slow: its
    rates read the recorded per-application rates (its top endpoints, which need `uri`, aside);
    no dashboard reads raw buckets at all (lint's `raw-buckets` rule)."""
    recorded = recording_rules()
    for panel, target in targets(dashboards()["overview"]):
        if panel["title"] != "Top API endpoints":
            metrics = {s.metric for s in valued(target["expr"])}
            raw_http = {m for m in metrics if m.startswith("http_server_requests")}
            assert not raw_http, where("overview", panel, target)
    read = {s.metric for _, _, t in all_targets() for s in valued(t["expr"])}
    assert {m for m in recorded if m.startswith("application")} & read
