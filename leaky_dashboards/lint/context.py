"""What a dashboard rule's check sees: one dashboard, its parsed queries, the scrape interval.

Its own module so that `rule` (the Rule object, whose check takes a Context) and `rules` (the
checks) both import it and neither imports the other's importer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ..catalog import Catalog
from ..model import Json, visible_panels
from ..promql import Query

Problem = tuple[Json | None, str | None, str]  # (panel, refId, message)


@dataclass(frozen=True)
class Context:
    """One dashboard as the rules see it."""

    name: str
    model: Json
    targets: list[tuple[Json, str, Query]]  # (panel, refId, parsed expr)
    scrape_interval: timedelta
    # Every series a query may read (the metrics catalog and the recorded series).
    catalog: Catalog | None = None
    # The installation's scope labels (config.scope: an environment's `cluster`), which every
    # selector carries.
    scoped: frozenset[str] = frozenset()

    @property
    def variables(self) -> list[Json]:
        return list(self.model.get("templating", {}).get("list", []))

    @property
    def panels(self) -> list[Json]:
        return list(visible_panels(self.model))
