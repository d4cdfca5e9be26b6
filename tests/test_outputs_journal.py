"""The outputs' journal and lock, with real `invoke` processes: a golden-update killed outright
(SIGKILL) at any step is finished or undone by the next command of any kind, which says so; the
hidden temporaries of a write are never output; two builds never interleave."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from leaky_dashboards import build, fsio, outputs
from leaky_dashboards.project import Project
from leaky_dashboards.settings import (
    CACHE_ENV,
    ROOT,
    Installation,
    Paths,
    kubernetes_schema_dir,
    schema_dir,
)

from .conftest import snapshot
from .test_outputs import prepared

OUTPUT_DIRS = ("golden", "provisioning", "build")  # build/: the Kubernetes manifests
SOURCES = ("dashboards", "libsonnet", "environments")
PROJECT = {*SOURCES, "leaky_dashboards", "tasks.py", *OUTPUT_DIRS}

# Loaded by every Python the tests start (PYTHONPATH): a fault or a pause at a chosen point of
# the real command, set by environment variables only these tests set.
HOOKS = textwrap.dedent(
    """
    import os, signal, time
    from pathlib import Path
    if os.environ.get("TEST_KILL_AT_STEP"):
        from leaky_dashboards import fsio
        real, calls, at = fsio.step, [0], int(os.environ["TEST_KILL_AT_STEP"])
        def step(*args):
            calls[0] += 1
            if calls[0] == at:
                os.kill(os.getpid(), signal.SIGKILL)
            real(*args)
        fsio.step = step
    if os.environ.get("TEST_PAUSE_HOLDING_LOCK"):
        # Where every build is, holding the lock (one remembered by `build_memo` lints nothing).
        from leaky_dashboards import outputs
        real_read, marker = outputs.read_golden, Path(os.environ["TEST_PAUSE_HOLDING_LOCK"])
        def read_golden(*args, **kwargs):
            marker.write_text("holding the lock")
            while marker.exists():
                time.sleep(0.05)
            return real_read(*args, **kwargs)
        outputs.read_golden = read_golden
    """
)


def project_copy(root: Path) -> Paths:
    """A runnable checkout: sources, outputs, the package and tasks.py, built once."""
    for name in (*SOURCES, "golden", "leaky_dashboards"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "tasks.py", root)
    (root / "provisioning").mkdir()
    tree = Paths.under(root)
    build.run(Project(tree, Installation()), echo=lambda _: None)
    return tree


def clean_env() -> dict[str, str]:
    """This environment without installation values or test hooks (the cache dir kept)."""
    kept = os.environ.items()
    return {k: v for k, v in kept if k == CACHE_ENV or not k.startswith(("LEAKY_", "TEST_"))}


def invoke(
    tree: Paths, *args: str, env: dict[str, str] | None = None, hooks: Path
) -> subprocess.Popen[str]:
    base = clean_env()
    base |= {
        "PYTHONPATH": f"{tree.root}{os.pathsep}{hooks}",
        "LEAKY_SCHEMA_DIR": str(schema_dir()),
        "LEAKY_KUBERNETES_SCHEMA_DIR": str(kubernetes_schema_dir()),
        **(env or {}),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "invoke", *args],
        cwd=tree.root,
        env=base,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err


def both(tree: Paths) -> dict[str, bytes]:
    """Every output, every file, as one mapping (so a mix of old and new shows)."""
    return {f"{n}/{k}": v for n in OUTPUT_DIRS for k, v in snapshot(tree.root / n).items()}


def left_behind(tree: Paths) -> list[str]:
    inside = [
        p.relative_to(tree.root).as_posix()
        for name in OUTPUT_DIRS
        for p in (tree.root / name).rglob("*")
        if fsio.TEMP_MARK in p.name
    ]
    beside = sorted(p.name for p in tree.root.iterdir() if p.name not in PROJECT)
    return inside + beside


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("hooks")
    (directory / "sitecustomize.py").write_text(HOOKS)
    return directory


@pytest.fixture(scope="module")
def built_checkout(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """Built once for the module, at the path each test's own copy (`checkout`) then takes: the
    Jsonnet cache, keyed by the paths, spares those copies' commands the evaluation."""
    base = tmp_path_factory.mktemp("checkout")
    project_copy(base / "project").root.rename(base / "built")
    return Paths.under(base / "built")


