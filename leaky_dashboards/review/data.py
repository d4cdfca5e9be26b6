"""The data a preview draws: each panel's queries answered by a real Prometheus over one of
verify's synthetic worlds (the busy day by default), as Grafana asks them when the dashboard opens
(variables at their defaults, the dashboard's default time range ending at the data's end, each
target's step and macros as Grafana computes them), turned into data frames shaped as Grafana's
Prometheus data source returns them.

The frames are JSON: `{refId, meta?, fields: [{name, type, values, labels?, config?}]}`, `type`
one of `time`, `number`, `string`; a number is a float, or the string `NaN`, `+Inf` or `-Inf`
(JSON has none of them). A series of a range query is written compactly: its time field is
`{"grid": [start, step, count]}` (ms) and its values follow that grid, `null` where Prometheus
returned no sample (the renderer leaves those points out, so the frame holds exactly the
samples). The renderer (renderer/src) turns them into @grafana/data frames.

Grafana asks each panel for as many points as it is wide in pixels (`maxDataPoints`); the preview
draws the grid `preview.GRID_PX` wide, so a panel `w` columns wide asks `w × GRID_PX / 24`.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import re
import shutil
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import grafana
from ..comparison.compare import panels_of
from ..model import Json
from ..project import Project
from ..render import Dashboard
from ..settings import Paths
from ..verify import evaluate, loaded, scenarios, server
from ..verify.promapi import Answer, Client
from ..verify.scenarios import Scenario
from ..verify.variables import resolve

DEFAULT_RANGE_S = 6 * 3600  # when a dashboard names no range Grafana can read
_RELATIVE = re.compile(r"now-(\d+)([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_LEGEND = re.compile(r"\{\{\s*(.+?)\s*\}\}")
WORKERS = 2
PIXELS_PER_COLUMN = 50  # the preview's grid: 1200 px for 24 columns

Frame = dict[str, Any]


@dataclass(frozen=True)
class Moment:
    """What a picture shows: the dashboard's range ending at `end` (seconds), with `variables`
    set to the given values and the others at their defaults."""

    end: int
    variables: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    """A running Prometheus holding a synthetic world, and the scrape interval it was made at.
    Answers are remembered: both sides of a changed dashboard mostly send the same queries."""

    client: Client
    end: int  # the data's last instant
    scrape_interval: str
    answers: dict[tuple[str, str, float, int, int], Answer] = field(
        default_factory=dict, compare=False, repr=False
    )

    def ask(self, window: evaluate.Window, query: str, mode: evaluate.Mode, step: float) -> Answer:
        key = (query, mode, step, window.end, window.range_s)
        if key not in self.answers:
            self.answers[key] = evaluate.query_as_grafana(self.client, window, query, mode, step)
        return self.answers[key]


def cache_root() -> Path:
    """The checkout's verify cache: the blocks are keyed by content, so they are right for any
    tree (a test's copy, a git ref's sources) and built once."""
    return loaded.cache_root(Paths())


@contextlib.contextmanager
def serving(
    project: Project,
    scenario: Scenario = scenarios.FULL,
    echo: Any = print,
) -> Iterator[Source]:
    """Prometheus over the scenario's blocks (raw and recorded, from verify's cache, built if
    missing), stopped whatever happens."""
    subject = loaded.compiled_subject(project)
    _, directories = loaded.prepare(project, scenario, subject.rules, echo=echo, cache=cache_root())
    scrape = project.installation.scrape_interval
    with server.running(lambda data: _load(data, *directories), scrape) as prom:
        yield Source(Client(prom.url), scenario.timeline.end, scrape)


def _load(data: Path, *directories: Path) -> None:
    """Every block of `directories` in the server's data directory, as hard links where the
    file system allows (tens of MB not copied): Prometheus never rewrites a block's files, it
    writes new blocks and removes old ones, which removes only its links."""
    data.mkdir(parents=True, exist_ok=True)
    for directory in directories:
        for entry in directory.iterdir():
            if entry.is_dir():
                shutil.copytree(entry, data / entry.name, copy_function=_link_or_copy)


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def range_of(model: Json) -> int:
    """The dashboard's default time range in seconds (`now-6h` to `now`)."""
    time = model.get("time") or {}
    found = _RELATIVE.fullmatch(str(time.get("from", "")).strip())
    if not found or str(time.get("to", "now")).strip() != "now":
        return DEFAULT_RANGE_S
    return int(found.group(1)) * _UNITS[found.group(2)]


