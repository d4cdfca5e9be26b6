"""Lint in the build: the real tree passes, an error stops the build before the golden diff."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaky_dashboards import build, cli, lint
from leaky_dashboards.lint import LintError
from leaky_dashboards.project import Project
from leaky_dashboards.settings import Installation, Paths, schema_dir

from .conftest import snapshot
from .test_lint_rules import SERIES, lint_fixture


def test_committed_dashboards_lint_without_errors() -> None:
    lines: list[str] = []
    report = lint.run(Project(), echo=lines.append)
    assert report.errors == [], "\n".join(lines)
    assert report.dashboards >= 1
    assert cli.lint() == 0


def test_lint_error_fails_the_build_with_exit_2_before_the_golden_diff_writing_nothing(
    tree: Paths, installation: Installation
) -> None:
    config = tree.libsonnet / "config.libsonnet"
    config.write_text(config.read_text().replace("refresh: '10s'", "refresh: '1m'"))
    before = snapshot(tree.root)
    lines: list[str] = []
    with pytest.raises(LintError) as raised:
        build.run(Project(tree, installation), echo=lines.append)
    assert raised.value.exit_code == 2
    assert "error: leaky-tokens-overview › refresh: refresh is '1m', the spec asks '10s'" in lines
    assert any(line.startswith("  refresh ") for line in lines)  # the per-rule summary
    assert not any(": changed" in line for line in lines)  # stopped before the golden diff
    assert snapshot(tree.root) == before
    assert cli.build(paths=tree) == 2


def test_absent_schema_directory_is_one_line_and_the_other_checks_still_run(
    tmp_path: Path,
) -> None:
    paths = Paths(schemas=tmp_path / "nowhere")
    report = lint_fixture("label-value-unknown", paths)
    [note] = report.notes
    assert "nowhere is absent" in note and "LEAKY_SCHEMA_DIR" in note
    assert [(str(f.where), f.rule) for f in report.findings] == [
        (f"{SERIES} › refId A", "label-value-unknown")
    ]


def test_absent_schema_directory_is_an_error_under_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    paths = Paths(schemas=tmp_path / "nowhere")
    report = lint.lint(Project(paths), [], check_sources=False)
    assert [(f.rule, f.severity) for f in report.findings] == [("schema-dir", "error")]
    assert report.notes == []


def test_schema_directory_follows_leaky_schema_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEAKY_SCHEMA_DIR", str(tmp_path))
    assert schema_dir() == tmp_path
    assert Paths().schemas == tmp_path


def break_a_query(tree: Paths) -> None:
    source = tree.dashboards / "leaky-tokens-overview.jsonnet"
    broken = "p.requestsPerMinute { targets: [super.targets[0] { expr: 'sum(rate(up[5m])' }] },"
    source.write_text(source.read_text().replace("p.requestsPerMinute,", broken, 1))


@pytest.mark.parametrize("job", ["build", "golden-update", "docs"])
def test_promql_error_surfaces_from_lint_with_its_rule_before_anything_parses_queries(
    tree: Paths, job: str, capsys: pytest.CaptureFixture[str]
) -> None:
    break_a_query(tree)
    before = snapshot(tree.root)
    run = {
        "build": lambda: cli.build(paths=tree),
        "golden-update": lambda: cli.build(update=True, paths=tree),
        "docs": lambda: cli.docs(paths=tree),
    }[job]
    assert run() == 2
    out, err = capsys.readouterr()
    assert "error: leaky-tokens-overview › " in out
    assert "Requests per minute › refId A › promql-syntax: unclosed left parenthesis" in out
    assert any(line.startswith("  promql-syntax ") for line in out.splitlines())
    assert "lint found 1 error(s)" in err and "PromQL does not parse" not in err
    assert snapshot(tree.root) == before
