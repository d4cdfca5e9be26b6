"""The review commands as jobs: `invoke diff`, `invoke preview`, `invoke docs`."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from .. import docs as documentation
from .. import fsio, lint, outputs
from ..comparison.changeset import ChangeSet, compare_files
from ..comparison.compare import compare_all
from ..errors import BuildError
from ..library import Library
from ..project import Project
from . import chromium, report, sources
from . import preview as previews


class ChangesFound(BuildError):
    """`invoke diff` found changes: exit 1, like golden drift, unless --no-fail."""

    exit_code = 1


def diff(
    project: Project,
    *,
    base: str | None = None,
    fail: bool = True,
    output: Path | None = None,
    echo: Callable[[str], None] = print,
) -> str:
    """Write the Markdown change report to `output` (atomically) or print it; return it.

    Both sides are rendered as golden/ is, with the default installation.
    """
    reviewed = project.reviewed
    before = sources.base(reviewed, base)
    after = sources.working_tree(reviewed)
    changes = compare_sides(before, after)
    text = report.render(changes, base=before.label, head=after.label)
    if output is not None:
        fsio.write_atomic(output, text.encode("utf-8"))
        print(f"wrote {output} ({len(text.splitlines())} lines)", file=sys.stderr)
    elif text:
        echo(text.rstrip("\n"))
    changed = changes.changed_paths()
    if changed and fail:
        raise ChangesFound(f"{len(changed)} golden file(s) changed against {before.label}")
    return text


def compare_sides(before: sources.Side, after: sources.Side) -> ChangeSet:
    return compare_files(before.files, after.files, before.thresholds, after.thresholds)


def preview(
    project: Project,
    *,
    base: str | None = None,
    output: Path | None = None,
    all_dashboards: bool = False,
    screenshots: bool = True,
    echo: Callable[[str], None] = print,
) -> dict[str, bytes]:
    """Write one HTML page (and PNG) per changed dashboard against `base` (golden/ by default),
    or per dashboard with `all_dashboards`, to `output` (default build/preview/), in the spec's
    order, printing each picture's path.

    Pages and pictures are made in a scratch directory and swapped in whole, so the output never
    holds a mix of two runs. Returns the files written, by name.
    """
    output = output or project.paths.root / "build" / "preview"
    reviewed = project.reviewed  # drawn as golden/ holds them: the default installation
    before = sources.base(reviewed, base)
    after = sources.working_tree(reviewed)
    diffs = compare_all(before.dashboards, after.dashboards)
    pages: dict[str, previews.Page] = {}
    for d in sorted(diffs, key=lambda d: _rank(reviewed.library, d.name, before, after)):
        old, new = before.dashboards.get(d.name), after.dashboards.get(d.name)
        if d.status != "unchanged":
            pages[d.name] = previews.compare_page(old, new, d, before.label)
        elif all_dashboards and new is not None:
            pages[d.name] = previews.page(new)
    files: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="leaky-preview-") as tmp:
        for name, page in pages.items():
            html = Path(tmp) / f"{name}.html"
            html.write_text(page.html, encoding="utf-8")
            files[html.name] = html.read_bytes()
            if screenshots:
                png = html.with_suffix(".png")
                chromium.screenshot(html, png, page.width, page.height)
                files[png.name] = png.read_bytes()
    changed = {d.name: d.status for d in diffs if d.status != "unchanged"}
    files["index.html"] = previews.index(
        list(pages), screenshots=screenshots, statuses=changed, base=before.label
    ).encode("utf-8")
    fsio.replace_tree(output, files)
    for name in pages:
        echo(f"wrote {output / (name + ('.png' if screenshots else '.html'))}")
    if not pages:
        echo(f"no dashboard changed against {before.label}; --all draws every dashboard")
    kind = "all dashboards" if all_dashboards else "changed dashboards"
    echo(f"wrote {output}/: {len(pages)} pages ({kind})" + (" with PNGs" if screenshots else ""))
    return files


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
