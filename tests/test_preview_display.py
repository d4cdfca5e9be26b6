"""What the viewer reads: `invoke preview` draws every dashboard with the busy day's data in the
real browser, its values formatted by @grafana/data, and records them in `<uid>.display.json`."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leaky_dashboards.model import visible_panels
from leaky_dashboards.project import Project
from leaky_dashboards.review import chromium, data, jobs, sources
from leaky_dashboards.review import preview as previews
from leaky_dashboards.settings import Installation, Paths

HEX = re.compile(r"#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?")
SINGLE = ("stat", "gauge", "bargauge")


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every dashboard of this checkout drawn once, with the busy day's data."""
    out = tmp_path_factory.mktemp("preview")
    project = Project(Paths(), Installation())
    files = jobs.preview(project, output=out, all_dashboards=True, echo=lambda _: None)
    models = sources.working_tree(project).dashboards
    return {
        "files": files,
        "models": models,
        "records": {
            str(m["uid"]): json.loads(files[f"{m['uid']}.display.json"]) for m in models.values()
        },
    }


@pytest.fixture(scope="module")
def browser() -> Iterator[chromium.Browser]:
    with chromium.browser() as client:
        yield client


def _values(record: dict[str, Any], title: str) -> list[dict[str, Any]]:
    [panel] = [p for p in record["panels"] if p["title"] == title]
    return list(panel["values"])


def test_every_panel_of_every_dashboard_is_recorded_with_its_key_title_and_type(
    drawn: dict[str, Any],
) -> None:
    for model in drawn["models"].values():
        record = drawn["records"][model["uid"]]
        assert record["uid"] == model["uid"] and record["title"] == model["title"]
        expected = [(str(p["title"]), str(p["type"])) for p in visible_panels(model)]
        assert sorted((p["title"], p["type"]) for p in record["panels"]) == sorted(expected)
        assert all(p["key"] for p in record["panels"])
        assert record.get("unknown", []) == [], "every panel type of the dashboards is drawn"


def test_single_value_panels_show_text_and_a_colour_with_data_on_the_busy_day(
    drawn: dict[str, Any],
) -> None:
    for record in drawn["records"].values():
        for panel in record["panels"]:
            if panel["type"] not in SINGLE:
                continue
            assert panel["values"], panel["title"]
            for value in panel["values"]:
                assert value["text"] and value["text"] not in ("No data", "NaN"), panel
                assert HEX.fullmatch(value["color"]), panel
                assert value["numeric"] is not None, panel


def test_percent_panels_show_a_percent_sign(drawn: dict[str, Any]) -> None:
    checked = 0
    for model in drawn["models"].values():
        record = drawn["records"][model["uid"]]
        for panel in visible_panels(model):
            unit = (panel.get("fieldConfig") or {}).get("defaults", {}).get("unit")
            if panel["type"] not in SINGLE or unit not in ("percent", "percentunit"):
                continue
            for value in _values(record, panel["title"]):
                assert value["text"].endswith("%"), (panel["title"], value)
                checked += 1
    assert checked >= 10


def test_the_worst_heap_stat_reads_as_grafana_formats_it_in_its_thresholds_colour(
    drawn: dict[str, Any], browser: chromium.Browser, tmp_path: Path
) -> None:
    system = drawn["records"]["leaky-tokens-system"]
    [heap] = _values(system, "💾 Heap memory usage (worst service)")
    # percentunit with one decimal: 0.6246… reads 62.5%; below the 70 % step: green
    assert re.fullmatch(r"\d{1,2}\.\d%", heap["text"])
    assert abs(float(heap["text"][:-1]) - heap["numeric"] * 100) <= 0.05
    assert heap["numeric"] < 0.7 and heap["color"] == "#73BF69"
    # the same text and colour as @grafana/data gives that number under the panel's config
    model = drawn["models"]["leaky-tokens-system"]
    [panel] = [p for p in visible_panels(model) if p["title"].startswith("💾 Heap memory")]
    page = previews.page({"title": "t", "uid": "t", "panels": []})
    path = tmp_path / "empty.html"
    path.write_text(page.html, encoding="utf-8")
    browser.shoot(path, page.width, page.height)
    config = json.dumps(panel["fieldConfig"]["defaults"])
    shown = browser.evaluate(f"window.leakyDisplay({config}, {heap['numeric']!r})")
    assert shown == {"text": heap["text"], "color": heap["color"]}


