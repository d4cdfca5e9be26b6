"""`invoke build` and `invoke golden-update`: compile, lint, render, golden-check, write, summarise.

golden/ is always the rendering of the default installation (`Project.reviewed`): it is what
reviewers approve, whatever the machine. The installation's own values (LEAKY_*) go into the
provisioning/ it writes, rendered a second time when they differ from the defaults.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import build_memo, fsio, outputs
from .errors import DriftError
from .project import Project

if TYPE_CHECKING:
    from . import environments
    from .changes import Change


@dataclass
class BuildResult:
    files: dict[str, bytes]
    changes: list[Change]
    dashboard_count: int
    panel_count: int
    written: list[str] = field(default_factory=list)
    seconds: float = 0.0


def run(
    project: Project,
    *,
    update: bool = False,
    echo: Callable[[str], None] = print,
    env: str | None = None,
) -> BuildResult:
    """Build; with `update`, accept the rendering as the new golden copy.

    Raises LintError (exit 2) on any validation error, found before any query is parsed for
    another purpose, and DriftError (exit 1) when the rendering differs from golden/ and `update`
    is false; nothing is written then, so provisioning/ always holds reviewed output. `env` (a
    name or `all`) also renders those environments into build/env/NAME/, checked the same way.
    """
    started = time.perf_counter()
    with outputs.locked(project.paths):  # one build at a time: golden read to outputs written
        return _run(project, update, echo, env, started)


def _run(
    project: Project,
    update: bool,
    echo: Callable[[str], None],
    env: str | None,
    started: float,
) -> BuildResult:
    paths, reviewed = project.paths, project.reviewed
    chosen: list[environments.Environment] = []
    if env is not None:
        from . import environments

        chosen = environments.select(paths, env, environments.defaults(reviewed.library))
    # A build of inputs a successful one had (and no environment) prints and renders what that
    # one did, without compiling, linting or rendering (see `build_memo`).
    key = build_memo.key(project) if build_memo.enabled() and not chosen else None
    remembered = build_memo.get(key) if key is not None else None
    if remembered is None:
        remembered = _checked(project, echo)
        if key is not None and build_memo.key(project) == key:  # nothing changed meanwhile
            build_memo.put(key, remembered)
    else:
        for line in remembered.lines:
            echo(_LINT_TIME.sub(f"; {time.perf_counter() - started:.2f} s", line))
    files = remembered.files
    installed = files if remembered.installed is None else remembered.installed
    changes = _changes(files, outputs.read_golden(paths, repair=update), update)
    result = BuildResult(files, changes, remembered.dashboards, remembered.panels)
    for change in changes:
        for line in change.lines():
            echo(line)
    if not update and changes:
        raise DriftError(
            f"golden drift in {len(changes)} file(s); "
            "run `invoke golden-update` if the change is intended"
        )
    written_envs = [_environment(project, e, files, echo) for e in chosen]
    deploy = outputs.deployed(installed)
    written = [fsio.Output(paths.golden, files, show=paths.show(paths.golden))] if update else []
    written.append(
        fsio.Output(
            paths.provisioning, deploy, outputs.PROVISIONING_KEEP, paths.show(paths.provisioning)
        )
    )
    kube = outputs.kubernetes_output(paths)
    written.append(fsio.Output(kube, outputs.deployed_manifests(installed), show=paths.show(kube)))
    written += written_envs
    # One change of every output: refused before anything is touched, undone if interrupted,
    # finished or undone by the next command if killed (the journal).
    fsio.replace_trees(written, outputs.journal(paths))
    result.written = [f"{o.name}/ ({len(o.files)} files)" for o in written]
    result.seconds = time.perf_counter() - started
    echo(summary(result))
    return result


# The time in lint's summary line ("lint: 4 dashboards; ...; 0.13 s"): a remembered build's own.
_LINT_TIME = re.compile(r"; \d+\.\d\d s$")


def _checked(project: Project, echo: Callable[[str], None]) -> build_memo.Remembered:
    """Compile, lint and render `project` (and its reviewed rendering), checking the manifests;
    what was printed and rendered. Validation comes first: an error exits 2 with every finding
    and nothing is written."""
    from . import artifacts, lint
    from .lint import manifests

    reviewed = project.reviewed
    lines: list[str] = []

    def say(line: str) -> None:
        lines.append(line)
        echo(line)

    lint.check(project, reviewed.dashboards, echo=say)
    files = artifacts.render_all(reviewed)
    installed = files if project is reviewed else artifacts.render_all(project)
    manifests.check(files, echo=say)
    if installed is not files:
        manifests.check(installed, echo=say, notes=False)
    dashboards = reviewed.dashboards
    panels = sum(d.panel_count for d in dashboards)
    return build_memo.Remembered(
        lines, len(dashboards), panels, files, None if installed is files else installed
    )


def _changes(
    rendered: Mapping[str, bytes], golden: Mapping[str, bytes | None], repair: bool = False
) -> list[Change]:
    """What differs from golden/ (`changes.compare`): nothing when every file is the same, found
    without loading the comparison (the golden diff's code is most of what a build imports)."""
    if rendered == golden:
        return []
    from .changes import compare

    return compare(rendered, golden, repair=repair)


def _environment(
    project: Project,
    environment: environments.Environment,
    default: dict[str, bytes],
    echo: Callable[[str], None],
) -> fsio.Output:
    """One environment rendered, linted and checked (nothing written yet), its changes against
    the default installation printed; what to write to build/env/NAME/."""
    from . import artifacts, environments, lint
    from .lint import manifests

    paths = project.paths
    rendering = Project(paths, environment.installation, project.engine, environment.placement)
    label = f"environment {environment.name}: "
    # Its own values change queries and levels: the dashboards it renders are linted too.
    report = lint.lint(rendering, check_sources=False)
    for finding in report.findings:
        echo(label + str(finding))
    if report.errors:
        raise lint.LintError(
            f"{label}lint found {len(report.errors)} error(s); nothing was written"
        )
    files = artifacts.render_all(rendering)
    manifests.check(files, echo=echo, label=label, notes=False)
    shown = ("dashboards/", outputs.PROVISIONING_DIR)
    changes = _changes(
        {k: v for k, v in files.items() if k.startswith(shown)},
        {k: v for k, v in default.items() if k.startswith(shown)},
    )
    for change in changes:
        for line in change.lines():
            echo(label + line)
    target = environments.output(environment, paths)
    return fsio.Output(
        target, environments.outputs(environment, paths, default, files), show=paths.show(target)
    )


def summary(result: BuildResult) -> str:
    panels = result.panel_count
    drift = f"{len(result.changes)} golden file(s) changed" if result.changes else "no golden drift"
    return (
        f"{result.dashboard_count} dashboards, {panels} panels; {drift}; "
        f"wrote {', '.join(result.written) or 'nothing'}; {result.seconds:.2f} s"
    )
