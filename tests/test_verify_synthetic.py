"""The synthetic series: every catalog series and label value, Micrometer's shapes, determinism."""

from __future__ import annotations

import io
import itertools
from collections import defaultdict

import numpy as np
import pytest

from leaky_dashboards import catalog
from leaky_dashboards.errors import BuildError
from leaky_dashboards.project import Project
from leaky_dashboards.verify import openmetrics, shapes, synthetic
from leaky_dashboards.verify.synthetic import Series

SHORT = synthetic.Timeline(hours=1)  # an hour of every series: enough for bytes and format


@pytest.fixture(scope="module")
def metrics() -> catalog.Catalog:
    return Project().library.catalog()


@pytest.fixture(scope="module")
def series(metrics: catalog.Catalog) -> list[Series]:
    return synthetic.generate(metrics)


def by_name(series: list[Series], name: str) -> list[Series]:
    return [s for s in series if s.name == name]


def text(series: list[Series], timeline: synthetic.Timeline) -> bytes:
    out = io.BytesIO()
    openmetrics.write(series, timeline.times(), out)
    return out.getvalue()


def test_every_catalog_series_exists_for_every_owning_service_with_every_listed_value(
    metrics: catalog.Catalog, series: list[Series]
) -> None:
    for name, metric in metrics.metrics.items():
        mine = by_name(series, name)
        assert {s.labels["job"] for s in mine} == set(metric.services), name
        for label, values in metric.labels.items():
            seen = {s.labels.get(label) for s in mine}
            assert None not in seen or label == "reason", f"{name}: some series lack {label}"
            if values is None:
                continue
            if label in ("job", "application"):  # one per owning service
                assert seen <= set(values), name
            else:
                assert set(values) <= seen, f"{name}: {label} never takes {set(values) - seen}"


def test_up_and_scrape_series_carry_only_job_and_instance(series: list[Series]) -> None:
    for name in ("up", "scrape_duration_seconds", "scrape_samples_scraped"):
        assert by_name(series, name)
        for s in by_name(series, name):
            assert set(s.labels) == {"job", "instance"}


def test_micrometer_series_carry_application_equal_to_job(series: list[Series]) -> None:
    for s in series:
        if "application" in s.labels:
            assert s.labels["application"] == s.labels["job"]


def test_a_failure_reason_appears_only_on_failures(series: list[Series]) -> None:
    reasons = [s for s in series if "reason" in s.labels]
    assert reasons
    assert all(s.labels["outcome"] == "failure" for s in reasons)


def test_counters_only_grow_except_when_their_instance_restarts(
    metrics: catalog.Catalog, series: list[Series]
) -> None:
    restarted = set()
    for s in series:
        if metrics.metrics[s.name].type != "counter":
            continue
        kept = s.values[s.present]
        drops = np.flatnonzero(np.diff(kept) < 0)
        if drops.size:
            restarted.add(s.labels["instance"])
            assert drops.size == 1, f"{s.name} {s.labels}: more than one reset"
    # Exactly the instance the generator restarts shows resets, and its counters all reset.
    assert restarted == {"token-service-2:8082"}


def test_a_restarting_instance_is_down_for_two_scrapes_with_up_zero_and_no_other_samples(
    series: list[Series],
) -> None:
    up = next(s for s in by_name(series, "up") if s.labels["instance"] == "token-service-2:8082")
    assert int((up.values == 0).sum()) == synthetic.RESTART_GAP
    down = up.values == 0
    for s in series:
        micrometer = s.name != "up" and "scrape" not in s.name
        if s.labels["instance"] == "token-service-2:8082" and micrometer:
            assert not s.present[down].any()
    uptime = next(
        s
        for s in by_name(series, "process_uptime_seconds")
        if s.labels["instance"] == "token-service-2:8082"
    )
    assert uptime.values[uptime.present].min() < 60  # it started again


