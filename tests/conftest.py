"""Fixtures: a private copy of the project tree per test, so tests can break sources freely."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from leaky_dashboards.settings import ROOT, Installation, Paths


@pytest.fixture
def tree(tmp_path: Path) -> Paths:
    """A copy of dashboards/, libsonnet/ and golden/ under a temporary root."""
    for name in ("dashboards", "libsonnet", "golden"):
        shutil.copytree(ROOT / name, tmp_path / name)
    (tmp_path / "provisioning").mkdir()
    return Paths.under(tmp_path)


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary directory of everything under test, to see what a job leaves behind."""
    directory = tmp_path / "scratch"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


@pytest.fixture
def installation() -> Installation:
    return Installation()


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root with its bytes, to prove a failed build changed nothing."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
