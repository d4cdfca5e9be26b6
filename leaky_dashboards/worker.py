"""Jsonnet evaluates in a child process, so what a source makes the engine do is bounded.

Neither binding can be interrupted (the Go and C++ code never returns to Python until it is
done), and go-jsonnet aborts its whole process on a deep enough recursion (a goroutine stack of
1 GB: an endless `tailstrict` call, a very deep value). So each engine runs in one child, started
at the first evaluation a command needs (a warm build needs none) and serving every evaluation
after it. The child is a fresh, minimal interpreter (`python -S -I`: no site, no environment
paths, no current directory on its path) that can import only this package and the binding's
directory, spawned (`posix_spawn`) with nothing of the parent's open but its two pipes. The
parent waits with a bound: past `$LEAKY_JSONNET_MAX_MB` of the child's resident memory or
`$LEAKY_JSONNET_MAX_SECONDS` for one evaluation it kills the child and says so; a child that
dies (the Go runtime's own fatal errors) is a clean error too; Ctrl-C or SIGTERM stop the child
with the command. A new child is started for the next evaluation.

Go's collector runs in the child when its heap nears a quarter of the memory limit (at most
`GO_HEAP_MB`), not at every doubling of the heap (`GOGC=off`, `GOMEMLIMIT`, unless the
environment sets them): most of an evaluation's time was collection. The memory limit itself is
the parent's, on the whole process, as before.

The parent never loads an engine itself. Where a process cannot be spawned (no `posix_spawn`, no
interpreter to run), evaluations run here, unbounded.
"""

from __future__ import annotations

import contextlib
import faulthandler
import fcntl
import importlib
import importlib.util
import os
import pickle
import select
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .errors import BuildError
from .limits import EVALUATION_MAX_MB, EVALUATION_MAX_SECONDS, MAX_STACK
from .sandbox import Importer, Reads, Refusal

MAX_MB_ENV = "LEAKY_JSONNET_MAX_MB"
MAX_SECONDS_ENV = "LEAKY_JSONNET_MAX_SECONDS"
_POLL = 0.05  # seconds between two looks at the child's memory and time
GO_HEAP_MB = 1024  # where the child's Go collector starts (a quarter of the limit, at most this)
# The child's ends of its pipes: requests in, responses out (0, 1 and 2 are /dev/null and the
# engine's last words).
_CHILD_IN, _CHILD_OUT = 3, 4


@dataclass(frozen=True)
class Request:
    module: str  # the binding: _gojsonnet or _jsonnet
    name: str
    text: str
    library: str
    roots: tuple[str, ...]
    ext_vars: dict[str, str]


@dataclass(frozen=True)
class Response:
    """`result` and what was read, or the binding's error text with the sandbox's refusal and
    where the refused import is written (go-jsonnet can garble the text that would say so)."""

    result: str | None
    reads: Reads
    error: str | None = None
    refusal: Refusal | None = None
    site: tuple[str, int, int] | None = None


def evaluate_here(request: Request) -> Response:
    """Evaluate `request` in this process, in the sandbox."""
    binding: Any = importlib.import_module(request.module)
    importer = Importer(Path(request.library), [Path(r) for r in request.roots])
    try:
        result: str = binding.evaluate_snippet(
            request.name,
            request.text,
            ext_vars=request.ext_vars,
            import_callback=importer,
            max_stack=MAX_STACK,
        )
    except (RuntimeError, UnicodeDecodeError) as exc:
        # go-jsonnet can garble a callback's error into bytes that are not UTF-8.
        detail = str(exc) if isinstance(exc, RuntimeError) else ""
        site = importer.import_site(request.name, request.text)
        return Response(None, importer.recorded(), detail, importer.refusal, site)
    return Response(result, importer.recorded())


