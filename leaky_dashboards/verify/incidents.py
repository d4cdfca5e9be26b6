"""Incidents with known answers: the worlds of the `incidents` and `idle` scenarios, and what the
dashboards and alerts must show in them.

Every expected number is computed here from the incident's own parameters (MiB allocated, events
per minute, requests answered), the way an engineer would work it out on paper from what happened,
never from a query. Times are seconds before the end of the data.

`incidents` (3 busy hours, the gateway and the token service on three replicas each):
- api-gateway-2's G1 heap fills for the last 20 minutes: Eden large, Old Gen moderate;
- gemini fails 30 calls a minute from 40 to 15 minutes before the end; the others stay healthy;
- config-server is idle (only scrapes and health checks) but answers two HTTP 500 in the last
  five minutes;
- token-service-3 has been down for the last 8 minutes while its two siblings run;
- auth-server-1 restarted 90 minutes before the end (its counters start again from 0);
- from 75 to 60 minutes before the end, a login brute force (80 failed logins a minute) and a
  rate-limit storm at the gateway (150 blocks a minute).
`idle` (2 hours, nobody uses the platform; the token service does not export the SAGA counters).
"""

from __future__ import annotations

from types import MappingProxyType

from .shapes import MIB, POOLS
from .synthetic import PORTS
from .truth import Excludes, Expectation, Fires, Reads, Shows, Silent
from .world import HeapPressure, HttpEvents, Outage, Surge, World

HOURS = 3
IDLE_HOURS = 2
MINUTE = 60

# ---- the heap near its limit ----
HEAP_INSTANCE = "api-gateway-2:8080"
HEAP = HeapPressure(HEAP_INSTANCE, 20 * MINUTE, eden_mib=300, survivor_mib=16, old_mib=130)
# With G1, Old Gen's max is the whole heap limit (-Xmx); Eden and Survivor live inside it.
XMX_MIB = next(p.max_bytes for p in POOLS if p.id == "G1 Old Gen") / MIB
HEAP_SHARE = (HEAP.eden_mib + HEAP.survivor_mib + HEAP.old_mib) / XMX_MIB
HEAP_WHY = (
    f"({HEAP.eden_mib:g} Eden + {HEAP.survivor_mib:g} Survivor + {HEAP.old_mib:g} Old Gen) MiB "
    f"of -Xmx {XMX_MIB:g} MiB"
)

# A second, milder case on token-service-2 from the same moment: 415 MiB, about 81 %, above the
# heap's warning level (70 %) and below its critical one (85 %).
WARM_INSTANCE = "token-service-2:8082"
WARM_HEAP = HeapPressure(WARM_INSTANCE, 20 * MINUTE, eden_mib=260, survivor_mib=10, old_mib=145)
WARM_SHARE = (WARM_HEAP.eden_mib + WARM_HEAP.survivor_mib + WARM_HEAP.old_mib) / XMX_MIB
WARM_WHY = (
    f"({WARM_HEAP.eden_mib:g} + {WARM_HEAP.survivor_mib:g} + {WARM_HEAP.old_mib:g}) MiB of "
    f"-Xmx {XMX_MIB:g} MiB on the token service's fullest instance, between 70 % and 85 %"
)

# The status table's columns (refIds) that carry a known answer.
STATUS_UP, STATUS_UPTIME, STATUS_RESTARTS, STATUS_HEAP = "A", "B", "C", "D"

# The overview's service health table: one row per service, its columns (refIds).
HEALTH = "Service health"
HEALTH_REQUESTS, HEALTH_ERRORS, HEALTH_P95 = "A", "B", "C"
HEALTH_UP, HEALTH_INSTANCES, HEALTH_RESTARTS, HEALTH_HEAP = "D", "E", "F", "G"

# ---- a failing provider ----
FAILING = "gemini"
FAILURES_PER_MINUTE = 30
FAILING_SINCE, FAILING_LASTS = 40 * MINUTE, 25 * MINUTE
# The panel counts the last 5 minutes; the healthy providers fail a call or two an hour.
PROVIDER_WINDOW_MINUTES = 5
PROVIDER_FAILURES = FAILURES_PER_MINUTE * PROVIDER_WINDOW_MINUTES
BASELINE_FAILURES = 5  # at most, per provider per 5 minutes on a healthy day
# The gateway answers its users 502 for the calls the token service could not place: about a
# fifth of its consumption traffic that afternoon (gemini's share of the calls).
GATEWAY_502 = (("status", "502"), ("uri", "/api/v1/tokens/consume"))
GATEWAY_502_PER_MINUTE = 900
# At least one user request in ten fails (900 a minute beside the afternoon's ~6,500 on three
# replicas). The gateway's availability SLO (config.slo: 99.8 %, a 0.2 % budget) pages when its
# budget burns 14.4× over both 1 h and 5 min: a 1 h bad share above 2.88 %, which a failure rate
# of 1 in 10 reaches after 60 min × 2.88 % × 10 ≈ 17 minutes, then 2 minutes pending: before the
# outage's 25 minutes are over.
GATEWAY_502_SHARE = 1 / 10
PAGE_BURN, PAGE_LONG_MINUTES, AVAILABILITY_BUDGET = 14.4, 60, 0.002
PAGE_AFTER = PAGE_LONG_MINUTES * PAGE_BURN * AVAILABILITY_BUDGET / GATEWAY_502_SHARE
SLO_BURN = "LeakyTokensGatewayAvailabilityBudgetBurn"

