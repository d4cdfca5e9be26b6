"""Compile `dashboards/*.jsonnet` into dashboard models, checking each is one real dashboard."""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .engine import evaluate_files, evaluate_snippets
from .errors import BuildError, JsonnetError, a_type
from .model import Json, count_panels, shape_error
from .sandbox import SourceError, source_problem
from .settings import Installation, Paths


@dataclass(frozen=True)
class Dashboard:
    """One compiled dashboard: `name` is the file stem and the golden file's stem."""

    name: str
    source: Path
    model: Json

    @property
    def uid(self) -> str:
        return str(self.model["uid"])

    @property
    def title(self) -> str:
        return str(self.model["title"])

    @property
    def panel_count(self) -> int:
        return count_panels(self.model)


def source_files(paths: Paths) -> list[Path]:
    """The dashboard sources, in a stable order; none at all is an error for every job (an empty
    tree would otherwise render, and golden-update accept, no dashboards)."""
    where = paths.show(paths.dashboards)
    if not paths.dashboards.is_dir():
        raise BuildError(f"{where}/: no such directory; the dashboard sources live there")
    sources = sorted(paths.dashboards.glob("*.jsonnet"))
    if not sources:
        raise BuildError(f"{where}/: no dashboard sources (*.jsonnet); nothing to build")
    for source in sources:
        problem = source_problem(Path(paths.show(source)))
        if problem is not None:
            raise SourceError(problem)
    return sources


def _check(source: Path, model: object, paths: Paths) -> Dashboard:
    """`model` must be one dashboard object with a string uid and title."""
    where = paths.show(source)
    if not isinstance(model, dict):
        raise BuildError(f"{where}: evaluates to {a_type(model)}, not a dashboard object")
    for key in ("uid", "title"):
        if not isinstance(model.get(key), str) or not model[key]:
            raise BuildError(f"{where}: not a dashboard object: no string `{key}`")
    problem = shape_error(model)
    if problem is not None:
        raise BuildError(f"{where}: not a dashboard object: {problem}")
    return Dashboard(name=source.stem, source=source, model=model)


# The library function every dashboard goes through (libsonnet/dashboard.libsonnet `assemble`): it
# hands each one the others' titles and order, so a new file is all a new dashboard needs.
ASSEMBLE_LIBRARY = "dashboard.libsonnet"


def _evaluate(
    sources: list[Path], paths: Paths, installation: Installation, engine: str
) -> list[object]:
    """Every source's value in one evaluation, through the library's `assemble` when there is one
    (a tree whose library has no dashboard.libsonnet takes the files' values as they are)."""
    ext_vars = installation.ext_vars()
    roots = [paths.dashboards]
    if not (paths.libsonnet / ASSEMBLE_LIBRARY).is_file():
        return evaluate_files(
            sources, library=paths.libsonnet, ext_vars=ext_vars, engine=engine, roots=roots
        )
    imports = ", ".join(f"import {json.dumps(str(p.resolve()))}" for p in sources)
    library = json.dumps(str((paths.libsonnet / ASSEMBLE_LIBRARY).resolve()))
    snippet = f"(import {library}).assemble([{imports}])"
    directories = list(dict.fromkeys(p.parent for p in sources))
    texts = evaluate_snippets(
        [(str(paths.dashboards), snippet + part) for part in _parts(len(sources))],
        library=paths.libsonnet,
        ext_vars=ext_vars,
        engine=engine,
        roots=[*directories, *roots],
    )
    values: list[object] = []
    for text in texts:
        values += json.loads(text)
    return values


# From this many dashboards on, the tree is evaluated in parts side by side (a child process
# each, as many as the machine has cores, at most `MAX_PARTS`): each part assembles every
# dashboard (their titles and order) and writes out its slice of them.
PARTS_FROM = 16
MAX_PARTS = 4


def _parts(count: int) -> list[str]:
    """The slices of the assembled array to evaluate (`""`: all of it, in one evaluation)."""
    parts = min(MAX_PARTS, os.cpu_count() or 1, count // (PARTS_FROM // 2))
    if count < PARTS_FROM or parts < 2:
        return [""]
    bounds = [count * i // parts for i in range(parts + 1)]
    return [f"[{low}:{high}]" for low, high in itertools.pairwise(bounds)]


def compile_all(paths: Paths, installation: Installation, engine: str) -> list[Dashboard]:
    """Compile every source in one evaluation; two dashboards may not share a uid."""
    sources = source_files(paths)
    try:
        models = _evaluate(sources, paths, installation, engine)
    except JsonnetError as exc:
        exc.relocate(paths.show(Path(exc.file)))
        raise
    dashboards: list[Dashboard] = []
    owners: dict[str, Path] = {}
    for source, model in zip(sources, models, strict=True):
        dashboard = _check(source, model, paths)
        if dashboard.uid in owners:
            raise BuildError(
                f"{paths.show(source)}: duplicate uid {dashboard.uid!r}, "
                f"already used by {paths.show(owners[dashboard.uid])}"
            )
        owners[dashboard.uid] = source
        dashboards.append(dashboard)
    return dashboards
