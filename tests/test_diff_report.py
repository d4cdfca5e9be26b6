"""`invoke diff`: a Markdown report a reviewer reads in a pull request, panel by panel."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from leaky_dashboards.comparison.compare import compare_all
from leaky_dashboards.review import report
from leaky_dashboards.settings import ROOT

OVERVIEW = "leaky-tokens-overview"


# The tests below read the overview from its "Key metrics" row on, the layout they were written
# for: the rows above it (the service health row, issue 10.1) are left out and the rest moved up.
FIRST_ROW = "Key metrics"


def _golden() -> dict[str, Any]:
    model: dict[str, Any] = json.loads(
        (ROOT / "golden" / "dashboards" / f"{OVERVIEW}.json").read_text(encoding="utf-8")
    )
    [top] = [p["gridPos"]["y"] for p in model["panels"] if p.get("title") == FIRST_ROW]
    model["panels"] = [p for p in model["panels"] if p["gridPos"]["y"] >= top]
    for panel in model["panels"]:
        panel["gridPos"]["y"] -= top
    return model


def _golden_of(name: str) -> dict[str, Any]:
    model: dict[str, Any] = json.loads(
        (ROOT / "golden" / "dashboards" / f"{name}.json").read_text(encoding="utf-8")
    )
    return model


def _panel(model: dict[str, Any], index: int = 0) -> dict[str, Any]:
    panels = [p for p in model["panels"] if p["type"] != "row"]
    panel: dict[str, Any] = panels[index]
    return panel


def _report(old: dict[str, Any], new: dict[str, Any]) -> str:
    return report.render(compare_all({OVERVIEW: old}, {OVERVIEW: new}), "golden", "working tree")


def test_identical_dashboards_give_a_report_saying_nothing_changed() -> None:
    model = _golden()
    text = _report(model, copy.deepcopy(model))
    assert text == (
        "## Dashboard changes: working tree against `golden`\n\n"
        "**No change to any of 1 shipped file.**\n"
    )


def test_changed_query_is_shown_whole_before_and_after_under_its_panel() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    panel = _panel(new)
    before = panel["targets"][0]["expr"]
    after = 'sum(rate(http_server_requests_seconds_count{status=~"5.."}[5m]))\n* 60'
    panel["targets"][0]["expr"] = after
    text = _report(old, new)
    assert f"#### {panel['title']} (stat)" in text
    assert "panels 0 added, 0 removed, 0 renamed, 0 moved, 1 changed" in text
    ref = panel["targets"][0]["refId"]
    assert f"Query `{ref}` before:\n\n```promql\n{before}\n```" in text
    assert f"after:\n\n```promql\n{after}\n```" in text


def test_of_two_panels_that_swapped_places_one_is_reported_moved_with_both_places() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    a, b = _panel(new, 0), _panel(new, 1)
    a["gridPos"]["x"], b["gridPos"]["x"] = b["gridPos"]["x"], a["gridPos"]["x"]
    text = _report(old, new)
    assert "panels 0 added, 0 removed, 0 renamed, 1 moved, 0 changed" in text
    section = text.split(f"#### {b['title']} (stat)", 1)[1]
    row = "row “Key metrics”"
    assert f"Moved: {row}, place 2 (x 4, y 1) → {row}, place 1 (x 0, y 1)." in section


def test_a_panel_moved_to_another_row_is_moved_and_its_old_neighbours_are_not() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    first = _panel(new, 0)
    new["panels"].remove(first)
    first["gridPos"] = {"x": 0, "y": 100, "w": 4, "h": 5}  # the last row
    new["panels"].append(first)
    text = _report(old, new)
    assert "panels 0 added, 0 removed, 0 renamed, 1 moved, 0 changed" in text
    assert f"#### {first['title']} (stat)\n\nMoved: row “Key metrics”, place 1" in text
    assert text.count("Moved:") == 1


def test_panels_sliding_down_under_a_grown_row_are_not_reported_as_moved() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    for panel in new["panels"]:
        if panel["gridPos"]["y"] >= 6:  # everything below the first row shifts by 2
            panel["gridPos"]["y"] += 2
    first = _panel(new, 0)
    first["gridPos"]["h"] += 2
    text = _report(old, new)
    assert "panels 0 added, 0 removed, 0 renamed, 0 moved, 1 changed" in text
    assert "Moved:" not in text
    assert "| `size` | `4×5` | `4×7` |" in text


def test_panels_after_one_inserted_mid_row_keep_their_place_and_are_not_moved() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    row = [p for p in new["panels"] if p["type"] != "row" and p["gridPos"]["y"] == 1]
    inserted = copy.deepcopy(row[0]) | {"title": "🆕 Inserted", "description": "new", "id": 99}
    inserted["targets"] = [{"refId": "A", "expr": "sum(up)"}]
    for panel in row[2:]:  # the rest of the row shifts right, the last one wraps
        panel["gridPos"]["x"] += 4
        if panel["gridPos"]["x"] >= 24:
            panel["gridPos"]["x"], panel["gridPos"]["y"] = 0, 6
    inserted["gridPos"] = dict(row[2]["gridPos"], x=row[2]["gridPos"]["x"] - 4)
    new["panels"].insert(new["panels"].index(row[2]), inserted)
    text = _report(old, new)
    assert "panels 1 added, 0 removed, 0 renamed, 0 moved, 0 changed" in text
    assert "#### 🆕 Inserted (stat, ➕ added)" in text


def test_added_and_removed_panels_are_shown_whole_with_their_queries() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    gone = new["panels"].pop(2)
    extra = copy.deepcopy(_panel(new, 3))
    extra["id"] = 9_999_998  # a new panel has a new key, so a new id
    extra["title"] = "New | piped title"
    extra["description"] = "Something else entirely, shown on its own."
    extra["targets"] = [{"refId": "A", "expr": "sum(other_metric_total)", "legendFormat": "x"}]
    extra["gridPos"] = {"x": 0, "y": 40, "w": 6, "h": 4}
    new["panels"].append(extra)
    text = _report(old, new)
    assert "panels 1 added, 1 removed, 0 renamed, 0 moved, 0 changed" in text
    removed = text.split(f"#### {gone['title']} ({gone['type']}, ➖ removed)", 1)[1]
    assert f"```promql\n{gone['targets'][0]['expr']}\n```" in removed
    added = text.split("#### New | piped title (stat, ➕ added)", 1)[1]
    assert "- place: row “Latency and endpoints”, place 3 (x 0, y 40), size 6×4" in added
    assert "- description: Something else entirely, shown on its own." in added
    assert "Query `A` (legend `x`):\n\n```promql\nsum(other_metric_total)\n```" in added


def test_an_added_panel_shows_its_unit_and_thresholds_in_that_unit() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    latency = next(p for p in new["panels"] if p.get("title") == "⏱️ Latency p95")
    new["panels"].remove(latency)
    text = _report(new, old)  # the latency panel is the one added
    section = text.split("#### ⏱️ Latency p95 (stat, ➕ added)", 1)[1]
    assert "- unit: `s`" in section
    assert "- thresholds: green, yellow ≥ 500 ms, red ≥ 1 s" in section


def test_renamed_panel_in_the_same_place_is_one_rename_not_an_add_and_a_remove() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    panel = _panel(new, 2)
    title = panel["title"]
    panel["title"] = "Latency (p95)"
    text = _report(old, new)
    assert "panels 0 added, 0 removed, 1 renamed, 0 moved, 0 changed" in text
    assert f"Renamed: “{title}” → “Latency (p95)”." in text


def test_a_rename_with_a_query_change_is_one_panel_renamed_and_changed() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    panel = next(p for p in new["panels"] if p.get("title") == "🚦 Rate limit blocks per minute")
    panel["title"] = "🚦 Blocked requests per minute"
    before = panel["targets"][0]["expr"]
    panel["targets"][0]["expr"] = before.replace('outcome="blocked"', 'outcome=~"blocked|denied"')
    assert panel["targets"][0]["expr"] != before
    panel["gridPos"]["y"] += 20  # and it went elsewhere in the layout
    text = _report(old, new)
    assert "panels 0 added, 0 removed, 1 renamed, 1 moved, 1 changed" in text
    section = text.split("#### 🚦 Blocked requests per minute (stat)", 1)[1]
    assert (
        "Renamed: “🚦 Rate limit blocks per minute” → “🚦 Blocked requests per minute”." in section
    )
    assert f"Query `A` before:\n\n```promql\n{before}\n```" in section


def test_removing_one_panel_and_renaming_its_neighbour_does_not_pair_the_removed_one() -> None:
    old = _golden_of("leaky-tokens-gateway")
    new = copy.deepcopy(old)
    cache = next(p for p in new["panels"] if p.get("title") == "Cache performance")
    limiter = next(p for p in new["panels"] if p.get("title") == "Rate limiting activity")
    limiter["gridPos"] = cache["gridPos"]  # takes its place; its id stays its key's
    new["panels"].remove(cache)
    limiter["title"] = "Rate limiter decisions"
    text = report.render(compare_all({"g": old}, {"g": new}), "golden", "working tree")
    assert "panels 0 added, 1 removed, 1 renamed, 0 moved, 0 changed" in text
    assert "#### Cache performance (timeseries, ➖ removed)" in text
    assert "Renamed: “Rate limiting activity” → “Rate limiter decisions”." in text
    assert "gateway_rate_limit_total" not in text  # no query "changed" into the other's


def test_panels_with_ids_from_their_keys_are_matched_by_them_alone() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    first, second = _panel(new, 0), _panel(new, 1)
    first["title"], first["description"] = "Everything changed", "nothing alike"
    first["targets"] = [{"refId": "A", "expr": "vector(1)"}]
    second["id"] = 9_999_999  # same title, another key's id: another panel
    [diff] = compare_all({"d": old}, {"d": new})
    assert [c.new.title for c in diff.renamed] == ["Everything changed"]
    assert [p.title for p in diff.added] == [second["title"]]
    assert [p.title for p in diff.removed] == [second["title"]]


def test_changed_positional_ids_are_listed_because_links_to_them_break() -> None:
    old = _golden()
    for n, panel in enumerate(old["panels"], start=1):  # as rendered before panels had keys
        panel["id"] = n
    new = copy.deepcopy(old)
    _panel(new, 0)["id"], _panel(new, 1)["id"] = _panel(old, 1)["id"], _panel(old, 0)["id"]
    text = _report(old, new)
    assert "panels 0 added, 0 removed, 0 renamed, 0 moved, 0 changed; 2 panel ids changed" in text
    assert f"{_panel(old, 0)['title']} 2 → 3, {_panel(old, 1)['title']} 3 → 2." in text


def test_threshold_and_unit_changes_read_as_levels_in_each_sides_unit() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    panel = next(p for p in new["panels"] if p.get("title") == "⏱️ Latency p95")
    panel["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"] = 0.7
    text = _report(old, new)
    assert "| `green, yellow ≥ 500 ms, red ≥ 1 s` | `green, yellow ≥ 700 ms, red ≥ 1 s` |" in text
    panel["fieldConfig"]["defaults"]["unit"] = "ms"
    text = _report(old, new)
    assert "`green, yellow ≥ 500 ms, red ≥ 1 s` | `green, yellow ≥ 0.7 ms, red ≥ 1 ms` |" in text
    assert '| `fieldConfig.defaults.unit` | `"s"` | `"ms"` |' in text


def test_a_long_description_change_is_a_word_diff() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    panel = _panel(new, 2)
    panel["description"] = panel["description"].replace("Yellow above 0.5s", "Yellow above 0.4s")
    text = _report(old, new)
    assert "`description` (~~removed~~ **added**): … " in text
    assert "Yellow above ~~0.5s,~~ **0.4s,** red above 1s." in text


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
    count = sum(1 for panel in model["panels"] if panel["type"] != "row")
    assert f"- **🚀 Executive Overview** (`fresh`): new dashboard, {count} panels" in lines
    assert f"- **🚀 Executive Overview** (`gone`): removed ({count} panels)" in lines
    assert '| `refresh` | `"10s"` | `"30s"` |' in lines
    # the changed, new and removed dashboards each get a folded section, the unchanged nothing
    summaries = [line for line in lines if line.startswith("<summary>")]
    assert [s.split("</b>")[1].split(":")[0] for s in summaries] == [
        " (<code>a</code>)",
        " (<code>fresh</code>)",
        " (<code>gone</code>)",
    ]
    new_section = text.split("(<code>fresh</code>)", 1)[1].split("</details>")[0]
    for panel in model["panels"]:
        shown = f"#### {panel['title']} ({panel['type']}, ➕ added)" in new_section
        assert shown == (panel["type"] != "row"), panel["title"]


def test_every_dashboard_section_folds_and_holds_its_own_changes() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    _panel(new, 0)["targets"][0]["expr"] = "vector(1)"
    text = _report(old, new)
    opening = text.index("<details>\n<summary><b>🚀 Executive Overview</b>")
    closing = text.index("</details>", opening)
    assert opening < text.index("vector(1)") < closing
    assert text.index("- **🚀 Executive Overview**") < opening  # the summary stays unfolded


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


def test_renamed_and_resized_panel_keeps_its_identity_through_its_content() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    panel = _panel(new, 0)
    title = panel["title"]
    panel["title"] = "Requests / min"
    panel["gridPos"]["w"] = 6
    panel["id"] = 42  # neither title, size nor id says it is the same panel: its content does
    text = _report(old, new)
    assert "panels 0 added, 0 removed, 1 renamed, 0 moved, 1 changed; 1 panel id changed" in text
    section = text.split("#### Requests / min (stat)", 1)[1]
    assert f"Renamed: “{title}” → “Requests / min”." in section
    assert "| `size` | `4×5` | `6×5` |" in section


def test_markdown_escapes_keep_text_literal_and_code_spans_whole() -> None:
    from leaky_dashboards import markdown as md

    assert md.text("<script>*x*</script> [a](b) C# #1 a_b _c_") == (
        "\\<script>\\*x\\*\\</script> \\[a\\](b) C# \\#&#8203;1 a_b \\_c\\_"
    )
    assert md.code("a ` b") == "``a ` b``"
    assert md.code("`x`") == "`` `x` ``"
    assert md.table(["h"], [[md.code("a|b")]]) == ["| h |", "|---|", "| `a\\|b` |"]
    assert md.text("{{ $labels.job }} costs $5") == "{{ \\$labels.job }} costs \\$5"  # no math


def _many_changed(count: int = 12) -> tuple[dict[str, Any], dict[str, Any]]:
    model = _golden()
    changed = copy.deepcopy(model)
    for panel in changed["panels"]:
        for target in panel.get("targets", []):
            target["expr"] = "sum(rate(x[5m]))" + " + vector(1)" * 200  # ~2.4 kB per query
    names = [f"d{i}" for i in range(count)]
    return dict.fromkeys(names, model), dict.fromkeys(names, changed)


def test_a_report_past_the_comment_limit_continues_in_numbered_parts_dropping_nothing() -> None:
    old, new = _many_changed()
    full = report.render(compare_all(old, new), "golden", "working tree", limit=10**9)
    assert len(full) > report.COMMENT_LIMIT
    parts = report.pages(
        compare_all(old, new), report.default_heading("golden", "working tree"),
        part_name=lambda n: f"`report-{n}.md`",
    )  # fmt: skip
    assert len(parts) > 1
    assert all(len(part) <= report.COMMENT_LIMIT for part in parts)
    first = parts[0]
    count = sum(1 for panel in new["d0"]["panels"] if panel.get("targets"))
    for name in old:
        assert (
            f"(`{name}`): panels 0 added, 0 removed, 0 renamed, 0 moved, {count} changed" in first
        )
        # one line per changed item, for every file, in the first part
        assert first.count(f"- `{name}` › ") == count
    rest = ", ".join(f"`report-{n}.md`" for n in range(2, len(parts) + 1))
    assert f"**This report continues in {rest}** ({len(parts)} parts in all" in first
    assert parts[1].startswith(
        f"## Dashboard changes: working tree against `golden` (part 2 of {len(parts)})"
    )
    # every detail is in some part, none cut in half
    together = "\n".join(parts)
    assert together.count("<details>") == together.count("</details>")
    for name in old:
        assert f"(<code>{name}</code>)" in together
    assert together.count("vector(1)") >= full.count("vector(1)")
    assert "Truncated" not in together


def test_a_section_longer_than_a_part_is_split_with_its_fences_closed() -> None:
    old, new = _many_changed(1)
    for panel in new["d0"]["panels"]:
        for target in panel.get("targets", []):
            target["expr"] += " + vector(2)" * 2000
    parts = report.pages(compare_all(old, new), report.default_heading("g", "w"), limit=20_000)
    assert len(parts) > 2 and all(len(p) <= 20_000 for p in parts)
    for part in parts:
        assert part.count("<details>") == part.count("</details>")
        fences = [line for line in part.splitlines() if line.startswith("```")]
        assert len(fences) % 2 == 0
    assert "(continued)</summary>" in parts[2]


def test_output_writes_every_part_and_removes_parts_of_an_earlier_longer_report(
    tmp_path: Path,
) -> None:
    from leaky_dashboards.review import diffing

    out = tmp_path / "report.md"
    for n in (2, 3, 4):
        (tmp_path / f"report-{n}.md").write_text("an earlier report's part")
    (tmp_path / "report-6.md").write_text("not one of ours: after a gap")
    written = diffing.write_parts(out, ["one\n", "two\n"])
    assert written == [out, tmp_path / "report-2.md"]
    assert [out.read_text(), (tmp_path / "report-2.md").read_text()] == ["one\n", "two\n"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report-2.md", "report-6.md", "report.md"]


def test_a_long_value_shows_its_change_with_context_not_a_cut_before_it() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    overrides = _panel(new)["fieldConfig"]["overrides"]
    hiding = {"matcher": {"id": "byRegexp", "options": "|".join(f"svc-{n}" for n in range(120))},
              "properties": [{"id": "custom.hideFrom", "value": {"viz": True}}]}  # fmt: skip
    overrides.append(hiding)
    text = _report(old, new)
    row = next(line for line in text.splitlines() if "svc-119" in line)
    assert len(row) > 1000
    assert '"custom.hideFrom", "value": {"viz": true}' in row  # past the old 500-character cut


def test_a_query_changed_past_its_4000th_character_shows_the_change() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    long = "sum(rate(x[5m]))" + " + vector(1)" * 400 + " + vector(7)"
    _panel(old)["targets"][0]["expr"] = long
    _panel(new)["targets"][0]["expr"] = long.replace("vector(7)", "vector(8)")
    text = _report(old, new)
    before = text.split("```promql\n", 1)[1].split("\n```")[0]
    after = text.split("after:\n\n```promql\n", 1)[1].split("\n```")[0]
    assert before.endswith("vector(7)") and after.endswith("vector(8)")
    assert before.startswith("‹…›") and len(before) < 200
    assert "(4828 → 4828 characters; ‹…› stands for unchanged text left out" in text


def test_long_values_and_queries_are_shown_whole_in_parts_so_nothing_is_hidden() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    panel = _panel(new)
    panel["description"] = "d" * 100_000
    whole = report.render(compare_all({OVERVIEW: old}, {OVERVIEW: new}), limit=10**9)
    assert "**" + "d" * 100_000 + "**" in whole  # the change is the whole new text
    parts = report.pages(
        compare_all({OVERVIEW: old}, {OVERVIEW: new}), report.default_heading("g", "w")
    )
    assert len(parts) > 1 and all(len(p) <= report.COMMENT_LIMIT for p in parts)
    assert sum(line.count("d") for p in parts for line in p.splitlines()) >= 100_000


# Text from sources stays text.


def _titled(title: str) -> str:
    old = _golden()
    new = copy.deepcopy(old)
    new["title"] = title
    _panel(new)["title"] = title
    return _report(old, new)


def test_a_title_with_a_newline_cannot_break_out_of_its_summary_block() -> None:
    text = _titled("Overview\n\n# Fake heading\n\n| a | b |\n|---|---|\n\n</summary>")
    summary = next(line for line in text.splitlines() if line.startswith("<summary>"))
    assert summary.endswith("</summary>") and summary.count("</summary>") == 1
    assert "&lt;/summary&gt;" in summary
    assert not any(line.startswith(("# Fake", "| a |")) for line in text.splitlines())


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("ping @octocat now", "@&#8203;octocat"),
        ("see leaky/tokens#12", "leaky/tokens#&#8203;12"),
        ("fixes #3", "\\#&#8203;3"),
        ("go https://evil.example/x", "https:&#8203;//evil.example/x"),
        ("go www.evil.example", "www&#8203;.evil.example"),
        ("mail a@b.example", "a@&#8203;b.example"),
        ("abc\u202edcba", "abc⟨U+202E⟩dcba"),
        ("zero\u200bwidth", "zero⟨U+200B⟩width"),
    ],
)
def test_mentions_references_links_and_invisible_characters_are_neutralised(
    source: str, shown: str
) -> None:
    text = _titled(source)
    heading = next(line for line in text.splitlines() if line.startswith("#### "))
    assert shown in heading
    summary = next(line for line in text.splitlines() if line.startswith("<summary>"))
    assert shown.replace("\\#", "#") in summary
    assert "\u202e" not in text and "\u200b" not in text


def test_invisible_characters_in_queries_are_shown_inside_their_fence() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    _panel(new)["targets"][0]["expr"] = 'sum(up{job="a\u202eb"})'
    text = _report(old, new)
    assert 'sum(up{job="a⟨U+202E⟩b"})' in text
    assert "\u202e" not in text


def test_an_emoji_sequence_keeps_its_joiner() -> None:
    from leaky_dashboards import markdown as md

    assert md.text("👩\u200d💻 devs") == "👩\u200d💻 devs"
    assert md.text("a\u200db") == "a⟨U+200D⟩b"


# Items by identity: every list with a natural key is matched by it.


def _health(model: dict[str, Any]) -> dict[str, Any]:
    panel: dict[str, Any] = next(
        p for p in _golden_of(OVERVIEW)["panels"] if p.get("title") == "Service health"
    )
    found: dict[str, Any] = next(p for p in model["panels"] if p.get("id") == panel["id"])
    return found


def _overview_report(old: dict[str, Any], new: dict[str, Any]) -> str:
    return report.render(compare_all({OVERVIEW: old}, {OVERVIEW: new}), limit=10**9)


def test_an_inserted_table_column_override_is_one_addition_by_its_matcher() -> None:
    old = _golden_of(OVERVIEW)
    new = copy.deepcopy(old)
    overrides = _health(new)["fieldConfig"]["overrides"]
    overrides.insert(0, {"matcher": {"id": "byName", "options": "Apdex"},
                         "properties": [{"id": "decimals", "value": 2}]})  # fmt: skip
    text = _overview_report(old, new)
    rows = [line for line in text.splitlines() if line.startswith("| `fieldConfig")]
    assert rows == [
        '| `fieldConfig.overrides[column Apdex]` | `(absent)` | `{"matcher": {"id": "byName", '
        '"options": "Apdex"}, "properties": [{"id": "decimals", "value": 2}]}` |'
    ]
    assert "thresholds" not in text.split("<details>", 1)[1]


def test_a_table_column_threshold_reads_as_levels_under_the_threshold_that_drives_it() -> None:
    old = _golden_of(OVERVIEW)
    new = copy.deepcopy(old)
    [p95] = [o for o in _health(new)["fieldConfig"]["overrides"]
             if o["matcher"]["options"] == "P95"]  # fmt: skip
    steps = next(p for p in p95["properties"] if p["id"] == "thresholds")["value"]["steps"]
    steps[1]["value"] = 0.4
    changes = compare_all({OVERVIEW: old}, {OVERVIEW: new})
    text = report.render(changes, limit=10**9)
    assert (
        "| `thresholds of column P95` | `green, yellow ≥ 500 ms, red ≥ 1 s` "
        "| `green, yellow ≥ 400 ms, red ≥ 1 s` |"
    ) in text
    assert "properties[thresholds]" not in text and "steps" not in text
    from leaky_dashboards.comparison.thresholds import threshold_changes

    row = {"warning": 0.5, "critical": 1, "unit": "s"}
    [change] = threshold_changes(
        {"latencyP95": row}, {"latencyP95": dict(row, warning=0.4)}, changes, []
    )
    assert change.panels == ["🚀 Executive Overview › Service health (column P95)"]


def test_links_are_matched_by_title_so_a_reorder_inserts_nothing() -> None:
    old = _golden_of(OVERVIEW)
    new = copy.deepcopy(old)
    new["links"].insert(0, {"title": "Runbooks", "type": "link", "url": "/d/runbooks"})
    text = _overview_report(old, new)
    rows = [line for line in text.splitlines() if line.startswith("| `links")]
    assert len(rows) == 1 and rows[0].startswith("| `links[Runbooks]` | `(absent)` |")


def test_value_mappings_are_matched_by_what_they_map() -> None:
    old = _golden()
    new = copy.deepcopy(old)
    low = {"from": 0, "to": 10, "result": {"text": "low"}}
    mappings = [
        {"type": "value", "options": {"1": {"text": "up"}}},
        {"type": "range", "options": low},
    ]
    _panel(old)["fieldConfig"]["defaults"]["mappings"] = mappings
    _panel(new)["fieldConfig"]["defaults"]["mappings"] = [
        {"type": "special", "options": {"match": "null", "result": {"text": "n/a"}}},
        *copy.deepcopy(mappings),
    ]
    _panel(new)["fieldConfig"]["defaults"]["mappings"][2]["options"]["result"]["text"] = "lo"
    text = _report(old, new)
    rows = [line for line in text.splitlines() if line.startswith("| `fieldConfig")]
    assert [r.split(" | ")[0] for r in rows] == [
        "| `fieldConfig.defaults.mappings[range 0 to 10].options.result.text`",
        "| `fieldConfig.defaults.mappings[special null]`",
    ]
