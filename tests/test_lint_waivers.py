"""Waivers: one panel, one rule, a reason; shown in the summary and never written to the JSON."""

from __future__ import annotations

import json

from leaky_dashboards.artifacts import dashboard_files
from leaky_dashboards.model import strip_library_fields
from leaky_dashboards.project import Project

from .test_lint_rules import NAME, SERIES, STAT, compile_fixture, lint_fixture, placed


def test_reasoned_waiver_silences_its_rule_on_its_panel_and_is_listed() -> None:
    report = lint_fixture("waiver")
    assert report.findings == []
    [(finding, waiver)] = report.waived
    assert (str(finding.where), finding.rule) == (STAT, "panel-description")
    assert (str(waiver.where), waiver.rule) == (STAT, "panel-description")
    lines = list(report.lines())
    assert f"waived: {STAT} › panel-description: a fixture: the title says it all" in lines
    assert [line.split() for line in lines[-1:]] == [["panel-description", "1", "waived"]]


def test_waiver_without_reason_is_an_error_and_waives_nothing() -> None:
    report = lint_fixture("waiver-no-reason")
    assert placed(report) == [(STAT, "panel-description"), (STAT, "waiver")]
    assert "gives no reason" in next(f.message for f in report.findings if f.rule == "waiver")


def test_waiver_of_unknown_rule_is_an_error() -> None:
    report = lint_fixture("waiver-unknown-rule")
    assert placed(report) == [(STAT, "waiver")]
    assert "'panel-colour'" in report.findings[0].message


def test_waiver_covers_only_its_own_panel_and_an_unused_one_is_flagged() -> None:
    report = lint_fixture("waiver-other-panel")
    assert [(str(f.where), f.rule) for f in report.errors] == [(SERIES, "panel-description")]
    warnings = [(str(f.where), f.rule) for f in report.findings if f.severity == "warning"]
    assert warnings == [(STAT, "waiver")]


def test_dashboard_wide_waiver_is_refused() -> None:
    report = lint_fixture("waiver-on-dashboard")
    assert placed(report) == [(NAME, "refresh"), (NAME, "waiver")]


def test_waivers_are_stripped_from_written_json_and_from_what_the_schema_sees() -> None:
    dashboard = compile_fixture("waiver")
    assert "lintWaivers" in dashboard.model["panels"][1]
    # The schema forbids unknown panel fields; the waiver fixture still lints clean.
    assert lint_fixture("waiver").findings == []
    [written] = dashboard_files([dashboard], Project().library).values()
    assert "lintWaivers" not in json.loads(written)["panels"][1]
    assert "lintWaivers" not in strip_library_fields(dashboard.model)["panels"][1]
    assert "lintWaivers" in dashboard.model["panels"][1]  # the compiled model is not mutated
