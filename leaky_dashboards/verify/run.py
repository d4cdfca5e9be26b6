"""`invoke verify`: synthetic data → backfilled blocks → the recording rules backfilled over them
→ a real Prometheus holding both → every recorded series, panel and alert checked.

The recording rules are evaluated by promtool before the server starts (one pass per group, a
group reading an earlier group's series), so the panels and alerts that read recorded series find
them over the whole history, as they would on a Prometheus that has run the rules all along."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import alerts, grafana
from ..errors import BuildError
from ..project import Project
from ..render import Dashboard
from ..settings import Paths
from . import (
    backfill,
    display,
    evaluate,
    recording,
    report,
    rules,
    scenarios,
    server,
    synthetic,
    truth,
)
from .promapi import Client
from .scenarios import Scenario


class VerifyError(BuildError):
    """Some panel shows no data, an error, a value outside its sense, or not the known answer."""

    exit_code = 1


@dataclass(frozen=True)
class Outcome:
    results: list[evaluate.DashboardResult]
    findings: list[str]
    blocks: backfill.Blocks
    verdicts: list[truth.Verdict]
    recorded: list[recording.Mismatch]


@dataclass(frozen=True)
class Subject:
    """What is verified: the compiled dashboards and the alert rules document."""

    dashboards: list[Dashboard]
    rules: dict[str, Any]

    def checked(self) -> list[Dashboard]:
        """The dashboards, and the alert rules' measures as one more."""
        return [*self.dashboards, rules.as_dashboard(self.rules)]


def cache_root(paths: Paths) -> Path:
    return paths.root / ".cache" / "verify"


def run(
    project: Project,
    *,
    seed: int = synthetic.DEFAULT_SEED,
    dashboards: Sequence[Dashboard] | None = None,
    echo: Callable[[str], None] = print,
    scenario: Scenario = scenarios.FULL,
    subject: Subject | None = None,
) -> Outcome:
    """Verify `dashboards` (default: every compiled dashboard and the alert rules' measures) and
    the scenario's expectations (against `subject`, default: the compiled tree).

    Raises VerifyError on any finding or missed expectation, after printing them and the
    per-dashboard summary.
    """
    installation, library = project.installation, project.library
    if subject is None:
        subject = compiled_subject(project)
    if dashboards is None:
        dashboards = subject.checked()
    blocks, directories = prepare(project, scenario, subject.rules, seed, echo)
    timeline = scenario.timeline
    window = evaluate.Window(end=timeline.end)
    started = time.perf_counter()
    with server.running(
        lambda data: recording.load(data, *directories), installation.scrape_interval
    ) as prom:
        echo(f"prometheus ready at {prom.url} in {time.perf_counter() - started:.1f} s")
        record_lines, mismatches = recorded_checks(
            Client(prom.url), subject.rules, timeline, installation.scrape_interval
        )
        results = evaluate.verify(
            Client(prom.url),
            dashboards,
            window,
            installation.scrape_interval,
            scenario.requires_data,
            scenario.nan_free,
            exporters=library.catalog().exporters(),
        )
        world = truth.World(
            end=scenario.timeline.end,
            start=scenario.timeline.start,
            scrape_interval=installation.scrape_interval,
            dashboards=truth.dashboards_by_name(subject.dashboards, library.uid_prefix()),
            rules=subject.rules,
        )
        verdicts = truth.check(Client(prom.url), world, scenario.expectations)
        # What the viewer reads at the same moments, through Grafana's display code.
        verdicts += display.check(Client(prom.url), world, scenario.expectations)
    outcome = Outcome(results, report.findings(results), blocks, verdicts, mismatches)
    for line in record_lines:
        echo(f"scenario {scenario.name}: {line}")
    for line in outcome.findings:
        echo(line)
    for result in results:
        echo(report.summary(result))
    for verdict in verdicts:
        echo(verdict.line(scenario.name))
    missed = sum(1 for v in verdicts if not v.met)
    if verdicts:
        met = len(verdicts) - missed
        echo(f"scenario {scenario.name}: {met} of {len(verdicts)} expectations met")
    if outcome.findings or missed or mismatches:
        raise VerifyError(
            f"{len(outcome.findings)} panel problem(s), {missed} missed expectation(s) and "
            f"{len(mismatches)} recorded series unlike their expression on the "
            f"{scenario.name} synthetic data"
        )
    return outcome


