"""The base's reviewing code, run: what `reviewer` (the protocol's entry point) and `jobs`
share. `jobs` asks here whether the running code is the base's and, if not, runs the base's code
in a child process through `python -m leaky_dashboards.review.reviewer` (its protocol there);
that entry point in turn calls `jobs`, so these helpers live apart from both.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ..errors import BuildError
from . import sources

PROTOCOL_FILE = "leaky_dashboards/review/reviewer.py"


def code_on_disk(root: Path) -> dict[str, str]:
    """The reviewing code under `root` as it is on disk: path → blob id."""
    return sources.code_at(root)


def running_code() -> dict[str, str]:
    """The reviewing code this process runs: the package it imported, and the tasks and pins
    beside it."""
    return sources.running_code()


def changed_files(old: dict[str, str], new: dict[str, str]) -> list[str]:
    return sorted(p for p in set(old) | set(new) if old.get(p) != new.get(p))


def run_base(
    base_tree: Path,
    root: Path,
    base: str,
    head: str | None,
    engine: str,
    scratch: Path,
    name: str | None = None,
) -> tuple[list[str], bool]:
    """The report as the base's code (extracted at `base_tree`) makes it."""
    output = scratch / "base-report.json"
    command = [
        sys.executable,
        "-m",
        "leaky_dashboards.review.reviewer",
        "--root",
        str(root),
        "--base",
        base,
        "--engine",
        engine,
        "--output",
        str(output),
    ]
    if head is not None:
        command += ["--head", head]
    if name is not None:
        command += ["--name", name]
    env = dict(os.environ, PYTHONPATH=str(base_tree), PYTHONSAFEPATH="1")
    try:
        done = subprocess.run(
            command, cwd=base_tree, env=env, capture_output=True, timeout=600, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildError(f"the base's reviewing code did not run: {exc}") from None
    if done.returncode != 0 or not output.is_file():
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BuildError(
            f"the base's reviewing code ({base[:12]}) failed: "
            + (message[-1] if message else f"exit {done.returncode}")
        )
    result = json.loads(output.read_text(encoding="utf-8"))
    return [str(p) for p in result["pages"]], bool(result["changed"])
