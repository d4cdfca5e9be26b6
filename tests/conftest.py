"""Fixtures: a private copy of the project tree per test, so tests can break sources freely."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from leaky_dashboards.lint import schema
from leaky_dashboards.lint.runner import in_ci
from leaky_dashboards.settings import ROOT, Installation, Paths, schema_dir

# `invoke test --quick` leaves out the tests marked `slow`: those that start Prometheus, promtool,
# Chromium, docker-compose, amtool, kubectl or git, or build a private copy of the whole tree. A
# test is marked here by the fixtures it uses (directly or through another fixture) or by its
# module, so a new test of such a module, or one taking such a fixture, is slow with no edit; any
# other test taking more than a few seconds carries `@pytest.mark.slow` itself.
SLOW_FIXTURES = {
    "tree": "builds a private copy of the project tree",
    "client": "starts Prometheus",
    "browser": "starts Chromium",
    "promtool": "runs promtool",
    "verified_full": "runs verify on Prometheus",
    "verified_quiet": "runs verify on Prometheus",
}
SLOW_MODULES = {
    "test_alerts_stack": "runs docker-compose, promtool and amtool",
    "test_diff_base": "makes git repositories and renders their commits",
    "test_preview_browser": "starts Chromium",
    "test_preview_export": "runs the preview job's browser",
    "test_preview_display": "draws every dashboard with data on Prometheus, in Chromium",
    "test_preview_bundle": "builds the renderer with esbuild",
    "test_verify_cli": "runs verify on Prometheus",
    "test_verify_panels": "runs verify on Prometheus",
    "test_verify_quiet": "runs verify on Prometheus",
    "test_verify_recording": "backfills with promtool and starts Prometheus",
    "test_verify_server": "backfills with promtool and starts Prometheus",
    "test_verify_truth": "starts Prometheus",
    "test_verify_display": "starts Prometheus and Chromium",
    "test_verify_synthetic": "generates hours of every catalog series, several times",
    "test_verify_world": "generates the incidents' hours of every catalog series",
    "test_bench_growth": "copies the tree, evaluates its dashboards and runs the query bench",
}


def module_of(item: pytest.Item) -> str:
    """The test module's name (test_x), or "" for an item of no module."""
    return item.module.__name__.rpartition(".")[2] if isinstance(item, pytest.Function) else ""


def slow_reason(item: pytest.Item) -> str | None:
    """Why `item` is slow, or None for a test of the quick loop."""
    module = module_of(item)
    if module in SLOW_MODULES:
        return SLOW_MODULES[module]
    used = getattr(item, "fixturenames", ())
    return next((why for name, why in SLOW_FIXTURES.items() if name in used), None)


def shared_group(item: pytest.Item) -> str | None:
    """The tests one pytest-xdist worker runs together (`--dist loadgroup`, as `invoke test`
    runs them): those reading one of this suite's session fixtures (one `invoke verify` per
    session), else a module's tests sharing a module fixture (one Prometheus, one browser per
    module); None for a test that may run anywhere."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    scopes: dict[str, str] = {}
    for name in info.names_closure:
        definitions = info.name2fixturedefs.get(name)
        if definitions and definitions[-1].baseid.startswith("tests"):
            scopes[name] = definitions[-1].scope
    session = sorted(name for name, scope in scopes.items() if scope == "session")
    if session:
        return session[0]
    return module_of(item) if "module" in scopes.values() else None


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups, and `-m` the marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The tests reading a synthetic world run last, so that the world built ahead (build_ahead)
    # is ready when they start; otherwise in the order collected.
    items.sort(key=lambda item: module_of(item) in WORLDS)
    for item in items:
        reason = slow_reason(item)
        if reason is not None:
            item.add_marker(pytest.mark.slow(reason))
        group = shared_group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


# The synthetic worlds (verify's scenarios) each module's tests load into Prometheus. The session
# builds those of the chosen tests ahead, in a process of its own (tests/worlds.py), while the
# other tests run (these modules' tests come last); a module not listed here builds what it needs
# when it needs it.
WORLDS = {
    "test_bench_growth": ("full",),
    "test_preview_browser": ("full",),
    "test_preview_display": ("full",),
    "test_preview_export": ("full",),
    "test_verify_cli": ("full",),
    "test_verify_display": ("incidents", "idle"),
    "test_verify_panels": ("full",),
    "test_verify_quiet": ("quiet",),
    "test_verify_recording": ("incidents",),
    "test_verify_truth": ("incidents",),
}
_AHEAD: list[tuple[subprocess.Popen[bytes], Path]] = []


def worlds_needed(modules: list[str]) -> list[str]:
    """The worlds the chosen tests' modules read, in the order the tests first need them."""
    needed: dict[str, None] = {}
    for module in modules:
        needed.update(dict.fromkeys(WORLDS.get(module, ())))
    return list(needed)


