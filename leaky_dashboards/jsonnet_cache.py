"""Jsonnet evaluations remembered by what they read: an unchanged tree is not evaluated again.

An evaluation's JSON is a function of its entry text, the external variables, the engine, the
sandbox's roots and the files it read. The import callback (`sandbox.Importer`) sees every file
the engine reads, whatever its name (`import 'x.txt'`, `importstr 'data.json'`), and every
candidate it probed and found absent, so an entry is stored under the hash of the rest (`key`)
with that list: (path, SHA-256 of the content, or absent). A lookup is valid only while every
listed file still hashes the same and every absent one is still absent (a file that comes to
shadow another is a change); a key may hold a few such variants (`VARIANTS`, two branches
switched back and forth). The engine is counted by its binding file (path, size, time).

An entry is one file: a JSON header line (the reads, the result's SHA-256), then the result. It
is verified on every read: a truncated, corrupt or edited entry is ignored, removed, and the
evaluation stored anew. (A hash cannot stop someone who may write the cache and recompute it:
never share a cache directory with untrusted runs.) Only successful evaluations are kept, in the
user's cache directory (`settings.cache_dir()`), the `LIMIT` most recently used; an unreadable or
unwritable cache is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

from . import cache_entry
from .limits import MAX_STACK, SOURCE_MAX_BYTES
from .sandbox import Reads
from .settings import cache_dir

LIMIT = 400  # evaluations kept: enough for several trees and both engines
VARIANTS = 4  # per key: the most recent read sets
SUBDIR = "jsonnet"
SUFFIX = ".entry"
FORMAT = "leaky-jsonnet-cache 2"  # what the key and the entries mean; a change invalidates all


def key(binding: str, name: str, text: str, sandbox: str, ext_vars: dict[str, str]) -> str:
    """The hash of an evaluation's inputs other than the files it reads: the engine, the entry
    (`name`, `text`), the sandbox (`Importer.describe`), the limits and the external variables."""
    digest = hashlib.sha256(f"{FORMAT}\0{SOURCE_MAX_BYTES}\0{MAX_STACK}\0".encode())
    try:
        stat = os.stat(binding)
        digest.update(f"{binding}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    except OSError:
        digest.update(f"{binding}\0".encode())
    digest.update(f"{name}\0{sandbox}\0".encode())
    for var, value in sorted(ext_vars.items()):
        digest.update(f"{var}\0{value}\0".encode())
    digest.update(text.encode("utf-8", "surrogateescape") + b"\0")
    return digest.hexdigest()


def _directory() -> Path:
    return cache_dir() / SUBDIR


def _entries(digest: str) -> list[Path]:
    """The stored variants of `digest`, the most recent first."""
    try:
        found = [(p.stat().st_mtime_ns, p) for p in _directory().glob(f"{digest}-*{SUFFIX}")]
    except OSError:
        return []
    return [p for _, p in sorted(found, reverse=True)]


def _parse(content: bytes) -> tuple[Reads, str] | None:
    """An entry's reads and result, None unless it is whole and its hash holds."""
    entry = cache_entry.parse(content, FORMAT)
    if entry is None:
        return None
    meta, body = entry
    try:
        result = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    reads = meta.get("reads")
    if not isinstance(reads, list) or not all(
        isinstance(r, list)
        and len(r) == 2
        and isinstance(r[0], str)
        and (r[1] is None or isinstance(r[1], str))
        for r in reads
    ):
        return None
    return [(str(path), sha) for path, sha in reads], result


def get(digest: str, unchanged: Callable[[Reads], bool]) -> str | None:
    """The result stored under `digest` whose reads are `unchanged`, else None. An entry that
    does not verify is removed."""
    for entry in _entries(digest)[:VARIANTS]:
        try:
            content = entry.read_bytes()
        except OSError:
            continue
        parsed = _parse(content)
        if parsed is None:
            with contextlib.suppress(OSError):
                entry.unlink()
            continue
        reads, result = parsed
        if unchanged(reads):
            # Marked as just used: eviction drops the least recently used, so the tree a user
            # builds keeps its entries while test runs write hundreds of others.
            with contextlib.suppress(OSError):
                os.utime(entry)
            return result
    return None


def put(digest: str, reads: Reads, result: str) -> None:
    body = result.encode("utf-8")
    variant = hashlib.sha256(json.dumps(reads).encode()).hexdigest()[:16]
    directory = _directory()
    try:
        cache_entry.write(directory / f"{digest}-{variant}{SUFFIX}", FORMAT, {"reads": reads}, body)
        for old in _entries(digest)[VARIANTS:]:
            old.unlink(missing_ok=True)
        cache_entry.evict(directory, f"*{SUFFIX}", LIMIT)
        for stale in directory.glob("*.json"):  # entries of the cache's first format
            stale.unlink(missing_ok=True)
    except OSError:
        pass  # an entry not written is only a slower next evaluation
