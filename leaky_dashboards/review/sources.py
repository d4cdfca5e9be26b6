"""The two sides a review compares: the working tree's dashboards and a base.

The base is the reviewed golden copy by default, or the tree at a git ref rendered from that
ref's own Jsonnet sources (an old library renders old dashboards), never from today's library.
Each side holds every golden file (dashboards, provisioning, alert rules, docs), so the report
covers all of them.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from .. import fsio, outputs
from ..errors import BuildError
from ..library import CONFIG_FILE
from ..model import Json, iter_panels, shape_error
from ..project import Project
from ..settings import Paths, cache_dir


@dataclass(frozen=True)
class Side:
    """One rendering: every golden file (golden-relative path → bytes), its dashboard models by
    name (file stem), the thresholds table of config.libsonnet that rendered it (None when
    unknown), and where it came from, for the report's header."""

    label: str
    files: dict[str, bytes]
    dashboards: dict[str, Json]
    thresholds: dict[str, Any] | None = None


def working_tree(project: Project) -> Side:
    return _rendered("working tree", project)


def golden(project: Project) -> Side:
    """golden/ as written. Its thresholds table is HEAD's config.libsonnet when golden/ is as
    committed at HEAD (golden-update commits golden/ with the sources that rendered it)."""
    paths = project.paths
    try:
        files = fsio.read_tree(paths.golden)
    except OSError as exc:
        raise BuildError(f"{exc.filename}: unreadable golden file: {exc.strerror}") from None
    models: dict[str, Json] = {}
    for path, content in files.items():
        name = outputs.dashboard_name(path)
        problem = None
        try:
            if name is not None:
                models[name] = json.loads(content)
                problem = _not_a_dashboard(models[name])
            elif path.endswith((".yaml", ".yml")):
                problem = _not_a_yaml_output(yaml.safe_load(content))
        except (UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
            problem = " ".join(str(exc).split())
        if problem is not None:
            raise BuildError(
                f"{paths.show(paths.golden / path)}: corrupt golden file: {problem}; "
                "`git checkout` it, or `invoke golden-update` to write it anew"
            )
    thresholds = _committed_thresholds(project)
    return Side(outputs.GOLDEN, files, dict(sorted(models.items())), thresholds)


def _not_a_dashboard(model: Any) -> str | None:
    """What makes a golden dashboard one the comparison cannot read (None when it can): the
    build's shape check, and each panel's `gridPos` and `fieldConfig`."""
    problem = shape_error(model)
    if problem is not None:
        return problem
    for panel in iter_panels(model):
        grid, fields = panel.get("gridPos", {}), panel.get("fieldConfig", {})
        numbers = isinstance(grid, dict) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in grid.values()
        )
        if not numbers or not isinstance(fields, dict):
            return f"panel {panel.get('title')!r}: `gridPos` or `fieldConfig` is malformed"
    return None


def _not_a_yaml_output(document: Any) -> str | None:
    """What makes a golden YAML file (provisioning, alert rules) unreadable to the comparison."""
    if document is not None and not isinstance(document, dict):
        return "not a YAML mapping"
    groups = (document or {}).get("groups")
    if groups is not None and not (
        isinstance(groups, list)
        and all(
            isinstance(g, dict)
            and isinstance(g.get("rules", []), list)
            and all(isinstance(r, dict) for r in g.get("rules", []))
            for g in groups
        )
    ):
        return "`groups` is not a list of rule groups"
    return None


def git_ref(project: Project, ref: str) -> Side:
    """Render the files of `ref` from its own sources in a temporary tree, removed after."""
    paths = project.paths
    try:
        commit = _git(paths.root, "rev-parse", "--verify", "--end-of-options", f"{ref}^{{commit}}")
    except BuildError as exc:
        raise BuildError(f"--base {ref}: not a commit in {paths.root} ({exc})") from None
    archive = _git_bytes(paths.root, "archive", "--format=tar", commit.strip())
    with tempfile.TemporaryDirectory(prefix="leaky-base-") as tmp:
        root = Path(tmp)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(root, filter="data")
        try:
            return _rendered(ref, project.under(Paths.under(root)))
        except BuildError as exc:
            raise BuildError(f"at {ref}: {exc}") from None


def base(project: Project, ref: str | None) -> Side:
    return golden(project) if ref is None else git_ref(project, ref)


