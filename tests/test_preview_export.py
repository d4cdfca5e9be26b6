"""`invoke preview` output: swapped in whole, scratch files removed, Chromium problems named."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaky_dashboards import cli
from leaky_dashboards.errors import BuildError
from leaky_dashboards.project import Project
from leaky_dashboards.review import bundle, chromium, jobs
from leaky_dashboards.settings import Installation, Paths


def _quiet(_: str) -> None:
    pass


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
        jobs.preview(Project(tree, installation), output=out, all_dashboards=True, echo=_quiet)
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
        jobs.preview(Project(tree, installation), output=out, all_dashboards=True, echo=_quiet)
    assert "chromium did not start (exit 1)" in str(raised.value)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert list(private_tmp.iterdir()) == []


def test_missing_node_is_an_input_error_that_says_how_to_get_it_and_writes_nothing(
    tree: Paths, installation: Installation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No bundle built yet, and no node to build it with.
    monkeypatch.setattr(bundle, "OUTPUT", tmp_path / "no-bundle-yet")
    monkeypatch.setenv(bundle.NODE_ENV, str(tmp_path / "no-such-node"))
    out = tmp_path / "preview"
    before = _previous_run(out)
    with pytest.raises(BuildError) as raised:
        jobs.preview(Project(tree, installation), output=out, all_dashboards=True, echo=_quiet)
    assert raised.value.exit_code == 2
    message = str(raised.value)
    assert message.startswith("node not found: install Debian's `nodejs` and `npm` (.ci/install")
    assert "\n" not in message
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not (tmp_path / "no-bundle-yet" / bundle.BUNDLE).exists()


def test_a_run_replaces_the_previous_output_whole_and_leaves_no_scratch(
    tree: Paths, tmp_path: Path, private_tmp: Path
) -> None:
    out = tmp_path / "preview"
    _previous_run(out)
    assert cli.preview(output=str(out), all_dashboards=True, paths=tree) == 0
    names = {p.name for p in out.iterdir()}
    assert "old.html" not in names
    assert "index.html" in names and "leaky-tokens-overview.png" in names
    assert list(private_tmp.iterdir()) == []
    index = (out / "index.html").read_text()
    for source in tree.dashboards.glob("*.jsonnet"):
        assert f'href="{source.stem}.html"' in index and f'href="{source.stem}.png"' in index


def test_only_changed_dashboards_are_drawn_in_the_specs_order_and_their_pictures_named(
    tree: Paths, installation: Installation, tmp_path: Path
) -> None:
    for name, old, new in (
        ("system", "'Database and host'", "'Database and the host'"),
        ("overview", "'Key metrics'", "'Headline numbers'"),
    ):
        source = tree.dashboards / f"leaky-tokens-{name}.jsonnet"
        text = source.read_text()
        assert old in text
        source.write_text(text.replace(old, new))
    out = tmp_path / "preview"
    lines: list[str] = []
    files = jobs.preview(Project(tree, installation), output=out, echo=lines.append)
    drawn = ["leaky-tokens-overview", "leaky-tokens-system"]  # config order: overview 1, system 4
    assert sorted(files) == sorted(
        ["index.html", *(f"{n}.{e}" for n in drawn for e in ["html", "png", "display.json"])]
    )
    assert lines[:2] == [f"wrote {out / (n + '.png')}" for n in drawn]
    assert all((out / f"{n}.png").is_file() for n in drawn)
    index = files["index.html"].decode()
    assert index.index("leaky-tokens-overview.html") < index.index("leaky-tokens-system.html")
    assert "changed against golden" in index


def test_nothing_changed_draws_nothing_and_says_so_unless_all(
    tree: Paths, installation: Installation, tmp_path: Path
) -> None:
    out = tmp_path / "preview"
    lines: list[str] = []
    files = jobs.preview(
        Project(tree, installation), output=out, screenshots=False, echo=lines.append
    )
    assert list(files) == ["index.html"]
    assert "no dashboard changed against golden; --all draws every dashboard" in lines
    everything = jobs.preview(
        Project(tree, installation),
        output=out,
        screenshots=False,
        all_dashboards=True,
        echo=_quiet,
    )
    order = [n for n in everything if n.endswith(".html") and n != "index.html"]
    # every dashboard of the tree, in the dashboards' order (config.dashboards, then unlisted ones)
    project = Project(tree, installation)
    uids = sorted((d.uid for d in project.dashboards), key=project.library.dashboard_rank)
    assert order == [f"{uid}.html" for uid in uids]