def recorded_checks(
    client: Client, document: dict[str, Any], timeline: synthetic.Timeline, scrape_interval: str
) -> tuple[list[str], list[recording.Mismatch]]:
    """One line per recording rule: its recorded series against its expression at instants
    spread over the data, on its group's evaluation grid (`ok` when equal at every one, label set
    by label set), and every mismatch."""
    lines: list[str] = []
    mismatches: list[recording.Mismatch] = []
    for group in recording.recording_groups(document):
        step = int(grafana.parse_duration(str(group.get("interval") or scrape_interval)))
        times = recording.check_times(timeline.start, timeline.end, step)
        for rule in group["rules"]:
            one = {"groups": [{"name": group["name"], "rules": [rule]}]}
            compared, problems = recording.check(client, one, times, step)
            mark = "ok  " if not problems else "MISS"
            shown = (
                problems[0].line()
                if problems
                else f"equal to its expression at {compared} instants"
            )
            lines.append(f"{mark} recording rule {rule['record']}: {shown}")
            mismatches.extend(problems)
    return lines, mismatches


def prepare(
    project: Project,
    scenario: Scenario,
    rules_document: dict[str, Any],
    seed: int = synthetic.DEFAULT_SEED,
    echo: Callable[[str], None] = print,
    cache: Path | None = None,
) -> tuple[backfill.Blocks, list[Path]]:
    """The scenario's raw blocks and the directories a server loads: the raw blocks, then the
    recording rules' blocks, backfilled over them first (both cached, in `cache`, default the
    project's .cache/verify/)."""
    blocks = backfill.ensure_blocks(
        project.library.catalog(),
        cache or cache_root(project.paths),
        seed,
        scenario.timeline,
        scenario.quiet,
        scenario.world,
    )
    how = "cached" if blocks.cached else f"generated and backfilled in {blocks.seconds:.1f} s"
    echo(
        f"scenario {scenario.name}: synthetic data: {blocks.series} series, "
        f"{blocks.samples} samples ({how})"
    )
    timeline = scenario.timeline
    started = time.perf_counter()
    recorded = recording.ensure_recorded(
        blocks,
        rules_document,
        timeline.start,
        timeline.end,
        project.installation.scrape_interval,
    )
    if recorded is None:
        return blocks, [blocks.directory]
    how = "cached" if recorded.cached else f"in {time.perf_counter() - started:.1f} s"
    echo(f"scenario {scenario.name}: recording rules: {recorded.rules} backfilled ({how})")
    return blocks, [blocks.directory, recorded.directory]


def compiled_subject(project: Project) -> Subject:
    return Subject(project.dashboards, alerts.rules(project.dashboards, project.library))


def run_scenarios(
    project: Project,
    scenario: str = scenarios.FULL.name,
    *,
    seed: int = synthetic.DEFAULT_SEED,
    echo: Callable[[str], None] = print,
) -> list[Outcome]:
    """`run` for the named scenario, or each in turn for "all" (every one runs, then any fails)."""
    chosen = scenarios.chosen(scenario)
    subject = compiled_subject(project)
    outcomes: list[Outcome] = []
    failures: list[str] = []
    for each in chosen:
        try:
            outcomes.append(
                run(
                    project,
                    seed=seed,
                    echo=echo,
                    scenario=each,
                    subject=subject,
                )
            )
        except VerifyError as exc:
            failures.append(str(exc))
    if failures:
        raise VerifyError("; ".join(failures))
    return outcomes
