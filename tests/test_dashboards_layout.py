"""The layout helper places panels itself and says where a dashboard's panel list is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leaky_dashboards.engine import evaluate_file
from leaky_dashboards.errors import BuildError
from leaky_dashboards.settings import Installation, Paths

PANEL = "{ title: 'p%d', panelKey: 'p%d', gridPos: { w: %d, h: %d } }"


def grid(tmp_path: Path, rows: str) -> list[dict[str, object]]:
    source = tmp_path / "grid.jsonnet"
    source.write_text(f"local layout = import 'layout.libsonnet';\nlayout.grid({rows})\n")
    text = evaluate_file(
        source, library=Paths().libsonnet, ext_vars=Installation().ext_vars(), engine="go"
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
