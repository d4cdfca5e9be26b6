"""Source format: every .jsonnet/.libsonnet passes the pinned `jsonnetfmt --test`; `fmt` rewrites.

The pin is Debian's `jsonnet` package (jsonnetfmt v0.18.0): another version may format
differently, so a mismatch is reported. `--test` exits 2 without naming the file, so a failed
batch is re-checked one file per process (in parallel) to name each file.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .rule import Rule

JSONNETFMT_COMMAND = "jsonnetfmt"
PINNED_VERSION = "v0.18.0"

JSONNETFMT = Rule(
    "jsonnetfmt",
    "source",
    "each `.jsonnet`/`.libsonnet` passes `jsonnetfmt --test` (`invoke fmt` rewrites them); "
    "no jsonnetfmt at all is a warning, an error under `CI=true`",
)
JSONNETFMT_VERSION = Rule(
    "jsonnetfmt-version",
    "source",
    f"jsonnetfmt is the pinned {PINNED_VERSION} (another version is a warning)",
)
RULES = (JSONNETFMT, JSONNETFMT_VERSION)


@dataclass(frozen=True)
class Result:
    """Files `--test` rejects: unformatted ones, unparseable ones (with the tool's message)."""

    unformatted: list[Path]
    failed: list[tuple[Path, str]] = field(default_factory=list)
    missing: str | None = None
    version_note: str | None = None


def sources(*directories: Path) -> list[Path]:
    return sorted(p for d in directories for p in (*d.glob("*.jsonnet"), *d.glob("*.libsonnet")))


@lru_cache(maxsize=1)
def version(binary: str) -> str:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    return (out.stdout.strip().split() or ["unknown"])[-1]


def find_binary() -> str | None:
    return shutil.which(JSONNETFMT_COMMAND)


def check(files: Iterable[Path]) -> Result:
    files = list(files)
    binary = find_binary()
    if binary is None:
        return Result([], missing=f"{JSONNETFMT_COMMAND} not found (Debian package `jsonnet`)")
    found = version(binary)
    note = None
    if found != PINNED_VERSION:
        note = (
            f"{JSONNETFMT_COMMAND} is {found}, pinned {PINNED_VERSION}: its formatting may differ"
        )
    if not files:
        return Result([], version_note=note)
    batch = subprocess.run([binary, "--test", *map(str, files)], capture_output=True, check=False)
    if batch.returncode == 0:
        return Result([], version_note=note)
    procs = [
        (
            f,
            subprocess.Popen(
                [binary, "--test", str(f)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
            ),
        )
        for f in files
    ]
    unformatted: list[Path] = []
    failed: list[tuple[Path, str]] = []
    for file, proc in procs:
        _, err = proc.communicate()
        if proc.returncode == 2:
            unformatted.append(file)
        elif proc.returncode != 0:
            failed.append(
                (file, (err.decode(errors="replace").strip().splitlines() or ["unreadable"])[0])
            )
    return Result(unformatted, failed, version_note=note)


def rewrite(files: Iterable[Path]) -> list[Path]:
    """Format files in place with the pinned jsonnetfmt; returns the files that changed."""
    binary = find_binary()
    if binary is None:
        raise FileNotFoundError(f"{JSONNETFMT_COMMAND} not found (Debian package `jsonnet`)")
    files = list(files)
    before = {f: f.read_bytes() for f in files}
    if files:
        out = subprocess.run([binary, "-i", *map(str, files)], capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(out.stderr.strip() or f"{JSONNETFMT_COMMAND} -i failed")
    return [f for f in files if f.read_bytes() != before[f]]
