"""Output files: a failed, refused or interrupted write leaves the old outputs exactly as they were.

`replace_trees` changes output directories through the directories themselves (or the
directories their symlinks point at): it never swaps in a new directory, so permissions,
ownership and links the user set stay, and no sibling copy is ever left beside them. A change of
one or more directories is one transaction recorded in an on-disk journal (a hidden file written
atomically and synced) before anything is touched: stage (make directories, write hidden
temporaries, synced), commit (the journal says so), switch (keep each old file as a hidden hard
link, rename each new one into place, move each stale one aside), finish (remove the backups and
emptied directories, then the journal). A failure or an interrupt before the switch ends undoes
it from the disk; a process killed outright (SIGKILL, power loss) leaves the journal, and
`recover` (the next command, any command) finishes a committed change or undoes one that was not,
and removes its temporaries. SIGINT, SIGTERM and SIGHUP are held while the change runs, so a
real Ctrl-C lands before or after it. Readers never see the temporaries (`read_tree`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
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
    """One file-system change: mkdir, rmdir, write (bytes to a new file, synced), rename, unlink,
    symlink, link (a hard link `arg` of `path`, a symlink itself for a symlink) or journal
    (bytes written to a temporary, synced, renamed over `path`, its directory synced).

    Tests replace this function to fail or interrupt at any chosen step.
    """
    if op == "mkdir":
        path.mkdir()
        os.chmod(path, _dir_mode())
    elif op == "rmdir":
        path.rmdir()
    elif op == "write":
        assert isinstance(arg, bytes)
        _write_new(path, arg, _file_mode())
    elif op == "rename":
        assert isinstance(arg, Path)
        os.replace(path, arg)
    elif op == "unlink":
        path.unlink()
    elif op == "symlink":
        assert isinstance(arg, str)
        os.symlink(arg, path)
    elif op == "link":
        assert isinstance(arg, Path)
        os.link(path, arg, follow_symlinks=False)
    elif op == "journal":
        assert isinstance(arg, bytes)
        temporary = path.with_name(path.name + TEMP_MARK)
        temporary.unlink(missing_ok=True)
        _write_new(temporary, arg, 0o600)
        os.replace(temporary, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    else:  # pragma: no cover - a programming error
        raise ValueError(f"unknown step {op!r}")


def _write_new(path: Path, content: bytes, mode: int) -> None:
    """`content` in a new file, on disk (fsync) before this returns."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(path, mode)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


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
JOURNAL_VERSION = 1
# Where a replace_tree without a journal of its own keeps one: beside the directory it changes.
JOURNAL_SUFFIX = f"{TEMP_MARK}journal"


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


@dataclass
class _Plan:
    """One change of one or more output directories, as the on-disk journal records it.

    `replace`: (temporary, target, backup or None for a new file); `remove`: (stale target,
    backup); `dirs`: directories to make, parents first; `emptied`: directories a removal may
    leave empty. Backups are hard links of the old files, hidden in the output's root, so an
    interrupted change can be undone from the disk alone.
    """

    names: list[str] = field(default_factory=list)
    dirs: list[Path] = field(default_factory=list)
    replace: list[tuple[Path, Path, Path | None]] = field(default_factory=list)
    remove: list[tuple[Path, Path]] = field(default_factory=list)
    emptied: list[Path] = field(default_factory=list)
    content: dict[Path, bytes] = field(default_factory=dict)  # temporary → bytes, not journaled

    def record(self, state: str, base: Path) -> bytes:
        """The journal's bytes; paths inside `base` (the journal's directory) are relative, so a
        copied tree's journal never points into the original."""

        def text(path: Path | None) -> str | None:
            if path is None:
                return None
            return os.fsdecode(path.relative_to(base) if path.is_relative_to(base) else path)

        data = {
            "version": JOURNAL_VERSION,
            "state": state,
            "names": self.names,
            "dirs": [text(d) for d in self.dirs],
            "replace": [[text(t), text(g), text(b)] for t, g, b in self.replace],
            "remove": [[text(g), text(b)] for g, b in self.remove],
            "emptied": [text(d) for d in self.emptied],
        }
        return json.dumps(data, indent=1).encode("utf-8")

    @classmethod
    def read(cls, content: bytes, base: Path) -> tuple[str, _Plan]:
        """The state and plan of a journal; ValueError when it is not one this code wrote."""
        try:
            data = json.loads(content)
            if data["version"] != JOURNAL_VERSION:
                raise ValueError(f"journal version {data['version']}")

            def path(text: str) -> Path:
                return base / text  # an absolute path stays as it is

            def backup(text: str | None) -> Path | None:
                return None if text is None else path(text)

            plan = cls(
                names=[str(n) for n in data["names"]],
                dirs=[path(d) for d in data["dirs"]],
                replace=[(path(t), path(g), backup(b)) for t, g, b in data["replace"]],
                remove=[(path(g), path(b)) for g, b in data["remove"]],
                emptied=[path(d) for d in data["emptied"]],
            )
            return str(data["state"]), plan
        except (KeyError, TypeError, ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f"not a journal of this build: {exc}") from None


