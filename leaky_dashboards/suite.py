"""`invoke test`: the static checks, then the tests, each step timed.

The whole run: `ruff check`, `ruff format --check`, `mypy --strict` (pyproject's `[tool.mypy]`),
then every test, in a pytest-xdist worker per core. `--quick` is the loop while editing: ruff,
the build's lint and golden check (`invoke build`), then the tests not marked `slow` (those start
no Prometheus, no browser and no cluster tool; tests/conftest.py marks the others). Every step
runs even when one before it failed, so one run says everything; the exit code is the first
failing step's.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from .settings import Paths

SLOW_MARKER = "slow"
# The whole run's tests run in pytest-xdist workers, one per core; the tests sharing a session or
# module fixture (one verify run, one Prometheus, one browser) run together on one worker
# (tests/conftest.py marks their group).
PARALLEL = ("-n", "auto", "--dist", "loadgroup")


@dataclass(frozen=True)
class Step:
    """One check: a command run from the project root, or a job run in this process."""

    name: str
    command: tuple[str, ...] = ()
    job: Callable[[], int] | None = None

    def run(self, paths: Paths) -> int:
        if self.job is not None:
            return self.job()
        try:
            return subprocess.call(list(self.command), cwd=paths.root)
        except OSError as exc:
            print(f"error: {self.name}: {exc}", file=sys.stderr)
            return 2


def python(*args: str) -> tuple[str, ...]:
    return (sys.executable, "-m", *args)


def steps(
    *, quick: bool, pytest_args: list[str], build: Callable[[], int] | None = None
) -> list[Step]:
    """What `invoke test` runs, in order; `build` is the golden check `--quick` runs."""
    static = [
        Step("ruff check", python("ruff", "check", ".")),
        Step("ruff format --check", python("ruff", "format", "--check", ".")),
    ]
    if quick:
        golden = [Step("build (lint, golden)", job=build)] if build is not None else []
        tests = Step("pytest -m 'not slow'", python("pytest", "-m", f"not {SLOW_MARKER}"))
        return [*static, *golden, Step(tests.name, (*tests.command, *pytest_args))]
    return [
        *static,
        Step("mypy --strict", python("mypy")),
        Step("pytest", python("pytest", *PARALLEL, *pytest_args)),
    ]


def run(
    chosen: list[Step], paths: Paths, *, echo: Callable[[str], None] = print
) -> tuple[int, list[tuple[str, int, float]]]:
    """Run every step; the exit code is the first failure's (0 when all pass), and each step's
    name, exit code and seconds."""
    results: list[tuple[str, int, float]] = []
    for step in chosen:
        echo(f"== {step.name}")
        started = time.perf_counter()
        code = step.run(paths)
        results.append((step.name, code, time.perf_counter() - started))
    total = sum(seconds for _, _, seconds in results)
    for name, code, seconds in results:
        echo(f"test: {name}: {'ok' if code == 0 else f'FAILED (exit {code})'}, {seconds:.1f} s")
    echo(f"test: {len(results)} steps, {total:.1f} s")
    failed = [code for _, code, _ in results if code != 0]
    return (failed[0] if failed else 0), results
