"""What a verify run loads into Prometheus, shared by `invoke verify`, the query bench and the
preview with data: the compiled subject, and a scenario's blocks (raw, then recorded) in the
cache. Kept apart from `run` so that readers of the data (review/data.py) need not import the
checks that read them back through the preview (verify/display.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import alerts
from ..project import Project
from ..render import Dashboard
from ..settings import Paths
from . import backfill, recording, rules, synthetic
from .scenarios import Scenario


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
