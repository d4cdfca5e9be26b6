"""The platforms verify checks the dashboards against, and what each requires of a panel.

`full`: 26 busy hours, every series present: every target of every panel must show data.
`quiet`: a 3-hour night on a platform where nothing went wrong (no failure, denial or block
series exist yet, see quiet.py) and the analytics service was deployed 30 minutes ago. The
single-value views (stat, gauge, bar gauge: the key metrics) must still show a number, 0
included, under every variable setting; a graph, pie or table may be empty, but no query may
fail or leave its panel's sense.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import BuildError
from .evaluate import Target
from .synthetic import END, Timeline

# Panels that show one number per series: "No data" there hides a healthy 0.
SINGLE_VALUE = frozenset({"stat", "gauge", "bargauge"})


@dataclass(frozen=True)
class Scenario:
    name: str
    timeline: Timeline
    quiet: bool = False

    def requires_data(self, target: Target) -> bool:
        return not self.quiet or target.panel_type in SINGLE_VALUE


FULL = Scenario("full", Timeline())
# A night, 02:00 to 05:00 UTC (traffic at its trough), inside the same 54 h block as the full
# data; 3 h keep the extra CI time small, and a 24 h window over 3 h of data is still valid.
QUIET = Scenario(
    "quiet",
    Timeline(end=END - 12 * 3600, hours=3, started=(("analytics-service", 1800),)),
    quiet=True,
)
SCENARIOS = {s.name: s for s in (FULL, QUIET)}
CHOICES = (*SCENARIOS, "all")


def chosen(name: str) -> list[Scenario]:
    if name == "all":
        return list(SCENARIOS.values())
    if name not in SCENARIOS:
        raise BuildError(f"unknown scenario {name!r}: choose one of {', '.join(CHOICES)}")
    return [SCENARIOS[name]]
