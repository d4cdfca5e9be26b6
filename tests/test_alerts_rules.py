"""Generated alert rules: promtool accepts them, its unit tests pass, levels and links hold."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from leaky_dashboards import alerts, build, outputs
from leaky_dashboards.errors import BuildError
from leaky_dashboards.model import iter_panels
from leaky_dashboards.project import Project
from leaky_dashboards.render import Dashboard, compile_all
from leaky_dashboards.settings import ROOT, Installation, Paths

GOLDEN_RULES = ROOT / "golden" / outputs.RULES_FILE
PROMTOOL_TESTS = sorted((ROOT / "tests" / "promtool").glob("*.yaml"))
# Alerts without a level of the thresholds table: Prometheus cannot scrape a target.
TARGET_DOWN = {"LeakyTokensInstanceDown": "warning", "LeakyTokensServiceDown": "critical"}


@pytest.fixture(scope="module")
def dashboards() -> list[Dashboard]:
    return compile_all(Paths(), Installation(), "go")


@pytest.fixture(scope="module")
def document(dashboards: list[Dashboard]) -> dict[str, Any]:
    return alerts.rules(dashboards, Project().library)


@pytest.fixture(scope="module")
def rules(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The alerting rules."""
    return [rule for group in document["groups"] for rule in group["rules"] if "alert" in rule]


@pytest.fixture(scope="module")
def records(document: dict[str, Any]) -> dict[str, str]:
    """Recorded series → the expression recording it."""
    return {
        rule["record"]: rule["expr"]
        for group in document["groups"]
        for rule in group["rules"]
        if "record" in rule
    }


RECORDED_NAME = re.compile(r"\b[a-z_]+:[a-z0-9_]+:[a-z0-9_]+\b")


@pytest.fixture(scope="module")
def thresholds() -> dict[str, Any]:
    return Project().library.thresholds()


Promtool = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def promtool() -> Promtool:
    """Runs promtool with the given arguments (a fixture, so tests/conftest.py marks its users
    slow)."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["promtool", *args], capture_output=True, text=True, check=False)

    return run


def test_golden_rules_are_what_the_build_renders(dashboards: list[Dashboard]) -> None:
    assert alerts.files(dashboards, Project().library) == {
        outputs.RULES_FILE: GOLDEN_RULES.read_bytes()
    }


def test_promtool_check_rules_accepts_the_rules(
    rules: list[dict[str, Any]], records: dict[str, str], promtool: Promtool
) -> None:
    result = promtool("check", "rules", str(GOLDEN_RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules) + len(records)} rules found" in result.stdout


@pytest.mark.parametrize("case_file", PROMTOOL_TESTS, ids=lambda p: p.stem)
def test_promtool_unit_tests_pass(case_file: Path, promtool: Promtool) -> None:
    result = promtool("test", "rules", str(case_file))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_promtool_case_where_it_fires_and_one_where_it_stays_silent(
    rules: list[dict[str, Any]],
) -> None:
    fires: set[tuple[str, str]] = set()
    silent: set[str] = set()
    for case_file in PROMTOOL_TESTS:
        for test in yaml.safe_load(case_file.read_text())["tests"]:
            for check in test["alert_rule_test"]:
                expected = check.get("exp_alerts") or []
                if not expected:
                    silent.add(check["alertname"])
                fires |= {(check["alertname"], a["exp_labels"]["severity"]) for a in expected}
    assert {(r["alert"], r["labels"]["severity"]) for r in rules} <= fires
    assert {r["alert"] for r in rules} <= silent


def threshold_rules(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The alerts of the thresholds table's rows (not target down, not the SLOs' burn rates)."""
    return [r for r in rules if r["alert"] not in TARGET_DOWN and "slo" not in r["labels"]]


def test_each_threshold_row_has_a_warning_and_a_critical_alert_at_its_levels(
    rules: list[dict[str, Any]], thresholds: dict[str, Any]
) -> None:
    by_level = {(r["alert"], r["labels"]["severity"]): r for r in rules}
    assert len(threshold_rules(rules)) == 2 * len(thresholds)
    for key, row in thresholds.items():
        name = "LeakyTokens" + key[0].upper() + key[1:] + "High"
        for severity in ("warning", "critical"):
            expr = by_level[(name, severity)]["expr"]
            level = float(expr.rsplit(">", 1)[1])
            assert level == row[severity], f"{name} {severity}: {level} != {row[severity]}"