@dataclass(frozen=True)
class _Asked:
    key: str
    target: Json
    query: str
    mode: evaluate.Mode
    step: float
    targets: int  # how many visible targets the panel has (Grafana names table columns by it)


def panel_frames(source: Source, model: Json, moment: Moment) -> dict[str, list[Frame]]:
    """Every visible panel's frames by panel key, as the dashboard shows them at `moment`."""
    range_s = range_of(model)
    window = evaluate.Window(end=moment.end, range_s=range_s)
    resolved = resolve(source.client, model, window.start, window.end, range_s)
    values = {
        v.name: v.render(moment.variables.get(v.name, resolved.defaults[v.name]))
        for v in resolved.variables
    }
    asked: list[_Asked] = []
    frames: dict[str, list[Frame]] = {}
    for panel in panels_of(model):
        frames[panel.key] = []
        drawn = dict(panel.model)
        width = int((drawn.get("gridPos") or {}).get("w") or 12)
        drawn.setdefault("maxDataPoints", width * PIXELS_PER_COLUMN)
        single = Dashboard(panel.key, Path(), {"title": "", "panels": [drawn]})
        targets = list(evaluate.targets(single, window, source.scrape_interval))
        specs = {
            str(t.get("refId", "?")): t
            for t in panel.model.get("targets") or []
            if isinstance(t, dict) and not t.get("hide") and t.get("expr")
        }
        for target in targets:
            query = grafana.interpolate(target.expr, values, target.interval.macros())
            asked.append(
                _Asked(
                    panel.key,
                    specs.get(target.ref_id, {}),
                    query,
                    target.grafana_mode,
                    target.interval.step,
                    len(targets),
                )
            )
    unique = sorted({(a.query, a.mode, a.step) for a in asked})
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        answers = dict(
            zip(
                unique,
                pool.map(lambda k: source.ask(window, *k), unique),
                strict=True,
            )
        )
    for a in asked:
        frames[a.key].extend(to_frames(a.target, answers[(a.query, a.mode, a.step)], a.targets))
    return frames


def to_frames(target: Json, answer: Answer, targets: int = 1) -> list[Frame]:
    """One target's answer as Grafana's Prometheus data source frames it."""
    if answer.error:
        return []
    ref = str(target.get("refId", "A"))
    fmt = str(target.get("format") or "time_series")
    series = [_series(item) for item in answer.result]
    if fmt == "table":
        return [_table(ref, series, targets)]
    if fmt == "heatmap":
        return [_heatmap(ref, series)]
    legend = str(target.get("legendFormat") or "")
    expr = str(target.get("expr") or "")
    frames = []
    for labels, times, numbers in series:
        shown = {k: v for k, v in labels.items() if k != "__name__"}
        config: dict[str, Any] = {}
        name = display_name(legend, labels, expr)
        if name:
            config["displayNameFromDS"] = name
        time_field, values = _compact(times, numbers)
        value: dict[str, Any] = {"name": "Value", "type": "number", "values": values}
        if shown:
            value["labels"] = shown
        value["config"] = config
        frames.append({"refId": ref, "fields": [time_field, value]})
    return frames


