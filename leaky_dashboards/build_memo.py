"""A build remembered by everything it reads: an unchanged tree is not compiled, linted or
rendered again.

What a build checks and renders (lint's findings and notes, every rendered file) is a function of
its inputs: the package's code (every file of `leaky_dashboards/`), the libraries it renders and
checks with (each by its files' identity, the validators by their sources, as the schema pass
keys them), the interpreter, the tree's sources (`dashboards/`, `libsonnet/`: every entry's kind
and content, a link's target too), `environments/`, Grafana's schemas and the Kubernetes CRDs
(content), the formatter (its identity), the installation, placement and engine, and the
environment variables a build reads (LEAKY_*, CI). `key` hashes all of these; `get` returns
what a successful build of the same key printed and rendered, `put` stores it (only when the key
was the same before and after that build, so an edit during a build is never remembered under
the old content). golden/ is never remembered: every build compares with it and writes its
outputs again (unchanged files are not rewritten). A tree holding anything but regular files,
directories and links is never remembered.

An entry is one file: a JSON header line (its key, the lint lines, the counts, the files' names
and sizes, the SHA-256 of the rest), then the files' bytes. It is verified on every read: a
truncated, corrupt or edited entry is ignored and removed. (A hash cannot stop someone who may
write the cache and recompute it: never share a cache directory with untrusted runs.) The `LIMIT`
most recently used entries are kept, in the user's cache directory; an unreadable or unwritable
cache is ignored. $LEAKY_JSONNET_CACHE=off (evaluate every time) turns this off too.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cache_entry
from .limits import SOURCE_MAX_BYTES
from .settings import cache_dir, kubernetes_schema_dir

if TYPE_CHECKING:
    from .project import Project

FORMAT = "leaky-build-memo 1"
SUBDIR = "builds"
SUFFIX = ".memo"
LIMIT = 20  # builds kept (a generated tree's entry holds megabytes)
SWITCH = "LEAKY_JSONNET_CACHE"  # `off`: nothing remembered (the engine's switch)
# Environment variables a build reads, beside the LEAKY_* ones: CI (lint's severities). (PATH
# decides which formatter runs: that formatter's identity is in the key.)
ENVIRONMENT = ("CI",)
# Libraries whose code renders or checks: by their files' identity (path, size, modification
# time, inode: an upgrade rewrites them) and their directory's.
LIBRARIES = ("yaml", "promql_parser", "grafana_foundation_sdk", "_gojsonnet", "_jsonnet")
# The validators, by the sources of their top package (what the schema passes key on).
VALIDATORS = ("jsonschema", "referencing")
FORMATTER = "jsonnetfmt"
_PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Remembered:
    """What a successful build printed before comparing with golden/ (lint's lines, notes) and
    rendered: `files` with the default installation, `installed` with this one (None: the same)."""

    lines: list[str]
    dashboards: int
    panels: int
    files: dict[str, bytes]
    installed: dict[str, bytes] | None


def enabled() -> bool:
    return os.environ.get(SWITCH) != "off"


def key(project: Project) -> str | None:
    """The hash of everything `project`'s build reads but golden/; None when the tree holds
    something a memo cannot vouch for (a FIFO, a device, an unreadable file)."""
    digest = hashlib.sha256(f"{FORMAT}\0{sys.version}\0".encode("utf-8", "surrogateescape"))
    paths = project.paths
    given = (
        repr(paths),
        repr(project.installation),
        repr(project.placement),
        project.engine,
        repr(project.reviewed.installation),
    )
    digest.update("\0".join(given).encode("utf-8", "surrogateescape") + b"\0")
    env = sorted((k, v) for k, v in os.environ.items() if k.startswith("LEAKY_"))
    env += [(k, os.environ.get(k, "\0absent")) for k in ENVIRONMENT]
    digest.update(json.dumps(env).encode() + b"\0")
    try:
        # Every file of the package (its code, its templates), bytecode aside.
        _tree(digest, _PACKAGE, skip=("__pycache__",))
        for name in LIBRARIES:
            _library(digest, name)
        for name in VALIDATORS:
            _sources(digest, name)
        formatter = shutil.which(FORMATTER)
        digest.update(
            f"formatter\0{_identity(formatter) if formatter else 'absent'}\0".encode(
                "utf-8", "surrogateescape"
            )
        )
        # The sources are a pull request's: only what the sandbox could read is hashed (nothing
        # outside the project, no loop, no file above a source's limit); else no memo.
        confine = _Confined(os.path.realpath(paths.root))
        for root in (paths.dashboards, paths.libsonnet, paths.root / "environments"):
            _tree(digest, root, confine=confine)
        for root, suffix in ((paths.schemas, ".json"), (kubernetes_schema_dir(), ".yaml")):
            _tree(digest, root, suffix=suffix, recurse=False)
    except _Unfit:
        return None
    return digest.hexdigest()


class _Unfit(Exception):
    """An entry no memo vouches for: the build reads it itself (and names what is wrong)."""


def _identity(path: str) -> str:
    real = os.path.realpath(path)
    try:
        info = os.stat(real)
    except OSError:
        return f"{real}\0absent"
    return f"{real}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_ino}"


def _library(digest: Any, name: str) -> None:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        digest.update(f"library\0{name}\0absent\0".encode("utf-8", "surrogateescape"))
        return
    origin = Path(spec.origin)
    # A package's directory too: installing another version replaces its files (a new mtime).
    identities = [_identity(str(origin)), _identity(str(origin.parent))]
    digest.update(
        f"library\0{name}\0{chr(0).join(identities)}\0".encode("utf-8", "surrogateescape")
    )


def _sources(digest: Any, name: str) -> None:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        digest.update(f"sources\0{name}\0absent\0".encode("utf-8", "surrogateescape"))
        return
    _tree(digest, Path(spec.origin).parent, suffix=".py", recurse=False)


@dataclass
class _Confined:
    """Where a source tree's links may lead, and the directories it has walked (a link back to
    one of them is a loop)."""

    root: str
    seen: set[tuple[int, int]] = field(default_factory=set)


def _tree(
    digest: Any,
    root: Path,
    *,
    suffix: str = "",
    recurse: bool = True,
    skip: tuple[str, ...] = (),
    confine: _Confined | None = None,
) -> None:
    """Every entry under `root` (those ending in `suffix`, but the directories named in `skip`):
    its relative name, kind and content (a link: its target and what it leads to)."""
    real = os.path.realpath(root)
    digest.update(f"tree\0{root}\0{real}\0".encode("utf-8", "surrogateescape"))
    try:
        names = sorted(os.listdir(root))
        if confine is not None:
            here = os.stat(root)
            if (here.st_dev, here.st_ino) in confine.seen:
                raise _Unfit
            confine.seen.add((here.st_dev, here.st_ino))
    except FileNotFoundError:
        digest.update(b"absent\0")
        return
    except OSError:
        raise _Unfit from None
    for name in names:
        path = root / name
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            continue
        except OSError:
            raise _Unfit from None
        link = ""
        if stat.S_ISLNK(mode):
            target = os.path.realpath(path)
            if confine is not None and os.path.commonpath([confine.root, target]) != confine.root:
                raise _Unfit
            link = f"link\0{os.readlink(path)}\0{target}\0"
            try:
                mode = os.stat(path).st_mode
            except FileNotFoundError:
                digest.update(f"{name}\0{link}dangling\0".encode("utf-8", "surrogateescape"))
                continue
            except OSError:
                raise _Unfit from None
        if stat.S_ISDIR(mode):
            if recurse and name not in skip:
                digest.update(f"{name}\0{link}directory\0".encode("utf-8", "surrogateescape"))
                _tree(digest, path, suffix=suffix, skip=skip, confine=confine)
            continue
        if not name.endswith(suffix):
            continue
        if not stat.S_ISREG(mode):
            raise _Unfit
        try:
            if confine is not None and os.stat(path).st_size > SOURCE_MAX_BYTES:
                raise _Unfit
            content = path.read_bytes()
        except OSError:
            raise _Unfit from None
        # The content itself, after its length: one hash for everything (making one per file
        # was most of the key's time).
        digest.update(f"{name}\0{link}{len(content)}\0".encode("utf-8", "surrogateescape"))
        digest.update(content)


def _directory() -> Path:
    return cache_dir() / SUBDIR


def get(digest: str) -> Remembered | None:
    """The build remembered under `digest`, None if there is none that verifies (such an entry
    is removed)."""
    entry = _directory() / f"{digest}{SUFFIX}"
    try:
        content = entry.read_bytes()
    except OSError:
        return None
    remembered = _parse(digest, content)
    if remembered is None:
        with contextlib.suppress(OSError):
            entry.unlink()
        return None
    with contextlib.suppress(OSError):
        os.utime(entry)  # just used: eviction drops the least recently used
    return remembered


def _parse(digest: str, content: bytes) -> Remembered | None:
    entry = cache_entry.parse(content, FORMAT)
    if entry is None or entry[0].get("key") != digest:
        return None
    meta, body = entry
    try:
        lines = [str(line) for line in meta["lines"]]
        counts = int(meta["dashboards"]), int(meta["panels"])
        files, offset = _files(meta["files"], body, 0)
        installed = None
        if meta["installed"] is not None:
            installed, offset = _files(meta["installed"], body, offset)
    except (KeyError, TypeError, ValueError):
        return None
    if offset != len(body):
        return None
    return Remembered(lines, *counts, files, installed)


def _files(listing: Any, body: bytes, offset: int) -> tuple[dict[str, bytes], int]:
    files: dict[str, bytes] = {}
    for name, size in listing:
        if not isinstance(name, str) or not isinstance(size, int) or size < 0:
            raise ValueError("not a file listing")
        files[name] = body[offset : offset + size]
        offset += size
    if offset > len(body):
        raise ValueError("shorter than its listing")
    return files, offset


def put(digest: str, remembered: Remembered) -> None:
    parts = [*remembered.files.values(), *(remembered.installed or {}).values()]
    body = b"".join(parts)
    meta = {
        "key": digest,
        "lines": remembered.lines,
        "dashboards": remembered.dashboards,
        "panels": remembered.panels,
        "files": [[k, len(v)] for k, v in remembered.files.items()],
        "installed": None
        if remembered.installed is None
        else [[k, len(v)] for k, v in remembered.installed.items()],
    }
    directory = _directory()
    try:
        cache_entry.write(directory / f"{digest}{SUFFIX}", FORMAT, meta, body)
        cache_entry.evict(directory, f"*{SUFFIX}", LIMIT)
    except OSError:
        pass  # an entry not written is only a slower next build
