"""Jsonnet evaluations are remembered by what they read: the same inputs are not evaluated twice,
and any change to what the evaluation read (an imported file of any name, a file that now shadows
it, an external variable) evaluates anew; a corrupt or edited entry is ignored and rewritten."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from leaky_dashboards import engine
from leaky_dashboards.errors import JsonnetError
from leaky_dashboards.render import source_files
from leaky_dashboards.settings import Installation, Paths

EXT_VARS = Installation().ext_vars()


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

        def evaluate_snippet(self, *args: object, **kwargs: object) -> str:
            calls.append("file")
            return str(self.binding.evaluate_snippet(*args, **kwargs))

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


def test_a_change_behind_an_import_of_another_suffix_is_evaluated_anew(tree: Path) -> None:
    # main → outer.libsonnet → data.txt (Jsonnet, by another name) → value.libsonnet
    (tree / "lib" / "data.txt").write_text("import 'value.libsonnet'\n")
    (tree / "lib" / "outer.libsonnet").write_text("(import 'data.txt') { m: 2 }\n")
    assert '"n": 1' in evaluate(tree)
    (tree / "lib" / "value.libsonnet").write_text("{ n: 7 }\n")
    assert '"n": 7' in evaluate(tree)


def test_a_change_behind_importstr_of_a_computed_data_file_is_evaluated_anew(tree: Path) -> None:
    (tree / "lib" / "data.json").write_text('{"limit": 10}')
    (tree / "lib" / "outer.libsonnet").write_text(
        "local data = importstr 'data.json';\n{ m: std.parseJson(data).limit }\n"
    )
    (tree / "lib" / "wrap.txt").write_text("import 'outer.libsonnet'\n")
    (tree / "src" / "main.jsonnet").write_text("import 'wrap.txt'\n")
    assert '"m": 10' in evaluate(tree)
    (tree / "lib" / "data.json").write_text('{"limit": 20}')
    assert '"m": 20' in evaluate(tree)


def _entries(tree: Path) -> list[Path]:
    return [p for p in (tree / "cache" / "jsonnet").iterdir() if p.is_file()]


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_a_corrupt_entry_is_ignored_and_rewritten(tree: Path, damage: str) -> None:
    first = evaluate(tree)
    for entry in _entries(tree):
        content = entry.read_bytes()
        entry.write_bytes(
            {"truncated": content[: len(content) // 2], "garbage": b"\x00\xff{[", "empty": b""}[
                damage
            ]
        )
    assert evaluate(tree) == first
    assert evaluate(tree) == first  # from the rewritten entry
    assert all(entry.stat().st_size > 0 for entry in _entries(tree))


def test_an_edited_result_is_not_believed(tree: Path) -> None:
    first = evaluate(tree)
    assert '"n": 1' in first
    for entry in _entries(tree):
        entry.write_bytes(entry.read_bytes().replace(b'"n": 1', b'"n": 666'))
    assert evaluate(tree) == first


def test_a_corrupt_entry_of_the_dashboards_gives_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEAKY_CACHE_DIR", str(tmp_path / "cache"))
    paths = Paths()
    sources = source_files(paths)
    first = engine.evaluate_files(sources, library=paths.libsonnet, ext_vars=EXT_VARS)
    for entry in (tmp_path / "cache" / "jsonnet").iterdir():
        entry.write_bytes(entry.read_bytes()[:-100])
    assert engine.evaluate_files(sources, library=paths.libsonnet, ext_vars=EXT_VARS) == first


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