def _compact(
    times: list[int], numbers: list[float | str]
) -> tuple[dict[str, Any], list[float | str | None]]:
    """A time field on a regular grid with its values (None where a sample is missing), when the
    samples sit on one; else the plain field."""
    plain = {"name": "Time", "type": "time", "values": times, "config": {}}
    if len(times) < 3:
        return plain, list(numbers)
    steps = [b - a for a, b in itertools.pairwise(times)]
    step = min(steps)
    if step <= 0 or any(s % step for s in steps):
        return plain, list(numbers)
    count = (times[-1] - times[0]) // step + 1
    values: list[float | str | None] = [None] * count
    for t, v in zip(times, numbers, strict=True):
        values[(t - times[0]) // step] = v
    grid = {"name": "Time", "type": "time", "grid": [times[0], step, count], "config": {}}
    return grid, values


def display_name(legend: str, labels: Mapping[str, str], expr: str) -> str:
    """The series name Grafana's Prometheus data source gives (`displayNameFromDS`): the legend
    format with its `{{label}}` filled in; for `__auto`, none when the series has labels; for no
    legend, the metric name and its labels; the expression for a series with no labels."""
    shown = {k: v for k, v in labels.items() if k != "__name__"}
    if legend == "__auto":
        name = ""
    elif legend:
        name = _LEGEND.sub(lambda m: str(labels.get(m.group(1), "")), legend)
    else:
        inner = ", ".join(f'{k}="{v}"' for k, v in sorted(shown.items()))
        metric = labels.get("__name__", "")
        name = f"{metric}{{{inner}}}" if inner else metric
    if not name and not shown:
        name = expr
    return name


def _number(text: str) -> float | str:
    value = float(text)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return value


def _series(item: Json) -> tuple[dict[str, str], list[int], list[float | str]]:
    labels = {str(k): str(v) for k, v in (item.get("metric") or {}).items()}
    pairs = item.get("values") or ([item["value"]] if "value" in item else [])
    times = [round(float(t) * 1000) for t, _ in pairs]
    return labels, times, [_number(str(v)) for _, v in pairs]


def _table(
    ref: str, series: Sequence[tuple[dict[str, str], list[int], list[float | str]]], targets: int
) -> Frame:
    """An instant table: a row per series (its last sample), a column per label, then the value,
    named `Value #<refId>` when the panel has several queries (Grafana's Prometheus table)."""
    names = sorted({k for labels, _, _ in series for k in labels if k != "__name__"})
    rows = [(labels, times[-1], numbers[-1]) for labels, times, numbers in series if times]
    fields: list[dict[str, Any]] = [
        {"name": "Time", "type": "time", "values": [t for _, t, _ in rows], "config": {}}
    ]
    for name in names:
        column = [labels.get(name, "") for labels, _, _ in rows]
        fields.append({"name": name, "type": "string", "values": column, "config": {}})
    value_name = f"Value #{ref}" if targets > 1 else "Value"
    fields.append(
        {"name": value_name, "type": "number", "values": [v for _, _, v in rows], "config": {}}
    )
    return {"refId": ref, "meta": {"preferredVisualisationType": "table"}, "fields": fields}


def _le(labels: Mapping[str, str]) -> float:
    try:
        return float(labels.get("le", "inf"))
    except ValueError:
        return math.inf


Series = tuple[dict[str, str], list[int], list[float | str]]


def _heatmap(ref: str, series: Sequence[Series]) -> Frame:
    """Cumulative `le` buckets made per-bucket counts, lowest bucket first, one field each
    (Grafana's Prometheus heatmap format)."""
    ordered = sorted(series, key=lambda s: _le(s[0]))
    times = sorted({t for _, ts, _ in ordered for t in ts})
    fields: list[dict[str, Any]] = [{"name": "Time", "type": "time", "values": times, "config": {}}]
    below = [0.0] * len(times)
    for labels, ts, numbers in ordered:
        at = dict(zip(ts, numbers, strict=True))
        counts: list[float | str] = []
        for i, t in enumerate(times):
            raw = at.get(t)
            value = raw if isinstance(raw, float) else 0.0
            counts.append(max(0.0, value - below[i]))
            below[i] = value
        le = labels.get("le", "")
        fields.append(
            {
                "name": le,
                "type": "number",
                "values": counts,
                "config": {"displayNameFromDS": le},
            }
        )
    return {"refId": ref, "meta": {"type": "heatmap-rows"}, "fields": fields}
