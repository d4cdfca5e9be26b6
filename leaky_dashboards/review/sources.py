"""The two sides a review compares: the working tree's dashboards and a base.

The base is the reviewed golden copy by default, or the tree at a git ref rendered from that
ref's own Jsonnet sources (an old library renders old dashboards), never from today's library.
"""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import artifacts, outputs
from ..errors import BuildError
from ..model import Json
from ..project import Project
from ..settings import Paths


@dataclass(frozen=True)
class Side:
    """Dashboard models by name (file stem), and where they came from, for the report's header."""

    label: str
    dashboards: dict[str, Json]


def working_tree(project: Project) -> Side:
    return Side("working tree", _rendered(project))


def golden(paths: Paths) -> Side:
    models: dict[str, Json] = {}
    for path in outputs.golden_dashboards(paths):
        try:
            models[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BuildError(f"{path}: unreadable golden dashboard: {exc}") from None
    return Side(outputs.GOLDEN, models)


def git_ref(project: Project, ref: str) -> Side:
    """Render the dashboards of `ref` from its own sources in a temporary tree, removed after."""
    paths = project.paths
    try:
        commit = _git(paths.root, "rev-parse", "--verify", "--end-of-options", f"{ref}^{{commit}}")
    except BuildError as exc:
        raise BuildError(f"--base {ref}: not a commit in {paths.root} ({exc})") from None
    archive = _git_bytes(paths.root, "archive", "--format=tar", commit.strip())
    with tempfile.TemporaryDirectory(prefix="leaky-base-") as tmp:
        root = Path(tmp)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(root, filter="data")
        try:
            dashboards = _rendered(project.under(Paths.under(root)))
        except BuildError as exc:
            raise BuildError(f"at {ref}: {exc}") from None
    return Side(ref, dashboards)


def base(project: Project, ref: str | None) -> Side:
    return golden(project.paths) if ref is None else git_ref(project, ref)


def _rendered(project: Project) -> dict[str, Json]:
    """Dashboards exactly as the build writes them (the golden files' content), by name."""
    files = artifacts.dashboard_files(project.dashboards, project.library)
    return {
        str(outputs.dashboard_name(path)): json.loads(content)
        for path, content in sorted(files.items())
    }


def _git(root: Path, *args: str) -> str:
    return _git_bytes(root, *args).decode("utf-8")


def _git_bytes(root: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, check=False, timeout=120
        )
    except OSError as exc:
        raise BuildError(f"cannot run git: {exc.strerror}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BuildError(f"git {args[0]}: {message[-1] if message else 'failed'}")
    return done.stdout