@pytest.fixture
def checkout(built_checkout: Paths) -> Paths:
    root = built_checkout.root.with_name("project")
    if root.exists():
        shutil.rmtree(root)  # the test before's, kept until now
    shutil.copytree(built_checkout.root, root, symlinks=True)
    return Paths.under(root)


# The next command after the kill, of every kind in turn.
NEXT = [
    ("build",),
    ("lint",),
    ("diff", "--no-fail", "--output", "{scratch}/report.md"),
    ("fmt",),
    ("docs", "--output", "{scratch}/docs.md"),
    ("golden-update",),
]


@dataclass(frozen=True)
class Kills:
    """What a golden-update of the prepared checkout does: its steps, the outputs before and
    after, and the step that commits its journal (a kill up to it is rolled back, after it
    finished)."""

    steps: list[str]
    old: dict[str, bytes]
    new: dict[str, bytes]
    commit: int

    def boundaries(self) -> list[int]:
        """The kill points where the recovery changes: before the journal's first record, just
        after it, at the commit, just after it, the first removal, and the last step: one for each
        kind of next command."""
        first_removal = self.steps.index("unlink", self.commit) + 1
        points = [1, 2, self.commit, self.commit + 1, first_removal, len(self.steps)]
        assert len(set(points)) == len(points) == len(NEXT), points
        return points


@pytest.fixture
def kills(checkout: Paths, tmp_path: Path) -> Kills:
    reference = prepared(tmp_path / RUN, checkout)
    old = both(reference)
    calls: list[str] = []
    real = fsio.step

    def counting(op: str, path: Path, arg: object = None) -> None:
        calls.append(op)
        real(op, path, arg)  # type: ignore[arg-type]

    fsio.step = counting  # type: ignore[assignment]
    try:
        build.run(Project(reference, Installation()), update=True, echo=lambda _: None)
    finally:
        fsio.step = real
    new = both(reference)
    commit = [i for i, op in enumerate(calls, 1) if op == "journal"][1]  # staging, then commit
    assert len(calls) >= 15 and new != old
    shutil.rmtree(reference.root)
    return Kills(calls, old, new, commit)


# Each kill point's tree is a fresh copy at this one path, the reference's: the Jsonnet cache
# (keyed by the paths) then spares every command the evaluation the reference build made.
RUN = "run"


def killed_then_next(
    kills: Kills, n: int, next_command: tuple[str, ...], checkout: Paths, hooks: Path, tmp: Path
) -> None:
    """A golden-update killed at step n of a fresh copy of the checkout, then `next_command`
    there: it finishes or undoes the change, says so in one line, and leaves no temporary."""
    tree = prepared(tmp / RUN, checkout)
    code, _, err = finished(
        invoke(tree, "golden-update", env={"TEST_KILL_AT_STEP": str(n)}, hooks=hooks)
    )
    assert code == -9, err
    scratch = tmp / f"scratch-{n}"
    scratch.mkdir()
    command = [a.format(scratch=scratch) for a in next_command]
    code, _, err = finished(invoke(tree, *command, hooks=hooks))
    said = [line for line in err.splitlines() if line.startswith("outputs: ")]
    assert "Traceback" not in err, err
    if n == 1:  # killed before the journal's first record: nothing was touched
        assert said == []
    else:
        done = "rolled back" if n <= kills.commit else "finished"
        assert len(said) == 1, (n, command, err)
        assert said[0].startswith(
            f"outputs: {done} an interrupted change of golden/, provisioning/"
        ), (n, command, err)
        assert said[0].endswith("; removed its temporaries")
    after = both(tree)
    if command[0] == "golden-update":
        assert code == 0 and after == kills.new, (n, err)
    else:
        assert after == (kills.old if n <= kills.commit else kills.new), (n, command)
    assert left_behind(tree) == [], (n, command)
    shutil.rmtree(tree.root)  # kept when an assertion above fails