def test_histogram_buckets_are_cumulative_and_inf_equals_count(series: list[Series]) -> None:
    buckets: dict[tuple[tuple[str, str], ...], dict[str, np.ndarray]] = defaultdict(dict)
    for s in by_name(series, "http_server_requests_seconds_bucket"):
        rest = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
        buckets[rest][s.labels["le"]] = s.values
    counts = {
        tuple(sorted(s.labels.items())): s.values
        for s in by_name(series, "http_server_requests_seconds_count")
    }
    assert buckets
    for rest, ladder in buckets.items():
        order = sorted(ladder, key=lambda le: float(le))
        assert order[-1] == "+Inf"
        stacked = np.vstack([ladder[le] for le in order])
        assert (np.diff(stacked, axis=0) >= 0).all(), f"not cumulative: {rest}"
        assert np.array_equal(ladder["+Inf"], counts[rest])


def test_attempts_are_at_least_every_decided_outcome_together(series: list[Series]) -> None:
    totals: dict[tuple[str, ...], dict[str, np.ndarray]] = defaultdict(dict)
    for s in by_name(series, "token_consume_total"):
        key = (s.labels["instance"], s.labels["provider"], s.labels["userId"])
        totals[key][s.labels["outcome"]] = s.values
    for key, outcomes in totals.items():
        decided = sum(v for o, v in outcomes.items() if o != "attempt")
        assert (outcomes["attempt"] >= decided).all(), key
        assert outcomes["attempt"][-1] > 0


def test_heap_pools_without_a_limit_report_max_minus_one_and_old_gen_has_a_limit(
    series: list[Series],
) -> None:
    maxima = {
        (s.labels["instance"], s.labels["id"]): s.values
        for s in by_name(series, "jvm_memory_max_bytes")
    }
    used = {
        (s.labels["instance"], s.labels["id"]): s.values
        for s in by_name(series, "jvm_memory_used_bytes")
    }
    for (instance, pool), values in maxima.items():
        if pool in ("G1 Eden Space", "G1 Survivor Space", "Metaspace"):
            assert (values == -1).all()
        if pool == "G1 Old Gen":
            assert (values > 0).all()
            assert (used[(instance, pool)] <= values).all()


def test_gauges_move(series: list[Series]) -> None:
    for name in ("system_cpu_usage", "jvm_threads_live_threads", "jvm_memory_used_bytes"):
        for s in by_name(series, name):
            assert np.ptp(s.values[s.present]) > 0, f"{name} {s.labels} is flat"


def test_cpu_usage_stays_a_fraction(series: list[Series]) -> None:
    for s in by_name(series, "system_cpu_usage") + by_name(series, "process_cpu_usage"):
        assert ((s.values >= 0) & (s.values <= 1)).all()


def test_thread_states_add_up_to_the_live_threads_of_their_instance(
    series: list[Series],
) -> None:
    live = {s.labels["instance"]: s.values for s in by_name(series, "jvm_threads_live_threads")}
    states: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(0))
    seen: dict[str, set[str]] = defaultdict(set)
    for s in by_name(series, "jvm_threads_states_threads"):
        instance = s.labels["instance"]
        states[instance] = states[instance] + s.values if states[instance].size else s.values
        seen[instance].add(s.labels["state"])
        assert (s.values >= 0).all()
    assert states.keys() == live.keys()
    for instance, total in states.items():
        assert len(seen[instance]) == 6
        np.testing.assert_array_equal(total, live[instance])


def test_open_file_descriptors_stay_below_their_limit(series: list[Series]) -> None:
    limits = {s.labels["instance"]: s.values for s in by_name(series, "process_files_max_files")}
    for s in by_name(series, "process_files_open_files"):
        assert (s.values > 0).all()
        assert (s.values < limits[s.labels["instance"]]).all()


