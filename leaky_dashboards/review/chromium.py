"""Headless Chromium (Debian's `chromium`), driven over its DevTools protocol: local pages loaded
one after another in one browser, each one's picture and what its script recorded read back;
nothing fetched, nothing kept.

Every run gets a fresh profile directory, removed afterwards, and the flags that stop Chromium
from reaching out (updates, sync, QUIC, background networking).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import websocket

from ..errors import BuildError

BINARY_ENV = "LEAKY_CHROMIUM"
DEFAULT_BINARY = "/usr/bin/chromium"
TIMEOUT_S = 120

QUIET_FLAGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
_DEVTOOLS = re.compile(r"DevTools listening on (ws://\S+)")
# What a page's renderer sets on <body data-rendered> when it is done ("error" if it failed).
_STATE = "document.body ? (document.body.dataset.rendered || '') : ''"


def binary() -> str:
    """$LEAKY_CHROMIUM, else Debian's /usr/bin/chromium, else `chromium` on PATH."""
    candidate = os.environ.get(BINARY_ENV) or (
        DEFAULT_BINARY if Path(DEFAULT_BINARY).exists() else shutil.which("chromium")
    )
    if not candidate or not Path(candidate).exists():
        raise BuildError(
            "chromium not found: install Debian's `chromium` (.ci/install does) "
            f"or set {BINARY_ENV} to its path"
        )
    return candidate


@dataclass(frozen=True)
class Shot:
    """A page as the browser drew it: its picture, and the JSON its script left in `#display`."""

    png: bytes
    display: Any


class Browser:
    """One headless Chromium with one page (tab), its console and exceptions recorded."""

    def __init__(self, executable: str, profile: str, *, owns_profile: bool = False) -> None:
        self.profile, self.owns_profile = profile, owns_profile
        # Chromium's log goes to a file, not a pipe nobody drains (a full pipe would stall it).
        self.log = Path(profile) / "stderr.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [executable, *QUIET_FLAGS, f"--user-data-dir={profile}",
                 "--remote-debugging-port=0", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                start_new_session=True,
            )  # fmt: skip
        deadline, url = time.monotonic() + TIMEOUT_S, None
        while url is None and time.monotonic() < deadline and self.process.poll() is None:
            found = _DEVTOOLS.search(self.log.read_text(errors="replace"))
            url = found.group(1) if found else None
            if url is None:
                time.sleep(0.02)
        if url is None:
            code = self.process.poll()
            tail = " / ".join(self.log.read_text(errors="replace").strip().splitlines()[-3:])
            self.owns_profile = False  # the caller removes it
            self.close()
            state = f"exit {code}" if code is not None else f"no answer in {TIMEOUT_S} s"
            raise BuildError(f"chromium did not start ({state}): {tail}".rstrip(": "))
        self.socket = websocket.create_connection(url, timeout=TIMEOUT_S, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        attached = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, session: bool = False
    ) -> Any:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        self.socket.send(json.dumps(message))
        while True:
            reply = json.loads(self.socket.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise BuildError(f"chromium: {method} failed: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def open(self, page: Path, width: int, height: int) -> None:
        """Load `page` in a `width`×`height` window and wait for its load event."""
        self.events.clear()
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                  session=True)  # fmt: skip
        self.call("Page.navigate", {"url": page.resolve().as_uri()}, session=True)
        deadline = time.monotonic() + TIMEOUT_S
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            if time.monotonic() > deadline:
                raise BuildError(f"{page}: chromium did not load it in {TIMEOUT_S} s")
            self.events.append(json.loads(self.socket.recv()))

    def evaluate(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=True
        )
        if "exceptionDetails" in result:
            raise BuildError(f"chromium: {expression[:60]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions, and browser log errors."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                described = (details.get("exception") or {}).get("description")
                found.append(str(described or details.get("text") or json.dumps(details)))
            elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "warning"):
                found.append(json.dumps(params["args"]))
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                found.append(params["entry"]["text"])
        return found

    def shoot(self, page: Path, width: int, height: int) -> Shot:
        """Load `page`, wait for its renderer, and take its picture and its `#display` JSON."""
        self.open(page, width, height)
        deadline = time.monotonic() + TIMEOUT_S
        state = self.evaluate(_STATE)
        while state not in ("1", "error", "static"):
            if time.monotonic() > deadline:
                raise BuildError(f"{page}: its renderer did not finish in {TIMEOUT_S} s")
            time.sleep(0.02)
            state = self.evaluate(_STATE)
        if state == "error":
            error = self.evaluate("document.body.dataset.error")
            raise BuildError(f"{page}: the renderer failed: {error}")
        problems = self.problems()
        if problems:
            raise BuildError(f"{page}: the page reported: {problems[0][:400]}")
        shot = self.call(
            "Page.captureScreenshot", {"format": "png", "optimizeForSpeed": True}, session=True
        )
        text = self.evaluate("(document.getElementById('display') || {}).textContent || 'null'")
        return Shot(base64.b64decode(shot["data"]), json.loads(text))

    def close(self) -> None:
        socket = getattr(self, "socket", None)
        if socket is not None:
            socket.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.owns_profile:
            shutil.rmtree(self.profile, ignore_errors=True)


def start() -> Browser:
    """A headless Chromium in a fresh profile of its own, removed when it is closed."""
    executable = binary()
    profile = tempfile.mkdtemp(prefix="leaky-chromium-")
    try:
        return Browser(executable, profile, owns_profile=True)
    except BaseException:
        shutil.rmtree(profile, ignore_errors=True)
        raise


@contextmanager
def browser() -> Iterator[Browser]:
    """A headless Chromium in a fresh profile, stopped and its profile removed afterwards."""
    client = start()
    try:
        yield client
    finally:
        client.close()


def screenshot(page: Path, png: Path, width: int, height: int) -> None:
    """Render `page` in a `width`×`height` window and write the picture to `png`."""
    with browser() as client:
        png.write_bytes(client.shoot(page, width, height).png)
