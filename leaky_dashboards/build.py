"""`invoke build` and `invoke golden-update`: compile, lint, render, golden-check, write, summarise.

golden/ is always the rendering of the default installation (`Project.reviewed`): it is what
reviewers approve, whatever the machine. The installation's own values (LEAKY_*) go into the
provisioning/ it writes, rendered a second time when they differ from the defaults.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from . import artifacts, fsio, lint, outputs
from .changes import Change, compare
from .errors import DriftError
from .lint import manifests
from .project import Project
from .render import Dashboard


@dataclass
class BuildResult:
    dashboards: list[Dashboard]
    files: dict[str, bytes]
    changes: list[Change]
    written: list[str] = field(default_factory=list)
    seconds: float = 0.0


def run(
    project: Project, *, update: bool = False, echo: Callable[[str], None] = print
) -> BuildResult:
    """Build; with `update`, accept the rendering as the new golden copy.

    Raises LintError (exit 2) on any validation error, found before any query is parsed for
    another purpose, and DriftError (exit 1) when the rendering differs from golden/ and `update`
    is false; nothing is written then, so provisioning/ always holds reviewed output.
    """
    started = time.perf_counter()
    paths, reviewed = project.paths, project.reviewed
    # Validation comes first: an error exits 2 with every finding and nothing is written.
    lint.check(project, reviewed.dashboards, echo=echo)
    files = artifacts.render_all(reviewed)
    installed = files if project is reviewed else artifacts.render_all(project)
    manifests.check(files, echo=echo)
    if installed is not files:
        manifests.check(installed, echo=echo, notes=False)
    changes = compare(files, outputs.read_golden(paths, repair=update), repair=update)
    result = BuildResult(reviewed.dashboards, files, changes)
    for change in changes:
        for line in change.lines():
            echo(line)
    if not update and changes:
        raise DriftError(
            f"golden drift in {len(changes)} file(s); "
            "run `invoke golden-update` if the change is intended"
        )
    deploy = outputs.deployed(installed)
    written = [fsio.Output(paths.golden, files, show=paths.show(paths.golden))] if update else []
    written.append(
        fsio.Output(
            paths.provisioning, deploy, outputs.PROVISIONING_KEEP, paths.show(paths.provisioning)
        )
    )
    kube = outputs.kubernetes_output(paths)
    written.append(fsio.Output(kube, outputs.deployed_manifests(installed), show=paths.show(kube)))
    # One change of every output: refused before anything is touched, undone if interrupted.
    fsio.replace_trees(written)
    result.written = [f"{o.name}/ ({len(o.files)} files)" for o in written]
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
