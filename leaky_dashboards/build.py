"""`invoke build` and `invoke golden-update`: compile, lint, render, golden-check, write, summarise.

golden/ is always the rendering of the default installation (`Installation()`): it is what
reviewers approve, whatever the machine. The installation's own values (LEAKY_*) go into the
provisioning/ it writes, rendered a second time when they differ from the defaults.
"""

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
# Top-level entries of provisioning/ the build leaves alone.
PROVISIONING_KEEP = ("README.md",)


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


def read_golden(paths: Paths, *, repair: bool = False) -> dict[str, bytes | None]:
    """golden/ as path → bytes. An unreadable file is an error naming it, or, when `repair`
    (golden-update, which rewrites it), None."""
    try:
        return dict(fsio.read_tree(paths.golden))
    except OSError as exc:
        if not repair:
            raise BuildError(f"{exc.filename}: unreadable golden file: {exc.strerror}") from None
    found: dict[str, bytes | None] = {}
    for path in sorted(paths.golden.rglob("*")):
        if path.is_dir():
            continue
        try:
            found[path.relative_to(paths.golden).as_posix()] = path.read_bytes()
        except OSError:
            found[path.relative_to(paths.golden).as_posix()] = None
    return found


def run(
    paths: Paths,
    installation: Installation,
    engine: str,
    *,
    update: bool = False,
    echo: Callable[[str], None] = print,
) -> BuildResult:
    """Build; with `update`, accept the rendering as the new golden copy.

    Raises LintError (exit 2) on any validation error, found before any query is parsed for
    another purpose, and DriftError (exit 1) when the rendering differs from golden/ and `update`
    is false; nothing is written then, so provisioning/ always holds reviewed output.
    """
    started = time.perf_counter()
    reviewed = Installation()
    library = Library.of(paths, reviewed, engine)
    dashboards = compile_all(paths, reviewed, engine)
    # Validation comes first: an error exits 2 with every finding and nothing is written.
    lint.check(dashboards, paths, installation, engine, echo=echo, library=library)
    files = artifacts.render_all(dashboards, library)
    changes = compare(files, read_golden(paths, repair=update), repair=update)
    result = BuildResult(dashboards, files, changes)
    for change in changes:
        for line in change.lines():
            echo(line)
    if not update and changes:
        raise DriftError(
            f"golden drift in {len(changes)} file(s); "
            "run `invoke golden-update` if the change is intended"
        )
    deployed = files if installation == reviewed else render(paths, installation, engine)[1]
    deploy = {
        k.removeprefix(PROVISIONING_PREFIX): v
        for k, v in deployed.items()
        if k.startswith(PROVISIONING_PREFIX)
    }
    outputs = [fsio.Output(paths.golden, files, show=paths.show(paths.golden))] if update else []
    outputs.append(
        fsio.Output(paths.provisioning, deploy, PROVISIONING_KEEP, paths.show(paths.provisioning))
    )
    # One change of both outputs: refused before anything is touched, undone if interrupted.
    fsio.replace_trees(outputs)
    result.written = [f"{o.name}/ ({len(o.files)} files)" for o in outputs]
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
