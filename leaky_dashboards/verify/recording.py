"""Recording rules over the synthetic history: backfilled by promtool, then checked against their
raw expressions.

`promtool tsdb create-blocks-from rules` (the real tool) evaluates each recording rule through the
query API of a Prometheus holding the raw blocks and writes the results as blocks of their own.
It cannot see what it is writing, so a rule that reads another rule's series must come in a later
group: each group is one pass, with the blocks of the groups before it loaded. The recorded blocks
are cached beside the raw ones, keyed by them and by the rules.

The check: at times spread over the data, each recorded series holds the value its expression
gives over the raw series at that instant, label set by label set.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import BuildError
from . import backfill, server
from .promapi import Client

RECORDED = "recorded"
META_FILE = "recorded.json"
# Where the checks look: this many instants, evenly over the data after its first hour (the
# longest SLI windows need history behind them).
CHECK_POINTS = 6
RELATIVE_TOLERANCE = 1e-9
# How the passes are made, in the key: blocks made another way are not reused (2: each group's
# file named without its scratch directory, so its evaluation instants are the same everywhere).
BUILD = "2"


@dataclass(frozen=True)
class Recorded:
    directory: Path  # the recorded blocks, to load beside the raw ones
    rules: int
    cached: bool


def recording_groups(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The groups that hold recording rules, each with its recording rules only."""
    groups = []
    for group in document.get("groups") or []:
        records = [r for r in group.get("rules") or [] if "record" in r]
        if records:
            groups.append({k: v for k, v in group.items() if k != "rules"} | {"rules": records})
    return groups


def records(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for group in recording_groups(document):
        yield from group["rules"]


def ensure_recorded(
    raw: backfill.Blocks,
    document: dict[str, Any],
    start: int,
    end: int,
    scrape_interval: str,
) -> Recorded | None:
    """The recorded blocks of `document`'s recording rules over [start, end]; None if it has
    none. Built once per raw blocks and rules, in passes of one group each."""
    groups = recording_groups(document)
    if not groups:
        return None
    text = json.dumps(groups, sort_keys=True)
    made = f"{text}\0{start}\0{end}\0{scrape_interval}\0{BUILD}"
    key = hashlib.sha256(made.encode()).hexdigest()[:16]
    target = raw.directory.parent / f"{raw.directory.name}-{RECORDED}-{key}"
    count = sum(len(g["rules"]) for g in groups)
    if (target / META_FILE).is_file():
        return Recorded(target, count, cached=True)
    with backfill.building(target):
        if (target / META_FILE).is_file():  # built by the run we waited for
            return Recorded(target, count, cached=True)
        _build(raw, groups, target, start, end, scrape_interval)
    return Recorded(target, count, cached=False)


def _build(
    raw: backfill.Blocks,
    groups: list[dict[str, Any]],
    target: Path,
    start: int,
    end: int,
    scrape_interval: str,
) -> None:
    count = sum(len(g["rules"]) for g in groups)
    with tempfile.TemporaryDirectory(prefix=".recording-", dir=raw.directory.parent) as scratch:
        work = Path(scratch)
        output = work / "blocks"
        output.mkdir()
        for n, group in enumerate(groups):
            rules_file = work / f"group-{n}.yaml"
            rules_file.write_text(yaml.safe_dump({"groups": [group]}, sort_keys=False))
            with server.running(
                lambda data: load(data, raw.directory, output), scrape_interval
            ) as prom:
                _promtool(prom.url, rules_file, start, end, scrape_interval, work / f"pass-{n}")
            for block in (work / f"pass-{n}").iterdir():
                if block.is_dir():
                    os.replace(block, output / block.name)
        (output / META_FILE).write_text(json.dumps({"rules": count}))
        try:
            os.replace(output, target)
        except OSError:  # another run filled the same key meanwhile
            if not (target / META_FILE).is_file():
                raise


def load(data: Path, *directories: Path) -> None:
    """Copy every block of `directories` into a server's data directory."""
    data.mkdir(parents=True, exist_ok=True)
    for directory in directories:
        for entry in directory.iterdir():
            if entry.is_dir():
                shutil.copytree(entry, data / entry.name)


def _promtool(url: str, rules: Path, start: int, end: int, interval: str, output: Path) -> None:
    """One pass. promtool evaluates a group at an offset in its interval hashed from the group's
    name and its file's name as given: the file is named without the (random) scratch directory,
    run from there, so an hourly group's evaluations fall at the same instants in every build."""
    command = [
        backfill.tool("promtool"),
        "tsdb",
        "create-blocks-from",
        "rules",
        f"--url={url}",
        f"--start={start}",
        f"--end={end}",
        f"--eval-interval={interval}",
        f"--output-dir={output}",
        "--quiet",
        rules.name,
    ]
    result = subprocess.run(command, cwd=rules.parent, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-5:])
        raise BuildError(f"promtool rules backfill failed (exit {result.returncode}): {tail}")


@dataclass(frozen=True)
class Mismatch:
    record: str
    at: int
    problem: str

    def line(self) -> str:
        return f"recording rule {self.record} at {self.at}: {self.problem}"


def check(
    client: Client, document: dict[str, Any], times: Sequence[int], step: int = 15
) -> tuple[int, list[Mismatch]]:
    """(comparisons made, mismatches): each recorded series against its expression, at the
    evaluation promtool made last before each of `times` (its grid need not be ours)."""
    compared = 0
    problems: list[Mismatch] = []
    for rule in records(document):
        name, extra = str(rule["record"]), dict(rule.get("labels") or {})
        for at in times:
            recorded = client.query(f"{name}[{2 * step}s]", at)
            if recorded.error:
                problems.append(Mismatch(name, at, recorded.error))
                continue
            last = {_key(s, {}): s["values"][-1] for s in recorded.result if s.get("values")}
            when = max((float(t) for t, _ in last.values()), default=float(at))
            raw = client.query(str(rule["expr"]), when)
            if raw.error:
                problems.append(Mismatch(name, at, raw.error))
                continue
            want = {_key(s, extra): _value(s) for s in raw.result}
            got = {k: float(v) for k, (t, v) in last.items() if float(t) == when}
            compared += 1
            if not want and not got:
                continue
            if want.keys() != got.keys():
                missing, extra_keys = want.keys() - got.keys(), got.keys() - want.keys()
                problems.append(
                    Mismatch(
                        name,
                        at,
                        f"label sets differ: {len(missing)} not recorded, "
                        f"{len(extra_keys)} recorded but not in the expression",
                    )
                )
                continue
            for labels, value in want.items():
                if not _same(value, got[labels]):
                    problems.append(
                        Mismatch(
                            name,
                            at,
                            f"{dict(labels)}: recorded {got[labels]!r}, expression {value!r}",
                        )
                    )
                    break
    return compared, problems


def check_times(start: int, end: int, step: int) -> list[int]:
    """CHECK_POINTS instants on promtool's evaluation grid (start + k·step), after the first
    hour and up to `end`."""
    first, span = 3600, max(end - start - 3600, 0)
    offsets = (first + span * k // max(CHECK_POINTS - 1, 1) for k in range(CHECK_POINTS))
    return sorted({start + offset // step * step for offset in offsets})


def _key(series: dict[str, Any], extra: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """A series' labels without its name, with the rule's own labels added."""
    metric = dict(series.get("metric") or {})
    metric.pop("__name__", None)
    return tuple(sorted((metric | extra).items()))


def _value(series: dict[str, Any]) -> float:
    return float(series["value"][1])


def _same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12)