def test_hikari_pending_is_mostly_zero_and_timeouts_are_rare(series: list[Series]) -> None:
    pending = np.concatenate([s.values for s in by_name(series, "hikaricp_connections_pending")])
    assert (pending == 0).mean() > 0.8
    assert pending.max() >= 1, "now and then a request waits"
    for s in by_name(series, "hikaricp_connections_timeout_total"):
        per_hour = (s.values[-1] - s.values[0]) / 25
        assert per_hour < 10


def test_promotion_is_a_small_share_of_allocation(series: list[Series]) -> None:
    allocated = {
        s.labels["instance"]: s.values
        for s in by_name(series, "jvm_gc_memory_allocated_bytes_total")
    }
    for s in by_name(series, "jvm_gc_memory_promoted_bytes_total"):
        made = allocated[s.labels["instance"]]
        assert 0 < s.values[-1] - s.values[0] < (made[-1] - made[0]) / 20


def test_traffic_follows_the_day_busier_afternoon_than_night(series: list[Series]) -> None:
    times = synthetic.Timeline().times()
    hour = (times % 86400) // 3600
    count = next(
        s
        for s in by_name(series, "http_server_requests_seconds_count")
        if s.labels["job"] == "api-gateway"
        and s.labels["status"] == "200"
        and not s.labels["uri"].startswith("/actuator")
    )
    per_scrape = np.diff(count.values)
    afternoon = per_scrape[(hour[1:] >= 13) & (hour[1:] < 17)].mean()
    night = per_scrape[(hour[1:] >= 1) & (hour[1:] < 5)].mean()
    assert afternoon > 3 * night


def test_scrapes_and_health_checks_keep_their_pace_day_and_night(series: list[Series]) -> None:
    for s in by_name(series, "http_server_requests_seconds_count"):
        if (
            s.labels["uri"] == "/actuator/prometheus"
            and s.labels["instance"] == "api-gateway-1:8080"
        ):
            assert set(np.diff(s.values).tolist()) == {1.0}  # one per 15 s scrape
        if s.labels["uri"] == "/actuator/health" and s.labels["instance"] == "api-gateway-1:8080":
            assert set(np.diff(s.values).tolist()) == {1.0, 2.0}  # one per 10 s


def test_a_few_users_consume_most_tokens(series: list[Series]) -> None:
    per_user: dict[str, float] = defaultdict(float)
    for s in by_name(series, "token_consume_total"):
        if s.labels["outcome"] == "allowed":
            kept = s.values[s.present]
            per_user[s.labels["userId"]] += float(kept[-1] - kept[0])
    ranked = sorted(per_user.values(), reverse=True)
    assert len(ranked) >= 3
    assert ranked[0] > 2 * ranked[-1]
    assert ranked[0] > sum(ranked) / len(ranked) * 1.5


def test_the_busy_day_has_a_thousand_active_users_zipf_distributed(series: list[Series]) -> None:
    per_user: dict[str, float] = defaultdict(float)
    for s in by_name(series, "token_consume_total"):
        if s.labels["outcome"] == "allowed":
            kept = s.values[s.present]
            steps = np.diff(kept)
            steps[steps < 0] = kept[1:][steps < 0]  # a restart starts again from 0
            per_user[s.labels["userId"]] += float(steps.sum())
    active = {user for user, consumed in per_user.items() if consumed > 0}
    assert len(active) >= shapes.USERS >= 1000
    ranked = sorted(per_user.values(), reverse=True)
    total = sum(ranked)
    # Zipf (s = 1) over 1,000 users: the heaviest makes 1/H(1000) ≈ 13 % of the calls, the
    # hundred heaviest about 69 %.
    assert 0.10 < ranked[0] / total < 0.17
    assert 0.6 < sum(ranked[:100]) / total < 0.8


