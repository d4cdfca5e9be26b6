"""A tree of many dashboards is evaluated in parts side by side (a child process each): the same
dashboards as one evaluation gives, and an error or a limit in any part is named as it would be
alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaky_dashboards import render, worker
from leaky_dashboards.errors import BuildError, JsonnetError
from leaky_dashboards.render import compile_all
from leaky_dashboards.settings import Installation, Paths

COUNT = 20


def _grow(tree: Paths, count: int = COUNT) -> None:
    real = render.source_files(tree)
    for i in range(count - len(real)):
        (tree.dashboards / f"leaky-tokens-gen-{i:02d}.jsonnet").write_text(
            f"(import '{real[i % len(real)].name}') + {{ uid: 'leaky-tokens-gen-{i:02d}', "
            f"title: super.title + ' {i:02d}' }}\n"
        )


@pytest.fixture
def many(
    tree: Paths, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Paths:
    monkeypatch.setenv("LEAKY_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setattr(render.os, "cpu_count", lambda: 2)  # parts even on a one-core machine
    _grow(tree)
    return tree


def test_parts_give_the_dashboards_one_evaluation_gives(
    many: Paths, installation: Installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(render._parts(COUNT)) == 2
    parted = compile_all(many, installation, "go")
    monkeypatch.setattr(render, "PARTS_FROM", COUNT + 1)
    assert render._parts(COUNT) == [""]
    whole = compile_all(many, installation, "go")
    assert [d.model for d in parted] == [d.model for d in whole]
    assert len(parted) == COUNT


def _last_generated(tree: Paths) -> Path:
    return sorted(tree.dashboards.glob("leaky-tokens-gen-*.jsonnet"))[-1]  # in the last part


def test_an_error_in_the_last_part_is_named(many: Paths, installation: Installation) -> None:
    last = _last_generated(many)
    last.write_text(
        last.read_text().replace(
            "title: super.title", "description: error 'boom', title: super.title"
        )
    )
    with pytest.raises(JsonnetError) as raised:
        compile_all(many, installation, "go")
    assert "boom" in str(raised.value)
    assert last.name in str(raised.value)


def test_a_part_above_the_memory_limit_is_stopped_and_the_next_build_works(
    many: Paths, installation: Installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    last = _last_generated(many)
    good = last.read_text()
    bomb = "std.toString(std.length(std.makeArray(20000000, function(i) [i])))"
    last.write_text(good.replace("title: super.title", f"description: {bomb}, title: super.title"))
    monkeypatch.setenv("LEAKY_JSONNET_MAX_MB", "300")
    with pytest.raises(
        BuildError, match=r"/dashboards: Jsonnet evaluation used .* MB, above the limit"
    ):
        compile_all(many, installation, "go")
    assert worker.child_pid("_gojsonnet", 1) is None  # that part's child is gone
    last.write_text(good)
    assert len(compile_all(many, installation, "go")) == COUNT
