"""Entry points the invoke tasks call: run a job, report errors in one line, return an exit code."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable

from . import build as build_job
from . import outputs
from .errors import BuildError
from .project import Project
from .settings import Paths
from .signals import INTERRUPTED, job_signals


def project(paths: Paths | None, engine: str | None) -> Project:
    """What every job works on: the project tree, this installation's values, the engine."""
    return Project.from_env(paths, engine)


def guarded(job: Callable[[], object], paths: Paths | None = None) -> int:
    """Run `job` on the tree `paths` (default: this checkout), after finishing or undoing a
    change of its outputs a killed command left; a BuildError becomes its message on stderr and
    its exit code, an interrupt (Ctrl-C, SIGTERM, SIGHUP) "interrupted" and 130."""
    try:
        with job_signals():
            outputs.recover(paths or Paths())
            job()
    except BuildError as exc:
        for line in exc.lines():
            print(f"error: {line}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPTED
    return 0


def build(
    engine: str | None = None,
    *,
    update: bool = False,
    paths: Paths | None = None,
    env: str | None = None,
) -> int:
    return guarded(lambda: build_job.run(project(paths, engine), update=update, env=env), paths)


def test(args: str = "", *, quick: bool = False, paths: Paths | None = None) -> int:
    """The static checks and the tests (see `suite`); `quick`: lint, golden and the tests that
    start no Prometheus, browser or cluster tool."""
    from . import suite

    tree = paths or Paths()
    chosen = suite.steps(
        quick=quick, pytest_args=args.split(), build=(lambda: build(paths=tree)) if quick else None
    )
    try:
        with job_signals():  # a stop kills the running step, then exits 130
            code, _ = suite.run(chosen, tree)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPTED
    return code


def clean(paths: Paths | None = None) -> int:
    """Remove generated output and caches (never golden/, which only golden-update changes)."""
    tree = paths or Paths()

    def job() -> None:
        with outputs.locked(tree):
            _clean(tree)

    return guarded(job, tree)


def _clean(paths: Paths) -> None:
    for directory in (paths.root / "build", paths.root / ".cache", paths.root / ".pytest_cache"):
        shutil.rmtree(directory, ignore_errors=True)
    # Copies older versions of the build left beside golden/ and provisioning/ when interrupted.
    for pattern in (".golden.old.*", ".golden.new.*", ".provisioning.old.*", ".provisioning.new.*"):
        for leftover in paths.root.glob(pattern):
            shutil.rmtree(leftover, ignore_errors=True)
    for entry in paths.provisioning.glob("*"):
        if entry.name != "README.md":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def bench(
    repeat: int = 5,
    *,
    queries: bool = False,
    users: int | None = None,
    growth: bool = False,
    preview: bool = False,
    paths: Paths | None = None,
) -> int:
    if preview:
        from .review import previewbench

        return guarded(lambda: previewbench.run_bench(project(paths, None), repeat), paths)
    if growth:
        from . import growth as growth_job

        counts = (users,) if users is not None else growth_job.USERS
        return guarded(lambda: growth_job.run(repeat, users=counts), paths)
    if queries or users is not None:  # --users measures queries
        from .verify import querybench

        return guarded(
            lambda: querybench.run_bench(project(paths, None), repeat, users=users), paths
        )
    from . import bench as bench_job

    return guarded(lambda: bench_job.run(repeat), paths)


def diff(
    base: str | None = None,
    *,
    head: str | None = None,
    fail: bool = True,
    output: str | None = None,
    engine: str | None = None,
    paths: Paths | None = None,
) -> int:
    from pathlib import Path

    from .review import diffing

    return guarded(
        lambda: diffing.diff(
            project(paths, engine),
            base=base,
            head=head,
            fail=fail,
            output=Path(output) if output else None,
        ),
        paths,
    )


def lint(engine: str | None = None, *, paths: Paths | None = None) -> int:
    from . import lint as lint_job

    return guarded(lambda: lint_job.run(project(paths, engine)), paths)


def fmt(paths: Paths | None = None) -> int:
    from . import lint as lint_job

    return guarded(lambda: lint_job.fmt(paths or Paths()), paths)


def preview(
    base: str | None = None,
    *,
    output: str | None = None,
    engine: str | None = None,
    all_dashboards: bool = False,
    paths: Paths | None = None,
) -> int:
    from pathlib import Path

    from .review import jobs as review

    return guarded(
        lambda: review.preview(
            project(paths, engine),
            base=base,
            output=Path(output) if output else None,
            all_dashboards=all_dashboards,
        ),
        paths,
    )


def verify(
    engine: str | None = None,
    *,
    seed: int | None = None,
    scenario: str = "full",
    paths: Paths | None = None,
) -> int:
    """Every panel of every dashboard against a real Prometheus over synthetic series."""
    from .verify import run as verify_job
    from .verify.synthetic import DEFAULT_SEED

    # An interrupt stops the server on the way out (verify.server), then exits 130.
    return guarded(
        lambda: verify_job.run_scenarios(
            project(paths, engine),
            scenario,
            seed=DEFAULT_SEED if seed is None else seed,
        ),
        paths,
    )


def readme(paths: Paths | None = None) -> int:
    from . import readme as readme_job

    return guarded(lambda: readme_job.update(paths or Paths()), paths)


def docs(
    output: str | None = None, *, engine: str | None = None, paths: Paths | None = None
) -> int:
    from pathlib import Path

    from .review import jobs as review

    return guarded(
        lambda: review.docs(
            project(paths, engine),
            output=Path(output) if output else None,
        ),
        paths,
    )


def drift(
    files: list[str],
    *,
    grafana: str | None = None,
    output: str | None = None,
    engine: str | None = None,
    paths: Paths | None = None,
) -> int:
    """Dashboards as Grafana gives them (files, or --grafana URL) against golden/."""
    from pathlib import Path

    from .drift import job

    return guarded(
        lambda: job.run(
            project(paths, engine),
            files,
            grafana=grafana,
            output=Path(output) if output else None,
        ),
        paths,
    )
