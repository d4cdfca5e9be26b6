"""What happens on a synthetic platform: its replicas and the incidents that befall it.

A `World` is the generator's model beyond the metrics catalog: how many instances each service
runs, which instance goes down or restarts and when, whose heap fills, which counter surges, which
service sees no user traffic, which metric family a service does not export. Times are seconds
before the timeline's end, so a world reads like an incident report ("20 minutes ago ...").
The scenarios' expectations are derived from these same parameters, never from a query.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from .shapes import USERS


def _frozen(mapping: Mapping[str, int] | None = None) -> Mapping[str, int]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Outage:
    """`instance` is not scraped from `since` seconds before the end for `lasts` seconds (None:
    still down at the end). If it comes back, it has restarted: its counters start from 0."""

    instance: str  # host:port, e.g. "token-service-3:8082"
    since: int
    lasts: int | None = None


@dataclass(frozen=True)
class HeapPressure:
    """From `since` seconds before the end, the instance's G1 pools hold these many MiB."""

    instance: str
    since: int
    eden_mib: float
    survivor_mib: float
    old_mib: float


@dataclass(frozen=True)
class Surge:
    """Extra events on a counter at a steady, exactly known pace.

    They go to every series whose labels include `labels` (e.g. outcome and reason), on every
    instance of the services that export it, split evenly; `per_minute` is their total, from
    `since` seconds before the end for `lasts` seconds.
    """

    metric: str
    labels: tuple[tuple[str, str], ...]
    per_minute: float
    since: int
    lasts: int


@dataclass(frozen=True)
class HttpEvents:
    """Single HTTP requests (one route's labels) answered at these seconds before the end."""

    service: str
    labels: tuple[tuple[str, str], ...]
    at: tuple[int, ...]
    seconds: float = 0.3  # how long each took


@dataclass(frozen=True)
class World:
    replicas: Mapping[str, int] = field(default_factory=_frozen)
    outages: tuple[Outage, ...] = ()
    heap: tuple[HeapPressure, ...] = ()
    surges: tuple[Surge, ...] = ()
    http_events: tuple[HttpEvents, ...] = ()
    # Services whose users send nothing (Prometheus' scrapes and health checks still arrive);
    # "*" for the whole platform. Their business counters stand still.
    idle: frozenset[str] = frozenset()
    # Metric families nobody exports (Micrometer never registered them).
    missing: frozenset[str] = frozenset()
    # Active users of the token service (Zipf-distributed, shapes.population).
    users: int = USERS

    def replicas_of(self, service: str) -> int:
        return self.replicas.get(service, 1)

    def is_idle(self, service: str) -> bool:
        return "*" in self.idle or service in self.idle

    def key(self) -> str:
        """A stable text of everything here, for the backfill cache key."""
        return repr((sorted(self.replicas.items()), self.outages, self.heap, self.surges,
                     self.http_events, sorted(self.idle), sorted(self.missing),
                     self.users))  # fmt: skip


# The platform on an ordinary day: the gateway and the token service run replicas, and one token
# service instance restarts mid-way (down for two scrapes).
REPLICAS = _frozen({"api-gateway": 3, "token-service": 2})
