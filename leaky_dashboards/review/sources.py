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
from pathlib import Path
from typing import Any

import yaml

from .. import artifacts, fsio, outputs
from ..errors import BuildError
from ..library import CONFIG_FILE
from ..model import Json, iter_panels, shape_error
from ..project import Project
from ..settings import Paths


@dataclass(frozen=True)
class Side:
    """One rendering: every golden file (golden-relative path → bytes), its dashboard models by
    name (file stem), the thresholds table of config.libsonnet that rendered it (None when
    unknown), and where it came from, for the report's header."""

    label: str
    files: dict[str, bytes]
    dashboards: dict[str, Json]
    thresholds: dict[str, Any] | None = None


def working_tree(project: Project) -> Side:
    return _rendered("working tree", project)


def golden(project: Project) -> Side:
    """golden/ as written. Its thresholds table is HEAD's config.libsonnet when golden/ is as
    committed at HEAD (golden-update commits golden/ with the sources that rendered it)."""
    paths = project.paths
    try:
        files = fsio.read_tree(paths.golden)
    except OSError as exc:
        raise BuildError(f"{exc.filename}: unreadable golden file: {exc.strerror}") from None
    models: dict[str, Json] = {}
    for path, content in files.items():
        name = outputs.dashboard_name(path)
        problem = None
        try:
            if name is not None:
                models[name] = json.loads(content)
                problem = _not_a_dashboard(models[name])
            elif path.endswith((".yaml", ".yml")):
                problem = _not_a_yaml_output(yaml.safe_load(content))
        except (UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
            problem = " ".join(str(exc).split())
        if problem is not None:
            raise BuildError(
                f"{paths.show(paths.golden / path)}: corrupt golden file: {problem}; "
                "`git checkout` it, or `invoke golden-update` to write it anew"
            )
    thresholds = _committed_thresholds(project)
    return Side(outputs.GOLDEN, files, dict(sorted(models.items())), thresholds)


def _not_a_dashboard(model: Any) -> str | None:
    """What makes a golden dashboard one the comparison cannot read (None when it can): the
    build's shape check, and each panel's `gridPos` and `fieldConfig`."""
    problem = shape_error(model)
    if problem is not None:
        return problem
    for panel in iter_panels(model):
        grid, fields = panel.get("gridPos", {}), panel.get("fieldConfig", {})
        numbers = isinstance(grid, dict) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in grid.values()
        )
        if not numbers or not isinstance(fields, dict):
            return f"panel {panel.get('title')!r}: `gridPos` or `fieldConfig` is malformed"
    return None


def _not_a_yaml_output(document: Any) -> str | None:
    """What makes a golden YAML file (provisioning, alert rules) unreadable to the comparison."""
    if document is not None and not isinstance(document, dict):
        return "not a YAML mapping"
    groups = (document or {}).get("groups")
    if groups is not None and not (
        isinstance(groups, list)
        and all(
            isinstance(g, dict)
            and isinstance(g.get("rules", []), list)
            and all(isinstance(r, dict) for r in g.get("rules", []))
            for g in groups
        )
    ):
        return "`groups` is not a list of rule groups"
    return None


def git_ref(project: Project, ref: str) -> Side:
    """Render the files of `ref` from its own sources in a temporary tree, removed after."""
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
            return _rendered(ref, project.under(Paths.under(root)))
        except BuildError as exc:
            raise BuildError(f"at {ref}: {exc}") from None


def base(project: Project, ref: str | None) -> Side:
    return golden(project) if ref is None else git_ref(project, ref)


def _rendered(label: str, project: Project) -> Side:
    """Every file exactly as the build writes it (the golden files' content)."""
    files = artifacts.render_all(project)
    models = {
        name: json.loads(content)
        for path, content in sorted(files.items())
        if (name := outputs.dashboard_name(path)) is not None
    }
    return Side(label, files, models, project.library.thresholds())


def _committed_thresholds(project: Project) -> dict[str, Any] | None:
    """HEAD's thresholds table, if golden/ is unchanged since HEAD; None outside git."""
    paths = project.paths
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
        config = project.library.evaluate_text(f"HEAD:{CONFIG_FILE}", text, {})
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