def replace_tree(
    directory: Path,
    files: Mapping[str, bytes],
    keep: tuple[str, ...] = (),
    *,
    show: str | None = None,
) -> list[str]:
    """Make `directory` hold exactly `files`; see `replace_trees`. Its journal lies beside it."""
    journal = directory.parent / f".{directory.name}{JOURNAL_SUFFIX}"
    return replace_trees([Output(directory, files, keep, show or "")], journal)


def replace_trees(outputs: Sequence[Output], journal: Path) -> list[str]:
    """Make each output directory hold exactly its files, all or none; return what changed.

    Unchanged files are not rewritten. Raises WriteRefused, touching nothing, when a place to
    write is read-only; any other failure or an interrupt puts every old file back before it
    propagates. `journal` is where the change is recorded while it runs (the caller holds the
    outputs' lock): a change the process did not live to end is finished or undone by `recover`.
    An interrupted change recorded there is recovered first; hidden temporaries an older run
    left in the outputs are removed.
    """
    recover(journal)
    plan = _Plan()
    leftovers: list[Path] = []
    changed_names: list[str] = []
    for output in outputs:
        root = _target(output.directory, output.name)
        old, temporaries = _listing(root)
        leftovers += temporaries
        changed = sorted(p for p, content in output.files.items() if old.get(p) != content)
        stale = sorted(
            p for p in old if p not in output.files and p.split("/")[0] not in output.keep
        )
        if changed or stale:  # nothing to write, nothing to refuse
            _check_writable(root, output.name, [*changed, *stale])
            plan.names.append(output.name)
        _plan(plan, root, output.files, old, changed, stale)
        changed_names += [f"{output.name}/{relpath}" for relpath in sorted([*changed, *stale])]
    with held_signals():
        for leftover in leftovers:  # garbage: nothing depends on its removal
            with contextlib.suppress(OSError):
                step("unlink", leftover)
        if plan.replace or plan.remove:
            _change(plan, journal)
    return changed_names


def _plan(
    plan: _Plan,
    root: Path,
    files: Mapping[str, bytes],
    old: Mapping[str, Old],
    changed: list[str],
    stale: list[str],
) -> None:
    """Every new file written beside its target, then renamed into place (the old one kept as a
    backup until the end), then stale files removed and the directories they leave empty."""
    for relpath in changed:
        target = root / relpath
        for missing in reversed([target.parent, *target.parent.parents]):
            if not missing.exists() and missing not in plan.dirs:
                plan.dirs.append(missing)
        temp = _temp_name(target)
        plan.content[temp] = files[relpath]
        plan.replace.append((temp, target, _temp_name(root / "old") if relpath in old else None))
    emptied: set[Path] = set()
    for relpath in stale:
        target = root / relpath
        plan.remove.append((target, _temp_name(root / "stale")))
        emptied.update(p for p in target.parents if root in p.parents)
    plan.emptied += sorted(emptied, key=lambda p: (-len(p.parts), p))


def _change(plan: _Plan, journal: Path) -> None:
    """Stage, commit, switch, finish: the journal says which, so any stop can be recovered."""
    committed = False
    try:
        step("journal", journal, plan.record("staging", journal.parent))
        for directory in plan.dirs:
            step("mkdir", directory)
        for temp, _, _ in plan.replace:
            step("write", temp, plan.content[temp])
        step("journal", journal, plan.record("commit", journal.parent))
        committed = True
        for temp, target, backup in plan.replace:
            if backup is not None:
                step("link", target, backup)
            step("rename", temp, target)
        for target, backup in plan.remove:
            step("rename", target, backup)
    except BaseException as exc:
        cause = exc
        try:
            if committed:
                with contextlib.suppress(OSError):
                    step("journal", journal, plan.record("rollback", journal.parent))
            _undo(plan, journal)
        except BuildError as failed:
            raise BuildError(f"{_cannot_write(cause)}; {failed}") from None
        if isinstance(cause, OSError):
            raise BuildError(f"{_cannot_write(cause)}; the old output was kept") from None
        raise
    _finish(plan, journal)


