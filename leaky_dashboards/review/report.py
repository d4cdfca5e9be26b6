"""The pull-request comment: every changed golden file as Markdown, summary first.

Order: one summary line per dashboard and per other changed file; the thresholds of
config.libsonnet that changed, each once with the panels and alerts it drives; then one folded
section (`<details>`) per changed dashboard, for the alert rules, provisioning and docs. Added and
removed panels and rules are shown whole; long strings as a word diff (`~~old~~ **new**`).
Identical sides give an empty report, so "nothing to say" is an empty comment.

A comment must stay under GitHub's limit (65,536 characters): sections that would pass it are
left out whole, and a note at the end names them (the summaries and thresholds always stay).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from .. import markdown as md
from ..comparison.changeset import ChangeSet, FileDiff, RulesDiff
from ..comparison.compare import (
    DashboardDiff,
    Panel,
    PanelChange,
    TextChange,
    place_text,
    size_text,
)
from ..comparison.rules import Rule, RuleChange
from ..comparison.thresholds import ThresholdChange, level_text
from ..comparison.values import word_diff
from ..limits import REPORT_QUERY_MAX, REPORT_VALUE_MAX, cut
from ..model import describe_thresholds, field_defaults

# GitHub refuses a comment over 65,536 characters; keep room for the note on what was left out.
COMMENT_LIMIT = 65_536
_NOTE_ROOM = 1_000
THRESHOLDS_SOURCE = "libsonnet/config.libsonnet"


def render(
    changes: ChangeSet | Sequence[DashboardDiff],
    base: str,
    head: str,
    limit: int = COMMENT_LIMIT,
) -> str:
    """The report; sections that would push it over `limit` are left out and named."""
    if not isinstance(changes, ChangeSet):
        changes = ChangeSet(list(changes))
    if changes.empty:
        return ""
    drivers = _drivers(changes.thresholds)
    top = [f"## Dashboard changes: {md.text(head)} against {md.code(base)}", ""]
    top += [f"- {summary(d)}" for d in changes.dashboards]
    top += [f"- {rules_summary(r)}" for r in changes.rules]
    top += [f"- {file_summary(f)}" for f in changes.files]
    if changes.thresholds:
        top += ["", f"### Thresholds ({md.code(THRESHOLDS_SOURCE)})", ""]
        top += [f"- {threshold_line(t)}" for t in changes.thresholds]
    sections: list[tuple[str, list[str]]] = []
    for diff in changes.dashboards:
        if diff.status != "unchanged":
            sections.append((md.code(diff.name), dashboard_section(diff, drivers)))
    for rules in changes.rules:
        sections.append((md.code(rules.path), rules_section(rules, drivers)))
    for file in changes.files:
        if file.fields:
            sections.append((md.code(file.path), file_section(file)))
    return fit(top, sections, limit)


def fit(top: list[str], sections: Sequence[tuple[str, list[str]]], limit: int) -> str:
    """`top`, then every section that fits under `limit` with room for the note naming those
    that do not; the result is never longer than `limit`."""
    lines = list(top)
    size = len("\n".join(lines)) + 1
    omitted: list[str] = []
    for name, section in sections:
        grown = size + len("\n".join(section)) + 2
        if grown > limit - _NOTE_ROOM:
            omitted.append(name)
            continue
        lines += ["", *section]
        size = grown
    if omitted:
        lines += [
            "",
            f"**Truncated:** details of {', '.join(omitted)} are left out to keep this comment "
            f"under {limit} characters (GitHub's limit): run `invoke diff` to read them.",
        ]
    text = "\n".join(lines) + "\n"
    if len(text) > limit:  # the summaries alone are too long: cut them, and say so
        note = f"\n\n**Truncated** at {limit} characters: run `invoke diff` to read it all.\n"
        text = text[: limit - len(note)].rsplit("\n", 1)[0] + note
    return text


def summary(diff: DashboardDiff) -> str:
    """One line per dashboard: its name and the count of each kind of change."""
    name = f"**{_title(diff.title)}** ({md.code(diff.name)})"
    if diff.status == "new":
        return f"{name}: new dashboard, {_count(diff.panel_count, 'panel')}"
    if diff.status == "removed":
        return f"{name}: removed ({_count(diff.panel_count, 'panel')})"
    if diff.status == "unchanged":
        return f"{name}: unchanged"
    return f"{name}: {_counts(diff)}"


def rules_summary(rules: RulesDiff) -> str:
    counts = {s: sum(1 for r in rules.rules if r.status == s) for s in ("added", "removed")}
    changed = sum(1 for r in rules.rules if r.status == "changed")
    what = f"{counts['added']} added, {counts['removed']} removed, {changed} changed"
    status = f"{rules.status} file, " if rules.status != "changed" else ""
    return f"**Alert rules** ({md.code(rules.path)}): {status}rules {what}"


def file_summary(file: FileDiff) -> str:
    kind = "Docs" if file.path.startswith("docs/") else "Provisioning"
    detail = file.summary or _count(len(file.fields), "field") + " changed"
    status = "" if file.status == "changed" else f"{file.status} file, "
    return f"**{kind}** ({md.code(file.path)}): {status}{md.text(detail)}"


def threshold_line(change: ThresholdChange) -> str:
    """`thresholds.latencyP95.warning` 0.5 → 0.4 (500 ms → 400 ms): drives panels … and alert …"""
    unit = f" ({md.text(level_text(change))})" if change.unit else ""
    text = f"{md.code(change.path)} {md.text(_plain(change.old))} → {md.text(_plain(change.new))}"
    text += unit
    drives: list[str] = []
    if change.panels:
        noun = "panel" if len(change.panels) == 1 else "panels"
        drives.append(f"{noun} " + ", ".join(md.text(p) for p in change.panels))
    if change.alerts:
        noun = "alert" if len(change.alerts) == 1 else "alerts"
        drives.append(f"{noun} " + ", ".join(md.text(a) for a in change.alerts))
    if drives:
        text += ": drives " + " and ".join(drives)
    elif change.level in ("warning", "critical"):
        text += ": drives no rendered panel or alert"
    return text


def dashboard_section(diff: DashboardDiff, drivers: dict[str, list[str]]) -> list[str]:
    body: list[str] = []
    if diff.status == "new":
        for panel in diff.added:
            body += ["", *whole_panel(panel, "added")]
    elif diff.status == "removed":
        body += ["", *_panel_table(diff.removed)]
    else:
        body = details(diff, drivers)
    label = f"<b>{html.escape(diff.title)}</b> (<code>{html.escape(diff.name)}</code>)"
    status = {"new": "new dashboard", "removed": "removed"}.get(diff.status, _counts(diff))
    return _folded(f"{label}: {html.escape(status)}", body)


def details(diff: DashboardDiff, drivers: dict[str, list[str]] | None = None) -> list[str]:
    """A changed dashboard's changes, each panel under its own heading."""
    drivers = drivers or {}
    lines: list[str] = []
    if diff.settings:
        lines += ["", "Dashboard settings:", "", *_field_table(diff.settings)]
    rows = [f"added {md.code(r)}" for r in diff.rows_added]
    rows += [f"removed {md.code(r)}" for r in diff.rows_removed]
    rows += [f"renamed {md.code(o)} → {md.code(n)}" for o, n in diff.rows_renamed]
    if rows:
        lines += ["", f"Rows: {', '.join(rows)}."]
    for panel in diff.removed:
        lines += ["", *whole_panel(panel, "removed")]
    for panel in diff.added:
        lines += ["", *whole_panel(panel, "added")]
    for change in diff.touched:
        lines += ["", *panel_details(change, drivers.get(f"{diff.title} › {change.new.title}"))]
    if diff.renumbered:
        ids = ", ".join(f"{_title(c.new.title)} {c.old.id} → {c.new.id}" for c in diff.renumbered)
        lines += [
            "",
            f"Panel ids changed ({_count(len(diff.renumbered), 'panel')}; a `viewPanel=` link "
            f"to the old id now opens another panel): {ids}.",
        ]
    return lines


