"""Template variables resolved as Grafana does: which API call, chaining, regex, options."""

from __future__ import annotations

from typing import Any

from leaky_dashboards import grafana
from leaky_dashboards.grafana import ALL
from leaky_dashboards.verify import variables
from leaky_dashboards.verify.promapi import Answer


class RecordingClient:
    """Answers label-values calls from a table and records what was asked."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.calls: list[tuple[str, str | None, float, float]] = []

    def label_values(
        self, label: str, match: str | None, start: float, end: float
    ) -> tuple[list[str], str | None]:
        self.calls.append((label, match, start, end))
        return self.table.get(label, []), None

    def query(self, expr: str, at: float) -> Answer:
        self.calls.append(("query", expr, at, at))
        return Answer([{"metric": {"__name__": "up", "job": "a"}, "value": [at, "1"]}], None, 0.0)


def dashboard(*specs: dict[str, Any]) -> dict[str, Any]:
    return {"templating": {"list": [{"type": "datasource", "name": "datasource"}, *specs]}}


def query_var(name: str, query: str, **extra: Any) -> dict[str, Any]:
    return {"type": "query", "name": name, "query": {"query": query}} | extra


def test_label_values_with_a_selector_asks_the_label_endpoint_with_match_over_the_range() -> None:
    client = RecordingClient({"application": ["b", "a"]})
    spec = query_var("service", 'label_values(up{job=~"x", env="y"}, application)')
    resolved = variables.resolve(client, dashboard(spec), 100, 200, 100)
    assert client.calls == [("application", 'up{job=~"x", env="y"}', 100, 200)]
    assert resolved.variables[0].values == ("b", "a")
    assert resolved.problems == []


def test_label_values_without_a_selector_asks_without_match() -> None:
    client = RecordingClient({"provider": ["openai"]})
    variables.resolve(client, dashboard(query_var("p", "label_values(provider)")), 0, 1, 1)
    assert client.calls == [("provider", None, 0, 1)]


def test_a_later_variable_query_sees_earlier_ones_at_all() -> None:
    client = RecordingClient({"application": ["a"], "instance": ["i"]})
    first = query_var("service", "label_values(up, application)", includeAll=True, allValue=".*")
    second = query_var("instance", 'label_values(up{application=~"$service"}, instance)')
    variables.resolve(client, dashboard(first, second), 0, 1, 1)
    assert client.calls[1][1] == 'up{application=~".*"}'


def test_an_empty_value_list_is_a_problem_naming_the_query() -> None:
    client = RecordingClient({})
    resolved = variables.resolve(
        client,
        dashboard(query_var("service", "label_values(nothing, application)")),
        0,
        1,
        1,
    )
    assert resolved.problems == [
        ("service", "label_values(nothing, application) returned no values")
    ]


def test_the_variable_regex_filters_and_its_group_picks_the_value() -> None:
    values = ["api-gateway-1:8080", "auth-server-1:8081", "other"]
    assert grafana.apply_regex(values, "/(.*)-1:.*/") == ["api-gateway", "auth-server"]
    assert grafana.apply_regex(values, "") == values


def test_custom_variables_take_their_options_and_default_to_the_current_value() -> None:
    spec = {
        "type": "custom",
        "name": "time_range",
        "query": "1h,24h",
        "current": {"value": "24h"},
        "options": [{"value": "1h"}, {"value": "24h"}],
    }
    resolved = variables.resolve(RecordingClient({}), dashboard(spec), 0, 1, 1)
    assert resolved.variables[0].values == ("1h", "24h")
    assert resolved.defaults == {"time_range": "24h"}


def test_a_variable_with_all_defaults_to_all_and_the_datasource_variable_is_skipped() -> None:
    spec = query_var("service", "label_values(application)", includeAll=True, multi=True)
    resolved = variables.resolve(RecordingClient({"application": ["a"]}), dashboard(spec), 0, 1, 1)
    assert [v.name for v in resolved.variables] == ["service"]
    assert resolved.defaults == {"service": ALL}


def test_query_result_values_are_whole_series_lines() -> None:
    client = RecordingClient({})
    spec = query_var("s", "query_result(up)")
    resolved = variables.resolve(client, dashboard(spec), 0, 5, 5)
    assert resolved.variables[0].values == ('up{job="a"} 1 5000',)


def test_an_unsupported_query_is_a_problem() -> None:
    resolved = variables.resolve(
        RecordingClient({}),
        dashboard(query_var("x", "something_else(up)")),
        0,
        1,
        1,
    )
    assert resolved.problems[0][0] == "x"
    assert "unsupported variable query" in resolved.problems[0][1]
