"""`invoke diff --base REF`: the base is rendered from the ref's own sources in a throwaway tree."""

from __future__ import annotations

import difflib
import subprocess
from pathlib import Path

import pytest

from leaky_dashboards import artifacts, cli, outputs
from leaky_dashboards.errors import BuildError
from leaky_dashboards.model import coloured_by, visible_panels
from leaky_dashboards.project import Project
from leaky_dashboards.review import jobs
from leaky_dashboards.settings import Installation, Paths

SOURCE = "dashboards/leaky-tokens-overview.jsonnet"


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tree: Paths) -> Paths:
    """The project copy as a git repository with everything committed."""
    _git(tree.root, "init", "-q")
    _git(tree.root, "add", "-A")
    _git(tree.root, "commit", "-q", "-m", "base")
    return tree


def test_base_ref_renders_its_own_library_so_a_library_change_shows(
    repo: Paths, installation: Installation, private_tmp: Path
) -> None:
    config = repo.libsonnet / "config.libsonnet"
    text = config.read_text()
    assert "warning: 0.5, critical: 1," in text
    config.write_text(text.replace("warning: 0.5, critical: 1,", "warning: 0.4, critical: 1,"))
    report = jobs.diff(Project(repo, installation), base="HEAD", fail=False, echo=lambda _: None)
    assert "working tree against `HEAD`" in report
    assert "`green, yellow ≥ 500 ms, red ≥ 1 s` | `green, yellow ≥ 400 ms, red ≥ 1 s" in report
    assert list(private_tmp.iterdir()) == []  # the temporary checkout is gone


def test_base_ref_sees_a_panel_removed_from_the_source_since_that_commit(
    repo: Paths, installation: Installation, private_tmp: Path
) -> None:
    source = repo.root / SOURCE
    source.write_text(source.read_text().replace("      p.activeUsers,\n", ""))
    with pytest.raises(jobs.ChangesFound) as raised:
        jobs.diff(Project(repo, installation), base="HEAD", echo=lambda _: None)
    assert raised.value.exit_code == 1
    report = jobs.diff(Project(repo, installation), base="HEAD", fail=False, echo=lambda _: None)
    assert "panels 0 added, 1 removed, 0 renamed, 0 moved, 0 changed" in report
    assert "#### 👥 Active users (stat, ➖ removed)" in report
    assert list(private_tmp.iterdir()) == []


def test_identical_tree_and_ref_give_an_empty_report_file_and_exit_0(
    repo: Paths, tmp_path: Path
) -> None:
    out = tmp_path / "report.md"
    assert cli.diff("HEAD", output=str(out), paths=repo) == 0
    assert out.read_bytes() == b""


def rename_consumption_outcomes(repo: Paths) -> None:
    """The overview shows its library panel `consumptionOutcomes` titled 'Outcomes'."""
    source = repo.root / SOURCE
    text = source.read_text()
    assert "p.consumptionOutcomes," in text
    source.write_text(
        text.replace("p.consumptionOutcomes,", "p.consumptionOutcomes { title: 'Outcomes' },")
    )


def test_changes_exit_1_unless_no_fail_and_the_report_file_is_written_either_way(
    repo: Paths, tmp_path: Path
) -> None:
    rename_consumption_outcomes(repo)
    failing, passing = tmp_path / "a.md", tmp_path / "b.md"
    assert cli.diff("HEAD", output=str(failing), paths=repo) == 1
    assert cli.diff("HEAD", fail=False, output=str(passing), paths=repo) == 0
    assert failing.read_bytes() == passing.read_bytes()
    assert "Renamed: “Consumption outcomes” → “Outcomes”." in passing.read_text()


def test_default_base_is_the_golden_copy(repo: Paths, installation: Installation) -> None:
    rename_consumption_outcomes(repo)
    report = jobs.diff(Project(repo, installation), fail=False, echo=lambda _: None)
    assert "working tree against `golden`" in report
    assert "Renamed: “Consumption outcomes” → “Outcomes”." in report


