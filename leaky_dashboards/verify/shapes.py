"""Which label sets each series has, as Micrometer on the Leaky Tokens services exports them.

Labels the catalog lists with values are enumerated; free-form ones (routes, pools, user ids) take
the values below. Labels that belong together (an HTTP route's method, uri, status, outcome and
exception; a memory pool's id and area; a GC's action, cause and collector) come as whole tuples,
and a failure `reason` only ever appears on `outcome="failure"`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from ..catalog import Metric

# Set per instance by the generator, never enumerated here.
SCRAPE_LABELS = ("job", "instance", "application")


def micrometer_buckets(low_ns: int, high_ns: int) -> list[int]:
    """Micrometer's percentile-histogram boundaries (PercentileHistogramBuckets) in [low, high]:
    1, 2, 3, then from each power of four on, thirds of it up to the next power of four."""
    boundaries = {1, 2, 3}
    exp = 2
    while exp < 64:
        current, delta = 1 << exp, (1 << exp) // 3
        while current < (1 << (exp + 2)) - delta:
            boundaries.add(current)
            current += delta
        exp += 2
    return sorted(b for b in boundaries if low_ns <= b <= high_ns)


# A timer's buckets as the platform exports them (seconds; +Inf is added by the generator):
# Micrometer's percentiles histogram between the timer's minimum and maximum expected values
# (1 ms, 30 s; both are boundaries too: 68 in all), and the SLO boundaries the platform sets
# (`management.metrics.distribution.slo.http.server.requests=100ms,500ms,1s`).
MIN_EXPECTED_NS, MAX_EXPECTED_NS = 1_000_000, 30_000_000_000
SLO_BUCKETS = (0.1, 0.5, 1.0)
BUCKETS = tuple(
    sorted(
        {b / 1e9 for b in micrometer_buckets(MIN_EXPECTED_NS, MAX_EXPECTED_NS)}
        | {MIN_EXPECTED_NS / 1e9, MAX_EXPECTED_NS / 1e9}
        | set(SLO_BUCKETS)
    )
)
# The `le` label as Micrometer writes it (Java's Double.toString: 1.0, 0.5, 30.0).
BUCKET_LABELS = tuple(repr(b) for b in BUCKETS)

# Free-form labels that are not part of a tuple below (`userId` comes from the world's users).
VOCABULARY: dict[str, tuple[str, ...]] = {
    "name": ("dataSource",),
    "pool": ("HikariPool-1",),
}


# ---- the users (`token_consume_total`'s `userId`) ----
# Active users on the busy day (issue 20: the real cost of a dashboard is at this cardinality).
USERS = 1000
# Zipf's exponent: user k of n makes a share 1/k^s / H(n, s) of the calls.
ZIPF_EXPONENT = 1.0
# The heaviest users (this share of them, at least three) call every provider, and have been
# refused every way already; the others have a provider of their own.
HEAVY_SHARE = 0.02
# Of the other users, which ever meet a refusal (Micrometer creates a user's `rate_limited` or
# `quota_insufficient` series only when it happens): one in RATE_LIMITED_EVERY is rate limited
# at times, one in QUOTA_EVERY runs out of quota.
RATE_LIMITED_EVERY = 5
QUOTA_EVERY = 10


@dataclass(frozen=True)
class User:
    """One user of the token service: their id, share of all calls and providers."""

    id: str
    share: float
    providers: tuple[str, ...]
    refused: frozenset[str]  # the refusal outcomes this user meets (their series exist)
    heavy: bool


def user_id(rank: int) -> str:
    return f"user-{rank:05d}"


def population(count: int, providers: dict[str, float]) -> tuple[User, ...]:
    """`count` users, heaviest first, Zipf-distributed. A user of one provider gets it by rank
    (deterministic), so each provider's share of users follows `providers` (weights)."""
    names = sorted(providers)
    total = sum(providers.values())
    bounds = list(itertools.accumulate(providers[n] / total for n in names))
    harmonic = sum(1 / k**ZIPF_EXPONENT for k in range(1, count + 1))
    heavy = max(3, int(count * HEAVY_SHARE))
    users = []
    for rank in range(1, count + 1):
        share = 1 / rank**ZIPF_EXPONENT / harmonic
        if rank <= heavy:
            users.append(User(user_id(rank), share, tuple(names), ALL_REFUSALS, True))
            continue
        spot = (rank * 0.618034) % 1  # golden-ratio spread: providers mixed along the ranks
        provider = names[min(next(i for i, b in enumerate(bounds) if spot < b), len(names) - 1)]
        refused = {"rate_limited"} if rank % RATE_LIMITED_EVERY == 0 else set()
        refused |= {"quota_insufficient"} if rank % QUOTA_EVERY == 3 else set()
        users.append(User(user_id(rank), share, (provider,), frozenset(refused), False))
    return tuple(users)


