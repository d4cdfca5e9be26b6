"""`invoke bench`: how long builds and evaluations take (a benchmark, never a timed test).

Measures, on a private copy of the tree: the full build of the real dashboards, the full build of
100 generated dashboards (variants of the real ones), Jsonnet evaluation alone per dashboard and
engine, and the wall time of the `invoke build` command as a user runs it beside the floor every
invoke task pays (`python -c "import invoke.program"`), measured in the same run.

Each build is `build.run` timed inside a fresh process (as every command runs): "cold" from an
empty cache directory, "warm" from one an earlier build of the same tree filled; nothing a
process remembers in memory (parsed queries, escaped texts) carries over from one build to the
next. Beside each wall time, the CPU time of the build's process and its children (the Jsonnet
engine, the formatter), which other work on the machine does not inflate as much.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .engine import CACHE_SWITCH, ENGINES, evaluate_file, evaluate_files
from .project import Project
from .render import source_files
from .settings import CACHE_ENV, Installation, Paths

GENERATED = 100
FLOOR_MARGIN = 0.15  # seconds `invoke build` may take above the floor (issue 14)


# A fresh process's build of the tree at argv[1]: its wall time and CPU time (its own and its
# children's, the Jsonnet engine's once it is stopped), as JSON.
_BUILD = """
import json, resource, sys, time
from pathlib import Path
from leaky_dashboards import build, worker
from leaky_dashboards.project import Project
from leaky_dashboards.settings import Paths
def cpu():
    return sum(getattr(resource.getrusage(who), f) for who in
               (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN) for f in ("ru_utime", "ru_stime"))
paths = Paths.under(Path(sys.argv[1]))
before, started = cpu(), time.perf_counter()
build.run(Project(paths), update=True, echo=lambda _: None)
seconds = time.perf_counter() - started
worker.stop_all()
print(json.dumps({"seconds": seconds, "cpu": cpu() - before}))
"""


def run_script(script: str, root: Path, cache: str) -> dict[str, Any]:
    """Run a measuring `script` on the tree at `root` in a fresh interpreter using the cache
    directory `cache` (nothing an earlier build holds in memory helps it); its last line of
    output, as JSON."""
    package_root = Path(__file__).resolve().parents[1]
    env = os.environ | {
        CACHE_ENV: cache,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(package_root), os.environ.get("PYTHONPATH")])
        ),
    }
    out = subprocess.run(
        [sys.executable, "-c", script, str(root)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    measured: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return measured


def _build_in_child(paths: Paths, cache: str) -> tuple[float, float]:
    """(wall, CPU) seconds of one build of `paths` in a fresh process using `cache`."""
    measured = run_script(_BUILD, paths.root, cache)
    return float(measured["seconds"]), float(measured["cpu"])


def _builds(paths: Paths, caches: list[str]) -> tuple[list[float], list[float]]:
    """Wall and CPU times of one fresh-process build per cache directory."""
    measured = [_build_in_child(paths, cache) for cache in caches]
    return [wall for wall, _ in measured], [cpu for _, cpu in measured]


def _timed(job: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        job()
        times.append(time.perf_counter() - started)
    return times


def _line(label: str, times: list[float], cpu: list[float] | None = None) -> str:
    line = (
        f"{label:<48} min {min(times) * 1000:8.1f} ms   "
        f"median {statistics.median(times) * 1000:8.1f} ms   (n={len(times)})"
    )
    return line if cpu is None else f"{line}   cpu min {min(cpu) * 1000:8.1f} ms"


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
    with tempfile.TemporaryDirectory() as tmp, _environment(CACHE_ENV, f"{tmp}/cache"):
        real = _copy_tree(Path(tmp) / "real")
        echo(_line("build, real tree (go), cold", *_cold(tmp, real, repeat)))
        echo(_line("build, real tree (go), warm", *_warm(tmp, real, repeat)))
        manifests(real, repeat, echo)
        _evaluations(real, installation, repeat, echo)
        generated = _copy_tree(Path(tmp) / "generated")
        _generate(generated, GENERATED)
        runs = max(1, repeat // 2)
        label = f"build, {GENERATED} generated dashboards (go)"
        echo(_line(f"{label}, cold", *_cold(tmp, generated, runs)))
        echo(_line(f"{label}, warm", *_warm(tmp, generated, runs)))
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


def _cold(tmp: str, paths: Paths, repeat: int) -> tuple[list[float], list[float]]:
    """Builds of `paths`, each in a fresh process from an empty cache directory."""
    return _builds(paths, [f"{tmp}/cold-{paths.root.name}-{n}" for n in range(repeat)])


def _warm(tmp: str, paths: Paths, repeat: int) -> tuple[list[float], list[float]]:
    """Builds of `paths`, each in a fresh process from the cache an earlier build filled."""
    cache = f"{tmp}/warm-{paths.root.name}"
    _build_in_child(paths, cache)
    return _builds(paths, [cache] * repeat)


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

    def wall(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
        before, started = _children_cpu(), time.perf_counter()
        subprocess.run(argv, cwd=Paths().root, env=env, capture_output=True, check=False)
        return time.perf_counter() - started, _children_cpu() - before

    subprocess.run(command, cwd=Paths().root, capture_output=True, check=False)  # warm caches
    floor = [wall(floor_command) for _ in range(repeat)]
    built = [wall(command) for _ in range(repeat)]
    with tempfile.TemporaryDirectory() as tmp:
        cold = [wall(command, os.environ | {CACHE_ENV: f"{tmp}/{n}"}) for n in range(repeat)]
    for label, measured in (
        ("floor: `python -c 'import invoke.program'`", floor),
        ("`invoke build` wall time, real tree, cold cache", cold),
        ("`invoke build` wall time, real tree", built),
    ):
        echo(_line(label, [w for w, _ in measured], [c for _, c in measured]))
    floor_times, built_times = [w for w, _ in floor], [w for w, _ in built]
    above = min(built_times) - min(floor_times)
    cpu_above = min(c for _, c in built) - min(c for _, c in floor)
    echo(
        f"`invoke build` is {min(built_times) / min(floor_times):.2f} × the floor, "
        f"{above * 1000:.0f} ms above it (target: at most {FLOOR_MARGIN * 1000:.0f} ms above); "
        f"CPU {cpu_above * 1000:.0f} ms above the floor's"
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
