"""The one home of the output layout: every golden-relative path, and what each tree holds.

golden/ holds every rendered file by the path named here (dashboards, docs, provisioning);
provisioning/ is the `provisioning/` part of it, deployed; the review commands read golden/'s
dashboards through `golden_dashboards`. No other module spells a golden path.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from . import fsio
from .errors import BuildError
from .settings import Paths

GOLDEN = "golden"  # how the reviewed copy is named in reports ("against golden")
DASHBOARDS_DIR = "dashboards"
DOCS_FILE = "docs/dashboards.md"
PROVISIONING_DIR = "provisioning/"
DATASOURCE_FILE = PROVISIONING_DIR + "datasources/prometheus.yaml"
PROVIDER_FILE = PROVISIONING_DIR + "dashboards/leaky-tokens.yaml"
RULES_FILE = PROVISIONING_DIR + "prometheus/leaky-tokens-alerts.yaml"
# Kubernetes manifests, one kustomize base per route (see `kubernetes`); deployed to
# build/kubernetes/ (`kubernetes_output`).
KUBERNETES_DIR = "kubernetes/"
# Top-level entries of provisioning/ the build leaves alone.
PROVISIONING_KEEP = ("README.md",)
# Hidden in the project root, only while a command changes the outputs: the lock (naming its
# holder) and the journal of the change (see fsio).
LOCK_FILE = ".leaky-outputs.lock"
JOURNAL_FILE = ".leaky-outputs.journal"


def journal(paths: Paths) -> Path:
    return paths.root / JOURNAL_FILE


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@contextmanager
def locked(paths: Paths, echo: Callable[[str], None] = _say) -> Iterator[None]:
    """Hold the outputs' lock (golden/ and provisioning/ have one writer at a time), after
    finishing or undoing a change a killed command left (saying so through `echo`)."""
    with fsio.locked(
        paths.root / LOCK_FILE, fsio.lock_timeout(), show="the outputs' lock", wait=echo
    ):
        done = fsio.recover(journal(paths))
        if done is not None:
            echo(f"outputs: {done}")
        yield


def recover(paths: Paths, echo: Callable[[str], None] = _say) -> None:
    """What every command does first: finish or undo a change a killed command left in the
    outputs. Only when a journal or a lock file is there (three stats otherwise) is the lock
    taken, waiting for a live holder, and the dead one's file removed."""
    record = journal(paths)
    leftovers = (record, record.with_name(record.name + fsio.TEMP_MARK), paths.root / LOCK_FILE)
    if any(os.path.lexists(path) for path in leftovers):
        with locked(paths, echo):
            pass


# What a pull request ships, as repository paths: every file under these directories (golden/:
# what Grafana and Prometheus load; prometheus/: the server's and Alertmanager's configuration)
# and the compose files at the root. `invoke diff --base` compares exactly these, as committed.
GOLDEN_PREFIX = GOLDEN + "/"
SHIPPED_DIRS = (GOLDEN_PREFIX, "prometheus/")
_COMPOSE = re.compile(r"(?:docker-)?compose(?:[.-][\w.-]*)?\.ya?ml")


def is_shipped(path: str) -> bool:
    """Whether the repository path `path` is shipped output (see SHIPPED_DIRS)."""
    return path.startswith(SHIPPED_DIRS) or ("/" not in path and bool(_COMPOSE.fullmatch(path)))


def dashboard_file(name: str) -> str:
    """The golden-relative path of dashboard `name` (its source's file stem)."""
    return f"{DASHBOARDS_DIR}/{name}.json"


def dashboard_name(path: str) -> str | None:
    """The dashboard a golden-relative path holds, or None for any other file."""
    pure = PurePosixPath(path)
    if pure.parent.as_posix() == DASHBOARDS_DIR and pure.suffix == ".json":
        return pure.stem
    return None


def golden_dashboards(paths: Paths) -> list[Path]:
    """The reviewed dashboard files in golden/, in name order."""
    return sorted((paths.golden / DASHBOARDS_DIR).glob("*.json"))


def golden_file(paths: Paths, path: str) -> Path:
    """Where the golden-relative `path` lives in this tree."""
    return paths.golden / path


def deployed(files: dict[str, bytes]) -> dict[str, bytes]:
    """The files of provisioning/, by their path inside it."""
    return {
        k.removeprefix(PROVISIONING_DIR): v
        for k, v in files.items()
        if k.startswith(PROVISIONING_DIR)
    }


def kubernetes_output(paths: Paths) -> Path:
    """Where the build writes this installation's manifests."""
    return paths.root / "build" / "kubernetes"


def deployed_manifests(files: dict[str, bytes]) -> dict[str, bytes]:
    """The files of kubernetes/, by their path inside it."""
    return {
        k.removeprefix(KUBERNETES_DIR): v for k, v in files.items() if k.startswith(KUBERNETES_DIR)
    }


def read_golden(paths: Paths, *, repair: bool = False) -> dict[str, bytes | None]:
    """golden/ as path → bytes. An unreadable file is an error naming it, or, when `repair`
    (golden-update, which rewrites it), None."""
    try:
        return dict(fsio.read_tree(paths.golden))
    except OSError as exc:
        if not repair:
            raise BuildError(f"{exc.filename}: unreadable golden file: {exc.strerror}") from None
    found: dict[str, bytes | None] = {}
    for path in sorted(paths.golden.rglob("*")):
        if path.is_dir() or fsio.TEMP_MARK in path.name:
            continue
        try:
            found[path.relative_to(paths.golden).as_posix()] = path.read_bytes()
        except OSError:
            found[path.relative_to(paths.golden).as_posix()] = None
    return found
