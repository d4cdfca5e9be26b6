"""Bad input: a clear error naming the file (and line), a non-zero exit, and nothing written."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from typing import Any

import pytest

from leaky_dashboards import build, cli
from leaky_dashboards.errors import BuildError, JsonnetError
from leaky_dashboards.lint import schema
from leaky_dashboards.project import Project
from leaky_dashboards.settings import Installation, Paths

from .conftest import snapshot


def _state(tree: Paths) -> dict[str, bytes]:
    return snapshot(tree.golden) | {f"prov/{k}": v for k, v in snapshot(tree.provisioning).items()}


@pytest.fixture
def built(tree: Paths, installation: Installation) -> Paths:
    build.run(Project(tree, installation), echo=lambda _: None)
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
        build.run(Project(built, installation), echo=lambda _: None)
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
        build.run(Project(built, installation), echo=lambda _: None)
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
        build.run(Project(built, installation), echo=lambda _: None)


def test_corrupt_golden_file_is_named(built: Paths, installation: Installation) -> None:
    (built.golden / "dashboards" / "leaky-tokens-overview.json").write_text('{"title": ')
    with pytest.raises(
        BuildError, match=r"^golden/dashboards/leaky-tokens-overview.json: corrupt golden file"
    ):
        build.run(Project(built, installation), echo=lambda _: None)


def test_unreadable_golden_file_is_named(built: Paths, installation: Installation) -> None:
    # Root (as in CI) reads any file whatever its mode, so a dangling link makes it unreadable.
    target = built.golden / "dashboards" / "leaky-tokens-overview.json"
    target.unlink()
    target.symlink_to(built.root / "nowhere.json")
    with pytest.raises(BuildError, match=r"leaky-tokens-overview.json: unreadable golden file"):
        build.run(Project(built, installation), echo=lambda _: None)


# ---- bad trees: no dashboards, corrupt golden files ----

JOBS = {
    "build": lambda tree: cli.build(paths=tree),
    "golden-update": lambda tree: cli.build(update=True, paths=tree),
    "lint": lambda tree: cli.lint(paths=tree),
    "diff": lambda tree: cli.diff(paths=tree),
    "docs": lambda tree: cli.docs(paths=tree),
    "preview": lambda tree: cli.preview(paths=tree),
    "verify": lambda tree: cli.verify(paths=tree),
    "fmt": lambda tree: cli.fmt(paths=tree),
}


@pytest.mark.parametrize("job", sorted(JOBS))
@pytest.mark.parametrize("state", ["empty", "missing"])
def test_no_dashboard_sources_is_an_error_for_every_job_and_nothing_is_written(
    built: Paths, job: str, state: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for source in built.dashboards.glob("*"):
        source.unlink()
    if state == "missing":
        built.dashboards.rmdir()
    before = snapshot(built.root)
    assert JOBS[job](built) == 2
    err = capsys.readouterr().err
    expected = "no dashboard sources" if state == "empty" else "no such directory"
    assert f"error: dashboards/: {expected}" in err
    assert snapshot(built.root) == before  # golden/ above all: it is not emptied


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("[1]", "holds an array, not a dashboard object"),
        ("null", "holds null, not a dashboard object"),
        ('"x"', "holds a string, not a dashboard object"),
        ('{"panels": [1]}', "panels[0] is a number, not an object"),
        ('{"title": ', "Expecting value"),
    ],
)
def test_corrupt_golden_dashboard_is_a_located_error_and_golden_update_rewrites_it(
    built: Paths, installation: Installation, content: str, words: str
) -> None:
    golden = built.golden / "dashboards" / "leaky-tokens-overview.json"
    reviewed = golden.read_bytes()
    golden.write_text(content)
    with pytest.raises(BuildError) as raised:
        build.run(Project(built, installation), echo=lambda _: None)
    assert raised.value.exit_code == 2
    assert str(raised.value).startswith(
        f"golden/dashboards/leaky-tokens-overview.json: corrupt golden file: {words}"
    )
    lines: list[str] = []
    build.run(Project(built, installation), update=True, echo=lines.append)
    assert "dashboards/leaky-tokens-overview.json: changed" in lines
    assert any("corrupt golden file" in line and "rewritten" in line for line in lines)
    assert golden.read_bytes() == reviewed
    assert build.run(Project(built, installation), echo=lambda _: None).changes == []


def test_golden_update_replaces_an_unreadable_golden_file(
    built: Paths, installation: Installation
) -> None:
    target = built.golden / "dashboards" / "leaky-tokens-overview.json"
    reviewed = target.read_bytes()
    target.unlink()
    target.symlink_to(built.root / "nowhere.json")
    lines: list[str] = []
    build.run(Project(built, installation), update=True, echo=lines.append)
    assert "  unreadable golden file, rewritten" in lines
    assert not target.is_symlink() and target.read_bytes() == reviewed


@pytest.mark.parametrize("job", ["diff", "preview"])
@pytest.mark.parametrize(
    ("path", "content", "words"),
    [
        ("dashboards/leaky-tokens-overview.json", '{"panels": 3}', "panels is a number"),
        ("dashboards/leaky-tokens-overview.json", "[1]", "holds an array"),
        ("dashboards/leaky-tokens-overview.json", '{"title": ', "Expecting value"),
        (
            "dashboards/leaky-tokens-overview.json",
            '{"panels": [{"type": "row", "panels": [1]}]}',
            "panels[0].panels[0] is a number",
        ),
        (
            "dashboards/leaky-tokens-overview.json",
            '{"panels": [{"gridPos": "wide"}]}',
            "`gridPos` or `fieldConfig` is malformed",
        ),
        ("provisioning/prometheus/leaky-tokens-alerts.yaml", "\xff: [", "unacceptable"),
        ("provisioning/prometheus/leaky-tokens-alerts.yaml", "groups: [1]", "`groups` is not"),
        ("provisioning/datasources/prometheus.yaml", "- a list", "not a YAML mapping"),
    ],
)
def test_corrupt_golden_file_under_diff_or_preview_is_a_located_error_exit_2(
    built: Paths, job: str, path: str, content: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (built.golden / path).write_bytes(content.encode("latin-1"))
    before = snapshot(built.root)
    assert JOBS[job](built) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: golden/{path}: corrupt golden file: ")
    assert words in err and "Traceback" not in err
    assert snapshot(built.root) == before


SCHEMA_FILES = ("dashboard", "units", "prometheus", *schema.PANEL_SCHEMAS)


def test_a_schema_directory_of_junk_files_is_an_error_naming_a_file_exit_2(
    built: Paths, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path_factory.mktemp("junk-schemas")
    for name in SCHEMA_FILES:
        (junk / f"{name}.jsonschema.json").write_text("garbage")
    before = snapshot(built.root)
    assert cli.build(paths=dataclasses.replace(built, schemas=junk)) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {junk}/dashboard.jsonschema.json: not a JSON schema: ")
    assert "Traceback" not in err
    assert snapshot(built.root) == before


@pytest.mark.parametrize(
    ("file", "spoil", "words"),
    [
        ("stat", lambda d: {"definitions": {**d["definitions"], "Options": 5}}, "not one of"),
        ("stat", lambda d: {"title": "no definitions"}, "not one of Grafana's JSON schemas"),
        ("dashboard", lambda d: {"definitions": {"Dashboard": {}}}, "has no definition 'Panel'"),
        (
            "stat",
            lambda d: {"definitions": {**d["definitions"], "Options": {"type": 5}}},
            "not a valid JSON schema",
        ),
        ("gauge", None, "unreadable Grafana schema file: Is a directory"),
    ],
)
def test_a_spoilt_schema_file_is_an_error_naming_it_exit_2(
    schema_paths: Paths,
    built: Paths,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    file: str,
    spoil: Callable[[dict[str, Any]], Any] | None,
    words: str,
) -> None:
    monkeypatch.setenv("LEAKY_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    spoilt = tmp_path_factory.mktemp("spoilt") / "schemas"
    shutil.copytree(schema_paths.schemas, spoilt)
    target = spoilt / f"{file}.jsonschema.json"
    if spoil is None:
        target.unlink()
        target.mkdir()
    else:
        target.write_text(json.dumps(spoil(json.loads(target.read_text()))))
    before = snapshot(built.root)
    assert cli.lint(paths=dataclasses.replace(built, schemas=spoilt)) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {target}: ") and words in err, err
    assert "Traceback" not in err
    assert snapshot(built.root) == before
