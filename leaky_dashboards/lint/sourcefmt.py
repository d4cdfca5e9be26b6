"""Source format: every .jsonnet/.libsonnet passes the pinned `jsonnetfmt --test`; `fmt` rewrites.

The pin is Debian's `jsonnet` package (jsonnetfmt v0.18.0): another version may format
differently, so a mismatch is reported. `--test` exits 2 without naming the file, so a failed
batch is re-checked one file per process (in parallel) to name each file.

What the formatter said is remembered by content in the user's cache directory (`Memo`): its
version, by the binary's identity (path, size, modification time, inode), and that a set of
files passed, by the binary and every file's path and SHA-256. A build of an unchanged tree runs
no formatter. Only passes are kept; an entry that does not verify is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .. import cache_entry
from ..settings import cache_dir
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


MEMO_DIR = "jsonnetfmt"
MEMO_FORMAT = "leaky-jsonnetfmt-memo 2"
MEMO_LIMIT = 200  # entries kept (the most recently used)


class Memo:
    """What the formatter at `binary` said before, in the user's cache directory: its version
    and which sets of files (path and content) passed `--test`. Each entry holds the hash of
    its key and value, checked when read; unreadable or unwritable, it is only not used."""

    def __init__(self, binary: str, directory: Path | None = None) -> None:
        self.directory = (directory or cache_dir()) / MEMO_DIR
        try:
            real = os.path.realpath(binary)
            info = os.stat(real)
            self.identity = f"{real}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_ino}"
        except OSError:
            self.identity = ""  # nothing known of it: nothing remembered

    def _key(self, what: str) -> str:
        return hashlib.sha256(f"{MEMO_FORMAT}\0{self.identity}\0{what}".encode()).hexdigest()

    def get(self, what: str) -> str | None:
        if not self.identity:
            return None
        key = self._key(what)
        entry = self.directory / key
        try:
            content = entry.read_bytes()
        except OSError:
            return None
        parsed = cache_entry.parse(content, MEMO_FORMAT)
        try:
            value = None if parsed is None or parsed[0].get("key") != key else parsed[1].decode()
        except UnicodeDecodeError:
            value = None
        if value is None:
            with contextlib.suppress(OSError):
                entry.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(entry)  # just used: kept longest
        return value

    def put(self, what: str, value: str) -> None:
        if not self.identity:
            return
        key = self._key(what)
        try:
            cache_entry.write(self.directory / key, MEMO_FORMAT, {"key": key}, value.encode())
            cache_entry.evict(self.directory, "[!.]*", MEMO_LIMIT)
        except OSError:
            pass  # not remembered: the next run asks the formatter again


def _files_key(files: list[Path], contents: Mapping[Path, bytes] | None) -> str:
    """What a `--test` pass is remembered by: every file's path and content hash."""
    digest = hashlib.sha256()
    for file in files:
        content = contents[file] if contents is not None and file in contents else None
        if content is None:
            content = file.read_bytes()
        digest.update(f"{file}\0".encode() + hashlib.sha256(content).digest())
    return "files\0" + digest.hexdigest()


@lru_cache(maxsize=1)
def version(binary: str) -> str:
    memo = Memo(binary)
    remembered = memo.get("version")
    if remembered is not None:
        return remembered
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    found = (out.stdout.strip().split() or ["unknown"])[-1]
    if out.returncode == 0:
        memo.put("version", found)
    return found


def find_binary() -> str | None:
    return shutil.which(JSONNETFMT_COMMAND)


def check(files: Iterable[Path], contents: Mapping[Path, bytes] | None = None) -> Result:
    """`--test` on `files` (whose bytes, when given in `contents`, are not read again)."""
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
    memo = Memo(binary)
    try:
        passed = _files_key(files, contents)
    except OSError:
        passed = ""
    if passed and memo.get(passed) == "formatted":
        return Result([], version_note=note)
    batch = subprocess.run([binary, "--test", *map(str, files)], capture_output=True, check=False)
    if batch.returncode == 0:
        if passed:
            memo.put(passed, "formatted")
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
