"""The pull-request comment: every changed shipped file as Markdown, summary first.

Order: the heading naming both sides (their commits), a loud warning for anything that makes
the comparison itself doubtful (committed output that is not what its sources render, reviewing
code changed), then a statement: what changed, one summary line per dashboard and per other
changed file, or "No change to any of N shipped files"; the thresholds of config.libsonnet that
changed, each once with the panels and alerts it drives; then one folded section (`<details>`)
per changed dashboard, for the alert rules, provisioning and docs. Added and removed panels and
rules are shown whole; long strings as a word diff (`~~old~~ **new**`), long values and queries
with the unchanged parts away from each change elided (`‹…›`): nothing is cut.

A comment must stay under GitHub's limit (65,536 characters). A longer report is split into
numbered parts (`pages`): the first keeps the statement and one line per changed item of every
file, the details continue in the next parts; nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

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
from ..comparison.impact import Impact
from ..comparison.rules import Rule, RuleChange
from ..comparison.thresholds import ThresholdChange, level_text
from ..comparison.values import ELIDED, around_change, word_diff
from ..limits import REPORT_QUERY_MAX, REPORT_VALUE_MAX
from ..model import describe_thresholds, field_defaults

# GitHub refuses a comment over 65,536 characters; a part keeps room for its heading and notes.
COMMENT_LIMIT = 65_536
_PAGE_ROOM = 1_000
THRESHOLDS_SOURCE = "libsonnet/config.libsonnet"


@dataclass(frozen=True)
class Heading:
    """What the report says about its two sides: its title (both commits), what is compared,
    the warnings that open it, other notes, and how many files were compared."""

    title: str
    compared: str = ""
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    total: int | None = None
    kind: str = "shipped"  # "shipped" or "golden": how the files compared are named


def default_heading(base: str, head: str) -> Heading:
    return Heading(f"Dashboard changes: {md.text(head)} against {md.code(base)}")


def render(
    changes: ChangeSet | Sequence[DashboardDiff],
    base: str = "golden",
    head: str = "working tree",
    limit: int = COMMENT_LIMIT,
    heading: Heading | None = None,
) -> str:
    """The whole report, every part one after the other (`pages` for the parts)."""
    return "\n".join(pages(changes, heading or default_heading(base, head), limit))


def pages(
    changes: ChangeSet | Sequence[DashboardDiff],
    heading: Heading,
    limit: int = COMMENT_LIMIT,
    part_name: Callable[[int], str] = lambda n: f"part {n}",
) -> list[str]:
    """The report as parts of at most `limit` characters each (one when it fits)."""
    if not isinstance(changes, ChangeSet):
        changes = ChangeSet(list(changes), total=len(changes))
    top = _top(changes, heading)
    sections = _sections(changes)
    whole = "\n".join([*top, *(line for s in sections for line in ["", *s])]) + "\n"
    if len(whole) <= limit:
        return [whole]
    budget = limit - _PAGE_ROOM
    units: list[list[str]] = [[line] for line in top]
    units += [[""], ["### Every change, one line each"], [""]]
    units += [[line] for line in item_lines(changes)]
    for section in sections:
        units.append([""])
        units += _split_section(section, budget)
    parts: list[list[str]] = [[]]
    size = 0
    for unit in _fitting(units, budget):
        grown = size + sum(len(line) + 1 for line in unit)
        if parts[-1] and grown > budget:
            parts.append([])
            grown = sum(len(line) + 1 for line in unit)
        parts[-1] += unit
        size = grown
    count = len(parts)
    out: list[str] = []
    for k, lines in enumerate(parts, start=1):
        head = [] if k == 1 else [f"## {heading.title} (part {k} of {count})", ""]
        tail = []
        if k == 1:
            rest = ", ".join(part_name(n) for n in range(2, count + 1))
            tail = [
                "",
                f"**This report continues in {rest}** ({count} parts in all, each under "
                f"{limit} characters, GitHub's comment limit): the statement and every change "
                "are above, their details continue there.",
            ]
        elif k < count:
            tail = ["", f"Continued in {part_name(k + 1)}."]
        out.append("\n".join([*head, *lines, *tail]) + "\n")
    return out


def _fitting(units: list[list[str]], budget: int) -> list[list[str]]:
    """Units no longer than `budget`: a longer single line is split into pieces."""
    found: list[list[str]] = []
    for unit in units:
        if sum(len(line) + 1 for line in unit) <= budget:
            found.append(unit)
            continue
        for line in unit:
            found += [[line[i : i + budget // 2]] for i in range(0, max(len(line), 1), budget // 2)]
    return found


def _split_section(section: list[str], budget: int) -> list[list[str]]:
    """A folded section as units that fit a part: whole when it fits, else in chunks, each its
    own `<details>` (the later ones "continued"), fences closed and reopened around a cut."""
    if sum(len(line) + 1 for line in section) <= budget:
        return [section]
    opening, summary_line, body = section[0], section[1], section[2:-2]
    continued = summary_line.replace("</summary>", " (continued)</summary>")
    blocks = _blocks(body, budget // 2)
    chunks: list[list[str]] = [[]]
    size = 0
    for block in blocks:
        grown = size + sum(len(line) + 1 for line in block)
        if chunks[-1] and grown > budget - len(summary_line) - 100:
            chunks.append([])
            grown = sum(len(line) + 1 for line in block)
        chunks[-1] += block
        size = grown
    return [
        [opening, summary_line if n == 0 else continued, *chunk, "", "</details>"]
        for n, chunk in enumerate(chunks)
    ]


def _blocks(body: list[str], most: int) -> list[list[str]]:
    """Body lines grouped so that no group is cut: a fenced block is one group, split into
    several fences (each opened and closed alike) when longer than `most`."""
    groups: list[list[str]] = []
    fence: list[str] | None = None
    for line in body:
        if fence is None:
            if line.startswith("```"):
                fence = [line]
            else:
                groups.append([line])
            continue
        fence.append(line)
        if line == fence[0].rstrip("abcdefghijklmnopqrstuvwxyz"):
            groups += _split_fence(fence, most)
            fence = None
    if fence is not None:
        groups.append(fence)
    return groups


def _split_fence(fence: list[str], most: int) -> list[list[str]]:
    if sum(len(line) + 1 for line in fence) <= most:
        return [fence]
    opening, closing, lines = fence[0], fence[-1], []
    for line in fence[1:-1]:
        lines += [line[i : i + most // 2] for i in range(0, max(len(line), 1), most // 2)]
    groups: list[list[str]] = []
    current: list[str] = []
    size = 0
    for line in lines:
        if current and size + len(line) + 1 > most:
            groups.append([opening, *current, closing, "(continued in the next block)"])
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    groups.append([opening, *current, closing])
    return groups


def _top(changes: ChangeSet, heading: Heading) -> list[str]:
    """Heading, warnings, the statement, the summary lines and the thresholds."""
    lines = [f"## {heading.title}", ""]
    if heading.compared:
        lines += [heading.compared, ""]
    if heading.warnings:
        lines += ["> [!CAUTION]", *(f"> {w}" for w in heading.warnings), ""]
    if heading.notes:
        lines += [*heading.notes, ""]
    if changes.impact.warnings:
        lines += ["> [!WARNING]", "> Read these before approving:", ">"]
        lines += [f"> - {md.text(w)}" for w in changes.impact.warnings]
        lines.append("")
    lines.append(statement(changes, heading))
    summaries = [f"- {summary(d)}" for d in changes.dashboards]
    summaries += [f"- {rules_summary(r)}" for r in changes.rules]
    summaries += [f"- {file_summary(f)}" for f in changes.files]
    if not changes.empty:
        lines += ["", *summaries]
    if changes.thresholds:
        lines += ["", f"### Thresholds ({md.code(THRESHOLDS_SOURCE)})", ""]
        lines += [f"- {threshold_line(t, changes.impact)}" for t in changes.thresholds]
    reach = impact_lines(changes.impact)
    if reach:
        lines += ["", "### What else it changes", "", *reach]
    return lines


def impact_lines(found: Impact) -> list[str]:
    """Each changed recording rule with what reads it; each changed window with what it drives."""
    lines: list[str] = []
    for label, readers in found.readers.items():
        who = ", ".join(md.text(r) for r in readers) if readers else "nothing in these files"
        lines.append(f"- recording rule {md.code(label)}: read by {who}")
    for (old, new), what in found.windows.items():
        lines.append(
            f"- window {md.code(old)} → {md.code(new)} in the queries of "
            + ", ".join(md.text(w) for w in what)
        )
    return lines


def statement(changes: ChangeSet, heading: Heading) -> str:
    """In words: what changed, or that nothing did, of how many files."""
    total = heading.total if heading.total is not None else changes.total
    noun = "golden" if heading.kind == "golden" else "shipped"
    files = f"{total} {noun} file{'' if total == 1 else 's'}"
    if changes.empty:
        return f"**No change to any of {files}.**"
    changed = len(changes.changed_paths())
    kinds = []
    if changes.changed_dashboards:
        kinds.append(_count(len(changes.changed_dashboards), "dashboard"))
    if changes.rules:
        kinds.append(_count(len(changes.rules), "rules file"))
    if changes.files:
        kinds.append(_count(len(changes.files), "other file"))
    return f"**Changed: {changed} of {files}** ({', '.join(kinds)})."


def _sections(changes: ChangeSet) -> list[list[str]]:
    drivers = _drivers(changes.thresholds)
    sections: list[list[str]] = []
    for diff in changes.dashboards:
        if diff.status != "unchanged":
            sections.append(dashboard_section(diff, drivers))
    for rules in changes.rules:
        sections.append(rules_section(rules, drivers))
    for file in changes.files:
        if file.fields or file.lines:
            sections.append(file_section(file))
    return sections


def item_lines(changes: ChangeSet) -> list[str]:
    """One line per changed item of every file: each panel, setting, row, rule and field."""
    lines: list[str] = []
    for diff in changes.changed_dashboards:
        at = f"- {md.code(diff.name)} › "
        lines += [f"{at}setting {md.code(p)}" for p, _, _ in diff.settings]
        lines += [f"{at}row added {md.code(r)}" for r in diff.rows_added]
        lines += [f"{at}row removed {md.code(r)}" for r in diff.rows_removed]
        lines += [f"{at}row renamed {md.code(o)} → {md.code(n)}" for o, n in diff.rows_renamed]
        lines += [f"{at}➖ removed {_title(p.title)}" for p in diff.removed]
        lines += [f"{at}➕ added {_title(p.title)}" for p in diff.added]
        for change in diff.touched:
            what = ["renamed"] if change.renamed else []
            what += ["moved"] if change.moved else []
            parts = [f[0] for f in change.fields] + [t.path for t in change.texts]
            parts += [f"query {q.ref}" for q in change.queries]
            if parts:
                what.append("changed " + ", ".join(md.code(p) for p in parts))
            lines.append(f"{at}{_title(change.new.title)}: {'; '.join(what)}")
        lines += [f"{at}{_title(c.new.title)}: id {c.old.id} → {c.new.id}" for c in diff.renumbered]
    for rules in changes.rules:
        at = f"- {md.code(rules.path)} › "
        lines += [f"{at}group {md.text(g)}" for g in rules.group_lines()]
        lines += [f"{at}{md.text(r.rule.label)}: {r.status}" for r in rules.rules]
    for file in changes.files:
        at = f"- {md.code(file.path)}"
        if file.fields:
            lines += [f"{at} › {md.code(p)}" for p, _, _ in file.fields]
        else:
            lines.append(f"{at}: {md.text(file.summary or file.status)}")
    return lines


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
    return f"**Alert rules** ({md.code(rules.path)}): {_rules_counts(rules)}"


def _rules_counts(rules: RulesDiff) -> str:
    counts = {s: sum(1 for r in rules.rules if r.status == s) for s in ("added", "removed")}
    changed = sum(1 for r in rules.rules if r.status == "changed")
    what = f"{counts['added']} added, {counts['removed']} removed, {changed} changed"
    status = f"{rules.status} file, " if rules.status != "changed" else ""
    groups = rules.group_lines()
    extra = f"; {_count(len(groups), 'group change')}" if groups else ""
    return f"{status}rules {what}{extra}"


def file_summary(file: FileDiff) -> str:
    detail = file.summary or _count(len(file.fields), "field") + " changed"
    status = "" if file.status == "changed" else f"{file.status} file, "
    return f"**{_kind(file.path)}** ({md.code(file.path)}): {status}{md.text(detail)}"


def _kind(path: str) -> str:
    """What a shipped file is, for its summary line."""
    bare = path.removeprefix("golden/")
    if bare.startswith("dashboards/"):
        return "Dashboard file"
    if bare.startswith("docs/"):
        return "Docs"
    if bare.startswith("provisioning/"):
        return "Provisioning"
    if "alertmanager" in bare:
        return "Alertmanager"
    if bare.startswith("prometheus/"):
        return "Prometheus"
    if "compose" in bare and "/" not in bare:
        return "Compose"
    if bare.startswith("kubernetes/"):
        return "Kubernetes"
    if bare.startswith("environments/"):
        return "Environment"
    return "File"


def threshold_line(change: ThresholdChange, found: Impact | None = None) -> str:
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
    windows = (found.windows if found else {}).get((_plain(change.old), _plain(change.new)))
    if windows:
        drives.append("the queries of " + ", ".join(md.text(w) for w in windows))
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
    label = f"<b>{md.html(diff.title)}</b> (<code>{md.html(diff.name)}</code>)"
    status = {"new": "new dashboard", "removed": "removed"}.get(diff.status, _counts(diff))
    return _folded(f"{label}: {md.html(status)}", body)


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
        lines += ["", *panel_details(change, drivers, f"{diff.title} › {change.new.title}")]
    if diff.renumbered:
        ids = ", ".join(f"{_title(c.new.title)} {c.old.id} → {c.new.id}" for c in diff.renumbered)
        lines += [
            "",
            f"Panel ids changed ({_count(len(diff.renumbered), 'panel')}; a `viewPanel=` link "
            f"to the old id now opens another panel): {ids}.",
        ]
    return lines


def panel_details(
    change: PanelChange, drivers: dict[str, list[str]] | None = None, name: str = ""
) -> list[str]:
    new = change.new
    lines = [f"#### {_title(new.title)} ({md.text(new.type)})"]
    if change.renamed:
        lines += ["", f"Renamed: {_quoted(change.old.title)} → {_quoted(new.title)}."]
    if change.moved:
        lines += [
            "",
            f"Moved: {md.text(place_text(change.old.place))} → {md.text(place_text(new.place))}.",
        ]
    rows: list[tuple[str, str, str]] = []
    for path, before, after in change.fields:
        via = (drivers or {}).get(name if path == "thresholds" else f"{name} ({path[14:]})")
        if via and path.startswith("thresholds"):
            after = f"{after} (from {', '.join(via)})"
        rows.append((path, before, after))
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
            lines += ["", *_changed_query(f"Query {md.code(query.ref)}", query.old, query.new)]
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
        lines.append(f"- description: {md.text(str(model['description']))}")
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
    if rules.groups:
        body += ["", "Rule groups:", "", *_field_table(rules.groups)]
    for change in rules.rules:
        body += ["", *rule_details(change, drivers.get(change.rule.label))]
    label = f"<b>Alert rules</b> (<code>{md.html(rules.path)}</code>)"
    return _folded(f"{label}: {md.html(_rules_counts(rules))}", body)


def rule_details(change: RuleChange, driven_by: list[str] | None = None) -> list[str]:
    lines = [f"#### {md.text(change.rule.label)}: {change.status}"]
    if driven_by:
        lines += ["", "Driven by " + ", ".join(md.code(p) for p in driven_by) + "."]
    if change.old is None or change.new is None:
        return [*lines, "", *_whole_rule(change.rule)]
    if change.expr_changed:
        lines += ["", *_changed_query("Expression", change.old.expr, change.new.expr)]
    if change.fields:
        lines += ["", *_field_table(change.fields)]
    for text in change.texts:
        lines += ["", *_word_diff(text)]
    return lines


def file_section(file: FileDiff) -> list[str]:
    label = f"<b>{_kind(file.path)}</b> (<code>{md.html(file.path)}</code>)"
    if not file.fields:
        return _folded(
            f"{label}: {md.html(file.summary)}", ["", *md.fence("\n".join(file.lines), "diff")]
        )
    return _folded(
        f"{label}: {md.html(_count(len(file.fields), 'field'))} changed",
        ["", *_field_table(file.fields)],
    )


def _whole_rule(rule: Rule) -> list[str]:
    lines = ["Expression:", "", *_query(rule.expr), ""]
    rows = [(k, md.code(str(rule.model[k]))) for k in ("for",) if k in rule.model]
    for group in ("labels", "annotations"):
        values = rule.model.get(group)
        if isinstance(values, dict):
            rows += [(f"{group}.{k}", md.code(str(v))) for k, v in values.items()]
    # A recording rule without labels has nothing but its expression: no empty table.
    if not rows:
        return lines
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
        "…" if tag == "…" else marks[tag].format(md.text(words))
        for tag, words in word_diff(change.old, change.new)
    ]
    return [f"{md.code(change.path)} (~~removed~~ **added**): {' '.join(parts)}"]


def _field_table(rows: Sequence[tuple[str, str, str]]) -> list[str]:
    """Fields before and after; a long value with the unchanged text away from the change
    elided (`‹…›`), never cut before it."""
    shown = [(path, *around_change(old, new, REPORT_VALUE_MAX)) for path, old, new in rows]
    table = md.table(
        ["field", "before", "after"],
        [(md.code(path), md.code(old), md.code(new)) for path, old, new in shown],
    )
    if shown != list(rows):
        table += ["", f"({ELIDED} stands for unchanged text left out.)"]
    return table


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


def _title(title: str) -> str:
    return md.text(title)


def _query(expr: str) -> list[str]:
    return md.fence(expr, "promql")


def _changed_query(what: str, old: str, new: str) -> list[str]:
    """A query before and after: whole when short, else each side with the unchanged text away
    from the changes elided, so every change shows with its context."""
    if max(len(old), len(new)) <= REPORT_QUERY_MAX:
        return [f"{what} before:", "", *_query(old), "", "after:", "", *_query(new)]
    before, after = around_change(old, new, REPORT_QUERY_MAX)
    note = (
        f"({len(old)} → {len(new)} characters; {ELIDED} stands for unchanged text left out, "
        "every change is shown with its context)"
    )
    return [f"{what} before {note}:", "", *_query(before), "", "after:", "", *_query(after)]
