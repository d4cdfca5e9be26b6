"""The pull-request comment: compared dashboards as Markdown, summary first, then each change.

Identical sides give an empty report, so "nothing to say" is an empty comment.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import markdown as md
from ..limits import REPORT_QUERY_MAX, REPORT_VALUE_MAX, cut
from .compare import DashboardDiff, Panel, PanelChange, place_text

# GitHub refuses a comment over 65,536 characters; keep room for the note on what was left out.
COMMENT_LIMIT = 65_536
_NOTE_ROOM = 1_000


def render(diffs: Sequence[DashboardDiff], base: str, head: str, limit: int = COMMENT_LIMIT) -> str:
    """The report; dashboards whose details would push it over `limit` keep only their summary."""
    if all(d.status == "unchanged" for d in diffs):
        return ""
    lines = [f"## Dashboard changes: {md.text(head)} against {md.code(base)}", ""]
    lines.extend(f"- {summary(d)}" for d in diffs)
    size = len("\n".join(lines))
    omitted: list[str] = []
    for diff in diffs:
        section: list[str] = []
        if diff.status == "changed":
            section = ["", *details(diff)]
        elif diff.status == "new":
            section = ["", f"### {_title(diff.title)} (new)", "", *_panel_table(diff.added)]
        grown = size + len("\n".join(section)) + 1
        if section and grown > limit - _NOTE_ROOM:
            omitted.append(md.code(diff.name))
            continue
        lines.extend(section)
        size = grown if section else size
    if omitted:
        lines.extend(
            [
                "",
                f"Details of {', '.join(omitted)} are left out to keep this comment under "
                f"{limit} characters: run `invoke diff` to read them.",
            ]
        )
    return "\n".join(lines) + "\n"


def summary(diff: DashboardDiff) -> str:
    """One line per dashboard: its name and the count of each kind of change."""
    name = f"**{_title(diff.title)}** ({md.code(diff.name)})"
    if diff.status == "new":
        return f"{name}: new dashboard, {_count(diff.panel_count, 'panel')}"
    if diff.status == "removed":
        return f"{name}: removed ({_count(diff.panel_count, 'panel')})"
    if diff.status == "unchanged":
        return f"{name}: unchanged"
    counts = [
        f"{len(diff.added)} added",
        f"{len(diff.removed)} removed",
        f"{len(diff.moved)} moved",
        f"{len(diff.changed)} changed",
    ]
    extra = "; dashboard settings changed" if diff.settings else ""
    return f"{name}: panels {', '.join(counts)}{extra}"


def details(diff: DashboardDiff) -> list[str]:
    lines = [f"### {_title(diff.title)}"]
    if diff.settings:
        lines.extend(["", "Dashboard settings:", "", *_field_table(diff.settings)])
    if diff.rows_added or diff.rows_removed:
        rows = [f"added {md.code(r)}" for r in diff.rows_added]
        rows += [f"removed {md.code(r)}" for r in diff.rows_removed]
        lines.extend(["", f"Rows: {', '.join(rows)}."])
    if diff.added:
        lines.extend(["", "Added panels:", "", *_panel_table(diff.added)])
    if diff.removed:
        lines.extend(["", "Removed panels:", "", *_panel_table(diff.removed)])
    for change in diff.touched:
        lines.extend(["", *panel_details(change)])
    return lines


def panel_details(change: PanelChange) -> list[str]:
    new = change.new
    lines = [f"#### {_title(new.title)} ({md.text(new.type)})"]
    rows: list[tuple[str, str, str]] = []
    if change.moved:
        rows.append(("position", place_text(change.old.place), place_text(new.place)))
    rows.extend(change.fields)
    if rows:
        lines.extend(["", *_field_table(rows)])
    for query in change.queries:
        if query.old is None:
            lines.extend(["", f"Query {md.code(query.ref)} added:", "", *_query(query.new or "")])
        elif query.new is None:
            lines.extend(["", f"Query {md.code(query.ref)} removed:", "", *_query(query.old)])
        else:
            lines.extend(["", f"Query {md.code(query.ref)} before:", "", *_query(query.old)])
            lines.extend(["", "after:", "", *_query(query.new)])
    return lines


def _field_table(rows: Sequence[tuple[str, str, str]]) -> list[str]:
    return md.table(
        ["field", "before", "after"],
        [(md.code(path), md.code(old), md.code(new)) for path, old, new in rows],
    )


def _panel_table(panels: Sequence[Panel]) -> list[str]:
    return md.table(
        ["panel", "type", "position"],
        [(_title(p.title), md.code(p.type), md.text(place_text(p.place))) for p in panels],
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


# A report shows long text cut (limits.py), so one huge string cannot swell a comment; field
# values come cut from `changes.value_changes`.
def _title(title: str) -> str:
    return md.text(cut(title, REPORT_VALUE_MAX))


def _query(expr: str) -> list[str]:
    return md.fence(cut(expr, REPORT_QUERY_MAX), "promql")