def test_heavy_users_call_every_provider_and_a_light_users_series_start_at_their_first_call(
    series: list[Series],
) -> None:
    tokens = by_name(series, "token_consume_total")
    heaviest = [s for s in tokens if s.labels["userId"] == shapes.user_id(1)]
    # Every provider and outcome on both token-service instances, existing before the window.
    assert len(heaviest) == 3 * 5 * 2
    assert all(s.present[0] and s.values[0] > 0 for s in heaviest)
    light = [s for s in tokens if not s.present[0]]
    assert light, "no series created during the day"
    for s in light:
        first = int(np.argmax(s.present))
        assert s.values[first] >= 1 and (s.values[:first] == 0).all(), s.labels
    # A light user calls one provider and meets only the refusals their rank gives them.
    providers: dict[str, set[str]] = defaultdict(set)
    for s in tokens:
        providers[s.labels["userId"]].add(s.labels["provider"])
    assert sum(1 for p in providers.values() if len(p) == 1) > 900


def test_data_covers_25_hours_at_the_scrape_interval_ending_at_the_fixed_anchor() -> None:
    times = synthetic.Timeline().times()
    assert times[-1] == synthetic.END
    assert times[-1] - times[0] >= 25 * 3600
    assert set(np.diff(times).tolist()) == {15}


def test_same_seed_same_bytes_other_seed_other_bytes(metrics: catalog.Catalog) -> None:
    first = text(synthetic.generate(metrics, 7, SHORT), SHORT)
    again = text(synthetic.generate(metrics, 7, SHORT), SHORT)
    other = text(synthetic.generate(metrics, 8, SHORT), SHORT)
    assert first == again
    assert first != other


def test_the_stream_makes_the_generated_series_one_metric_at_a_time(
    metrics: catalog.Catalog,
) -> None:
    streamed = list(synthetic.stream(metrics, 3, SHORT))
    made = synthetic.generate(metrics, 3, SHORT)
    assert [s.key() for s in sorted(streamed, key=Series.key)] == [s.key() for s in made]
    assert text(sorted(streamed, key=Series.key), SHORT) == text(made, SHORT)
    names = [name for name, _ in itertools.groupby(s.name for s in streamed)]
    assert len(names) == len(set(names)), "a family is not contiguous"
    written = openmetrics.write(iter(streamed), SHORT.times(), io.BytesIO())
    assert (written.series, written.samples) == (len(made), sum(int(s.present.sum()) for s in made))


def test_openmetrics_text_is_grouped_time_sorted_in_seconds_and_ends_with_eof(
    metrics: catalog.Catalog,
) -> None:
    lines = text(synthetic.generate(metrics, 1, SHORT), SHORT).decode().splitlines()
    assert lines[-1] == "# EOF"
    last_time: dict[str, int] = {}
    finished: set[str] = set()
    current = None
    for line in lines[:-1]:
        name_labels, _value, stamp = line.rsplit(" ", 2)
        family = name_labels.split("{", 1)[0]
        if family != current:
            assert family not in finished, f"{family} is not contiguous"
            if current:
                finished.add(current)
            current = family
        t = int(stamp)
        assert SHORT.start <= t <= SHORT.end
        assert t > last_time.get(name_labels, 0)
        last_time[name_labels] = t


def test_label_values_are_escaped_in_openmetrics() -> None:
    s = Series("m", {"a": 'x"y\\z'}, np.array([1.0]), np.array([True]))
    assert openmetrics.series_name(s) == 'm{a="x\\"y\\\\z"}'


def test_a_gauge_without_a_generator_is_an_error_naming_it(metrics: catalog.Catalog) -> None:
    like = metrics.metrics["hikaricp_connections_max"]
    pool = catalog.Metric("hikaricp_connections_timeout_max", "gauge", like.services, like.labels)
    grown = catalog.Catalog(metrics.metrics | {pool.name: pool}, metrics.text)
    with pytest.raises(BuildError, match="gauge hikaricp_connections_timeout_max has no generator"):
        synthetic.generate(grown, timeline=SHORT)
