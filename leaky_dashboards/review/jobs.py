"""The review commands as jobs: `invoke preview`, `invoke docs`, and `invoke diff` (its own
module, `diffing`, which imports none of the preview's data and drawing)."""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .. import docs as documentation
from .. import fsio, lint, outputs
from ..comparison.compare import DashboardDiff, compare_all
from ..library import Library
from ..model import Json
from ..project import Project
from ..verify import scenarios
from ..verify.scenarios import Scenario
from . import bundle, chromium, data, sources
from . import preview as previews


def preview(
    project: Project,
    *,
    base: str | None = None,
    output: Path | None = None,
    all_dashboards: bool = False,
    screenshots: bool = True,
    echo: Callable[[str], None] = print,
    scenario: Scenario = scenarios.FULL,
) -> dict[str, bytes]:
    """Write one HTML page, PNG and `<uid>.display.json` per changed dashboard against `base`
    (golden/ by default), or per dashboard with `all_dashboards`, to `output` (default
    build/preview/), in the spec's order, printing each picture's path.

    Each side is drawn with the data of verify's `scenario` (the busy day) on a real Prometheus,
    as the dashboard opens at the data's end. Pages and pictures are made in a scratch directory
    and swapped in whole, so the output never holds a mix of two runs. Returns the files
    written, by name.
    """
    output = output or project.paths.root / "build" / "preview"
    reviewed = project.reviewed  # drawn as golden/ holds them: the default installation
    bundle.ensure()  # node, and the renderer built: before anything starts
    if screenshots:
        chromium.binary()
    before = sources.base(reviewed, base)
    after = sources.working_tree(reviewed)
    diffs = compare_all(before.dashboards, after.dashboards)
    chosen = [
        d
        for d in sorted(diffs, key=lambda d: _rank(reviewed.library, d.name, before, after))
        if d.status != "unchanged" or (all_dashboards and d.name in after.dashboards)
    ]
    pages: dict[str, previews.Page] = {}
    shown: dict[str, Json] = {}
    files: dict[str, bytes] = {}
    unknown: list[str] = []

    def draw(source: data.Source, d: DashboardDiff) -> previews.Page:
        old, new = before.dashboards.get(d.name), after.dashboards.get(d.name)
        model = new if new is not None else old
        assert model is not None
        shown[d.name] = model
        end = source.end
        time = (end - data.range_of(model), end)
        moment = data.Moment(end)
        if d.status == "unchanged":
            return previews.page(model, data.panel_frames(source, model, moment), time)
        frames = (
            data.panel_frames(source, old, moment) if old is not None else {},
            data.panel_frames(source, new, moment) if new is not None else {},
        )
        return previews.compare_page(old, new, d, before.label, frames, time)

    # One thread starts the browser, then builds each page (its queries, its HTML) while the
    # browser draws the one before: the two overlap.
    with (
        tempfile.TemporaryDirectory(prefix="leaky-preview-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        if chosen:
            builder = stack.enter_context(ThreadPoolExecutor(max_workers=1))
            stack.callback(builder.shutdown, cancel_futures=True)
            starting = builder.submit(chromium.start) if screenshots else None
            source = stack.enter_context(data.serving(reviewed, scenario, echo=_aside))
            building = [(d.name, builder.submit(draw, source, d)) for d in chosen]
            browser = None
            if starting is not None:
                browser = starting.result()
                stack.callback(browser.close)
            for name, future in building:
                page = pages[name] = future.result()
                html = Path(tmp) / f"{name}.html"
                html.write_text(page.html, encoding="utf-8")
                files[html.name] = html.read_bytes()
                if browser is None:
                    continue
                shot = browser.shoot(html, page.width, page.height)
                files[f"{name}.png"] = shot.png
                model = shown[name]
                record = display_record(model, shot.display, removed=name not in after.dashboards)
                files[f"{model.get('uid', name)}.display.json"] = record_bytes(record)
                unknown.extend(
                    f"{model.get('title', name)} › {p['title']} ({p['type']})"
                    for p in record["panels"]
                    if p.get("unknown")
                )
    changed = {d.name: d.status for d in diffs if d.status != "unchanged"}
    files["index.html"] = previews.index(
        list(pages), screenshots=screenshots, statuses=changed, base=before.label
    ).encode("utf-8")
    fsio.replace_tree(output, files)
    for name in pages:
        echo(f"wrote {output / (name + ('.png' if screenshots else '.html'))}")
    for where in unknown:
        echo(f"not drawn (unknown panel type, a labelled placeholder): {where}")
    if not pages:
        echo(f"no dashboard changed against {before.label}; --all draws every dashboard")
    kind = "all dashboards" if all_dashboards else "changed dashboards"
    echo(f"wrote {output}/: {len(pages)} pages ({kind})" + (" with PNGs" if screenshots else ""))
    return files


def _aside(line: str) -> None:
    """Where the data's preparation reports (its cache, Prometheus' start): stderr."""
    print(line, file=sys.stderr)


def display_record(model: Json, shown: Any, *, removed: bool = False) -> dict[str, Any]:
    """What the viewer reads on one dashboard (docs/verify.md, "What the viewer reads"): the side
    drawn from the working tree (the base's for a removed dashboard)."""
    side = "before" if removed else "after"
    panels = [
        {k: v for k, v in p.items() if k != "side"}
        for p in (shown or {}).get("panels", [])
        if p.get("side") == side
    ]
    return {"uid": model.get("uid"), "title": model.get("title"), "panels": panels}


def record_bytes(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def _rank(
    library: Library, name: str, before: sources.Side, after: sources.Side
) -> tuple[int, str]:
    """Where a dashboard stands in the spec's order (config.dashboards[].order)."""
    model = after.dashboards.get(name) or before.dashboards.get(name) or {}
    return library.dashboard_rank(str(model.get("uid") or name))


def docs(
    project: Project,
    *,
    output: Path | None = None,
    echo: Callable[[str], None] = print,
) -> bytes:
    """Write the generated documentation (default build/docs/dashboards.md) and say whether
    the reviewed copy in golden/ still matches it (both of the default installation).

    Lint runs first, as in the build: a query that does not parse is a lint finding.
    """
    reviewed = project.reviewed
    lint.check(project, reviewed.dashboards, echo=echo)
    content = documentation.files(reviewed.dashboards, reviewed.library)[outputs.DOCS_FILE]
    output = output or project.paths.root / "build" / outputs.DOCS_FILE
    fsio.write_atomic(output, content)
    golden = outputs.golden_file(project.paths, outputs.DOCS_FILE)
    state = (
        "matches golden"
        if golden.is_file() and golden.read_bytes() == content
        else "differs from golden: run `invoke golden-update` to accept it"
    )
    echo(f"wrote {output} ({len(content.splitlines())} lines); {state}")
    return content
