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
from . import backfill, evaluate, report, rules, scenarios, server, synthetic
from .promapi import Client
from .scenarios import Scenario


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
    scenario: Scenario = scenarios.FULL,
) -> Outcome:
    """Verify `dashboards` (default: every compiled dashboard and the alert rules' measures).

    Raises VerifyError on any finding, after printing them and the per-dashboard summary.
    """
    library = Library.of(paths, installation, engine)
    blocks = backfill.ensure_blocks(
        library.catalog(), cache_root(paths), seed, scenario.timeline, scenario.quiet
    )
    how = "cached" if blocks.cached else f"generated and backfilled in {blocks.seconds:.1f} s"
    echo(
        f"scenario {scenario.name}: synthetic data: {blocks.series} series, "
        f"{blocks.samples} samples ({how})"
    )
    if dashboards is None:
        dashboards = everything(paths, installation, engine, library)
    window = evaluate.Window(end=scenario.timeline.end)
    started = time.perf_counter()
    with server.running(
        lambda data: backfill.copy_blocks(blocks, data), installation.scrape_interval
    ) as prom:
        echo(f"prometheus ready at {prom.url} in {time.perf_counter() - started:.1f} s")
        results = evaluate.verify(
            Client(prom.url),
            dashboards,
            window,
            installation.scrape_interval,
            scenario.requires_data,
        )
    outcome = Outcome(results, report.findings(results), blocks)
    for line in outcome.findings:
        echo(line)
    for result in results:
        echo(report.summary(result))
    if outcome.findings:
        raise VerifyError(
            f"{len(outcome.findings)} panel problem(s) found on the {scenario.name} synthetic data"
        )
    return outcome


def everything(
    paths: Paths, installation: Installation, engine: str, library: Library
) -> list[Dashboard]:
    """Every compiled dashboard, and the alert rules' measures as one more."""
    compiled = compile_all(paths, installation, engine)
    return [*compiled, rules.as_dashboard(alerts.rules(compiled, library))]


def run_scenarios(
    paths: Paths,
    installation: Installation,
    engine: str,
    scenario: str = scenarios.FULL.name,
    *,
    seed: int = synthetic.DEFAULT_SEED,
    echo: Callable[[str], None] = print,
) -> list[Outcome]:
    """`run` for the named scenario, or each in turn for "all" (every one runs, then any fails)."""
    chosen = scenarios.chosen(scenario)
    dashboards = everything(paths, installation, engine, Library.of(paths, installation, engine))
    outcomes: list[Outcome] = []
    failures: list[str] = []
    for each in chosen:
        try:
            outcomes.append(
                run(
                    paths,
                    installation,
                    engine,
                    seed=seed,
                    dashboards=dashboards,
                    echo=echo,
                    scenario=each,
                )
            )
        except VerifyError as exc:
            failures.append(str(exc))
    if failures:
        raise VerifyError("; ".join(failures))
    return outcomes
