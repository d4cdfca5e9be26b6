"""`invoke test` runs the static checks and the tests; `--quick` the loop while editing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from leaky_dashboards import suite
from leaky_dashboards.settings import ROOT, Paths


def _names(steps: list[suite.Step]) -> list[str]:
    return [step.name for step in steps]


def test_the_whole_run_is_ruff_mypy_strict_then_every_test() -> None:
    steps = suite.steps(quick=False, pytest_args=["-x"])
    assert _names(steps) == ["ruff check", "ruff format --check", "mypy --strict", "pytest"]
    assert [step.command[2:] for step in steps] == [
        ("ruff", "check", "."),
        ("ruff", "format", "--check", "."),
        ("mypy",),  # files and strict = true: pyproject.toml's [tool.mypy]
        ("pytest", "-n", "auto", "--dist", "loadgroup", "-x"),
    ]
    assert all(step.command[0] == sys.executable for step in steps)


def test_quick_is_ruff_the_build_then_the_tests_not_marked_slow() -> None:
    steps = suite.steps(quick=True, pytest_args=["-k", "lint"], build=lambda: 0)
    assert _names(steps) == [
        "ruff check",
        "ruff format --check",
        "build (lint, golden)",
        "pytest -m 'not slow'",
    ]
    assert steps[2].job is not None and steps[2].job() == 0
    assert steps[3].command[2:] == ("pytest", "-m", "not slow", "-k", "lint")


def test_every_step_runs_and_the_first_failure_gives_the_exit_code() -> None:
    ran: list[str] = []

    def job(name: str, code: int) -> suite.Step:
        def run() -> int:
            ran.append(name)
            return code

        return suite.Step(name, job=run)

    lines: list[str] = []
    chosen = [job("a", 0), job("b", 3), job("c", 5), job("d", 0)]
    code, results = suite.run(chosen, Paths(), echo=lines.append)
    assert code == 3 and ran == ["a", "b", "c", "d"]
    assert [(name, code) for name, code, _ in results] == [("a", 0), ("b", 3), ("c", 5), ("d", 0)]
    assert "test: b: FAILED (exit 3), " in "\n".join(lines)
    assert lines[-1].startswith("test: 4 steps, ")


def test_a_step_whose_program_is_missing_fails_with_exit_2_naming_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    step = suite.Step("nothing", ("/no/such/program",))
    assert step.run(Paths()) == 2
    assert "error: nothing: " in capsys.readouterr().err


@pytest.mark.slow  # collects the whole suite in another pytest
def test_quick_leaves_out_what_starts_prometheus_a_browser_or_promtool_or_copies_the_tree() -> None:
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "not slow", "tests"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert collected.returncode == 0, collected.stdout + collected.stderr
    chosen = [line for line in collected.stdout.splitlines() if "::" in line]
    modules = {line.split("::", 1)[0] for line in chosen}
    for slow in ("test_verify_panels", "test_preview_browser", "test_verify_server"):
        assert f"tests/{slow}.py" not in modules
    # the promtool runs and every test building a copy of the tree (the `tree` fixture) are out
    assert not any("test_promtool" in line for line in chosen)
    assert not any(line.startswith("tests/test_bad_input.py::") for line in chosen)
    # the dashboards' own tests, the lint rules' and the alert rules' pure checks stay in
    assert {"tests/test_dashboards_queries.py", "tests/test_lint_rules.py"} <= modules
    assert any("test_golden_rules_are_what_the_build_renders" in line for line in chosen)