def test_a_golden_update_killed_where_recovery_changes_is_finished_or_undone_by_each_command(
    kills: Kills, checkout: Paths, hooks: Path, tmp_path: Path
) -> None:
    for n, next_command in zip(kills.boundaries(), NEXT, strict=True):
        killed_then_next(kills, n, next_command, checkout, hooks, tmp_path)


@pytest.mark.slow
def test_a_golden_update_killed_at_every_other_step_is_finished_or_undone_by_the_next_command(
    kills: Kills, checkout: Paths, hooks: Path, tmp_path: Path
) -> None:
    """The steps the quick test above leaves out (two real commands each: the full suite's)."""
    rest = [n for n in range(1, len(kills.steps) + 1) if n not in kills.boundaries()]
    for n in rest:
        killed_then_next(kills, n, NEXT[n % len(NEXT)], checkout, hooks, tmp_path)


def test_hidden_temporaries_in_golden_are_not_golden_files(
    checkout: Paths, hooks: Path, tmp_path: Path
) -> None:
    leftover = checkout.golden / "dashboards" / ".leaky-tokens-overview.json.leaky-tmp-0badc0de"
    leftover.write_text("{half a file")
    (checkout.provisioning / "datasources" / ".prometheus.yaml.leaky-tmp-12345678").write_text("")
    assert outputs.read_golden(checkout) == outputs.read_golden(Paths.under(ROOT))
    code, out, err = finished(invoke(checkout, "build", hooks=hooks))
    assert code == 0 and "no golden drift" in out, err
    code, out, err = finished(invoke(checkout, "golden-update", hooks=hooks))
    assert code == 0 and "removed" not in out, out
    assert left_behind(checkout) == []  # the writer, holding the lock, swept them


def test_a_second_build_waits_for_the_first_then_fails_naming_it(
    checkout: Paths, hooks: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "holding"
    first = invoke(checkout, "build", env={"TEST_PAUSE_HOLDING_LOCK": str(marker)}, hooks=hooks)
    try:
        while not marker.exists():  # the first build holds the lock, paused
            assert first.poll() is None, first.communicate()
            time.sleep(0.05)
        code, out, err = finished(
            invoke(checkout, "build", env={"LEAKY_LOCK_TIMEOUT": "0.5"}, hooks=hooks)
        )
        assert code == 2, err
        assert err.splitlines()[-1].startswith(
            f"error: the outputs' lock: held by pid {first.pid} (invoke build) since "
        )
        assert "waited 0.5 s ($LEAKY_LOCK_TIMEOUT)" in err
        assert out == ""  # nothing was compiled, checked or written meanwhile
        waiting = invoke(checkout, "build", hooks=hooks)  # the default wait: 30 s
        assert waiting.stderr is not None
        line = waiting.stderr.readline()  # said once, when it starts waiting
        assert line.startswith(f"the outputs' lock: waiting for pid {first.pid} (invoke build)")
        marker.unlink()  # the first build goes on, and ends; then the second runs
        assert finished(first)[0] == 0
        code, out, err = finished(waiting)
        assert code == 0 and "no golden drift" in out, err
    finally:
        marker.unlink(missing_ok=True)
        if first.poll() is None:
            first.kill()
            first.wait()
    assert left_behind(checkout) == []


def test_a_copied_tree_recovers_its_own_outputs_never_the_original_s(
    checkout: Paths, hooks: Path, tmp_path: Path
) -> None:
    original = prepared(tmp_path / "original", checkout)
    # Killed inside the change: its journal and temporaries are left behind.
    code, _, err = finished(
        invoke(original, "golden-update", env={"TEST_KILL_AT_STEP": "8"}, hooks=hooks)
    )
    assert code == -9, err
    assert (original.root / outputs.JOURNAL_FILE).exists()
    left = both(original)
    copy = Paths.under(tmp_path / "copy")
    shutil.copytree(original.root, copy.root, symlinks=True)
    code, _, err = finished(invoke(copy, "lint", hooks=hooks))
    assert code == 0 and "an interrupted change of golden/" in err, err
    assert left_behind(copy) == []
    assert both(original) == left  # the original's own change waits for its own next command
    assert (original.root / outputs.JOURNAL_FILE).exists()