def test_table_cells_are_coloured_as_configured_and_mapped_to_their_text(
    drawn: dict[str, Any],
) -> None:
    cells = _values(drawn["records"]["leaky-tokens-system"], "Service status overview")
    status = [c for c in cells if c["column"] == "Status"]
    assert status and all(c["text"] == "UP" and c["colored"] == "background" for c in status)
    assert {c["color"] for c in status} == {"#73BF69"}
    uptime = [c for c in cells if c["column"] == "Uptime"]
    assert uptime and all(c["colored"] == "" for c in uptime)
    assert all(re.fullmatch(r"\d+ (hours?|days?|weeks?|mins?)", c["text"]) for c in uptime)


def test_a_panel_without_data_shows_its_no_value_text_not_zero(
    drawn: dict[str, Any], browser: chromium.Browser, tmp_path: Path
) -> None:
    model = drawn["models"]["leaky-tokens-business"]
    page = previews.page(model, {}, (0, 6 * 3600))  # no frames at all
    path = tmp_path / "empty.html"
    path.write_text(page.html, encoding="utf-8")
    shot = browser.shoot(path, page.width, page.height)
    record = jobs.display_record(model, shot.display)
    for panel in visible_panels(model):
        if panel["type"] not in SINGLE:
            continue
        no_value = (panel.get("fieldConfig") or {}).get("defaults", {}).get("noValue", "No data")
        texts = [v["text"] for v in _values(record, panel["title"])]
        assert texts == [no_value], panel["title"]


def test_an_unknown_panel_type_is_a_labelled_placeholder_and_listed(
    drawn: dict[str, Any], browser: chromium.Browser, tmp_path: Path
) -> None:
    model = copy.deepcopy(drawn["models"]["leaky-tokens-gateway"])
    panel = next(p for p in model["panels"] if p["type"] == "stat")
    panel["type"] = "candlestick"
    page = previews.page(model, {}, (0, 6 * 3600))
    path = tmp_path / "unknown.html"
    path.write_text(page.html, encoding="utf-8")
    shot = browser.shoot(path, page.width, page.height)
    assert shot.display["unknown"] == [panel["title"]]
    label = browser.evaluate(
        "[...document.querySelectorAll('.unknown')].map(e => "
        "[e.closest('.panel').dataset.title, e.textContent])"
    )
    assert label == [[panel["title"], 'panel type "candlestick" is not drawn by the preview']]


def test_series_names_come_from_the_legend_format() -> None:
    labels = {"application": "api-gateway", "instance": "api-gateway-1:8080"}
    assert data.display_name("{{application}} {{instance}}", labels, "x") == (
        "api-gateway api-gateway-1:8080"
    )
    assert data.display_name("__auto", labels, "x") == ""  # Grafana names it by its labels
    assert data.display_name("", {}, "sum(up)") == "sum(up)"
    assert data.display_name("", {"__name__": "up", "job": "a"}, "up") == 'up{job="a"}'


def test_a_range_answer_is_framed_on_its_grid_with_gaps_left_out() -> None:
    from leaky_dashboards.verify.promapi import Answer

    answer = Answer(
        [{"metric": {"job": "a"}, "values": [[10, "1"], [20, "NaN"], [40, "+Inf"]]}], None, 0.0
    )
    [frame] = data.to_frames({"refId": "A", "legendFormat": "{{job}}"}, answer)
    time, value = frame["fields"]
    assert time["grid"] == [10_000, 10_000, 4]
    assert value["values"] == [1.0, "NaN", None, "+Inf"]
    assert value["config"] == {"displayNameFromDS": "a"} and value["labels"] == {"job": "a"}
