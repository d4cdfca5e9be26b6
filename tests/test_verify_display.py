"""Display truth: the incident moments read through Grafana's own display code (the preview's
renderer in the real Chromium, on the incidents' real Prometheus), and a wrong unit caught."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from leaky_dashboards.project import Project
from leaky_dashboards.render import Dashboard
from leaky_dashboards.settings import Installation, Paths
from leaky_dashboards.verify import display, incidents, recording, run, server, truth
from leaky_dashboards.verify.promapi import Client
from leaky_dashboards.verify.scenarios import IDLE, INCIDENTS, Scenario

HEAP = "💾 Heap memory usage (worst service)"


def _serve(scenario: Scenario) -> Iterator[tuple[Client, truth.World]]:
    project = Project(Paths(), Installation(), "go")
    subject = run.compiled_subject(project)
    _, directories = run.prepare(project, scenario, subject.rules, echo=lambda _: None)
    world = truth.World(
        end=scenario.timeline.end,
        start=scenario.timeline.start,
        scrape_interval="15s",
        dashboards=truth.dashboards_by_name(subject.dashboards, project.library.uid_prefix()),
        rules=subject.rules,
    )
    with server.running(lambda data: recording.load(data, *directories)) as prom:
        yield Client(prom.url), world


@pytest.fixture(scope="module")
def client() -> Iterator[tuple[Client, truth.World]]:
    yield from _serve(INCIDENTS)


@pytest.fixture(scope="module")
def idle() -> Iterator[tuple[Client, truth.World]]:
    yield from _serve(IDLE)


def _reads(panel: str) -> list[truth.Reads]:
    expected = incidents.INCIDENT_EXPECTATIONS
    return [e for e in expected if isinstance(e, truth.Reads) and e.panel == panel]


def _with_unit(world: truth.World, unit: str) -> truth.World:
    system = world.dashboards["system"]
    model: dict[str, Any] = copy.deepcopy(system.model)
    for panel in model["panels"]:
        if panel.get("title") == HEAP:
            panel["fieldConfig"]["defaults"]["unit"] = unit
    dashboards = dict(world.dashboards) | {"system": Dashboard(system.name, system.source, model)}
    return replace(world, dashboards=dashboards)


def test_the_sick_replicas_worst_heap_reads_its_share_in_its_levels_colour(
    client: tuple[Client, truth.World],
) -> None:
    prom, world = client
    expected = _reads(HEAP)
    assert {(e.text, e.level) for e in expected} == {
        (f"{incidents.HEAP_SHARE:.1%}", "critical"),  # 87.1 %, red
        (f"{incidents.WARM_SHARE:.1%}", "warning"),  # about 81 %: the token service, yellow
    }
    checked = display.check(prom, world, expected)
    verdicts = [v for v in checked if isinstance(v.expectation, truth.Reads)]
    assert [v.met for v in verdicts] == [True, True], [v.line("incidents") for v in verdicts]
    assert "81.1%" in verdicts[1].shown and "#FADE2A" in verdicts[1].shown.upper()


def test_a_wrong_unit_fails_a_display_expectation(client: tuple[Client, truth.World]) -> None:
    prom, world = client
    wrong = _with_unit(world, "percent")  # a 0–1 share shown as if it were 0–100
    [critical] = [e for e in _reads(HEAP) if e.level == "critical"]
    verdicts = [
        v for v in display.check(prom, wrong, [critical]) if isinstance(v.expectation, truth.Reads)
    ]
    assert [v.met for v in verdicts] == [False]
    assert verdicts[0].shown.startswith("'0.9%'")  # 0.871 with one decimal, and a %


def test_every_shown_number_of_a_stat_or_table_reads_as_displayed(
    client: tuple[Client, truth.World],
) -> None:
    prom, world = client
    # The status table: Up 0 for the instance that is down reads DOWN (its value mapping), in red.
    down = next(
        e
        for e in incidents.INCIDENT_EXPECTATIONS
        if isinstance(e, truth.Shows) and e.series.get("instance") == incidents.DOWN_INSTANCE
    )
    verdicts = display.check(prom, world, [down])
    legible, implied = verdicts
    assert isinstance(legible.expectation, display.Legible) and legible.met, legible.shown
    assert implied.met and implied.shown == "'DOWN' (0)", implied.line("incidents")
    # a wrong expectation is a miss
    wrong = replace(down, value=1)
    assert not display.check(prom, world, [wrong])[1].met


def test_a_service_without_saga_counters_reads_no_data_not_zero(
    idle: tuple[Client, truth.World],
) -> None:
    prom, world = idle
    saga = [
        e
        for e in incidents.IDLE_EXPECTATIONS
        if isinstance(e, truth.Reads | truth.Shows) and "SAGA" in e.panel
    ]
    verdicts = display.check(prom, world, saga)
    readings = [v for v in verdicts if not isinstance(v.expectation, display.Legible)]
    assert len(readings) == 2 and all(v.met for v in readings), [v.line("idle") for v in verdicts]
    assert all(v.shown.startswith("'No data'") for v in readings)
