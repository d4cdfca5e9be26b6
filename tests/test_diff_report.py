"""`invoke diff`: a Markdown report a reviewer reads in a pull request, panel by panel."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from leaky_dashboards.review import report
from leaky_dashboards.review.compare import compare_all
from leaky_dashboards.settings import ROOT

OVERVIEW = "leaky-tokens-overview"


def _golden() -> dict[str, Any]:
    model: dict[str, Any] = json.loads(
        (ROOT / "golden" / "dashboards" / f"{OVERVIEW}.json").read_text(encoding="utf-8")
    )
    return model


def _panel(model: dict[str, Any], index: int = 0) -> dict[str, Any]:
    panels = [p for p in model["panels"] if p["type"] != "row"]
    panel: dict[str, Any] = panels[index]
    return panel


def _report(old: dict[str, Any], new: dict[str, Any]) -> str:
    return report.render(compare_all({OVERVIEW: old}, {OVERVIEW: new}), "golden", "working tree")


def test_identical_dashboards_give_an_empty_report() -> None:
    model = _golden()
    assert _report(model, copy.deepcopy(model)) == ""


def test_changed_query_is_shown_whole_before_and_after_under_its_panel() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    panel = _panel(new)
    before = panel["targets"][0]["expr"]
    after = 'sum(rate(http_server_requests_seconds_count{status=~"5.."}[5m]))\n* 60'
    panel["targets"][0]["expr"] = after
    text = _report(old, new)
    assert f"#### {panel['title']} (stat)" in text
    assert "panels 0 added, 0 removed, 0 moved, 1 changed" in text
    ref = panel["targets"][0]["refId"]
    assert f"Query `{ref}` before:\n\n```promql\n{before}\n```" in text
    assert f"after:\n\n```promql\n{after}\n```" in text


def test_moved_panel_reports_from_and_to_position_and_counts_as_moved_not_changed() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    a, b = _panel(new, 0), _panel(new, 1)
    a["gridPos"]["x"], b["gridPos"]["x"] = b["gridPos"]["x"], a["gridPos"]["x"]
    text = _report(old, new)
    assert "panels 0 added, 0 removed, 2 moved, 0 changed" in text
    x0, x1 = b["gridPos"]["x"], a["gridPos"]["x"]
    row = "row “Key metrics”"
    assert f"| `position` | `{row}, x {x0}, y 1, 4×5` | `{row}, x {x1}, y 1, 4×5` |" in text


def test_panels_sliding_down_under_a_grown_row_are_not_reported_as_moved() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    for panel in new["panels"]:
        if panel["gridPos"]["y"] >= 6:  # everything below the first row shifts by 2
            panel["gridPos"]["y"] += 2
    first = _panel(new, 0)
    first["gridPos"]["h"] += 2
    text = _report(old, new)
    assert "panels 0 added, 0 removed, 1 moved, 0 changed" in text
    assert text.count("`position`") == 1


def test_added_and_removed_panels_are_listed_and_counted() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    gone = new["panels"].pop(2)
    extra = copy.deepcopy(_panel(new, 3))
    extra["title"] = "New | piped title"
    extra["gridPos"] = {"x": 0, "y": 40, "w": 6, "h": 4}
    new["panels"].append(extra)
    text = _report(old, new)
    assert "panels 1 added, 1 removed, 0 moved, 0 changed" in text
    assert "Added panels:" in text and "Removed panels:" in text
    assert gone["title"] in text.split("Removed panels:")[1]
    # the pipe would split the table cell: it is escaped
    assert "| New \\| piped title | `stat` | row “Latency and endpoints”, x 0, y 40, 6×4 |" in text


def test_renamed_panel_in_the_same_place_is_one_change_not_an_add_and_a_remove() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    panel = _panel(new, 2)
    title = panel["title"]
    panel["title"] = "Latency (p95)"
    text = _report(old, new)
    assert "panels 0 added, 0 removed, 0 moved, 1 changed" in text
    assert f'| `title` | `{json.dumps(title, ensure_ascii=False)}` | `"Latency (p95)"` |' in text


def test_threshold_and_unit_changes_read_as_levels_and_units() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    panel = next(p for p in new["panels"] if p.get("title") == "⏱️ Latency p95")
    panel["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"] = 0.7
    panel["fieldConfig"]["defaults"]["unit"] = "ms"
    text = _report(old, new)
    assert (
        "| `thresholds` | `green, yellow ≥ 0.5, red ≥ 1` | `green, yellow ≥ 0.7, red ≥ 1` |" in text
    )
    assert '| `fieldConfig.defaults.unit` | `"s"` | `"ms"` |' in text


def test_unchanged_dashboards_take_one_line_and_new_or_removed_ones_are_named() -> None:
    model = _golden()
    changed = copy.deepcopy(model)
    changed["refresh"] = "30s"
    old = {"a": model, "b": model, "gone": model}
    new = {"a": changed, "b": model, "fresh": model}
    text = report.render(compare_all(old, new), "golden", "working tree")
    lines = text.splitlines()
    assert [line for line in lines if "(`b`)" in line] == [
        "- **🚀 Executive Overview** (`b`): unchanged"
    ]
    assert "- **🚀 Executive Overview** (`fresh`): new dashboard, 13 panels" in lines
    assert "- **🚀 Executive Overview** (`gone`): removed (13 panels)" in lines
    assert '| `refresh` | `"10s"` | `"30s"` |' in lines
    # the changed dashboard gets its changes, the new one its panel list, the others nothing
    assert [line for line in lines if line.startswith("### ")] == [
        "### 🚀 Executive Overview",
        "### 🚀 Executive Overview (new)",
    ]
    new_section = text.split("(new)\n", 1)[1]
    for panel in model["panels"]:
        listed = f"| {panel['title']} | " in new_section
        assert listed == (panel["type"] != "row"), panel["title"]


@pytest.mark.parametrize(
    "expr",
    ["a ``` b", "x | y", "sum(rate(m[5m])) # `quoted` <b>"],
)
def test_queries_holding_backticks_pipes_or_html_stay_whole_inside_their_fence(expr: str) -> None:
    old = _golden()
    new = copy.deepcopy(old)
    _panel(new)["targets"][0]["expr"] = expr
    text = _report(old, new)
    block = text.split("after:\n\n", 1)[1]
    fence, body, closing = block.split("\n")[:3]
    assert fence.startswith("```") and fence.endswith("promql")
    assert body == expr
    assert closing == fence.removesuffix("promql")
    assert fence.removesuffix("promql") not in expr


def test_renamed_and_moved_panel_keeps_its_identity_through_its_id() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    panel = _panel(new, 0)
    title = panel["title"]
    panel["title"] = "Requests / min"
    panel["gridPos"]["w"] = 6  # resized too, so only the id still says it is the same panel
    text = _report(old, new)
    assert "panels 0 added, 0 removed, 1 moved, 1 changed" in text
    section = text.split("#### Requests / min (stat)", 1)[1]
    assert (
        f'| `title` | `{json.dumps(title, ensure_ascii=False)}` | `"Requests / min"` |' in section
    )
    assert "x 0, y 1, 4×5` | `row “Key metrics”, x 0, y 1, 6×5` |" in section


def test_markdown_escapes_keep_text_literal_and_code_spans_whole() -> None:
    from leaky_dashboards import markdown as md

    assert md.text("<script>*x*</script> [a](b) C# #1 a_b _c_") == (
        "\\<script>\\*x\\*\\</script> \\[a\\](b) C# \\#1 a_b \\_c\\_"
    )
    assert md.code("a ` b") == "``a ` b``"
    assert md.code("`x`") == "`` `x` ``"
    assert md.table(["h"], [[md.code("a|b")]]) == ["| h |", "|---|", "| `a\\|b` |"]


def test_a_report_too_long_for_a_pr_comment_keeps_every_summary_and_drops_details() -> None:
    model = _golden()
    changed = copy.deepcopy(model)
    for panel in changed["panels"]:
        for target in panel.get("targets", []):
            target["expr"] = "sum(rate(x[5m]))" + " + vector(1)" * 200  # ~2.4 kB per query
    names = [f"d{i}" for i in range(12)]
    old = dict.fromkeys(names, model)
    new = dict.fromkeys(names, changed)
    full = report.render(compare_all(old, new), "golden", "working tree", limit=10**9)
    assert len(full) > report.COMMENT_LIMIT
    text = report.render(compare_all(old, new), "golden", "working tree")
    assert len(text) <= report.COMMENT_LIMIT
    for name in names:
        assert f"(`{name}`): panels 0 added, 0 removed, 0 moved, 13 changed" in text
    assert "are left out to keep this comment under 65536 characters" in text
    kept = text.count("\n### ")
    assert 0 < kept < len(names)


def test_long_values_and_queries_are_cut_so_one_huge_string_cannot_swell_the_report() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    panel = _panel(new)
    panel["description"] = "d" * 1_000_000
    panel["targets"][0]["expr"] = "sum(up) + " + "1 + " * 250_000 + "1"
    text = _report(old, new)
    assert len(text) < 20_000
    assert "more characters)" in text
    assert '"' + "d" * 499 + "… (999502 more characters)" in text
