"""The drift report: what the UI changed in each dashboard, and where in the sources it belongs.

Markdown. Every text that comes from a dashboard (titles, descriptions, queries, file names) is
hostile: it goes through `markdown.text` (escaped), `markdown.code` (a code span) or
`markdown.fence` (a code block longer than any backtick run in it), cut at the report limits;
control characters (a terminal escape) are replaced.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .. import markdown as md
from ..comparison.compare import DashboardDiff, Panel, PanelChange, place_text, size_text
from ..limits import REPORT_QUERY_MAX, REPORT_VALUE_MAX, cut
from . import snippet
from .locate import Sources, Where, levels, snippet_string


@dataclass
class Drift:
    """One dashboard fetched from Grafana and compared with its golden copy."""

    origin: str
    shape: str
    diff: DashboardDiff

    @property
    def drifted(self) -> bool:
        return self.diff.status != "unchanged"


@dataclass
class Report:
    drifts: list[Drift]
    against: str = "golden/"
    sources: Sources | None = None

    @property
    def drifted(self) -> list[Drift]:
        return [d for d in self.drifts if d.drifted]


def render(report: Report) -> str:
    lines = [f"## Drift: what Grafana's UI changed, against {md.code(report.against)}", ""]
    lines += [f"- {summary(d)}" for d in report.drifts]
    for drift in report.drifted:
        lines += ["", *section(drift, report.sources)]
    return _CONTROL.sub("\ufffd", "\n".join(lines)) + "\n"


# Control characters from a file (a terminal escape in a title) never reach the terminal or the
# Markdown: each becomes U+FFFD.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def summary(drift: Drift) -> str:
    diff = drift.diff
    name = f"**{_text(diff.title)}** ({md.code(diff.name)}) from {md.code(drift.origin)} "
    name += f"({md.text(drift.shape)})"
    if not drift.drifted:
        return f"{name}: no drift"
    counts = ", ".join(
        f"{len(found)} {what}"
        for what, found in (
            ("added", diff.added),
            ("removed", diff.removed),
            ("renamed", diff.renamed),
            ("moved", diff.moved),
            ("changed", diff.changed),
        )
    )
    extra = "; dashboard settings changed" if diff.settings else ""
    return f"{name}: panels {counts}{extra}"


def section(drift: Drift, sources: Sources | None) -> list[str]:
    diff = drift.diff
    lines = [f"### {_text(diff.title)} ({md.code(diff.name)})"]
    if diff.settings:
        rows = [
            (
                md.code(path),
                md.code(old),
                md.code(new),
                _where(_setting_source(sources, diff, path)),
            )
            for path, old, new in diff.settings
        ]
        lines += ["", "Dashboard settings:", "", *_table(rows)]
    rows_text = [
        f"added {_code(r)} (list it in {_where(_dashboard_file(sources, diff.name))})"
        for r in diff.rows_added
    ]
    rows_text += [
        f"removed {_code(r)} ({_where(_row(sources, diff.name, r))})" for r in diff.rows_removed
    ]
    rows_text += [
        f"renamed {_code(o)} → {_code(n)} ({_where(_row(sources, diff.name, o))}; "
        f"{md.code('key=' + snippet_string(cut(o, REPORT_VALUE_MAX)))} keeps its id)"
        for o, n in diff.rows_renamed
    ]
    if rows_text:
        lines += ["", f"Rows: {'; '.join(rows_text)}."]
    for change in diff.touched:
        lines += ["", *panel_section(diff.name, change, sources)]
    for panel in diff.removed:
        lines += ["", *removed_section(diff.name, panel, sources)]
    for panel in diff.added:
        lines += ["", *added_section(diff.name, panel, diff, sources)]
    if diff.renumbered:
        ids = ", ".join(f"{_text(c.new.title)} {c.old.id} → {c.new.id}" for c in diff.renumbered)
        lines += ["", f"Panel ids changed: {ids}."]
    return lines


def panel_section(dashboard: str, change: PanelChange, sources: Sources | None) -> list[str]:
    key = sources.key(dashboard, change.old.model) if sources else None
    about = f", key {md.code(key)}" if key else ""
    lines = [f"#### {_text(change.new.title)} ({md.text(change.new.type)}{about})"]
    if change.renamed or change.moved:
        lines.append("")
    if change.renamed:
        lines.append(
            f"- renamed: “{_text(change.old.title)}” → “{_text(change.new.title)}”; "
            f"change it in {_where(_field_source(sources, key, 'title'))}"
        )
    if change.moved:
        listed = sources.listed(dashboard, key) if sources and key else None
        lines.append(
            f"- moved: {md.text(place_text(change.old.place))} → "
            f"{md.text(place_text(change.new.place))}; the layout follows the order of the "
            f"rows' lists: change it in {_where(listed)}"
        )
    rows = []
    for path, old, new in change.fields:
        rows.append(
            (md.code(path), md.code(old), md.code(new), _where_field(sources, key, path, change))
        )
    for text in change.texts:
        rows.append(
            (
                md.code(text.path),
                md.code(cut(text.old, REPORT_VALUE_MAX)),
                md.code(cut(text.new, REPORT_VALUE_MAX)),
                _where(_field_source(sources, key, text.path)),
            )
        )
    if rows:
        lines += ["", *_table(rows)]
    for query in change.queries:
        lines += ["", f"Query {md.code(query.ref)}, golden:", ""]
        lines += [*_query(query.old), "", "in Grafana:", "", *_query(query.new)]
        lines += ["", f"Change it in {_where(_field_source(sources, key, 'targets'))}."]
    return lines


def removed_section(dashboard: str, panel: Panel, sources: Sources | None) -> list[str]:
    key = sources.key(dashboard, panel.model) if sources else None
    about = f", key {md.code(key)}" if key else ""
    where = sources.listed(dashboard, key) if sources and key else None
    return [
        f"#### ➖ Removed in the UI: {_text(panel.title)} ({md.text(panel.type)}{about})",
        "",
        f"It was at {md.text(place_text(panel.place))}. To remove it from the code, take it out "
        f"of its row's list: {_where(where)}.",
    ]


def added_section(
    dashboard: str, panel: Panel, diff: DashboardDiff, sources: Sources | None
) -> list[str]:
    lines = [f"#### ➕ Added in the UI: {_text(panel.title)} ({md.text(panel.type)})", ""]
    lines.append(f"At {md.text(place_text(panel.place))}, size {size_text(panel.place)}.")
    if sources is None:
        return lines
    key = snippet.key_for(panel.title, sources.all_keys())
    neighbour = _neighbour(dashboard, panel, diff, sources)
    domain = sources.domain_file(neighbour) if neighbour else None
    target = sources.show(domain) if domain else "the domain file it belongs to (libsonnet/)"
    code = snippet.panel(panel.model, key, sources.thresholds)
    lines += [
        "",
        f"Paste this field into {md.code(target)}, inside its `panels.keyed({{ … }})` (the "
        "queries are as Grafana saved them: a measure of `libsonnet/measures.libsonnet` may "
        "already say the same):",
        "",
        *md.fence(cut(code, 4 * REPORT_QUERY_MAX), "jsonnet"),
    ]
    missing = [
        line
        for name, line in snippet.LOCALS.items()
        if domain is not None
        and re.search(rf"\b{name}[.(]", code)
        and not any(text.startswith(f"local {name} =") for text in sources.lines(domain))
    ]
    if missing:
        needed = ", ".join(md.code(line) for line in missing)
        lines += ["", f"It reads locals that file does not define yet: add {needed} at its top."]
    if neighbour:
        listed = sources.listed(dashboard, neighbour)
        lines += [
            "",
            f"Then list {md.code('p.' + key)} after {md.code('p.' + neighbour)} in "
            f"{_where(listed)}.",
        ]
    else:
        board = _where(_dashboard_file(sources, dashboard))
        lines += ["", f"Then list {md.code('p.' + key)} in its row of {board}."]
    lines += ["", "Run `invoke fmt` and `invoke build`: lint checks its title, unit and queries."]
    return lines


def _neighbour(dashboard: str, panel: Panel, diff: DashboardDiff, sources: Sources) -> str | None:
    """The key of the matched panel just before the added one in its row (or just after)."""
    matched = [c.new for c in diff.panels if c.new.place.row_index == panel.place.row_index]
    before = [p for p in matched if p.place.rank < panel.place.rank]
    after = [p for p in matched if p.place.rank > panel.place.rank]
    pick = (
        max(before, key=lambda p: p.place.rank)
        if before
        else (min(after, key=lambda p: p.place.rank) if after else None)
    )
    if pick is None:
        return None
    change = next(c for c in diff.panels if c.new is pick)
    return sources.key(dashboard, change.old.model)


def _where_field(sources: Sources | None, key: str | None, path: str, change: PanelChange) -> str:
    if path == "size":
        return _where(_field_source(sources, key, "size"))
    if path == "thresholds" and sources is not None:
        row = sources.threshold_row(change.old.model)
        if row is not None:
            found = sources.threshold_line(row)
            new = levels(change.new.model, sources.thresholds[row])
            old = {k: sources.thresholds[row].get(k) for k in ("warning", "critical")}
            moved = ", ".join(
                f"{md.code(k)} {md.text(_plain(old[k]))} → {md.text(_plain(new[k]))}"
                for k in new
                if new[k] != old.get(k)
            )
            text = _where(found)
            if moved:
                text += f": {moved}; every panel and alert of this row follows it"
            own = _field_source(sources, key, "thresholds")
            if own is not None and own.line is not None:
                text += f"; for this panel alone, its own levels at {_where(own)}"
            return text
    return _where(_field_source(sources, key, path))


def _field_source(sources: Sources | None, key: str | None, path: str) -> Where | None:
    if sources is None or key is None:
        return None
    return sources.field_line(key, path)


def _row(sources: Sources | None, dashboard: str, title: str) -> Where | None:
    return None if sources is None else sources.row_line(dashboard, title)


def _dashboard_file(sources: Sources | None, name: str) -> Where | None:
    if sources is None:
        return None
    return Where(sources.show(sources.dashboard_file(name)))


def _setting_source(sources: Sources | None, diff: DashboardDiff, path: str) -> Where | None:
    return None if sources is None else sources.setting_line(diff.name, path)


def _where(where: Where | None) -> str:
    return where.markdown() if where is not None else "(source not located)"


def _table(rows: Sequence[tuple[str, str, str, str]]) -> list[str]:
    return md.table(["field", "golden", "in Grafana", "change it in"], rows)


def _query(expr: str | None) -> list[str]:
    return md.fence(cut(expr or "(none)", REPORT_QUERY_MAX), "promql")


def _code(value: str) -> str:
    return md.code(cut(value, REPORT_VALUE_MAX))


def _text(value: str) -> str:
    return md.text(cut(value, REPORT_VALUE_MAX))


def _plain(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
