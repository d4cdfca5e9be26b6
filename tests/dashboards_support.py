"""Shared views for the dashboard tests: compiled dashboards, their panels, parsed queries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

import promql_parser

from leaky_dashboards.engine import evaluate_file
from leaky_dashboards.grafana import references
from leaky_dashboards.model import Json, iter_panels
from leaky_dashboards.project import Project
from leaky_dashboards.promql import children
from leaky_dashboards.settings import Installation, Paths


@cache
def _project() -> Project:
    return Project()


# Every dashboard of dashboards/ by short name (`overview`...), in the dashboards' order
# (config.dashboards `order`, unlisted ones after): a new file is covered by every test
# parametrized over NAMES with no test edited.
NAMES = tuple(_project().library.dashboard_names(d.uid for d in _project().dashboards))

# Grafana fills these windows in; each gets a distinct stand-in duration so a parsed range tells
# which window the source used.
WINDOW_STANDINS = {
    "$__rate_interval": timedelta(seconds=1111),
    "$__range": timedelta(seconds=2222),
    "$time_range": timedelta(seconds=3333),
}


@cache
def dashboards() -> dict[str, Json]:
    """Every dashboard of the tree by short name (`overview`, ...)."""
    prefix = _project().library.uid_prefix()
    return {d.name.removeprefix(prefix): d.model for d in _project().dashboards}


@cache
def library(name: str) -> Json:
    """A libsonnet file of the library evaluated to JSON (`config`, `metrics`)."""
    paths = Paths()
    text = evaluate_file(
        paths.libsonnet / f"{name}.libsonnet",
        library=paths.libsonnet,
        ext_vars=Installation().ext_vars(),
    )
    result: Json = json.loads(text)
    return result


def config() -> Json:
    return library("config")


def queried_series() -> Json:
    """Every series a query may read: the metrics catalog's and the recorded ones."""
    recorded: Json = library("rules")["catalog"]
    return library("metrics")["series"] | recorded


def recording_rules() -> dict[str, str]:
    """Recorded series name → the expression recording it."""
    return {r["record"]: r["expr"] for g in library("rules")["groups"] for r in g["rules"]}


def panels(dashboard: Json) -> list[Json]:
    """The panels a viewer sees (rows left out)."""
    return [p for p in iter_panels(dashboard) if p.get("type") != "row"]


def targets(dashboard: Json) -> Iterator[tuple[Json, Json]]:
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            yield panel, target


def parse(expr: str) -> Any:
    """The expression's syntax tree, with Grafana's window variables replaced by stand-ins."""
    for variable, standin in WINDOW_STANDINS.items():
        expr = expr.replace(f"[{variable}]", f"[{int(standin.total_seconds())}s]")
    return promql_parser.parse(expr)


def walk(node: Any, parents: tuple[Any, ...] = ()) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    """Every node with the chain of its ancestors, outermost first."""
    yield node, parents
    for child in children(node):
        yield from walk(child, (*parents, node))


@dataclass(frozen=True)
class Selector:
    metric: str
    matchers: dict[str, tuple[str, str]]  # label → (operator, value)
    window: timedelta | None  # the range when the selector is inside a range vector
    # Inside group(): only whether the family exists is read, never a value (the zero fallback).
    presence: bool = False


def selectors(expr: str) -> list[Selector]:
    found = []
    for node, parents in walk(parse(expr)):
        if type(node).__name__ != "VectorSelector":
            continue
        matchers = {
            m.name: (str(m.op).removeprefix("MatchOp."), m.value) for m in node.matchers.matchers
        }
        window = None
        if parents and type(parents[-1]).__name__ == "MatrixSelector":
            window = parents[-1].range
        presence = any(
            type(p).__name__ == "AggregateExpr" and str(p.op) == "group" for p in parents
        )
        found.append(Selector(node.name, matchers, window, presence))
    return found


def valued(expr: str) -> list[Selector]:
    """The selectors whose values the expression reads (not those only tested for presence)."""
    return [s for s in selectors(expr) if not s.presence]


def variables_used(text: str) -> set[str]:
    """The variables and macros `text` refers to, as Grafana reads it."""
    return references(text)