def _cannot_write(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        where = Path(exc.filename).parent if exc.filename else "the output"
        return f"{where}: cannot write: {exc.strerror}"
    return "interrupted"


def _attempt(failures: list[str], op: str, path: Path, arg: Path | None = None) -> None:
    """One step of a recovery: one already done (nothing there) is no failure."""
    try:
        step(op, path, arg)
    except FileNotFoundError:
        pass
    except OSError as exc:
        failures.append(f"{exc.filename or path}: {exc.strerror}")


def _undo(plan: _Plan, journal: Path) -> None:
    """Put every old file back, remove every temporary and made directory, then the journal.
    Each step looks at the disk first, so undoing an undo half done is right too."""
    failures: list[str] = []
    for stale, aside in reversed(plan.remove):
        if os.path.lexists(aside):
            _attempt(failures, "rename", aside, stale)
    for temp, target, backup in reversed(plan.replace):
        if backup is not None:
            if _same_file(backup, target):  # linked, not yet replaced: the old file is there
                _attempt(failures, "unlink", backup)
            elif os.path.lexists(backup):
                _attempt(failures, "rename", backup, target)
            _attempt(failures, "unlink", temp)
        elif os.path.lexists(temp):
            _attempt(failures, "unlink", temp)
        else:  # the new file went into place
            _attempt(failures, "unlink", target)
    for directory in reversed(plan.dirs):
        if directory.is_dir() and not any(directory.iterdir()):
            _attempt(failures, "rmdir", directory)
    if failures:
        raise BuildError("could not restore the old output: " + "; ".join(failures))
    _attempt(failures, "unlink", journal)


def _same_file(a: Path, b: Path) -> bool:
    try:
        first, second = os.lstat(a), os.lstat(b)
    except OSError:
        return False
    return (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)


def _forward(plan: _Plan) -> None:
    """Finish a committed change: every new file into place, every stale one gone."""
    failures: list[str] = []
    for temp, target, _ in plan.replace:
        if os.path.lexists(temp):
            _attempt(failures, "rename", temp, target)
    for target, _ in plan.remove:
        _attempt(failures, "unlink", target)
    if failures:
        raise BuildError("could not finish the change: " + "; ".join(failures))


def _finish(plan: _Plan, journal: Path) -> None:
    """Remove the backups and the directories left empty, then the journal. The new outputs are
    in place: a step that fails is tried once more, and if it fails again the journal stays for
    the next command to finish. An interrupt (signals are held, so only a test's) waits for it."""
    interrupted: KeyboardInterrupt | None = None
    for _ in range(2):
        failures: list[str] = []
        try:
            backups = [b for _, _, b in plan.replace if b is not None] + [b for _, b in plan.remove]
            for backup in backups:
                if os.path.lexists(backup):
                    _attempt(failures, "unlink", backup)
            for directory in plan.emptied:
                if directory.is_dir() and not any(directory.iterdir()):
                    _attempt(failures, "rmdir", directory)
            if not failures:
                _attempt(failures, "unlink", journal)
        except KeyboardInterrupt as exc:
            interrupted, failures = exc, ["interrupted"]
        if not failures:
            break
    if interrupted is not None:
        raise interrupted


def recover(journal: Path) -> str | None:
    """Finish (committed) or undo (not committed) the change `journal` records, if any, and
    remove its temporaries; say which. The caller holds the outputs' lock."""
    temporary = journal.with_name(journal.name + TEMP_MARK)
    if not os.path.lexists(journal):
        if os.path.lexists(temporary):  # stopped while writing the first record
            with contextlib.suppress(FileNotFoundError):
                step("unlink", temporary)
        return None
    try:
        state, plan = _Plan.read(journal.read_bytes(), journal.parent)
    except (OSError, ValueError) as exc:
        raise BuildError(
            f"{journal}: an interrupted change's journal cannot be read ({exc}); check "
            "golden/ and provisioning/ (git status), remove it, and build again"
        ) from None
    names = ", ".join(f"{n}/" for n in plan.names) or "the outputs"
    with held_signals():
        if state == "commit":
            _forward(plan)
            _finish(plan, journal)
            files = len(plan.replace) + len(plan.remove)
            done = f"finished an interrupted change of {names} ({files} files)"
        else:
            _undo(plan, journal)
            done = f"rolled back an interrupted change of {names} (the old files kept)"
        with contextlib.suppress(FileNotFoundError):
            step("unlink", temporary)
    if os.path.lexists(journal):
        raise BuildError(f"{journal}: could not finish the interrupted change it records")
    return f"{done}; removed its temporaries"


def _temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}{TEMP_MARK}{os.urandom(4).hex()}")


