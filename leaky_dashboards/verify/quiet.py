"""The quiet platform: the same catalog, but with the series Micrometer has not created yet.

Micrometer creates a labelled counter (and a timer's whole family) at its first event. On a quiet
night no consumption failed, no login was refused, no SAGA was compensated: those series do not
exist at all, and a query over them returns nothing rather than 0. A service deployed during the
window has, besides its JVM gauges, only the labelled series that have seen an event since.

The rule for "rare", from the metrics contract: a series whose metric name or one of whose own
label values names a non-success (failure, error, blocked, rate_limited, insufficient quota,
invalid, not found, failed, compensated, denied). Rare series are left out for the whole window.
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from ..catalog import Catalog
from . import shapes
from .synthetic import Instance, Series, Timeline, instances
from .world import World

RARE = re.compile(
    r"fail|error|blocked|rate_limited|insufficient|invalid|not_found|compensated|denied",
    re.IGNORECASE,
)
TIMER_PARTS = ("_count", "_sum", "_max", "_bucket")


def rare(series: Series) -> bool:
    values = (v for k, v in series.labels.items() if k not in (*shapes.SCRAPE_LABELS, "le"))
    return bool(RARE.search(series.name)) or any(RARE.search(v) for v in values)


def family(name: str, catalog: Catalog) -> str:
    """A timer's base name for each of its parts (created together), else the name itself."""
    for part in TIMER_PARTS:
        base = name.removesuffix(part)
        if base != name and {base + "_count", base + "_sum"} <= catalog.metrics.keys():
            return base
    return name


def apply(
    series: list[Series], catalog: Catalog, timeline: Timeline, world: World | None = None
) -> list[Series]:
    """Rare series left out; a late-started service's labelled counters from their first event."""
    fresh = {i.address for i in _instances(catalog, timeline, world) if i.since > 0}
    groups: dict[tuple[str, str, tuple[tuple[str, str], ...]], list[Series]] = defaultdict(list)
    kept: list[Series] = []
    for s in series:
        if rare(s):
            continue
        instance = s.labels.get("instance", "")
        metric = catalog.metrics[s.name]
        lazy = metric.type == "counter" or family(s.name, catalog) != s.name
        if instance in fresh and lazy and shapes.own_labels(metric):
            rest = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
            groups[(family(s.name, catalog), instance, rest)].append(s)
        else:
            kept.append(s)
    for (name, _, _), members in groups.items():
        kept.extend(_from_first_event(name, members))
    return sorted(kept, key=Series.key)


def _instances(catalog: Catalog, timeline: Timeline, world: World | None) -> list[Instance]:
    services = sorted({s for m in catalog.metrics.values() for s in m.services})
    return instances(services, timeline, world)


def _from_first_event(name: str, members: list[Series]) -> list[Series]:
    """A family's series from the scrape where its counter first moved; none if it never did."""
    counter = next((s for s in members if s.name in (name, name + "_count")), members[0])
    moved = np.flatnonzero(np.diff(counter.values, prepend=0.0) > 0)
    if len(moved) == 0:
        return []
    first = int(moved[0])
    result = []
    for s in members:
        present = s.present.copy()
        present[:first] = False
        result.append(Series(s.name, s.labels, s.values, present))
    return result