def limit(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise BuildError(f"${name}={value!r}: expected a positive whole number")
    return number


def _resident_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _send(fd: int, value: object) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(len(data).to_bytes(8, "big") + data)
    while view:
        view = view[os.write(fd, view) :]


def _receive_blocking(fd: int) -> Any:
    """The next value on `fd`; None at end of file."""
    data = bytearray()
    need = 8
    while len(data) < need:
        chunk = os.read(fd, max(need - len(data), 1 << 16))
        if not chunk:
            return None
        data += chunk
        if need == 8 and len(data) >= 8:
            need = 8 + int.from_bytes(data[:8], "big")
    return pickle.loads(bytes(data[8:need]))


def _serve(receive: int, send: int) -> None:
    """The child: evaluate requests until the parent closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops it
    faulthandler.disable()  # a crash is the parent's to report, in one line
    while True:
        request = _receive_blocking(receive)
        if request is None:
            return
        try:
            response: object = evaluate_here(request)
        except BaseException as exc:
            response = f"{type(exc).__name__}: {exc}"
        _send(send, response)


def child_main() -> None:
    """The spawned child's program (see `_Child`)."""
    code = 0
    try:
        # Nothing else of the parent's stays open here (a lock on the outputs would outlive
        # the parent's release of it); spawning closes them already, this makes sure.
        _close_all_but((0, 1, 2, _CHILD_IN, _CHILD_OUT))
        _serve(_CHILD_IN, _CHILD_OUT)
    except BaseException as exc:  # the parent reads its last words
        with contextlib.suppress(BaseException):
            os.write(2, f"{type(exc).__name__}: {exc}\n".encode())
        code = 1
    finally:
        os._exit(code)


def _close_all_but(keep: tuple[int, ...]) -> None:
    low = 0
    for fd in [*sorted(set(keep)), os.sysconf("SC_OPEN_MAX")]:
        if low < fd:  # closerange(n, n) closes every descriptor (close_range's n..n-1)
            os.closerange(low, fd)
        low = fd + 1


def _search_path(module: str) -> list[str]:
    """What the child may import from: this package's parent directory and the binding's."""
    package = Path(__file__).resolve().parent.parent
    spec = importlib.util.find_spec(module)
    binding = [str(Path(spec.origin).parent)] if spec is not None and spec.origin else []
    return list(dict.fromkeys([str(package), *binding]))


def _child_environment() -> dict[str, str]:
    env = dict(os.environ)
    heap = min(limit(MAX_MB_ENV, EVALUATION_MAX_MB) // 4, GO_HEAP_MB)
    env.setdefault("GOGC", "off")
    env.setdefault("GOMEMLIMIT", f"{max(heap, 1)}MiB")
    return env


def _high(pipe: tuple[int, int]) -> tuple[int, int]:
    """`pipe` moved above the child's fixed descriptors (so placing one end there cannot
    overwrite the other before it is placed)."""
    moved = tuple(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in pipe)
    for fd in pipe:
        os.close(fd)
    return moved[0], moved[1]


def can_spawn() -> bool:
    return hasattr(os, "posix_spawn") and bool(sys.executable) and os.path.isfile(sys.executable)


class _Child:
    def __init__(self, module: str) -> None:
        import tempfile

        down_read, self.down = _high(os.pipe())
        self.up, up_write = _high(os.pipe())
        # The engine's own last words, if it dies; closed with the child (`stop`, `_died`).
        self.errors: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        program = (
            f"import sys; sys.path[:0] = {_search_path(module)!r}; "
            "from leaky_dashboards.worker import child_main; child_main()"
        )
        try:
            pid = os.posix_spawn(
                sys.executable,
                # -B as this process has it ($PYTHONDONTWRITEBYTECODE, which -I ignores).
                [
                    sys.executable,
                    "-S",
                    "-I",
                    *(["-B"] if sys.dont_write_bytecode else []),
                    "-c",
                    program,
                ],
                _child_environment(),
                file_actions=[
                    (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                    (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                    (os.POSIX_SPAWN_DUP2, self.errors.fileno(), 2),
                    (os.POSIX_SPAWN_DUP2, down_read, _CHILD_IN),
                    (os.POSIX_SPAWN_DUP2, up_write, _CHILD_OUT),
                ],
                setsigdef=(signal.SIGINT, signal.SIGTERM, signal.SIGHUP),
            )
        except BaseException:
            for fd in (down_read, up_write, self.down, self.up):
                os.close(fd)
            self.errors.close()
            raise
        os.close(down_read)
        os.close(up_write)
        self.pid, self.owner = pid, os.getpid()
        # Nothing is shared with this process: the whole child counts.
        self.alive, self.closed = True, False

    def evaluate(self, request: Request, what: str) -> Response:
        self.begin(request, what)
        while (response := self.wait()) is None:
            pass
        return response

    def begin(self, request: Request, what: str) -> None:
        """Send `request` (named `what` in errors); `wait` for its response."""
        self.max_mb = limit(MAX_MB_ENV, EVALUATION_MAX_MB)
        self.max_seconds = limit(MAX_SECONDS_ENV, EVALUATION_MAX_SECONDS)
        self.what = what
        _send(self.down, request)
        self.started = time.monotonic()
        self.data = bytearray()
        self.need = 8

    def wait(self, ready: bool | None = None) -> Response | None:
        """The response when it has all come, else None after reading what `ready` says is
        there (None: waiting up to `_POLL` for it) and checking the limits."""
        if ready is None:
            ready = bool(select.select([self.up], [], [], _POLL)[0])
        what = self.what
        if ready:
            chunk = os.read(self.up, 1 << 20)
            if not chunk:
                raise BuildError(f"{what}: {self._died()}")
            self.data += chunk
            if self.need == 8 and len(self.data) >= 8:
                self.need = 8 + int.from_bytes(self.data[:8], "big")
            if len(self.data) < self.need:
                return None
            response = pickle.loads(bytes(self.data[8 : self.need]))
            if isinstance(response, str):
                raise BuildError(f"{what}: Jsonnet evaluation failed: {response}")
            assert isinstance(response, Response)
            return response
        used = _resident_mb(self.pid)
        spent = time.monotonic() - self.started
        if used > self.max_mb:
            self.stop()
            raise BuildError(
                f"{what}: Jsonnet evaluation used {used:,.0f} MB, above the limit of "
                f"{self.max_mb:,} MB (${MAX_MB_ENV}); stopped"
            )
        if spent > self.max_seconds:
            self.stop()
            raise BuildError(
                f"{what}: Jsonnet evaluation ran {spent:,.0f} s, above the limit of "
                f"{self.max_seconds:,} s (${MAX_SECONDS_ENV}); stopped"
            )
        return None

    def _died(self) -> str:
        _, status = os.waitpid(self.pid, 0)
        self.alive = False
        self.close()
        self.errors.seek(0)
        words = self.errors.read(4096).decode("utf-8", "replace").strip().splitlines()
        self.errors.close()
        said = next((w.strip() for w in words if w.strip()), "")
        if os.WIFSIGNALED(status):
            how = f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
        else:
            how = f"exit status {os.WEXITSTATUS(status)}"
        return f"the Jsonnet engine stopped ({how}){': ' + said if said else ''}"

    def stop(self) -> None:
        """Kill the child and wait for it (once: a reaped pid may be another process's)."""
        if self.alive:
            self.alive = False
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
        self.close()
        self.errors.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for fd in (self.down, self.up):
            with contextlib.suppress(OSError):
                os.close(fd)


# The children by binding and slot: slot 0 serves every evaluation, slots 1... the others of a
# batch evaluated side by side (`evaluate_many`).
_children: dict[tuple[str, int], _Child] = {}
_lock = threading.Lock()


def _child(module: str, slot: int) -> _Child:
    child = _children.get((module, slot))
    if child is None or child.owner != os.getpid():
        child = _children[(module, slot)] = _Child(module)
    return child


def _drop(module: str, slot: int, child: _Child) -> None:
    if _children.get((module, slot)) is child:
        del _children[(module, slot)]
    child.stop()


def evaluate(request: Request, what: str) -> Response:
    """Evaluate `request` in the engine's child (started now if there is none), bounded; here
    when this process cannot start one."""
    if not can_spawn():
        return evaluate_here(request)
    with _lock:  # one request at a time on a child's pipes
        child = _child(request.module, 0)
        try:
            return child.evaluate(request, what)
        except BaseException:  # a limit, a dead child, Ctrl-C: this child is done
            _drop(request.module, 0, child)
            raise


def evaluate_many(requests: list[tuple[Request, str]]) -> list[Response]:
    """Evaluate each (request, what) in a child of its own, side by side (the machine's cores),
    each bounded as `evaluate` bounds one. Every evaluation is waited for; then the first (in
    order) that failed raises, as it would evaluated one after the other. Ctrl-C stops them
    all."""
    if not can_spawn() or len(requests) < 2:
        return [evaluate(request, what) for request, what in requests]
    with _lock:
        running: dict[int, _Child] = {}
        results: dict[int, Response | BuildError] = {}
        try:
            for slot, (request, what) in enumerate(requests):
                running[slot] = child = _child(request.module, slot)
                child.begin(request, what)
            while len(results) < len(requests):
                waiting = {slot: c for slot, c in running.items() if slot not in results}
                ready, _, _ = select.select([c.up for c in waiting.values()], [], [], _POLL)
                for slot, child in waiting.items():
                    try:
                        response = child.wait(child.up in ready)
                    except BuildError as exc:  # this child is done; the others go on
                        _drop(requests[slot][0].module, slot, child)
                        results[slot] = exc
                        continue
                    if response is not None:
                        results[slot] = response
        except BaseException:  # Ctrl-C, a stop signal: every child of the batch is done
            for slot, child in running.items():
                _drop(requests[slot][0].module, slot, child)
            raise
    responses: list[Response] = []
    for slot in range(len(requests)):
        result = results[slot]
        if isinstance(result, BuildError):
            raise result
        responses.append(result)
    return responses


def child_pid(module: str, slot: int = 0) -> int | None:
    """The running child of a binding (for tests that stop one as a crash would)."""
    child = _children.get((module, slot))
    return child.pid if child is not None else None


def stop_all() -> None:
    """Stop every child (the next evaluation starts a new one)."""
    with _lock:
        for module in list(_children):
            _children.pop(module).stop()
