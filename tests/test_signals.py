"""Stop signals at any moment of a real command: SIGINT or SIGTERM in its first or last moments,
or while verify's backfill runs promtool, exits 130 with "interrupted", never 143 or a
traceback, and leaves nothing behind (no promtool running, no scratch directory)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from leaky_dashboards.settings import ROOT, Paths, kubernetes_schema_dir, schema_dir

from .test_outputs_journal import clean_env, finished, left_behind, project_copy

# Loaded by the real `invoke` (PYTHONPATH): sends the signal to the command itself just before
# its job starts, or just after it ended, as set by TEST_SIGNAL=<where>:<signal name>.
HOOKS = textwrap.dedent(
    """
    import os, signal
    if os.environ.get("TEST_SIGNAL"):
        from leaky_dashboards import cli
        where, name = os.environ["TEST_SIGNAL"].split(":")
        real = cli.guarded
        def guarded(*args, **kwargs):
            if where == "before":
                os.kill(os.getpid(), getattr(signal, name))
            code = real(*args, **kwargs)
            if where == "after":
                os.kill(os.getpid(), getattr(signal, name))
            return code
        cli.guarded = guarded
    """
)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    return project_copy(tmp_path_factory.mktemp("signals") / "project")


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("signal-hooks")
    (directory / "sitecustomize.py").write_text(HOOKS)
    return directory


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("where", ["before", "after"])
def test_a_signal_in_the_first_or_last_moments_of_a_command_exits_130_interrupted(
    checkout: Paths, hooks: Path, where: str, signame: str
) -> None:
    env = clean_env()
    env |= {
        "PYTHONPATH": f"{checkout.root}{os.pathsep}{hooks}",
        "LEAKY_SCHEMA_DIR": str(schema_dir()),
        "LEAKY_KUBERNETES_SCHEMA_DIR": str(kubernetes_schema_dir()),
        "TEST_SIGNAL": f"{where}:{signame}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "invoke", "build"],
        cwd=checkout.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    code, out, err = finished(process)
    assert code == 130, err
    assert err.splitlines()[-1] == "interrupted"
    assert "Traceback" not in err
    if where == "after":  # the build ran to its end first
        assert "no golden drift" in out
    assert left_behind(checkout) == []


# A backfill of a small catalog, stopped by SIGTERM right after a promtool started, or while
# the run waits for one: in a child process, as `invoke verify` runs it (cli.guarded).
BACKFILL = textwrap.dedent(
    """
    import atexit, os, signal, sys
    from pathlib import Path
    from leaky_dashboards import catalog, cli
    from leaky_dashboards.project import Project
    from leaky_dashboards.verify import backfill, synthetic

    cache, pids, where = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    full = Project().library.catalog()
    keep = ("up", "gateway_rate_limit_total", "jvm_memory_max_bytes")
    small = catalog.Catalog({n: full.metrics[n] for n in keep}, text=repr(keep))
    real_start, real_finish = backfill._start, backfill._finish
    started = []

    @atexit.register
    def report():  # how each promtool had ended (None: still running) when the command ended
        pids.write_text("\\n".join(f"{p.pid} {p.poll()}" for p in started))

    def start(text, output):
        process = real_start(text, output)
        started.append(process)
        if where == "start":
            os.kill(os.getpid(), signal.SIGTERM)
        return process

    def finish(process, text):
        if where == "wait":
            os.kill(os.getpid(), signal.SIGTERM)
        return real_finish(process, text)

    backfill._start, backfill._finish = start, finish
    timeline = synthetic.Timeline(hours=1)
    sys.exit(cli.guarded(lambda: backfill.ensure_blocks(small, cache, 1, timeline)))
    """
)


@pytest.mark.parametrize("where", ["start", "wait"])
def test_sigterm_during_the_backfill_kills_promtool_and_removes_the_scratch_directory(
    tmp_path: Path, where: str
) -> None:
    cache, pids = tmp_path / "verify", tmp_path / "pids"
    env = clean_env()
    env |= {
        "PYTHONPATH": str(ROOT),
        "LEAKY_SCHEMA_DIR": str(schema_dir()),
        "LEAKY_KUBERNETES_SCHEMA_DIR": str(kubernetes_schema_dir()),
    }
    done = subprocess.run(
        [sys.executable, "-c", BACKFILL, str(cache), str(pids), where],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    ended = dict(line.split() for line in pids.read_text().splitlines())
    for pid, code in ended.items():
        if code == "None":  # not left to run on after the test
            os.kill(int(pid), signal.SIGKILL)
    assert done.returncode == 130, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "interrupted"
    # Killed by the command (-9) before it ended: not left to run, nor to finish on its own.
    assert ended and set(ended.values()) == {str(-signal.SIGKILL)}, ended
    assert sorted(p.name for p in cache.iterdir()) == []  # no .build-* left
