"""Resolve a dashboard's template variables through the Prometheus API, as Grafana would.

`label_values(selector, label)` asks /api/v1/label/<label>/values with match[]=selector over the
dashboard range; `label_values(label)` without a selector; `query_result(expr)` and
`metrics(regex)` are supported too. Custom and interval variables take their options. A variable
whose value list is empty is an error: every panel it filters would show nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .. import grafana
from ..grafana import ALL, Variable, apply_regex, variable_query, variable_query_text
from .promapi import Client

# Variables that never reach a query expression.
SKIPPED_TYPES = {"datasource", "adhoc"}


@dataclass(frozen=True)
class Resolved:
    variables: list[Variable]
    defaults: dict[str, str | list[str]]  # what each is set to when "all at All"
    problems: list[tuple[str, str]]  # (variable name, message)


def _series_text(item: dict[str, Any]) -> str:
    metric = dict(item.get("metric") or {})
    name = metric.pop("__name__", "")
    labels = ",".join(f'{k}="{v}"' for k, v in sorted(metric.items()))
    value = item.get("value") or [0, ""]
    return f"{name}{{{labels}}} {value[1]} {int(float(value[0]) * 1000)}"


def fetch(client: Client, query: str, start: float, end: float) -> tuple[list[str], str | None]:
    asked = variable_query(query)
    if asked.kind == "label_values" and asked.label is not None:
        return client.label_values(asked.label, asked.expr, start, end)
    if asked.kind == "query_result" and asked.expr:
        answer = client.query(asked.expr, end)
        return [_series_text(item) for item in answer.result], answer.error
    if asked.kind == "metrics" and asked.regex is not None:
        names, error = client.label_values("__name__", None, start, end)
        return [n for n in names if re.search(asked.regex, n)], error
    return [], f"unsupported variable query {query!r}"


def resolve(
    client: Client, model: dict[str, Any], start: float, end: float, range_s: int
) -> Resolved:
    variables: list[Variable] = []
    defaults: dict[str, str | list[str]] = {}
    problems: list[tuple[str, str]] = []
    macros = grafana.interval(range_s, 1000, 0, 15).macros()
    for spec in (model.get("templating") or {}).get("list") or []:
        kind, name = str(spec.get("type", "")), str(spec.get("name", ""))
        if kind in SKIPPED_TYPES or not name:
            continue
        if kind == "query":
            # Earlier variables chain into later queries at their "All" setting.
            rendered = {v.name: v.render(defaults[v.name]) for v in variables}
            query = grafana.interpolate(variable_query_text(spec), rendered, macros)
            values, error = fetch(client, query, start, end)
            if error:
                problems.append((name, f"{query}: {error}"))
            values = apply_regex(values, str(spec.get("regex") or ""))
            if not error and not values:
                problems.append((name, f"{query} returned no values"))
        elif kind in ("custom", "interval"):
            values = [str(o["value"]) for o in spec.get("options") or [] if o.get("value") != ALL]
            if not values:
                values = [v.strip() for v in variable_query_text(spec).split(",") if v.strip()]
            if not values:
                problems.append((name, "no options"))
        else:  # constant, textbox
            values = [variable_query_text(spec)]
        variable = Variable(
            name=name,
            type=kind,
            values=tuple(values),
            multi=bool(spec.get("multi")),
            include_all=bool(spec.get("includeAll")),
            all_value=spec.get("allValue") or None,
        )
        variables.append(variable)
        defaults[name] = _default(spec, variable)
    return Resolved(variables, defaults, problems)


def _default(spec: dict[str, Any], variable: Variable) -> str | list[str]:
    if variable.include_all:
        return ALL
    current = (spec.get("current") or {}).get("value")
    if isinstance(current, str) and current in variable.values:
        return current
    return variable.values[0] if variable.values else ""