def _rendered(label: str, project: Project) -> Side:
    """Every file exactly as the build writes it (the golden files' content)."""
    from .. import artifacts

    files = artifacts.render_all(project)
    models = {
        name: json.loads(content)
        for path, content in sorted(files.items())
        if (name := outputs.dashboard_name(path)) is not None
    }
    return Side(label, files, models, project.library.thresholds())


# --- The sides `invoke diff` compares: shipped files as committed (or as in the working tree) --


@dataclass(frozen=True)
class Shipped:
    """One side of a review: every shipped file (repository path → bytes, `outputs.is_shipped`)
    as committed at `commit` (or as the working tree holds it, `worktree`), with what its own
    sources render: `stale` names each golden file that is not what they render, `render_error`
    says why they render nothing. `code` is the reviewing code at that side (path → blob id)."""

    label: str
    commit: str | None
    files: dict[str, bytes]
    thresholds: dict[str, Any] | None = None
    stale: list[tuple[str, str]] = field(default_factory=list)
    render_error: str | None = None
    worktree: bool = False
    dirty: bool = False
    code: dict[str, str] = field(default_factory=dict)
    root: Path | None = None  # an extracted tree, while it exists


# The code whose behaviour makes the report (the comparer, the report, the renderer and every
# module they import or that could patch them at import): the whole package, the tasks and the
# dependency pins. A side's reviewing code is its blobs of these paths.
REVIEWING_CODE = ("leaky_dashboards/", "tasks.py", "pyproject.toml")


def resolve(root: Path, ref: str) -> str:
    """The full commit id `ref` names; an input error naming `ref` when it names none."""
    try:
        return _git(root, "rev-parse", "--verify", "--end-of-options", f"{ref}^{{commit}}").strip()
    except BuildError as exc:
        raise BuildError(f"--base {ref}: not a commit in {root} ({exc})") from None


def short(root: Path, commit: str) -> str:
    return _git(root, "rev-parse", "--short", commit).strip()


def committed(project: Project, ref: str) -> Shipped:
    """The shipped files of `ref` exactly as committed (blobs, not an archive: no attribute
    rewrites them), checked against what that commit's own sources render. The commit's tree
    is read from `tree()` (where its code can also be run)."""
    root = project.paths.root
    commit = resolve(root, ref)
    where = tree(root, commit)
    files: dict[str, bytes] = {}
    for path in sorted(where.rglob("*")):
        name = path.relative_to(where).as_posix()
        if path.is_file() and not path.is_symlink() and outputs.is_shipped(name):
            files[name] = path.read_bytes()
    side = Shipped(ref, short(root, commit), files, code=code_at(where), root=where)
    return _checked(side, project.under(Paths.under(where)))


def code_at(where: Path) -> dict[str, str]:
    """The reviewing code of an extracted tree (`tree()`): path → blob id."""
    found: dict[str, str] = {}
    for entry in REVIEWING_CODE:
        path = where / entry
        files = sorted(path.rglob("*")) if entry.endswith("/") else [path]
        for file in files:
            name = file.relative_to(where).as_posix()
            if file.is_file() and "__pycache__" not in name and not name.endswith(".pyc"):
                found[name] = blob_id(file.read_bytes())
    return found


# Trees of commits kept (a commit's tree never changes): its renderings are then remembered by
# the Jsonnet cache, whose keys hold paths, and a warm `invoke diff --base` extracts nothing.
TREES_KEPT = 8
TREES_DIR = "trees"
TREE_IN_USE_SECONDS = 3600


