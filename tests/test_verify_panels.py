"""Every panel of every dashboard on a real Prometheus, and how verify reports a broken one."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leaky_dashboards import grafana
from leaky_dashboards.errors import BuildError
from leaky_dashboards.project import Project
from leaky_dashboards.render import Dashboard, compile_all
from leaky_dashboards.settings import Installation, Paths
from leaky_dashboards.verify import (
    backfill,
    evaluate,
    loaded,
    report,
    rules,
    run,
    server,
    synthetic,
)
from leaky_dashboards.verify.promapi import Client

from .conftest import Verified

WINDOW = evaluate.Window(end=synthetic.END)
RATE = 'sum(rate(http_server_requests_seconds_count{application=~"$service"}[$__rate_interval]))'


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    paths = Paths()
    blocks = backfill.ensure_blocks(
        Project(paths, Installation(), "go").library.catalog(), loaded.cache_root(paths)
    )
    with server.running(lambda data: backfill.copy_blocks(blocks, data)) as prom:
        yield Client(prom.url)


def panel(title: str, unit: str, *exprs: str) -> dict[str, Any]:
    return {
        "type": "timeseries",
        "title": title,
        "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
        "fieldConfig": {"defaults": {"unit": unit}},
        "targets": [{"refId": "ABCDEF"[i], "expr": e} for i, e in enumerate(exprs)],
    }


def fixture_dashboard(
    *panels: dict[str, Any], variables: list[dict[str, Any]] | None = None
) -> Dashboard:
    service = {
        "type": "query",
        "name": "service",
        "query": {"query": "label_values(process_uptime_seconds, application)"},
        "multi": True,
        "includeAll": True,
        "allValue": ".*",
    }
    model = {
        "uid": "fixture",
        "title": "Fixture",
        "templating": {"list": [service, *(variables or [])]},
        "panels": list(panels),
    }
    return Dashboard("fixture", Path("fixture.jsonnet"), model)


def test_every_panel_of_every_dashboard_and_every_alert_shows_sensible_data(
    verified_full: Verified,
) -> None:
    lines, outcome = verified_full.lines, verified_full.outcome
    assert verified_full.code == 0 and outcome.findings == []
    titles = {r.dashboard.title for r in outcome.results}
    assert {d.title for d in compile_all(Paths(), Installation(), "go")} | {rules.TITLE} == titles
    for result in outcome.results:
        assert result.targets, f"{result.dashboard.title} has no targets"
        # Firing alerts come from the rule manager, which verify's Prometheus does not run; a
        # database panel is empty, and says so, for a service without a database.
        assert all(
            c.kind is None and (c.answer.result or evaluate.made_by_rules(c.target) or c.declared)
            for c in result.checks
        )
        # Yet the database panels show data as the dashboard opens and for the services that
        # have a database.
        declared_empty = [c for c in result.checks if not c.answer.result and c.declared]
        assert all(
            c.setting.split("=")[-1].split("-")[0] not in ("auth", "token", "analytics")
            for c in declared_empty
        ), [(c.target.panel, c.setting) for c in declared_empty]
        marks = {t.panel for t in result.targets if t.panel_type == evaluate.ANNOTATION}
        if result.dashboard.title != rules.TITLE:
            assert marks == {"annotation 🔄 Restarts", "annotation 🚨 Firing alerts"}
    # One summary line per dashboard, with the counts and the range-query times.
    summaries = [line for line in lines if " targets, " in line]
    assert len(summaries) == len(titles)
    assert all("0 empty, 0 errors, 0 out of range" in line for line in summaries)
    assert all(" time sum " in line for line in summaries)
    # The load cost counts each target once, as the dashboard opens (not every variable value).
    for result in outcome.results:
        line = next(s for s in summaries if s.startswith(result.dashboard.title + ":"))
        assert f"one 24h load: {len(result.targets)} queries" in line, line


def test_annotation_queries_run_as_grafana_sends_them_and_alerts_may_be_empty(
    client: Client,
) -> None:
    """Restarts must mark something on the busy day (token-service-2 restarts); ALERTS exists
    only where Prometheus evaluates rules, so its query must merely not fail."""
    dashboard = fixture_dashboard(panel("Requests", "reqps", RATE))
    source = {"type": "prometheus", "uid": "${datasource}"}
    dashboard.model["annotations"] = {
        "list": [
            {"builtIn": 1, "name": "Annotations & Alerts", "enable": True, "expr": "up"},
            {
                "name": "Restarts",
                "enable": True,
                "datasource": source,
                "expr": 'process_start_time_seconds{application=~"$service"} * 1000',
                "step": "1m",
            },
            {"name": "Alerts", "enable": True, "datasource": source, "expr": "ALERTS"},
            {"name": "Off", "enable": False, "datasource": source, "expr": "up"},
        ]
    }
    result = evaluate.verify_dashboard(client, dashboard, WINDOW, "15s")
    assert report.findings([result]) == []
    marks = [t for t in result.targets if t.panel_type == evaluate.ANNOTATION]
    assert [t.panel for t in marks] == ["annotation Restarts", "annotation Alerts"]
    assert all(t.grafana_mode == "range" and t.interval.step == 60 for t in marks)
    restarts = [c for c in result.checks if c.target.panel == "annotation Restarts"]
    assert {c.mode for c in restarts} == {"range"}
    assert restarts and all(c.answer.result for c in restarts)
    alerts = [c for c in result.checks if c.target.panel == "annotation Alerts"]
    assert alerts and all(not c.answer.result and c.kind is None for c in alerts)


def test_the_restart_annotation_marks_the_restarted_instance_at_the_second_it_started(
    client: Client,
) -> None:
    """The busy day's token-service-2 is down, then starts again: System Health's restart
    annotation (start time in ms, placed at its value) gives that instance a second mark at its
    new start, and every other instance only its one start from before the data."""
    [system] = [
        d
        for d in compile_all(Paths(), Installation(), "go")
        if d.model["uid"] == "leaky-tokens-system"
    ]
    [target] = [
        t for t in evaluate.annotation_targets(system, WINDOW, "15s") if "Restarts" in t.panel
    ]
    query = grafana.interpolate(
        target.expr, {"service": ".*", "instance": ".*"}, target.interval.macros()
    )
    answer = client.query_range(query, WINDOW.start, WINDOW.end, target.interval.step)
    assert answer.error is None
    marks = {
        item["metric"]["instance"]: sorted({float(v) for _, v in item["values"]})
        for item in answer.result
    }
    [outage] = synthetic.DEFAULT_WORLD.outages
    assert outage.lasts is not None
    assert len(marks) > 9, "every instance of the nine services, replicas included"
    restarted = marks.pop(outage.instance)
    assert len(restarted) == 2
    expected_ms = (synthetic.END - outage.since + outage.lasts) * 1000
    assert abs(restarted[1] - expected_ms) <= 2 * synthetic.STEP * 1000
    assert restarted[0] < WINDOW.start * 1000
    assert all(len(starts) == 1 and starts[0] < WINDOW.start * 1000 for starts in marks.values())


def test_a_typo_in_a_metric_name_is_reported_empty_with_dashboard_panel_and_ref_id(
    client: Client,
) -> None:
    typo = RATE.replace("requests_seconds_count", "requests_seconds_cuont")
    result = evaluate.verify_dashboard(
        client, fixture_dashboard(panel("Requests", "reqps", RATE, typo)), WINDOW, "15s"
    )
    lines = report.findings([result])
    assert {line.split(": ")[0] for line in lines} == {f"Fixture › Requests › B › {typo}"}
    assert all("empty on" in line for line in lines)
    assert any("range query with all at All" in line for line in lines)
    assert any("instant query with all at All" in line for line in lines)
    assert not [c for c in result.checks if c.target.ref_id == "A" and c.kind]


def test_each_variable_value_is_checked_in_turn_with_its_value_in_the_query(client: Client) -> None:
    result = evaluate.verify_dashboard(
        client, fixture_dashboard(panel("Requests", "reqps", RATE)), WINDOW, "15s"
    )
    services = sorted(synthetic.PORTS)
    every = "service=" + "+".join(services)
    settings = {c.setting for c in result.checks}
    assert settings == {"all at All", every} | {f"service={s}" for s in services}
    sent = {c.setting: c.query for c in result.checks if c.mode == "range"}
    assert 'application=~".*"' in sent["all at All"]
    assert 'application=~"auth-server"' in sent["service=auth-server"]
    assert 'application=~"(' + "|".join(services) + ')"' in sent[every]
    # 24 h over a 12-column (960 px) panel: 90 s rounds to a 2 m step, plus one scrape.
    assert "[135s]" in sent["all at All"]


def test_a_query_error_is_reported_with_prometheus_message(client: Client) -> None:
    broken = "sum(rate(up[5m])"
    result = evaluate.verify_dashboard(
        client, fixture_dashboard(panel("Broken", "short", broken)), WINDOW, "15s"
    )
    lines = report.findings([result])
    assert lines and all(
        line.startswith(f"Fixture › Broken › A › {broken}: error on") for line in lines
    )
    assert "parse error" in lines[0]


def test_a_ratio_above_one_is_outside_a_percentunit_panels_sense(client: Client) -> None:
    result = evaluate.verify_dashboard(
        client, fixture_dashboard(panel("Ratio", "percentunit", "sum(up)")), WINDOW, "15s"
    )
    lines = report.findings([result])
    assert lines and all("sense on" in line and "outside 0..1" in line for line in lines)


def test_a_negative_rate_is_outside_its_sense(client: Client) -> None:
    # The trap of the contract: a pool without a limit reports max = -1.
    eden = 'scalar(max(jvm_memory_max_bytes{id="G1 Eden Space"}))'
    expr = f"sum(rate(http_server_requests_seconds_count[$__rate_interval])) * {eden}"
    result = evaluate.verify_dashboard(
        client, fixture_dashboard(panel("Negative", "reqps", expr)), WINDOW, "15s"
    )
    lines = report.findings([result])
    assert lines and all("negative value" in line for line in lines)


def test_a_variable_without_values_is_reported(client: Client) -> None:
    ghost = {"type": "query", "name": "ghost", "query": "label_values(no_such_metric, application)"}
    result = evaluate.verify_dashboard(
        client,
        fixture_dashboard(panel("Requests", "reqps", RATE), variables=[ghost]),
        WINDOW,
        "15s",
    )
    assert report.findings([result]) == [
        "Fixture › variable $ghost: label_values(no_such_metric, application) returned no values"
    ]


def test_verify_run_fails_with_exit_1_on_a_broken_panel(tmp_path: Path) -> None:
    dashboard = fixture_dashboard(panel("Requests", "reqps", "sum(no_such_metric)"))
    lines: list[str] = []
    with pytest.raises(BuildError) as caught:
        run.run(Project(), dashboards=[dashboard], echo=lines.append)
    assert caught.value.exit_code == 1
    assert any(
        line.startswith("Fixture › Requests › A › sum(no_such_metric): empty") for line in lines
    )
    assert any(
        line.startswith("Fixture: 1 targets, 22 checks: 0 with data, 22 empty") for line in lines
    )


def test_an_alert_comparison_becomes_bool_so_a_quiet_alert_still_shows_its_data() -> None:
    assert rules.measured("(sum(rate(x[5m]))\n/\nsum(rate(y[5m]))) > 0.01") == (
        "(sum(rate(x[5m]))\n/\nsum(rate(y[5m]))) > bool 0.01"
    )
    assert rules.measured("up") == "up"


def test_alert_rules_are_checked_and_a_typo_names_the_alert_and_severity(client: Client) -> None:
    good = {"alert": "Good", "expr": "(sum(up)) > 1000", "labels": {"severity": "warning"}}
    typo = {"alert": "Typo", "expr": "(sum(upp)) > 1", "labels": {"severity": "critical"}}
    pseudo = rules.as_dashboard({"groups": [{"name": "g", "rules": [good, typo]}]})
    result = evaluate.verify_dashboard(client, pseudo, WINDOW, "15s")
    lines = report.findings([result])
    assert {line.split(": ")[0] for line in lines} == {
        "Alert rules › Typo (critical) › expr › (sum(upp)) > bool 1"
    }
    quiet = [c for c in result.checks if c.target.panel == "Good (warning)"]
    assert quiet and all(c.kind is None for c in quiet)  # below its level, yet data


def test_an_alert_joining_comparisons_is_checked_one_comparison_at_a_time() -> None:
    """A burn-rate alert (two windows, two pairs) shows data only while it fires; each window's
    series is checked on its own, made `bool`, so a missing recorded series is a finding."""
    expr = "(\n  a:x:ratio_rate1h > 0.0288\nand\n  a:x:ratio_rate5m > 0.0288\n)\nor\n(b > 1)"
    assert rules.comparisons(expr) == [
        "a:x:ratio_rate1h > 0.0288",
        "a:x:ratio_rate5m > 0.0288",
        "b > 1",
    ]
    pseudo = rules.as_dashboard(
        {"groups": [{"name": "g", "rules": [{"alert": "Burn", "expr": expr}]}]}
    )
    [panel] = pseudo.model["panels"]
    assert [t["expr"] for t in panel["targets"]] == [
        "a:x:ratio_rate1h > bool 0.0288",
        "a:x:ratio_rate5m > bool 0.0288",
        "b > bool 1",
    ]
    # An alert of one comparison (with `and on` inside it) stays whole.
    guarded = "((x / (y > 0)) and on (application) (z >= 0.5)) > 0.01"
    assert rules.comparisons(guarded) == [guarded]


def test_a_panel_may_be_empty_only_for_a_service_that_exports_none_of_its_metrics() -> None:
    exporters = {"jdbc_connections_active": ("token-service", "auth-server")}
    database = evaluate.Target(
        "System",
        "🗄️ Database connections (active)",
        "A",
        'sum (jdbc_connections_active{application=~"$service", instance=~"$instance"})',
        "short",
        grafana.interval(86400, 960, 15, 15),
        no_value="No database in the selected services",
    )
    allowed = {
        setting: evaluate.may_be_empty(database, setting, exporters)
        for setting in [
            "service=config-server",
            "instance=config-server-1:8888",
            "service=token-service",
            "instance=token-service-2:8082",
            "service=config-server+token-service",
            evaluate.DEFAULT_SETTING,
        ]
    }
    assert allowed == {
        "service=config-server": True,
        "instance=config-server-1:8888": True,
        "service=token-service": False,
        "instance=token-service-2:8082": False,
        "service=config-server+token-service": False,
        evaluate.DEFAULT_SETTING: False,
    }
    # A panel without its own text, or over a metric the catalog does not list, must show data.
    silent = dataclasses.replace(database, no_value="")
    assert not evaluate.may_be_empty(silent, "service=config-server", exporters)
    assert not evaluate.may_be_empty(database, "service=config-server", {})