def test_unknown_ref_is_an_input_error_naming_the_ref(
    repo: Paths, installation: Installation
) -> None:
    with pytest.raises(BuildError) as raised:
        jobs.diff(Project(repo, installation), base="no-such-branch", echo=lambda _: None)
    assert raised.value.exit_code == 2
    assert str(raised.value).startswith("--base no-such-branch: not a commit")


def test_a_base_whose_sources_do_not_compile_names_the_ref_and_file(
    repo: Paths, installation: Installation, private_tmp: Path
) -> None:
    source = repo.root / SOURCE
    good = source.read_text()
    source.write_text(good.replace("p.activeUsers,", "p.noSuchPanel,"))
    _git(repo.root, "commit", "-q", "-am", "broken")
    source.write_text(good)
    with pytest.raises(BuildError) as raised:
        jobs.diff(Project(repo, installation), base="HEAD", echo=lambda _: None)
    assert str(raised.value).startswith("at HEAD: ")
    assert "leaky-tokens-overview.jsonnet" in str(raised.value)
    assert list(private_tmp.iterdir()) == []


# Three pull requests as a reviewer meets them, made in the sources of a throwaway tree.


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{path.name} no longer holds {old!r}"
    path.write_text(text.replace(old, new, 1))


def _diff(repo: Paths, installation: Installation, base: str | None = "HEAD") -> str:
    return jobs.diff(Project(repo, installation), base=base, fail=False, echo=lambda _: None)


P95_ALERT = "LeakyTokensLatencyP95High (warning)"


def _p95_drives(paths: Paths) -> str:
    """The report's line for the p95 warning level 0.5 → 0.4: every panel of the tree coloured at
    the p95 levels (whatever dashboards/ holds), in the dashboards' order, then the alert."""
    project = Project(paths)
    row = project.library.thresholds()["latencyP95"]
    panels = [
        f"{d.title} › {panel['title']}"
        for d in sorted(project.dashboards, key=lambda d: project.library.dashboard_rank(d.uid))
        for panel in visible_panels(d.model)
        if coloured_by(panel, row)
    ]
    return (
        "- `thresholds.latencyP95.warning` 0.5 → 0.4 (500 ms → 400 ms): drives panels "
        f"{', '.join(panels)} and alert {P95_ALERT}"
    )


def _lines_changed(paths: Paths, file: str) -> tuple[int, int]:
    """(added, removed) lines of golden/`file` against what the tree renders now."""
    project = Project(paths)
    rendered = artifacts.render_all(project)[file].decode().splitlines()
    golden = (paths.golden / file).read_text(encoding="utf-8").splitlines()
    opcodes = difflib.SequenceMatcher(None, golden, rendered, autojunk=False).get_opcodes()
    changed = [(j2 - j1, i2 - i1) for tag, i1, i2, j1, j2 in opcodes if tag != "equal"]
    return sum(a for a, _ in changed), sum(r for _, r in changed)


@pytest.mark.parametrize("base", ["HEAD", None])
def test_a_threshold_change_is_shown_once_with_every_panel_and_alert_it_drives(
    repo: Paths, installation: Installation, base: str | None
) -> None:
    _edit(repo.libsonnet / "config.libsonnet", "warning: 0.5, critical: 1,", "warning: 0.4,"
          " critical: 1,")  # fmt: skip
    report = _diff(repo, installation, base)
    lines = report.splitlines()
    drives = _p95_drives(repo)
    assert "🚀 Executive Overview › ⏱️ Latency p95, " in drives
    assert [line for line in lines if line.startswith("- `thresholds.")] == [drives]
    # the alert that now pages at 0.4, under its name and severity, expression before and after
    assert "rules 0 added, 0 removed, 1 changed" in report
    alert = report.split(f"#### {P95_ALERT}: changed", 1)[1]
    assert "Driven by `thresholds.latencyP95.warning`." in alert
    assert alert.split("after:", 1)[0].rstrip().endswith(") > 0.5\n```")
    assert alert.split("after:", 1)[1].split("```", 2)[1].rstrip().endswith(") > 0.4")
    assert '| `annotations.summary` | `"P95 Latency above 500ms on' in alert
    # the panels say where their new level comes from; the docs get their summary line
    assert "`green, yellow ≥ 400 ms, red ≥ 1 s (from thresholds.latencyP95.warning)`" in report
    # (the p95 panels' rows, the service health table's description, the alert's runbook...)
    added, removed = _lines_changed(repo, outputs.DOCS_FILE)
    assert added >= 6 and removed >= 6
    assert f"- **Docs** (`docs/dashboards.md`): {added} lines added, {removed} removed, under" in (
        report
    )


