"""`invoke preview` in the real browser: Debian's headless Chromium, driven over its DevTools
protocol (the package's own client, chromium.Browser). Each page loads without a console error,
its renderer finishes, it draws one box per panel exactly where Grafana's 24-column grid puts it,
fits its window, and its PNG is a real picture."""

from __future__ import annotations

import copy
import io
import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from leaky_dashboards.comparison.compare import compare_all
from leaky_dashboards.project import Project
from leaky_dashboards.review import chromium, jobs
from leaky_dashboards.review import preview as previews
from leaky_dashboards.settings import Installation, Paths

Browser = chromium.Browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    profile = tempfile.mkdtemp(prefix="leaky-test-chromium-")
    client = Browser(chromium.binary(), profile)
    try:
        yield client
    finally:
        client.close()
        shutil.rmtree(profile, ignore_errors=True)


BOXES = """
(() => {
  const grids = [...document.querySelectorAll('.grid')];
  return grids.map(grid => {
    const g = grid.getBoundingClientRect();
    const box = el => { const r = el.getBoundingClientRect();
      return {left: r.left - g.left, top: r.top - g.top, width: r.width, height: r.height}; };
    return {
      side: grid.closest('.side').dataset.side,
      width: g.width,
      panels: [...grid.querySelectorAll('.panel')].map(el => ({
        title: el.querySelector('.title').textContent, status: el.classList.value,
        x: +el.dataset.x, y: +el.dataset.y, w: +el.dataset.w, h: +el.dataset.h, box: box(el)})),
      rows: [...grid.querySelectorAll('.row')].map(el => ({title: el.dataset.title, box: box(el)})),
    };
  });
})()
"""
FITS = (
    "[document.documentElement.scrollWidth <= innerWidth,"
    " document.documentElement.scrollHeight <= innerHeight, document.images.length]"
)


def _expected(model: dict[str, Any]) -> list[tuple[str, int, int, int, int]]:
    return sorted(
        (p["title"], p["gridPos"]["x"], p["gridPos"]["y"], p["gridPos"]["w"], p["gridPos"]["h"])
        for p in model["panels"]
        if p["type"] != "row"
    )


def _assert_placed(grid: dict[str, Any], model: dict[str, Any]) -> None:
    """One box per panel, at x/24 of the width and y × 30 px, sized w/24 by h × 30 px."""
    drawn = sorted((p["title"], p["x"], p["y"], p["w"], p["h"]) for p in grid["panels"])
    assert drawn == _expected(model)
    column = grid["width"] / previews.COLUMNS
    for panel in grid["panels"]:
        box = panel["box"]
        assert box["left"] == pytest.approx(panel["x"] * column, abs=0.6), panel
        assert box["width"] == pytest.approx(panel["w"] * column, abs=0.6), panel
        assert box["top"] == pytest.approx(panel["y"] * previews.ROW_PX, abs=0.6), panel
        assert box["height"] == pytest.approx(panel["h"] * previews.ROW_PX, abs=0.6), panel
    rows = [p["title"] for p in model["panels"] if p["type"] == "row"]
    assert [r["title"] for r in grid["rows"]] == rows


def _write(tmp_path: Path, name: str, page: previews.Page) -> Path:
    path = tmp_path / f"{name}.html"
    path.write_text(page.html, encoding="utf-8")
    return path


def _open(browser: Browser, path: Path, page: previews.Page) -> None:
    """Load the page and wait for its renderer (it fails the test if the renderer failed)."""
    browser.shoot(path, page.width, page.height)


def test_every_dashboard_page_loads_cleanly_with_one_box_per_panel_in_grid_position(
    tree: Paths, installation: Installation, browser: Browser, tmp_path: Path
) -> None:
    from leaky_dashboards.review import sources

    side = sources.working_tree(Project(tree, installation))
    assert side.dashboards
    for name, model in side.dashboards.items():
        page = previews.page(model)
        _open(browser, _write(tmp_path, name, page), page)
        assert browser.problems() == [], name
        [grid] = browser.evaluate(BOXES)
        _assert_placed(grid, model)
        fits_width, fits_height, images = browser.evaluate(FITS)
        assert fits_width and fits_height, f"{name}: the screenshot window would cut the page"
        assert images == 0


def test_text_is_escaped_so_a_hostile_title_stays_text(
    tree: Paths, installation: Installation, browser: Browser, tmp_path: Path
) -> None:
    from leaky_dashboards.review import sources

    model = copy.deepcopy(
        next(iter(sources.working_tree(Project(tree, installation)).dashboards.values()))
    )
    panel = next(p for p in model["panels"] if p["type"] != "row")
    hostile = '<img src=x onerror="console.error(1)"> & "quotes" </div>'
    panel["title"] = hostile
    panel["targets"][0]["expr"] = 'sum(x{a="<b>"}) > 0 </pre><script>console.error(2)</script>'
    page = previews.page(model)
    _open(browser, _write(tmp_path, "hostile", page), page)
    assert browser.problems() == []
    titles = [p["title"] for p in browser.evaluate(BOXES)[0]["panels"]]
    assert hostile in titles
    # no element made from the text: the only scripts are the page's data, its record and the
    # renderer, and the record names the panel by the hostile title, as text
    assert browser.evaluate("document.images.length") == 0
    scripts = browser.evaluate("[...document.scripts].map(s => s.id)")
    assert scripts == ["preview-data", "display", ""]
    record = json.loads(browser.evaluate("document.getElementById('display').textContent"))
    assert hostile in [p["title"] for p in record["panels"]]
    hover = browser.evaluate("document.querySelectorAll('.panel')[0].title")
    assert panel["targets"][0]["expr"] in hover


