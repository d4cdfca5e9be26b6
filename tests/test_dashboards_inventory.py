"""Each dashboard of the spec shows everything the spec lists (../shared/spec/dashboards-README.md).

The lists below are transcribed from the spec by hand, not from the Jsonnet: every "Key Metric"
is a stat panel carrying the spec's emoji, every "Visualization" a panel of the kind the spec
names. Where the spec names no kind for something that changes over time, a time series is the
choice made. A dashboard may show more than the spec lists (a new panel needs no edit here), and
dashboards beyond the spec's four are held by the tests that read the dashboards from config.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from leaky_dashboards.model import Json, panels_in_rows

from .dashboards_support import NAMES, dashboards, panels

SPEC_NAMES = ("overview", "business", "gateway", "system")  # the spec's four dashboards


@dataclass(frozen=True)
class Item:
    phrase: str  # words the panel title must contain (case-insensitive)
    kind: str  # Grafana panel type
    emoji: str = ""  # key metrics carry the spec's emoji
    style: str = ""  # "stacked", "pie" or "donut" where the spec says so


def metric(emoji: str, phrase: str) -> Item:
    return Item(phrase, "stat", emoji)


SPEC: dict[str, dict[str, object]] = {
    "overview": {
        "title": "🚀 Executive Overview",
        "items": [
            metric("🔥", "requests per minute"),
            metric("💰", "tokens consumed per minute"),
            metric("⏱️", "p95"),
            metric("❌", "error rate"),
            metric("🚦", "rate limit"),
            metric("👥", "active users"),
            Item("request rate by service", "timeseries"),
            Item("response latency percentiles", "timeseries"),
            Item("token consumption distribution", "piechart", style="donut"),
            Item("consumption outcomes", "bargauge"),
            Item("jvm heap usage", "gauge"),
            Item("latency heatmap", "heatmap"),
            Item("top api endpoints", "table"),
        ],
    },
    "business": {
        "title": "💼 Business Metrics",
        "items": [
            metric("💰", "total tokens consumed"),
            metric("✅", "successful consumptions"),
            metric("🚫", "denied requests (quota insufficient)"),
            metric("🚦", "rate limited requests"),
            metric("❌", "provider failures"),
            metric("💵", "saga purchase completions"),
            Item("token consumption by provider", "timeseries"),
            Item("consumption outcomes over time", "timeseries", style="stacked"),
            Item("provider distribution", "piechart", style="pie"),
            Item("outcomes breakdown", "bargauge"),
            Item("quota lookup activity", "timeseries"),
            Item("top users by consumption", "table"),
            Item("saga purchase activity", "timeseries"),
            Item("provider success rates", "timeseries"),
            Item("hourly consumption patterns", "timeseries"),
        ],
    },
    "gateway": {
        "title": "🛡️ Gateway & Security",
        "items": [
            metric("🔑", "api key validations per minute"),
            metric("✅", "validation success rate"),
            metric("💾", "cache hit rate"),
            metric("🚦", "rate limit blocks"),
            metric("🚪", "auth registrations"),
            metric("🔐", "auth logins"),
            Item("api key validation results", "timeseries"),
            Item("cache performance", "timeseries"),
            Item("rate limiting activity", "timeseries"),
            Item("auth activity breakdown", "piechart", style="donut"),
            Item("auth failures by reason", "timeseries"),
            Item("gateway latency heatmap", "heatmap"),
            Item("api key operations", "timeseries"),
        ],
    },
    "system": {
        "title": "⚙️ System Health",
        "items": [
            metric("🖥️", "services up"),
            metric("💾", "heap memory usage"),
            metric("🗄️", "database connections"),
            metric("🧵", "thread count"),
            metric("🗑️", "gc time"),
            metric("⚡", "cpu load"),
            Item("jvm heap memory by service", "timeseries"),
            Item("database connection pool", "timeseries"),
            Item("jvm threads", "timeseries"),
            Item("garbage collection activity", "timeseries"),
            Item("heap usage gauges", "gauge"),
            Item("jvm classes loaded", "timeseries"),
            Item("system load average", "timeseries"),
            Item("service status overview", "table"),
        ],
    },
}


def matches(item: Item, panel: Json) -> bool:
    title = str(panel.get("title", ""))
    if item.phrase not in title.lower() or panel.get("type") != item.kind:
        return False
    if item.emoji and not title.startswith(item.emoji):
        return False
    if item.style == "stacked":
        stacking = panel["fieldConfig"]["defaults"]["custom"]["stacking"]["mode"]
        return bool(stacking == "normal")
    if item.style in ("pie", "donut"):
        return bool(panel["options"]["pieType"] == item.style)
    return True


def unmet(items: list[Item], shown: list[Json]) -> list[str]:
    """The spec items not shown by exactly one panel of their kind (other panels allowed)."""
    problems = []
    for item in items:
        found = [p["title"] for p in shown if matches(item, p)]
        if len(found) != 1:
            problems.append(f"spec item {item} matched {found}")
    return problems


def test_every_spec_dashboard_is_built() -> None:
    assert set(SPEC) == set(SPEC_NAMES) and set(SPEC_NAMES) <= set(NAMES)


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_dashboard_has_the_specs_title(name: str) -> None:
    assert dashboards()[name]["title"] == SPEC[name]["title"]


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_every_listed_metric_and_visualization_is_exactly_one_panel_of_its_kind(name: str) -> None:
    items: list[Item] = SPEC[name]["items"]  # type: ignore[assignment]
    assert unmet(items, panels(dashboards()[name])) == []


def test_panels_beyond_the_spec_are_allowed_and_a_missing_item_is_not() -> None:
    items: list[Item] = SPEC["system"]["items"]  # type: ignore[assignment]
    shown = panels(dashboards()["system"])
    extra = {"title": "🧪 Something the spec does not list", "type": "stat"}
    assert unmet(items, [*shown, extra]) == []
    without_heap_gauges = [p for p in shown if not matches(Item("heap usage gauges", "gauge"), p)]
    assert unmet(items, without_heap_gauges) == [
        "spec item Item(phrase='heap usage gauges', kind='gauge', emoji='', style='') matched []"
    ]


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_key_metrics_are_the_first_row_of_stats(name: str) -> None:
    # Issue 10.1: the overview opens with its service health row; the key metrics follow it.
    skipped = HEALTH_ROWS.get(name, set())
    shown = [p for row, p in panels_in_rows(dashboards()[name]) if row not in skipped]
    assert [p["type"] for p in shown[:6]] == ["stat"] * 6


HEALTH_ROWS = {"overview": {"Services at a glance"}}


def test_the_overview_opens_with_the_service_health_table() -> None:
    rows = [p["title"] for p in dashboards()["overview"]["panels"] if p["type"] == "row"]
    assert rows[0] == "Services at a glance" and rows[1] == "Key metrics"
    first = [p for row, p in panels_in_rows(dashboards()["overview"]) if row == rows[0]]
    assert [p["title"] for p in first] == [
        "Service health",
        "Error rate by service",
        "Latency p95 by service",
    ]
    assert [p["type"] for p in first] == ["table", "timeseries", "timeseries"]


def test_saga_activity_shows_started_completed_failed_and_compensated() -> None:
    [saga] = [p for p in panels(dashboards()["business"]) if p["title"] == "SAGA purchase activity"]
    legends = {t["legendFormat"] for t in saga["targets"]}
    assert legends == {"started", "completed", "failed", "compensated"}
    for target in saga["targets"]:
        assert f"token_purchase_saga_{target['legendFormat']}_total" in target["expr"]


def test_database_pool_shows_active_idle_and_max() -> None:
    [pool] = [p for p in panels(dashboards()["system"]) if p["title"].startswith("Database conn")]
    exprs = " ".join(t["expr"] for t in pool["targets"])
    for state in ("active", "idle", "max"):
        assert f"jdbc_connections_{state}" in exprs


def test_jvm_threads_shows_live_and_peak() -> None:
    [threads] = [p for p in panels(dashboards()["system"]) if p["title"].startswith("JVM threads")]
    exprs = " ".join(t["expr"] for t in threads["targets"])
    assert "jvm_threads_live_threads" in exprs and "jvm_threads_peak_threads" in exprs
