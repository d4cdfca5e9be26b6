"""What the spec and issue 3 ask of every dashboard: identity, links, datasource, variables, layout,
units and descriptions, and the query shape of one-value panels."""

from __future__ import annotations

import itertools

import pytest

from .dashboards_support import NAMES, config, dashboards, panels, targets, variables_used

# The spec's "Dashboard Variables"; each must be offered somewhere, and only where used.
SPEC_VARIABLES = {"service", "provider", "time_range", "auth_outcome"}
GRID = 24


@pytest.mark.parametrize("name", NAMES)
def test_identity_refresh_timezone_and_crosshair_follow_the_spec(name: str) -> None:
    d = dashboards()[name]
    assert d["uid"] == f"leaky-tokens-{name}"
    assert "leaky-tokens" in d["tags"] and len(d["tags"]) > 1
    assert d["refresh"] == "10s"
    assert d["timezone"] == "browser"
    assert d["graphTooltip"] == 1
    assert d["schemaVersion"] >= 39


def test_config_orders_only_dashboards_that_have_a_source() -> None:
    assert set(config()["dashboards"]) <= set(dashboards())


@pytest.mark.parametrize("name", NAMES)
def test_links_go_to_every_other_dashboard_in_the_dashboards_order(name: str) -> None:
    d = dashboards()[name]
    others = [f"/d/leaky-tokens-{other}" for other in NAMES if other != name]
    assert [link["url"] for link in d["links"]] == others
    titles = {dashboards()[other]["title"] for other in NAMES if other != name}
    assert {link["title"] for link in d["links"]} == titles


@pytest.mark.parametrize("name", NAMES)
def test_dashboard_links_keep_the_time_range_and_the_variables(name: str) -> None:
    for link in dashboards()[name]["links"]:
        assert link["keepTime"] is True, link["title"]
        assert link["includeVars"] is True, link["title"]


@pytest.mark.parametrize("name", NAMES)
def test_every_panel_and_target_uses_the_datasource_variable(name: str) -> None:
    d = dashboards()[name]
    [datasource] = [v for v in d["templating"]["list"] if v["name"] == "datasource"]
    assert datasource["type"] == "datasource" and datasource["query"] == "prometheus"
    for panel in panels(d):
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["targets"], panel["title"]
    for panel, target in targets(d):
        assert target["expr"].strip(), f"{panel['title']} › {target['refId']}"
        assert target["datasource"]["uid"] == "${datasource}", panel["title"]


@pytest.mark.parametrize("name", NAMES)
def test_every_offered_variable_narrows_some_query_and_every_used_one_is_offered(
    name: str,
) -> None:
    d = dashboards()[name]
    offered = {v["name"] for v in d["templating"]["list"]} - {"datasource"}
    used = set().union(*(variables_used(t["expr"]) for _, t in targets(d)))
    used -= {"__rate_interval", "__range", "__interval"}
    assert offered == used


@pytest.mark.parametrize("name", NAMES)
def test_window_totals_and_the_time_picker_open_on_the_same_range(name: str) -> None:
    """One rule for "over a period" panels: `$time_range` defaults to the picker's range, so a
    total and the graphs beside it cover the same hours when the dashboard opens."""
    d = dashboards()[name]
    assert d["time"]["to"] == "now"
    picker = d["time"]["from"].removeprefix("now-")
    windows = [v for v in d["templating"]["list"] if v["name"] == "time_range"]
    for window in windows:
        assert window["current"]["value"] == picker
        selected = [o["value"] for o in window["options"] if o["selected"]]
        assert selected == [picker]


def test_the_instance_variable_is_chained_to_service_and_follows_it() -> None:
    """Picking a service narrows the instances offered: the instance query reads `$service`,
    comes after it, and lists instances of a metric every service exports."""
    for d in dashboards().values():
        names = [v["name"] for v in d["templating"]["list"]]
        if "instance" not in names:
            continue
        assert "service" in names and names.index("service") < names.index("instance")
        [instance] = [v for v in d["templating"]["list"] if v["name"] == "instance"]
        assert instance["definition"] == (
            'label_values(process_uptime_seconds{application=~"$service"}, instance)'
        )
        assert instance["query"]["query"] == instance["definition"]
        assert instance["refresh"] == 2 and instance["includeAll"] and instance["multi"]
    assert "instance" in [v["name"] for v in dashboards()["system"]["templating"]["list"]]


def test_the_system_jvm_panels_honour_the_instance_variable() -> None:
    """Every system panel reading a JVM or process metric narrows it to `$instance`, except the
    status table (every instance of the selected services, one row each)."""
    checked = 0
    for panel in panels(dashboards()["system"]):
        if panel["title"] == "Service status overview":
            continue
        for target in panel["targets"]:
            if any(m in target["expr"] for m in ("jvm_", "process_", "system_")):
                checked += 1
                assert "instance" in variables_used(target["expr"]), panel["title"]
    assert checked >= 20


def test_each_spec_variable_is_offered_by_some_dashboard() -> None:
    offered = {v["name"] for d in dashboards().values() for v in d["templating"]["list"]} - {
        "datasource"
    }
    assert offered >= SPEC_VARIABLES


@pytest.mark.parametrize("name", NAMES)
def test_layout_stays_inside_24_columns_without_overlap(name: str) -> None:
    placed = [p["gridPos"] for p in dashboards()[name]["panels"]]
    for pos in placed:
        assert pos["x"] >= 0 and pos["w"] > 0 and pos["h"] > 0
        assert pos["x"] + pos["w"] <= GRID
    for a, b in itertools.combinations(placed, 2):
        apart = (
            a["x"] + a["w"] <= b["x"]
            or b["x"] + b["w"] <= a["x"]
            or a["y"] + a["h"] <= b["y"]
            or b["y"] + b["h"] <= a["y"]
        )
        assert apart, f"{a} overlaps {b}"


@pytest.mark.parametrize("name", NAMES)
def test_panel_ids_are_unique(name: str) -> None:
    ids = [p["id"] for p in dashboards()[name]["panels"]]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", NAMES)
def test_every_panel_description_says_something(name: str) -> None:
    """Lint asks for a description, a unit and decimals (`panel-description`, `panel-unit`,
    `decimals`); a description of a few words says nothing."""
    for panel in panels(dashboards()[name]):
        assert len(panel.get("description", "")) > 20, panel["title"]
