"""Synthetic Micrometer-shaped series for every metric of the catalog, deterministic per seed.

Time is a fixed grid (`Timeline`): the data ends at `END`, a wall-clock-independent instant, so
blocks backfilled once stay valid for ever and every query is evaluated at `END`. Traffic follows a
daily curve; counters only grow, except on the one instance that restarts (it is down for two
scrapes: `up` is 0 and nothing else is scraped, then its counters start again from zero).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from ..catalog import Catalog, Metric
from . import shapes

Array = np.ndarray

STEP = 15  # seconds: the platform's scrape interval
# 2026-01-01T17:00:00Z: one hour before the end of a 54 h block (promtool aligns blocks to
# multiples of their length), so 26 h of data fit in one block and promtool reads its input once.
END = 1_767_286_800
HOURS = 26
DEFAULT_SEED = 20260101
RESTART_GAP = 2  # scrapes an instance is down while it restarts

# Instances per service (one unless listed); the last token-service instance restarts.
REPLICAS = {"token-service": 2}
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
PROVIDER_WEIGHT = {"openai": 0.55, "qwen": 0.25, "gemini": 0.20}
# How the token service decides a consumption (the `attempt` outcome counts them all first).
DECISIONS = {
    "allowed": 0.86,
    "rate_limited": 0.06,
    "quota_insufficient": 0.05,
    "provider_failure": 0.03,
}
# A skewed user population: Zipf weights, the first user the heaviest.
USER_WEIGHT = dict(
    zip(shapes.USERS, (1 / (i + 1) ** 1.3 for i in range(len(shapes.USERS))), strict=True)
)


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
    restart: int | None = None  # step index at which it goes down
    since: int = 0  # step index at which it started (0: before the window)

    def present(self, steps: int) -> Array:
        mask = np.ones(steps, dtype=bool)
        mask[: self.since] = False
        if self.restart is not None:
            mask[self.restart : self.restart + RESTART_GAP] = False
        return mask

    @property
    def resumed(self) -> int | None:
        return None if self.restart is None else self.restart + RESTART_GAP


@dataclass
class Series:
    name: str
    labels: dict[str, str]
    values: Array
    present: Array = field(repr=False)

    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        return self.name, tuple(sorted(self.labels.items()))


def instances(services: list[str], timeline: Timeline) -> list[Instance]:
    steps = len(timeline.times())
    started = dict(timeline.started)
    result = []
    for service in services:
        port = PORTS.get(service, 8080)
        count = REPLICAS.get(service, 1)
        since = max(0, steps - 1 - started[service] // timeline.step) if service in started else 0
        for n in range(1, count + 1):
            restart = int(steps * 0.6) if count > 1 and n == count else None
            result.append(Instance(service, f"{service}-{n}:{port}", restart, since))
    return result


def generate(
    catalog: Catalog, seed: int = DEFAULT_SEED, timeline: Timeline | None = None
) -> list[Series]:
    """Every series of the catalog, sorted by name then labels (one family's samples together)."""
    return sorted(_Generator(catalog, seed, timeline or Timeline()).all(), key=Series.key)


class _Generator:
    def __init__(self, catalog: Catalog, seed: int, timeline: Timeline) -> None:
        self.catalog, self.seed, self.timeline = catalog, seed, timeline
        self.t = timeline.times()
        self.steps = len(self.t)
        hour = (self.t % 86400) / 3600
        # Busiest at 15:00 UTC, quietest at 03:00 (peak 1.0, trough 0.15).
        self.traffic = 0.575 + 0.425 * np.sin(2 * math.pi * (hour - 9) / 24)
        services = sorted({s for m in catalog.metrics.values() for s in m.services})
        self.instances = instances(services, timeline)

    def rng(self, *key: str) -> np.random.Generator:
        """A random stream per series: adding a metric never changes the others' data."""
        return np.random.default_rng([self.seed, zlib.crc32("\x1f".join(key).encode())])

    def of(self, service: str) -> list[Instance]:
        return [i for i in self.instances if i.service == service]

    def all(self) -> Iterator[Series]:
        metrics = self.catalog.metrics
        timers = {n.removesuffix("_count") for n in metrics if n.endswith("_count")}
        timers = {t for t in timers if t + "_sum" in metrics}
        for name, metric in metrics.items():
            if any(name.startswith(t + "_") for t in timers):
                continue
            if not shapes.own_labels(metric) and set(metric.labels) <= {"job", "instance"}:
                yield from self.scrape_series(metric)
            elif metric.type == "counter" and "attempt" in (metric.labels.get("outcome") or ()):
                yield from self.decisions(metric)
            elif metric.type == "counter":
                yield from self.counters(metric)
            else:
                yield from self.gauges(metric)
        for timer in sorted(timers):
            yield from self.timer(timer)

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

    def poisson(self, rng: np.random.Generator, per_second: float) -> Array:
        return rng.poisson(per_second * self.timeline.step * self.traffic)

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
                    rate = COUNTER_RATE * _weight(metric, labels)
                    values = self.accumulate(
                        self.poisson(rng, rate), inst, int(rng.integers(1000, 100000))
                    )
                    yield self.series(metric.name, inst, metric, labels, values)

    def decisions(self, metric: Metric) -> Iterator[Series]:
        """Outcome `attempt` counts every call; the decided outcomes split those calls."""
        outcomes = [o for o in metric.labels["outcome"] or () if o != "attempt"]
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
                    rate *= USER_WEIGHT.get(labels.get("userId", ""), 0.3)
                    calls = self.poisson(rng, rate)
                    split = rng.multinomial(calls, shares)
                    # Calls that end in an exception are counted as attempts and never decided.
                    attempts = calls + rng.poisson(0.002, self.steps)
                    offset = int(rng.integers(1000, 100000))
                    yield self.series(
                        metric.name,
                        inst,
                        metric,
                        labels | {"outcome": "attempt"},
                        self.accumulate(attempts, inst, offset),
                    )
                    for i, outcome in enumerate(outcomes):
                        yield self.series(
                            metric.name,
                            inst,
                            metric,
                            labels | {"outcome": outcome},
                            self.accumulate(split[:, i], inst, offset * shares[i] // 1),
                        )

    def timer(self, base: str) -> Iterator[Series]:
        """A Micrometer timer: `_count`, `_sum` (counters), `_max` (gauge), cumulative `_bucket`."""
        metrics = self.catalog.metrics
        count = metrics[base + "_count"]
        bounds = np.array(shapes.BUCKETS)
        for service in count.services:
            for inst in self.of(service):
                for labels, rate, median in self.timer_shapes(count, service):
                    rng = self.rng(base, inst.address, *sorted(labels.values()))
                    n = self.poisson(rng, rate)
                    n[~inst.present(self.steps)] = 0
                    sigma = 0.6
                    # Lognormal latency: bucket shares from its CDF, sum from its mean.
                    cdf = np.array([_lognorm_cdf(b, median, sigma) for b in bounds])
                    shares = np.diff(np.concatenate([[0.0], cdf, [1.0]]))
                    per_bucket = rng.multinomial(n, shares)
                    mean = median * math.exp(sigma**2 / 2)
                    sums = n * mean * rng.uniform(0.9, 1.1, self.steps)
                    peak = np.where(
                        n > 0,
                        median * np.exp(sigma * (1.6 + np.abs(rng.standard_normal(self.steps)))),
                        0,
                    )
                    offset = int(rng.integers(1000, 50000))
                    offset_buckets = np.floor(offset * np.cumsum(shares))
                    offset_buckets[-1] = offset  # +Inf is the count
                    yield self.series(
                        base + "_count", inst, count, labels, self.accumulate(n, inst, offset)
                    )
                    if base + "_sum" in metrics:
                        yield self.series(
                            base + "_sum",
                            inst,
                            metrics[base + "_sum"],
                            labels,
                            np.round(self.accumulate(sums, inst, offset * mean), 3),
                        )
                    if base + "_max" in metrics:
                        yield self.series(
                            base + "_max", inst, metrics[base + "_max"], labels, np.round(peak, 4)
                        )
                    if base + "_bucket" in metrics:
                        cumulative = np.cumsum(per_bucket, axis=1)
                        for i, bound in enumerate([*map(repr, shapes.BUCKETS), "+Inf"]):
                            values = self.accumulate(cumulative[:, i], inst, offset_buckets[i])
                            yield self.series(
                                base + "_bucket",
                                inst,
                                metrics[base + "_bucket"],
                                labels | {"le": bound},
                                values,
                            )

    def timer_shapes(
        self, metric: Metric, service: str
    ) -> list[tuple[dict[str, str], float, float]]:
        if shapes.is_http(metric):
            total = HTTP_RATE.get(service, DEFAULT_HTTP_RATE)
            return [(r.labels(), total * r.share, r.median) for r in shapes.routes(service)]
        if shapes.is_gc(metric):
            return [
                ({"action": a, "cause": c, "gc": g}, rate, median)
                for a, c, g, rate, median in shapes.GC_PAUSES
            ]
        return [(labels, COUNTER_RATE, 0.05) for labels in shapes.label_sets(metric, service)]

    def gauges(self, metric: Metric) -> Iterator[Series]:
        for service in metric.services:
            for inst in self.of(service):
                for labels in shapes.label_sets(metric, service):
                    rng = self.rng(metric.name, inst.address, *sorted(labels.values()))
                    values = np.asarray(
                        self.gauge_values(metric.name, labels, inst, rng), dtype=np.float64
                    )
                    yield self.series(metric.name, inst, metric, labels, values)

    def gauge_values(
        self, name: str, labels: dict[str, str], inst: Instance, rng: np.random.Generator
    ) -> object:
        if name.startswith("jvm_memory_"):
            return self.memory(name, labels["id"], inst)
        started = self.start_times(inst)
        if name == "process_start_time_seconds":
            return started.astype(np.float64)
        if name == "process_uptime_seconds":
            return (self.t - started).astype(np.float64)
        if name.endswith("_cpu_usage"):
            level = 0.35 if name.startswith("system") else 0.15
            return np.round(
                np.clip(self.wave(rng, level, 0.1) * (0.5 + self.traffic / 2), 0.01, 0.99), 4
            )
        if name == "system_cpu_count":
            return np.full(self.steps, 4.0)
        if name.startswith("system_load"):
            return np.round(
                np.clip(self.wave(rng, 1.2, 0.5) * (0.5 + self.traffic / 2), 0.05, None), 2
            )
        if name.endswith("_max") or name.endswith("_min"):  # pool sizes
            return np.full(self.steps, 10.0)
        if name.endswith("_active") or name.endswith("_pending"):
            level = 4.0 if name.endswith("_active") else 0.5
            return np.round(np.clip(self.wave(rng, level, level / 2) * self.traffic, 0, 10))
        if name.endswith("_idle"):
            return np.round(np.clip(10 - self.wave(rng, 4.0, 2.0) * self.traffic, 0, 10))
        if name.startswith("jvm_threads_"):
            live = np.round(self.wave(self.rng("threads", inst.address), 45, 6))
            if "peak" in name:
                return np.asarray(np.maximum.accumulate(live) + 2, dtype=np.float64)
            return live - 12 if "daemon" in name else live
        if name == "jvm_classes_loaded_classes":
            return np.round(self.wave(rng, 14500, 150))
        return np.round(np.abs(self.wave(rng, 10.0, 3.0)), 3)

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
        if "_committed_" in name:
            return np.full(self.steps, committed)
        rng = self.rng("memory", inst.address, pool_id)
        # Sawtooth: young pools fill within minutes; the old generation over hours.
        period = 3 * 3600 if pool_id == "G1 Old Gen" else 240
        phase = (self.t - self.t[0] + rng.integers(0, period)) % period / period
        low, high = (0.35, 0.78) if pool_id == "G1 Old Gen" else (0.1, 0.95)
        if pool and pool.area == "nonheap":
            low, high = 0.8, 0.85
        return np.asarray(np.round(committed * (low + (high - low) * phase)), dtype=np.float64)


def _weight(metric: Metric, labels: dict[str, str]) -> float:
    """Each label's first listed value (success, allowed, hit, found) is the common case."""
    weight = 1.0
    for label, value in labels.items():
        values = metric.labels.get(label) or ()
        if label == "provider":
            weight *= PROVIDER_WEIGHT.get(value, 0.05)
        elif label == "userId":
            weight *= USER_WEIGHT.get(value, 0.1)
        elif len(values) > 1 and value != values[0]:
            weight *= 0.15 / (len(values) - 1)
    return weight


def _lognorm_cdf(x: float, median: float, sigma: float) -> float:
    return 0.5 * (1 + math.erf(math.log(x / median) / (sigma * math.sqrt(2))))
