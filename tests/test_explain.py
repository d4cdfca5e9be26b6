"""`invoke explain KEY`: a panel's rendered queries, where each part comes from, its levels' row."""

from __future__ import annotations

import re

import pytest

from leaky_dashboards import cli, explain
from leaky_dashboards.project import Project
from leaky_dashboards.settings import ROOT, Paths


def line_of(file: str, pattern: str, after: str | None = None) -> str:
    """`file:N`, N the first line matching `pattern` (below the first matching `after`)."""
    lines = (ROOT / file).read_text(encoding="utf-8").splitlines()
    start = 0
    if after is not None:
        start = next(n for n, text in enumerate(lines) if re.search(after, text))
    number = next(n for n, text in enumerate(lines[start:], start + 1) if re.search(pattern, text))
    return f"{file}:{number}"


@pytest.fixture(scope="module")
def error_rate() -> list[str]:
    return list(explain.lines(Project(), "errorRate"))


def test_explain_names_the_domain_line_and_every_dashboard_listing_the_panel(
    error_rate: list[str],
) -> None:
    assert error_rate[0] == "errorRate: ❌ Error rate (stat, unit percentunit)"
    defined = line_of("libsonnet/traffic.libsonnet", r"^\s*errorRate\s*:")
    assert error_rate[1].startswith(f"  defined: {defined}, built by panels.stat (")
    listed = line_of("dashboards/leaky-tokens-overview.jsonnet", r"p\.errorRate\b")
    assert any(
        line.startswith("  shown on: 🚀 Executive Overview (leaky-tokens-overview)")
        and line.endswith(f"listed at {listed}")
        for line in error_rate
    )


def test_explain_prints_each_rendered_query_and_where_each_series_comes_from(
    error_rate: list[str],
) -> None:
    [panel] = [s.panel for s in explain.find(Project(), "errorRate")]
    expr = panel["targets"][0]["expr"]
    text = "\n".join(error_rate)
    assert "\n".join(f"    {line}" for line in expr.splitlines()) in text
    # the recorded series, its rule's expression, and the raw series with its catalog line
    assert "application:http_server_requests_errors:rate5m: recorded series" in text
    catalog = line_of("libsonnet/metrics.libsonnet", r"timer\('http_server_requests_seconds'")
    measure = line_of("libsonnet/measures.libsonnet", r"'http_server_requests_seconds'")
    assert f"http_server_requests_seconds_count: catalog {catalog}, measure {measure}" in text


def test_explain_gives_the_config_line_of_the_threshold_row_or_slo_objective(
    error_rate: list[str],
) -> None:
    row = line_of("libsonnet/config.libsonnet", r"^\s*errorRate\s*:", after=r"^\s*thresholds\s*:")
    assert error_rate[-1] == (
        "  thresholds: green, yellow ≥ 1%, red ≥ 5%: thresholds.errorRate (warning 0.01, "
        f"critical 0.05) at {row}"
    )
    slo = list(explain.lines(Project(), "sloLatency"))
    objective = line_of("libsonnet/config.libsonnet", r"^\s*objective:\s*0\.98\b")
    assert slo[-1].endswith(f": slo.objectives.latency.objective 0.98 at {objective}")


def test_an_unknown_key_exits_2_naming_the_close_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.explain("errorRat") == 2
    err = capsys.readouterr().err
    assert "no dashboard shows a panel with key 'errorRat'" in err and "errorRate" in err


def test_explain_follows_a_threshold_change_in_the_tree_it_reads(tree: Paths) -> None:
    config = tree.libsonnet / "config.libsonnet"
    text = config.read_text()
    assert "warning: 0.01, critical: 0.05" in text
    config.write_text(
        text.replace("warning: 0.01, critical: 0.05", "warning: 0.02, critical: 0.05")
    )
    printed = list(explain.lines(Project(tree), "errorRate"))
    assert printed[-1].startswith(
        "  thresholds: green, yellow ≥ 2%, red ≥ 5%: thresholds.errorRate (warning 0.02, "
    )
