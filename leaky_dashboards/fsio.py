"""Output files: a failed, refused or interrupted write leaves the old outputs exactly as they were.

`replace_tree` changes an output directory through the directory itself (or the directory its
symlink points at): it never swaps in a new directory, so permissions, ownership and links the
user set stay, and no sibling copy is ever left beside it. Every change is one step of a journal
(make a directory, write a temporary file, keep the old file aside, rename, remove); a failure or
an interrupt at any step undoes the steps done, in reverse, and removes every temporary. SIGINT,
SIGTERM and SIGHUP are held while the journal runs, so a real Ctrl-C lands before or after it.
"""

from __future__ import annotations

import os
import signal
import stat
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from .errors import BuildError
from .signals import handled

# Temporaries live inside the output directory, hidden, with this mark in their names.
TEMP_MARK = ".leaky-tmp-"
HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class WriteRefused(BuildError):
    """An output cannot be written (read-only, not a directory, a dangling link): exit 2."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp creates private (0600) files; outputs are read by Grafana and Prometheus (other users in
# their containers), so they get the usual permissions instead.
def _file_mode() -> int:
    return 0o666 & ~_umask()


def _dir_mode() -> int:
    return 0o777 & ~_umask()


# ---- the one write primitive: every change to the file system goes through `step` ----


def step(op: str, path: Path, arg: Path | bytes | str | None = None) -> None:
    """One file-system change: mkdir, rmdir, write (bytes to a new file), rename, unlink, symlink.

    Tests replace this function to fail or interrupt at any chosen step.
    """
    if op == "mkdir":
        path.mkdir()
        os.chmod(path, _dir_mode())
    elif op == "rmdir":
        path.rmdir()
    elif op == "write":
        assert isinstance(arg, bytes)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(arg)
            os.chmod(path, _file_mode())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    elif op == "rename":
        assert isinstance(arg, Path)
        os.replace(path, arg)
    elif op == "unlink":
        path.unlink()
    elif op == "symlink":
        assert isinstance(arg, str)
        os.symlink(arg, path)
    else:  # pragma: no cover - a programming error
        raise ValueError(f"unknown step {op!r}")


@contextmanager
def held_signals() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP while the block runs: each is noted, then raised again
    when the block ends, so its handler (KeyboardInterrupt) runs before or after, never inside.

    Python handlers, not a thread's signal mask: the Go Jsonnet runtime's threads would take a
    masked signal. Outside the main thread nothing can be held (and no handler runs there).
    """
    pending: list[int] = []

    def note(signum: int, _frame: FrameType | None) -> None:
        pending.append(signum)

    try:
        with handled(HELD_SIGNALS, note):
            yield
    finally:
        if pending:
            signal.raise_signal(pending[0])


# ---- checks before anything is touched ----


def read_only(path: Path) -> bool:
    """Whether `path` may not be changed: no write access, or no write bit at all.

    The mode counts even for root (who could write anyway): a directory the user made read-only
    is refused in CI containers running as root too.
    """
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    writable_bits = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
    return not os.access(path, os.W_OK) or not mode & writable_bits


def _target(directory: Path, show: str) -> Path:
    """The real directory to change: `directory`, or the directory its symlink points at."""
    if directory.is_symlink():
        real = directory.resolve()
        if not real.is_dir():
            raise WriteRefused(
                f"{show}: a symlink to {real}, which is not a directory; nothing was written"
            )
        return real
    if directory.exists() and not directory.is_dir():
        raise WriteRefused(f"{show}: exists and is not a directory; nothing was written")
    return directory


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


# ---- the journal ----

# What a file held before: its bytes, or the target of a symlink (dangling links included).
Old = bytes | str


@dataclass
class _Journal:
    """The steps done so far, newest last, each as the steps that undo it."""

    undo: list[list[tuple[str, Path, Path | bytes | str | None]]] = field(default_factory=list)

    def do(self, op: str, path: Path, arg: Path | bytes | str | None = None) -> None:
        step(op, path, arg)
        if op == "mkdir":
            self.undo.append([("rmdir", path, None)])
        elif op == "rmdir":
            self.undo.append([("mkdir", path, None)])
        elif op in ("write", "symlink"):
            self.undo.append([("unlink", path, None)])

    def replace(self, temp: Path, target: Path, old: Old | None) -> None:
        """Rename `temp` over `target`; undone by putting `old` back (or removing target)."""
        step("rename", temp, target)
        self.undo.append(_restore(target, old))

    def remove(self, target: Path, old: Old) -> None:
        step("unlink", target)
        self.undo.append(_restore(target, old))

    def rollback(self) -> None:
        """Undo every step, newest first; keep going past a failing one, then report it."""
        failed: list[str] = []
        for steps in reversed(self.undo):
            for op, path, arg in steps:
                try:
                    step(op, path, arg)
                except OSError as exc:
                    failed.append(f"{path}: {exc.strerror}")
                    break
        self.undo.clear()
        if failed:
            raise BuildError("could not restore the old output: " + "; ".join(failed))