# ---- an idle service that failed twice ----
IDLE_SERVICE = "config-server"
IDLE_ROUTE_500 = (
    ("exception", "IllegalStateException"),
    ("method", "GET"),
    ("outcome", "SERVER_ERROR"),
    ("status", "500"),
    ("uri", "/{application}/{profile}"),
)

# ---- a replica down, a replica restarted ----
DOWN_INSTANCE = "token-service-3:8082"
DOWN_SINCE = 8 * MINUTE
RESTARTED_INSTANCE = "auth-server-1:8081"
RESTART = Outage(RESTARTED_INSTANCE, 90 * MINUTE, 30)
UPTIME_AT_END = RESTART.since - (RESTART.lasts or 0)

# ---- a brute force and a rate-limit storm ----
STORM_SINCE, STORM_LASTS = 75 * MINUTE, 15 * MINUTE
LOGIN_FAILURES_PER_MINUTE = 80
BLOCKS_PER_MINUTE = 150
DURING_STORM = 65 * MINUTE
AFTER_STORM = 40 * MINUTE

INCIDENTS = World(
    replicas=MappingProxyType({"api-gateway": 3, "token-service": 3}),
    outages=(Outage(DOWN_INSTANCE, DOWN_SINCE), RESTART),
    heap=(HEAP, WARM_HEAP),
    surges=(
        # A failed call was an attempt first.
        *(
            Surge(
                "token_consume_total",
                (("provider", FAILING), ("outcome", outcome)),
                FAILURES_PER_MINUTE,
                FAILING_SINCE,
                FAILING_LASTS,
            )
            for outcome in ("attempt", "provider_failure")
        ),
        Surge(
            "http_server_requests_seconds_count",
            GATEWAY_502,
            GATEWAY_502_PER_MINUTE,
            FAILING_SINCE,
            FAILING_LASTS,
        ),
        Surge(
            "auth_login_total",
            (("outcome", "failure"), ("reason", "invalid")),
            LOGIN_FAILURES_PER_MINUTE,
            STORM_SINCE,
            STORM_LASTS,
        ),
        Surge(
            "gateway_rate_limit_total",
            (("outcome", "blocked"),),
            BLOCKS_PER_MINUTE,
            STORM_SINCE,
            STORM_LASTS,
        ),
    ),
    http_events=(HttpEvents(IDLE_SERVICE, IDLE_ROUTE_500, at=(4 * MINUTE, 2 * MINUTE)),),
    idle=frozenset({IDLE_SERVICE}),
)

# Relative error allowed where PromQL extrapolates a rate or increase over its window.
EXTRAPOLATION = 0.1

