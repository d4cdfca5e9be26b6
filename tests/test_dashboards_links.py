"""Drill-down (issue 10.2): every key number links to what explains it, and every link keeps the
time range and the variables, so a click never lands on another service or another hour."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from leaky_dashboards.model import Json

from .dashboards_support import NAMES, dashboards, panels

VIEW_PANEL = re.compile(r"^/d/(?P<uid>[\w-]+)\?")


def data_links(panel: Json) -> list[Json]:
    links: list[Json] = panel["fieldConfig"]["defaults"].get("links", [])
    return links


def query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def by_uid() -> dict[str, Json]:
    return {d["uid"]: d for d in dashboards().values()}


def all_links() -> list[tuple[str, Json, Json]]:
    return [
        (name, p, link)
        for name in NAMES
        for p in panels(dashboards()[name])
        for link in data_links(p)
    ]


@pytest.mark.parametrize("name", NAMES)
def test_every_key_stat_links_to_what_explains_it(name: str) -> None:
    for panel in panels(dashboards()[name]):
        if panel["type"] == "stat":
            assert data_links(panel), f"{name} › {panel['title']} has no drill-down link"


def test_every_link_opens_a_dashboard_that_exists_and_keeps_the_time_range() -> None:
    checked = 0
    for name, panel, link in all_links():
        where = f"{name} › {panel['title']} › {link['title']}"
        match = VIEW_PANEL.match(link["url"])
        assert match and match["uid"] in by_uid(), where
        assert "${__url_time_range}" in link["url"], where
        checked += 1
    assert checked >= 25


def test_a_link_to_a_panel_names_a_panel_its_dashboard_shows_and_keeps_the_variables() -> None:
    checked = 0
    for name, panel, link in all_links():
        params = dict(query(link["url"]))
        if "viewPanel" not in params:
            continue
        target = by_uid()[VIEW_PANEL.match(link["url"])["uid"]]  # type: ignore[index]
        ids = {p["id"]: p["title"] for p in panels(target)}
        assert int(params["viewPanel"]) in ids, f"{name} › {panel['title']} › {link['url']}"
        assert "${__all_variables}" in link["url"], f"{name} › {panel['title']}"
        assert int(params["viewPanel"]) != panel["id"] or target is not dashboards()[name]
        checked += 1
    assert checked >= 20


def explained_by(name: str, title: str) -> list[str]:
    """Titles of the panels the links of `title` on dashboard `name` open."""
    [panel] = [p for p in panels(dashboards()[name]) if p["title"] == title]
    titles = []
    for link in data_links(panel):
        target = by_uid()[VIEW_PANEL.match(link["url"])["uid"]]  # type: ignore[index]
        view = int(dict(query(link["url"]))["viewPanel"])
        titles += [p["title"] for p in panels(target) if p["id"] == view]
    return titles


def test_the_error_rate_opens_the_error_rate_per_service() -> None:
    assert explained_by("overview", "❌ Error rate") == ["Error rate by service"]
    assert explained_by("overview", "⏱️ Latency p95") == ["Latency p95 by service"]


SERVICE_OF_ROW = "${__data.fields.application}"
SERVICE_OF_SERIES = "${__field.labels.application}"


@pytest.mark.parametrize(
    ("name", "title", "service"),
    [
        ("overview", "Service health", SERVICE_OF_ROW),
        ("overview", "JVM heap usage", SERVICE_OF_SERIES),
        ("system", "Heap usage gauges", SERVICE_OF_SERIES),
    ],
)
def test_a_service_links_to_system_health_with_that_service_selected_and_the_time_kept(
    name: str, title: str, service: str
) -> None:
    [panel] = [p for p in panels(dashboards()[name]) if p["title"] == title]
    [link] = data_links(panel)
    assert link["url"].startswith("/d/leaky-tokens-system?")
    assert ("var-service", service) in query(link["url"])
    assert "${__url_time_range}" in link["url"]
    # The value carries the service: the table's rows and the gauges' series keep `application`.
    assert all("application" in t["expr"] for t in panel["targets"])
    system_vars = {v["name"] for v in dashboards()["system"]["templating"]["list"]}
    assert "service" in system_vars