def tree(root: Path, commit: str) -> Path:
    """The tree of `commit` (every regular file, as its blob), written once below the user's
    cache directory and reused; the least recently used beyond TREES_KEPT, unused for an hour,
    are removed."""
    trees = cache_dir() / TREES_DIR
    where = trees / commit
    if (where / ".complete").is_file():
        os.utime(where)
        return where
    trees.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{commit[:12]}-", dir=trees))
    try:
        for path, content in tree_blobs(root, commit).items():
            target = scratch / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        (scratch / ".complete").write_text(commit + "\n", encoding="utf-8")
        try:
            os.rename(scratch, where)
        except OSError:  # another run wrote it first
            if not (where / ".complete").is_file():
                raise
    except OSError as exc:
        raise BuildError(f"{trees}: cannot write the tree of {commit[:12]}: {exc}") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    kept = sorted(
        (p for p in trees.iterdir() if not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime_ns,
    )
    now = time.time()
    for old in kept[:-TREES_KEPT]:
        if now - old.stat().st_mtime > TREE_IN_USE_SECONDS:  # never one another run may be using
            shutil.rmtree(old, ignore_errors=True)
    return where


def blob_id(content: bytes) -> str:
    """Git's blob id of `content` (what `git hash-object` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()


def on_disk(project: Project) -> Shipped:
    """The working tree's shipped files as they are on disk, checked against what its sources
    render; its commit is HEAD's (None outside git)."""
    root = project.paths.root
    files: dict[str, bytes] = {}
    try:
        for top in outputs.SHIPPED_DIRS:
            directory = root / top.rstrip("/")
            files.update({f"{top}{p}": c for p, c in fsio.read_tree(directory).items()})
        for entry in sorted(root.iterdir()):
            if entry.is_file() and outputs.is_shipped(entry.name):
                files[entry.name] = entry.read_bytes()
    except OSError as exc:
        raise BuildError(f"{exc.filename}: unreadable shipped file: {exc.strerror}") from None
    commit = dirty = None
    code: dict[str, str] = {}
    try:
        head = _git(root, "rev-parse", "--verify", "HEAD^{commit}").strip()
        commit = short(root, head)
        status = _git(root, "status", "--porcelain", "--untracked-files=all", "--", ".")
        dirty = any(outputs.is_shipped(line[3:].strip('"')) for line in status.splitlines())
    except BuildError:
        pass
    side = Shipped("working tree", commit, dict(sorted(files.items())), worktree=True,
                   dirty=bool(dirty), code=code)  # fmt: skip
    return _checked(side, project)


def _checked(side: Shipped, project: Project) -> Shipped:
    """`side` with the golden files its sources render compared to its committed ones."""
    try:
        rendered, thresholds = rendering(project)
    except BuildError as exc:  # named as in its tree, wherever that was written
        return replace(side, render_error=str(exc).replace(f"{project.paths.root}/", ""))
    committed_golden = {
        p.removeprefix(outputs.GOLDEN_PREFIX): c
        for p, c in side.files.items()
        if p.startswith(outputs.GOLDEN_PREFIX)
    }
    stale: list[tuple[str, str]] = []
    for path in sorted(set(rendered) | set(committed_golden)):
        if path not in committed_golden:
            stale.append((outputs.GOLDEN_PREFIX + path, "missing: its sources render it"))
        elif path not in rendered:
            stale.append((outputs.GOLDEN_PREFIX + path, "no source renders it"))
        elif rendered[path] != committed_golden[path]:
            stale.append((outputs.GOLDEN_PREFIX + path, "not what its sources render"))
    return replace(side, thresholds=thresholds, stale=stale)


# Renderings remembered by what makes them (the sources, the installation, the engine, the
# running code and the libraries that write the files): a review renders both sides of every
# run, and a commit's sources never change. The most recent RENDERS_KEPT are kept.
RENDERS_KEPT = 16
RENDERS_DIR = "renders"


def rendering(project: Project) -> tuple[dict[str, bytes], dict[str, Any]]:
    """Every golden file the project's sources render, and its thresholds table."""
    key = _rendering_key(project)
    where = cache_dir() / RENDERS_DIR / f"{key}.json"
    try:
        kept = json.loads(where.read_text(encoding="utf-8"))
        files = {p: base64.b64decode(c) for p, c in kept["files"].items()}
        return files, dict(kept["thresholds"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    from .. import artifacts  # only when nothing is remembered: it imports the whole renderer

    files = artifacts.render_all(project)
    thresholds = project.library.thresholds()
    entry = {"files": {p: base64.b64encode(c).decode() for p, c in files.items()}}
    entry["thresholds"] = thresholds
    with contextlib.suppress(OSError):
        where.parent.mkdir(parents=True, exist_ok=True)
        fsio.write_atomic(where, json.dumps(entry).encode("utf-8"))
        older = sorted(where.parent.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
        for old in older[:-RENDERS_KEPT]:
            old.unlink(missing_ok=True)
    return files, thresholds


def _rendering_key(project: Project) -> str:
    from importlib.metadata import version

    from . import reviewer

    digest = hashlib.sha256()
    parts = [repr(project.installation), project.engine, sys.version, yaml.__version__]
    libraries = ("gojsonnet", "jsonnet", "promql-parser")
    parts += [version(name) for name in libraries if _installed(name)]
    digest.update("\0".join(parts).encode())
    digest.update(json.dumps(sorted(reviewer.running_code().items())).encode())
    paths = project.paths
    for top in (paths.dashboards, paths.libsonnet):
        for path in sorted(top.rglob("*")) if top.is_dir() else []:
            if path.is_file():
                digest.update(f"\0{path.relative_to(top.parent).as_posix()}\0".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _installed(name: str) -> bool:
    from importlib.metadata import PackageNotFoundError, version

    try:
        version(name)
    except PackageNotFoundError:
        return False
    return True


def golden_check(project: Project) -> tuple[Shipped, Shipped]:
    """Without a base: golden/ as in the working tree against a fresh rendering of the working
    tree's sources (what `invoke golden-update` would change). Both sides are golden files only."""
    disk = on_disk(project)
    old = {p: c for p, c in disk.files.items() if p.startswith(outputs.GOLDEN_PREFIX)}
    rendered, thresholds = rendering(project)
    new = {outputs.GOLDEN_PREFIX + p: c for p, c in rendered.items()}
    before = replace(disk, label="golden/", files=old, stale=[],
                     thresholds=_committed_thresholds(project))  # fmt: skip
    after = replace(disk, label="sources", files=new, stale=[], thresholds=thresholds)
    return before, after


def tree_blobs(root: Path, commit: str) -> dict[str, bytes]:
    """Every regular file of `commit` (path → content) read as blobs; links and submodules are
    left out (a link's target is no file of this tree)."""
    listing = _git_bytes(root, "ls-tree", "-r", "-z", "--full-tree", commit)
    entries: list[tuple[str, str]] = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, path = record.split(b"\t", 1)
        mode, kind, blob = meta.decode().split()
        if kind == "blob" and mode in ("100644", "100755"):
            entries.append((path.decode("utf-8", "surrogateescape"), blob))
    return dict(zip([p for p, _ in entries], _cat(root, [b for _, b in entries]), strict=True))


def _cat(root: Path, blobs: list[str]) -> list[bytes]:
    """The contents of `blobs`, read by one `git cat-file --batch`."""
    if not blobs:
        return []
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "cat-file", "--batch"],
            input="".join(f"{b}\n" for b in blobs).encode(),
            capture_output=True,
            check=False,
            timeout=120,
        )
    except OSError as exc:
        raise BuildError(f"cannot run git: {exc.strerror}") from None
    if done.returncode != 0:
        raise BuildError("git cat-file: failed")
    out, at, found = done.stdout, 0, []
    for _ in blobs:
        end = out.index(b"\n", at)
        size = int(out[at:end].split()[2])
        found.append(out[end + 1 : end + 1 + size])
        at = end + 2 + size
    return found


def _committed_thresholds(project: Project) -> dict[str, Any] | None:
    """HEAD's thresholds table, if golden/ is unchanged since HEAD; None outside git."""
    paths = project.paths
    try:
        _git(paths.root, "diff", "--quiet", "HEAD", "--", str(paths.golden))
        untracked = _git(paths.root, "ls-files", "--others", "--", str(paths.golden))
        text = _git(
            paths.root, "show", f"HEAD:./{_relative(paths.libsonnet, paths.root)}/{CONFIG_FILE}"
        )
    except BuildError:
        return None
    if untracked.strip():
        return None
    try:
        config = project.library.evaluate_text(f"HEAD:{CONFIG_FILE}", text, {})
    except BuildError:
        return None
    table = config.get("thresholds") if isinstance(config, dict) else None
    if not isinstance(table, dict):
        return None
    return dict(sorted(table.items(), key=lambda item: (item[1].get("order", 0), item[0])))


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _git(root: Path, *args: str) -> str:
    return _git_bytes(root, *args).decode("utf-8")


def _git_bytes(root: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, check=False, timeout=120
        )
    except OSError as exc:
        raise BuildError(f"cannot run git: {exc.strerror}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BuildError(f"git {args[0]}: {message[-1] if message else 'failed'}")
    return done.stdout