INCIDENT_EXPECTATIONS: tuple[Expectation, ...] = (
    # The heap: the true share of -Xmx for the worst instance, everywhere it is shown.
    Shows("system", "💾 Heap memory usage (worst service)", HEAP_SHARE, HEAP_WHY, tolerance=0.005),
    Shows("overview", "JVM heap usage", HEAP_SHARE, HEAP_WHY, tolerance=0.005,
          series={"application": "api-gateway"}),
    Shows("system", "Service status overview", HEAP_SHARE, HEAP_WHY, tolerance=0.005,
          ref_id=STATUS_HEAP, series={"instance": HEAP_INSTANCE}),
    Shows("overview", HEALTH, HEAP_SHARE, HEAP_WHY + ", its service's fullest instance",
          tolerance=0.005, ref_id=HEALTH_HEAP, series={"application": "api-gateway"}),
    # ... and as the viewer reads it (Grafana's display: percentunit, one decimal, its colour).
    Reads("system", "💾 Heap memory usage (worst service)", f"{HEAP_SHARE:.1%}",
          HEAP_WHY + ", above the 85 % step", level="critical"),
    Reads("system", "💾 Heap memory usage (worst service)", f"{WARM_SHARE:.1%}", WARM_WHY,
          level="warning", variables={"service": "token-service"}),
    Reads("overview", "JVM heap usage", f"{WARM_SHARE:.1%}", WARM_WHY, level="warning",
          name="token-service"),
    Fires("LeakyTokensHeapUsageHigh", "critical", {"instance": HEAP_INSTANCE},
          f"{HEAP_SHARE:.1%} > 85 % for 20 minutes"),
    Silent("LeakyTokensHeapUsageHigh", {"instance": "api-gateway-1:8080"},
           "its sibling's heap is ordinary", severity="critical"),
    # The failing provider, and only it.
    Shows("business", "❌ Provider failures (last 5m)", PROVIDER_FAILURES,
          f"{FAILURES_PER_MINUTE}/min for {PROVIDER_WINDOW_MINUTES} min",
          at=20 * MINUTE, tolerance=PROVIDER_FAILURES * EXTRAPOLATION + BASELINE_FAILURES,
          variables={"provider": FAILING}),
    Shows("business", "❌ Provider failures (last 5m)", 0, "openai is healthy",
          at=20 * MINUTE, tolerance=BASELINE_FAILURES, variables={"provider": "openai"}),
    Fires("LeakyTokensProviderFailuresHigh", "critical", {"provider": FAILING},
          f"{PROVIDER_FAILURES} failures in 5 min > 20", by=20 * MINUTE),
    Silent("LeakyTokensProviderFailuresHigh", {"provider": "openai"}, "openai is healthy"),
    Fires("LeakyTokensErrorRateHigh", "critical", {"application": "api-gateway"},
          f"{GATEWAY_502_PER_MINUTE} users a minute get a 502, about 1 in 8 requests > 5 %",
          by=FAILING_SINCE - 15 * MINUTE),
    Silent("LeakyTokensErrorRateHigh", {"application": "api-gateway"},
           "before gemini failed", until=FAILING_SINCE),
    # The gateway's availability SLO: its error budget burns ~80× too fast during the outage.
    Fires(SLO_BURN, "critical", {"application": "api-gateway", "slo": "availability"},
          f"1 request in 10 or more fails: the 1 h bad share passes {PAGE_BURN:g} × the "
          f"{AVAILABILITY_BUDGET:.1%} budget after ~{PAGE_AFTER:.0f} min, the 5 min one at once",
          by=FAILING_SINCE - FAILING_LASTS),
    Silent(SLO_BURN, {}, "a healthy gateway fails 0.1 % of requests, half its budget",
           until=FAILING_SINCE),
    Silent("LeakyTokensProviderFailuresHigh", {"provider": "qwen"}, "qwen is healthy"),
    # The idle service: its scrapes and health checks are not users.
    Shows("overview", "🔥 Requests per minute", 0, "config-server's users sent nothing",
          at=10 * MINUTE, tolerance=0.01, variables={"service": IDLE_SERVICE}),
    Shows("overview", "⏱️ Latency p95", None, "config-server's users sent nothing; its scrapes "
          "and health checks are no user's latency", at=10 * MINUTE,
          variables={"service": IDLE_SERVICE}),
    Shows("overview", HEALTH, 0, "config-server's users sent nothing", at=10 * MINUTE,
          tolerance=0.01, ref_id=HEALTH_REQUESTS, series={"application": IDLE_SERVICE}),
    Shows("overview", HEALTH, None, "config-server's users sent nothing: no p95 for its row",
          at=10 * MINUTE, ref_id=HEALTH_P95, series={"application": IDLE_SERVICE}),
    Excludes("overview", "Top API endpoints", "uri", "/actuator.*",
             "scrapes and health checks are not API endpoints"),
    Silent("LeakyTokensErrorRateHigh", {"application": IDLE_SERVICE},
           "two HTTP 500 on an idle service are no outage"),
    Silent("LeakyTokensLatencyP95High", {"application": IDLE_SERVICE},
           "an idle service has no latency to page on"),
    # One replica down among three.
    Shows("system", "Service status overview", 0, f"{DOWN_INSTANCE} is down",
          ref_id=STATUS_UP, series={"instance": DOWN_INSTANCE}),
    Shows("system", "Service status overview", 1, "its sibling runs",
          ref_id=STATUS_UP, series={"instance": "token-service-1:8082"}),
    Shows("system", "🖥️ Services up", len(PORTS) - 1, "every service but the token service, "
          "one of whose replicas is down", ref_id="A"),
    Shows("overview", HEALTH, 2, f"{DOWN_INSTANCE} is down, its two siblings run",
          ref_id=HEALTH_UP, series={"application": "token-service"}),
    Shows("overview", HEALTH, 3, "the token service runs three replicas",
          ref_id=HEALTH_INSTANCES, series={"application": "token-service"}),
    Shows("overview", HEALTH, 3, "the gateway's three replicas all run",
          ref_id=HEALTH_UP, series={"application": "api-gateway"}),
    Fires("LeakyTokensInstanceDown", "warning", {"instance": DOWN_INSTANCE},
          f"down for the last {DOWN_SINCE // MINUTE} minutes"),
    Silent("LeakyTokensInstanceDown", {"instance": "token-service-1:8082"}, "it runs"),
    Silent("LeakyTokensServiceDown", {"job": "token-service"}, "two of its three replicas run"),
    # The restart: uptime starts again; counters reset without a negative spike (the generic
    # checks fail any negative rate).
    Shows("system", "Service status overview", UPTIME_AT_END,
          "restarted 90 minutes before the end, down 30 s", ref_id=STATUS_UPTIME, tolerance=15,
          series={"instance": RESTARTED_INSTANCE}),
    Shows("system", "Service status overview", 1, "it restarted once in the last 6 hours",
          ref_id=STATUS_RESTARTS, series={"instance": RESTARTED_INSTANCE}),
    Shows("system", "Service status overview", 0, "its sibling never restarted",
          ref_id=STATUS_RESTARTS, series={"instance": "token-service-1:8082"}),
    Shows("overview", HEALTH, 1, "auth-server-1 restarted once in the last 6 hours",
          ref_id=HEALTH_RESTARTS, series={"application": "auth-server"}),
    Shows("overview", HEALTH, 0, "no gateway replica restarted",
          ref_id=HEALTH_RESTARTS, series={"application": "api-gateway"}),
    # The brute force and the storm: their panels and alerts, while they last and after.
    Shows("gateway", "Auth failures by reason (per minute)", LOGIN_FAILURES_PER_MINUTE,
          f"{LOGIN_FAILURES_PER_MINUTE} failed logins a minute", at=DURING_STORM,
          tolerance=LOGIN_FAILURES_PER_MINUTE * EXTRAPOLATION + 2, ref_id="A",
          series={"reason": "invalid"}),
    Fires("LeakyTokensAuthFailuresHigh", "critical", {},
          f"{LOGIN_FAILURES_PER_MINUTE}/min > 50", by=DURING_STORM - 3 * MINUTE),
    Silent("LeakyTokensAuthFailuresHigh", {}, "the brute force is over", since=AFTER_STORM),
    Shows("gateway", "🚦 Rate limit blocks per minute", BLOCKS_PER_MINUTE,
          f"{BLOCKS_PER_MINUTE} blocks a minute", at=DURING_STORM,
          tolerance=BLOCKS_PER_MINUTE * EXTRAPOLATION + 10),
    Fires("LeakyTokensRateLimitBlocksHigh", "critical", {},
          f"{BLOCKS_PER_MINUTE}/min > 100", by=DURING_STORM - 3 * MINUTE),
    Silent("LeakyTokensRateLimitBlocksHigh", {}, "the storm is over", since=AFTER_STORM),
)  # fmt: skip

