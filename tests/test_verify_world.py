"""The synthetic worlds: the platform's real cardinality, and incidents that do what they say."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pytest

from leaky_dashboards import catalog
from leaky_dashboards.project import Project
from leaky_dashboards.verify import incidents, scenarios, shapes, synthetic
from leaky_dashboards.verify.synthetic import Series
from leaky_dashboards.verify.world import World

HTTP = "http_server_requests_seconds"
INCIDENTS = scenarios.INCIDENTS


@pytest.fixture(scope="module")
def metrics() -> catalog.Catalog:
    return Project().library.catalog()


@pytest.fixture(scope="module")
def world(metrics: catalog.Catalog) -> list[Series]:
    return synthetic.generate(metrics, timeline=INCIDENTS.timeline, world=INCIDENTS.world)


def pick(series: Iterable[Series], name: str, **labels: str) -> list[Series]:
    return [s for s in series if s.name == name and labels.items() <= s.labels.items()]


def increments(s: Series) -> np.ndarray:
    return np.diff(s.values[s.present])


def test_timers_export_micrometer_buckets_and_the_platform_slo_buckets() -> None:
    micrometer = shapes.micrometer_buckets(shapes.MIN_EXPECTED_NS, shapes.MAX_EXPECTED_NS)
    assert len(micrometer) + 2 == 68  # with the minimum and maximum expected values
    assert {"0.1", "0.5", "1.0", "0.001", "30.0"} <= set(shapes.BUCKET_LABELS)
    assert len(shapes.BUCKETS) == 71
    assert list(shapes.BUCKETS) == sorted(shapes.BUCKETS)


def test_every_service_and_replica_exports_every_bucket_and_the_actuator_endpoints(
    world: list[Series],
) -> None:
    buckets = pick(world, HTTP + "_bucket")
    per_route: dict[tuple[tuple[str, str], ...], set[str]] = {}
    for s in buckets:
        key = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
        per_route.setdefault(key, set()).add(s.labels["le"])
    assert all(len(les) == len(shapes.BUCKETS) + 1 for les in per_route.values())
    instances = {s.labels["instance"] for s in pick(world, "up")}
    assert {i for i in instances if i.startswith("api-gateway")} == {
        f"api-gateway-{n}:8080" for n in (1, 2, 3)
    }
    for instance in instances:
        uris = {s.labels["uri"] for s in pick(world, HTTP + "_count", instance=instance)}
        assert {"/actuator/prometheus", "/actuator/health"} <= uris, instance
    assert len(world) > 4000  # thousands of series, as the platform exports


def test_prometheus_scrapes_each_instance_once_per_scrape_interval(world: list[Series]) -> None:
    [scrapes] = pick(
        world, HTTP + "_count", instance="config-server-1:8888", uri="/actuator/prometheus"
    )
    assert set(increments(scrapes).tolist()) == {1.0}


def test_the_heap_incident_holds_what_it_allocated(world: list[Series]) -> None:
    heap = incidents.HEAP
    used = {
        s.labels["id"]: s.values[-1]
        for s in pick(world, "jvm_memory_used_bytes", instance=heap.instance, area="heap")
    }
    assert used == {
        "G1 Eden Space": heap.eden_mib * shapes.MIB,
        "G1 Survivor Space": heap.survivor_mib * shapes.MIB,
        "G1 Old Gen": heap.old_mib * shapes.MIB,
    }
    for s in pick(world, "jvm_memory_committed_bytes", instance=heap.instance, area="heap"):
        assert s.values[-1] >= used[s.labels["id"]]


def test_a_surge_adds_exactly_its_events_per_minute_over_the_service(
    world: list[Series],
) -> None:
    storm = slice(-incidents.STORM_SINCE // 15, -incidents.STORM_SINCE // 15 + 40)  # 10 minutes
    blocked = pick(world, "gateway_rate_limit_total", outcome="blocked")
    assert len(blocked) == 3  # one per gateway replica
    during = sum(float(np.diff(s.values)[storm].sum()) for s in blocked)
    baseline = 100  # a healthy afternoon's blocks (about 7 a minute), at most, in 10 minutes
    assert incidents.BLOCKS_PER_MINUTE * 10 <= during <= incidents.BLOCKS_PER_MINUTE * 10 + baseline


def test_a_failed_call_is_counted_as_an_attempt_too(world: list[Series]) -> None:
    window = slice(-incidents.FAILING_SINCE // 15, -incidents.FAILING_SINCE // 15 + 20)

    def added(outcome: str) -> float:
        chosen = pick(world, "token_consume_total", provider="gemini", outcome=outcome)
        return sum(float(np.diff(s.values)[window].sum()) for s in chosen)

    failed = added("provider_failure")
    assert failed >= incidents.FAILURES_PER_MINUTE * 5
    decided = sum(added(o) for o in ("allowed", "rate_limited", "quota_insufficient"))
    assert added("attempt") >= decided + failed


def test_an_idle_service_gets_only_scrapes_health_checks_and_its_single_requests(
    world: list[Series],
) -> None:
    counts = pick(world, HTTP + "_count", application=incidents.IDLE_SERVICE)
    users = [s for s in counts if not s.labels["uri"].startswith("/actuator")]
    [failed] = [s for s in users if s.labels["status"] == "500"]
    assert increments(failed).sum() == 2  # the two requests it failed
    for s in users:
        if s is not failed:
            assert not increments(s).any(), s.labels


def test_a_series_only_single_requests_create_appears_at_the_first_one(
    metrics: catalog.Catalog,
) -> None:
    route = (("method", "GET"), ("outcome", "SERVER_ERROR"), ("status", "503"), ("uri", "/x"))
    from leaky_dashboards.verify.world import HttpEvents

    timeline = synthetic.Timeline(hours=1)
    event = HttpEvents("config-server", (*route, ("exception", "none")), at=(600,))
    series = synthetic.generate(metrics, timeline=timeline, world=World(http_events=(event,)))
    created = pick(series, HTTP + "_count", uri="/x")
    assert len(created) == 1
    [count] = created
    assert count.values[count.present].tolist()[0] == 1
    assert int(count.present.sum()) == 600 // 15 + 1
    assert len(pick(series, HTTP + "_bucket", uri="/x")) == len(shapes.BUCKETS) + 1


def test_a_family_nobody_exports_has_no_series_and_idle_counters_stand_still(
    metrics: catalog.Catalog,
) -> None:
    timeline = synthetic.Timeline(hours=1)
    series = synthetic.generate(metrics, timeline=timeline, world=incidents.IDLE)
    assert not [s for s in series if s.name in incidents.SAGA]
    for s in pick(series, "token_consume_total"):
        assert not increments(s).any(), s.labels


def test_an_instance_down_at_the_end_reports_up_0_and_nothing_else(world: list[Series]) -> None:
    down = incidents.DOWN_INSTANCE
    since = incidents.DOWN_SINCE // 15 + 1  # the scrape 8 minutes before the end failed too
    [up] = pick(world, "up", instance=down)
    assert up.values[-since:].tolist() == [0.0] * since
    assert up.values[-since - 1] == 1
    for s in world:
        if s.labels.get("instance") == down and "application" in s.labels:
            assert not s.present[-since:].any(), s.name


def test_the_query_bench_grows_the_busy_day_by_its_users_only(metrics: catalog.Catalog) -> None:
    from leaky_dashboards.errors import BuildError
    from leaky_dashboards.verify import backfill, querybench

    assert querybench.scenario_for(None) is scenarios.FULL
    big = querybench.scenario_for(10_000)
    assert big.world.users == 10_000 and big.timeline == scenarios.FULL.timeline
    assert big.world.replicas == scenarios.FULL.world.replicas
    assert big.world.outages == scenarios.FULL.world.outages
    # Its own blocks: the cache key names the users.
    keys = {
        backfill.cache_key(metrics, 1, big.timeline, platform=s.world)
        for s in (scenarios.FULL, big)
    }
    assert len(keys) == 2
    with pytest.raises(BuildError, match="--users must be at least 1"):
        querybench.scenario_for(0)


def test_a_surge_on_the_per_user_counter_goes_to_the_heaviest_user(world: list[Series]) -> None:
    window = slice(-incidents.FAILING_SINCE // 15, -incidents.FAILING_SINCE // 15 + 20)
    failing = pick(world, "token_consume_total", provider="gemini", outcome="provider_failure")
    added: dict[str, float] = {}
    for s in failing:  # one series per instance
        user = s.labels["userId"]
        added[user] = added.get(user, 0.0) + float(np.diff(s.values)[window].sum())
    heaviest = shapes.user_id(1)
    assert added[heaviest] >= incidents.FAILURES_PER_MINUTE * 5 * 0.9
    assert sum(v for user, v in added.items() if user != heaviest) < 5
