"""Sources are hostile input: Jsonnet reads only the project's sources, and what a source can make
the engine do is bounded. Each refusal is an error naming the file and line, exit 2, and nothing
written; no text of a refused file ever reaches the output."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from leaky_dashboards import build, cli
from leaky_dashboards.limits import SOURCE_MAX_BYTES
from leaky_dashboards.project import Project
from leaky_dashboards.settings import ROOT, Installation, Paths

from .conftest import snapshot

SECRET = "TOPSECRET-7f3a9c"
ENGINES = ["go", "cpp"]


def _state(tree: Paths) -> dict[str, bytes]:
    return snapshot(tree.golden) | {f"prov/{k}": v for k, v in snapshot(tree.provisioning).items()}


@pytest.fixture
def built(tree: Paths, installation: Installation) -> Paths:
    build.run(Project(tree, installation), echo=lambda _: None)
    return tree


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file beside the project, never inside it: what a hostile source would read."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"{SECRET}\n")
    return outside / "secret.txt"


def _source(tree: Paths, title: str) -> Path:
    """A dashboard source whose title (line 3) is `title`, a Jsonnet expression."""
    path = tree.dashboards / "leaky-tokens-x.jsonnet"
    path.write_text(f"local lt = import 'leaky.libsonnet';\n{{\n  uid: 'x', title: {title},\n}}\n")
    return path


def _refused(tree: Paths, engine: str, capsys: pytest.CaptureFixture[str], *words: str) -> str:
    """Build: exit 2, the error names every word, nothing written, no secret anywhere."""
    before = _state(tree)
    assert cli.build(engine, paths=tree) == 2
    out, err = capsys.readouterr()
    for word in words:
        assert word in err
    assert SECRET not in out + err
    assert _state(tree) == before
    return err


@pytest.mark.parametrize("engine", ENGINES)
def test_importstr_of_proc_self_environ_is_refused_at_its_line(
    built: Paths, engine: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _source(built, "importstr '/proc/self/environ'")
    err = _refused(
        built, engine, capsys, "dashboards/leaky-tokens-x.jsonnet:3:", "'/proc/self/environ'"
    )
    assert "refused" in err and os.environ.get("PATH", "") not in err


@pytest.mark.parametrize("engine", ENGINES)
def test_an_absolute_path_outside_the_project_is_refused(
    built: Paths, engine: str, secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _source(built, f"importstr '{secret}'")
    _refused(built, engine, capsys, "leaky-tokens-x.jsonnet:3:", str(secret), "refused")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_parent_directory_escape_is_refused(
    built: Paths, engine: str, secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _source(built, "importstr '../outside/secret.txt'")
    _refused(built, engine, capsys, "leaky-tokens-x.jsonnet:3:", "'../outside/secret.txt'")
    _source(built, "importstr '../../etc/passwd'")
    _refused(built, engine, capsys, "leaky-tokens-x.jsonnet:3:", "'../../etc/passwd'")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_symlink_in_libsonnet_that_leaves_the_project_is_refused(
    built: Paths, engine: str, secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (built.libsonnet / "evil.libsonnet").symlink_to(secret)
    _source(built, "importstr 'evil.libsonnet'")
    _refused(built, engine, capsys, "leaky-tokens-x.jsonnet:3:", "evil.libsonnet", "a link to")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_symlinked_directory_that_leaves_the_project_is_refused(
    built: Paths, engine: str, secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (built.libsonnet / "vendor").symlink_to(secret.parent, target_is_directory=True)
    _source(built, "importstr 'vendor/secret.txt'")
    _refused(built, engine, capsys, "leaky-tokens-x.jsonnet:3:", "'vendor/secret.txt'")


def test_an_import_deep_in_the_library_is_refused_where_it_is_written(
    built: Paths, secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (built.libsonnet / "inner.libsonnet").write_text(f"{{\n  text: importstr '{secret}',\n}}\n")
    _source(built, "(import 'inner.libsonnet').text")
    _refused(built, "go", capsys, "libsonnet/inner.libsonnet:2:", str(secret))


def test_a_link_that_stays_inside_the_project_is_followed(built: Paths) -> None:
    (built.libsonnet / "alias.libsonnet").symlink_to(built.libsonnet / "leaky.libsonnet")
    dashboard = built.dashboards / "leaky-tokens-business.jsonnet"
    dashboard.write_text(dashboard.read_text().replace("'leaky.libsonnet'", "'alias.libsonnet'"))
    assert cli.build("go", paths=built) == 0


@contextmanager
def _unblocking(fifo: Path) -> Iterator[None]:
    """While the block runs, open `fifo`'s writing end whenever a reader waits on it, so a
    reader that blocks (as before the sandbox) gets end-of-file and the test ends."""
    done = threading.Event()

    def unblock() -> None:
        while not done.wait(0.5):
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                continue  # no reader waiting

    thread = threading.Thread(target=unblock, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


@pytest.mark.parametrize("engine", ENGINES)
def test_a_fifo_named_like_a_dashboard_is_named_and_never_waited_on(
    built: Paths, engine: str, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = built.dashboards / "leaky-tokens-fifo.jsonnet"
    os.mkfifo(fifo)
    with _unblocking(fifo):
        _refused(built, engine, capsys, "dashboards/leaky-tokens-fifo.jsonnet: a FIFO")


def test_a_fifo_in_the_library_is_named_by_lint(
    built: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = built.libsonnet / "unused.libsonnet"
    os.mkfifo(fifo)
    with _unblocking(fifo):
        _refused(built, "go", capsys, "libsonnet/unused.libsonnet: a FIFO")


@pytest.mark.parametrize("engine", ENGINES)
def test_non_utf8_bytes_in_a_source_are_named_with_their_line(
    built: Paths, engine: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = built.dashboards / "leaky-tokens-business.jsonnet"
    source.write_bytes(source.read_bytes().replace(b"\n", b" // caf\xe9\n", 1))
    err = _refused(
        built, engine, capsys, "dashboards/leaky-tokens-business.jsonnet:1:", "not UTF-8"
    )
    assert "format" not in err


def test_non_utf8_bytes_in_an_unused_library_file_are_named(
    built: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    (built.libsonnet / "unused.libsonnet").write_bytes(b"{\n  a: 'caf\xe9',\n}\n")
    err = _refused(built, "go", capsys, "libsonnet/unused.libsonnet:2:", "not UTF-8")
    assert "format" not in err


def test_a_non_utf8_file_name_is_named(built: Paths, capsys: pytest.CaptureFixture[str]) -> None:
    odd = os.fsdecode(bytes(built.dashboards) + b"/leaky-tokens-\xff.jsonnet")
    Path(odd).write_text("{ uid: 'odd', title: 'Odd' }\n")
    _refused(built, "go", capsys, "leaky-tokens-\\xff.jsonnet", "not UTF-8")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_source_above_the_size_limit_is_refused_before_it_is_parsed(
    built: Paths, engine: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A 50 MB string literal once made the C++ engine take the machine's memory.
    _source(built, "'" + "a" * 50_000_000 + "'")
    _refused(built, engine, capsys, "leaky-tokens-x.jsonnet: 50,000,", f"{SOURCE_MAX_BYTES:,}")


def test_an_imported_data_file_above_the_size_limit_is_refused(
    built: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    (built.libsonnet / "data.txt").write_bytes(b"x" * (SOURCE_MAX_BYTES + 1))
    _source(built, "importstr 'data.txt'")
    _refused(built, "go", capsys, "libsonnet/data.txt: ", f"{SOURCE_MAX_BYTES:,} bytes")


def _build_in_child(tree: Paths, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    script = (
        "import sys; from pathlib import Path; from leaky_dashboards import cli; "
        "from leaky_dashboards.settings import Paths; "
        f"sys.exit(cli.build('go', paths=Paths.under(Path({str(tree.root)!r}))))"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=os.environ | {"LEAKY_JSONNET_CACHE": "off"} | env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_an_evaluation_above_the_memory_limit_is_stopped(built: Paths) -> None:
    before = _state(built)
    _source(built, "std.toString(std.length(std.makeArray(20000000, function(i) [i])))")
    done = _build_in_child(built, {"LEAKY_JSONNET_MAX_MB": "300"})
    assert done.returncode == 2, done.stderr
    assert "Jsonnet evaluation used" in done.stderr and "LEAKY_JSONNET_MAX_MB" in done.stderr
    assert "Traceback" not in done.stderr
    assert _state(built) == before


def test_an_evaluation_above_the_time_limit_is_stopped(built: Paths) -> None:
    before = _state(built)
    # Runs for ever in constant memory: a tail call the engines do not stack.
    _source(built, "local spin(n) = if n < 0 then '' else spin(n + 1) tailstrict; spin(0)")
    done = _build_in_child(built, {"LEAKY_JSONNET_MAX_SECONDS": "2"})
    assert done.returncode == 2, done.stderr
    assert "Jsonnet evaluation ran" in done.stderr and "LEAKY_JSONNET_MAX_SECONDS" in done.stderr
    assert _state(built) == before
