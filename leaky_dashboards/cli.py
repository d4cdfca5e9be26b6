"""Entry points the invoke tasks call: run a job, report errors in one line, return an exit code."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable

from . import build as build_job
from .errors import BuildError
from .project import Project
from .settings import Paths
from .signals import raising_on_stop


def project(paths: Paths | None, engine: str | None) -> Project:
    """What every job works on: the project tree, this installation's values, the engine."""
    return Project.from_env(paths, engine)


INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C


def guarded(job: Callable[[], object]) -> int:
    """Run `job`; a BuildError becomes its message on stderr and its exit code, an interrupt
    (Ctrl-C, SIGTERM, SIGHUP) "interrupted" and 130."""
    try:
        with raising_on_stop(lambda _: KeyboardInterrupt()):
            job()
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
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
    return guarded(lambda: build_job.run(project(paths, engine), update=update, env=env))


def test(args: str = "", *, quick: bool = False, paths: Paths | None = None) -> int:
    """The static checks and the tests (see `suite`); `quick`: lint, golden and the tests that
    start no Prometheus, browser or cluster tool."""
    from . import suite

    tree = paths or Paths()
    chosen = suite.steps(
        quick=quick, pytest_args=args.split(), build=(lambda: build(paths=tree)) if quick else None
    )
    try:
        code, _ = suite.run(chosen, tree)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPTED
    return code


def clean(paths: Paths | None = None) -> int:
    """Remove generated output and caches (never golden/, which only golden-update changes)."""
    paths = paths or Paths()
    for directory in (paths.root / "build", paths.root / ".cache", paths.root / ".pytest_cache"):
        shutil.rmtree(directory, ignore_errors=True)
    # Copies older versions of the build left beside golden/ and provisioning/ when interrupted.
    for pattern in (".golden.old.*", ".golden.new.*", ".provisioning.old.*", ".provisioning.new.*"):
        for leftover in paths.root.glob(pattern):
            shutil.rmtree(leftover, ignore_errors=True)
    for entry in paths.provisioning.glob("*"):
        if entry.name != "README.md":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    return 0


def bench(
    repeat: int = 5, *, queries: bool = False, preview: bool = False, paths: Paths | None = None
) -> int:
    if preview:
        from .review import previewbench

        return guarded(lambda: previewbench.run_bench(project(paths, None), repeat))
    if queries:
        from .verify import querybench

        return guarded(lambda: querybench.run_bench(project(paths, None), repeat))
    from . import bench as bench_job

    return guarded(lambda: bench_job.run(repeat))


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

    from .review import jobs as review

    return guarded(
        lambda: review.diff(
            project(paths, engine),
            base=base,
            head=head,
            fail=fail,
            output=Path(output) if output else None,
        )
    )


def lint(engine: str | None = None, *, paths: Paths | None = None) -> int:
    from . import lint as lint_job

    return guarded(lambda: lint_job.run(project(paths, engine)))


def fmt(paths: Paths | None = None) -> int:
    from . import lint as lint_job

    return guarded(lambda: lint_job.fmt(paths or Paths()))


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
        )
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
        )
    )


def readme(paths: Paths | None = None) -> int:
    from . import readme as readme_job

    return guarded(lambda: readme_job.update(paths or Paths()))


def docs(
    output: str | None = None, *, engine: str | None = None, paths: Paths | None = None
) -> int:
    from pathlib import Path

    from .review import jobs as review

    return guarded(
        lambda: review.docs(
            project(paths, engine),
            output=Path(output) if output else None,
        )
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
        )
    )


def explain(key: str, *, engine: str | None = None, paths: Paths | None = None) -> int:
    """A panel's queries with where each part comes from, and its levels' row of config."""
    from . import explain as explain_job

    return guarded(lambda: explain_job.run(project(paths, engine), key))