def test_side_by_side_marks_added_removed_changed_and_moved_panels(
    tree: Paths, installation: Installation, browser: Browser, tmp_path: Path
) -> None:
    from leaky_dashboards.review import sources

    old = next(iter(sources.working_tree(Project(tree, installation)).dashboards.values()))
    new = copy.deepcopy(old)
    visible = [p for p in new["panels"] if p["type"] != "row"]
    removed = visible[-1]
    new["panels"].remove(removed)
    visible[0]["targets"][0]["expr"] = "vector(1)"
    visible[1]["gridPos"]["x"], visible[2]["gridPos"]["x"] = (
        visible[2]["gridPos"]["x"], visible[1]["gridPos"]["x"]
    )  # fmt: skip
    added = copy.deepcopy(visible[0]) | {
        "id": 9_999_997,  # a new panel's key gives it its own id
        "title": "Brand new",
        "gridPos": {"x": 0, "y": 60, "w": 6, "h": 4},
    }
    new["panels"].append(added)
    [diff] = compare_all({"d": old}, {"d": new})
    page = previews.compare_page(old, new, diff, "main")
    _open(browser, _write(tmp_path, "compare", page), page)
    assert browser.problems() == []
    before, after = browser.evaluate(BOXES)
    assert (before["side"], after["side"]) == ("before", "after")
    _assert_placed(before, old)
    _assert_placed(after, new)

    def marked(grid: dict[str, Any], status: str) -> set[str]:
        return {p["title"] for p in grid["panels"] if status in p["status"].split()}

    assert marked(before, "removed") == {removed["title"]}
    assert marked(after, "added") == {"Brand new"}
    assert marked(before, "changed") == marked(after, "changed") == {visible[0]["title"]}
    # of two panels that swapped places, the one out of the order kept is the one that moved
    assert marked(before, "moved") == marked(after, "moved") == {visible[2]["title"]}
    assert browser.evaluate(FITS)[:2] == [True, True]


def test_preview_job_writes_pages_and_pngs_that_are_real_pictures(
    tree: Paths, installation: Installation, tmp_path: Path
) -> None:
    out = tmp_path / "preview"
    files = jobs.preview(
        Project(tree, installation), output=out, all_dashboards=True, echo=lambda _: None
    )
    names = sorted(p.stem for p in (tree.dashboards).glob("*.jsonnet"))
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            "index.html",
            *(f"{n}.{e}" for n in names for e in ("html", "png", "display.json")),
        ]
    )
    for name in names:
        image = Image.open(io.BytesIO(files[f"{name}.png"])).convert("RGB")
        assert image.width >= previews.GRID_PX and image.height > 400
        colours = image.getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 200, f"{name}.png looks blank"
        # the most common colour (the page background) covers less than the whole picture
        assert max(colours)[0] < 0.9 * image.width * image.height
        html = (out / f"{name}.html").read_text(encoding="utf-8")
        assert not re.search(r"(src|href)=\"(https?:)?//", html), "the page must load nothing"
        assert "script-src 'sha256-" in html, "no script runs but the renderer's"


def test_a_new_dashboard_beside_its_absent_base_marks_every_panel_added(
    tree: Paths, installation: Installation, browser: Browser, tmp_path: Path
) -> None:
    from leaky_dashboards.review import sources

    model = next(iter(sources.working_tree(Project(tree, installation)).dashboards.values()))
    [diff] = compare_all({}, {"d": model})
    page = previews.compare_page(None, model, diff, "main")
    _open(browser, _write(tmp_path, "new", page), page)
    assert browser.problems() == []
    [after] = browser.evaluate(BOXES)
    _assert_placed(after, model)
    assert all("added" in p["status"].split() for p in after["panels"])
    assert browser.evaluate("document.querySelector('.absent').textContent") == "(not in main)"


HIGHLIGHTS = """
[...document.querySelectorAll('.grid')].map(grid => Object.fromEntries(
  [...grid.querySelectorAll('.panel')].filter(el => el.querySelector('.hl')).map(el => [
    el.querySelector('.title').textContent,
    [...el.querySelectorAll('.hl')].map(h => h.classList[0]).sort()])))
"""


def test_the_changed_parts_of_a_changed_panel_are_highlighted_on_both_sides(
    tree: Paths, installation: Installation, browser: Browser, tmp_path: Path
) -> None:
    from leaky_dashboards.review import sources

    old = sources.working_tree(Project(tree, installation)).dashboards["leaky-tokens-overview"]
    new = copy.deepcopy(old)
    panels = {p["title"]: p for p in new["panels"]}
    latency = panels["⏱️ Latency p95"]
    latency["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"] = 0.4
    latency["description"] = latency["description"].replace("0.5s", "0.4s")
    panels["❌ Error rate"]["title"] = "❌ Server error rate"
    panels["🔥 Requests per minute"]["targets"][0]["expr"] = "sum(up)"
    [diff] = compare_all({"d": old}, {"d": new})
    page = previews.compare_page(old, new, diff, "main")
    _open(browser, _write(tmp_path, "highlight", page), page)
    assert browser.problems() == []
    before, after = browser.evaluate(HIGHLIGHTS)
    assert after == {
        "⏱️ Latency p95": ["about", "steps"],
        "❌ Server error rate": ["title"],
    }
    assert before == {"⏱️ Latency p95": ["about", "steps"], "❌ Error rate": ["title"]}
    marks = browser.evaluate(
        "[...document.querySelectorAll('.side[data-side=after] .panel .mark')]"
        ".map(m => m.textContent)"
    )
    assert sorted(marks) == [
        "changed: description, thresholds",
        "changed: queries",
        "changed: title",
    ]
