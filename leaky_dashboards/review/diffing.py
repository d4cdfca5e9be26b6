"""`invoke diff`: the Markdown report on what a change ships (see `sources`, `reviewer`, `report`).

Its own module so that the command imports nothing of the preview (its data and drawing).
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from .. import fsio
from .. import markdown as md
from ..comparison.changeset import ChangeSet, compare_files
from ..errors import BuildError
from ..project import Project
from . import report, reviewer, sources


class ChangesFound(BuildError):
    """`invoke diff` found changes: exit 1, like golden drift, unless --no-fail."""

    exit_code = 1


def diff(
    project: Project,
    *,
    base: str | None = None,
    head: str | None = None,
    fail: bool = True,
    output: Path | None = None,
    echo: Callable[[str], None] = print,
) -> str:
    """Write the Markdown change report to `output` (atomically; a report longer than a pull
    request comment also to `output`'s numbered siblings, `report-2.md`...) or print it; return
    it whole. Never empty: it always names both sides and says what changed, or that nothing
    did. Exit 1 (ChangesFound) on any change or warning, unless not `fail`.

    With `base`, the files compared are the shipped files committed at `base` and at `head`
    (default: the working tree's), and the report is made by the base's code (`reviewer`);
    without, golden/ against a fresh rendering of the working tree's sources.
    """
    parts, changed = diff_pages(project, base=base, head=head, output_name=output)
    text = "\n".join(parts)
    if output is not None:
        written = ", ".join(str(p) for p in write_parts(output, parts))
        print(f"wrote {written} ({len(text.splitlines())} lines)", file=sys.stderr)
    else:
        echo(text.rstrip("\n"))
    if changed and fail:
        against = base if base is not None else "golden/"
        raise ChangesFound(f"changes or warnings against {against}: see the report")
    return text


def diff_pages(
    project: Project,
    *,
    base: str | None = None,
    head: str | None = None,
    as_base: bool = False,
    output_name: Path | None = None,
) -> tuple[list[str], bool]:
    """The report's parts, and whether it reports a change or a warning. `as_base`: this
    process runs the base's code on purpose (`reviewer`'s child): make the report here.
    `output_name` names the further parts in the first's note."""
    reviewed = project.reviewed
    names = _part_names(output_name)
    if base is None:
        if head is not None:
            raise BuildError("--head needs --base: the two commits to compare")
        before, after = sources.golden_check(reviewed)
        changes = compare_sides(before, after)
        heading = _golden_heading(before)
        return report.pages(changes, heading, part_name=names), not changes.empty
    root = project.paths.root
    base_tree = sources.tree(root, sources.resolve(root, base))
    base_code = sources.code_at(base_tree)
    not_base_code = bool(base_code) and not as_base and reviewer.running_code() != base_code
    if not_base_code and (base_tree / reviewer.PROTOCOL_FILE).is_file():
        # Decided before anything is rendered: the base's code renders and compares it all.
        with tempfile.TemporaryDirectory(prefix="leaky-review-") as tmp:
            return reviewer.run_base(
                base_tree,
                root,
                base,  # refs as given: the report names them
                head,
                project.engine,
                Path(tmp),
                None if output_name is None else output_name.name,
            )
    before = sources.committed(reviewed, base)
    if head is None:
        after = sources.on_disk(reviewed)
        after = replace(after, code=reviewer.code_on_disk(root))
    else:
        after = sources.committed(reviewed, head)
    warnings: list[str] = []
    notes: list[str] = []
    modified = reviewer.changed_files(before.code, after.code) if before.code else []
    if not_base_code:
        warnings.append(
            "**This report is not made by the base's code.** The code running it differs "
            f"from the reviewing code at {_side(before)}, which predates making reports "
            "with the base's code: a change to the comparer or the report could hide a "
            "change here. Review the code changes"
            + (f" ({_files(modified)})" if modified else "")
            + " before trusting this report."
        )
    elif modified:
        notes.append(
            f"This change modifies the reviewing code ({_files(modified)}): this report "
            f"is made by the base's code, {_side(before)}, not by the changed code."
        )
    warnings += _stale_warnings(before) + _stale_warnings(after)
    if modified and after.stale:
        warnings.append(
            "(The head's sources are rendered here by the base's code; this change modifies the "
            "reviewing code, which may render them otherwise: the difference shown is still "
            "what ships.)"
        )
    changes = compare_sides(before, after)
    heading = report.Heading(
        f"Shipped changes: {_side(after)} against {_side(before)}",
        compared=(
            "Compared: the files as committed on each side, what Grafana, Prometheus and "
            "Alertmanager load: every file under `golden/` and `prometheus/` and the compose "
            "files. "
            + (
                "Each side's `golden/` is what its own sources render."
                if not (before.stale or after.stale or before.render_error or after.render_error)
                else ""
            )
        ).rstrip(),
        warnings=warnings,
        notes=notes,
    )
    return report.pages(changes, heading, part_name=names), bool(warnings) or not changes.empty


def compare_sides(
    before: sources.Shipped | sources.Side, after: sources.Shipped | sources.Side
) -> ChangeSet:
    return compare_files(before.files, after.files, before.thresholds, after.thresholds)


def _side(side: sources.Shipped) -> str:
    """`1a2b3c4` (`origin/main`), `1a2b3c4` (working tree, with uncommitted changes)."""
    sha = md.code(side.commit) if side.commit else "no commit"
    if side.worktree:
        what = "working tree" + (", with uncommitted changes" if side.dirty else "")
    elif side.label != side.commit:
        what = md.code(side.label)
    else:
        return sha
    return f"{sha} ({what})"


def _files(paths: list[str]) -> str:
    shown = ", ".join(md.code(p) for p in paths[:12])
    return shown + (f" and {len(paths) - 12} more" if len(paths) > 12 else "")


def _stale_warnings(side: sources.Shipped) -> list[str]:
    if side.render_error is not None:
        return [
            f"**The sources at {_side(side)} do not render**: {md.text(side.render_error)} "
            "Its committed files are compared, unchecked against its sources."
        ]
    return [
        f"**{md.code(path)} at {_side(side)} is {md.text(why)}** (run `invoke golden-update` "
        "and commit it): the difference below is between the committed files, what ships."
        for path, why in side.stale
    ]


def _golden_heading(side: sources.Shipped) -> report.Heading:
    at = f" at {md.code(side.commit)}" if side.commit else ""
    if side.dirty:
        at += ", with uncommitted changes"
    return report.Heading(
        f"Golden check: the working tree's sources against its `golden/`{at}",
        compared=(
            "Compared: `golden/` as it is in the working tree with a fresh rendering of the "
            "working tree's sources, what `invoke golden-update` would change. This is not a "
            "review of commits: to review a pull request, compare two commits "
            "(`invoke diff --base origin/main`)."
        ),
        kind="golden",
    )


def write_parts(output: Path, parts: list[str]) -> list[Path]:
    """Each part to its file (`report.md`, `report-2.md`...), atomically; the further parts of
    an earlier, longer report are removed so none is read as this one's."""
    written = []
    for n, part in enumerate(parts, start=1):
        fsio.write_atomic(_part_path(output, n), part.encode("utf-8"))
        written.append(_part_path(output, n))
    extra = len(parts) + 1
    while _part_path(output, extra).is_file():
        _part_path(output, extra).unlink()
        extra += 1
    return written


def _part_path(output: Path, n: int) -> Path:
    return output if n == 1 else output.with_name(f"{output.stem}-{n}{output.suffix}")


def _part_names(output: Path | None) -> Callable[[int], str]:
    if output is None:
        return lambda n: f"part {n}"
    return lambda n: md.code(_part_path(output, n).name)