def panel_details(change: PanelChange, driven_by: list[str] | None = None) -> list[str]:
    new = change.new
    lines = [f"#### {_title(new.title)} ({md.text(new.type)})"]
    if change.renamed:
        lines += ["", f"Renamed: {_quoted(change.old.title)} → {_quoted(new.title)}."]
    if change.moved:
        lines += [
            "",
            f"Moved: {md.text(place_text(change.old.place))} → {md.text(place_text(new.place))}.",
        ]
    rows = list(change.fields)
    if driven_by:
        via = ", ".join(driven_by)
        rows = [(p, o, f"{n} (from {via})") if p == "thresholds" else (p, o, n) for p, o, n in rows]
    if rows:
        lines += ["", *_field_table(rows)]
    for text in change.texts:
        lines += ["", *_word_diff(text)]
    for query in change.queries:
        if query.old is None:
            lines += ["", f"Query {md.code(query.ref)} added:", "", *_query(query.new or "")]
        elif query.new is None:
            lines += ["", f"Query {md.code(query.ref)} removed:", "", *_query(query.old)]
        else:
            lines += ["", f"Query {md.code(query.ref)} before:", "", *_query(query.old)]
            lines += ["", "after:", "", *_query(query.new)]
    return lines


def whole_panel(panel: Panel, status: str) -> list[str]:
    """An added or removed panel as a reviewer must read it: type, place, unit, thresholds with
    units, description, and each query in a code block."""
    model = panel.model
    sign = "➕ added" if status == "added" else "➖ removed"
    lines = [f"#### {_title(panel.title)} ({md.text(panel.type)}, {sign})", ""]
    lines.append(f"- place: {md.text(place_text(panel.place))}, size {size_text(panel.place)}")
    if panel.unit is not None:
        lines.append(f"- unit: {md.code(panel.unit)}")
    steps = field_defaults(model).get("thresholds")
    if isinstance(steps, dict) and len(steps.get("steps") or []) > 1:
        lines.append(f"- thresholds: {md.text(describe_thresholds(steps, panel.unit))}")
    if model.get("description"):
        lines.append(f"- description: {md.text(cut(str(model['description']), REPORT_VALUE_MAX))}")
    for target in model.get("targets", []):
        if not isinstance(target, dict):
            continue
        legend = target.get("legendFormat")
        about = f" (legend {md.code(str(legend))})" if legend not in (None, "", "__auto") else ""
        lines += ["", f"Query {md.code(str(target.get('refId', '?')))}{about}:", ""]
        lines += _query(str(target.get("expr", "")))
    return lines


