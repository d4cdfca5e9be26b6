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

from collections.abc import Callable
from dataclasses import dataclass

from .. import grafana
from ..project import Project
from . import evaluate, recording, run, scenarios, server
from .promapi import Client
from .variables import resolve

TARGET_SECONDS = 1.0  # every dashboard loads in a second of query time (issue 11)


@dataclass(frozen=True)
class Load:
    dashboard: str
    queries: int
    seconds: float  # the sum of the queries' times
    slowest: str  # panel › refId
    slowest_seconds: float


def measure(project: Project, repeat: int = 3, echo: Callable[[str], None] = print) -> list[Load]:
    scenario = scenarios.FULL
    subject = run.compiled_subject(project)
    _, directories = run.prepare(project, scenario, subject.rules, echo=echo)
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
            where, slowest = max(sent, key=lambda item: times[item[1]])
            total = sum(times[key] for _, key in sent)
            loads.append(Load(dashboard.title, len(sent), total, where, times[slowest]))
    return loads


def table(loads: list[Load]) -> list[str]:
    """The Markdown table README shows."""
    lines = [
        "| dashboard | queries | query time per 24 h load | slowest query |",
        "|---|---|---|---|",
    ]
    for load in loads:
        mark = "" if load.seconds <= TARGET_SECONDS else " (over 1 s)"
        lines.append(
            f"| {load.dashboard} | {load.queries} | {load.seconds:.2f} s{mark} | "
            f"{load.slowest} ({load.slowest_seconds * 1000:.0f} ms) |"
        )
    return lines


def run_bench(project: Project, repeat: int = 3, echo: Callable[[str], None] = print) -> None:
    loads = measure(project, repeat, echo)
    for line in table(loads):
        echo(line)
