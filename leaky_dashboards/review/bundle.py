"""The preview's renderer: renderer/ (an npm project pinned by its package-lock.json) bundled by
esbuild into build/renderer/renderer.js, never committed.

`.ci/install` runs `npm ci` and the build; a preview builds it on demand when it is missing or
stale, keyed by the lockfile, package.json, build.mjs and every source file (and runs `npm ci`
first when renderer/node_modules does not match the lockfile).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import BuildError
from ..settings import ROOT

SOURCE = ROOT / "renderer"
OUTPUT = ROOT / "build" / "renderer"
BUNDLE = "renderer.js"
KEY_FILE = "renderer.key"
TIMEOUT_S = 600
NODE_ENV = "LEAKY_NODE"

INSTALL_HINT = (
    "install Debian's `nodejs` and `npm` (.ci/install does, then runs `npm ci` in renderer/)"
)


@dataclass(frozen=True)
class Bundle:
    script: str
    key: str


def node() -> str:
    """$LEAKY_NODE, else `node` on PATH."""
    candidate = os.environ.get(NODE_ENV) or shutil.which("node")
    if not candidate or not Path(candidate).exists():
        raise BuildError(f"node not found: {INSTALL_HINT}, or set {NODE_ENV} to its path")
    return candidate


def _inputs(source: Path) -> list[Path]:
    files = [source / "package.json", source / "package-lock.json", source / "build.mjs"]
    files += sorted(p for p in (source / "src").rglob("*") if p.is_file())
    return files


def key(source: Path) -> str:
    digest = hashlib.sha256()
    for path in _inputs(source):
        if not path.is_file():
            raise BuildError(f"{path}: missing; the preview's renderer is built from {source}/")
        digest.update(path.relative_to(source).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


def _installed(source: Path) -> bool:
    """Whether node_modules holds what the lockfile pins (npm writes its own copy of it)."""
    hidden = source / "node_modules" / ".package-lock.json"
    if not hidden.is_file():
        return False
    wanted = json.loads((source / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    have = json.loads(hidden.read_text(encoding="utf-8"))["packages"]
    return all(
        have.get(name, {}).get("version") == spec.get("version")
        for name, spec in wanted.items()
        if name and not spec.get("optional")
    )


def _run(command: list[str], where: Path, what: str) -> None:
    try:
        done = subprocess.run(
            command,
            cwd=where,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise BuildError(f"{what} took over {TIMEOUT_S} s") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise BuildError(f"{what} failed (exit {done.returncode}): " + " / ".join(tail))


def ensure(source: Path | None = None, output: Path | None = None) -> Bundle:
    """The bundled renderer (default: renderer/ built into build/renderer/), built first if
    missing or stale; node is needed only to build it."""
    source, output = source or SOURCE, output or OUTPUT
    wanted = key(source)
    script, stamp = output / BUNDLE, output / KEY_FILE
    if script.is_file() and stamp.is_file() and stamp.read_text().strip() == wanted:
        return Bundle(script.read_text(encoding="utf-8"), wanted)
    runtime = node()
    if not _installed(source):
        npm = shutil.which("npm")
        if npm is None:
            raise BuildError(f"npm not found: {INSTALL_HINT}")
        _run([npm, "ci", "--no-audit", "--no-fund"], source, "npm ci in renderer/")
    output.mkdir(parents=True, exist_ok=True)
    scratch = output / f".{BUNDLE}.{os.getpid()}"
    try:
        _run([runtime, str(source / "build.mjs"), str(scratch)], source, "the renderer's build")
        os.replace(scratch, script)
    finally:
        scratch.unlink(missing_ok=True)
    stamp.write_text(wanted + "\n")
    return Bundle(script.read_text(encoding="utf-8"), wanted)
