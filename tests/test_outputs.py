"""Outputs: refused when read-only, changed through their directory (or its link target), left
old or wholly new by any failure or interrupt, with nothing stray beside or inside them."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from leaky_dashboards import build, cli, fsio
from leaky_dashboards.errors import BuildError
from leaky_dashboards.project import Project
from leaky_dashboards.settings import ROOT, Installation, Paths

from .conftest import snapshot

OUTPUT_DIRS = ("golden", "provisioning", "build")  # build/: the Kubernetes manifests


def quiet(_: str) -> None:
    pass


def outputs(tree: Paths) -> dict[str, bytes]:
    return {f"{name}/{k}": v for name in OUTPUT_DIRS for k, v in snapshot(tree.root / name).items()}


def stray(tree: Paths) -> list[str]:
    """Anything a write left behind: temporaries inside the outputs, copies beside them."""
    inside = [
        p.as_posix()
        for name in OUTPUT_DIRS
        for p in (tree.root / name).rglob("*")
        if fsio.TEMP_MARK in p.name
    ]
    beside = sorted(
        p.name
        for p in tree.root.iterdir()
        if p.name not in {"dashboards", "libsonnet", "environments", "scratch", *OUTPUT_DIRS}
    )
    return inside + beside


@pytest.fixture
def built(tree: Paths, installation: Installation) -> Paths:
    build.run(Project(tree, installation), echo=quiet)
    return tree


def rename_a_panel(tree: Paths) -> None:
    source = tree.dashboards / "leaky-tokens-overview.jsonnet"
    source.write_text(source.read_text().replace("'Key metrics'", "'Headline numbers'"))


# ---- refused: read-only outputs ----


def test_read_only_provisioning_is_refused_exit_2_naming_it_and_nothing_is_touched(
    built: Paths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEAKY_PROMETHEUS_URL", "http://elsewhere:9090")  # provisioning changes
    before = outputs(built)
    built.provisioning.chmod(0o555)
    try:
        assert cli.build(paths=built) == 2
        assert built.provisioning.stat().st_mode & 0o777 == 0o555  # the same directory, kept
    finally:
        built.provisioning.chmod(0o755)
    err = capsys.readouterr().err
    assert "error: provisioning: read-only" in err and "nothing was written" in err
    assert outputs(built) == before
    assert stray(built) == []


def test_read_only_golden_subdirectory_is_refused_by_golden_update_before_provisioning(
    built: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    rename_a_panel(built)
    (built.golden / "extra.txt").write_text("stale")
    before = outputs(built)
    (built.golden / "dashboards").chmod(0o555)
    try:
        assert cli.build(update=True, paths=built) == 2
    finally:
        (built.golden / "dashboards").chmod(0o755)
    assert "error: golden/dashboards: read-only" in capsys.readouterr().err
    assert outputs(built) == before  # not even the writable golden/extra.txt was removed
    assert stray(built) == []


def test_provisioning_that_is_a_file_is_refused(tree: Paths, installation: Installation) -> None:
    tree.provisioning.rmdir()
    tree.provisioning.write_text("not a directory")
    with pytest.raises(fsio.WriteRefused, match=r"^provisioning: exists and is not a directory"):
        build.run(Project(tree, installation), echo=quiet)
    assert tree.provisioning.read_text() == "not a directory"


# ---- through the directory: links, modes, unchanged files ----


def test_symlinked_provisioning_is_written_through_its_link_and_stale_files_go(
    tree: Paths, installation: Installation, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "deployed"
    (elsewhere / "old").mkdir(parents=True)
    (elsewhere / "old" / "stale.yaml").write_text("stale")
    (elsewhere / "README.md").write_text("kept")
    tree.provisioning.rmdir()
    tree.provisioning.symlink_to(elsewhere, target_is_directory=True)
    build.run(Project(tree, installation), echo=quiet)
    assert tree.provisioning.is_symlink() and tree.provisioning.resolve() == elsewhere
    assert sorted(snapshot(elsewhere)) == [
        "README.md",
        "dashboards/leaky-tokens.yaml",
        "datasources/prometheus.yaml",
        "prometheus/leaky-tokens-alerts.yaml",
    ]
    assert not (elsewhere / "old").exists()  # emptied directories go with their files
    assert stray(tree) == []


def test_unchanged_files_are_not_rewritten(built: Paths, installation: Installation) -> None:
    files = sorted(p for p in built.provisioning.rglob("*") if p.is_file())
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in files}
    build.run(Project(built, installation), echo=quiet)
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in files} == before


def test_a_build_leaves_nothing_beside_or_inside_the_outputs(
    built: Paths, installation: Installation, private_tmp: Path
) -> None:
    rename_a_panel(built)
    build.run(Project(built, installation), update=True, echo=quiet)
    assert stray(built) == []
    assert list(private_tmp.iterdir()) == []


def test_clean_removes_copies_older_builds_left_beside_the_outputs(tree: Paths) -> None:
    (tree.root / ".golden.old.abc123" / "dashboards").mkdir(parents=True)
    (tree.root / ".provisioning.new.x1").mkdir()
    assert cli.clean(tree) == 0
    assert stray(tree) == []


# ---- a failure or an interrupt at every write step ----


def count_steps(tree: Paths, job: Callable[[Paths], object]) -> int:
    calls = 0
    real = fsio.step

    def counting(*args: object) -> None:
        nonlocal calls
        calls += 1
        real(*args)  # type: ignore[arg-type]

    fsio.step = counting  # type: ignore[assignment]
    try:
        job(tree)
    finally:
        fsio.step = real
    return calls


def golden_update(tree: Paths) -> object:
    return build.run(Project(tree, Installation()), update=True, echo=quiet)


def prepared(root: Path, source: Paths) -> Paths:
    """A copy of `source` whose golden-update changes, adds and removes files in both outputs."""
    shutil.copytree(source.root, root, symlinks=True)
    tree = Paths.under(root)
    rename_a_panel(tree)
    (tree.golden / "docs" / "old-notes.md").write_text("stale golden file")
    (tree.provisioning / "datasources" / "prometheus.yaml").write_text("stale: true\n")
    (tree.provisioning / "old" / "deep").mkdir(parents=True)
    (tree.provisioning / "old" / "deep" / "x.yaml").write_text("stale")
    return tree


@pytest.mark.parametrize(
    "failure",
    [KeyboardInterrupt(), OSError(errno.ENOSPC, "No space left on device", "x")],
    ids=["interrupt", "disk-full"],
)
def test_a_failure_at_every_write_step_leaves_old_or_new_outputs_and_nothing_stray(
    built: Paths,
    tmp_path_factory: pytest.TempPathFactory,
    private_tmp: Path,
    failure: BaseException,
) -> None:
    copies = tmp_path_factory.mktemp("copies")
    reference = prepared(copies / "reference", built)
    old = outputs(reference)
    steps = count_steps(reference, golden_update)
    new = outputs(reference)
    assert steps >= 10 and new != old
    real = fsio.step
    for n in range(1, steps + 1):
        tree = prepared(copies / f"run-{n}", built)
        assert outputs(tree) == old
        calls = 0

        def failing(*args: object, n: int = n) -> None:
            nonlocal calls
            calls += 1
            if calls == n:
                raise failure
            real(*args)  # type: ignore[arg-type]

        fsio.step = failing  # type: ignore[assignment]
        try:
            golden_update(tree)
        except (KeyboardInterrupt, BuildError):
            assert outputs(tree) in (old, new), f"step {n} of {steps} left a mix"
        else:  # past the switch, a step that fails is tried again: the change is finished
            assert outputs(tree) == new, f"step {n} of {steps}"
        finally:
            fsio.step = real
        assert stray(tree) == [], f"step {n}"
        assert list(private_tmp.iterdir()) == [], f"step {n}"


def test_a_failed_write_names_the_place_and_exits_2(
    built: Paths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEAKY_PROMETHEUS_URL", "http://elsewhere:9090")
    before = outputs(built)
    real = fsio.step

    def disk_full(op: str, path: Path, arg: object = None) -> None:
        if op == "write":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(op, path, arg)  # type: ignore[arg-type]

    monkeypatch.setattr(fsio, "step", disk_full)
    assert cli.build(paths=built) == 2
    err = capsys.readouterr().err
    assert "cannot write: No space left on device; the old output was kept" in err
    assert str(built.provisioning) in err
    assert outputs(built) == before


def fail_renames(monkeypatch: pytest.MonkeyPatch, first: int, last: int) -> None:
    """`rename` steps `first` to `last` (counted from 1) fail with EPERM."""
    real, renames = fsio.step, [0]

    def step(op: str, path: Path, arg: object = None) -> None:
        if op == "rename":
            renames[0] += 1
            if first <= renames[0] <= last:
                raise OSError(errno.EPERM, "Operation not permitted", str(arg))
        real(op, path, arg)  # type: ignore[arg-type]

    monkeypatch.setattr(fsio, "step", step)


def test_a_failed_rename_after_others_is_reported_by_its_cause_and_the_old_output_kept(
    built: Paths,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree = prepared(tmp_path_factory.mktemp("copy") / "tree", built)
    before = outputs(tree)
    fail_renames(monkeypatch, 2, 2)  # the first file is in place when the second fails
    assert cli.build(update=True, paths=tree) == 2
    err = capsys.readouterr().err
    assert "cannot write: Operation not permitted; the old output was kept" in err
    assert "could not restore" not in err
    assert outputs(tree) == before
    assert stray(tree) == []


def test_a_rollback_that_fails_too_still_names_the_first_cause(
    built: Paths,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree = prepared(tmp_path_factory.mktemp("copy") / "tree", built)
    fail_renames(monkeypatch, 2, 1000)  # and every rename after it, the undo's too
    assert cli.build(update=True, paths=tree) == 2
    err = capsys.readouterr().err
    assert "cannot write: Operation not permitted; could not restore the old output: " in err


def test_ctrl_c_during_a_build_prints_interrupted_and_exits_130(
    built: Paths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(fsio, "step", interrupt)
    rename_a_panel(built)
    before = outputs(built)
    assert cli.build(update=True, paths=built) == 130
    assert capsys.readouterr().err.strip() == "interrupted"
    assert outputs(built) == before


# ---- real signals, in a child process ----

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from leaky_dashboards import artifacts, cli, fsio
    from leaky_dashboards.settings import Paths

    tree, signame, where = Paths.under(Path(sys.argv[1])), sys.argv[2], sys.argv[3]
    sig = getattr(signal, signame)
    if where == "render":  # while the alert rules are evaluated
        def stop(dashboards, library):
            os.kill(os.getpid(), sig)
            return {}
        artifacts.PRODUCERS.insert(3, stop)
    else:  # inside the write journal: held until it ends, then the job stops
        real, calls = fsio.step, [0]
        def step(*args):
            calls[0] += 1
            if calls[0] == 3:
                os.kill(os.getpid(), sig)
            real(*args)
        fsio.step = step
    sys.exit(cli.build(update=True, paths=tree))
    """
)


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("where", ["render", "write"])
def test_a_signal_stops_the_job_with_130_and_leaves_old_or_new_outputs_and_no_temp(
    built: Paths, tmp_path_factory: pytest.TempPathFactory, signame: str, where: str
) -> None:
    rename_a_panel(built)
    before = outputs(built)
    temp = tmp_path_factory.mktemp("tmp")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAKY_")}
    env |= {"TMPDIR": str(temp), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(built.root), signame, where],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 130, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "interrupted"
    assert "Traceback" not in done.stderr
    after = outputs(built)
    if where == "render":
        assert after == before
    else:  # the signal waited for the journal: both outputs are wholly new
        assert after != before
        assert "row renamed: 'Key metrics' → 'Headline numbers'" in done.stdout
    assert stray(built) == []
    assert list(temp.iterdir()) == []
