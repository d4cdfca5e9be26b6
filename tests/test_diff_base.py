"""`invoke diff --base REF`: the base is rendered from the ref's own sources in a throwaway tree."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from leaky_dashboards import cli
from leaky_dashboards.errors import BuildError
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
    assert "`green, yellow ≥ 0.5, red ≥ 1` | `green, yellow ≥ 0.4, red ≥ 1`" in report
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
    assert "panels 0 added, 1 removed, 0 moved, 0 changed" in report
    assert "👥 Active users" in report.split("Removed panels:")[1]
    assert list(private_tmp.iterdir()) == []


def test_identical_tree_and_ref_give_an_empty_report_file_and_exit_0(
    repo: Paths, tmp_path: Path
) -> None:
    out = tmp_path / "report.md"
    assert cli.diff("HEAD", output=str(out), paths=repo) == 0
    assert out.read_bytes() == b""


def test_changes_exit_1_unless_no_fail_and_the_report_file_is_written_either_way(
    repo: Paths, tmp_path: Path
) -> None:
    source = repo.root / SOURCE
    source.write_text(source.read_text().replace("'Consumption outcomes'", "'Outcomes'"))
    failing, passing = tmp_path / "a.md", tmp_path / "b.md"
    assert cli.diff("HEAD", output=str(failing), paths=repo) == 1
    assert cli.diff("HEAD", fail=False, output=str(passing), paths=repo) == 0
    assert failing.read_bytes() == passing.read_bytes()
    assert '`"Consumption outcomes"` | `"Outcomes"`' in passing.read_text()


def test_default_base_is_the_golden_copy(repo: Paths, installation: Installation) -> None:
    source = repo.root / SOURCE
    source.write_text(source.read_text().replace("'Consumption outcomes'", "'Outcomes'"))
    report = jobs.diff(Project(repo, installation), fail=False, echo=lambda _: None)
    assert "working tree against `golden`" in report
    assert '`"Consumption outcomes"` | `"Outcomes"`' in report


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
