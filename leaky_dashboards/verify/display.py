"""Display truth: what the viewer reads at the incident moments, through Grafana's own display
code (the preview's renderer: @grafana/data in headless Chromium, review/).

For every moment an expectation names (a dashboard, seconds before the end, variable values),
the dashboard is drawn once with the data at that moment, and its record (display.json's shape)
is checked:
- each `Reads` expectation: the text exactly, unit included, and the colour of a threshold level;
- each `Shows` expectation on a stat, gauge, bar gauge or table: the value the viewer reads
  (after Grafana's reduction, transformations and overrides) is the expected number within its
  tolerance, in the unit Grafana gives the expected number ("No data" where None is expected);
- every stat, gauge, bar gauge and table value drawn at that moment: no `NaN`, and a `%` on each
  value of a percent unit.
Nothing is drawn for a scenario without such expectations.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..model import Json, visible_panels
from .promapi import Client
from .truth import Reads, Shows, Verdict, World

DRAWN = frozenset({"stat", "gauge", "bargauge", "table"})
LEVELS = {"base": 0, "warning": 1, "critical": 2}
PERCENT = frozenset({"percent", "percentunit"})
_LEADING_NUMBER = re.compile(r"^[-+]?[\d.,]*\d")


@dataclass(frozen=True)
class Legible:
    """Every stat, gauge, bar gauge and table value of `dashboard` at `at` reads as a number
    should: no NaN, and a `%` on a percent unit's."""

    dashboard: str
    at: int
    variables: Mapping[str, str] = field(default_factory=dict)
    why: str = "every value drawn through Grafana's display code"

    def subject(self) -> str:
        where = ", ".join(f"{k}={v}" for k, v in self.variables.items())
        return (
            f"{self.dashboard} as read"
            + (f" with {where}" if where else "")
            + f" at end-{self.at // 60}m"
        )

    def expected(self) -> str:
        return "every stat, gauge and table value legible: no NaN, a % on each percent"


Moment = tuple[str, int, tuple[tuple[str, str], ...]]


def _moment(dashboard: str, at: int, variables: Mapping[str, str]) -> Moment:
    return (dashboard, at, tuple(sorted(variables.items())))


def _panel(world: World, dashboard: str, title: str) -> Json | None:
    found = world.dashboards.get(dashboard)
    if found is None:
        return None
    return next((p for p in visible_panels(found.model) if p.get("title") == title), None)


def _column(panel: Json, ref_id: str | None) -> str:
    """The header Grafana shows for a table query's value: `Value #<refId>` as organize renames
    it."""
    name = f"Value #{ref_id}"
    for step in panel.get("transformations") or []:
        if step.get("id") == "organize":
            name = str(((step.get("options") or {}).get("renameByName") or {}).get(name, name))
    return name


def _static_legend(panel: Json, ref_id: str | None) -> str | None:
    """The value name a stat's query gives when its legend is plain text (`fully up`)."""
    for target in panel.get("targets") or []:
        if ref_id is not None and target.get("refId") == ref_id:
            legend = str(target.get("legendFormat") or "")
            return legend if legend and "{{" not in legend and legend != "__auto" else None
    return None


def derived(world: World, expectations: Sequence[Any]) -> list[tuple[Shows, Reads]]:
    """Each `Shows` on a drawn panel type, as the reading it implies (its text filled in later,
    from Grafana's display of the expected number)."""
    found = []
    for e in expectations:
        if not isinstance(e, Shows):
            continue
        panel = _panel(world, e.dashboard, e.panel)
        if panel is None or panel.get("type") not in DRAWN:
            continue
        labels = tuple(e.series.values())
        if panel.get("type") == "table":
            reading = Reads(e.dashboard, e.panel, None, e.why, e.at, None, e.variables,
                            column=_column(panel, e.ref_id), row=labels)  # fmt: skip
        else:
            name = _static_legend(panel, e.ref_id)
            reading = Reads(e.dashboard, e.panel, None, e.why, e.at, None, e.variables,
                            name=name, row=() if name else labels)  # fmt: skip
        found.append((e, reading))
    return found


