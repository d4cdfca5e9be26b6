"""Recording rules backfilled by the real promtool over the synthetic history, checked against
their expressions; a rule reading another rule's series comes in a later pass."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leaky_dashboards.library import Library
from leaky_dashboards.settings import Installation, Paths
from leaky_dashboards.verify import backfill, loaded, recording, scenarios, server
from leaky_dashboards.verify.promapi import Client

SCENARIO = scenarios.INCIDENTS
START, END = SCENARIO.timeline.start, SCENARIO.timeline.end
USERS = 'http_server_requests_seconds_count{uri!~"/actuator.*"}'

RULES: dict[str, Any] = {
    "groups": [
        {
            "name": "raw",
            "rules": [
                {
                    "record": "application:http_requests:rate5m",
                    "expr": f"sum by (application) (rate({USERS}[5m]))",
                },
                {"alert": "NotRecorded", "expr": "vector(1)"},
            ],
        },
        {
            "name": "derived",
            "rules": [
                {
                    "record": "platform:http_requests:rate5m",
                    "expr": "sum(application:http_requests:rate5m)",
                    "labels": {"scope": "platform"},
                }
            ],
        },
    ]
}


@pytest.fixture(scope="module")
def raw() -> backfill.Blocks:
    paths = Paths()
    return backfill.ensure_blocks(
        Library(paths.libsonnet, Installation(), "go").catalog(),
        loaded.cache_root(paths),
        timeline=SCENARIO.timeline,
        platform=SCENARIO.world,
    )


@pytest.fixture(scope="module")
def client(raw: backfill.Blocks) -> Iterator[Client]:
    recorded = recording.ensure_recorded(raw, RULES, START, END, "15s")
    assert recorded is not None and recorded.rules == 2
    with server.running(
        lambda data: recording.load(data, raw.directory, recorded.directory)
    ) as prom:
        yield Client(prom.url)


def test_recorded_series_equal_their_expressions_over_two_passes(client: Client) -> None:
    times = recording.check_times(START, END, 15)
    compared, problems = recording.check(client, RULES, times)
    assert not problems, [p.line() for p in problems]
    assert compared == 2 * len(times)
    # The second pass saw the first pass's series: the platform total exists and is positive.
    answer = client.query('platform:http_requests:rate5m{scope="platform"}', times[-1])
    assert float(answer.result[0]["value"][1]) > 0


def test_a_rule_whose_series_differ_from_its_expression_is_reported(client: Client) -> None:
    changed = {
        "groups": [
            {
                "name": "raw",
                "rules": [
                    {
                        "record": "application:http_requests:rate5m",
                        "expr": f"sum by (application) (rate({USERS}[5m])) * 2",
                    }
                ],
            }
        ]
    }
    _, problems = recording.check(client, changed, recording.check_times(START, END, 15))
    assert problems
    assert problems[0].line().startswith("recording rule application:http_requests:rate5m at ")


def test_the_recorded_blocks_are_built_once(raw: backfill.Blocks, client: Client) -> None:
    again = recording.ensure_recorded(raw, RULES, START, END, "15s")
    assert again is not None and again.cached
    assert recording.ensure_recorded(raw, {"groups": []}, START, END, "15s") is None


def test_check_times_lie_on_the_evaluation_grid_after_the_first_hour() -> None:
    times = recording.check_times(START, END, 15)
    assert len(times) == recording.CHECK_POINTS
    assert all((t - START) % 15 == 0 and START + 3600 <= t <= END for t in times)


HOURLY: dict[str, Any] = {
    "groups": [
        {
            "name": "hourly",
            "interval": "1h",
            "rules": [
                {
                    "record": "platform:http_requests:increase1h",
                    "expr": f"sum(increase({USERS}[1h]))",
                }
            ],
        }
    ]
}


def _instants(directory: Path) -> list[int]:
    metas = [json.loads(p.read_text()) for p in directory.glob("*/meta.json")]
    return sorted(m["minTime"] for m in metas)


def test_an_hourly_group_is_evaluated_at_the_same_instants_in_every_build(
    raw: backfill.Blocks,
) -> None:
    first = recording.ensure_recorded(raw, HOURLY, START, END, "15s")
    assert first is not None and not first.cached
    instants = _instants(first.directory)
    shutil.rmtree(first.directory)  # built again, in another scratch directory
    again = recording.ensure_recorded(raw, HOURLY, START, END, "15s")
    assert again is not None and not again.cached
    assert instants and _instants(again.directory) == instants
    shutil.rmtree(again.directory)