# ---- a normal day (the full and quiet scenarios): the gateway's SLOs page nobody ----
NORMAL_DAY: tuple[Expectation, ...] = (
    Silent("LeakyTokensGatewayAvailabilityBudgetBurn", {},
           "a healthy gateway fails about 0.1 % of requests: half its 0.2 % budget"),
    Silent("LeakyTokensGatewayLatencyBudgetBurn", {},
           "a healthy gateway answers about 1.2 % of requests slower than 500 ms: 0.6 of its "
           "2 % budget"),
)  # fmt: skip

# ---- nobody uses the platform ----
SAGA = frozenset(
    f"token_purchase_saga_{step}_total"
    for step in ("started", "completed", "failed", "compensated")
)
IDLE = World(idle=frozenset({"*"}), missing=SAGA)
NOBODY = "nobody used the platform"

IDLE_EXPECTATIONS: tuple[Expectation, ...] = (
    Shows("business", "💵 SAGA purchase completions", None,
          "the token service does not export the SAGA counters"),
    Reads("business", "💵 SAGA purchase completions", None,
          "not exported: the panel's No data text, never a 0 that reads as no purchases"),
    Shows("overview", "👥 Active users", 0, f"{NOBODY}; the consumption counter is exported"),
    Shows("overview", "🔥 Requests per minute", 0, f"{NOBODY}; scrapes are not users",
          tolerance=0.001),
    Shows("overview", "❌ Error rate", 0, f"{NOBODY}: no requests, no errors"),
    Shows("overview", HEALTH, 0, f"{NOBODY}: no requests, no errors on the gateway's row",
          ref_id=HEALTH_ERRORS, series={"application": "api-gateway"}),
    Silent("*", {}, NOBODY),
)  # fmt: skip
