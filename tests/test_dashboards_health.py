"""The Executive Overview's service health table (issue 10.1): one row per service, each column a
measure grouped by `application`, the cells an on-call judges coloured at the spec's levels."""

from __future__ import annotations

import re

from leaky_dashboards.model import Json

from .dashboards_support import config, dashboards, panels

HEALTH = "Service health"


def health() -> Json:
    [table] = [p for p in panels(dashboards()["overview"]) if p["title"] == HEALTH]
    return table


def overrides(panel: Json) -> dict[str, dict[str, object]]:
    return {
        o["matcher"]["options"]: {p["id"]: p["value"] for p in o["properties"]}
        for o in panel["fieldConfig"]["overrides"]
    }


def test_every_column_is_grouped_by_service_only() -> None:
    for target in health()["targets"]:
        if re.fullmatch(r"application:[a-z0-9_]+:[a-z0-9_]+\{[^}]*\}", target["expr"]):
            continue  # a series recorded per application (its level) is one per service
        groupings = re.findall(r"\bby \(([^)]*)\)", target["expr"])
        # The outermost grouping is the service (the p95's buckets keep `le` for its quantile;
        # the heap is taken per instance first, then the worst one): never a route (`uri`).
        assert groupings and groupings[0] in ("application", "le, application"), target["expr"]
        assert set(groupings) <= {"application", "le, application", "application, instance"}


def test_up_reaches_the_table_under_application_from_its_job() -> None:
    ups = [t["expr"] for t in health()["targets"] if re.search(r"\bup\{", t["expr"])]
    assert len(ups) == 2  # instances up, all instances
    for expr in ups:
        assert 'label_join(up{job=~"$service"}' in expr and '"application", "", "job")' in expr
        assert "sum" not in expr  # counted: a service with every instance down counts 0 up


def test_errors_p95_and_heap_cells_are_coloured_at_the_config_levels() -> None:
    levels = config()["thresholds"]
    coloured = {"Errors (5xx)": "errorRate", "P95": "latencyP95", "Worst heap": "heapUsage"}
    by_column = overrides(health())
    for column, key in coloured.items():
        steps = by_column[column]["thresholds"]["steps"]  # type: ignore[index]
        assert [s["value"] for s in steps] == [
            None,
            levels[key]["warning"],
            levels[key]["critical"],
        ]
        assert by_column[column]["custom.cellOptions"] == {"type": "color-background"}


def test_every_column_has_a_readable_name_and_a_unit_where_it_has_one() -> None:
    [organize] = [t for t in health()["transformations"] if t["id"] == "organize"]
    names = organize["options"]["renameByName"]
    assert sorted(names.values()) == sorted(
        [
            "Service",
            "Requests/min",
            "Errors (5xx)",
            "P95",
            "Up",
            "Instances",
            "Restarts",
            "Worst heap",
        ]
    )
    units = {c: o.get("unit") for c, o in overrides(health()).items()}
    assert units["Requests/min"] == "reqpm" and units["Errors (5xx)"] == "percentunit"
    assert units["P95"] == "s" and units["Worst heap"] == "percentunit"
