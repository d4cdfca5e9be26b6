"""`invoke verify`: synthetic data → backfilled blocks → a real Prometheus → every panel checked."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import alerts
from ..errors import BuildError
from ..library import Library
from ..render import Dashboard, compile_all
from ..settings import Installation, Paths
from . import backfill, evaluate, report, rules, server, synthetic
from .promapi import Client


class VerifyError(BuildError):
    """Some panel shows no data, an error, or a value outside its sense."""

    exit_code = 1


@dataclass(frozen=True)
class Outcome:
    results: list[evaluate.DashboardResult]
    findings: list[str]
    blocks: backfill.Blocks


def cache_root(paths: Paths) -> Path:
    return paths.root / ".cache" / "verify"


def run(
    paths: Paths,
    installation: Installation,
    engine: str,
    *,
    seed: int = synthetic.DEFAULT_SEED,
    dashboards: Sequence[Dashboard] | None = None,
    echo: Callable[[str], None] = print,
) -> Outcome:
    """Verify `dashboards` (default: every compiled dashboard and the alert rules' measures).

    Raises VerifyError on any finding, after printing them and the per-dashboard summary.
    """
    library = Library.of(paths, installation, engine)
    blocks = backfill.ensure_blocks(library.catalog(), cache_root(paths), seed)
    how = "cached" if blocks.cached else f"generated and backfilled in {blocks.seconds:.1f} s"
    echo(f"synthetic data: {blocks.series} series, {blocks.samples} samples ({how})")
    if dashboards is None:
        compiled = compile_all(paths, installation, engine)
        rule_document = alerts.rules(compiled, library)
        dashboards = [*compiled, rules.as_dashboard(rule_document)]
    window = evaluate.Window(end=synthetic.END)
    started = time.perf_counter()
    with server.running(
        lambda data: backfill.copy_blocks(blocks, data), installation.scrape_interval
    ) as prom:
        echo(f"prometheus ready at {prom.url} in {time.perf_counter() - started:.1f} s")
        results = evaluate.verify(
            Client(prom.url), dashboards, window, installation.scrape_interval
        )
    outcome = Outcome(results, report.findings(results), blocks)
    for line in outcome.findings:
        echo(line)
    for result in results:
        echo(report.summary(result))
    if outcome.findings:
        raise VerifyError(f"{len(outcome.findings)} panel problem(s) found on the synthetic data")
    return outcome
