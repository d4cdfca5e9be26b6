"""`invoke bench --preview`: the wall time of `invoke preview` with data (a benchmark, never a
timed test), warm: verify's blocks cached and the renderer built (one unmeasured run first).

Two measurements, each the fastest of `repeat` runs, in-process (`jobs.preview`), so without
the interpreter's start: every dashboard (`--all`), and a tree with one dashboard changed against
its golden file (what a pull request touching one dashboard costs). The copy of the tree is made
once, in a temporary directory that is always removed.

Beside the wall time, the CPU time of the run (this process, Prometheus and Chromium with its
helpers, all reaped by the end of a run): on a machine shared with other jobs the wall time
grows with the load, while the CPU time over the 2 cores bounds what the run needs alone.
"""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ..project import Project
from ..settings import Paths
from . import jobs

TARGET_ALL_S = 20.0
TARGET_ONE_S = 8.0
CHANGED = "leaky-tokens-gateway"


def _tree(root: Path, source: Paths) -> Paths:
    for name in ("dashboards", "libsonnet", "golden"):
        shutil.copytree(getattr(source, name), root / name)
    (root / "provisioning").mkdir()
    dashboard = root / "dashboards" / f"{CHANGED}.jsonnet"
    text = dashboard.read_text(encoding="utf-8")
    # A row renamed: the dashboard differs from golden/, every panel still drawn with data.
    dashboard.write_text(text.replace("row('Gateway'", "row('Gateway edge'", 1), "utf-8")
    return Paths.under(root)


def _quiet(_: str) -> None:
    pass


def measure(
    project: Project, repeat: int = 3, echo: Callable[[str], None] = print
) -> list[tuple[str, float, float, float]]:
    """(what, fastest seconds, least CPU seconds, target seconds) for every dashboard and for
    one changed one."""
    results = []
    with tempfile.TemporaryDirectory(prefix="leaky-bench-preview-") as scratch:
        root = Path(scratch)
        changed = project.under(_tree(root / "tree", project.paths))
        for what, subject, every, target in (
            ("all four dashboards (--all)", project, True, TARGET_ALL_S),
            (f"one changed dashboard ({CHANGED})", changed, False, TARGET_ONE_S),
        ):
            out = root / "out"
            jobs.preview(subject, output=out, all_dashboards=every, echo=_quiet)  # warm-up
            times, cpus = [], []
            for _ in range(max(repeat, 1)):
                started, cpu = time.perf_counter(), _cpu()
                files = jobs.preview(subject, output=out, all_dashboards=every, echo=_quiet)
                times.append(time.perf_counter() - started)
                cpus.append(_cpu() - cpu)
            pictures = sum(1 for name in files if name.endswith(".png"))
            echo(
                f"{what}: {pictures} pictures, fastest {min(times):.1f} s of {len(times)}, "
                f"CPU {min(cpus):.1f} s"
            )
            results.append((what, min(times), min(cpus), target))
    return results


def _cpu() -> float:
    """CPU seconds so far of this process and every child it reaped."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def table(results: list[tuple[str, float, float, float]]) -> list[str]:
    load = os.getloadavg()[0]
    lines = [
        f"| preview with data (2 cores, load average {load:.1f}) | wall time | CPU time | target |",
        "|---|---|---|---|",
    ]
    for what, seconds, cpu, target in results:
        mark = "" if seconds <= target else " (over)"
        lines.append(f"| {what} | {seconds:.1f} s{mark} | {cpu:.1f} s | ≤ {target:g} s |")
    return lines


def run_bench(project: Project, repeat: int = 3, echo: Callable[[str], None] = print) -> None:
    for line in table(measure(project, repeat, echo)):
        echo(line)