def build_ahead(modules: list[str]) -> None:
    """Start building the worlds these modules' tests read, once per session."""
    names = worlds_needed(modules)
    if _AHEAD or not names:
        return
    fd, log = tempfile.mkstemp(prefix="leaky-worlds-", suffix=".log")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.worlds", *names],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        stdin=subprocess.DEVNULL,
        stdout=fd,
        stderr=subprocess.STDOUT,
        process_group=0,
    )
    os.close(fd)
    _AHEAD.append((process, Path(log)))


def pytest_collection_finish(session: pytest.Session) -> None:
    if hasattr(session.config, "workerinput") or session.config.option.collectonly:
        return  # a pytest-xdist worker: the controller builds (below), once
    build_ahead([module_of(item) for item in session.items])


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """pytest-xdist's controller: a worker collected (and deselected) these test ids."""
    build_ahead([Path(nodeid.split("::", 1)[0]).stem for nodeid in ids])


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A builder still running (the session ended early) is stopped as Ctrl-C stops verify: its
    promtools and servers killed, its scratch removed; then its whole group, to be sure."""
    for process, _ in _AHEAD:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(60)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for process, log in _AHEAD:
        lines = log.read_text(errors="replace").splitlines() if log.is_file() else []
        said = [line for line in lines if line.startswith("worlds: ")] or lines[-5:]
        terminalreporter.write_line(f"worlds built ahead (exit {process.returncode}):")
        for line in said:
            terminalreporter.write_line(f"  {line}")
        log.unlink(missing_ok=True)


NO_SCHEMAS = (
    "needs Grafana's JSON schemas in ../shared/schemas/grafana or $LEAKY_SCHEMA_DIR, which a "
    "clone with nothing beside it has not (the SDK-model tests cover that case)"
)


@pytest.fixture
def tree(tmp_path: Path) -> Paths:
    """A copy of dashboards/, libsonnet/, golden/ and environments/ under a temporary root."""
    for name in ("dashboards", "libsonnet", "golden", "environments"):
        shutil.copytree(ROOT / name, tmp_path / name)
    (tmp_path / "provisioning").mkdir()
    return Paths.under(tmp_path)


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary directory of everything under test, to see what a job leaves behind."""
    directory = tmp_path / "scratch"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


@pytest.fixture
def installation() -> Installation:
    return Installation()


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root with its bytes, to prove a failed build changed nothing."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def schema_paths() -> Paths:
    """The project's paths, when the Grafana JSON schema directory is there: a test using this
    skips without it, except under CI=true (CI has ../shared beside the clone), where it fails."""
    if schema.load(schema_dir()) is None:
        if in_ci():
            pytest.fail(f"CI=true and {schema_dir()} is absent: {NO_SCHEMAS}")
        pytest.skip(NO_SCHEMAS)
    return Paths()


@pytest.fixture
def sdk_paths(tmp_path: Path) -> Paths:
    """The project's paths with no schema directory: lint checks with grafana-foundation-sdk."""
    return Paths(schemas=tmp_path / "no-schemas")


@dataclass(frozen=True)
class Verified:
    """One `invoke verify --scenario S` of the real tree, as the CLI runs it: its exit code, what
    it printed, and the outcome `run.run` returned."""

    code: int
    out: str
    outcome: Any

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


def _verify_once(scenario: str) -> Verified:
    from leaky_dashboards import cli
    from leaky_dashboards.verify import run

    outcomes: list[Any] = []
    real = run.run

    def keeping(*args: Any, **kwargs: Any) -> Any:
        outcome = real(*args, **kwargs)
        outcomes.append(outcome)
        return outcome

    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out):
        patch.setattr(run, "run", keeping)
        code = cli.verify(scenario=scenario)
    return Verified(code, out.getvalue(), outcomes[0] if outcomes else None)


@pytest.fixture(scope="session")
def verified_full() -> Verified:
    """The busy day verified once per test session: several test files read it (it is the
    suite's longest step), none runs it again."""
    return _verify_once("full")


@pytest.fixture(scope="session")
def verified_quiet() -> Verified:
    return _verify_once("quiet")