def check(client: Client, world: World, expectations: Sequence[Any]) -> list[Verdict]:
    """The display verdicts of `expectations` (none if no expectation reads a drawn panel)."""
    from ..review import chromium, data, jobs, preview

    reads = [e for e in expectations if isinstance(e, Reads)]
    implied = derived(world, expectations)
    moments: dict[Moment, None] = {}
    for e in [*reads, *(r for _, r in implied)]:
        moments[_moment(e.dashboard, e.at, e.variables)] = None
    if not moments:
        return []
    source = data.Source(client, world.end, world.scrape_interval)
    verdicts: list[Verdict] = []
    with tempfile.TemporaryDirectory(prefix="leaky-display-") as tmp, chromium.browser() as b:
        for n, moment in enumerate(moments):
            name, at, variables = moment
            dashboard = world.dashboards.get(name)
            if dashboard is None:
                continue
            model = dashboard.model
            end = world.end - at
            frames = data.panel_frames(source, model, data.Moment(end, dict(variables)))
            page = preview.page(model, frames, (end - data.range_of(model), end))
            path = Path(tmp) / f"moment-{n}.html"
            path.write_text(page.html, encoding="utf-8")
            record = jobs.display_record(model, b.shoot(path, page.width, page.height).display)
            page_reader = _Reader(b, model, record)
            verdicts.append(page_reader.legible(Legible(name, at, dict(variables))))
            for e in reads:
                if _moment(e.dashboard, e.at, e.variables) == moment:
                    verdicts.append(page_reader.reads(e))
            for shows, reading in implied:
                if _moment(reading.dashboard, reading.at, reading.variables) == moment:
                    verdicts.append(page_reader.implied(shows, reading))
    return verdicts