def _listing(root: Path) -> tuple[dict[str, Old], list[Path]]:
    """What the directory holds now (file bytes, or a symlink's target when it cannot be read),
    and the hidden temporaries in it."""
    if not root.is_dir():
        return {}, []
    found: dict[str, Old] = {}
    temporaries: list[Path] = []
    for path in sorted(root.rglob("*")):
        if TEMP_MARK in path.name:
            temporaries.append(path)
            continue
        if path.is_dir():
            continue
        relpath = path.relative_to(root).as_posix()
        try:
            found[relpath] = path.read_bytes()
        except OSError:
            if not path.is_symlink():
                raise
            found[relpath] = os.readlink(path)
    return found, temporaries


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


# ---- the lock: one writer of the outputs at a time ----


class LockBusy(BuildError):
    """Another command holds the outputs' lock past the wait: exit 2, naming it."""


@contextmanager
def locked(
    path: Path, timeout: float, *, show: str = "", wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold an exclusive `flock` on `path` while the block runs; the file names its holder (pid,
    command, since when) and is removed when the block ends. Waits at most `timeout` seconds for
    another holder (saying so once through `wait`), then raises LockBusy naming it. Where the
    lock file cannot be made (a read-only tree) nothing can be written either: no lock is taken.
    """
    deadline = time.monotonic() + timeout
    said = False
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError:
            yield
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            if time.monotonic() >= deadline:
                raise LockBusy(
                    f"{show or path}: held by {holder}; waited {timeout:g} s "
                    f"(${LOCK_TIMEOUT_ENV}); try again when it ends"
                ) from None
            if not said and wait is not None:
                wait(f"{show or path}: waiting for {holder} (at most {timeout:g} s)")
                said = True
            time.sleep(LOCK_POLL)
            continue
        # The holder before may have removed the file between our open and our lock.
        if _same_inode(fd, path):
            break
        os.close(fd)
    try:
        since = time.strftime("%H:%M:%S UTC", time.gmtime())
        record = {"pid": os.getpid(), "command": _command(), "since": since}
        os.write(fd, json.dumps(record).encode("utf-8"))
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)


LOCK_TIMEOUT_ENV = "LEAKY_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 30.0
LOCK_POLL = 0.05


def lock_timeout(env: Mapping[str, str] | None = None) -> float:
    """How long a command waits for the outputs' lock: $LEAKY_LOCK_TIMEOUT seconds, else 30."""
    text = (os.environ if env is None else env).get(LOCK_TIMEOUT_ENV, "")
    if not text:
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 86_400:
        raise BuildError(f"{LOCK_TIMEOUT_ENV}: {text!r} is not a number of seconds (0 to 86399)")
    return value


def _holder(fd: int) -> str:
    try:
        record = json.loads(os.pread(fd, 4096, 0))
        return f"pid {int(record['pid'])} ({record['command']}) since {record['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another command (starting)"


def _same_inode(fd: int, path: Path) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except OSError:
        return False


def _command() -> str:
    """The command line as typed: `invoke build` (also for `python -m invoke build`)."""
    argv = sys.argv or ["python"]
    program = Path(argv[0])
    name = program.parent.name if program.name == "__main__.py" else program.name
    return " ".join([name, *argv[1:]])[:200]


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
    """Every file below `directory` as relative POSIX path → bytes (empty if it is absent),
    without the hidden temporaries of a write (`TEMP_MARK`), which are never output."""
    if not directory.is_dir():
        return {}
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        # a dangling link is read, and fails loudly, rather than skipped
        if TEMP_MARK not in path.name and not path.is_dir()
    }
