"""`invoke drift`: dashboards as Grafana gives them back, compared with golden/ by uid."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from leaky_dashboards import cli
from leaky_dashboards.settings import ROOT, Paths
from tests.drift_support import (
    NAMES,
    edited_overview,
    envelope,
    exported,
    golden,
    panel,
    saved_by_grafana,
    write,
)


def _run(
    capsys: pytest.CaptureFixture[str], *files: Path, output: Path | None = None
) -> tuple[int, str, str]:
    code = cli.drift([str(f) for f in files], output=str(output) if output else None)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _line(path: str, pattern: str) -> int:
    """The first line of the project file `path` matching `pattern` (1-based)."""
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if re.search(pattern, line))


# ---- item 1 and 4: the three shapes, Grafana's own fields, exit codes ----


def test_what_grafana_adds_on_save_is_no_drift_in_every_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = []
    for name in NAMES:
        saved = saved_by_grafana(golden(name))
        files.append(write(tmp_path / f"{name}.model.json", saved))
    files.append(write(tmp_path / "api.json", envelope(saved_by_grafana(golden(NAMES[1])))))
    files[1].unlink()
    files.pop(1)
    files.append(write(tmp_path / "export.json", exported(golden(NAMES[2]))))
    files[1].unlink()
    files.pop(1)
    code, out, err = _run(capsys, *files)
    assert code == 0, out + err
    assert out.count(": no drift") == len(NAMES)
    assert "(JSON model): no drift" in out
    assert "(HTTP API): no drift" in out
    assert "(export): no drift" in out


def test_a_directory_stands_for_its_json_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in NAMES[:2]:
        write(tmp_path / f"{name}.json", saved_by_grafana(golden(name)))
    code, out, _ = _run(capsys, tmp_path)
    assert code == 0
    assert out.count(": no drift") == 2


def test_a_changed_value_of_a_field_grafana_also_fills_in_is_drift(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = saved_by_grafana(golden("leaky-tokens-gateway"))
    model["weekStart"] = "monday"  # the default Grafana writes is "": this one someone chose
    code, out, _ = _run(capsys, write(tmp_path / "gateway.json", model))
    assert code == 1
    assert '| `weekStart` | `(absent)` | `"monday"` |' in out


def test_the_ui_edits_are_reported_by_panel_key_renamed_moved_and_field_before_after(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, write(tmp_path / "overview.json", edited_overview()))
    assert code == 1
    assert "1 of 1 dashboard(s) drifted" in err
    assert (
        "**🚀 Executive Overview** (`leaky-tokens-overview`) from "
        f"`{tmp_path}/overview.json` (JSON model): panels 1 added, 0 removed, 1 renamed, "
        "1 moved, 1 changed"
    ) in out
    latency = out.split("#### ⏱️ Latency p95 (stat, key `latencyP95`)", 1)[1].split("####")[0]
    assert "| `thresholds` | `green, yellow ≥ 500 ms, red ≥ 1 s` | " in latency
    assert "`green, yellow ≥ 400 ms, red ≥ 1 s`" in latency
    renamed = out.split("(stat, key `errorRate`)", 1)[1].split("####")[0]
    assert "- renamed: “❌ Error rate” → “❌ Server errors”" in renamed
    moved = out.split("(stat, key `activeUsers`)", 1)[1].split("####")[0]
    assert "- moved: row “Key metrics”, place 6 (x 20, y 21) → row “Key metrics”, place 1" in moved
    assert "#### ➕ Added in the UI: Gateway 5xx per minute (timeseries)" in out
    # Only what was edited: the other panels of the row slid aside, which is no move.
    assert "requestsPerMinute" not in out


# ---- item 2: where to change the code ----


def test_each_change_names_the_source_file_and_line_that_produces_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = _run(capsys, write(tmp_path / "overview.json", edited_overview()))
    config = _line("libsonnet/config.libsonnet", r"^\s*latencyP95:")
    assert (
        f"`libsonnet/config.libsonnet:{config}` (`thresholds.latencyP95`): `warning` 0.5 → 0.4; "
        "every panel and alert of this row follows it"
    ) in out
    title = _line("libsonnet/traffic.libsonnet", r"title='❌ Error rate'")
    assert f"change it in `libsonnet/traffic.libsonnet:{title}` (`title=` of `errorRate`)" in out
    listed = _line("dashboards/leaky-tokens-overview.jsonnet", r"p\.activeUsers\b")
    assert (
        f"change it in `dashboards/leaky-tokens-overview.jsonnet:{listed}` (`p.activeUsers` in "
        "its row's list)"
    ) in out


def test_a_panel_whose_key_a_comprehension_makes_names_its_file_and_says_the_line_is_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = saved_by_grafana(golden("leaky-tokens-overview"))
    panel(model, "🎯 Gateway latency SLI (5m)")["description"] = "Edited in the UI."
    _, out, _ = _run(capsys, write(tmp_path / "overview.json", model))
    assert "(stat, key `sloLatency`)" in out
    assert (
        "`libsonnet/slo.libsonnet` (`sloLatency` is made by a comprehension there: line unknown)"
    ) in out


def test_a_panel_added_in_the_ui_is_a_jsonnet_snippet_that_builds_the_same_panel(
    tree: Paths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    added = edited_overview()["panels"][-1]
    _, out, _ = _run(capsys, write(tmp_path / "overview.json", edited_overview()))
    section = out.split("#### ➕ Added in the UI: Gateway 5xx per minute (timeseries)", 1)[1]
    assert "Paste this field into `libsonnet/traffic.libsonnet`" in section
    snippet = section.split("```jsonnet\n", 1)[1].split("\n```", 1)[0]
    assert snippet.startswith("gateway5xxPerMinute: panels.timeSeries(\n  title='Gateway 5xx")
    listed = _line("dashboards/leaky-tokens-overview.jsonnet", r"p\.topEndpoints\b")
    assert (
        "Then list `p.gateway5xxPerMinute` after `p.topEndpoints` in "
        f"`dashboards/leaky-tokens-overview.jsonnet:{listed}`"
    ) in section
    # Pasted as told into a copy of the tree, it builds the panel the UI added.
    domain = tree.libsonnet / "traffic.libsonnet"
    text = domain.read_text(encoding="utf-8")
    head, tail = text.rsplit("})", 1)
    domain.write_text(head + "  " + snippet.replace("\n", "\n  ") + "\n})" + tail)
    board = tree.dashboards / "leaky-tokens-overview.jsonnet"
    board.write_text(
        board.read_text().replace(
            "p.topEndpoints,", "p.topEndpoints,\n      p.gateway5xxPerMinute,"
        )
    )
    from leaky_dashboards.project import Project

    built = next(d for d in Project(tree).dashboards if d.name == "leaky-tokens-overview")
    made = panel(built.model, "Gateway 5xx per minute")
    assert made["panelKey"] == "gateway5xxPerMinute"
    assert made["description"] == added["description"]
    assert made["fieldConfig"]["defaults"]["unit"] == "reqpm"
    assert made["fieldConfig"]["defaults"]["decimals"] == 1
    assert [t["expr"] for t in made["targets"]] == [added["targets"][0]["expr"]]
    assert made["targets"][0]["legendFormat"] == "5xx/min"


# ---- exports ----


def test_an_export_placeholder_where_golden_reads_the_variable_is_a_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Grafana's exporter keeps a `${datasource}` reference; a `${DS_…}` placeholder there
    means someone picked a concrete datasource for the panel."""
    model = golden("leaky-tokens-business")
    picked = model["panels"][1]
    picked["datasource"] = {"type": "prometheus", "uid": "prometheus"}
    code, out, _ = _run(capsys, write(tmp_path / "export.json", exported(model)))
    assert code == 1
    assert '| `datasource.uid` | `"${datasource}"` | `"${DS_PROMETHEUS}"` |' in out


