"""`invoke bench --queries`: what one 24 h load of each dashboard costs Prometheus, on verify's busy
day (a benchmark, never a timed test).

Each dashboard is opened as Grafana opens it: every visible target once, with its variables at
their defaults (All), in the mode Grafana sends it (a range query over the last 24 h at the step
Grafana gives the panel, or an instant query), its macros substituted as Grafana does. The server
holds the full scenario's raw blocks and the recording rules' blocks, as a Prometheus that has run
the rules all along. Each query runs `repeat` times after one warm-up; its time is the minimum.
A dashboard's time is the sum over its queries (Grafana sends them concurrently, so the load's
wall time is lower; the sum is what Prometheus spends).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from .. import grafana
from ..errors import BuildError
from ..project import Project
from . import evaluate, loaded, recording, scenarios, server
from .promapi import Client
from .variables import resolve

TARGET_SECONDS = 1.0  # every dashboard loads in a second of query time (issue 11)
# At ten times verify's users a dashboard may take twice as long (issue 20).
TARGET_SECONDS_10X = 2.0


@dataclass(frozen=True)
class Load:
    dashboard: str
    queries: int
    seconds: float  # the sum of the queries' times
    slowest: str  # panel › refId
    slowest_seconds: float
    cpu_seconds: float = 0.0  # Prometheus' CPU time (user + system) for one load


@dataclass(frozen=True)
class Measured:
    """One bench run: each dashboard's load, the data's size and the server's memory."""

    loads: list[Load]
    users: int
    series: int
    samples: int
    rss_bytes: int  # the Prometheus process' resident memory after every load
    prepared_seconds: float  # generating, backfilling and recording (little when cached)
    cached: bool = False  # the raw blocks came from the cache (prepared: recording, copying)


def scenario_for(users: int | None = None) -> scenarios.Scenario:
    """The busy day (`full`), with `users` active users instead of its own number."""
    full = scenarios.FULL
    if users is None or users == full.world.users:
        return full
    if users < 1:
        raise BuildError(f"--users must be at least 1, not {users}")
    return replace(full, world=replace(full.world, users=users))


def resident_bytes(pid: int) -> int:
    """A process' resident memory (VmRSS), 0 where /proc does not say."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """A process' CPU time so far (user + system, in clock ticks of /proc), 0 where unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # After the command: state is field 3, utime and stime fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    project: Project,
    repeat: int = 3,
    echo: Callable[[str], None] = print,
    users: int | None = None,
) -> list[Load]:
    return measure_all(project, repeat, echo, users).loads


def measure_all(
    project: Project,
    repeat: int = 3,
    echo: Callable[[str], None] = print,
    users: int | None = None,
) -> Measured:
    scenario = scenario_for(users)
    subject = loaded.compiled_subject(project)
    started = time.perf_counter()
    blocks, directories = loaded.prepare(project, scenario, subject.rules, echo=echo)
    prepared = time.perf_counter() - started
    window = evaluate.Window(end=scenario.timeline.end)
    scrape = project.installation.scrape_interval
    loads: list[Load] = []
    with server.running(lambda data: recording.load(data, *directories), scrape) as prom:
        client = Client(prom.url)
        for dashboard in subject.dashboards:
            resolved = resolve(client, dashboard.model, window.start, window.end, window.range_s)
            _, values = evaluate.settings(resolved)[0]
            sent: list[tuple[str, tuple[str, evaluate.Mode, float]]] = []
            for target in evaluate.targets(dashboard, window, scrape):
                query = grafana.interpolate(target.expr, values, target.interval.macros())
                key = (query, target.grafana_mode, target.interval.step)
                sent.append((f"{target.panel} › {target.ref_id}", key))
            # Each distinct query is timed once; a query two panels send counts twice, as
            # Grafana sends it twice.
            times: dict[tuple[str, evaluate.Mode, float], float] = {}
            for _, key in sent:
                if key in times:
                    continue
                query, mode, step = key
                evaluate.query_as_grafana(client, window, query, mode, step)  # warm-up
                times[key] = min(
                    evaluate.query_as_grafana(client, window, query, mode, step).seconds
                    for _ in range(max(repeat, 1))
                )
            # What Prometheus' process spends on one whole load (every query as sent, once),
            # the least of `repeat` loads: other jobs on the machine stretch the wall time of a
            # query, much less the CPU it takes.
            cpu: list[float] = []
            for _ in range(max(repeat, 1)):
                before = cpu_seconds(prom.process.pid)
                for _, (query, mode, step) in sent:
                    evaluate.query_as_grafana(client, window, query, mode, step)
                cpu.append(cpu_seconds(prom.process.pid) - before)
            where, slowest = max(sent, key=lambda item: times[item[1]])
            total = sum(times[key] for _, key in sent)
            loads.append(Load(dashboard.title, len(sent), total, where, times[slowest], min(cpu)))
        rss = resident_bytes(prom.process.pid)
    return Measured(
        loads, scenario.world.users, blocks.series, blocks.samples, rss, prepared, blocks.cached
    )


def table(loads: list[Load], target: float = TARGET_SECONDS) -> list[str]:
    """The Markdown table docs/verify.md shows; a load over `target` seconds is marked."""
    lines = [
        "| dashboard | queries | query time per 24 h load | Prometheus CPU per load | "
        "slowest query |",
        "|---|---|---|---|---|",
    ]
    for load in loads:
        mark = "" if load.seconds <= target else f" (over {target:g} s)"
        lines.append(
            f"| {load.dashboard} | {load.queries} | {load.seconds:.2f} s{mark} | "
            f"{load.cpu_seconds:.2f} s | {load.slowest} ({load.slowest_seconds * 1000:.0f} ms) |"
        )
    return lines


def target_for(users: int) -> float:
    """The issue's targets: 1 s at verify's users, 2 s at ten times as many."""
    return TARGET_SECONDS if users <= scenarios.FULL.world.users else TARGET_SECONDS_10X


def run_bench(
    project: Project,
    repeat: int = 3,
    echo: Callable[[str], None] = print,
    users: int | None = None,
) -> None:
    measured = measure_all(project, repeat, echo, users)
    echo(
        f"{measured.users} users: {measured.series} series, {measured.samples} samples; "
        f"prometheus resident memory {measured.rss_bytes / 2**20:.0f} MiB"
    )
    for line in table(measured.loads, target_for(measured.users)):
        echo(line)
