"""The schema check from grafana-foundation-sdk's models (a clone with nothing beside it): every
field the models drop or retype, and every value their declared types refuse, named by
dashboard › panel."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from leaky_dashboards.lint import Report, lint, sdk
from leaky_dashboards.project import Project
from leaky_dashboards.render import Dashboard
from leaky_dashboards.settings import ROOT, Paths

from .test_lint_rules import NAME, SERIES, STAT, compile_fixture


def lint_model(model: dict[str, Any], paths: Paths) -> Report:
    source = compile_fixture("clean").source
    dashboard = Dashboard(name=NAME, source=source, model=model)
    return lint(Project(paths), [dashboard], ci=False, check_sources=False)


def findings(report: Report) -> list[tuple[str, str, str]]:
    return sorted((str(f.where), f.rule, f.message) for f in report.findings)


@pytest.mark.parametrize("path", sorted((ROOT / "golden" / "dashboards").glob("*.json")))
def test_the_committed_dashboards_round_trip_through_the_models_unchanged(path: Any) -> None:
    assert list(sdk.check(json.loads(path.read_text(encoding="utf-8")))) == []


def test_the_models_are_the_release_the_json_schemas_come_from() -> None:
    assert sdk.version() == "0.0.18"
    assert len(sdk.units()) > 250 and {"percentunit", "reqps", "s"} <= sdk.units()


def mutated(change: Any) -> dict[str, Any]:
    model = copy.deepcopy(compile_fixture("clean").model)
    change(model)
    return model


def stat(model: dict[str, Any]) -> dict[str, Any]:
    panel: dict[str, Any] = next(p for p in model["panels"] if p["type"] == "stat")
    return panel


def series(model: dict[str, Any]) -> dict[str, Any]:
    panel: dict[str, Any] = next(p for p in model["panels"] if p["type"] == "timeseries")
    return panel


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda m: stat(m)["gridPos"].update(x="0"),
            (STAT, "schema-panel", 'gridPos.x: "0" is not a whole number'),
        ),
        (
            lambda m: stat(m).update(options=[]),
            (STAT, "schema-options", "options: [] is not an object"),
        ),
        (
            lambda m: stat(m)["options"]["reduceOptions"].update(colour="red"),
            (STAT, "schema-options", "options.reduceOptions.colour: dropped by Grafana's model"),
        ),
        (
            lambda m: stat(m)["options"].update(wideLayout=None),
            (STAT, "schema-options", "options.wideLayout: is null; Grafana's model expects"),
        ),
        (
            lambda m: series(m)["fieldConfig"]["defaults"]["custom"].update(lineWidth="2"),
            (SERIES, "schema-field-config", 'custom.lineWidth: "2" is not a number'),
        ),
        (
            lambda m: series(m)["fieldConfig"]["defaults"].update(decimalz=2),
            (SERIES, "schema-field-config", "fieldConfig.defaults.decimalz: dropped"),
        ),
        (
            lambda m: stat(m)["targets"][0].update(instant="yes"),
            (f"{STAT} › refId A", "schema-target", 'instant: "yes" is not a boolean'),
        ),
        (
            lambda m: m.update(tags="leaky-tokens"),
            (NAME, "schema-dashboard", 'tags: "leaky-tokens" is not an array'),
        ),
    ],
    ids=[
        "string-for-int",
        "array-for-object",
        "nested-unknown-field",
        "null-for-boolean",
        "custom-string-for-number",
        "field-config-unknown",
        "target-string-for-boolean",
        "dashboard-string-for-array",
    ],
)
def test_a_field_the_models_drop_or_a_value_their_types_refuse_is_named_by_panel(
    change: Any, expected: tuple[str, str, str], sdk_paths: Paths
) -> None:
    report = lint_model(mutated(change), sdk_paths)
    found = [f for f in findings(report) if f[1].startswith("schema")]
    where, rule, words = expected
    assert [(w, r) for w, r, _ in found] == [(where, rule)], found
    assert words in found[0][2]