# ---- bad input: exit 2, named, nothing written ----


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"uid": "leaky-tokens-overview",\n "panels": [}', r"bad\.json:2:13: not JSON"),
        (b"[1, 2]", r"bad\.json: holds an array, not a Grafana dashboard"),
        (
            b'{"dashboard": {"title": "x"}, "meta": {}}',
            r"bad\.json: not a Grafana dashboard: no string `uid`",
        ),
        (
            b'{"uid": "someone-elses", "panels": []}',
            r'bad\.json: uid "someone-elses" is no golden dashboard\'s',
        ),
        (
            b'{"uid": "leaky-tokens-overview", "panels": {}}',
            r"bad\.json: not a Grafana dashboard: panels is an object",
        ),
        (b"\xff\xfe", r"bad\.json: not UTF-8 text"),
        (
            b'{"uid": "leaky-tokens-overview", "panels": [{"type": "stat", "title": "A", '
            b'"gridPos": "x"}]}',
            r'panels\[0\] \("A"\): gridPos is a string, not an object',
        ),
        (
            b'{"uid": "leaky-tokens-overview", "panels": [{"type": "row", "panels": '
            b'[{"id": [1]}]}]}',
            r"panels\[0\]\.panels\[0\] \(null\): id is an array, not a number",
        ),
    ],
)
def test_bad_input_is_named_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    good = write(tmp_path / "good.json", edited_overview())
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    report = tmp_path / "report.md"
    code, out, err = _run(capsys, good, bad, output=report)
    assert code == 2
    assert re.search(message, err), err
    assert out == ""
    assert not report.exists()