ALL_REFUSALS = frozenset({"rate_limited", "quota_insufficient", "provider_failure"})


@dataclass(frozen=True)
class Route:
    """One HTTP series of a service: its labels, share of the service's traffic, median latency."""

    method: str
    uri: str
    status: str
    outcome: str
    share: float
    median: float
    exception: str = "none"  # Spring's value when nothing was thrown

    def labels(self) -> dict[str, str]:
        return {
            "method": self.method,
            "uri": self.uri,
            "status": self.status,
            "outcome": self.outcome,
            "exception": self.exception,
        }


# Not users: Prometheus scrapes /actuator/prometheus every 15 s and a health check hits
# /actuator/health (here every 10 s) on every instance of every service (metrics contract).
SCRAPES_PER_SECOND = 1 / 15
HEALTH_CHECKS_PER_SECOND = 1 / 10
# Requests per second at the daily peak of the plumbing services (synthetic.DEFAULT_HTTP_RATE).
PLUMBING_PEAK = 1.0


def _actuator_routes(peak: float) -> tuple[Route, ...]:
    """Scrapes and health checks, as shares of a service serving `peak` requests per second at
    the daily peak (synthetic.HTTP_RATE): one scrape per 15 s and one health check per 10 s
    there. The generator draws every route along the daily traffic curve, so these are the
    means at the peak, fewer at night."""
    return (
        Route("GET", "/actuator/prometheus", "200", "SUCCESS", SCRAPES_PER_SECOND / peak, 0.02),
        Route("GET", "/actuator/health", "200", "SUCCESS", HEALTH_CHECKS_PER_SECOND / peak, 0.004),
    )


def _service_routes(
    uri: str,
    method: str = "POST",
    median: float = 0.08,
    client_errors: bool = True,
    *,
    peak: float = PLUMBING_PEAK,
    others: tuple[Route, ...] = (),
) -> tuple[Route, ...]:
    """A service's main user route with its rare server errors (and client errors if it has
    end users), its `others` user routes, and the actuator routes every service serves."""
    return (
        Route(method, uri, "200", "SUCCESS", 0.95, median),
        # One request in a thousand fails on a healthy day: below the 1 % error-rate warning.
        Route(method, uri, "500", "SERVER_ERROR", 0.001, median * 3, "IllegalStateException"),
        *((Route(method, uri, "400", "CLIENT_ERROR", 0.04, median / 2),) if client_errors else ()),
        *others,
        *_actuator_routes(peak),
    )


def _plumbing_routes(uri: str, method: str = "POST", *others: Route) -> tuple[Route, ...]:
    """Config, discovery and provider stubs: their callers' routes, fast, no client errors."""
    return _service_routes(uri, method, median=0.01, client_errors=False, others=others)


ROUTES: dict[str, tuple[Route, ...]] = {
    "api-gateway": (
        Route("POST", "/api/v1/tokens/consume", "200", "SUCCESS", 0.62, 0.12),
        Route("POST", "/api/v1/tokens/consume", "429", "CLIENT_ERROR", 0.05, 0.01),
        # A missing, revoked or expired API key: refused at the gateway, before any call.
        Route("POST", "/api/v1/tokens/consume", "401", "CLIENT_ERROR", 0.01, 0.005),
        Route("GET", "/api/v1/tokens/quota", "200", "SUCCESS", 0.20, 0.03),
        Route(
            "POST",
            "/api/v1/tokens/consume",
            "502",
            "SERVER_ERROR",
            0.001,
            0.9,
            "ResponseStatusException",
        ),
        Route("PUT", "/api/v1/keys/{id}", "200", "SUCCESS", 0.02, 0.05),
        Route("DELETE", "/api/v1/keys/{id}", "204", "SUCCESS", 0.01, 0.04),
        Route("PATCH", "/api/v1/keys/{id}", "200", "SUCCESS", 0.01, 0.05),
        Route("GET", "/", "302", "REDIRECTION", 0.01, 0.002),
        Route("GET", "/ws", "101", "INFORMATIONAL", 0.005, 0.002),
        Route("GET", "/api/v1/stream", "0", "UNKNOWN", 0.005, 2.0),
        *_actuator_routes(40.0),
    ),
    "token-service": _service_routes("/api/v1/tokens/consume", median=0.1, peak=18.0),
    "auth-server": _service_routes(
        "/api/v1/auth/login",
        median=0.06,
        peak=8.0,
        # Wrong credentials (auth_login_total's failures).
        others=(Route("POST", "/api/v1/auth/login", "401", "CLIENT_ERROR", 0.02, 0.05),),
    ),
    "analytics-service": _service_routes("/api/v1/analytics/usage", "GET", median=0.2, peak=3.0),
    # Every service fetches its configuration at start and on refresh.
    "config-server": _plumbing_routes("/{application}/{profile}", "GET"),
    # Eureka clients send heartbeats and poll the registry for changes.
    "service-discovery": _plumbing_routes(
        "/eureka/apps/{appName}/{id}",
        "PUT",
        Route("GET", "/eureka/apps/delta", "200", "SUCCESS", 0.4, 0.01),
    ),
    # The provider stand-ins answer the token service on each provider's own route.
    "openai-stub": _plumbing_routes("/v1/chat/completions"),
    "qwen-stub": _plumbing_routes("/api/v1/services/aigc/text-generation/generation"),
    "gemini-stub": _plumbing_routes("/v1beta/models/{model}:generateContent"),
}
# A service not listed above: one user route besides the actuator ones.
DEFAULT_ROUTES = _plumbing_routes("/api/v1/status", "GET")


