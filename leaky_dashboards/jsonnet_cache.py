"""Jsonnet evaluations remembered by content: an unchanged tree is not evaluated again.

An evaluation's JSON is a function of the entry text, the external variables, the engine and the
files the entry imports, transitively. Import paths are string literals in Jsonnet, so the files
are found by reading the sources: each `import`, `importstr` or `importbin` literal is looked up
where the engines look (beside the importing file, then in the library directory), every
candidate counted, present with its content or absent, so a file appearing where it would now be
found also changes the key. The engine is counted by its binding file (path, size, time). Only
successful evaluations are kept, in the user's cache directory (`settings.cache_dir()`), one file
per evaluation, the `LIMIT` most recently used; an unreadable or unwritable cache is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from pathlib import Path

from .settings import cache_dir

LIMIT = 400  # evaluations kept: enough for several trees and both engines
SUBDIR = "jsonnet"
_IMPORT = re.compile(r"""\bimport(?:str|bin)?\s*@?(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")""")


def _inputs(text: str, here: Path, library: Path) -> list[tuple[str, bytes | None]]:
    """Every file the text may import, transitively, as (path, content or None when absent)."""
    found: dict[str, bytes | None] = {}
    pending: list[tuple[str, Path]] = [(text, here)]
    while pending:
        source, directory = pending.pop()
        for match in _IMPORT.finditer(source):
            name = match[1] if match[1] is not None else match[2]
            candidates = [Path(name)] if os.path.isabs(name) else [directory / name, library / name]
            for candidate in candidates:
                key = str(candidate)
                if key in found:
                    continue
                try:
                    content = candidate.read_bytes()
                except OSError:
                    found[key] = None
                    continue
                found[key] = content
                if candidate.suffix in (".jsonnet", ".libsonnet"):
                    pending.append((content.decode("utf-8", "replace"), candidate.parent))
    return sorted(found.items())


def key(
    binding: str, name: str, text: str, here: Path, library: Path, ext_vars: dict[str, str]
) -> str:
    """The hash of everything the evaluation of `text` (named `name`, importing from `here` and
    `library`) can read."""
    digest = hashlib.sha256()
    try:
        stat = os.stat(binding)
        digest.update(f"{binding}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    except OSError:
        digest.update(f"{binding}\0".encode())
    digest.update(f"{name}\0{library}\0{here}\0".encode())
    for var, value in sorted(ext_vars.items()):
        digest.update(f"{var}\0{value}\0".encode())
    digest.update(text.encode() + b"\0")
    for path, content in _inputs(text, here, library):
        digest.update(path.encode() + (b"\1" + content if content is not None else b"\0"))
    return digest.hexdigest()


def get(digest: str) -> str | None:
    """The remembered result, marked as just used: eviction drops the least recently used, so
    the tree a user builds keeps its entries while test runs write hundreds of others."""
    path = cache_dir() / SUBDIR / f"{digest}.json"
    try:
        result = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)
    return result


def put(digest: str, result: str) -> None:
    directory = cache_dir() / SUBDIR
    temporary = directory / f".{digest}.{os.getpid()}.tmp"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        temporary.write_text(result, encoding="utf-8")
        os.replace(temporary, directory / f"{digest}.json")
        kept = sorted(directory.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
        for old in kept[:-LIMIT]:
            old.unlink(missing_ok=True)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
