"""Stable panel identity: every panel has a key, and its Grafana id comes from that key alone.

Inserting, removing or moving a panel changes no other panel's id, so `viewPanel=` links (alert
links, bookmarks) keep opening the same panel; a key used twice, or two keys with one id, is a
build error naming them. The keys are not Grafana's: no written dashboard carries them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from leaky_dashboards import artifacts
from leaky_dashboards.engine import evaluate_file
from leaky_dashboards.errors import BuildError
from leaky_dashboards.library import Library
from leaky_dashboards.model import KEY_FIELD, Json, iter_panels
from leaky_dashboards.render import compile_all
from leaky_dashboards.settings import Installation, Paths

from .dashboards_support import dashboards


def id_of(key: str) -> int:
    """libsonnet/layout.libsonnet's `idOf`: 7 digits from the key's MD5."""
    return 1_000_000 + int(hashlib.md5(key.encode()).hexdigest()[:6], 16) % 9_000_000


def ids(model: Json) -> dict[str, int]:
    return {str(p[KEY_FIELD]): int(p["id"]) for p in iter_panels(model)}


def compiled(paths: Paths, name: str) -> Json:
    [model] = [d.model for d in compile_all(paths, Installation(), "go") if d.name == name]
    return model


def test_every_panel_and_row_has_a_key_and_its_id_comes_from_the_key() -> None:
    for name, model in dashboards().items():
        keys = [p.get(KEY_FIELD) for p in iter_panels(model)]
        assert all(isinstance(k, str) and k for k in keys), name
        assert len(set(keys)) == len(keys), name
        for panel in iter_panels(model):
            key = panel[KEY_FIELD]
            assert panel["id"] == id_of(key), f"{name} › {key}"
            if panel["type"] == "row":
                assert key == "row:" + panel["title"]
            else:
                assert not key.startswith("row:") and " " not in key, f"{name} › {key}"


def test_one_library_panel_has_one_id_on_every_dashboard() -> None:
    seen: dict[str, int] = {}
    for model in dashboards().values():
        for key, panel_id in ids(model).items():
            assert seen.setdefault(key, panel_id) == panel_id


EDITS = {
    # A panel inserted mid-row (the second of the key metrics).
    "insert": [
        ("      p.requestsPerMinute,\n", "      p.requestsPerMinute,\n      p.cacheHitRate,\n")
    ],
    # A panel removed from the first row.
    "remove": [("      p.latencyP95,\n", "")],
    # A panel moved from the last row to the first, and the first two rows swapped.
    "move": [
        ("      p.topEndpoints,\n", ""),
        ("      p.requestsPerMinute,\n", "      p.topEndpoints,\n      p.requestsPerMinute,\n"),
    ],
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_inserting_removing_or_moving_a_panel_changes_no_other_id(tree: Paths, edit: str) -> None:
    name = "leaky-tokens-overview"
    before = compiled(tree, name)
    source = tree.dashboards / f"{name}.jsonnet"
    text = source.read_text()
    for old, new in EDITS[edit]:
        assert old in text
        text = text.replace(old, new, 1)
    source.write_text(text)
    after = compiled(tree, name)
    old_ids, new_ids = ids(before), ids(after)
    common = old_ids.keys() & new_ids.keys()
    assert {k: old_ids[k] for k in common} == {k: new_ids[k] for k in common}
    moved = [key for key in common if _position(before, key) != _position(after, key)]
    assert moved, "the edit moved no panel: the test proves nothing"
    if edit == "insert":
        assert new_ids.keys() - old_ids.keys() == {"cacheHitRate"}
        assert new_ids["cacheHitRate"] == id_of("cacheHitRate")
    if edit == "remove":
        assert old_ids.keys() - new_ids.keys() == {"latencyP95"}


def _position(model: Json, key: str) -> tuple[int, int]:
    [panel] = [p for p in iter_panels(model) if p[KEY_FIELD] == key]
    return panel["gridPos"]["x"], panel["gridPos"]["y"]


def grid(tmp_path: Path, panels: str) -> list[Json]:
    source = tmp_path / "grid.jsonnet"
    source.write_text(
        "local layout = import 'layout.libsonnet';\n"
        "local panel(title, key) = { title: title, panelKey: key, gridPos: { w: 8, h: 8 } };\n"
        f"layout.grid([layout.row('R', [{panels}])])\n"
    )
    text = evaluate_file(
        source, library=Paths().libsonnet, ext_vars=Installation().ext_vars(), engine="go"
    )
    placed: list[Json] = json.loads(text)
    return placed


def test_a_key_used_twice_is_a_build_error_naming_it_and_both_panels(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=r'panel key "same" is used twice \(panels A and B\)'):
        grid(tmp_path, "panel('A', 'same'), panel('B', 'same')")


def test_two_keys_with_one_id_are_a_build_error_naming_both(tmp_path: Path) -> None:
    # Two keys whose MD5 prefixes collide in the 9,000,000 ids (found by search).
    assert id_of("panel976") == id_of("panel992")
    with pytest.raises(
        BuildError, match=r'panel keys "panel976" and "panel992" both give id 1104350'
    ):
        grid(tmp_path, "panel('A', 'panel976'), panel('B', 'panel992')")
    assert len(grid(tmp_path, "panel('A', 'panel976'), panel('B', 'panel993')")) == 3


def test_a_panel_without_a_key_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=r'row "R": panel Lost has no key'):
        grid(tmp_path, "{ title: 'Lost', gridPos: { w: 8, h: 8 } }")


def test_rows_get_keys_from_their_title_or_an_explicit_key(tmp_path: Path) -> None:
    source = tmp_path / "rows.jsonnet"
    source.write_text(
        "local layout = import 'layout.libsonnet';\n"
        "layout.grid([layout.row('Traffic', []), layout.row('Renamed', [], key='Old')])\n"
    )
    text = evaluate_file(
        source, library=Paths().libsonnet, ext_vars=Installation().ext_vars(), engine="go"
    )
    rows = json.loads(text)
    assert [(r[KEY_FIELD], r["id"]) for r in rows] == [
        ("row:Traffic", id_of("row:Traffic")),
        ("row:Old", id_of("row:Old")),
    ]


def test_no_written_dashboard_carries_a_key() -> None:
    paths = Paths()
    compiled_all = compile_all(paths, Installation(), "go")
    files = artifacts.dashboard_files(compiled_all, Library(paths.libsonnet, Installation(), "go"))
    assert files
    for path, content in files.items():
        model = json.loads(content)
        assert all(KEY_FIELD not in p for p in iter_panels(model)), path
        assert (paths.golden / path).read_bytes() == content
