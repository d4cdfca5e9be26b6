"""`invoke bench`: how long builds and evaluations take (a benchmark, never a timed test).

Measures, on a private copy of the tree: the full build of the real dashboards, the full build of
100 generated dashboards (variants of the real ones), Jsonnet evaluation alone per dashboard and
engine, and the wall time of the `invoke build` command as a user runs it beside the floor every
invoke task pays (`python -c "import invoke.program"`), measured in the same run.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from . import build
from .engine import CACHE_SWITCH, ENGINES, evaluate_file, evaluate_files
from .project import Project
from .render import source_files
from .settings import CACHE_ENV, Installation, Paths

GENERATED = 100
FLOOR_MARGIN = 0.15  # seconds `invoke build` may take above the floor (issue 14)


def _timed(job: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        job()
        times.append(time.perf_counter() - started)
    return times


def _line(label: str, times: list[float]) -> str:
    return (
        f"{label:<48} min {min(times) * 1000:8.1f} ms   "
        f"median {statistics.median(times) * 1000:8.1f} ms   (n={len(times)})"
    )


def _copy_tree(root: Path) -> Paths:
    for name in ("dashboards", "libsonnet", "golden", "environments"):
        if (Paths().root / name).is_dir():
            shutil.copytree(Paths().root / name, root / name)
    return Paths.under(root)


def _generate(paths: Paths, count: int) -> None:
    """Grow the sources to `count` dashboards: the real ones (the alert rules link to them) and
    variants of them, each with its own uid."""
    real = source_files(paths)
    for i in range(count - len(real)):
        base = real[i % len(real)].name
        (paths.dashboards / f"leaky-tokens-gen-{i:03d}.jsonnet").write_text(
            f"(import '{base}') + {{ uid: 'leaky-tokens-gen-{i:03d}', "
            f"title: super.title + ' {i:03d}' }}\n"
        )


@contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            del os.environ[name]
        else:
            os.environ[name] = old


def run(repeat: int = 5, echo: Callable[[str], None] = print) -> None:
    """Every measure; "cold" runs start from an empty cache directory (nothing remembered by
    content), "warm" ones find what an earlier run of the same tree remembered."""
    installation = Installation()
    quiet: Callable[[str], None] = lambda _: None  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp, _environment(CACHE_ENV, f"{tmp}/cache"):
        real = _copy_tree(Path(tmp) / "real")
        echo(_line("build, real tree (go), cold", _cold(tmp, real, repeat)))
        echo(
            _line(
                "build, real tree (go), warm",
                _timed(lambda: build.run(Project(real), update=True, echo=quiet), repeat),
            )
        )
        manifests(real, repeat, echo)
        _evaluations(real, installation, repeat, echo)
        generated = _copy_tree(Path(tmp) / "generated")
        _generate(generated, GENERATED)
        runs = max(1, repeat // 2)
        echo(
            _line(
                f"build, {GENERATED} generated dashboards (go), cold", _cold(tmp, generated, runs)
            )
        )
        echo(
            _line(
                f"build, {GENERATED} generated dashboards (go), warm",
                _timed(lambda: build.run(Project(generated), update=True, echo=quiet), runs),
            )
        )
    _floor(repeat, echo)


def manifests(paths: Paths, repeat: int, echo: Callable[[str], None] = print) -> list[float]:
    """What the Kubernetes manifests add to a warm build of `paths`: rendering them from the
    other outputs, the environments' golden summaries, their check (remembered by content), the
    golden comparison and the write of build/kubernetes/ (unchanged: nothing rewritten)."""
    from . import artifacts, environments, fsio, kubernetes, outputs
    from .changes import compare
    from .lint import manifests as check
    from .settings import kubernetes_schema_dir

    project = Project(paths)
    files = artifacts.render_all(project)
    derived = (outputs.KUBERNETES_DIR, environments.GOLDEN_DIR)
    others = {k: v for k, v in files.items() if not k.startswith(derived)}
    uids = {d.name: d.uid for d in project.dashboards}
    known = environments.defaults(project.library)
    target = outputs.kubernetes_output(paths)

    def job() -> None:
        rendered = kubernetes.files(others, project.installation, None, uids)
        rendered |= environments.golden_files(paths, known)
        check.check_files(rendered, kubernetes_schema_dir(), ci=False)
        golden = {
            f"{directory}{k}": v
            for directory in derived
            for k, v in fsio.read_tree(paths.golden / directory).items()
        }
        compare(rendered, golden)
        written = [fsio.Output(target, outputs.deployed_manifests(rendered))]
        fsio.replace_trees(written, outputs.journal(paths))

    times = _timed(job, repeat)
    echo(_line("Kubernetes manifests in a warm build", times))
    return times


def _cold(tmp: str, paths: Paths, repeat: int) -> list[float]:
    """Builds of `paths`, each in-process from an empty cache directory."""
    times = []
    for n in range(repeat):
        with _environment(CACHE_ENV, f"{tmp}/cold-{paths.root.name}-{n}"):
            times += _timed(lambda: build.run(Project(paths), update=True, echo=lambda _: None), 1)
    return times


def _evaluations(
    real: Paths, installation: Installation, repeat: int, echo: Callable[[str], None]
) -> None:
    """Jsonnet evaluation alone, never from the cache."""
    with _environment(CACHE_SWITCH, "off"):
        for source in source_files(real):
            for engine in ENGINES:
                times = _timed(
                    lambda s=source, e=engine: evaluate_file(  # type: ignore[misc]
                        s, library=real.libsonnet, ext_vars=installation.ext_vars(), engine=e
                    ),
                    repeat,
                )
                echo(_line(f"evaluate {source.stem} ({engine})", times))
        sources = source_files(real)
        for engine in ENGINES:
            times = _timed(
                lambda e=engine: evaluate_files(  # type: ignore[misc]
                    sources, library=real.libsonnet, ext_vars=installation.ext_vars(), engine=e
                ),
                repeat,
            )
            per_dashboard = [t / len(sources) for t in times]
            echo(
                _line(
                    f"evaluate all {len(sources)} in one VM ({engine}), per dashboard",
                    per_dashboard,
                )
            )


def _floor(repeat: int, echo: Callable[[str], None]) -> None:
    # The floor: what any invoke task costs before it does anything (Python and invoke start).
    floor_command = [sys.executable, "-c", "import invoke.program"]
    command = ["invoke", "build"]

    def wall(argv: list[str]) -> list[float]:
        return _timed(
            lambda: subprocess.run(argv, cwd=Paths().root, capture_output=True, check=False),
            repeat,
        )

    subprocess.run(command, cwd=Paths().root, capture_output=True, check=False)  # warm caches
    floor, built = wall(floor_command), wall(command)
    cold: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(repeat):
            env = os.environ | {CACHE_ENV: f"{tmp}/{n}"}
            cold += _timed(
                lambda e=env: subprocess.run(  # type: ignore[misc]
                    command, cwd=Paths().root, env=e, capture_output=True, check=False
                ),
                1,
            )
    echo(_line("floor: `python -c 'import invoke.program'`", floor))
    echo(_line("`invoke build` wall time, real tree, cold cache", cold))
    echo(_line("`invoke build` wall time, real tree", built))
    above = min(built) - min(floor)
    echo(
        f"`invoke build` is {min(built) / min(floor):.2f} × the floor, {above * 1000:.0f} ms above "
        f"it (target: at most {FLOOR_MARGIN * 1000:.0f} ms above)"
    )
