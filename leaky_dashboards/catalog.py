"""The metrics catalog (`libsonnet/metrics.libsonnet` → `series`) as typed Python data.

Read through `library.Library.catalog()`; the lint checks queries against it and verify
generates synthetic series from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError


@dataclass(frozen=True)
class Metric:
    """One exported series name: `labels` maps a label to its known values, or None if free-form."""

    name: str
    type: str
    services: tuple[str, ...]
    labels: dict[str, tuple[str, ...] | None]
    histogram: bool = False


@dataclass(frozen=True)
class Catalog:
    metrics: dict[str, Metric]
    # The catalog as evaluated, canonical JSON: part of the backfill cache key.
    text: str

    def exporters(self) -> dict[str, tuple[str, ...]]:
        """Which services export each metric, by metric name."""
        return {name: metric.services for name, metric in self.metrics.items()}

    @classmethod
    def from_series(cls, series: object, source: Path) -> Catalog:
        if not isinstance(series, dict) or not series:
            raise BuildError(f"{source}: no `series` object in the metrics catalog")
        return cls(
            metrics={name: _metric(name, spec) for name, spec in sorted(series.items())},
            text=json.dumps(series, sort_keys=True, separators=(",", ":")),
        )


def _metric(name: str, spec: dict[str, object]) -> Metric:
    labels = spec.get("labels") or {}
    services = spec.get("services") or []
    if not isinstance(labels, dict) or not isinstance(services, list):
        raise BuildError(
            f"metrics catalog: {name}: `labels` must be an object, `services` an array"
        )
    return Metric(
        name=name,
        type=str(spec.get("type", "gauge")),
        services=tuple(str(s) for s in services),
        labels={
            str(label): None if values is None else tuple(str(v) for v in values)
            for label, values in sorted(labels.items())
        },
        histogram=bool(spec.get("histogram", False)),
    )
