"""`invoke build` and `invoke golden-update`: compile, render, golden-check, write, summarise."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from . import artifacts, fsio, lint
from .changes import Change, compare
from .errors import BuildError, DriftError
from .library import Library
from .render import Dashboard, compile_all
from .settings import Installation, Paths

PROVISIONING_PREFIX = "provisioning/"


@dataclass
class BuildResult:
    dashboards: list[Dashboard]
    files: dict[str, bytes]
    changes: list[Change]
    written: list[str] = field(default_factory=list)
    seconds: float = 0.0


def render(
    paths: Paths, installation: Installation, engine: str, library: Library | None = None
) -> tuple[list[Dashboard], dict[str, bytes]]:
    dashboards = compile_all(paths, installation, engine)
    library = library or Library.of(paths, installation, engine)
    return dashboards, artifacts.render_all(dashboards, library)


def read_golden(paths: Paths) -> dict[str, bytes]:
    try:
        return fsio.read_tree(paths.golden)
    except OSError as exc:
        raise BuildError(f"{exc.filename}: unreadable golden file: {exc.strerror}") from None


def run(
    paths: Paths,
    installation: Installation,
    engine: str,
    *,
    update: bool = False,
    echo: Callable[[str], None] = print,
) -> BuildResult:
    """Build; with `update`, accept the rendering as the new golden copy.

    Raises LintError (exit 2) on any validation error, and DriftError (exit 1) when the
    rendering differs from golden/ and `update` is false; nothing is written then, so
    provisioning/ always holds reviewed output.
    """
    started = time.perf_counter()
    library = Library.of(paths, installation, engine)
    dashboards, files = render(paths, installation, engine, library)
    # Validation comes before the golden diff: an error exits 2 and nothing is written.
    lint.check(dashboards, paths, installation, engine, echo=echo, library=library)
    changes = compare(files, read_golden(paths))
    result = BuildResult(dashboards, files, changes)
    for change in changes:
        for line in change.lines():
            echo(line)
    if update:
        fsio.replace_tree(paths.golden, files)
        result.written.append(f"{paths.show(paths.golden)}/ ({len(files)} files)")
    elif changes:
        raise DriftError(
            f"golden drift in {len(changes)} file(s); "
            "run `invoke golden-update` if the change is intended"
        )
    deploy = {
        k.removeprefix(PROVISIONING_PREFIX): v
        for k, v in files.items()
        if k.startswith(PROVISIONING_PREFIX)
    }
    fsio.replace_tree(paths.provisioning, deploy, keep=("README.md",))
    result.written.append(f"{paths.show(paths.provisioning)}/ ({len(deploy)} files)")
    result.seconds = time.perf_counter() - started
    echo(summary(result))
    return result


def summary(result: BuildResult) -> str:
    panels = sum(d.panel_count for d in result.dashboards)
    drift = f"{len(result.changes)} golden file(s) changed" if result.changes else "no golden drift"
    return (
        f"{len(result.dashboards)} dashboards, {panels} panels; {drift}; "
        f"wrote {', '.join(result.written) or 'nothing'}; {result.seconds:.2f} s"
    )
