"""A build of inputs a successful build had is remembered: the same lines and outputs, without
compiling, linting or rendering; any change to what a build reads (a source no evaluation reads,
an environment file, an installation value, the package's code) builds anew; golden/ is compared
every time; an edited entry is not believed."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from leaky_dashboards import build, build_memo, engine
from leaky_dashboards.errors import DriftError
from leaky_dashboards.limits import SOURCE_MAX_BYTES
from leaky_dashboards.lint import LintError
from leaky_dashboards.project import Project
from leaky_dashboards.settings import Installation, Paths

from .conftest import snapshot

_TIME = re.compile(r"; \d+\.\d\d s$")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LEAKY_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every full build (compile, lint, render) from now on."""
    calls: list[str] = []
    real = build._checked

    def counting(project: Project, echo: Callable[[str], None]) -> build_memo.Remembered:
        calls.append("checked")
        return real(project, echo)

    monkeypatch.setattr(build, "_checked", counting)
    return calls


def _lines(tree: Paths, installation: Installation | None = None) -> list[str]:
    lines: list[str] = []
    build.run(Project(tree, installation or Installation()), echo=lines.append)
    return [_TIME.sub("", line) for line in lines]


def _outputs(tree: Paths) -> dict[str, bytes]:
    return snapshot(tree.provisioning) | {
        f"kube/{k}": v for k, v in snapshot(tree.root / "build" / "kubernetes").items()
    }


def test_an_unchanged_tree_is_remembered_with_the_same_lines_and_outputs(
    tree: Paths, cache: Path, checks: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _lines(tree)
    written = _outputs(tree)
    assert checks == ["checked"]
    shutil.rmtree(tree.provisioning / "datasources")  # outputs are written by every build

    def no_evaluation(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("a remembered build evaluates nothing")

    monkeypatch.setattr(engine, "_run", no_evaluation)
    monkeypatch.setattr(engine, "_run_many", no_evaluation)
    assert _lines(tree) == first
    assert checks == ["checked"]
    assert _outputs(tree) == written
    assert len(list((cache / build_memo.SUBDIR).glob(f"*{build_memo.SUFFIX}"))) == 1


def _unformatted_unused_source(tree: Paths) -> None:
    (tree.libsonnet / "unused.libsonnet").write_text("{a:1}\n")


def _environment_edit(tree: Paths) -> None:
    path = next((tree.root / "environments").glob("*.yaml"))
    path.write_text(path.read_text() + "# edited\n")


def _bytecode_named_source(tree: Paths) -> None:
    # A directory the package's bytecode would be skipped by, but in the sources: read by them.
    (tree.libsonnet / "__pycache__").mkdir()
    (tree.libsonnet / "__pycache__" / "unused.libsonnet").write_text("{a:1}\n")


def _golden_edit(tree: Paths) -> None:
    path = tree.golden / "docs" / "dashboards.md"
    path.write_bytes(path.read_bytes() + b"\nedited\n")


@pytest.mark.parametrize(
    ("change", "outcome"),
    [
        (_unformatted_unused_source, LintError),  # read by the formatter alone
        (_environment_edit, None),  # a comment: the same summary
        (_bytecode_named_source, None),  # read by no evaluation, hashed all the same
    ],
)
def test_a_changed_input_is_built_anew(
    tree: Paths,
    cache: Path,
    checks: list[str],
    change: Callable[[Paths], None],
    outcome: type[Exception] | None,
) -> None:
    _lines(tree)
    change(tree)
    if outcome is None:
        _lines(tree)
    else:
        with pytest.raises(outcome):
            _lines(tree)
    assert checks == ["checked", "checked"]


def test_another_installation_is_built_anew(tree: Paths, cache: Path, checks: list[str]) -> None:
    _lines(tree)
    _lines(tree, Installation(folder="Elsewhere"))
    assert b"Elsewhere" in (tree.provisioning / "dashboards" / "leaky-tokens.yaml").read_bytes()
    assert checks == ["checked", "checked"]


def test_a_change_of_the_code_is_built_anew(
    tree: Paths,
    cache: Path,
    checks: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code = tmp_path / "code"
    shutil.copytree(build_memo._PACKAGE, code, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(build_memo, "_PACKAGE", code)
    _lines(tree)
    _lines(tree)
    assert checks == ["checked"]
    with (code / "canonical.py").open("a") as module:
        module.write("# another version\n")
    _lines(tree)
    assert checks == ["checked", "checked"]


def test_golden_drift_is_found_by_a_remembered_build(
    tree: Paths, cache: Path, checks: list[str]
) -> None:
    _lines(tree)
    _golden_edit(tree)
    with pytest.raises(DriftError):
        _lines(tree)
    assert checks == ["checked"]  # remembered, and still compared with golden/


def test_an_edited_entry_is_not_believed(tree: Paths, cache: Path, checks: list[str]) -> None:
    _lines(tree)
    written = _outputs(tree)
    [entry] = (cache / build_memo.SUBDIR).glob(f"*{build_memo.SUFFIX}")
    content = entry.read_bytes()
    header, _, body = content.partition(b"\n")
    # Someone makes the remembered datasource point elsewhere, keeping the header.
    edited = body.replace(b"http://prometheus:9090", b"http://attacker:9090", 1)
    assert edited != body
    entry.write_bytes(header + b"\n" + edited)
    _lines(tree)
    assert checks == ["checked", "checked"]
    assert _outputs(tree) == written


def test_a_tree_with_a_special_file_is_never_remembered(tree: Paths, cache: Path) -> None:
    assert build_memo.key(Project(tree)) is not None
    os.mkfifo(tree.libsonnet / "pipe.libsonnet")
    assert build_memo.key(Project(tree)) is None


def _link_out(tree: Paths, outside: Path) -> None:
    (tree.dashboards / "elsewhere").symlink_to(outside)


def _loop(tree: Paths, outside: Path) -> None:
    (tree.libsonnet / "loop").symlink_to(tree.libsonnet)


def _oversized(tree: Paths, outside: Path) -> None:
    (tree.libsonnet / "big.txt").write_bytes(b"x" * (SOURCE_MAX_BYTES + 1))


@pytest.mark.parametrize("change", [_link_out, _loop, _oversized])
def test_a_source_tree_the_sandbox_would_not_read_whole_is_never_remembered(
    tree: Paths, tmp_path_factory: pytest.TempPathFactory, change: Callable[[Paths, Path], None]
) -> None:
    """A link out of the project, a loop or a file above a source's limit: nothing the memo may
    vouch for (nor spend time and memory hashing); the build reads the tree itself."""
    outside = tmp_path_factory.mktemp("outside")  # the tree is its own tmp_path
    (outside / "secret.libsonnet").write_text("{}\n")
    assert build_memo.key(Project(tree)) is not None
    change(tree, outside)
    assert build_memo.key(Project(tree)) is None


def test_nothing_is_remembered_with_the_cache_off(
    tree: Paths, cache: Path, checks: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(build_memo.SWITCH, "off")
    _lines(tree)
    _lines(tree)
    assert checks == ["checked", "checked"]
    assert not (cache / build_memo.SUBDIR).exists()
