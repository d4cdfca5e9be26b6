"""`invoke preview` output: swapped in whole, scratch files removed, Chromium problems named."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaky_dashboards import cli
from leaky_dashboards.errors import BuildError
from leaky_dashboards.project import Project
from leaky_dashboards.review import chromium, jobs
from leaky_dashboards.settings import Installation, Paths


def _previous_run(out: Path) -> dict[str, bytes]:
    out.mkdir(parents=True)
    (out / "old.html").write_text("from an earlier run")
    return {p.name: p.read_bytes() for p in out.iterdir()}


def test_missing_chromium_is_an_input_error_that_says_how_to_get_it_and_writes_nothing(
    tree: Paths, installation: Installation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(chromium.BINARY_ENV, str(tmp_path / "no-such-chromium"))
    out = tmp_path / "preview"
    before = _previous_run(out)
    with pytest.raises(BuildError) as raised:
        jobs.preview(Project(tree, installation), output=out, echo=lambda _: None)
    assert raised.value.exit_code == 2
    assert "install Debian's `chromium`" in str(raised.value)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_browser_that_makes_no_picture_is_named_with_the_page_and_leaves_no_scratch(
    tree: Paths, installation: Installation, tmp_path: Path, private_tmp: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv(chromium.BINARY_ENV, "/bin/false")
    out = tmp_path / "preview"
    before = _previous_run(out)
    with pytest.raises(BuildError) as raised:
        jobs.preview(Project(tree, installation), output=out, echo=lambda _: None)
    assert ".html: chromium made no screenshot (exit 1)" in str(raised.value)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert list(private_tmp.iterdir()) == []


def test_a_run_replaces_the_previous_output_whole_and_leaves_no_scratch(
    tree: Paths, tmp_path: Path, private_tmp: Path
) -> None:
    out = tmp_path / "preview"
    _previous_run(out)
    assert cli.preview(output=str(out), paths=tree) == 0
    names = {p.name for p in out.iterdir()}
    assert "old.html" not in names
    assert "index.html" in names and "leaky-tokens-overview.png" in names
    assert list(private_tmp.iterdir()) == []
    index = (out / "index.html").read_text()
    for source in tree.dashboards.glob("*.jsonnet"):
        assert f'href="{source.stem}.html"' in index and f'href="{source.stem}.png"' in index
