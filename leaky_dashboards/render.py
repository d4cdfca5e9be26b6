"""Compile `dashboards/*.jsonnet` into dashboard models, checking each is one real dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .engine import evaluate_files
from .errors import BuildError, JsonnetError
from .model import Json, count_panels
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


def source_files(directory: Path) -> list[Path]:
    """The dashboard sources, in a stable order."""
    return sorted(directory.glob("*.jsonnet"))


def _check(source: Path, model: object, paths: Paths) -> Dashboard:
    """`model` must be one dashboard object with a string uid and title."""
    where = paths.show(source)
    if not isinstance(model, dict):
        raise BuildError(f"{where}: evaluates to a {type(model).__name__}, not a dashboard object")
    for key in ("uid", "title"):
        if not isinstance(model.get(key), str) or not model[key]:
            raise BuildError(f"{where}: not a dashboard object: no string `{key}`")
    return Dashboard(name=source.stem, source=source, model=model)


def compile_all(paths: Paths, installation: Installation, engine: str) -> list[Dashboard]:
    """Compile every source in one evaluation; two dashboards may not share a uid."""
    sources = source_files(paths.dashboards)
    try:
        models = evaluate_files(
            sources, library=paths.libsonnet, ext_vars=installation.ext_vars(), engine=engine
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
