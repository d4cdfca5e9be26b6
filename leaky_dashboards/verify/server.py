"""A real `prometheus` process on a free loopback port, in a temporary directory, always stopped.

Used as a context manager: the server is stopped on normal exit, on any exception and on Ctrl-C;
SIGTERM and SIGHUP are turned into an exception so the same clean-up runs.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import yaml

from ..errors import BuildError
from ..signals import raising_on_stop
from .backfill import tool

READY_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


class Interrupted(BuildError):
    """The run was stopped by a signal."""

    exit_code = 130


def _interrupted(stop: signal.Signals) -> Interrupted:
    return Interrupted(f"stopped by signal {stop.name}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def minimal_config(scrape_interval: str) -> bytes:
    """No scrape jobs: the server only answers queries over the backfilled blocks."""
    document = {
        "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval}
    }
    return yaml.safe_dump(document, sort_keys=False).encode()


class Prometheus:
    """A running server: `url` is its base address; `process` the child."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process, self.url, self.log = process, url, log

    def log_tail(self, lines: int = 8) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BuildError(
                    f"prometheus exited with {self.process.returncode} before it was ready:\n"
                    + self.log_tail()
                )
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise BuildError(f"prometheus not ready after {timeout:.0f} s:\n" + self.log_tail())

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def running(
    prepare_data: Callable[[Path], None], scrape_interval: str = "15s", attempts: int = 3
) -> Iterator[Prometheus]:
    """Start prometheus over a data directory filled by `prepare_data`; stop it whatever happens."""
    binary = tool("prometheus")
    with (
        tempfile.TemporaryDirectory(prefix="leaky-verify-") as scratch,
        raising_on_stop(_interrupted),
    ):
        work = Path(scratch)
        data = work / "data"
        prepare_data(data)
        config = work / "prometheus.yml"
        config.write_bytes(minimal_config(scrape_interval))
        for attempt in range(1, attempts + 1):
            port = free_port()
            log = work / f"prometheus-{attempt}.log"
            with log.open("wb") as log_handle:
                process = subprocess.Popen(
                    [
                        binary,
                        f"--config.file={config}",
                        f"--storage.tsdb.path={data}",
                        f"--web.listen-address=127.0.0.1:{port}",
                        # Retention counts back from the newest block, never from the clock.
                        "--storage.tsdb.retention.time=100y",
                        "--log.level=warn",
                    ],
                    stdout=log_handle,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,  # Ctrl-C reaches us, and we stop it in order
                )
            server = Prometheus(process, f"http://127.0.0.1:{port}", log)
            try:
                server.wait_ready()
            except BuildError:
                server.stop()
                if "address already in use" in server.log_tail(40) and attempt < attempts:
                    continue  # the free port was taken meanwhile: try another
                raise
            except BaseException:
                server.stop()
                raise
            try:
                yield server
            finally:
                server.stop()
            return
