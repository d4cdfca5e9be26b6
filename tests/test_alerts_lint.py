"""Mixin-style lint of alert rules: names, severity, annotations, duplicates."""

from __future__ import annotations

from typing import Any

import pytest

from leaky_dashboards.alerts import rules
from leaky_dashboards.alerts_lint import lint
from leaky_dashboards.project import Project
from leaky_dashboards.render import compile_all
from leaky_dashboards.settings import Installation, Paths

ANNOTATIONS = {
    "summary": "s",
    "description": "d",
    "runbook_url": "docs.md#runbook-leakytokenserrorratehigh",
    "dashboard_url": "http://grafana/d/x?viewPanel=1",
}


def rule(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "alert": "LeakyTokensErrorRateHigh",
        "expr": "up == 0",
        "for": "5m",
        "labels": {"severity": "warning"},
        "annotations": ANNOTATIONS,
    }
    return base | changes


def document(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"groups": [{"name": "g", "rules": list(rules)}]}


def test_a_rule_following_the_conventions_passes() -> None:
    assert lint(document(rule(), rule(labels={"severity": "critical"}))) == []


def test_the_generated_rules_pass() -> None:
    library = Project().library
    document = rules(compile_all(Paths(), Installation(), "go"), library)
    assert lint(document, library.catalog()) == []


def described(expr: str, summary: str) -> dict[str, Any]:
    return rule(expr=expr, annotations=ANNOTATIONS | {"summary": summary})


@pytest.mark.parametrize(
    ("expr", "summary"),
    [
        ("up == 0", "{{ $labels.instance }} of {{ $labels.job }} is down"),
        ("max by (job) (up) == 0", "{{ $labels.job }} ({{ $labels.severity }})"),
        (
            "sum by (provider) (increase(token_consume_total[5m])) > 5",
            "failures for {{ $labels.provider }}",
        ),
    ],
)
def test_annotations_may_print_the_labels_the_alert_carries(expr: str, summary: str) -> None:
    library = Project().library
    assert lint(document(described(expr, summary)), library.catalog()) == []


def test_annotations_may_not_print_a_label_the_expression_drops() -> None:
    library = Project().library
    # `up` is made by Prometheus: it has no application; `max by (job)` drops the instance.
    found = lint(
        document(
            described("up == 0", "down on {{ $labels.application }}"),
            described("max by (job) (up) == 0", "{{ $labels.instance }}")
            | {"labels": {"severity": "critical"}},
        ),
        library.catalog(),
    )
    assert found == [
        "LeakyTokensErrorRateHigh (warning): annotations print {{ $labels.application }}, a label "
        "the alert does not carry (it carries: alertname, instance, job, severity)",
        "LeakyTokensErrorRateHigh (critical): annotations print {{ $labels.instance }}, a label "
        "the alert does not carry (it carries: alertname, job, severity)",
    ]


@pytest.mark.parametrize(
    "name", ["leakyTokensDown", "Leaky_Tokens_Down", "LEAKYDOWN", "Leaky tokens"]
)
def test_alert_names_must_be_camel_case(name: str) -> None:
    assert lint(document(rule(alert=name))) == [f"{name} (warning): alert name is not CamelCase"]


def test_a_severity_label_is_required_and_must_be_known() -> None:
    assert lint(document(rule(labels={}))) == [
        "LeakyTokensErrorRateHigh (no severity): "
        "severity label must be one of warning, critical, info"
    ]
    assert "severity label must be one of" in lint(document(rule(labels={"severity": "page"})))[0]


@pytest.mark.parametrize("missing", ["summary", "description"])
def test_summary_and_description_are_required(missing: str) -> None:
    annotations = dict(ANNOTATIONS)
    annotations[missing] = " "
    assert lint(document(rule(annotations=annotations))) == [
        f"LeakyTokensErrorRateHigh (warning): no {missing} annotation"
    ]


def test_a_for_duration_is_required() -> None:
    without = rule()
    del without["for"]
    assert lint(document(without)) == ["LeakyTokensErrorRateHigh (warning): no `for` duration"]


def test_two_alerts_may_not_share_a_name_and_a_severity() -> None:
    assert lint(document(rule(), rule(expr="up == 1"))) == [
        "LeakyTokensErrorRateHigh (warning): another alert has the same name and severity"
    ]


def test_recording_rules_are_left_alone() -> None:
    assert lint(document({"record": "job:up:sum", "expr": "sum(up)"})) == []
