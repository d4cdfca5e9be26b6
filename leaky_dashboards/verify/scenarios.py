"""The platforms verify checks the dashboards against, and what each requires of a panel.

`full`: 26 busy hours, every series present: every target of every panel must show data.
`quiet`: a 3-hour night on a platform where nothing went wrong (no failure, denial or block
series exist yet, see quiet.py) and the analytics service was deployed 30 minutes ago. The
single-value views (stat, gauge, bar gauge: the key metrics) must still show a number, 0
included, under every variable setting; a graph, pie or table may be empty, but no query may
fail or leave its panel's sense.
`incidents` and `idle` (incidents.py): worlds with known answers; besides the checks above
(graphs may be empty there), each carries expectations (truth.py) that name the number a panel
must show and the alerts that must fire or stay silent. `idle` also forbids NaN anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..errors import BuildError
from . import incidents
from .evaluate import Target
from .synthetic import DEFAULT_WORLD, END, Timeline
from .truth import Expectation
from .world import World

# Panels that show one number per series: "No data" there hides a healthy 0.
SINGLE_VALUE = frozenset({"stat", "gauge", "bargauge"})


@dataclass(frozen=True)
class Scenario:
    name: str
    timeline: Timeline
    quiet: bool = False
    world: World = DEFAULT_WORLD
    expectations: Sequence[Expectation] = ()
    # Which panels must show data under every variable setting: every one (the busy day), the
    # single-value ones (a quiet night), or only where an expectation says (incident worlds,
    # where an idle service rightly has no latency).
    data: Literal["every panel", "single values", "as expected"] = "every panel"
    # A NaN anywhere is a finding (Grafana prints it as "NaN"), not merely a gap.
    nan_free: bool = False

    def requires_data(self, target: Target) -> bool:
        if self.data == "single values":
            return target.panel_type in SINGLE_VALUE
        return self.data == "every panel"


FULL = Scenario("full", Timeline(), expectations=incidents.NORMAL_DAY)
# A night, 02:00 to 05:00 UTC (traffic at its trough), inside the same 54 h block as the full
# data; 3 h keep the extra CI time small, and a 24 h window over 3 h of data is still valid.
QUIET = Scenario(
    "quiet",
    Timeline(end=END - 12 * 3600, hours=3, started=(("analytics-service", 1800),)),
    quiet=True,
    data="single values",
    expectations=incidents.NORMAL_DAY,
)
INCIDENTS = Scenario(
    "incidents",
    Timeline(end=END, hours=incidents.HOURS),
    world=incidents.INCIDENTS,
    expectations=incidents.INCIDENT_EXPECTATIONS,
    data="as expected",
)
IDLE = Scenario(
    "idle",
    Timeline(end=END, hours=incidents.IDLE_HOURS),
    world=incidents.IDLE,
    expectations=incidents.IDLE_EXPECTATIONS,
    data="as expected",
    nan_free=True,
)
SCENARIOS = {s.name: s for s in (FULL, QUIET, INCIDENTS, IDLE)}
CHOICES = (*SCENARIOS, "all")


def chosen(name: str) -> list[Scenario]:
    if name == "all":
        return list(SCENARIOS.values())
    if name not in SCENARIOS:
        raise BuildError(f"unknown scenario {name!r}: choose one of {', '.join(CHOICES)}")
    return [SCENARIOS[name]]
