"""`invoke diff --base REF`: the shipped files as committed at REF and in the working tree (or
at `--head`), each side checked against what its own sources render; without a base, golden/
against a fresh rendering of the working tree's sources."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from leaky_dashboards import artifacts, cli, fsio
from leaky_dashboards.errors import BuildError
from leaky_dashboards.project import Project
from leaky_dashboards.review import diffing
from leaky_dashboards.settings import ROOT, Installation, Paths

SOURCE = "dashboards/leaky-tokens-overview.jsonnet"
OVERVIEW_GOLDEN = "golden/dashboards/leaky-tokens-overview.json"


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        check=True,
        capture_output=True,
    )
    return done.stdout.decode()


def _commit(root: Path, message: str) -> str:
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "--allow-empty", "-m", message)
    return _git(root, "rev-parse", "--short", "HEAD").strip()


def golden_update(repo: Paths, installation: Installation | None = None) -> None:
    """What `invoke golden-update` writes to golden/: the rendering of the sources."""
    files = artifacts.render_all(Project(repo, installation or Installation()))
    fsio.replace_tree(repo.golden, files)


@pytest.fixture
def repo(tree: Paths) -> Paths:
    """The project copy, with the Prometheus and compose files, as a git repository with
    everything committed."""
    shutil.copytree(ROOT / "prometheus", tree.root / "prometheus")
    shutil.copy(ROOT / "docker-compose.observability.yml", tree.root)
    _git(tree.root, "init", "-q")
    _commit(tree.root, "base")
    return tree


def _shas(report: str) -> list[str]:
    return re.findall(r"`([0-9a-f]{7,12})`", report.split("\n", 1)[0])


def test_base_ref_compares_the_committed_output_of_a_library_change(
    repo: Paths, installation: Installation
) -> None:
    config = repo.libsonnet / "config.libsonnet"
    text = config.read_text()
    assert "warning: 0.5, critical: 1," in text
    config.write_text(text.replace("warning: 0.5, critical: 1,", "warning: 0.4, critical: 1,"))
    golden_update(repo)
    report = diffing.diff(Project(repo, installation), base="HEAD", fail=False, echo=lambda _: None)
    assert "(working tree, with uncommitted changes) against `" in report
    assert "`green, yellow ≥ 500 ms, red ≥ 1 s` | `green, yellow ≥ 400 ms, red ≥ 1 s" in report
    assert "Each side's `golden/` is what its own sources render." in report


def test_base_ref_sees_a_panel_removed_from_the_source_since_that_commit(
    repo: Paths, installation: Installation
) -> None:
    source = repo.root / SOURCE
    source.write_text(source.read_text().replace("      p.activeUsers,\n", ""))
    golden_update(repo)
    with pytest.raises(diffing.ChangesFound) as raised:
        diffing.diff(Project(repo, installation), base="HEAD", echo=lambda _: None)
    assert raised.value.exit_code == 1
    report = diffing.diff(Project(repo, installation), base="HEAD", fail=False, echo=lambda _: None)
    assert "panels 0 added, 1 removed, 0 renamed, 0 moved, 0 changed" in report
    assert "#### 👥 Active users (stat, ➖ removed)" in report


def test_identical_sides_still_give_a_statement_naming_both_commits_and_exit_0(
    repo: Paths, tmp_path: Path
) -> None:
    base = _git(repo.root, "rev-parse", "--short", "HEAD").strip()
    head = _commit(repo.root, "nothing rendered changes")
    out = tmp_path / "report.md"
    assert cli.diff("HEAD~1", output=str(out), paths=repo) == 0
    text = out.read_text()
    assert _shas(text) == [head, base]
    listed = _git(repo.root, "ls-files").split()
    shipped = len([p for p in listed if p.startswith(("golden/", "prometheus/", "docker-co"))])
    assert f"**No change to any of {shipped} shipped files.**" in text
    assert cli.diff(output=str(out), paths=repo) == 0  # the golden check says it too
    golden = len([p for p in listed if p.startswith("golden/")])
    assert f"**No change to any of {golden} golden files.**" in out.read_text()
    assert _shas(out.read_text()) == [head]


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
    golden_update(repo)
    failing, passing = tmp_path / "a.md", tmp_path / "b.md"
    assert cli.diff("HEAD", output=str(failing), paths=repo) == 1
    assert cli.diff("HEAD", fail=False, output=str(passing), paths=repo) == 0
    assert failing.read_bytes() == passing.read_bytes()
    assert "Renamed: “Consumption outcomes” → “Outcomes”." in passing.read_text()


def test_without_a_base_golden_is_compared_with_a_fresh_rendering_and_says_so(
    repo: Paths, installation: Installation
) -> None:
    rename_consumption_outcomes(repo)
    report = diffing.diff(Project(repo, installation), fail=False, echo=lambda _: None)
    sha = _git(repo.root, "rev-parse", "--short", "HEAD").strip()
    assert report.startswith(
        f"## Golden check: the working tree's sources against its `golden/` at `{sha}`"
    )
    assert "what `invoke golden-update` would change" in report
    assert "This is not a review of commits" in report
    assert "Renamed: “Consumption outcomes” → “Outcomes”." in report


def test_unknown_ref_is_an_input_error_naming_the_ref(
    repo: Paths, installation: Installation
) -> None:
    with pytest.raises(BuildError) as raised:
        diffing.diff(Project(repo, installation), base="no-such-branch", echo=lambda _: None)
    assert raised.value.exit_code == 2
    assert str(raised.value).startswith("--base no-such-branch: not a commit")


def test_a_base_whose_sources_do_not_compile_is_a_warning_naming_it_and_its_file(
    repo: Paths, installation: Installation, private_tmp: Path
) -> None:
    source = repo.root / SOURCE
    good = source.read_text()
    source.write_text(good.replace("p.activeUsers,", "p.noSuchPanel,"))
    broken = _commit(repo.root, "broken")
    source.write_text(good)
    with pytest.raises(diffing.ChangesFound):
        diffing.diff(Project(repo, installation), base="HEAD", echo=lambda _: None)
    report = _diff(repo, installation)
    assert f"> **The sources at `{broken}` (`HEAD`) do not render**: " in report
    assert "leaky-tokens-overview.jsonnet" in report.split("do not render", 1)[1].split("\n")[0]
    assert "**No change to any of" in report  # what ships is still compared
    assert list(private_tmp.iterdir()) == []


# Three pull requests as a reviewer meets them, made in the sources of a throwaway tree.


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{path.name} no longer holds {old!r}"
    path.write_text(text.replace(old, new, 1))


def _diff(repo: Paths, installation: Installation, base: str | None = "HEAD") -> str:
    return diffing.diff(Project(repo, installation), base=base, fail=False, echo=lambda _: None)


def _pull_request(repo: Paths, installation: Installation, base: str | None = "HEAD") -> str:
    """The report on the sources' changes as a pull request makes them: with `--base`, the
    golden files rendered (`invoke golden-update`) and compared as committed."""
    if base is not None:
        golden_update(repo)
    return _diff(repo, installation, base)


P95_ALERT = "LeakyTokensLatencyP95High (warning)"
P95_DRIVES = (
    "- `thresholds.latencyP95.warning` 0.5 → 0.4 (500 ms → 400 ms): drives panels "
    "🚀 Executive Overview › Service health (column P95), "
    "🚀 Executive Overview › Latency p95 by service, 🚀 Executive Overview › ⏱️ Latency p95, "
    f"🚀 Executive Overview › Response latency percentiles and alert {P95_ALERT}"
)


@pytest.mark.parametrize("base", ["HEAD", None])
def test_a_threshold_change_is_shown_once_with_every_panel_and_alert_it_drives(
    repo: Paths, installation: Installation, base: str | None
) -> None:
    _edit(repo.libsonnet / "config.libsonnet", "warning: 0.5, critical: 1,", "warning: 0.4,"
          " critical: 1,")  # fmt: skip
    report = _pull_request(repo, installation, base)
    lines = report.splitlines()
    assert [line for line in lines if line.startswith("- `thresholds.")] == [P95_DRIVES]
    # the alert that now pages at 0.4, under its name and severity, expression before and after
    assert "rules 0 added, 0 removed, 1 changed" in report
    alert = report.split(f"#### {P95_ALERT}: changed", 1)[1]
    assert "Driven by `thresholds.latencyP95.warning`." in alert
    assert alert.split("after:", 1)[0].rstrip().endswith(") > 0.5\n```")
    assert alert.split("after:", 1)[1].split("```", 2)[1].rstrip().endswith(") > 0.4")
    assert '| `annotations.summary` | `"P95 Latency above 500ms on' in alert
    # the panels say where their new level comes from; the docs get their summary line
    assert "`green, yellow ≥ 400 ms, red ≥ 1 s (from thresholds.latencyP95.warning)`" in report
    # (the p95 panels' rows, the service health table's description, the alert's runbook)
    assert "- **Docs** (`golden/docs/dashboards.md`): 6 lines added, 6 removed, under" in report


def test_a_panel_inserted_mid_row_is_one_addition_and_moves_nothing_else(
    repo: Paths, installation: Installation
) -> None:
    _edit(repo.root / SOURCE, "      p.latencyP95,\n", "      p.latencyP95,\n      p.authLogins,\n")
    report = _pull_request(repo, installation)
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
    report = _pull_request(repo, installation)
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
    report = _pull_request(repo, installation)
    assert "Renamed: “Consumption outcomes” → “Outcomes”." in report
    assert "panels 1 added, 0 removed, 1 renamed, 0 moved, 0 changed" in report


# What ships is what is compared: pull requests whose committed output is not what their sources
# render, and the files outside golden/ that ship too.


def _hand_edit(path: Path, old: str, new: str) -> None:
    _edit(path, old, new)


def test_a_hand_edited_golden_file_shows_as_committed_under_a_warning_naming_it(
    repo: Paths, installation: Installation
) -> None:
    _hand_edit(repo.root / OVERVIEW_GOLDEN, '"title": "👥 Active users"', '"title": "👥 Users"')
    head = _commit(repo.root, "a title edited in golden/ by hand")
    report = _diff(repo, installation, "HEAD~1")
    warning = f"> **`{OVERVIEW_GOLDEN}` at `{head}` (working tree) is not what its sources render**"
    assert warning in report
    assert report.index(warning) < report.index("**Changed: 1 of ")
    assert "Renamed: “👥 Active users” → “👥 Users”." in report


def test_an_emptied_golden_dashboard_is_a_change_and_a_warning(
    repo: Paths, installation: Installation
) -> None:
    (repo.root / OVERVIEW_GOLDEN).write_bytes(b"")
    report = _diff(repo, installation)
    assert f"`{OVERVIEW_GOLDEN}` at " in report.split("> [!CAUTION]", 1)[1].split("\n\n")[0]
    assert (
        f"- **File** (`{OVERVIEW_GOLDEN}`): after is not a readable dashboard (empty); " in report
    )
    with pytest.raises(diffing.ChangesFound):
        diffing.diff(Project(repo, installation), base="HEAD", echo=lambda _: None)


def test_a_source_change_without_golden_update_changes_nothing_shipped_and_says_why(
    repo: Paths, installation: Installation
) -> None:
    rename_consumption_outcomes(repo)
    head = _commit(repo.root, "forgot golden-update")
    report = _diff(repo, installation, "HEAD~1")
    assert "**No change to any of" in report
    stale = f"> **`{OVERVIEW_GOLDEN}` at `{head}` (working tree) is not what its sources render**"
    assert stale in report
    assert "Renamed" not in report  # the rendering is not what ships


def test_a_stale_base_is_named_as_the_base(repo: Paths, installation: Installation) -> None:
    _hand_edit(repo.root / OVERVIEW_GOLDEN, '"title": "👥 Active users"', '"title": "👥 Users"')
    base = _commit(repo.root, "hand edit")
    golden_update(repo)
    report = _diff(repo, installation)
    assert (
        f"> **`{OVERVIEW_GOLDEN}` at `{base}` (`HEAD`) is not what its sources render**" in report
    )
    assert "Renamed: “👥 Users” → “👥 Active users”." in report


def test_a_hand_edited_provisioning_file_is_compared_and_flagged(
    repo: Paths, installation: Installation
) -> None:
    _hand_edit(repo.root / "golden/provisioning/datasources/prometheus.yaml", "15s", "30s")
    head = _commit(repo.root, "a provisioning value edited in golden/")
    report = _diff(repo, installation, "HEAD~1")
    assert f"`golden/provisioning/datasources/prometheus.yaml` at `{head}`" in report
    assert '`datasources[Prometheus].jsonData.timeInterval` | `"15s"` | `"30s"` |' in report


def test_prometheus_alertmanager_and_compose_files_are_compared(
    repo: Paths, installation: Installation
) -> None:
    _hand_edit(
        repo.root / "prometheus/alertmanager.yml", "repeat_interval: 4h", "repeat_interval: 48h"
    )
    _hand_edit(
        repo.root / "docker-compose.observability.yml", "prom/alertmanager:v0.25.0", "evil/am:1"
    )
    report = _diff(repo, installation)
    assert "**Changed: 2 of " in report
    assert "- **Alertmanager** (`prometheus/alertmanager.yml`): 1 field changed" in report
    assert '| `route.repeat_interval` | `"4h"` | `"48h"` |' in report
    assert "- **Compose** (`docker-compose.observability.yml`): 1 field changed" in report
    assert '`"prom/alertmanager:v0.25.0"` | `"evil/am:1"` |' in report
    assert "is not what its sources render" not in report  # nothing renders these


def test_head_ref_compares_two_commits_whatever_the_working_tree_holds(
    repo: Paths, installation: Installation
) -> None:
    base = _git(repo.root, "rev-parse", "--short", "HEAD").strip()
    rename_consumption_outcomes(repo)
    golden_update(repo)
    head = _commit(repo.root, "rename")
    (repo.root / OVERVIEW_GOLDEN).write_bytes(b"")  # the working tree is not reviewed
    report = diffing.diff(
        Project(repo, installation), base=base, head=head, fail=False, echo=lambda _: None
    )
    assert _shas(report) == [head, base]
    assert "Renamed: “Consumption outcomes” → “Outcomes”." in report
    assert "readable" not in report


# The reviewing code is the base's: a pull request that changes the comparer gets its report
# from the base's code.

HIDE_EVERY_DASHBOARD_CHANGE = (
    "def compare_dashboard(name: str, old: Json, new: Json) -> DashboardDiff:\n",
    "def compare_dashboard(name: str, old: Json, new: Json) -> DashboardDiff:\n"
    '    return DashboardDiff(name, _title(new, name), "unchanged")\n',
)
COMPARER = "leaky_dashboards/comparison/compare.py"


@pytest.fixture
def coded(repo: Paths) -> Paths:
    """The repository with the reviewing code (this package, tasks.py, pyproject.toml) committed
    in its base, exactly as this test runs it."""
    shutil.copytree(
        ROOT / "leaky_dashboards",
        repo.root / "leaky_dashboards",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    for name in ("tasks.py", "pyproject.toml"):
        shutil.copy(ROOT / name, repo.root / name)
    _commit(repo.root, "the reviewing code")
    return repo


def _hostile_pull_request(repo: Paths) -> str:
    """Renames a panel (sources and golden/) and makes the comparer call every dashboard
    unchanged."""
    rename_consumption_outcomes(repo)
    golden_update(repo)
    _edit(repo.root / COMPARER, *HIDE_EVERY_DASHBOARD_CHANGE)
    return _commit(repo.root, "rename, and hide it")


def _run_heads_code(repo: Paths, *args: str) -> subprocess.CompletedProcess[str]:
    """`invoke diff` as the pull request's own checkout runs it: its code, from its tree."""
    script = "import sys; from leaky_dashboards import cli; sys.exit(cli.diff(*sys.argv[1:2], "
    script += "fail=False, output='report.md'))"
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=repo.root,
        env=dict(os.environ, PYTHONPATH=str(repo.root)),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_a_pull_request_changing_the_comparer_gets_its_report_from_the_base_code(
    coded: Paths,
) -> None:
    _hostile_pull_request(coded)
    done = _run_heads_code(coded, "HEAD~1")
    assert done.returncode == 0, done.stderr
    text = (coded.root / "report.md").read_text()
    assert "Renamed: “Consumption outcomes” → “Outcomes”." in text
    assert f"This change modifies the reviewing code (`{COMPARER}`): this report is made by" in text