@dataclass(frozen=True)
class Pool:
    """A JVM memory pool: `max_bytes` is -1 where the pool has no limit, as Micrometer reports."""

    id: str
    area: str
    max_bytes: int
    committed_bytes: int


MIB = 1 << 20
POOLS = (
    Pool("G1 Eden Space", "heap", -1, 128 * MIB),
    Pool("G1 Survivor Space", "heap", -1, 16 * MIB),
    Pool("G1 Old Gen", "heap", 512 * MIB, 384 * MIB),
    Pool("Metaspace", "nonheap", -1, 96 * MIB),
    Pool("CodeCache", "nonheap", 240 * MIB, 40 * MIB),
)

# (action, cause, gc, pauses per second, median pause in seconds)
GC_PAUSES = (
    ("end of minor GC", "G1 Evacuation Pause", "G1 Young Generation", 0.1, 0.008),
    ("end of major GC", "G1 Humongous Allocation", "G1 Old Generation", 0.001, 0.15),
)


def routes(service: str) -> tuple[Route, ...]:
    return ROUTES.get(service, DEFAULT_ROUTES)


def is_http(metric: Metric) -> bool:
    return {"method", "uri", "status"} <= metric.labels.keys()


def is_pool(metric: Metric) -> bool:
    return {"id", "area"} <= metric.labels.keys()


def is_gc(metric: Metric) -> bool:
    return {"action", "cause", "gc"} <= metric.labels.keys()


def own_labels(metric: Metric) -> list[str]:
    return [label for label in metric.labels if label not in SCRAPE_LABELS and label != "le"]


def label_sets(metric: Metric, service: str) -> list[dict[str, str]]:
    """The non-scrape label sets one instance of `service` exports for `metric`."""
    if is_http(metric):
        return [_only(r.labels(), metric) for r in routes(service)]
    if is_pool(metric):
        return [_only({"id": p.id, "area": p.area}, metric) for p in POOLS]
    if is_gc(metric):
        return [_only({"action": a, "cause": c, "gc": g}, metric) for a, c, g, _, _ in GC_PAUSES]
    return _enumerate(metric)


def _only(labels: dict[str, str], metric: Metric) -> dict[str, str]:
    return {k: v for k, v in labels.items() if k in metric.labels}


def _values(metric: Metric, label: str) -> tuple[str, ...]:
    return metric.labels[label] or VOCABULARY.get(label, (f"{label}-1",))


def _enumerate(metric: Metric) -> list[dict[str, str]]:
    labels = [label for label in own_labels(metric) if label != "reason"]
    sets: list[dict[str, str]] = []
    for combo in itertools.product(*(_values(metric, label) for label in labels)):
        labelset = dict(zip(labels, combo, strict=True))
        if not _plausible(labelset):
            continue
        if "reason" in metric.labels and labelset.get("outcome") == "failure":
            sets.extend(labelset | {"reason": r} for r in _values(metric, "reason"))
        else:
            sets.append(labelset)
    return sets


def _plausible(labels: dict[str, str]) -> bool:
    """`provider="unknown"` comes only from invalid quota look-ups, and only it is invalid."""
    if "provider" in labels and labels.get("outcome") in {"found", "not_found", "invalid"}:
        return (labels["provider"] == "unknown") == (labels["outcome"] == "invalid")
    return True
