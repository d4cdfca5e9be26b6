"""Compile `dashboards/*.jsonnet` into dashboard models, checking each is one real dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .engine import evaluate_files
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


def compile_all(paths: Paths, installation: Installation, engine: str) -> list[Dashboard]:
    """Compile every source in one evaluation; two dashboards may not share a uid."""
    sources = source_files(paths)
    try:
        models = evaluate_files(
            sources,
            library=paths.libsonnet,
            ext_vars=installation.ext_vars(),
            engine=engine,
            roots=[paths.dashboards],
        )
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
