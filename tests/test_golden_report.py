"""The golden diff speaks a reviewer's language: dashboard › panel title › field, old → new."""

from __future__ import annotations

import json

import pytest
import yaml

from leaky_dashboards import build
from leaky_dashboards.changes import compare, dashboard_changes, describe
from leaky_dashboards.errors import DriftError
from leaky_dashboards.project import Project
from leaky_dashboards.settings import Installation, Paths

OVERVIEW = "dashboards/leaky-tokens-overview.json"


def _drift_lines(tree: Paths, installation: Installation) -> list[str]:
    lines: list[str] = []
    with pytest.raises(DriftError) as raised:
        build.run(Project(tree, installation), echo=lines.append)
    assert "invoke golden-update" in str(raised.value)
    return lines


def test_changed_query_is_reported_by_panel_title_and_refid_with_old_and_new(
    tree: Paths, installation: Installation
) -> None:
    golden = tree.golden / OVERVIEW
    model = json.loads(golden.read_text())
    panel = next(p for p in model["panels"] if p["title"] == "🔥 Requests per minute")
    rendered_expr = panel["targets"][0]["expr"]
    panel["targets"][0]["expr"] = "sum(rate(old_metric[5m]))"
    golden.write_text(json.dumps(model))
    lines = _drift_lines(tree, installation)
    expected = (
        f"🚀 Executive Overview › 🔥 Requests per minute › targets[A].expr: "
        f'"sum(rate(old_metric[5m]))" → {json.dumps(rendered_expr)}'
    )
    assert any(line.strip() == expected for line in lines), lines


def _at(title: str, x: int, panel_id: int, kind: str = "stat") -> dict[str, object]:
    return {
        "title": title,
        "type": kind,
        "id": panel_id,
        "gridPos": {"x": x, "y": 0, "w": 4, "h": 4},
    }


def test_panels_are_matched_by_title_so_an_inserted_panel_reads_as_one_addition() -> None:
    old = {"title": "D", "panels": [_at("a", 0, 1), _at("b", 4, 2)]}
    new = {"title": "D", "panels": [_at("x", 0, 1), _at("a", 4, 1), _at("b", 8, 2)]}
    assert dashboard_changes(old, new) == [
        "D › panel added: 'x' (stat, above the rows, place 1 (x 0, y 0))"
    ]


def test_removed_panel_and_dashboard_field_changes_are_reported() -> None:
    old = {"title": "D", "refresh": "10s", "panels": [{"title": "a", "type": "stat"}]}
    new = {"title": "D", "refresh": "30s", "panels": []}
    assert dashboard_changes(old, new) == [
        'D › (dashboard) › refresh: "10s" → "30s"',
        "D › panel removed: 'a' (stat)",
    ]


def test_dashboard_without_golden_file_is_new_and_golden_without_source_is_removed(
    tree: Paths, installation: Installation
) -> None:
    # Rename the golden copy, not the source: lint requires a dashboard's uid to match its file.
    retired = "dashboards/leaky-tokens-retired.json"
    (tree.golden / OVERVIEW).rename(tree.golden / retired)
    lines = _drift_lines(tree, installation)
    assert f"{OVERVIEW}: new" in lines
    assert f"{retired}: removed" in lines


def test_identical_files_report_nothing() -> None:
    assert compare({"a.json": b"{}\n"}, {"a.json": b"{}\n"}) == []


def test_hand_formatted_golden_with_same_content_asks_for_canonical_form() -> None:
    [change] = compare({"a.json": b'{\n  "a": 1\n}\n'}, {"a.json": b'{"a": 1}'})
    assert "canonical" in change.details[0]


def test_yaml_list_items_are_named_by_their_identity_not_their_index() -> None:
    rule = {"alert": "HeapHigh", "expr": "x > 0.7", "labels": {"severity": "warning"}}
    other = {"alert": "HeapHigh", "expr": "x > 0.85", "labels": {"severity": "critical"}}
    old = yaml.safe_dump({"groups": [{"name": "g", "rules": [rule, other]}]}).encode()
    moved = {**rule, "expr": "x > 0.75"}
    new = yaml.safe_dump({"groups": [{"name": "g", "rules": [other, moved]}]}).encode()
    assert describe("rules.yaml", old, new) == ['HeapHigh (warning) › expr: "x > 0.7" → "x > 0.75"']


def test_other_yaml_list_items_are_named_by_their_identity_not_their_index() -> None:
    source = {"name": "Prometheus", "url": "http://a"}
    old = yaml.safe_dump({"datasources": [{"name": "Loki"}, source]}).encode()
    new = yaml.safe_dump({"datasources": [source | {"url": "http://b"}, {"name": "Loki"}]}).encode()
    assert describe("d.yaml", old, new) == ['datasources[Prometheus].url: "http://a" → "http://b"']


def test_a_variable_change_names_the_variable() -> None:
    old = {"title": "D", "templating": {"list": [{"name": "a", "query": "q1"}]}, "panels": []}
    new = {"title": "D", "templating": {"list": [{"name": "a", "query": "q2"}]}, "panels": []}
    assert dashboard_changes(old, new) == [
        'D › (dashboard) › templating.list[a].query: "q1" → "q2"'
    ]


def test_a_new_dashboard_lists_its_panels_without_its_rows() -> None:
    model = {
        "title": "D",
        "panels": [{"type": "row", "title": "R"}, {"type": "stat", "title": "s"}],
    }
    [change] = compare({"dashboards/d.json": json.dumps(model).encode()}, {})
    assert change.status == "new" and change.details == ["D: 1 panels: s"]


def test_a_long_value_is_cut_in_the_golden_report() -> None:
    old = {"title": "D", "panels": [{"title": "P", "type": "stat", "description": "short"}]}
    new = {"title": "D", "panels": [{"title": "P", "type": "stat", "description": "x" * 10**6}]}
    [line] = dashboard_changes(old, new)
    assert line.startswith("D › P › description: [-short-] {+xxx")  # a word diff
    assert line.endswith(" more characters)") and len(line) < 2_100
