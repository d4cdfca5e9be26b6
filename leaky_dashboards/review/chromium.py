"""Headless Chromium (Debian's `chromium`): a PNG of a local page, nothing fetched, nothing kept.

Every run gets a fresh profile directory, removed afterwards, and the flags that stop Chromium
from reaching out (updates, sync, QUIC, background networking).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

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


def screenshot(page: Path, png: Path, width: int, height: int) -> None:
    """Render `page` in a `width`×`height` window and write the picture to `png`."""
    with tempfile.TemporaryDirectory(prefix="leaky-chromium-") as profile:
        command = [
            binary(),
            *QUIET_FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={png}",
            f"--window-size={width},{height}",
            page.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                timeout=TIMEOUT_S,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise BuildError(
                f"{page}: chromium took over {TIMEOUT_S} s to take a screenshot"
            ) from None
    if done.returncode != 0 or not png.is_file() or png.stat().st_size == 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise BuildError(
            f"{page}: chromium made no screenshot (exit {done.returncode}): " + " / ".join(tail)
        )
