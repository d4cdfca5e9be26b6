"""The quiet platform: no failure series exist yet, and the key metrics still show a number."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leaky_dashboards import catalog, cli, grafana
from leaky_dashboards.project import Project
from leaky_dashboards.render import Dashboard, compile_all
from leaky_dashboards.settings import Installation, Paths
from leaky_dashboards.verify import (
    backfill,
    evaluate,
    quiet,
    recording,
    report,
    run,
    scenarios,
    server,
    synthetic,
)
from leaky_dashboards.verify.promapi import Client

from .conftest import Verified

QUIET = scenarios.QUIET
END = QUIET.timeline.end
WINDOW = evaluate.Window(end=END)
FRESH = "analytics-service"
# Outcomes the metrics contract names for things that went wrong, and for things that went right.
NON_SUCCESS = {
    "failure",
    "provider_failure",
    "rate_limited",
    "quota_insufficient",
    "blocked",
    "not_found",
    "invalid",
    "CLIENT_ERROR",
    "SERVER_ERROR",
}
SUCCESS = {"attempt", "allowed", "success", "hit", "miss", "found", "SUCCESS"}
BLOCKED = 'sum(rate(gateway_rate_limit_total{outcome="blocked"}[$__rate_interval]))'


@pytest.fixture(scope="module")
def real_catalog() -> catalog.Catalog:
    return Project().library.catalog()


@pytest.fixture(scope="module")
def client(real_catalog: catalog.Catalog) -> Iterator[Client]:
    """The quiet night, with the recording rules backfilled over it (the overview reads them)."""
    project = Project()
    _, directories = run.prepare(
        project, QUIET, run.compiled_subject(project).rules, echo=lambda _: None
    )
    with server.running(lambda data: recording.load(data, *directories)) as prom:
        yield Client(prom.url)


def stored(client: Client, by: str) -> list[dict[str, str]]:
    """The label sets (`by`) of every series stored over the quiet window."""
    hours = QUIET.timeline.hours
    answer = client.query(f'group by ({by}) (last_over_time({{__name__=~".+"}}[{hours}h]))', END)
    assert answer.error is None
    return [item["metric"] for item in answer.result]


def dashboard(*panels: dict[str, Any]) -> Dashboard:
    model = {"uid": "quiet", "title": "Quiet", "panels": list(panels)}
    return Dashboard("quiet", Path("quiet.jsonnet"), model)


def panel(kind: str, title: str, expr: str) -> dict[str, Any]:
    return {
        "type": kind,
        "title": title,
        "gridPos": {"x": 0, "y": 0, "w": 6, "h": 4},
        "targets": [{"refId": "A", "expr": expr}],
    }


def test_no_failure_denial_or_block_series_exist_but_every_success_series_does(
    client: Client, real_catalog: catalog.Catalog
) -> None:
    outcomes = {s.get("outcome") for s in stored(client, "outcome")}
    assert not outcomes & NON_SUCCESS
    assert outcomes >= SUCCESS
    names = {s["__name__"] for s in stored(client, "__name__")}
    assert "token_purchase_saga_failed_total" not in names
    assert "token_purchase_saga_compensated_total" not in names
    assert {"token_purchase_saga_started_total", "token_purchase_saga_completed_total"} <= names
    assert not [s for s in stored(client, "reason") if s]  # a reason comes only with a failure
    # The busy platform has them all: the quiet one leaves them out, the catalog does not.
    busy = synthetic.generate(real_catalog, timeline=synthetic.Timeline(hours=1))
    assert {s.labels.get("outcome") for s in busy} >= NON_SUCCESS


def test_the_rare_rule_reads_own_label_values_and_names_never_scrape_labels() -> None:
    def series(name: str, **labels: str) -> synthetic.Series:
        return synthetic.Series(name, labels, values=None, present=None)  # type: ignore[arg-type]

    assert quiet.rare(series("token_consume_total", outcome="provider_failure"))
    assert quiet.rare(series("gateway_rate_limit_total", outcome="blocked"))
    assert quiet.rare(series("http_server_requests_seconds_count", outcome="SERVER_ERROR"))
    assert quiet.rare(series("token_purchase_saga_compensated_total"))
    assert not quiet.rare(series("token_consume_total", outcome="allowed", userId="user-001"))
    assert not quiet.rare(series("http_server_requests_seconds_bucket", outcome="SUCCESS", le="1"))
    assert not quiet.rare(series("up", job="error-reporter", instance="failover-1:8080"))


def test_a_service_deployed_30_minutes_ago_is_down_before_and_counts_from_its_first_event(
    client: Client,
) -> None:
    since = END - 1800
    up = client.query_range(f'up{{job="{FRESH}"}}', END - 3600, END, 60)
    points = [(int(t), float(v)) for t, v in up.result[0]["values"]]
    assert {v for t, v in points if t < since} == {0.0}
    assert {v for t, v in points if t > since} == {1.0}
    uptime = client.query(f'process_uptime_seconds{{application="{FRESH}"}}', END)
    assert 0 < float(uptime.result[0]["value"][1]) <= 1800
    # A labelled counter appears at its first event, counting it; never as a run of zeros.
    first = client.query_range('analytics_usage_query_total{provider="openai"}', since, END, 15)
    (values,) = [item["values"] for item in first.result]
    assert int(values[0][0]) >= since and float(values[0][1]) >= 1


def test_a_timers_parts_appear_together_at_the_first_request(
    real_catalog: catalog.Catalog,
) -> None:
    timeline = synthetic.Timeline(hours=1, started=((FRESH, 1800),))
    names = [n for n in real_catalog.metrics if n.startswith("http_server_requests_seconds")]
    small = catalog.Catalog({n: real_catalog.metrics[n] for n in names}, text="http")
    series = quiet.apply(synthetic.generate(small, timeline=timeline), small, timeline)
    fresh = [s for s in series if s.labels["application"] == FRESH]
    assert fresh and not any(quiet.rare(s) for s in fresh)
    starts: dict[str, set[int]] = {}
    for s in fresh:
        starts.setdefault(s.labels["uri"] + s.labels["status"], set()).add(int(s.present.argmax()))
        if s.name.endswith("_count"):
            assert s.values[s.present.argmax()] >= 1
    assert starts and all(len(first) == 1 for first in starts.values())
    # Before the service started, nothing of it is written at all.
    assert all(s.present.argmax() >= len(timeline.times()) - 1 - 1800 // 15 for s in fresh)


def test_every_key_metric_shows_a_number_while_graphs_of_failures_stay_empty(
    verified_quiet: Verified,
) -> None:
    lines, outcome = verified_quiet.lines, verified_quiet.outcome
    assert verified_quiet.code == 0 and outcome.findings == []
    checks = [c for r in outcome.results for c in r.checks]
    single = [c for c in checks if c.target.panel_type in scenarios.SINGLE_VALUE]
    assert single and all(evaluate.shown(c.answer) or c.declared for c in single)
    # Under every variable setting, not only as the dashboard opens.
    assert {c.setting for c in single} > {evaluate.DEFAULT_SETTING}
    # The scenario is quiet indeed: the SAGA failure lines and the auth failure graph are empty.
    empty = {c.target.panel for c in checks if not evaluate.shown(c.answer)}
    assert {"SAGA purchase activity", "Auth failures by reason (per minute)"} <= empty
    assert all(c.kind is None for c in checks)
    assert any(line.startswith("scenario quiet: synthetic data: ") for line in lines)
    assert sum("empty as allowed, 0 empty, 0 errors, 0 out of range" in x for x in lines) >= 2


def test_a_stat_without_a_zero_fallback_is_reported_and_a_graph_of_it_is_not(
    client: Client,
) -> None:
    result = evaluate.verify_dashboard(
        client,
        dashboard(
            panel("stat", "Blocked", BLOCKED),
            panel("stat", "Blocked or 0", f"({BLOCKED} or vector(0))"),
            panel("timeseries", "Blocked over time", BLOCKED),
            panel("bargauge", "Blocked bars", BLOCKED),
        ),
        WINDOW,
        "15s",
        requires=QUIET.requires_data,
    )
    lines = report.findings([result])
    assert {line.split(" › ")[1] for line in lines} == {"Blocked", "Blocked bars"}
    assert all("empty on" in line for line in lines)


def test_the_key_metrics_that_lose_their_zero_fallback_show_no_data_on_the_quiet_platform(
    client: Client, tree: Paths
) -> None:
    queries = tree.libsonnet / "queries.libsonnet"
    fallback = (
        "orZero(expr, metrics, matchers=[], labels=[])::\n"
        "    '(' + expr + ' or 0 * ' + self.exported(metrics, matchers, labels) + ')',"
    )
    assert fallback in queries.read_text()
    queries.write_text(
        queries.read_text().replace(
            fallback, "orZero(expr, metrics, matchers=[], labels=[]):: expr,"
        )
    )
    compiled = compile_all(tree, Installation(), "go")
    exporters = Project(tree).library.catalog().exporters()
    results = evaluate.verify(
        client, compiled, WINDOW, "15s", QUIET.requires_data, exporters=exporters
    )
    empty = {(c.target.panel, c.setting) for r in results for c in r.checks if c.kind == "empty"}
    # The error rate needs no fallback: no server error among the requests is 0 by its ratio.
    assert {panel for panel, _ in empty} == {
        "🚦 Rate limit blocks per minute",
        "❌ Provider failures (last 5m)",
        "🚫 Denied requests (quota insufficient)",
        "🚦 Rate limited requests",
    }
    assert {setting for _, setting in empty} >= {evaluate.DEFAULT_SETTING}


def test_a_query_error_fails_a_graph_even_where_empty_is_allowed(client: Client) -> None:
    broken = "sum(rate(gateway_rate_limit_total[5m])"
    result = evaluate.verify_dashboard(
        client,
        dashboard(panel("timeseries", "Broken", broken)),
        WINDOW,
        "15s",
        requires=QUIET.requires_data,
    )
    lines = report.findings([result])
    assert lines and all(
        line.startswith(f"Quiet › Broken › A › {broken}: error on") for line in lines
    )


def test_active_users_is_0_not_no_data_when_nobody_consumed(client: Client) -> None:
    (expr,) = [
        t["expr"]
        for d in compile_all(Paths(), Installation(), "go")
        for p in d.model["panels"]
        if p.get("title") == "👥 Active users"
        for t in p["targets"]
    ]

    def active(provider: str) -> list[float]:
        query = grafana.interpolate(expr, {"provider": provider, "time_range": "1h"}, {})
        return evaluate.shown(client.query(query, END))

    assert active("nobody") == [0.0]
    assert active(".*")[0] >= 1


def test_the_quiet_blocks_have_their_own_cache_key(real_catalog: catalog.Catalog) -> None:
    timeline, seed = QUIET.timeline, synthetic.DEFAULT_SEED
    quiet_key = backfill.cache_key(real_catalog, seed, timeline, True)
    assert quiet_key != backfill.cache_key(real_catalog, seed, timeline, False)
    assert quiet_key != backfill.cache_key(real_catalog, seed, scenarios.FULL.timeline, False)


def test_verify_quiet_exits_0_and_all_runs_every_scenario_even_after_a_failure(
    verified_quiet: Verified, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert verified_quiet.code == 0
    assert "scenario quiet: synthetic data: " in verified_quiet.out
    ran: list[str] = []

    def recorded(*_: Any, scenario: scenarios.Scenario, **__: Any) -> None:
        ran.append(scenario.name)
        if scenario.name == "full":
            raise run.VerifyError("1 panel problem(s) found on the full synthetic data")

    monkeypatch.setattr(run, "run", recorded)
    assert cli.verify(scenario="all") == 1
    assert ran == list(scenarios.SCENARIOS)
    assert "found on the full synthetic data" in capsys.readouterr().err


def test_an_unknown_scenario_exits_2_naming_the_choices(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.verify(scenario="busy") == 2
    choices = "full, quiet, incidents, idle, all"
    assert f"unknown scenario 'busy': choose one of {choices}" in capsys.readouterr().err
