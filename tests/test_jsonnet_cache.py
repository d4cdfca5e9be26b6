"""Jsonnet evaluations are remembered by content: the same inputs are not evaluated twice, and any
change to what the evaluation can read (an imported file, a file that now shadows it, an external
variable) evaluates anew."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from leaky_dashboards import engine
from leaky_dashboards.errors import JsonnetError


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LEAKY_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "lib").mkdir()
    (tmp_path / "src").mkdir()
    (tmp_path / "lib" / "value.libsonnet").write_text("{ n: 1 }\n")
    (tmp_path / "lib" / "outer.libsonnet").write_text("(import 'value.libsonnet') { m: 2 }\n")
    (tmp_path / "src" / "main.jsonnet").write_text(
        "(import 'outer.libsonnet') { v: std.extVar('v') }\n"
    )
    return tmp_path


def evaluate(tree: Path, v: str = "a") -> str:
    return engine.evaluate_file(
        tree / "src" / "main.jsonnet", library=tree / "lib", ext_vars={"v": v}
    )


def count_evaluations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = engine._binding

    class Counting:
        def __init__(self, name: str) -> None:
            self.binding = real(name)
            self.__file__ = self.binding.__file__

        def evaluate_file(self, *args: object, **kwargs: object) -> str:
            calls.append("file")
            return str(self.binding.evaluate_file(*args, **kwargs))

    monkeypatch.setattr(engine, "_binding", Counting)
    return calls


def test_the_same_inputs_are_evaluated_once(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = count_evaluations(monkeypatch)
    first = evaluate(tree)
    assert evaluate(tree) == first and calls == ["file"]


def test_a_change_two_imports_deep_is_evaluated_anew(tree: Path) -> None:
    assert '"n": 1' in evaluate(tree)
    (tree / "lib" / "value.libsonnet").write_text("{ n: 7 }\n")
    assert '"n": 7' in evaluate(tree)


def test_a_file_that_now_shadows_the_library_is_evaluated_anew(tree: Path) -> None:
    assert '"m": 2' in evaluate(tree)
    (tree / "src" / "outer.libsonnet").write_text("{ m: 3 }\n")  # found before lib/
    assert '"m": 3' in evaluate(tree)


def test_another_external_variable_is_evaluated_anew(tree: Path) -> None:
    assert '"v": "a"' in evaluate(tree)
    assert '"v": "b"' in evaluate(tree, "b")


def test_an_error_is_never_remembered(tree: Path) -> None:
    main = tree / "src" / "main.jsonnet"
    good = main.read_text()
    main.write_text("{ x: error 'broken' }\n")
    with pytest.raises(JsonnetError):
        evaluate(tree)
    with pytest.raises(JsonnetError):
        evaluate(tree)
    main.write_text(good)
    assert '"n": 1' in evaluate(tree)


def test_eviction_keeps_the_evaluations_used_most_recently(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leaky_dashboards import jsonnet_cache

    monkeypatch.setattr(jsonnet_cache, "LIMIT", 2)
    calls = count_evaluations(monkeypatch)
    for v in ("kept", "other", "kept", "third"):  # "kept" read again: the most recently used
        evaluate(tree, v)
        time.sleep(0.02)  # a file's time moves in kernel ticks: keep the uses apart
    # "third" evicted the least recently used: "other".
    assert calls == ["file"] * 3
    evaluate(tree, "kept")
    assert calls == ["file"] * 3
    evaluate(tree, "other")
    assert calls == ["file"] * 4
