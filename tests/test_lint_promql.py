"""PromQL as Grafana writes it, and the contract checker's label tracking through operators."""

from __future__ import annotations

from datetime import timedelta

import pytest

from leaky_dashboards.grafana import variable_query
from leaky_dashboards.lint.contract import Checker
from leaky_dashboards.project import Project
from leaky_dashboards.promql import MARKER, parse, substitute


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker(Project().library.catalog())


def rules(checker: Checker, expr: str) -> list[str]:
    query = parse(expr)
    assert query.error is None, query.error
    return [rule for rule, _ in checker.check(query)]


def test_variables_become_placeholders_of_the_right_kind() -> None:
    text, windows = substitute(
        'sum(rate(x{a=~"${service:regex}"}[$__rate_interval])) / $__range_s offset $time_range'
    )
    assert f'a=~"{MARKER}"' in text
    assert "/ 1 " in text
    assert sorted(windows.values()) == ["__rate_interval", "time_range"]


def test_window_placeholder_maps_back_to_its_variable_and_literals_stay_literal() -> None:
    query = parse("increase(x[$time_range]) + rate(x[5m])")
    assert query.error is None
    assert query.window(timedelta(minutes=5)) is None
    [placeholder] = query.windows
    assert query.window(placeholder) == "time_range"


def test_parser_message_is_kept_for_a_syntax_error() -> None:
    assert parse("sum(rate(x[5m])").error == "unclosed left parenthesis"


def test_label_values_variable_query_splits_metric_and_label() -> None:
    asked = variable_query('label_values(token_consume_total{outcome="allowed"}, provider)')
    assert (asked.expr, asked.label) == ('token_consume_total{outcome="allowed"}', "provider")
    assert variable_query("label_values(provider)").expr is None


def test_label_made_by_label_replace_is_known_downstream(checker: Checker) -> None:
    expr = 'sum by (service) (label_replace(up, "service", "$1", "job", "(.*)"))'
    assert rules(checker, expr) == []
    assert rules(checker, "sum by (service) (up)") == ["label-unknown"]


def test_label_replace_source_must_exist(checker: Checker) -> None:
    expr = 'label_replace(up, "service", "$1", "application", "(.*)")'
    assert rules(checker, expr) == ["label-unknown"]


def test_on_labels_are_checked_on_both_sides(checker: Checker) -> None:
    ok = "jvm_memory_used_bytes and on (application, id) jvm_memory_max_bytes"
    assert rules(checker, ok) == []
    assert rules(checker, "jvm_memory_used_bytes and on (application) up") == ["label-unknown"]


def test_grouping_after_aggregation_only_sees_the_kept_labels(checker: Checker) -> None:
    inner = "sum by (application) (rate(http_server_requests_seconds_count[5m]))"
    assert rules(checker, f"sum by (uri) ({inner})") == ["label-unknown"]
    assert rules(checker, f"topk(3, {inner})") == []
    kept = "sum without (instance) (rate(http_server_requests_seconds_count[5m]))"
    assert rules(checker, f"sum by (uri) ({kept})") == []


def test_le_exists_only_on_histogram_buckets(checker: Checker) -> None:
    assert rules(checker, 'http_server_requests_seconds_count{le="0.5"}') == [
        "label-unknown",
        "counter-without-rate",
    ]
    expr = "histogram_quantile(0.5, sum by (le) (rate(http_server_requests_seconds_bucket[5m])))"
    assert rules(checker, expr) == []


def test_counter_inside_rate_is_fine_and_gauges_need_no_rate(checker: Checker) -> None:
    assert rules(checker, "sum(increase(token_purchase_saga_failed_total[1h]))") == []
    assert rules(checker, "max(jvm_threads_live_threads)") == []


def test_a_counter_may_be_tested_for_presence_with_group(checker: Checker) -> None:
    """group() reads which series exist, never a value: the zero fallback of a count."""
    rate = "sum(rate(auth_login_total[5m]))"
    assert rules(checker, f"{rate} or 0 * group(auth_login_total)") == []
    assert rules(checker, "group(auth_login_total or auth_register_total)") == []
    # `or` passes values through: a raw counter beside it is still read as a value.
    assert rules(checker, "sum(auth_login_total or auth_register_total)") == [
        "counter-without-rate",
        "counter-without-rate",
    ]


def test_regex_with_wildcards_is_not_value_checked_but_literal_alternation_is(
    checker: Checker,
) -> None:
    assert rules(checker, 'rate(gateway_rate_limit_total{outcome=~"block.*"}[5m])') == []
    expr = 'rate(gateway_rate_limit_total{outcome=~"allowed|blockd"}[5m])'
    assert rules(checker, expr) == ["label-value-unknown"]


def test_functions_with_number_parameters_keep_their_vector_labels(checker: Checker) -> None:
    rate = "rate(http_server_requests_seconds_count[5m])"
    assert rules(checker, f"sum by (application) (clamp_min({rate}, 0))") == []
    assert rules(checker, f"sum by (application) (round({rate}, 0.1))") == []
    assert rules(checker, f"sum by (nope) (clamp_min({rate}, 0))") == ["label-unknown"]
