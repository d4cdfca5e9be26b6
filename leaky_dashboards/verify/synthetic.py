"""Synthetic Micrometer-shaped series for every metric of the catalog, deterministic per seed.

Time is a fixed grid (`Timeline`): the data ends at `END`, a wall-clock-independent instant, so
blocks backfilled once stay valid for ever and every query is evaluated at `END`. What happens on
the platform is a `World` (world.py): replicas, outages and restarts, incidents. Traffic follows a
daily curve; counters only grow, except on an instance that comes back from an outage (it is
down: `up` is 0 and nothing else is scraped, then its counters start again from zero).
Prometheus' scrapes and health checks reach `/actuator/*` at their own steady pace, whatever the
users do.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from ..catalog import Catalog, Metric
from ..errors import BuildError
from . import shapes
from .world import REPLICAS, Outage, World

Array = np.ndarray

STEP = 15  # seconds: the platform's scrape interval
# 2026-01-01T17:00:00Z: one hour before the end of a 54 h block (promtool aligns blocks to
# multiples of their length), so 26 h of data fit in one block and promtool reads its input once.
END = 1_767_286_800
HOURS = 26
DEFAULT_SEED = 20260101
RESTART_GAP = 2  # scrapes an instance is down while it restarts
PORTS = {
    "api-gateway": 8080,
    "auth-server": 8081,
    "token-service": 8082,
    "analytics-service": 8083,
    "config-server": 8888,
    "service-discovery": 8761,
    "openai-stub": 8093,
    "qwen-stub": 8091,
    "gemini-stub": 8092,
}
# HTTP requests per second per instance at the daily peak.
HTTP_RATE = {
    "api-gateway": 40.0,
    "token-service": 18.0,
    "auth-server": 8.0,
    "analytics-service": 3.0,
}
DEFAULT_HTTP_RATE = 1.0
# Business counters: events per second per instance at the daily peak.
COUNTER_RATE = 2.0
# Counters that are not business events: their own pace per instance at the daily peak.
COUNTER_RATES = {
    # Bytes: the young generation fills at tens of MiB a second; little of it survives.
    "jvm_gc_memory_allocated_bytes_total": 40.0 * shapes.MIB,
    "jvm_gc_memory_promoted_bytes_total": 0.4 * shapes.MIB,
    # Log lines (mostly `info`; `error` a few a minute).
    "logback_events_total": 5.0,
    # A healthy pool almost never makes a request give up: a few an hour.
    "hikaricp_connections_timeout_total": 0.001,
}
# Timers that are not HTTP or GC: their median duration (default 50 ms).
TIMER_MEDIANS = {"hikaricp_connections_acquire_seconds": 0.0004}
PROVIDER_WEIGHT = {"openai": 0.55, "qwen": 0.25, "gemini": 0.20}
# How the token service decides a consumption (the `attempt` outcome counts them all first).
DECISIONS = {
    "allowed": 0.8795,
    "rate_limited": 0.06,
    "quota_insufficient": 0.06,
    # Rare on a healthy day: a few calls an hour, below the provider alert's levels.
    "provider_failure": 0.0005,
}
# Outcomes rare on a healthy day (a share of the first, common value's rate): below every alert
# level, as on the real platform when nothing is wrong.
RARE_OUTCOMES = {"failure": 0.005, "blocked": 0.02}
# Requests per second per instance that are not users': exact, whatever the users do.
ACTUATOR_RATE = {
    "/actuator/prometheus": shapes.SCRAPES_PER_SECOND,
    "/actuator/health": shapes.HEALTH_CHECKS_PER_SECOND,
}
# Token consumption calls per second per token-service instance at the daily peak, all users
# together (the world's Zipf-distributed users share them).
TOKEN_CALLS = 15.0
# Calls that end in an exception: counted as attempts, never decided.
EXCEPTION_SHARE = 0.0002


@dataclass(frozen=True)
class Timeline:
    end: int = END
    hours: int = HOURS
    step: int = STEP
    # Services deployed during the window: (service, seconds before `end` it started). Before
    # that Prometheus finds its targets down; its counters start from 0 when it starts.
    started: tuple[tuple[str, int], ...] = ()

    @property
    def start(self) -> int:
        return self.end - self.hours * 3600

    def times(self) -> Array:
        return np.arange(self.start, self.end + 1, self.step, dtype=np.int64)


@dataclass(frozen=True)
class Instance:
    service: str
    address: str  # host:port, the `instance` label
    since: int = 0  # step index at which it started (0: before the window)
    # Steps [from, to) it is not scraped; to is None while it is still down at the end.
    down: tuple[int, int | None] | None = None

    def present(self, steps: int) -> Array:
        mask = np.ones(steps, dtype=bool)
        mask[: self.since] = False
        if self.down is not None:
            mask[self.down[0] : self.down[1]] = False
        return mask

    @property
    def resumed(self) -> int | None:
        """The step it came back at, restarted; None if it never went down or is still down."""
        return self.down[1] if self.down is not None else None


@dataclass(frozen=True)
class TimerSeries:
    """One label set of a timer: its events per scrape and median latency in seconds."""

    labels: dict[str, str]
    events: Array
    median: float
    # Made by the world's single requests: it exists from the first one on, as Micrometer
    # creates a series at its first event.
    created: bool = False


@dataclass
class Series:
    name: str
    labels: dict[str, str]
    values: Array
    present: Array = field(repr=False)

    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        return self.name, tuple(sorted(self.labels.items()))


def step_of(timeline: Timeline, before_end: int) -> int:
    """The step index `before_end` seconds before the timeline's end (clamped to the window)."""
    steps = len(timeline.times())
    return min(max(0, steps - 1 - before_end // timeline.step), steps)


def instances(
    services: list[str], timeline: Timeline, world: World | None = None
) -> list[Instance]:
    world = world or DEFAULT_WORLD
    steps = len(timeline.times())
    started = dict(timeline.started)
    outages = {o.instance: o for o in world.outages}
    result = []
    for service in services:
        port = PORTS.get(service, 8080)
        since = step_of(timeline, started[service]) if service in started else 0
        for n in range(1, world.replicas_of(service) + 1):
            address = f"{service}-{n}:{port}"
            down = None
            if address in outages:
                outage = outages[address]
                first = step_of(timeline, outage.since)
                back = None if outage.lasts is None else first + outage.lasts // timeline.step
                down = (first, back if back is not None and back < steps else None)
            result.append(Instance(service, address, since, down))
    return result


# The platform on an ordinary day: replicas, and one token-service instance that restarts
# (down for two scrapes) 40 % of the way before the end of the default 26 hours.
DEFAULT_WORLD = World(
    replicas=REPLICAS,
    outages=(Outage("token-service-2:8082", int(HOURS * 3600 * 0.4), RESTART_GAP * STEP),),
)


def generate(
    catalog: Catalog,
    seed: int = DEFAULT_SEED,
    timeline: Timeline | None = None,
    world: World | None = None,
) -> list[Series]:
    """Every series of the catalog, sorted by name then labels (one family's samples together)."""
    return sorted(stream(catalog, seed, timeline, world), key=Series.key)


def stream(
    catalog: Catalog,
    seed: int = DEFAULT_SEED,
    timeline: Timeline | None = None,
    world: World | None = None,
) -> Iterator[Series]:
    """The series `generate` makes, made as they are read: one metric (or timer) at a time, each
    one's series sorted by name then labels (so a family is contiguous), except the per-user
    counter's, which come as they are made. Those are most of the series at real cardinality
    (10,000 users: some 50,000), and sorting them would hold every one in memory at once; the
    backfill writes each series and lets it go."""
    generator = _Generator(catalog, seed, timeline or Timeline(), world or DEFAULT_WORLD)
    for per_user, made in generator.units():
        yield from made if per_user else sorted(made, key=Series.key)


class _Generator:
    def __init__(self, catalog: Catalog, seed: int, timeline: Timeline, world: World) -> None:
        self.catalog, self.seed, self.timeline, self.world = catalog, seed, timeline, world
        self.t = timeline.times()
        self.steps = len(self.t)
        hour = (self.t % 86400) / 3600
        # Busiest at 15:00 UTC, quietest at 03:00 (peak 1.0, trough 0.15).
        self.traffic = 0.575 + 0.425 * np.sin(2 * math.pi * (hour - 9) / 24)
        services = sorted({s for m in catalog.metrics.values() for s in m.services})
        self.instances = instances(services, timeline, world)
        self.users = shapes.population(world.users, PROVIDER_WEIGHT)

    def rng(self, *key: str) -> np.random.Generator:
        """A random stream per series: adding a metric never changes the others' data."""
        return np.random.default_rng([self.seed, zlib.crc32("\x1f".join(key).encode())])

    def of(self, service: str) -> list[Instance]:
        return [i for i in self.instances if i.service == service]

    def units(self) -> Iterator[tuple[bool, Iterator[Series]]]:
        """The series of each metric (a timer's parts together), and whether it has `userId`."""
        metrics = self.catalog.metrics
        timers = {n.removesuffix("_count") for n in metrics if n.endswith("_count")}
        timers = {t for t in timers if t + "_sum" in metrics}
        for name, metric in metrics.items():
            if any(name.startswith(t + "_") for t in timers) or name in self.world.missing:
                continue
            per_user = "userId" in metric.labels
            if not shapes.own_labels(metric) and set(metric.labels) <= {"job", "instance"}:
                yield per_user, self.scrape_series(metric)
            elif metric.type == "counter" and "attempt" in (metric.labels.get("outcome") or ()):
                yield per_user, self.decisions(metric)
            elif metric.type == "counter":
                yield per_user, self.counters(metric)
            else:
                yield per_user, self.gauges(metric)
        for timer in sorted(timers):
            yield False, self.timer(timer)

    # ---- helpers ----
    def series(
        self, name: str, inst: Instance, metric: Metric, labels: dict[str, str], values: Array
    ) -> Series:
        scrape = {"job": inst.service, "instance": inst.address}
        if "application" in metric.labels:
            scrape["application"] = inst.service
        return Series(name, scrape | labels, values, inst.present(self.steps))

    def accumulate(self, increments: Array, inst: Instance, offset: float) -> Array:
        """A counter from per-scrape increments: from `offset`, and from 0 again after a restart."""
        inc = increments.astype(np.float64)
        inc[~inst.present(self.steps)] = 0
        total = np.cumsum(inc) + (offset if inst.since == 0 else 0)
        if inst.resumed is not None:
            total[inst.resumed :] = np.cumsum(inc[inst.resumed :])
        return total

    def poisson(self, rng: np.random.Generator, per_second: float, service: str | None) -> Array:
        """Events per scrape following the daily curve; none at all if `service` (whose users
        drive the series) is idle."""
        idle = service is not None and self.world.is_idle(service)
        traffic = 0 * self.traffic if idle else self.traffic
        return rng.poisson(per_second * self.timeline.step * traffic)

    def window(self, since: int, lasts: int | None) -> Array:
        """A mask of the steps from `since` seconds before the end, for `lasts` seconds."""
        first = step_of(self.timeline, since)
        last = self.steps if lasts is None else first + lasts // self.timeline.step
        mask = np.zeros(self.steps, dtype=bool)
        mask[first:last] = True
        return mask

    def steady(self, per_step: float, mask: Array) -> Array:
        """Whole events at an exact average pace over the masked steps: a known count."""
        cumulative = np.floor(per_step * np.cumsum(mask))
        return np.asarray(np.diff(np.concatenate([[0.0], cumulative])) * mask, dtype=np.float64)

    def surges(self, metric: Metric, inst: Instance, labels: dict[str, str]) -> Array:
        """Extra events the world adds to this series (a brute force, a failing provider)."""
        extra = np.zeros(self.steps)
        for surge in self.world.surges:
            wanted = dict(surge.labels)
            if surge.metric != metric.name or wanted.items() - labels.items():
                continue
            # Split evenly over the matching series of every instance exporting the metric (of
            # a per-user counter: the heaviest user's, whose every series already exists).
            if "userId" in metric.labels and labels.get("userId") != self.users[0].id:
                continue
            series = sum(
                len(self.of(service))
                * sum(1 for s in self.surge_sets(metric, service) if wanted.items() <= s.items())
                for service in metric.services
            )
            per_step = surge.per_minute * self.timeline.step / 60 / series
            extra += self.steady(per_step, self.window(surge.since, surge.lasts))
        return extra

    def surge_sets(self, metric: Metric, service: str) -> list[dict[str, str]]:
        if "userId" not in metric.labels:
            return shapes.label_sets(metric, service)
        heaviest = self.users[0]
        return [
            {"provider": p, "outcome": o, "userId": heaviest.id}
            for p in heaviest.providers
            for o in metric.labels["outcome"] or ()
        ]

    def wave(
        self, rng: np.random.Generator, level: float, swing: float, period_h: float = 6.0
    ) -> Array:
        """A gauge that moves: a slow wave plus noise around `level`."""
        phase = rng.uniform(0, 2 * math.pi)
        slow = np.sin(2 * math.pi * (self.t - self.t[0]) / (period_h * 3600) + phase)
        noise = rng.standard_normal(self.steps)
        return np.asarray(level + swing * (0.7 * slow + 0.3 * noise), dtype=np.float64)

    # ---- series kinds ----
    def scrape_series(self, metric: Metric) -> Iterator[Series]:
        """`up`, `scrape_*`: made by Prometheus, only job and instance, written even while down."""
        for inst in self.instances:
            if inst.service not in metric.services:
                continue
            rng = self.rng(metric.name, inst.address)
            up = inst.present(self.steps).astype(np.float64)
            if metric.name == "up":
                values = up
            elif "duration" in metric.name:
                values = np.round(np.abs(self.wave(rng, 0.02, 0.01)), 4)
            else:
                values = np.round(self.wave(rng, 900, 15)) * up
            yield Series(
                metric.name,
                {"job": inst.service, "instance": inst.address},
                values,
                np.ones(self.steps, dtype=bool),
            )

    def counters(self, metric: Metric) -> Iterator[Series]:
        for service in metric.services:
            for inst in self.of(service):
                for labels in shapes.label_sets(metric, service):
                    rng = self.rng(metric.name, inst.address, *sorted(labels.values()))
                    rate = COUNTER_RATES.get(metric.name, COUNTER_RATE) * _weight(metric, labels)
                    events = self.poisson(rng, rate, service) + self.surges(metric, inst, labels)
                    values = self.accumulate(events, inst, int(rng.integers(1000, 100000)))
                    yield self.series(metric.name, inst, metric, labels, values)

    def decisions(self, metric: Metric) -> Iterator[Series]:
        """Outcome `attempt` counts every call; the decided outcomes split those calls."""
        outcomes = [o for o in metric.labels["outcome"] or () if o != "attempt"]
        if "userId" in metric.labels:
            for service in metric.services:
                for inst in self.of(service):
                    for user in self.users:
                        for provider in user.providers:
                            yield from self.user_decisions(metric, inst, user, provider, outcomes)
            return
        shares = np.array([DECISIONS.get(o, 0.02) for o in outcomes])
        shares /= shares.sum()
        others = [label for label in shapes.own_labels(metric) if label != "outcome"]
        combos = {
            tuple(sorted((k, v) for k, v in s.items() if k != "outcome"))
            for s in shapes.label_sets(metric, metric.services[0])
        }
        for service in metric.services:
            for inst in self.of(service):
                for combo in sorted(combos):
                    labels = dict(combo)
                    rng = self.rng(metric.name, inst.address, *[labels[k] for k in others])
                    rate = 4 * COUNTER_RATE * PROVIDER_WEIGHT.get(labels.get("provider", ""), 0.3)
                    yield from self.decided(
                        metric, inst, rng, labels, outcomes, shares, rate, born=False
                    )

    def user_decisions(
        self, metric: Metric, inst: Instance, user: shapes.User, provider: str, outcomes: list[str]
    ) -> Iterator[Series]:
        """One user's calls to one provider on one instance. The user's share of the platform's
        calls (Zipf), split over the outcomes this user meets. A light user who made no call in
        the three days before the window has no series yet: each appears at its first event."""
        labels = {"provider": provider, "userId": user.id}
        mine = [o for o in outcomes if o in user.refused or o not in shapes.ALL_REFUSALS]
        mine += [] if "provider_failure" in mine else ["provider_failure"]
        shares = np.array([DECISIONS.get(o, 0.02) for o in mine])
        shares /= shares.sum()
        within = 1.0
        if len(user.providers) > 1:
            within = PROVIDER_WEIGHT.get(provider, 0.05) / sum(
                PROVIDER_WEIGHT.get(p, 0.05) for p in user.providers
            )
        rate = TOKEN_CALLS * user.share * within
        rng = self.rng(metric.name, inst.address, provider, user.id)
        expected = rate * self.timeline.step * float(self.traffic.sum())
        born = not user.heavy and rng.random() < math.exp(-3 * expected)
        yield from self.decided(metric, inst, rng, labels, mine, shares, rate, born, user.heavy)

    def decided(
        self,
        metric: Metric,
        inst: Instance,
        rng: np.random.Generator,
        labels: dict[str, str],
        outcomes: list[str],
        shares: Array,
        rate: float,
        born: bool,
        every: bool = True,
    ) -> Iterator[Series]:
        """`attempt` and each decided outcome of one label set. `born`: the series start at 0
        and each appears at its first event (Micrometer), as does a rare failure unless
        `every` series already existed."""
        service = inst.service
        calls = self.poisson(rng, rate, service)
        split = rng.multinomial(calls, shares)
        # Calls that end in an exception are counted as attempts and never decided.
        attempts = calls + self.poisson(rng, rate * EXCEPTION_SHARE, service)
        offset = 0 if born else int(rng.integers(1000, 100000))
        made = [
            ("attempt", attempts, offset),
            *((o, split[:, i], offset * shares[i] // 1) for i, o in enumerate(outcomes)),
        ]
        for outcome, events, start in made:
            full = labels | {"outcome": outcome}
            added = events + self.surges(metric, inst, full)
            lazy = born or (not every and outcome == "provider_failure")
            series = self.series(
                metric.name, inst, metric, full, self.accumulate(added, inst, 0 if lazy else start)
            )
            if lazy:
                happened = added > 0
                if not happened.any():
                    continue
                series.present[: int(np.argmax(happened))] = False
            yield series

    def timer(self, base: str) -> Iterator[Series]:
        """A Micrometer timer: `_count`, `_sum` (counters), `_max` (gauge), cumulative `_bucket`."""
        metrics = self.catalog.metrics
        count = metrics[base + "_count"]
        for service in count.services:
            for inst in self.of(service):
                for timed in self.timer_events(count, service, inst):
                    family = list(self.timer_series(base, inst, timed))
                    if timed.created:
                        if not timed.events.any():
                            continue
                        first = int(np.argmax(timed.events > 0))
                        for s in family:
                            s.present[:first] = False
                    yield from family

    def timer_series(self, base: str, inst: Instance, timed: TimerSeries) -> Iterator[Series]:
        metrics = self.catalog.metrics
        labels, median = timed.labels, timed.median
        rng = self.rng(base, "latency", inst.address, *sorted(labels.values()))
        n = timed.events.astype(np.int64)
        n[~inst.present(self.steps)] = 0
        sigma = 0.6
        # Lognormal latency: bucket shares from its CDF, sum from its mean.
        cdf = np.array([_lognorm_cdf(b, median, sigma) for b in shapes.BUCKETS])
        shares = np.diff(np.concatenate([[0.0], cdf, [1.0]]))
        per_bucket = rng.multinomial(n, shares)
        mean = median * math.exp(sigma**2 / 2)
        sums = n * mean * rng.uniform(0.9, 1.1, self.steps)
        peak = np.where(
            n > 0, median * np.exp(sigma * (1.6 + np.abs(rng.standard_normal(self.steps)))), 0
        )
        offset = 0 if timed.created else int(rng.integers(1000, 50000))
        offset_buckets = np.floor(offset * np.cumsum(shares))
        offset_buckets[-1] = offset  # +Inf is the count
        count = metrics[base + "_count"]
        yield self.series(base + "_count", inst, count, labels, self.accumulate(n, inst, offset))
        if base + "_sum" in metrics:
            total = np.round(self.accumulate(sums, inst, offset * mean), 3)
            yield self.series(base + "_sum", inst, metrics[base + "_sum"], labels, total)
        if base + "_max" in metrics:
            yield self.series(
                base + "_max", inst, metrics[base + "_max"], labels, np.round(peak, 4)
            )
        if base + "_bucket" in metrics:
            cumulative = np.cumsum(per_bucket, axis=1)
            for i, bound in enumerate([*shapes.BUCKET_LABELS, "+Inf"]):
                values = self.accumulate(cumulative[:, i], inst, offset_buckets[i])
                yield self.series(
                    base + "_bucket",
                    inst,
                    metrics[base + "_bucket"],
                    labels | {"le": bound},
                    values,
                )

    def timer_events(self, metric: Metric, service: str, inst: Instance) -> list[TimerSeries]:
        """Each label set of a timer on one instance, with its events."""
        if shapes.is_gc(metric):
            return [
                TimerSeries(
                    {"action": a, "cause": c, "gc": g},
                    self.poisson(self.rng(a, c, g, inst.address), rate, None),
                    median,
                )
                for a, c, g, rate, median in shapes.GC_PAUSES
            ]
        if not shapes.is_http(metric):
            return [
                TimerSeries(
                    labels,
                    self.poisson(
                        self.rng(metric.name, inst.address, *labels.values()), COUNTER_RATE, service
                    ),
                    TIMER_MEDIANS.get(metric.name.removesuffix("_count"), 0.05),
                )
                for labels in shapes.label_sets(metric, service)
            ]
        total = HTTP_RATE.get(service, DEFAULT_HTTP_RATE)
        result: list[TimerSeries] = []
        routes = list(shapes.routes(service))
        extra = [e for e in self.world.http_events if e.service == service]
        known = {tuple(sorted(r.labels().items())) for r in routes}
        for event in extra:
            if tuple(sorted(event.labels)) not in known:
                result.append(
                    TimerSeries(dict(event.labels), np.zeros(self.steps), event.seconds, True)
                )
        for route in routes:
            rng = self.rng("http", inst.address, *sorted(route.labels().values()))
            if route.uri in ACTUATOR_RATE:
                # Not users': Prometheus and the orchestrator call at their own pace, split over
                # the endpoint's statuses by their shares.
                siblings = sum(r.share for r in routes if r.uri == route.uri)
                pace = ACTUATOR_RATE[route.uri] * self.timeline.step * route.share / siblings
                events = self.steady(pace, np.ones(self.steps, dtype=bool))
            else:
                surge = self.surges(metric, inst, route.labels())
                events = self.poisson(rng, total * route.share, service) + surge
            result.append(TimerSeries(route.labels(), events.astype(np.float64), route.median))
        if inst == self.of(service)[0]:  # the world's single requests reach the first instance
            for timed in result:
                for event in extra:
                    if dict(event.labels) == timed.labels:
                        for before in event.at:
                            timed.events[step_of(self.timeline, before)] += 1
        return result

    def gauges(self, metric: Metric) -> Iterator[Series]:
        make = GAUGES.get(metric.name)
        if make is None:
            raise BuildError(
                f"verify: gauge {metric.name} has no generator: add it to "
                "leaky_dashboards/verify/synthetic.py GAUGES (how its values move)"
            )
        for service in metric.services:
            for inst in self.of(service):
                for labels in shapes.label_sets(metric, service):
                    rng = self.rng(metric.name, inst.address, *sorted(labels.values()))
                    gauge = Gauge(metric.name, labels, inst, rng)
                    values = np.asarray(make(self, gauge), dtype=np.float64)
                    yield self.series(metric.name, inst, metric, labels, values)

    # ---- gauge kinds (GAUGES says which gauge is which) ----
    def started(self, gauge: Gauge) -> Array:
        return np.asarray(self.start_times(gauge.inst), dtype=np.float64)

    def uptime(self, gauge: Gauge) -> Array:
        return np.asarray(self.t - self.start_times(gauge.inst), dtype=np.float64)

    def cpu(self, gauge: Gauge, level: float) -> Array:
        wave = self.wave(gauge.rng, level, 0.1) * (0.5 + self.traffic / 2)
        return np.round(np.clip(wave, 0.01, 0.99), 4)

    def constant(self, gauge: Gauge, value: float) -> Array:
        return np.full(self.steps, value)

    def load(self, gauge: Gauge) -> Array:
        return np.round(
            np.clip(self.wave(gauge.rng, 1.2, 0.5) * (0.5 + self.traffic / 2), 0.05, None), 2
        )

    def busy(self, gauge: Gauge, level: float) -> Array:
        """Connections in use (or waiting): follow the traffic, within a pool of 10."""
        return np.round(np.clip(self.wave(gauge.rng, level, level / 2) * self.traffic, 0, 10))

    def idle(self, gauge: Gauge) -> Array:
        """Idle connections: what the traffic leaves of a pool of 10."""
        return np.round(np.clip(10 - self.wave(gauge.rng, 4.0, 2.0) * self.traffic, 0, 10))

    def threads(self, gauge: Gauge, kind: str) -> Array:
        """Live threads of the instance (one stream for all three), the peak so far, daemons."""
        live = np.round(self.wave(self.rng("threads", gauge.inst.address), 45, 6))
        if kind == "peak":
            return np.asarray(np.maximum.accumulate(live) + 2, dtype=np.float64)
        return live - 12 if kind == "daemon" else live

    def thread_states(self, gauge: Gauge) -> Array:
        """The live threads split by state (shares of THREAD_STATES, whole threads): the states
        of one instance add up to its live threads at every scrape."""
        live = self.threads(gauge, "live")
        states = list(THREAD_STATES)
        i = states.index(gauge.labels["state"])
        below = sum(THREAD_STATES[s] for s in states[:i])
        return np.floor(live * (below + THREAD_STATES[states[i]]) + 1e-9) - np.floor(
            live * below + 1e-9
        )

    def level(self, gauge: Gauge, level: float, swing: float) -> Array:
        return np.round(self.wave(gauge.rng, level, swing))

    def jvm_memory(self, gauge: Gauge) -> Array:
        return self.memory(gauge.name, gauge.labels["id"], gauge.inst)

    def start_times(self, inst: Instance) -> Array:
        """Started days before the data begins (or at `since`); the restarting one again mid-way."""
        first = self.t[0] - 3 * 86400 - zlib.crc32(inst.address.encode()) % 86400
        started = np.full(self.steps, first if inst.since == 0 else self.t[inst.since])
        if inst.resumed is not None:
            started[inst.resumed :] = self.t[inst.resumed]
        return started

    def memory(self, name: str, pool_id: str, inst: Instance) -> Array:
        pool = next((p for p in shapes.POOLS if p.id == pool_id), None)
        committed = float(pool.committed_bytes if pool else 64 * shapes.MIB)
        if "_max_" in name:
            return np.full(self.steps, float(pool.max_bytes if pool else -1))
        used = self.pool_used(pool_id, pool, committed, inst)
        if "_committed_" in name:  # G1 commits what it uses and keeps it
            return np.maximum.accumulate(np.maximum(used, committed))
        return used

    def pool_used(
        self, pool_id: str, pool: shapes.Pool | None, committed: float, inst: Instance
    ) -> Array:
        used = self.pool_sawtooth(pool_id, pool, committed, inst)
        pressure = {"G1 Eden Space": "eden_mib", "G1 Survivor Space": "survivor_mib"}
        pressure["G1 Old Gen"] = "old_mib"
        for heap in self.world.heap:
            if heap.instance == inst.address and pool_id in pressure:
                during = self.window(heap.since, None)
                used[during] = getattr(heap, pressure[pool_id]) * shapes.MIB
        return used

    def pool_sawtooth(
        self, pool_id: str, pool: shapes.Pool | None, committed: float, inst: Instance
    ) -> Array:
        rng = self.rng("memory", inst.address, pool_id)
        # Sawtooth: young pools fill within minutes; the old generation over hours.
        period = 3 * 3600 if pool_id == "G1 Old Gen" else 240
        phase = (self.t - self.t[0] + rng.integers(0, period)) % period / period
        low, high = (0.35, 0.6) if pool_id == "G1 Old Gen" else (0.1, 0.95)
        if pool and pool.area == "nonheap":
            low, high = 0.8, 0.85
        return np.asarray(np.round(committed * (low + (high - low) * phase)), dtype=np.float64)


@dataclass(frozen=True)
class Gauge:
    """One gauge series being made: its name, own labels, instance and random stream."""

    name: str
    labels: dict[str, str]
    inst: Instance
    rng: np.random.Generator


# How a JVM's live threads divide among states (shares adding up to 1).
THREAD_STATES = {
    "runnable": 0.3,
    "blocked": 0.02,
    "waiting": 0.36,
    "timed-waiting": 0.32,
    "new": 0.0,
    "terminated": 0.0,
}


# Every gauge of the catalog and how its values are made. A gauge the catalog gains must be
# added here: an unknown one is an error, never silently some default shape. (Timers' `_max`
# gauges are made with their timer; `up` and `scrape_*` by Prometheus' scrapes.)
GAUGES: dict[str, Callable[[_Generator, Gauge], Array]] = {
    # Heap and non-heap pools: a sawtooth per pool, `max = -1` for unlimited pools; the world's
    # heap pressure replaces the used bytes of G1 Eden, Survivor and Old Gen.
    "jvm_memory_used_bytes": _Generator.jvm_memory,
    "jvm_memory_committed_bytes": _Generator.jvm_memory,
    "jvm_memory_max_bytes": _Generator.jvm_memory,
    "process_start_time_seconds": _Generator.started,
    "process_uptime_seconds": _Generator.uptime,
    "process_cpu_usage": lambda g, s: g.cpu(s, 0.15),
    "system_cpu_usage": lambda g, s: g.cpu(s, 0.35),
    "system_cpu_count": lambda g, s: g.constant(s, 4.0),
    "system_load_average_1m": _Generator.load,
    # Connection pools of 10: the limits are constant, use follows the traffic.
    "hikaricp_connections_max": lambda g, s: g.constant(s, 10.0),
    "jdbc_connections_max": lambda g, s: g.constant(s, 10.0),
    "jdbc_connections_min": lambda g, s: g.constant(s, 10.0),
    "hikaricp_connections_active": lambda g, s: g.busy(s, 4.0),
    "jdbc_connections_active": lambda g, s: g.busy(s, 4.0),
    # Requests waiting for a connection: mostly none, now and then one at the peak.
    "hikaricp_connections_pending": lambda g, s: g.busy(s, 0.3),
    "hikaricp_connections_idle": _Generator.idle,
    "jdbc_connections_idle": _Generator.idle,
    "jvm_threads_live_threads": lambda g, s: g.threads(s, "live"),
    "jvm_threads_peak_threads": lambda g, s: g.threads(s, "peak"),
    "jvm_threads_daemon_threads": lambda g, s: g.threads(s, "daemon"),
    "jvm_classes_loaded_classes": lambda g, s: g.level(s, 14500, 150),
    "jvm_threads_states_threads": _Generator.thread_states,
    # File descriptors: a few hundred open, far below the container's limit.
    "process_files_open_files": lambda g, s: g.level(s, 180, 25),
    "process_files_max_files": lambda g, s: g.constant(s, 1048576.0),
}


def _weight(metric: Metric, labels: dict[str, str]) -> float:
    """Each label's first listed value (success, allowed, hit, found) is the common case."""
    weight = 1.0
    for label, value in labels.items():
        values = metric.labels.get(label) or ()
        if label == "provider":
            weight *= PROVIDER_WEIGHT.get(value, 0.05)
        elif value in RARE_OUTCOMES:
            weight *= RARE_OUTCOMES[value]
        elif len(values) > 1 and value != values[0]:
            weight *= 0.15 / (len(values) - 1)
    return weight


def _lognorm_cdf(x: float, median: float, sigma: float) -> float:
    return 0.5 * (1 + math.erf(math.log(x / median) / (sigma * math.sqrt(2))))