def test_run_from_the_base_checkout_the_base_code_reviews_the_head_commit(
    coded: Paths, installation: Installation
) -> None:
    base = _git(coded.root, "rev-parse", "--short", "HEAD").strip()
    head = _hostile_pull_request(coded)
    report = diffing.diff(
        Project(coded, installation), base=base, head=head, fail=False, echo=lambda _: None
    )
    assert "Renamed: “Consumption outcomes” → “Outcomes”." in report
    assert f"this report is made by the base's code, `{base}`" in report


def test_a_base_older_than_the_protocol_gives_a_loud_warning(coded: Paths) -> None:
    (coded.root / "leaky_dashboards/review/reviewer.py").unlink()
    _commit(coded.root, "a base from before the reviewer protocol")
    shutil.copy(
        ROOT / "leaky_dashboards/review/reviewer.py", coded.root / "leaky_dashboards/review/"
    )
    _hostile_pull_request(coded)
    done = _run_heads_code(coded, "HEAD~1")
    assert done.returncode == 0, done.stderr
    text = (coded.root / "report.md").read_text()
    caution = text.split("> [!CAUTION]\n", 1)[1]
    assert caution.startswith("> **This report is not made by the base's code.**")
    assert f"`{COMPARER}`" in caution.split("\n")[0]
