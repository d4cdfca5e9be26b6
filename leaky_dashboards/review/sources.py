"""The two sides a review compares: the working tree's dashboards and a base.

The base is the reviewed golden copy by default, or the tree at a git ref rendered from that
ref's own Jsonnet sources (an old library renders old dashboards), never from today's library.
Each side holds every golden file (dashboards, provisioning, alert rules, docs), so the report
covers all of them.
"""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .. import artifacts, fsio
from ..artifacts import DASHBOARD_DIR
from ..errors import BuildError
from ..library import CONFIG_FILE, Library
from ..model import Json
from ..render import compile_all
from ..settings import Installation, Paths

GOLDEN = "golden"


@dataclass(frozen=True)
class Side:
    """One rendering: every golden file (golden-relative path → bytes), its dashboard models by
    name (file stem), the thresholds table of config.libsonnet that rendered it (None when
    unknown), and where it came from, for the report's header."""

    label: str
    files: dict[str, bytes]
    dashboards: dict[str, Json]
    thresholds: dict[str, Any] | None = None


def working_tree(paths: Paths, installation: Installation, engine: str) -> Side:
    return _rendered("working tree", paths, installation, engine)


def golden(paths: Paths, installation: Installation | None = None, engine: str = "go") -> Side:
    """golden/ as written. Its thresholds table is HEAD's config.libsonnet when golden/ is as
    committed at HEAD (golden-update commits golden/ with the sources that rendered it)."""
    try:
        files = fsio.read_tree(paths.golden)
    except OSError as exc:
        raise BuildError(f"{exc.filename}: unreadable golden file: {exc.strerror}") from None
    models: dict[str, Json] = {}
    for path, content in files.items():
        if path.startswith(f"{DASHBOARD_DIR}/") and path.endswith(".json"):
            try:
                models[PurePosixPath(path).stem] = json.loads(content)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise BuildError(
                    f"{paths.golden / path}: unreadable golden dashboard: {exc}"
                ) from None
    thresholds = _committed_thresholds(paths, installation or Installation(), engine)
    return Side(GOLDEN, files, dict(sorted(models.items())), thresholds)


def git_ref(paths: Paths, ref: str, installation: Installation, engine: str) -> Side:
    """Render the files of `ref` from its own sources in a temporary tree, removed after."""
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
            return _rendered(ref, Paths.under(root), installation, engine)
        except BuildError as exc:
            raise BuildError(f"at {ref}: {exc}") from None


def base(paths: Paths, ref: str | None, installation: Installation, engine: str) -> Side:
    return (
        golden(paths, installation, engine)
        if ref is None
        else git_ref(paths, ref, installation, engine)
    )


def _rendered(label: str, paths: Paths, installation: Installation, engine: str) -> Side:
    """Every file exactly as the build writes it (the golden files' content)."""
    dashboards = compile_all(paths, installation, engine)
    library = Library.of(paths, installation, engine)
    files = artifacts.render_all(dashboards, library)
    models = {
        PurePosixPath(path).stem: json.loads(content)
        for path, content in sorted(files.items())
        if path.startswith(f"{DASHBOARD_DIR}/")
    }
    return Side(label, files, models, library.thresholds())


def _committed_thresholds(
    paths: Paths, installation: Installation, engine: str
) -> dict[str, Any] | None:
    """HEAD's thresholds table, if golden/ is unchanged since HEAD; None outside git."""
    try:
        _git(paths.root, "diff", "--quiet", "HEAD", "--", str(paths.golden))
        untracked = _git(paths.root, "ls-files", "--others", "--", str(paths.golden))
        text = _git(
            paths.root, "show", f"HEAD:./{_relative(paths.libsonnet, paths.root)}/{CONFIG_FILE}"
        )
    except BuildError:
        return None
    if untracked.strip():
        return None
    try:
        config = Library.of(paths, installation, engine).evaluate_text(
            f"HEAD:{CONFIG_FILE}", text, {}
        )
    except BuildError:
        return None
    table = config.get("thresholds") if isinstance(config, dict) else None
    if not isinstance(table, dict):
        return None
    return dict(sorted(table.items(), key=lambda item: (item[1].get("order", 0), item[0])))


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


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
