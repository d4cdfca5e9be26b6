"""Synthetic series → TSDB blocks via `promtool tsdb create-blocks-from openmetrics`, cached.

The cache key hashes everything the blocks depend on: the evaluated metrics catalog, the source of
the generator modules, the seed, the time range, the world (replicas, incidents), the scenario
(full or quiet) and promtool's version. A second run with the same key only copies the blocks
(tens of MB), so verify starts in seconds; a changed catalog or generator rebuilds them. A run
that finds another building the same key (a second verify, a preview, a test process) waits for
its blocks instead of building them again: minutes of promtool at the real cardinality.

The text is written and backfilled in shards, each shard's promtool running while the next shard
is written: the platform's real cardinality (every bucket of every route of every instance, every
user's counters) is tens to hundreds of millions of samples, and promtool reads them on one core.
Each series is written as the generator makes it and then let go (synthetic.stream), so the
generator's memory does not grow with the users. The shards' blocks overlap in
time with disjoint series, which Prometheus (2.39 and later) merges at query time.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..catalog import Catalog
from ..errors import BuildError
from ..fsio import held_signals, locked
from . import openmetrics, quiet, shapes, synthetic, world
from .world import World

# promtool picks the largest block length 2h·3ⁿ that fits: 54 h, so 26 h of data is one block.
MAX_BLOCK_DURATION = "54h"
META_FILE = "backfill.json"
GENERATOR_MODULES = (shapes, synthetic, openmetrics, world)
# Samples per shard: a shard's text is about 1.5 GB, and two promtools at most run at once.
SHARD_SAMPLES = 8_000_000
PARALLEL_BACKFILLS = 2
# How long a run waits for another building the same blocks (a cold busy day: a few minutes).
BUILD_WAIT_SECONDS = 3600.0


@dataclass(frozen=True)
class Blocks:
    directory: Path  # holds the TSDB block directories
    series: int
    samples: int
    seconds: float  # time spent generating and backfilling (0 when cached)
    cached: bool


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BuildError(
            f"`{name}` not found on PATH: install Debian's prometheus package "
            "(`apt-get install prometheus`) or run `bash .ci/install`"
        )
    return path


def promtool_version() -> str:
    out = subprocess.run(
        [tool("promtool"), "--version"], capture_output=True, text=True, check=False
    )
    return (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else "unknown"


def cache_key(
    catalog: Catalog,
    seed: int,
    timeline: synthetic.Timeline,
    quiet_platform: bool = False,
    platform: World | None = None,
) -> str:
    digest = hashlib.sha256()
    scenario = "quiet" if quiet_platform else "full"
    events = (platform or synthetic.DEFAULT_WORLD).key()
    for part in (catalog.text, str(seed), repr(timeline), events, scenario, promtool_version()):
        digest.update(part.encode())
        digest.update(b"\0")
    # quiet.py shapes only the quiet blocks: editing it leaves the full ones cached.
    for module in (*GENERATOR_MODULES, *((quiet,) if quiet_platform else ())):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:20]


@contextlib.contextmanager
def building(target: Path) -> Iterator[None]:
    """Held while `target` (a cache entry) is built: one builder per key at a time, across
    processes (an flock on a file beside it, gone when the build ends, even on a kill)."""
    with locked(
        target.with_name(f".{target.name}.lock"),
        BUILD_WAIT_SECONDS,
        show=f"verify's cache entry {target.name}",
    ):
        yield


def ensure_blocks(
    catalog: Catalog,
    cache_root: Path,
    seed: int = synthetic.DEFAULT_SEED,
    timeline: synthetic.Timeline | None = None,
    quiet_platform: bool = False,
    platform: World | None = None,
) -> Blocks:
    """The blocks for this catalog and seed: from the cache, or generated and backfilled into it.

    `quiet_platform` leaves out the series Micrometer has not created yet (quiet.py); `platform`
    is what happens on it (default: an ordinary day).
    """
    timeline = timeline or synthetic.Timeline()
    target = cache_root / cache_key(catalog, seed, timeline, quiet_platform, platform)
    meta = target / META_FILE
    if meta.is_file():
        return _cached(target)
    cache_root.mkdir(parents=True, exist_ok=True)
    with building(target):
        if meta.is_file():  # built by the run we waited for
            return _cached(target)
        return _build(catalog, target, seed, timeline, quiet_platform, platform)


def _cached(target: Path) -> Blocks:
    info = json.loads((target / META_FILE).read_text())
    return Blocks(target, info["series"], info["samples"], 0.0, cached=True)


def _build(
    catalog: Catalog,
    target: Path,
    seed: int,
    timeline: synthetic.Timeline,
    quiet_platform: bool,
    platform: World | None,
) -> Blocks:
    meta = target / META_FILE
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=".build-", dir=target.parent) as scratch:
        work = Path(scratch)
        series: Iterable[synthetic.Series]
        if quiet_platform:  # a few hours: quiet.apply sees them all at once
            series = quiet.apply(
                synthetic.generate(catalog, seed, timeline, platform), catalog, timeline, platform
            )
        else:  # written as made: memory holds one metric's series at most, not the world's
            series = synthetic.stream(catalog, seed, timeline, platform)
        blocks = work / "blocks"
        count, samples = backfill_shards(series, timeline, work, blocks)
        (blocks / META_FILE).write_text(json.dumps({"series": count, "samples": samples}))
        try:
            os.replace(blocks, target)
        except OSError:  # another run filled the same key meanwhile
            if not meta.is_file():
                raise
    return Blocks(target, count, samples, time.perf_counter() - started, cached=False)


def shard(
    series: Iterator[synthetic.Series], first: synthetic.Series
) -> Iterator[synthetic.Series]:
    """`first`, then the next of `series` up to about SHARD_SAMPLES samples in all."""
    budget = SHARD_SAMPLES
    item: synthetic.Series | None = first
    while item is not None:
        yield item
        budget -= int(np.count_nonzero(item.present))
        item = next(series, None) if budget > 0 else None


def backfill_shards(
    series: Iterable[synthetic.Series], timeline: synthetic.Timeline, work: Path, output: Path
) -> tuple[int, int]:
    """Write consecutive runs of `series` of about SHARD_SAMPLES samples each as a shard's text
    and backfill each while the next is written; returns the series and the samples."""
    running: list[tuple[subprocess.Popen[str], Path]] = []
    remaining = iter(series)
    count = samples = 0
    times = timeline.times()
    try:
        for n in itertools.count():
            first = next(remaining, None)
            if first is None:
                break
            text = work / f"shard-{n}.om"
            with text.open("wb") as out:
                written = openmetrics.write(shard(remaining, first), times, out)
            count, samples = count + written.series, samples + written.samples
            while len(running) >= PARALLEL_BACKFILLS:
                _finish(*running[0])
                running.pop(0)  # only once it has ended: an interrupt meanwhile kills it
            with held_signals():  # started and recorded as one step
                running.append((_start(text, output), text))
        while running:
            _finish(*running[0])
            running.pop(0)
    finally:
        for process, _ in running:  # a failure or an interrupt: no promtool outlives the run
            process.kill()
            process.wait()
    return count, samples


def _command(openmetrics_file: Path, output: Path) -> list[str]:
    return [
        tool("promtool"),
        "tsdb",
        "create-blocks-from",
        "openmetrics",
        f"--max-block-duration={MAX_BLOCK_DURATION}",
        str(openmetrics_file),
        str(output),
    ]


def _start(openmetrics_file: Path, output: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        _command(openmetrics_file, output),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str], text: Path) -> None:
    out, err = process.communicate()
    text.unlink(missing_ok=True)
    if process.returncode != 0:
        tail = "\n".join((err or out).strip().splitlines()[-5:])
        raise BuildError(f"promtool backfill failed (exit {process.returncode}): {tail}")


def copy_blocks(blocks: Blocks, data_dir: Path) -> None:
    """Prometheus may compact or delete blocks it owns, so it gets a copy, never the cache."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for entry in blocks.directory.iterdir():
        if entry.is_dir():
            shutil.copytree(entry, data_dir / entry.name)