def test_a_panel_inserted_mid_row_is_one_addition_and_moves_nothing_else(
    repo: Paths, installation: Installation
) -> None:
    _edit(repo.root / SOURCE, "      p.latencyP95,\n", "      p.latencyP95,\n      p.authLogins,\n")
    report = _diff(repo, installation)
    # Ids come from keys: the panels after it keep theirs, and so do the alerts' links.
    summary = "panels 1 added, 0 removed, 0 renamed, 0 moved, 0 changed"
    assert f"- **🚀 Executive Overview** (`leaky-tokens-overview`): {summary}\n" in report
    added = report.split("#### 🔐 Auth logins per minute (stat, ➕ added)", 1)[1]
    # below the service health row (its header, the 11-high table, the 8-high graphs)
    assert "- place: row “Key metrics”, place 4 (x 12, y 21), size 4×5" in added
    assert "```promql\n(sum (rate(auth_login_total{" in added
    assert "panel ids changed" not in report
    assert "LeakyTokensErrorRateHigh" not in report


def test_a_removal_beside_a_rename_with_a_query_change_pairs_only_the_renamed_panel(
    repo: Paths, installation: Installation
) -> None:
    _edit(repo.root / "dashboards/leaky-tokens-gateway.jsonnet", "      p.cachePerformance,\n", "")
    gateway = repo.libsonnet / "gateway.libsonnet"
    _edit(gateway, "title='Rate limiting activity',", "title='Rate limiter decisions',")
    _edit(gateway, "    events=gateway.rateLimit,\n  ),", "    events=gateway.rateLimit,\n"
          "  ) + { targets: [super.targets[0] { expr: 'sum(rate(gateway_rate_limit_total"
          "[$__rate_interval])) * 60' }] },")  # fmt: skip
    report = _diff(repo, installation)
    summary = "panels 0 added, 1 removed, 1 renamed, 0 moved, 1 changed"
    assert f"(`leaky-tokens-gateway`): {summary}" in report
    assert "#### Cache performance (timeseries, ➖ removed)" in report
    renamed = report.split("#### Rate limiter decisions (timeseries)", 1)[1]
    assert "Renamed: “Rate limiting activity” → “Rate limiter decisions”." in renamed
    before = renamed.split("Query `A` before:\n\n```promql\n", 1)[1].split("\n```")[0]
    after = renamed.split("after:\n\n```promql\n", 1)[1].split("\n```")[0]
    assert (before, after) == (
        "sum by (outcome) (rate(gateway_rate_limit_total[$__rate_interval])) * 60",
        "sum(rate(gateway_rate_limit_total[$__rate_interval])) * 60",
    )


def test_build_and_diff_report_a_rename_alike(repo: Paths, installation: Installation) -> None:
    from leaky_dashboards import build
    from leaky_dashboards.errors import DriftError

    source = repo.root / SOURCE
    _edit(source, "      p.latencyP95,\n", "      p.authLogins,\n      p.latencyP95,\n")
    _edit(
        repo.libsonnet / "tokens.libsonnet",
        "outcomes('Consumption outcomes')",
        "outcomes('Outcomes')",
    )
    lines: list[str] = []
    with pytest.raises(DriftError):
        build.run(Project(repo, installation), echo=lines.append)
    overview = "  🚀 Executive Overview › "
    assert f"{overview}panel renamed: 'Consumption outcomes' → 'Outcomes'" in lines
    assert not any("panel removed" in line or "moved" in line for line in lines), lines
    assert any(line.startswith(f"{overview}panel added: '🔐 Auth logins") for line in lines)
    report = _diff(repo, installation)
    assert "Renamed: “Consumption outcomes” → “Outcomes”." in report
    assert "panels 1 added, 0 removed, 1 renamed, 0 moved, 0 changed" in report