def test_two_files_of_one_dashboard_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = saved_by_grafana(golden("leaky-tokens-system"))
    first, second = write(tmp_path / "a.json", model), write(tmp_path / "b.json", envelope(model))
    code, _, err = _run(capsys, first, second)
    assert code == 2
    assert f"{second}: uid leaky-tokens-system is also in {first}" in err


def test_no_file_at_all_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys)
    assert code == 2
    assert "no dashboard file given" in err


# ---- --output, hostile text ----


def test_output_writes_the_markdown_report_and_prints_nothing_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "out" / "drift.md"
    code, out, err = _run(capsys, write(tmp_path / "o.json", edited_overview()), output=report)
    assert code == 1
    assert out == ""
    text = report.read_text(encoding="utf-8")
    assert text.startswith("## Drift: what Grafana's UI changed, against `golden/`\n")
    assert f"wrote {report} (" in err
    assert [p.name for p in report.parent.iterdir()] == ["drift.md"]  # no temporary left


def test_text_from_the_file_is_escaped_in_the_markdown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = saved_by_grafana(golden("leaky-tokens-gateway"))
    hostile = "<img src=x onerror=alert(1)> | `code` **bold** [link](http://evil)\x1b]0;pwned\x07"
    target = model["panels"][1]
    target["title"] = hostile
    target["targets"][0]["expr"] = "up\n```\n<script>alert(1)</script>"
    name = tmp_path / "we`ird | <b>name.json"
    code, out, _ = _run(capsys, write(name, model))
    assert code == 1
    assert "<img" not in out.replace("\\<img", "")
    assert "\x1b" not in out and "\x07" not in out
    assert "0;pwned" in out
    assert (
        "#### \\<img src=x onerror=alert(1)> | \\`code\\` \\*\\*bold\\*\\* "
        "\\[link\\](http:&#8203;//evil)" in out  # markdown.text neutralises the autolink too
    )
    assert "````promql\nup\n```\n<script>alert(1)</script>\n````" in out
    assert "``" in out.split("from ", 1)[1].split("\n", 1)[0]  # the file name in a code span
    for line in out.splitlines():
        if line.startswith("| `title`"):
            assert line.count(" | ") == 3  # the pipe in the title did not open a cell


