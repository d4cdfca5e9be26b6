"""Every dashboard draws restarts and firing alerts on its graphs (issue 10, item 3): built once
(libsonnet/annotations.libsonnet) from config.annotations, each a toggle, through the dashboard's
datasource variable, narrowed only by variables the dashboard offers."""

from __future__ import annotations

import pytest

from leaky_dashboards.model import Json

from .dashboards_support import NAMES, dashboards, library, selectors, variables_used


def prometheus_annotations(d: Json) -> list[Json]:
    return [a for a in d["annotations"]["list"] if not a.get("builtIn")]


@pytest.mark.parametrize("name", NAMES)
def test_every_dashboard_has_the_configured_annotations_in_order_each_a_visible_toggle(
    name: str,
) -> None:
    configured = library("config")["annotations"]
    expected = sorted(configured.values(), key=lambda a: a["order"])
    found = prometheus_annotations(dashboards()[name])
    assert [a["name"] for a in found] == [a["name"] for a in expected]
    for annotation, own in zip(found, expected, strict=True):
        assert annotation["enable"] is own["enable"]
        assert annotation["iconColor"] == own["iconColor"]
        assert annotation["hide"] is False, "the toggle must show at the top of the dashboard"
        assert annotation["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    assert [a["name"] for a in dashboards()[name]["annotations"]["list"] if a.get("builtIn")] == [
        "Annotations & Alerts"
    ]


@pytest.mark.parametrize("name", NAMES)
def test_annotations_use_only_variables_the_dashboard_offers(name: str) -> None:
    d = dashboards()[name]
    offered = {v["name"] for v in d["templating"]["list"]}
    for annotation in prometheus_annotations(d):
        assert variables_used(annotation["expr"]) <= offered, annotation["name"]


@pytest.mark.parametrize("name", NAMES)
def test_restarts_mark_each_process_start_at_its_start_time_naming_service_and_instance(
    name: str,
) -> None:
    """The start time in milliseconds with `useValueForTime`: Grafana places the marker at the
    value (the instant the process started), one marker per start of each series."""
    d = dashboards()[name]
    [restarts] = [a for a in prometheus_annotations(d) if "Restarts" in a["name"]]
    assert restarts["useValueForTime"] is True
    assert restarts["expr"].endswith(" * 1000")
    [s] = selectors(restarts["expr"])
    assert s.metric == "process_start_time_seconds"
    assert {"{{application}}", "{{instance}}"} <= set(restarts["textFormat"].split())
    offered = {v["name"] for v in d["templating"]["list"]}
    expected = {"application": ("Re", "$service")} if "service" in offered else {}
    if "instance" in offered:
        expected["instance"] = ("Re", "$instance")
    assert s.matchers == expected


def test_firing_alerts_read_only_firing_alerts() -> None:
    for d in dashboards().values():
        [alerts] = [a for a in prometheus_annotations(d) if "alerts" in a["name"]]
        [s] = selectors(alerts["expr"])
        assert s.metric == "ALERTS"
        assert s.matchers.get("alertstate") == ("Equal", "firing")
        assert alerts["useValueForTime"] is False
