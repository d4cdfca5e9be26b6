"""The layout helper places panels itself and says where a dashboard's panel list is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leaky_dashboards import build
from leaky_dashboards.engine import evaluate_file
from leaky_dashboards.errors import BuildError
from leaky_dashboards.project import Project
from leaky_dashboards.settings import Installation, Paths

PANEL = "{ title: 'p%d', panelKey: 'p%d', gridPos: { w: %d, h: %d } }"


def grid(tmp_path: Path, rows: str, engine: str = "go") -> list[dict[str, object]]:
    source = tmp_path / "grid.jsonnet"
    source.write_text(f"local layout = import 'layout.libsonnet';\nlayout.grid({rows})\n")
    text = evaluate_file(
        source, library=Paths().libsonnet, ext_vars=Installation().ext_vars(), engine=engine
    )
    placed: list[dict[str, object]] = json.loads(text)
    return placed


def test_panels_flow_left_to_right_and_wrap_below_the_tallest(tmp_path: Path) -> None:
    sizes = [(12, 8), (8, 5), (8, 4)]
    panels = ", ".join(PANEL % (i, i, w, h) for i, (w, h) in enumerate(sizes))
    placed = grid(tmp_path, f"[layout.row('R', [{panels}])]")
    assert [p["gridPos"] for p in placed] == [
        {"x": 0, "y": 0, "w": 24, "h": 1},
        {"x": 0, "y": 1, "w": 12, "h": 8},
        {"x": 12, "y": 1, "w": 8, "h": 5},
        {"x": 0, "y": 9, "w": 8, "h": 4},
    ]
    assert [p["panelKey"] for p in placed] == ["row:R", "p0", "p1", "p2"]


def test_a_function_in_a_row_is_named_by_row_and_position(tmp_path: Path) -> None:
    rows = f"[layout.row('Tokens', [{PANEL % (1, 1, 8, 8)}, function(title) title])]"
    with pytest.raises(BuildError, match=r'row "Tokens": item 2 is a function, not a panel'):
        grid(tmp_path, rows)


def test_a_panel_wider_than_the_grid_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=r"p7 is 30 columns wide; the grid has 24"):
        grid(tmp_path, f"[layout.row('R', [{PANEL % (7, 7, 30, 8)}])]")


# 20 rows of 100 panels: the layout once overflowed the stack above ~400 panels (each placement
# waited lazily on the one before) and the C++ engine's sort took minutes on the ids.
MANY_ROWS = (
    "[layout.row('R' + r, [{ title: 'p', panelKey: 'k' + r + '-' + i, gridPos: { w: 6, h: 4 } }"
    " for i in std.range(1, 100)]) for r in std.range(1, 20)]"
)


@pytest.mark.parametrize("engine", ["go", "cpp"])
def test_the_grid_places_2000_panels_in_either_engine(tmp_path: Path, engine: str) -> None:
    placed = grid(tmp_path, MANY_ROWS, engine)
    assert len(placed) == 2020  # 20 rows and their panels
    last = placed[-1]["gridPos"]
    # Each row: 100 panels 6 wide make 25 lines of 4 below a 1-high row header.
    assert last == {"x": 18, "y": 19 * 101 + 1 + 24 * 4, "w": 6, "h": 4}


def test_a_dashboard_of_2000_panels_builds(tree: Paths) -> None:
    (tree.dashboards / "leaky-tokens-huge.jsonnet").write_text(
        "local lt = import 'leaky.libsonnet';\n"
        "lt.dashboard.new('business', 'Two thousand panels.', ['provider', 'time_range'], [\n"
        "  lt.layout.row('R' + r, [\n"
        "    lt.platform.tokensConsumedTotal + lt.panels.withKey('k' + r + '-' + i)\n"
        "    for i in std.range(1, 100)\n"
        "  ])\n"
        "  for r in std.range(1, 20)\n"
        "]) + { uid: 'leaky-tokens-huge', title: 'Huge' }\n"
    )
    result = build.run(Project(tree), update=True, echo=lambda _: None)
    huge = next(d for d in result.dashboards if d.uid == "leaky-tokens-huge")
    assert huge.panel_count == 2000
    written = json.loads((tree.golden / "dashboards" / "leaky-tokens-huge.json").read_text())
    assert len(written["panels"]) == 2020