def test_invoke_drift_takes_files_after_a_double_dash_and_exits_1_on_drift(tmp_path: Path) -> None:
    one = write(tmp_path / "one.json", edited_overview())
    two = write(tmp_path / "two.json", envelope(saved_by_grafana(golden("leaky-tokens-system"))))
    done = subprocess.run(
        [sys.executable, "-m", "invoke", "drift", "--", str(one), str(two)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 1, done.stderr
    assert "(HTTP API): no drift" in done.stdout
    assert "panels 1 added" in done.stdout


def test_the_normalized_copy_leaves_the_fetched_model_untouched(tmp_path: Path) -> None:
    from leaky_dashboards.drift.read import normalize, parse

    model = saved_by_grafana(golden("leaky-tokens-overview"))
    before = copy.deepcopy(model)
    fetched = parse("x.json", json.dumps(model).encode())
    normalize(fetched, golden("leaky-tokens-overview"))
    assert fetched.model == before


def test_dashboard_settings_name_the_library_line_that_sets_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = saved_by_grafana(golden("leaky-tokens-overview"))
    model["refresh"] = "1m"
    model["title"] = "🚀 Overview"
    service = next(v for v in model["templating"]["list"] if v["name"] == "service")
    service["sort"] = 2
    _, out, _ = _run(capsys, write(tmp_path / "overview.json", model))
    refresh = _line("libsonnet/config.libsonnet", r"^\s*refresh:")
    assert (
        f'| `refresh` | `"10s"` | `"1m"` | `libsonnet/config.libsonnet:{refresh}` '
        "(`config.dashboard.refresh`) |"
    ) in out
    entry = _line("libsonnet/config.libsonnet", r"^\s*overview:")
    assert f"`libsonnet/config.libsonnet:{entry}` (`config.dashboards.overview`)" in out
    variable = _line("libsonnet/variables.libsonnet", r"^\s*service:")
    assert (
        f"| `templating.list[service].sort` | `1` | `2` | "
        f"`libsonnet/variables.libsonnet:{variable}` (`service`) |"
    ) in out


def test_a_threshold_change_also_names_the_panels_own_levels_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = _run(capsys, write(tmp_path / "overview.json", edited_overview()))
    own = _line(
        "libsonnet/traffic.libsonnet", r"thresholds=panels\.thresholds\.levels\(th\.latencyP95\)"
    )
    assert (
        f"for this panel alone, its own levels at `libsonnet/traffic.libsonnet:{own}` "
        "(`thresholds=` of `latencyP95`)"
    ) in out


def test_a_snippet_names_the_locals_its_domain_file_lacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Added beside an SLO stat, whose file has no `th` local, a panel coloured by a row of the
    thresholds table says what to add."""
    model = saved_by_grafana(golden("leaky-tokens-overview"))
    latency = copy.deepcopy(panel(model, "⏱️ Latency p95"))
    latency.update(title="p95 again", id=9999999)
    slo_row = [p for p in model["panels"] if p.get("title", "").startswith("🎯 Gateway latency")]
    latency["gridPos"] = {**slo_row[0]["gridPos"], "x": slo_row[0]["gridPos"]["x"] + 1}
    model["panels"].insert(model["panels"].index(slo_row[0]) + 1, latency)
    _, out, _ = _run(capsys, write(tmp_path / "overview.json", model))
    section = out.split("#### ➕ Added in the UI: p95 again (stat)", 1)[1]
    assert "Paste this field into `libsonnet/slo.libsonnet`" in section
    assert "thresholds=panels.thresholds.levels(th.latencyP95)," in section
    assert "add `local th = (import 'config.libsonnet').thresholds;` at its top" in section


def test_a_panel_type_without_a_constructor_is_pasted_as_the_object_grafana_saved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = saved_by_grafana(golden("leaky-tokens-system"))
    last_y = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in model["panels"])
    model["panels"].append(
        {
            "id": 12,
            "type": "text",
            "title": "On-call notes",
            "gridPos": {"h": 4, "w": 24, "x": 0, "y": last_y},
            "options": {"mode": "markdown", "content": "Page **'ops'** first.\n\\ done"},
        }
    )
    _, out, _ = _run(capsys, write(tmp_path / "system.json", model))
    snippet = out.split("```jsonnet\n", 1)[1].split("\n```", 1)[0]
    assert snippet.startswith("onCallNotes: {\n  type: 'text',\n  title: 'On-call notes',\n")
    assert "content: 'Page **\\'ops\\'** first.\\n\\\\ done'," in snippet
    assert snippet.endswith("} + panels.withKey('onCallNotes'),")


def test_a_snippet_key_is_a_jsonnet_identifier_whatever_the_title() -> None:
    from leaky_dashboards.drift.snippet import key_for

    assert key_for("🔥 Requests per minute", []) == "requestsPerMinute"
    assert key_for("for", []) == "forPanel"
    assert key_for("5xx rate", []) == "uiPanel5xxRate"
    assert key_for("🎯", []) == "uiPanel"
    assert key_for("Error rate", ["errorRate", "errorRate2"]) == "errorRate3"


def test_a_panel_removed_in_the_ui_names_the_line_to_take_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = saved_by_grafana(golden("leaky-tokens-gateway"))
    gone = model["panels"].pop(2)
    code, out, _ = _run(capsys, write(tmp_path / "gateway.json", model))
    assert code == 1
    assert "panels 0 added, 1 removed, 0 renamed, 0 moved, 0 changed" in out
    section = out.split("#### ➖ Removed in the UI: ", 1)[1]
    assert section.startswith(gone["title"])
    key = section.split("key `", 1)[1].split("`", 1)[0]
    listed = _line("dashboards/leaky-tokens-gateway.jsonnet", rf"p\.{key}\b")
    assert (
        f"`dashboards/leaky-tokens-gateway.jsonnet:{listed}` (`p.{key}` in its row's list)"
        in section
    )


def test_a_row_renamed_in_the_ui_names_its_line_and_how_to_keep_its_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = saved_by_grafana(golden("leaky-tokens-overview"))
    panel(model, "Key metrics")["title"] = "KPIs"
    code, out, _ = _run(capsys, write(tmp_path / "overview.json", model))
    assert code == 1
    opened = _line("dashboards/leaky-tokens-overview.jsonnet", r"row\('Key metrics'")
    assert (
        "Rows: renamed `Key metrics` → `KPIs` "
        f"(`dashboards/leaky-tokens-overview.jsonnet:{opened}` (the row `Key metrics`); "
        "`key='Key metrics'` keeps its id)."
    ) in out


def test_a_dashboard_resource_of_grafanas_newer_api_is_refused_with_what_to_give_instead(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    resource = {
        "apiVersion": "dashboard.grafana.app/v2beta1",
        "kind": "Dashboard",
        "metadata": {"name": "leaky-tokens-overview"},
        "spec": {"title": "🚀 Executive Overview", "elements": {}},
    }
    code, _, err = _run(capsys, write(tmp_path / "v2.json", resource))
    assert code == 2
    assert "a dashboard resource of Grafana's newer API (dashboard.grafana.app/v2beta1)" in err
    assert "give the classic JSON model" in err


def test_an_added_stat_of_instant_queries_is_an_instant_stat() -> None:
    from leaky_dashboards.drift.snippet import panel as snippet

    model = copy.deepcopy(
        panel(golden("leaky-tokens-business"), "💰 Total tokens consumed ($time_range)")
    )
    code = snippet(model, "tokensAgain", {})
    assert code.startswith("tokensAgain: panels.stat(\n")
    assert "  instant=true,\n" in code