class _Reader:
    """One drawn dashboard: its record, and the page to ask Grafana's display of a value."""

    def __init__(self, browser: Any, model: Json, record: dict[str, Any]) -> None:
        self.browser, self.model, self.record = browser, model, record
        self.panels = {str(p["title"]): p for p in record["panels"]}
        self.keys = {str(p["title"]): str(p["key"]) for p in record["panels"]}

    def legible(self, e: Legible) -> Verdict:
        problems, count = [], 0
        for panel in self.record["panels"]:
            if panel["type"] not in DRAWN:
                continue
            for value in panel["values"]:
                count += 1
                text = str(value.get("text", ""))
                percent = value.get("unit") in PERCENT and value.get("numeric") is not None
                if "NaN" in text:
                    problems.append(f"{panel['title']}: {text}")
                elif percent and not text.endswith("%"):
                    problems.append(f"{panel['title']}: {text} (unit {value['unit']})")
        listed = f"; {'; '.join(problems[:3])}" if problems else ", all legible"
        shown = f"{count} values{listed}"
        return Verdict(e, shown, not problems)

    def _values(self, e: Reads) -> tuple[list[dict[str, Any]], str]:
        panel = self.panels.get(e.panel)
        if panel is None:
            return [], f"no panel {e.panel!r} drawn"
        values = list(panel["values"])
        if e.column is not None:
            rows: dict[int, list[dict[str, Any]]] = {}
            for cell in values:
                rows.setdefault(int(cell["row"]), []).append(cell)
            chosen = [
                cells
                for cells in rows.values()
                if all(any(c["text"] == t for c in cells) for t in e.row)
            ]
            if len(chosen) != 1:
                return [], f"{len(chosen)} rows reading {', '.join(e.row)}"
            cells = [c for c in chosen[0] if c["column"] == e.column]
            return cells, "" if cells else f"no column {e.column!r}"
        if e.name is not None:
            values = [v for v in values if v["name"] == e.name]
        elif e.row:
            values = [v for v in values if all(t in str(v["name"]) for t in e.row)]
        return values, "" if len(values) == 1 else f"{len(values)} values: {_texts(values)}"

    def _level_colour(self, e: Reads) -> str | None:
        panel = next((p for p in visible_panels(self.model) if p.get("title") == e.panel), {})
        steps = ((panel.get("fieldConfig") or {}).get("defaults") or {}).get("thresholds") or {}
        listed = [s for s in steps.get("steps") or [] if isinstance(s, dict)]
        index = LEVELS.get(e.level or "", -1)
        if not 0 <= index < len(listed):
            return None
        colour = self.browser.evaluate(f"window.leakyColor({json.dumps(listed[index]['color'])})")
        return str(colour).upper()

    def reads(self, e: Reads) -> Verdict:
        values, problem = self._values(e)
        if problem or len(values) != 1:
            return Verdict(e, problem or "nothing", False)
        value = values[0]
        wanted = e.text if e.text is not None else self._no_data(e)
        met = value["text"] == wanted
        shown = f"{value['text']!r} {value['color']}"
        if e.level is not None:
            colour = self._level_colour(e)
            met = met and colour is not None and str(value["color"]).upper() == colour
            shown += f" ({e.level} is {colour})"
        return Verdict(e, shown, met)

    def _no_data(self, e: Reads) -> str:
        panel = next((p for p in visible_panels(self.model) if p.get("title") == e.panel), {})
        defaults = (panel.get("fieldConfig") or {}).get("defaults") or {}
        if e.column is not None:
            shown = self._display(e, None)
            return shown["text"] if shown else str(defaults.get("noValue", ""))
        return str(defaults.get("noValue", "No data"))

    def _display(self, e: Reads, value: float | None) -> dict[str, str] | None:
        field = e.column if e.column is not None else self._field_name(e)
        if field is None:
            return None
        key = json.dumps(f"after/{self.keys.get(e.panel, e.panel)}")
        answer = self.browser.evaluate(
            f"window.leakyFieldDisplay({key}, {json.dumps(field)}, {json.dumps(value)})"
        )
        return answer if isinstance(answer, dict) else None

    def _field_name(self, e: Reads) -> str | None:
        values, _ = self._values(e)
        return str(values[0]["name"]) if len(values) == 1 else None

    def implied(self, shows: Shows, reading: Reads) -> Verdict:
        """The `Shows` number as the viewer reads it: `value` ± tolerance behind the text, and
        the text in the unit Grafana gives the expected number; None: the No data text."""
        values, problem = self._values(reading)
        if shows.value is None:
            wanted = self._no_data(reading)
            filled = replace(reading, text=wanted)
            if values and not problem:
                return Verdict(filled, repr(values[0]["text"]), values[0]["text"] == wanted)
            # a stat without data draws one value: its No data text
            return Verdict(filled, problem, False)
        expected = self._display(reading, shows.value)
        text = expected["text"] if expected else f"{shows.value:g}"
        filled = replace(reading, text=text)
        if problem or len(values) != 1:
            return Verdict(filled, problem or "nothing", False)
        value = values[0]
        numeric = value.get("numeric")
        close = (
            isinstance(numeric, int | float)
            and math.isfinite(numeric)
            and abs(numeric - shows.value) <= shows.tolerance + 1e-9
        )
        same_unit = _unit_part(str(value["text"])) == _unit_part(text)
        return Verdict(filled, f"{value['text']!r} ({numeric!r})", bool(close and same_unit))


def _unit_part(text: str) -> str:
    """What follows the number: ` ms`, `%`, `K req/m`; mapped texts (UP) whole."""
    return _LEADING_NUMBER.sub("", text, count=1)


def _texts(values: Sequence[Mapping[str, Any]]) -> str:
    return "; ".join(f"{v.get('name')}={v.get('text')!r}" for v in values[:4]) or "none"
