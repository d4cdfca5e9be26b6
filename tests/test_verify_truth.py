"""Expectations with known answers: the harness itself, on a real Prometheus over the incidents.

The harness must catch a panel that returns data but the wrong number: the heap query that keeps
only pools with a limit (Old Gen over Old Gen) is today's bug, and it must miss the heap
expectation that the contract's query meets.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leaky_dashboards.project import Project
from leaky_dashboards.render import Dashboard
from leaky_dashboards.settings import Installation, Paths
from leaky_dashboards.verify import (
    incidents,
    recording,
    run,
    scenarios,
    server,
    synthetic,
    truth,
)
from leaky_dashboards.verify.promapi import Client

INCIDENTS = scenarios.INCIDENTS
HEAP_TITLE = "Heap of the worst instance"

# What the heap panels showed before the contract said it exactly: pools reporting max = -1 are
# dropped from both sides, so Old Gen is divided by Old Gen and Eden disappears.
OLD_GEN_ONLY = (
    'max(sum by (application, instance) (jvm_memory_used_bytes{area="heap"}'
    ' and on (application, instance, id) (jvm_memory_max_bytes{area="heap"} > 0))'
    ' / sum by (application, instance) (jvm_memory_max_bytes{area="heap"} > 0))'
)
# The contract: every heap pool used, over the pools that have a limit.
EVERY_POOL = (
    'max(sum by (application, instance) (jvm_memory_used_bytes{area="heap"})'
    ' / sum by (application, instance) (jvm_memory_max_bytes{area="heap"} > 0))'
)


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    # The incidents' data and the recording rules backfilled over it, as `invoke verify` loads
    # them: the overview reads recorded series.
    project = Project(Paths(), Installation(), "go")
    rules = run.compiled_subject(project).rules
    _, directories = run.prepare(project, INCIDENTS, rules, echo=lambda _: None)
    with server.running(lambda data: recording.load(data, *directories)) as prom:
        yield Client(prom.url)


def heap_dashboard(expr: str) -> Dashboard:
    model: dict[str, Any] = {
        "uid": "leaky-tokens-system",
        "title": "System",
        "panels": [
            {
                "type": "stat",
                "title": HEAP_TITLE,
                "gridPos": {"x": 0, "y": 0, "w": 6, "h": 4},
                "fieldConfig": {"defaults": {"unit": "percentunit"}},
                "targets": [{"refId": "A", "expr": expr}],
            }
        ],
    }
    return Dashboard("leaky-tokens-system", Path("system.jsonnet"), model)


def world_with(*dashboards: Dashboard, rules: dict[str, Any] | None = None) -> truth.World:
    return truth.World(
        end=INCIDENTS.timeline.end,
        start=INCIDENTS.timeline.start,
        scrape_interval="15s",
        dashboards=truth.dashboards_by_name(dashboards, "leaky-tokens-"),
        rules=rules or {"groups": []},
    )


HEAP_EXPECTATION = truth.Shows(
    "system", HEAP_TITLE, incidents.HEAP_SHARE, incidents.HEAP_WHY, tolerance=0.005
)


def test_the_old_gen_only_heap_query_misses_the_heap_expectation(client: Client) -> None:
    [verdict] = truth.check(client, world_with(heap_dashboard(OLD_GEN_ONLY)), [HEAP_EXPECTATION])
    assert not verdict.met
    assert float(verdict.shown) < incidents.HEAP_SHARE - 0.3  # Old Gen alone: 130 of 512 MiB
    assert verdict.line("incidents").startswith("MISS incidents › system › " + HEAP_TITLE)


def test_the_contract_heap_query_meets_it(client: Client) -> None:
    [verdict] = truth.check(client, world_with(heap_dashboard(EVERY_POOL)), [HEAP_EXPECTATION])
    assert verdict.met, verdict.line("incidents")


def test_a_no_data_expectation_fails_on_a_confident_zero(client: Client) -> None:
    zero = heap_dashboard("sum(increase(token_refund_total[5m])) or vector(0)")
    expectation = dataclasses.replace(HEAP_EXPECTATION, value=None, why="not exported")
    [verdict] = truth.check(client, world_with(zero), [expectation])
    assert not verdict.met
    assert verdict.shown == "1 series: {} = 0"


def alert_rules(expr: str, hold: str) -> dict[str, Any]:
    rule = {"alert": "HeapFull", "expr": expr, "for": hold, "labels": {"severity": "critical"}}
    return {"groups": [{"name": "test", "rules": [rule]}]}


def test_an_alert_fires_for_its_labels_once_it_held_for_its_duration(client: Client) -> None:
    rules = alert_rules(EVERY_POOL.replace("max(", "(", 1) + " > 0.85", "5m")
    world = world_with(rules=rules)
    fires = truth.Fires("HeapFull", "critical", {"instance": incidents.HEAP_INSTANCE}, "full")
    too_early = dataclasses.replace(fires, by=incidents.HEAP.since - 60)
    silent_sibling = truth.Silent("HeapFull", {"instance": "api-gateway-1:8080"}, "ordinary")
    loud = truth.Silent("HeapFull", {}, "wrongly expected silent")
    verdicts = truth.check(client, world, [fires, too_early, silent_sibling, loud])
    assert [v.met for v in verdicts] == [True, False, True, False]
    # Pressure starts 20 minutes before the end; `for: 5m` makes it fire 15 minutes before it.
    assert "fired at end-15m" in verdicts[0].shown


def test_an_expectation_naming_a_missing_panel_or_variable_is_a_miss(client: Client) -> None:
    world = world_with(heap_dashboard(EVERY_POOL))
    typo = dataclasses.replace(HEAP_EXPECTATION, panel="Heap of the worst instanc")
    variable = dataclasses.replace(HEAP_EXPECTATION, variables={"service": "api-gateway"})
    verdicts = truth.check(client, world, [typo, variable])
    assert [v.met for v in verdicts] == [False, False]
    assert "has no target" in verdicts[0].shown
    assert "no variable service" in verdicts[1].shown


def test_firing_needs_every_evaluation_of_the_hold_and_a_gap_starts_it_again() -> None:
    steady = list(range(0, 600, 15))
    assert truth.fired(steady, 15, 300)[0] == 300
    gap = [t for t in steady if t != 150]
    assert truth.fired(gap, 15, 300)[0] == 165 + 300
    assert truth.fired([0, 15, 30], 15, 0) == [0, 15, 30]
    assert truth.fired([], 15, 60) == []


def test_verify_prints_one_line_per_expectation_and_fails_on_a_miss() -> None:
    wrong = dataclasses.replace(HEAP_EXPECTATION, panel="No such panel")
    scenario = dataclasses.replace(INCIDENTS, expectations=(wrong, wrong))
    lines: list[str] = []
    with pytest.raises(run.VerifyError, match="2 missed expectation"):
        run.run(Project(), dashboards=[], echo=lines.append, scenario=scenario)
    assert sum(line.startswith("MISS incidents › system › No such panel") for line in lines) == 2
    assert "scenario incidents: 0 of 2 expectations met" in lines


def test_the_service_health_table_has_one_row_per_service_of_the_world(client: Client) -> None:
    """Every column of the overview's health table answers for every service the incidents'
    world runs, and for nothing else, so the merged table has exactly one row per service
    (`up`, which has only `job`, included; p95 is left out: an idle service has none)."""
    compiled = Project(Paths(), Installation(), "go").dashboards
    world = world_with(*compiled)
    [health] = [d for d in compiled if d.uid == "leaky-tokens-overview"]
    ref_ids = [
        t["refId"]
        for p in health.model["panels"]
        if p.get("title") == "Service health"
        for t in p["targets"]
    ]
    assert ref_ids == list("ABCDEFG")
    services = set(synthetic.PORTS)
    for ref_id in [r for r in ref_ids if r != incidents.HEALTH_P95]:
        answer, query = truth._answer(client, world, "overview", "Service health", 0, {}, ref_id)
        assert answer is not None and answer.error is None, query
        rows = [s["metric"].get("application") for s in answer.result]
        assert sorted(rows) == sorted(services), f"{ref_id}: {query}"
