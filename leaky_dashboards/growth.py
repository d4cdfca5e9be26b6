"""`invoke bench --growth`: how the costs grow with dashboards and with users (a benchmark, never a
timed test).

With dashboards (1, 10, 100, 1,000: the real ones and variants of them, as `invoke bench` makes
its 100): Jsonnet evaluation of all of them in one VM (never cached), the full in-process build
from an empty cache and again warm, and the build process' peak memory. Each tree is built in a
child process of its own, so its peak resident memory is its own. A tree needs the four real
dashboards (the alert rules link their panels), so one dashboard is evaluated but not built.

With users (10, 1,000, 10,000 on verify's busy day): the synthetic data's size, one 24 h load of
each dashboard (`invoke bench --queries`) and the resident memory of the Prometheus serving it.
The dashboards do not change with the users, so neither do the build and the evaluation.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import bench
from .engine import CACHE_SWITCH, evaluate_files
from .project import Project
from .render import Dashboard, source_files
from .settings import Installation, Paths
from .verify import querybench, scenarios
from .verify.querybench import Measured

DASHBOARDS = (1, 10, 100, 1000)
USERS = (10, 1000, 10_000)

# What a child process runs: a cold build, a warm one, then its own peak memory.
_BUILD = """
import json, resource, sys, time
from pathlib import Path
from leaky_dashboards import build
from leaky_dashboards.project import Project
from leaky_dashboards.settings import Paths
paths = Paths.under(Path(sys.argv[1]))
times = []
for _ in range(2):
    started = time.perf_counter()
    build.run(Project(paths), update=True, echo=lambda _: None)
    times.append(time.perf_counter() - started)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"cold": times[0], "warm": times[1], "rss": rss}))
"""


@dataclass(frozen=True)
class DashboardGrowth:
    dashboards: int
    evaluation: float  # seconds, all of them in one VM
    cold: float | None  # None: not a tree that builds
    warm: float | None
    rss_bytes: int | None


def _tree(root: Path, count: int) -> Paths:
    paths = bench._copy_tree(root)
    real = source_files(paths)
    if count < len(real):
        return paths  # evaluated from the first `count` sources, never built
    bench._generate(paths, count)
    return paths


def dashboards_growth(counts: Sequence[int] = DASHBOARDS) -> list[DashboardGrowth]:
    installation = Installation()
    rows: list[DashboardGrowth] = []
    with tempfile.TemporaryDirectory() as tmp:
        for count in counts:
            paths = _tree(Path(tmp) / f"tree-{count}", count)
            sources = source_files(paths)[:count]
            with bench._environment(CACHE_SWITCH, "off"):
                started = time.perf_counter()
                evaluate_files(sources, library=paths.libsonnet, ext_vars=installation.ext_vars())
                evaluation = time.perf_counter() - started
            if len(sources) < len(source_files(Paths())):
                rows.append(DashboardGrowth(count, evaluation, None, None, None))
                continue
            measured = bench.run_script(_BUILD, paths.root, f"{tmp}/cache-{count}")
            rows.append(
                DashboardGrowth(
                    count, evaluation, measured["cold"], measured["warm"], int(measured["rss"])
                )
            )
    return rows


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _mib(value: int | None) -> str:
    return "—" if value is None else f"{value / 2**20:.0f} MiB"


def query_seconds(count: int, measured: Measured, dashboards: Sequence[Dashboard]) -> float:
    """Prometheus' time for one load of each of a tree's `count` dashboards, from `measured`:
    the tree is the real dashboards in source order (the first `count` of them when fewer) and
    variants of them, the i-th of the real (i mod 4)-th (bench._generate), whose queries are its
    original's, so each costs what its original measured."""
    by_title = {load.dashboard: load.seconds for load in measured.loads}
    real = [by_title[d.title] for d in sorted(dashboards, key=lambda d: d.source.name)]
    if count <= len(real):
        return sum(real[:count])
    return sum(real) + sum(real[i % len(real)] for i in range(count - len(real)))


def dashboards_table(
    rows: Sequence[DashboardGrowth],
    measured: Measured | None = None,
    dashboards: Sequence[Dashboard] = (),
) -> list[str]:
    """The dashboards' table; with `measured` (a query bench run) and the real `dashboards`, the
    query time of one load of each dashboard of the tree too."""
    users = f"{measured.users:,} users" if measured else "not measured"
    lines = [
        "| dashboards | Jsonnet evaluation (one VM) | per dashboard | build, cold cache | "
        f"build, warm | build's peak memory | query time, one load of each ({users}) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        query = _seconds(query_seconds(row.dashboards, measured, dashboards) if measured else None)
        lines.append(
            f"| {row.dashboards:,} | {_seconds(row.evaluation)} | "
            f"{_seconds(row.evaluation / row.dashboards)} | {_seconds(row.cold)} | "
            f"{_seconds(row.warm)} | {_mib(row.rss_bytes)} | {query} |"
        )
    return lines


def users_table(rows: Sequence[Measured]) -> list[str]:
    names = ", ".join(load.dashboard for load in rows[0].loads) if rows else ""
    lines = [
        f"| users | series | samples | data generated and backfilled | query time per 24 h load "
        f"({names}) | Prometheus CPU per load | Prometheus memory |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        loads = " / ".join(f"{load.seconds:.2f}" for load in row.loads)
        cpu = " / ".join(f"{load.cpu_seconds:.2f}" for load in row.loads)
        lines.append(
            f"| {row.users:,} | {row.series:,} | {row.samples:,} | "
            f"{_seconds(row.prepared_seconds)}{' (raw data cached)' if row.cached else ''} | "
            f"{loads} s | {cpu} s | {_mib(row.rss_bytes)} |"
        )
    return lines


def run(
    repeat: int = 3,
    echo: Callable[[str], None] = print,
    users: Sequence[int] = USERS,
    dashboards: Sequence[int] = DASHBOARDS,
) -> None:
    """Both tables, the dashboards' first; each row is printed as soon as it is measured (10,000
    users take long), then the tables whole. The dashboards' query time is computed from the
    query bench at verify's users (1,000) when that is among `users`."""
    grown: list[DashboardGrowth] = []
    for count in dashboards:
        grown.extend(dashboards_growth((count,)))
        echo(dashboards_table(grown)[-1])
    rows: list[Measured] = []
    for count in users:
        rows.append(querybench.measure_all(Project(), repeat, echo, count))
        echo(users_table(rows)[-1])
    at_verify = next((row for row in rows if row.users == scenarios.FULL.world.users), None)
    if grown:
        for line in dashboards_table(grown, at_verify, Project().dashboards):
            echo(line)
    if rows:
        for line in users_table(rows):
            echo(line)
