"""SIGTERM and SIGHUP stop a job the way Ctrl-C does: as an exception raised where the job is, so
its `finally` blocks run (temporary files removed, a server stopped, outputs left old or new)."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

# Signals that end a job (Ctrl-C's SIGINT already raises KeyboardInterrupt).
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C

Handler = Callable[[int, FrameType | None], object] | int | None


@contextmanager
def handled(signums: tuple[signal.Signals, ...], handler: Handler) -> Iterator[None]:
    """`handler` takes `signums` while the block runs; the old handlers come back after. Outside
    the main thread signals cannot be caught, and stay as they are."""
    previous: dict[signal.Signals, Handler] = {}
    try:
        for signum in signums:
            previous[signum] = signal.signal(signum, handler)
    except ValueError:  # not the main thread
        pass
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old if old is not None else signal.SIG_DFL)


@contextmanager
def raising_on_stop(make: Callable[[signal.Signals], BaseException]) -> Iterator[None]:
    """While the block runs, a stop signal raises `make(signal)`."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        raise make(signal.Signals(signum))

    with handled(STOP_SIGNALS, handler):
        yield


def exit_on_stop() -> None:
    """From now on, outside a job, SIGINT, SIGTERM and SIGHUP end the process at once with
    "interrupted" and 130: before a job starts and after it ended there is nothing to undo (a
    job's own handlers, `job_signals`, take over while it runs). The invoke tasks call this
    first of all, so a command stopped in its first or last moments exits as one stopped in
    the middle does, never with 143 or a traceback."""

    def stop(_signum: int, _frame: FrameType | None) -> None:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os.write(2, b"interrupted\n")
        os._exit(INTERRUPTED)

    for signum in (signal.SIGINT, *STOP_SIGNALS):
        signal.signal(signum, stop)


@contextmanager
def job_signals() -> Iterator[None]:
    """While a job runs: Ctrl-C and the stop signals raise KeyboardInterrupt where the job is,
    so its `finally` blocks run."""
    with (
        handled((signal.SIGINT,), signal.default_int_handler),
        raising_on_stop(lambda _: KeyboardInterrupt()),
    ):
        yield
