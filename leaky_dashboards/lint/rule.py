"""A lint rule as an object: its name (what findings, waivers and the summary say), its family,
what it checks (docs/validation.md's rule list is generated from it) and, for a dashboard rule,
its check.

The rules of the other families are found together by their family's checker (one JSON-schema
pass, one contract walk of each query...), which names the rule object of each finding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .context import Context, Problem

Check = Callable[[Context], Iterator[Problem]]


@dataclass(frozen=True)
class Rule:
    name: str
    family: str
    description: str
    check: Check | None = None

    def __str__(self) -> str:
        return self.name


# The families in the order docs/validation.md and `invoke lint` present them, with the module
# checking each.
FAMILIES = {
    "schema": ("Grafana's JSON schema", "schema, sdk"),
    "promql": ("PromQL", "runner"),
    "contract": ("Metrics contract", "contract"),
    "dashboard": ("Dashboard rules", "rules, queries, panels"),
    "links": ("References across dashboards and alerts", "links"),
    "source": ("Source format", "sourcefmt"),
    "kubernetes": ("Kubernetes manifests", "manifests"),
    "waiver": ("Waivers", "report"),
}
