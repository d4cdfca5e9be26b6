"""The preview's renderer bundle: built by esbuild from renderer/ when missing, reused while the
lockfile and sources are unchanged, rebuilt when one changes; never committed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from leaky_dashboards.review import bundle
from leaky_dashboards.settings import ROOT


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A copy of renderer/ sharing its installed node_modules."""
    copy = tmp_path / "renderer"
    copy.mkdir()
    for name in ("package.json", "package-lock.json", "build.mjs"):
        shutil.copy(bundle.SOURCE / name, copy / name)
    shutil.copytree(bundle.SOURCE / "src", copy / "src")
    (copy / "node_modules").symlink_to(bundle.SOURCE / "node_modules")
    return copy


def test_the_key_follows_the_lockfile_and_every_source(source: Path) -> None:
    first = bundle.key(source)
    assert bundle.key(source) == first
    for changed in ("package-lock.json", "src/shapes.js"):
        path = source / changed
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert bundle.key(source) != first, changed
        path.write_bytes(original)
    (source / "src" / "extra.js").write_text("// new\n")
    assert bundle.key(source) != first


def test_a_missing_bundle_is_built_then_reused_until_a_source_changes(
    source: Path, tmp_path: Path
) -> None:
    out = tmp_path / "build"
    built = bundle.ensure(source, out)
    script = out / bundle.BUNDLE
    assert script.is_file() and built.script == script.read_text(encoding="utf-8")
    assert "leakyDisplay" in built.script and len(built.script) > 100_000
    stamp = script.stat().st_mtime_ns
    again = bundle.ensure(source, out)
    assert again.key == built.key and script.stat().st_mtime_ns == stamp  # not rebuilt
    main = source / "src" / "main.js"
    main.write_text(main.read_text(encoding="utf-8") + "\n// changed\n", encoding="utf-8")
    rebuilt = bundle.ensure(source, out)
    assert rebuilt.key != built.key and (out / bundle.KEY_FILE).read_text().strip() == rebuilt.key
    assert sorted(p.name for p in out.iterdir()) == sorted([bundle.KEY_FILE, bundle.BUNDLE])


def test_the_bundle_is_not_committed_but_its_lockfile_is() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "renderer", "build"], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    assert "renderer/package-lock.json" in tracked and "renderer/package.json" in tracked
    assert not any(p.startswith("build/") or "node_modules" in p for p in tracked)