def _restore(target: Path, old: Old | None) -> list[tuple[str, Path, Path | bytes | str | None]]:
    if old is None:
        return [("unlink", target, None)]
    temp = _temp_name(target)
    if isinstance(old, str):
        return [("symlink", temp, old), ("rename", temp, target)]
    return [("write", temp, old), ("rename", temp, target)]


@dataclass(frozen=True)
class Output:
    """One output directory and what it must hold (relative POSIX path → bytes); names in `keep`
    (top-level entries such as a README) are left alone; `show` names it in messages."""

    directory: Path
    files: Mapping[str, bytes]
    keep: tuple[str, ...] = ()
    show: str = ""

    @property
    def name(self) -> str:
        return self.show or str(self.directory)


def replace_tree(
    directory: Path,
    files: Mapping[str, bytes],
    keep: tuple[str, ...] = (),
    *,
    show: str | None = None,
) -> list[str]:
    """Make `directory` hold exactly `files`; see `replace_trees`."""
    return replace_trees([Output(directory, files, keep, show or "")])


def replace_trees(outputs: Sequence[Output]) -> list[str]:
    """Make each output directory hold exactly its files, all or none; return what changed.

    Unchanged files are not rewritten. Raises WriteRefused, touching nothing, when a place to
    write is read-only; any other failure or an interrupt puts every old file back before it
    propagates.
    """
    plans = []
    for output in outputs:
        root = _target(output.directory, output.name)
        old = _listing(root)
        changed = sorted(p for p, content in output.files.items() if old.get(p) != content)
        stale = sorted(
            p for p in old if p not in output.files and p.split("/")[0] not in output.keep
        )
        if changed or stale:  # nothing to write, nothing to refuse
            _check_writable(root, output.name, [*changed, *stale])
        plans.append((output, root, old, changed, stale))
    journal = _Journal()
    with held_signals():
        try:
            for output, root, old, changed, stale in plans:
                _apply(journal, root, output.files, old, changed, stale)
        except BaseException as exc:
            journal.rollback()
            if isinstance(exc, OSError):
                where = Path(exc.filename).parent if exc.filename else "the output"
                raise BuildError(
                    f"{where}: cannot write: {exc.strerror}; the old output was kept"
                ) from None
            raise
    return [
        f"{output.name}/{relpath}"
        for output, _, _, changed, stale in plans
        for relpath in sorted([*changed, *stale])
    ]


def _apply(
    journal: _Journal,
    root: Path,
    files: Mapping[str, bytes],
    old: Mapping[str, Old],
    changed: list[str],
    stale: list[str],
) -> None:
    """Write every new file beside its target, then rename each into place, then remove stale
    files and the directories they leave empty."""
    staged: list[tuple[Path, Path, Old | None]] = []
    for relpath in changed:
        target = root / relpath
        for missing in reversed([target.parent, *target.parent.parents]):
            if not missing.exists():
                journal.do("mkdir", missing)
        temp = _temp_name(target)
        journal.do("write", temp, files[relpath])
        staged.append((temp, target, old.get(relpath)))
    for temp, target, before in staged:
        journal.replace(temp, target, before)
    emptied: set[Path] = set()
    for relpath in stale:
        target = root / relpath
        journal.remove(target, old[relpath])
        emptied.update(p for p in target.parents if root in p.parents)
    for directory in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
        if directory.is_dir() and not any(directory.iterdir()):
            journal.do("rmdir", directory)


def _temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}{TEMP_MARK}{os.urandom(4).hex()}")


def _listing(root: Path) -> dict[str, Old]:
    """What the directory holds now: file bytes, or a symlink's target when it cannot be read."""
    if not root.is_dir():
        return {}
    found: dict[str, Old] = {}
    for path in sorted(root.rglob("*")):
        if path.is_dir() or TEMP_MARK in path.name:
            continue
        relpath = path.relative_to(root).as_posix()
        try:
            found[relpath] = path.read_bytes()
        except OSError:
            if not path.is_symlink():
                raise
            found[relpath] = os.readlink(path)
    return found


def _check_writable(root: Path, show: str, relpaths: list[str]) -> None:
    """Refuse before any change when a directory to write in (or its nearest existing parent,
    for one still to be made) is read-only."""
    places = {_nearest_existing(root)} | {
        _nearest_existing((root / relpath).parent) for relpath in relpaths
    }
    for place in sorted(places):
        if read_only(place):
            if place == root:
                name = show
            elif root in place.parents:
                name = f"{show}/{place.relative_to(root).as_posix()}"
            else:
                name = str(place)
            raise WriteRefused(
                f"{name}: read-only, cannot write the output there; nothing was written"
            )


def write_atomic(path: Path, content: bytes) -> None:
    """Write `content` to a temporary sibling, then rename it over `path`."""
    if path.parent.exists() and read_only(path.parent):
        raise WriteRefused(f"{path.parent}: read-only, cannot write {path.name}; nothing written")
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


def read_tree(directory: Path) -> dict[str, bytes]:
    """Every file below `directory` as relative POSIX path → bytes (empty if it is absent)."""
    if not directory.is_dir():
        return {}
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if not path.is_dir()  # a dangling link is read, and fails loudly, rather than skipped
    }