def linked_panel(rule: dict[str, Any], dashboards: list[Dashboard]) -> dict[str, Any]:
    by_uid = {d.uid: d for d in dashboards}
    grafana = Installation().grafana_url
    match = re.fullmatch(
        re.escape(grafana)
        + r"/d/([\w-]+)\?viewPanel=(\d+)(?:&var-service=\{\{ \$labels\.\w+ \}\})?",
        rule["annotations"]["dashboard_url"],
    )
    assert match, rule["annotations"]["dashboard_url"]
    return next(p for p in iter_panels(by_uid[match[1]].model) if p.get("id") == int(match[2]))


def test_every_alert_links_to_a_panel_coloured_at_the_same_levels(
    rules: list[dict[str, Any]], dashboards: list[Dashboard], thresholds: dict[str, Any]
) -> None:
    for rule in threshold_rules(rules):
        panel = linked_panel(rule, dashboards)
        steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
        levels = {s["value"] for s in steps} - {None}
        key = rule["alert"].removeprefix("LeakyTokens").removesuffix("High")
        row = thresholds[key[0].lower() + key[1:]]
        assert {row["warning"], row["critical"]} <= levels, f"{rule['alert']} → {panel['title']}"


def test_a_removed_panel_fails_the_build_naming_the_alert_and_the_key(
    dashboards: list[Dashboard],
) -> None:
    spec = {"errorRate": {"uid": "leaky-tokens-overview", "key": "noSuchPanel"}}
    with pytest.raises(BuildError, match=r"alert errorRate links to panel key 'noSuchPanel'"):
        alerts.panel_links(spec, dashboards)


def test_alert_links_name_panels_by_key_and_keep_them_when_panels_move(tree: Paths) -> None:
    library = Project(tree).library
    before = alerts.rules(compile_all(tree, Installation(), "go"), library)
    overview = tree.dashboards / "leaky-tokens-overview.jsonnet"
    source = overview.read_text()
    # A panel inserted before the error rate, another removed, the p95 moved to the last row.
    for old, new in [
        ("      p.requestsPerMinute,\n", "      p.requestsPerMinute,\n      p.cacheHitRate,\n"),
        ("      p.activeUsers,\n", ""),
        ("      p.latencyP95,\n", ""),
        ("      p.topEndpoints,\n", "      p.topEndpoints,\n      p.latencyP95,\n"),
    ]:
        assert old in source
        source = source.replace(old, new)
    overview.write_text(source)
    after = alerts.rules(compile_all(tree, Installation(), "go"), library)
    assert after == before
    links = {spec["key"] for spec in library.value(alerts.ALERTS_LIBRARY)["panels"].values()}
    assert "errorRate" in links and not any(" " in key for key in links)


def test_the_rules_file_has_the_same_bytes_with_libyaml_as_without(
    document: dict[str, Any],
) -> None:
    class PurePython(yaml.SafeDumper):
        pass

    PurePython.add_representer(str, alerts._string)
    groups = [
        group | {"rules": [alerts._ordered(rule) for rule in group["rules"]]}
        for group in document["groups"]
    ]
    text = yaml.dump(
        {"groups": groups}, Dumper=PurePython, sort_keys=False, allow_unicode=True, width=1 << 16
    )
    assert alerts.dump(document) == text.encode("utf-8")


