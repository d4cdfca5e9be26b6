"""Grafana's query-time arithmetic and interpolation, as verify reproduces it."""

from __future__ import annotations

import pytest

from leaky_dashboards import grafana
from leaky_dashboards.grafana import ALL, Variable

SERVICE = Variable("service", "query", ("api-gateway", "auth-server"), True, True, ".*")


@pytest.mark.parametrize(
    ("raw_ms", "rounded_ms"),
    [
        (86_400, 60_000),
        (270_000, 300_000),
        (3_400, 2_000),
        (3_600, 5_000),
        (14_000, 15_000),
        (1_000_000, 900_000),
    ],
)
def test_intervals_round_like_grafana(raw_ms: int, rounded_ms: int) -> None:
    assert grafana.round_interval(raw_ms) == rounded_ms


def test_a_day_on_a_narrow_panel_steps_five_minutes_and_rate_interval_adds_a_scrape() -> None:
    iv = grafana.interval(86400, 320, 15, 15)  # 4 columns ≈ 320 px
    assert iv.step == 300
    assert iv.macros()["__rate_interval"] == "315s"
    assert iv.macros()["__interval"] == "300s"


def test_short_ranges_stop_at_the_min_interval_and_rate_interval_at_four_scrapes() -> None:
    iv = grafana.interval(3600, 1000, 15, 15)
    assert iv.step == 15
    assert iv.macros()["__rate_interval"] == "60s"


def test_range_macros_are_whole_seconds() -> None:
    macros = grafana.interval(86400, 1000, 15, 15).macros()
    assert (macros["__range"], macros["__range_s"], macros["__range_ms"]) == (
        "86400s",
        "86400",
        "86400000",
    )


def test_all_uses_the_variables_all_value() -> None:
    assert SERVICE.render(ALL) == ".*"


def test_all_without_all_value_is_the_alternation_of_every_value() -> None:
    variable = Variable("service", "query", ("a.b", "c"), True, True, None)
    assert variable.render(ALL) == "(a\\\\.b|c)"


def test_several_values_become_an_escaped_alternation() -> None:
    assert SERVICE.render(["api-gateway", "x+y"]) == "(api-gateway|x\\\\+y)"


def test_a_single_value_variable_is_inserted_as_is() -> None:
    window = Variable("time_range", "custom", ("1h", "24h"))
    assert window.render("24h") == "24h"


def test_interpolation_handles_every_reference_form_and_leaves_unknown_names() -> None:
    macros = grafana.interval(86400, 1000, 15, 15).macros()
    expr = 'rate(x{a=~"$service", b=~"${service}", c=~"[[service]]", d="$nope"}[$__rate_interval])'
    result = grafana.interpolate(expr, {"service": "s"}, macros)
    assert result == 'rate(x{a=~"s", b=~"s", c=~"s", d="$nope"}[75s])'


def test_a_longer_variable_name_is_not_taken_for_a_shorter_one() -> None:
    assert grafana.interpolate("$service_x $service", {"service": "s"}, {}) == "$service_x s"


def test_durations_parse_in_grafana_units() -> None:
    assert [grafana.parse_duration(d) for d in ("15s", "5m", "1h", ">30s", "500ms")] == [
        15,
        300,
        3600,
        30,
        0.5,
    ]


def test_prometheus_compound_durations_parse_to_their_sum() -> None:
    assert grafana.parse_duration("1m30s") == 90
    assert grafana.parse_duration("1h5m") == 3900
    for bad in ("", "15", "s", "1m 30s", "15x"):
        with pytest.raises(ValueError):
            grafana.parse_duration(bad)


def test_references_name_every_variable_form_once() -> None:
    text = 'x{a=~"$service", b="${provider:regex}", c="[[old]]", d="[[fmt:csv]]"}[$__range] $a_b'
    assert grafana.references(text) == {"service", "provider", "old", "fmt", "__range", "a_b"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            'label_values(up{job="x"}, instance)',
            grafana.VariableQuery("label_values", 'up{job="x"}', "instance"),
        ),
        ("label_values(provider)", grafana.VariableQuery("label_values", None, "provider")),
        ("query_result(sum by (a) (up))", grafana.VariableQuery("query_result", "sum by (a) (up)")),
        ("metrics(^jvm_.*)", grafana.VariableQuery("metrics", regex="^jvm_.*")),
        ("label_names()", grafana.VariableQuery("label_names")),
        ("up{job='x'}", grafana.VariableQuery("expr", "up{job='x'}")),
    ],
)
def test_variable_queries_are_read_by_their_grammar(
    query: str, expected: grafana.VariableQuery
) -> None:
    assert grafana.variable_query(query) == expected
