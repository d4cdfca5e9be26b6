"""Bad input: a clear error naming the file (and line), a non-zero exit, and nothing written."""

from __future__ import annotations

import pytest

from leaky_dashboards import build, cli
from leaky_dashboards.errors import BuildError, JsonnetError
from leaky_dashboards.settings import Installation, Paths

from .conftest import snapshot


def _state(tree: Paths) -> dict[str, bytes]:
    return snapshot(tree.golden) | {f"prov/{k}": v for k, v in snapshot(tree.provisioning).items()}


@pytest.fixture
def built(tree: Paths, installation: Installation) -> Paths:
    build.run(tree, installation, "go", echo=lambda _: None)
    return tree


@pytest.mark.parametrize("engine", ["go", "cpp"])
def test_syntax_error_names_file_line_and_column_exits_2_and_writes_nothing(
    built: Paths, engine: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _state(built)
    (built.dashboards / "leaky-tokens-broken.jsonnet").write_text(
        "{\n  uid: 'x',\n  title: 'y' +\n}\n"
    )
    assert cli.build(engine, paths=built) == 2
    err = capsys.readouterr().err
    assert "leaky-tokens-broken.jsonnet:4:1" in err
    assert _state(built) == before


def test_runtime_error_names_file_line_and_failing_field(
    built: Paths, installation: Installation
) -> None:
    (built.dashboards / "leaky-tokens-broken.jsonnet").write_text(
        "{\n  uid: 'x',\n  title: 'y',\n  panels: [{ title: error 'no title for you' }],\n}\n"
    )
    with pytest.raises(JsonnetError) as raised:
        build.run(built, installation, "go", echo=lambda _: None)
    error = raised.value
    assert error.file.endswith("leaky-tokens-broken.jsonnet") and error.line == 4
    assert error.field == "panels.title" or error.field == "title"
    assert "no title for you" in str(error)


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("[1, 2]", "evaluates to an array, not a dashboard object"),
        ("null", "evaluates to null, not a dashboard object"),
        ("'x'", "evaluates to a string, not a dashboard object"),
        ("{ title: 'no uid' }", "not a dashboard object: no string `uid`"),
        ("{ uid: 'leaky-tokens-x' }", "not a dashboard object: no string `title`"),
    ],
)
def test_source_that_is_not_a_dashboard_is_named_in_one_line(
    built: Paths, installation: Installation, source: str, words: str
) -> None:
    before = _state(built)
    (built.dashboards / "leaky-tokens-x.jsonnet").write_text(source)
    with pytest.raises(BuildError) as raised:
        build.run(built, installation, "go", echo=lambda _: None)
    assert str(raised.value) == f"dashboards/leaky-tokens-x.jsonnet: {words}"
    assert _state(built) == before


def test_duplicate_uid_names_both_files(built: Paths, installation: Installation) -> None:
    source = built.dashboards / "leaky-tokens-overview.jsonnet"
    (built.dashboards / "leaky-tokens-zz.jsonnet").write_text(source.read_text())
    with pytest.raises(
        BuildError,
        match=r"leaky-tokens-zz.jsonnet: duplicate uid 'leaky-tokens-overview', "
        r"already used by dashboards/leaky-tokens-overview.jsonnet",
    ):
        build.run(built, installation, "go", echo=lambda _: None)


def test_corrupt_golden_file_is_named(built: Paths, installation: Installation) -> None:
    (built.golden / "dashboards" / "leaky-tokens-overview.json").write_text('{"title": ')
    with pytest.raises(
        BuildError, match=r"^golden/dashboards/leaky-tokens-overview.json: corrupt golden file"
    ):
        build.run(built, installation, "go", echo=lambda _: None)


def test_unreadable_golden_file_is_named(built: Paths, installation: Installation) -> None:
    # Root (as in CI) reads any file whatever its mode, so a dangling link makes it unreadable.
    target = built.golden / "dashboards" / "leaky-tokens-overview.json"
    target.unlink()
    target.symlink_to(built.root / "nowhere.json")
    with pytest.raises(BuildError, match=r"leaky-tokens-overview.json: unreadable golden file"):
        build.run(built, installation, "go", echo=lambda _: None)
