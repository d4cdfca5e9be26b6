"""Atomic output: a failed or interrupted build never leaves a half-written file or tree."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp/mkdtemp create private (0600/0700) entries; outputs are read by Grafana and Prometheus
# (other users in their containers), so they get the usual permissions instead.
def _file_mode() -> int:
    return 0o666 & ~_umask()


def _dir_mode() -> int:
    return 0o777 & ~_umask()


def write_atomic(path: Path, content: bytes) -> None:
    """Write `content` to a temporary sibling, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def replace_tree(directory: Path, files: Mapping[str, bytes], keep: tuple[str, ...] = ()) -> None:
    """Make `directory` hold exactly `files` (relative path → bytes), swapped in by rename.

    The new tree is written beside the old one and renamed into place, so a reader sees either
    the old tree or the new one. Names in `keep` (top-level entries such as a README) survive.
    """
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.new.", dir=directory.parent))
    os.chmod(staging, _dir_mode())
    retired = staging.with_name(staging.name.replace(".new.", ".old."))
    try:
        for relpath, content in files.items():
            target = staging / relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        for name in keep:
            if (directory / name).exists():
                shutil.copy2(directory / name, staging / name)
        if directory.exists():
            os.replace(directory, retired)
        os.replace(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if retired.exists() and not directory.exists():
            os.replace(retired, directory)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def read_tree(directory: Path) -> dict[str, bytes]:
    """Every file below `directory` as relative POSIX path → bytes (empty if it is absent)."""
    if not directory.is_dir():
        return {}
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if not path.is_dir()  # a dangling link is read, and fails loudly, rather than skipped
    }