def rules_section(rules: RulesDiff, drivers: dict[str, list[str]]) -> list[str]:
    body: list[str] = []
    for change in rules.rules:
        body += ["", *rule_details(change, drivers.get(change.rule.label))]
    label = f"<b>Alert rules</b> (<code>{html.escape(rules.path)}</code>)"
    return _folded(f"{label}: {html.escape(rules_summary(rules).split(': ', 1)[1])}", body)


def rule_details(change: RuleChange, driven_by: list[str] | None = None) -> list[str]:
    lines = [f"#### {md.text(change.rule.label)}: {change.status}"]
    if driven_by:
        lines += ["", "Driven by " + ", ".join(md.code(p) for p in driven_by) + "."]
    if change.old is None or change.new is None:
        return [*lines, "", *_whole_rule(change.rule)]
    if change.expr_changed:
        lines += ["", "Expression before:", "", *_query(change.old.expr)]
        lines += ["", "after:", "", *_query(change.new.expr)]
    if change.fields:
        lines += ["", *_field_table(change.fields)]
    for text in change.texts:
        lines += ["", *_word_diff(text)]
    return lines


def file_section(file: FileDiff) -> list[str]:
    label = f"<b>Provisioning</b> (<code>{html.escape(file.path)}</code>)"
    return _folded(
        f"{label}: {html.escape(_count(len(file.fields), 'field'))} changed",
        ["", *_field_table(file.fields)],
    )


def _whole_rule(rule: Rule) -> list[str]:
    lines = ["Expression:", "", *_query(rule.expr), ""]
    rows = [(k, md.code(str(rule.model[k]))) for k in ("for",) if k in rule.model]
    for group in ("labels", "annotations"):
        values = rule.model.get(group)
        if isinstance(values, dict):
            rows += [
                (f"{group}.{k}", md.code(cut(str(v), REPORT_VALUE_MAX))) for k, v in values.items()
            ]
    return lines + md.table(["field", "value"], [(md.code(k), v) for k, v in rows])


def _drivers(changes: Sequence[ThresholdChange]) -> dict[str, list[str]]:
    """Panel (`dashboard › panel`) or rule label → the threshold paths that drive its change."""
    found: dict[str, list[str]] = {}
    for change in changes:
        for name in [*change.panels, *change.alerts]:
            found.setdefault(name, []).append(change.path)
    return found


def _folded(summary_html: str, body: list[str]) -> list[str]:
    """A section GitHub shows folded: the summary line, the Markdown body on click."""
    return ["<details>", f"<summary>{summary_html}</summary>", *body, "", "</details>"]


def _counts(diff: DashboardDiff) -> str:
    counts = [
        f"{len(diff.added)} added",
        f"{len(diff.removed)} removed",
        f"{len(diff.renamed)} renamed",
        f"{len(diff.moved)} moved",
        f"{len(diff.changed)} changed",
    ]
    extra = "; dashboard settings changed" if diff.settings else ""
    if diff.renumbered:
        extra += f"; {_count(len(diff.renumbered), 'panel id')} changed"
    return f"panels {', '.join(counts)}{extra}"


def _word_diff(change: TextChange) -> list[str]:
    marks = {"-": "~~{}~~", "+": "**{}**", "=": "{}"}
    parts = [
        "…" if tag == "…" else marks[tag].format(md.text(cut(words, REPORT_VALUE_MAX)))
        for tag, words in word_diff(change.old, change.new)
    ]
    return [f"{md.code(change.path)} (~~removed~~ **added**): {' '.join(parts)}"]


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


def _plain(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "(absent)" if value is None else str(value)


def _quoted(title: str) -> str:
    return f"“{_title(title)}”"


# A report shows long text cut (limits.py), so one huge string cannot swell a comment; field
# values come cut from `values.value_changes`.
def _title(title: str) -> str:
    return md.text(cut(title, REPORT_VALUE_MAX))


def _query(expr: str) -> list[str]:
    return md.fence(cut(expr, REPORT_QUERY_MAX), "promql")
