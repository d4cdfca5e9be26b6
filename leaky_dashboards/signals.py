"""SIGTERM and SIGHUP stop a job the way Ctrl-C does: as an exception raised where the job is, so
its `finally` blocks run (temporary files removed, a server stopped, outputs left old or new)."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

# Signals that end a job (Ctrl-C's SIGINT already raises KeyboardInterrupt).
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)

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
