"""`invoke drift`: read dashboards as Grafana gives them, compare each with its golden copy (by
uid) with the comparer `invoke diff` uses, and say where in the sources each change belongs.

Every input is read and checked before anything is compared or written: a file that is not
JSON, not a dashboard, or a dashboard whose uid none of golden/'s has, stops the job (exit 2)
naming it, and nothing is written. Drift exits 1, no drift 0.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .. import fsio, outputs
from ..comparison.compare import compare_dashboard
from ..errors import BuildError
from ..model import Json
from ..project import Project
from . import report as drift_report
from .locate import Sources
from .read import BadInput, Fetched, normalize, parse


class Drifted(BuildError):
    """What Grafana holds differs from golden/: exit 1."""

    exit_code = 1


def read_files(names: Sequence[str]) -> list[Fetched]:
    """Each file (a directory stands for the `*.json` files in it, in name order)."""
    if not names:
        raise BadInput("no dashboard file given: name one or more files (or --grafana URL)")
    found: list[Fetched] = []
    for name in names:
        path = Path(name)
        files = sorted(path.glob("*.json")) if path.is_dir() else [path]
        if path.is_dir() and not files:
            raise BadInput(f"{name}: a directory without *.json files")
        for file in files:
            try:
                content = file.read_bytes()
            except OSError as exc:
                raise BadInput(f"{file}: cannot read: {exc.strerror}") from None
            found.append(parse(str(file), content))
    return found


def golden_by_uid(project: Project) -> dict[str, tuple[str, Json]]:
    """golden/'s dashboards: uid → (name, model)."""
    found: dict[str, tuple[str, Json]] = {}
    for path in outputs.golden_dashboards(project.paths):
        try:
            model = json.loads(path.read_bytes())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            shown = project.paths.show(path)
            raise BuildError(f"{shown}: unreadable golden dashboard: {exc}") from None
        if isinstance(model, dict) and isinstance(model.get("uid"), str):
            found[model["uid"]] = (path.stem, model)
    return found


def compare(project: Project, fetched: Sequence[Fetched]) -> drift_report.Report:
    golden = golden_by_uid(project)
    seen: dict[str, str] = {}
    for item in fetched:
        if item.uid not in golden:
            known = ", ".join(sorted(golden)) or "none"
            raise BadInput(
                f"{item.origin}: uid {json.dumps(item.uid)[:120]} is no golden dashboard's "
                f"(golden/ has {known})"
            )
        if item.uid in seen:
            raise BadInput(f"{item.origin}: uid {item.uid} is also in {seen[item.uid]}")
        seen[item.uid] = item.origin
    drifts = []
    for item in fetched:
        name, model = golden[item.uid]
        diff = compare_dashboard(name, model, normalize(item, model))
        drifts.append(drift_report.Drift(item.origin, item.shape, diff))
    sources = Sources.of(project) if any(d.drifted for d in drifts) else None
    return drift_report.Report(drifts, sources=sources)


def run(
    project: Project,
    files: Sequence[str] = (),
    *,
    grafana: str | None = None,
    output: Path | None = None,
    echo: Callable[[str], None] = print,
) -> str:
    """Compare, print the report (or write it to `output`, atomically), raise Drifted on drift."""
    if grafana is not None:
        from . import api

        fetched = api.fetch_folder(grafana, project.installation.folder)
        fetched += read_files(files) if files else []
    else:
        fetched = read_files(files)
    result = compare(project, fetched)
    text = drift_report.render(result)
    if output is not None:
        fsio.write_atomic(output, text.encode("utf-8"))
        print(f"wrote {output} ({len(text.splitlines())} lines)", file=sys.stderr)
    else:
        echo(text.rstrip("\n"))
    if result.drifted:
        raise Drifted(
            f"{len(result.drifted)} of {len(result.drifts)} dashboard(s) drifted from golden/"
        )
    return text
