"""Source format: the real pinned jsonnetfmt names each unformatted file; `fmt` rewrites them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from leaky_dashboards import lint
from leaky_dashboards.lint import sourcefmt
from leaky_dashboards.project import Project
from leaky_dashboards.settings import Paths

UNFORMATTED = "{a:1,\n    b: [ 1,2 ]}\n"


def source_findings(tree: Paths, *, ci: bool = False) -> list[tuple[str, str, str]]:
    """The source-format findings (under CI an absent schema directory is a finding too)."""
    report = lint.lint(Project(tree), [], ci=ci)
    return [
        (str(f.where), f.rule, f.severity) for f in report.findings if f.rule.startswith("jsonnet")
    ]


def test_committed_sources_are_formatted_with_the_pinned_version(tree: Paths) -> None:
    assert source_findings(tree) == []
    assert sourcefmt.version(sourcefmt.find_binary() or "") == sourcefmt.PINNED_VERSION


def test_each_unformatted_file_is_named(tree: Paths) -> None:
    (tree.libsonnet / "extra.libsonnet").write_text(UNFORMATTED)
    (tree.dashboards / "leaky-tokens-extra.jsonnet").write_text(UNFORMATTED)
    assert source_findings(tree) == [
        ("dashboards/leaky-tokens-extra.jsonnet", "jsonnetfmt", "error"),
        ("libsonnet/extra.libsonnet", "jsonnetfmt", "error"),
    ]


def test_unparseable_source_is_reported_with_the_formatter_message(tree: Paths) -> None:
    (tree.libsonnet / "broken.libsonnet").write_text("{ a: }\n")
    report = lint.lint(Project(tree), [], ci=False)
    [finding] = report.findings
    assert str(finding.where) == "libsonnet/broken.libsonnet"
    assert "broken.libsonnet" in finding.message


def test_fmt_rewrites_only_unformatted_files_and_then_the_check_passes(tree: Paths) -> None:
    extra = tree.libsonnet / "extra.libsonnet"
    extra.write_text(UNFORMATTED)
    before = {p: p.read_bytes() for p in tree.libsonnet.glob("*.libsonnet") if p != extra}
    assert lint.fmt(tree, echo=lambda _: None) == [extra]
    assert extra.read_text() == "{\n  a: 1,\n  b: [1, 2],\n}\n"
    assert {p: p.read_bytes() for p in before} == before
    assert source_findings(tree) == []
    assert lint.fmt(tree, echo=lambda _: None) == []


def test_other_formatter_version_is_a_warning(tree: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sourcefmt, "PINNED_VERSION", "v0.0.1")
    assert source_findings(tree) == [("jsonnetfmt", "jsonnetfmt-version", "warning")]


def test_missing_formatter_is_an_error_only_under_ci(
    tree: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sourcefmt, "find_binary", lambda: None)
    assert source_findings(tree) == [("jsonnetfmt", "jsonnetfmt", "warning")]
    assert source_findings(tree, ci=True) == [("jsonnetfmt", "jsonnetfmt", "error")]


def test_a_passing_set_of_sources_is_remembered_by_content_and_a_changed_file_is_checked_again(
    tree: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEAKY_CACHE_DIR", str(tmp_path / "cache"))
    files = sourcefmt.sources(tree.dashboards, tree.libsonnet)
    assert sourcefmt.check(files).unformatted == []
    real_run = subprocess.run
    ran: list[list[str]] = []

    def counting(argv: list[str], *args: Any, **kwargs: Any) -> Any:
        ran.append(argv)
        return real_run(argv, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting)
    assert sourcefmt.check(files).unformatted == []
    assert ran == []  # remembered: no formatter ran
    changed = tree.libsonnet / "lint.libsonnet"
    changed.write_text(UNFORMATTED)
    assert sourcefmt.check(files).unformatted == [changed]
    assert ran, "a changed file is checked by the formatter"


def test_an_edited_formatter_memo_entry_is_not_believed(
    tree: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEAKY_CACHE_DIR", str(tmp_path / "cache"))
    files = sourcefmt.sources(tree.dashboards, tree.libsonnet)
    changed = tree.libsonnet / "lint.libsonnet"
    good = changed.read_bytes()
    changed.write_text(UNFORMATTED)
    assert sourcefmt.check(files).unformatted == [changed]
    changed.write_bytes(good)
    assert sourcefmt.check(files).unformatted == []
    # Someone rewrites the entries to say the unformatted content passed: not believed.
    changed.write_text(UNFORMATTED)
    memo = sourcefmt.Memo(sourcefmt.find_binary() or "")
    key = sourcefmt._files_key(files, None)
    entry = memo.directory / memo._key(key)
    header = {"format": sourcefmt.MEMO_FORMAT, "sha256": "0" * 64, "key": entry.name}
    entry.write_text(json.dumps(header) + "\nformatted")
    assert sourcefmt.check(files).unformatted == [changed]