def test_multi_line_queries_are_written_as_literal_blocks() -> None:
    text = alerts.dump({"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "a\n/\nb"}]}]})
    assert "expr: |-\n      a\n      /\n      b\n" in text.decode()


def test_the_build_refuses_rules_that_break_the_mixin_conventions(tree: Paths) -> None:
    library = tree.libsonnet / "alerts.libsonnet"
    source = library.read_text()
    assert "'LeakyTokens%s%sHigh'" in source
    library.write_text(source.replace("'LeakyTokens%s%sHigh'", "'leaky_tokens_%s%s_high'"))
    with pytest.raises(
        BuildError, match=r"leaky_tokens_ErrorRate_high \(warning\): alert name is not CamelCase"
    ):
        build.run(Project(tree, Installation()), echo=lambda _: None)
    assert not (tree.provisioning / "prometheus").exists()


def test_target_down_alerts_read_up_per_instance_and_per_job_and_link_to_the_status_table(
    rules: list[dict[str, Any]], dashboards: list[Dashboard]
) -> None:
    down = {r["alert"]: r for r in rules if r["alert"] in TARGET_DOWN}
    assert {name: r["labels"]["severity"] for name, r in down.items()} == TARGET_DOWN
    # `up` has only job and instance: one instance down, or every instance of a job.
    assert down["LeakyTokensInstanceDown"]["expr"] == "up == 0"
    assert down["LeakyTokensServiceDown"]["expr"] == "max by (job) (up) == 0"
    for rule in down.values():
        assert "{{ $labels.job }}" in rule["annotations"]["summary"]
        assert "application" not in rule["expr"] + rule["annotations"]["summary"]
        assert linked_panel(rule, dashboards)["title"] == "Service status overview"


def raw_http_selectors(expr: str, records: dict[str, str]) -> list[str]:
    """The raw HTTP selectors an expression reads, through the recorded series it reads."""
    found = re.findall(r"(?<![:\w])http_server_requests_seconds_\w+(?![:\w])(?:\{[^}]*\})?", expr)
    for name in set(RECORDED_NAME.findall(expr)):
        found += raw_http_selectors(records[name], records)
    return found


def test_http_alerts_judge_users_traffic_only_and_only_above_the_minimum_rate(
    rules: list[dict[str, Any]], records: dict[str, str]
) -> None:
    config = Project().library.value("config.libsonnet")
    guard = f">= {config['alerting']['minUserRequestRate']:g})"
    http = [r for r in threshold_rules(rules) if "http_server_requests" in r["expr"]]
    assert {r["alert"] for r in http} == {"LeakyTokensErrorRateHigh", "LeakyTokensLatencyP95High"}
    for rule in [r for r in rules if "http_server_requests" in r["expr"]]:
        # Every HTTP series an alert reads is users' (the zero fallback's presence test aside).
        selectors = [
            s
            for s in raw_http_selectors(rule["expr"], records)
            if s != "http_server_requests_seconds_count"
        ]
        assert selectors and all('uri!~"/actuator.*"' in s for s in selectors), rule["expr"]
    for rule in http:
        assert "\nand on (application)\n" in rule["expr"] and guard in rule["expr"]


def test_recording_rules_are_named_level_metric_operations_and_read_only_earlier_groups(
    document: dict[str, Any],
) -> None:
    """Prometheus evaluates groups concurrently and promtool backfills one group per pass: a rule
    reading a series recorded in its own (or a later) group would read nothing, or stale data."""
    recorded_before: set[str] = set()
    groups = document["groups"]
    for group in groups:
        names = [r["record"] for r in group["rules"] if "record" in r]
        for rule in group["rules"]:
            reads = set(RECORDED_NAME.findall(rule["expr"]))
            assert reads <= recorded_before, f"{rule.get('record') or rule['alert']}: {reads}"
        for name in names:
            assert RECORDED_NAME.fullmatch(name), name
        recorded_before |= set(names)
    # Recording groups first: promtool's unit tests evaluate the groups in file order.
    kinds = ["record" if all("record" in r for r in g["rules"]) else "alert" for g in groups]
    assert kinds == sorted(kinds, key=lambda k: k == "alert") and kinds[0] == "record"


def test_no_panel_variable_or_alert_reads_the_per_user_token_counter(
    dashboards: list[Dashboard], rules: list[dict[str, Any]], records: dict[str, str]
) -> None:
    """`token_consume_total` has a series per user (issue 20): only the recording rules read it;
    panels and alerts read its sum without `userId`, and the users' panels the hourly per-user
    series, so their cost does not grow with the users."""
    per_user = re.compile(r"(?<![\w:])token_consume_total(?![\w:])")
    readers = [
        f"{d.title} › {p.get('title')}"
        for d in dashboards
        for p in iter_panels(d.model)
        for t in p.get("targets") or []
        if per_user.search(str(t.get("expr", "")))
    ]
    readers += [
        f"variable {v['name']}"
        for d in dashboards
        for v in d.model.get("templating", {}).get("list", [])
        if per_user.search(str(v.get("query", "")))
    ]
    readers += [r["alert"] for r in rules if per_user.search(r["expr"])]
    assert readers == []
    reading = sorted(name for name, expr in records.items() if per_user.search(expr))
    assert reading == [
        "provider_outcome_instance:token_consume_total:sum",
        "userid_provider:token_consume_allowed:increase1h",
    ]
    summed = records["provider_outcome_instance:token_consume_total:sum"]
    assert summed == "sum without (userId) (token_consume_total)"


def test_slo_alerts_burn_the_budget_at_the_workbooks_rates_over_both_windows(
    rules: list[dict[str, Any]], dashboards: list[Dashboard]
) -> None:
    slo = Project().library.value("config.libsonnet")["slo"]
    burn = [r for r in rules if "slo" in r["labels"]]
    assert {(r["labels"]["slo"], r["labels"]["severity"]) for r in burn} == {
        (objective, severity) for objective in slo["objectives"] for severity in slo["burnRates"]
    }
    for rule in burn:
        objective = slo["objectives"][rule["labels"]["slo"]]
        budget = 1 - objective["objective"]
        severity = slo["burnRates"][rule["labels"]["severity"]]
        comparisons = re.findall(r"ratio_rate(\w+)\{([^}]*)\} > ([0-9.e-]+)", rule["expr"])
        pairs = severity["pairs"]
        assert len(comparisons) == 2 * len(pairs), rule["expr"]
        windows = list(zip(comparisons[::2], comparisons[1::2], strict=True))
        for pair, (long, short) in zip(pairs, windows, strict=True):
            assert (long[0], short[0]) == (pair["long"], pair["short"])
            for window in (long, short):
                assert window[1] == f'application="{slo["application"]}"'
                assert float(window[2]) == pytest.approx(pair["factor"] * budget)
        assert rule["for"] == severity["for"]
        assert "Gateway error budget burn rate" in linked_panel(rule, dashboards)["title"]


def test_alerts_about_an_instance_or_a_provider_name_it(rules: list[dict[str, Any]]) -> None:
    for rule in rules:
        summary = rule["annotations"]["summary"]
        if rule["alert"] == "LeakyTokensHeapUsageHigh":
            assert "by (application, instance)" in rule["expr"]
            assert "{{ $labels.instance }}" in summary
        if rule["alert"] == "LeakyTokensProviderFailuresHigh":
            assert "sum by (provider)" in rule["expr"]
            assert "{{ $labels.provider }}" in summary


# ---- on-call: every alert says where to read about it and where to look (issue 10.6) ----

DOCS = ROOT / "golden" / outputs.DOCS_FILE
ANCHOR = re.compile(r'<a id="([\w-]+)"></a>')


def test_every_alert_has_a_runbook_url_whose_anchor_is_a_section_of_the_docs(
    rules: list[dict[str, Any]],
) -> None:
    anchors = ANCHOR.findall(DOCS.read_text(encoding="utf-8"))
    docs = Installation().docs_url
    for rule in rules:
        url = rule["annotations"]["runbook_url"]
        root, _, anchor = url.partition("#")
        assert root == docs, url
        assert anchors.count(anchor) == 1, f"{rule['alert']}: no section #{anchor} in {DOCS.name}"
        section = DOCS.read_text(encoding="utf-8").split(f'<a id="{anchor}"></a>')[1]
        section = section.split("<a id=")[0]
        assert f"### Runbook: {rule['alert']}" in section
        assert "**First checks:**" in section and "\n3. " in section and "**Open:**" in section


def test_every_alert_has_an_absolute_dashboard_url_to_its_panel_with_its_service_selected(
    rules: list[dict[str, Any]], dashboards: list[Dashboard]
) -> None:
    grafana = Installation().grafana_url
    variables = {d.uid: {v["name"] for v in d.model["templating"]["list"]} for d in dashboards}
    for rule in rules:
        url = rule["annotations"]["dashboard_url"]
        assert url.startswith(grafana + "/d/") and "viewPanel=" in url, url
        uid = url.removeprefix(grafana + "/d/").split("?")[0]
        kept = set(re.findall(r"\$labels\.(\w+)", rule["annotations"]["summary"]))
        service = next((label for label in ("application", "job") if label in kept), None)
        if service and "service" in variables[uid]:
            assert url.endswith(f"&var-service={{{{ $labels.{service} }}}}"), url
        else:
            assert "var-service" not in url, url
        assert linked_panel(rule, dashboards)


def test_grafana_and_docs_roots_are_installation_values(tree: Paths) -> None:
    installation = Installation(
        grafana_url="https://grafana.example.org/", docs_url="https://git.example.org/d.md"
    )
    document = alerts.rules(
        compile_all(tree, installation, "go"), Project(tree, installation).library
    )
    [rule] = [
        r
        for g in document["groups"]
        for r in g["rules"]
        if r.get("alert") == "LeakyTokensInstanceDown"
    ]
    assert rule["annotations"]["dashboard_url"].startswith(
        "https://grafana.example.org/d/leaky-tokens-system?"
    )
    assert (
        rule["annotations"]["runbook_url"]
        == "https://git.example.org/d.md#runbook-leakytokensinstancedown"
    )
