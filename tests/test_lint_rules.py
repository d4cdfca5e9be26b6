"""Every lint rule, proved on a fixture that breaks only that rule, reported at the right place.

The fixtures in tests/fixtures/lint/ each override one part of base.libsonnet (which passes
clean); the expectation here is written by hand: the rule and the dashboard › panel › refId.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leaky_dashboards.engine import evaluate_file
from leaky_dashboards.lint import Report, lint
from leaky_dashboards.project import Project
from leaky_dashboards.render import Dashboard
from leaky_dashboards.settings import Paths

FIXTURES = Path(__file__).parent / "fixtures" / "lint"
NAME = "leaky-tokens-fixture"
STAT = f"{NAME} › Requests per minute"
SERIES = f"{NAME} › Tokens consumed"
LATENCY = f"{NAME} › Latency p95"  # the stat, showing a quantile

# Grafana's JSON schemas (../shared/schemas/grafana): the stricter check, when it is there.
SCHEMA_EXPECTED = {
    "schema-dashboard": (NAME, "schema-dashboard", "graphTooltip"),
    "schema-panel": (STAT, "schema-panel", "'colour' was unexpected"),
    "schema-options": (STAT, "schema-options", "options.graphMode: 'sparkline' is not one of"),
    "schema-field-config": (SERIES, "schema-field-config", "custom.drawStyle: 'curve'"),
    "schema-target": (f"{STAT} › refId A", "schema-target", "format: 'csv'"),
    "schema-unit": (f"{NAME} › Requests", "schema-unit", "'requests/min' is not a Grafana unit"),
    "panel-type": (SERIES, "panel-type", "'graph' is not supported"),
}
# grafana-foundation-sdk's models: the same rules on a clone with nothing beside it.
SDK_EXPECTED = {
    "schema-dashboard": (NAME, "schema-dashboard", "graphTooltip: 'shared' is not one of 0, 1, 2"),
    "schema-panel": (STAT, "schema-panel", "colour: dropped by Grafana's model"),
    "schema-options": (STAT, "schema-options", "options.graphMode: 'sparkline' is not one of"),
    "schema-field-config": (
        SERIES,
        "schema-field-config",
        "fieldConfig.defaults.custom.drawStyle: 'curve' is not one of",
    ),
    "schema-target": (f"{STAT} › refId A", "schema-target", "format: 'csv' is not one of"),
    "schema-unit": (f"{NAME} › Requests", "schema-unit", "'requests/min' is not a Grafana unit"),
    "panel-type": (SERIES, "panel-type", "'graph' is not supported"),
}
EXPECTED = {
    "promql-syntax": (f"{STAT} › refId A", "promql-syntax", "unclosed left parenthesis"),
    "promql-syntax-variable": (f"{NAME} › variable service", "promql-syntax", "braces"),
    "metric-unknown": (f"{SERIES} › refId A", "metric-unknown", "token_consumed_total"),
    "label-unknown": (f"{SERIES} › refId A", "label-unknown", "'userid'"),
    "label-unknown-variable": (f"{NAME} › variable service", "label-unknown", "'application'"),
    "label-value-unknown": (f"{SERIES} › refId A", "label-value-unknown", '"sucess"'),
    "label-value-unknown-regex": (f"{SERIES} › refId A", "label-value-unknown", '"rate_limitd"'),
    "counter-without-rate": (f"{STAT} › refId A", "counter-without-rate", "inside sum"),
    "quantile-without-le": (f"{LATENCY} › refId A", "quantile-without-le", "no labels"),
    "datasource-variable": (SERIES, "datasource-variable", '"uid": "prometheus"'),
    "rate-window": (f"{STAT} › refId A", "rate-window", "15s is below two scrape intervals (30s)"),
    "rate-window-interval": (f"{STAT} › refId A", "rate-window", "$__interval can fall below"),
    "panel-title": (f"{NAME} › <untitled stat id 2>", "panel-title", "no title"),
    "panel-description": (STAT, "panel-description", "no description"),
    "panel-unit": (SERIES, "panel-unit", "no unit"),
    "thresholds": (STAT, "thresholds", "no thresholds"),
    "panel-id": (SERIES, "panel-id", "id 2 is also used by 'Requests per minute'"),
    "grid-layout": (SERIES, "grid-layout", "overlaps 'Requests per minute'"),
    "grid-layout-width": (SERIES, "grid-layout", "leaves the 24-column grid"),
    "uid": (NAME, "uid", "does not match the file name"),
    "title-length": (
        f"{NAME} › {'T' * 120}… (1 more characters)",
        "title-length",
        "title is 121 characters long; at most 120",
    ),
    "description-length": (STAT, "description-length", "2001 characters long; at most 2000"),
    "description-length-dashboard": (NAME, "description-length", "at most 2000"),
    "tags": (NAME, "tags", "'leaky-tokens'"),
    "link-target": (
        STAT,
        "link-target",
        "link “Gone” opens /d/leaky-tokens-fixture?viewPanel=404&${__url_time_range}: "
        "dashboard 'leaky-tokens-fixture' has no panel 404",
    ),
    "one-line": (SERIES, "one-line", "targets[0].legendFormat holds a line break"),
    "variable-unused": (NAME, "variable-unused", "'provider'"),
    "refresh": (NAME, "refresh", "'30s'"),
    "timezone": (NAME, "timezone", "'utc'"),
    "legend-labels": (f"{SERIES} › refId A", "legend-labels", "grouping label(s) {{outcome}}"),
    "raw-buckets": (f"{SERIES} › refId A", "raw-buckets", "http_server_requests_seconds_bucket"),
    "ratio-zero": (f"{SERIES} › refId A", "ratio-zero", "0/0 = NaN"),
    "quantile-nan": (f"{LATENCY} › refId A", "quantile-nan", "compare it `>= 0`"),
    "counter-subtraction": (f"{SERIES} › refId A", "counter-subtraction", "token_consume_total"),
    "per-minute": (f"{STAT} › refId A", "per-minute", "a rate times 60"),
    "zero-fallback": (f"{SERIES} › refId A", "zero-fallback", "`vector(0)`"),
    "number-format": (f"{SERIES} › refId A", "number-format", "0.9499999"),
    "long-window": (f"{SERIES} › refId A", "long-window", "its $time_range window at every step"),
    "decimals": (SERIES, "decimals", "no `decimals`"),
    "seconds-decimals": (STAT, "seconds-decimals", "unit `s` with 3 decimals"),
    "seconds-decimals-column": (SERIES, "seconds-decimals", "column openai: unit `s` with 2"),
    "instant-value": (f"{STAT} › refId A", "instant-value", "a gauge shows one value"),
    "table-columns": (STAT, "table-columns", "['requests'] start in lower case"),
    "stat-sparkline": (STAT, "stat-sparkline", "graphMode 'none'"),
}


def compile_fixture(name: str) -> Dashboard:
    source = FIXTURES / f"{name}.jsonnet"
    # The waiver fixtures import the project's lint.libsonnet: a root the sandbox may read.
    model = json.loads(
        evaluate_file(source, library=FIXTURES, roots=[Paths().libsonnet], ext_vars={})
    )
    return Dashboard(name=NAME, source=source, model=model)


def lint_fixture(name: str, paths: Paths | None = None, *, ci: bool = False) -> Report:
    return lint(
        Project(paths or Paths()),
        [compile_fixture(name)],
        ci=ci,
        check_sources=False,
    )


def placed(report: Report) -> list[tuple[str, str]]:
    return sorted((str(f.where), f.rule) for f in report.findings)


def test_base_fixture_passes_every_rule_with_grafanas_json_schemas(schema_paths: Paths) -> None:
    report = lint_fixture("clean", schema_paths)
    assert report.findings == [] and report.notes == []


def test_base_fixture_passes_every_rule_with_the_sdk_models(sdk_paths: Paths) -> None:
    report = lint_fixture("clean", sdk_paths)
    assert report.findings == []
    [note] = report.notes
    assert "checked against grafana-foundation-sdk 0.0.18's models instead" in note


def assert_reported(report: Report, where: str, rule: str, words: str) -> None:
    assert placed(report) == [(where, rule)]
    (finding,) = report.findings
    assert words in finding.message
    assert str(finding) == f"error: {where} › {rule}: {finding.message}"


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_each_broken_rule_is_reported_at_its_panel_and_query(fixture: str) -> None:
    assert_reported(lint_fixture(fixture), *EXPECTED[fixture])


@pytest.mark.parametrize("fixture", sorted(SCHEMA_EXPECTED))
def test_each_broken_schema_rule_is_reported_by_grafanas_json_schemas(
    fixture: str, schema_paths: Paths
) -> None:
    assert_reported(lint_fixture(fixture, schema_paths), *SCHEMA_EXPECTED[fixture])


@pytest.mark.parametrize("fixture", sorted(SDK_EXPECTED))
def test_each_broken_schema_rule_is_reported_by_the_sdk_models(
    fixture: str, sdk_paths: Paths
) -> None:
    assert_reported(lint_fixture(fixture, sdk_paths), *SDK_EXPECTED[fixture])


@pytest.mark.parametrize(
    "uid",
    ["leaky-tokens-" + "x" * 28, "leaky-tokens-a.b", "leaky-tokens-a b", "leaky-tokens-ä"],
)
def test_dashboard_uid_breaking_grafanas_rule_is_an_error(uid: str) -> None:
    fixture = compile_fixture("clean")
    dashboard = Dashboard(name=uid, source=fixture.source, model=fixture.model | {"uid": uid})
    report = lint(Project(Paths()), [dashboard], ci=False, check_sources=False)
    assert [(str(f.where), f.rule) for f in report.findings] == [(uid, "uid-grafana")]
    assert "1 to 40 characters of A-Z a-z 0-9 _ -" in report.findings[0].message


def test_forty_character_uid_is_grafana_valid() -> None:
    uid = "leaky-tokens-" + "x" * 27
    fixture = compile_fixture("clean")
    dashboard = Dashboard(name=uid, source=fixture.source, model=fixture.model | {"uid": uid})
    report = lint(Project(Paths()), [dashboard], ci=False, check_sources=False)
    assert report.findings == []


def test_schema_failure_names_the_specific_cause_not_the_any_of_wrapper(
    schema_paths: Paths,
) -> None:
    (finding,) = lint_fixture("schema-options", schema_paths).findings
    assert "is not valid under any of the given schemas" not in finding.message


def test_summary_counts_findings_per_rule() -> None:
    report = lint(
        Project(),
        [compile_fixture("rate-window"), compile_fixture("tags")],
        ci=False,
        check_sources=False,
    )
    lines = report.summary()
    assert lines[0].startswith("lint: 2 dashboards; 2 error(s), 0 warning(s), 0 waived")
    assert [line.split() for line in lines[1:]] == [
        ["rate-window", "1", "error"],
        ["tags", "1", "error"],
    ]
