"""Where in the Jsonnet sources a change made in Grafana's UI belongs.

A panel is known by its key (its field name in a domain's file, `panels.keyed`), found from its
id: the compiled dashboards carry each panel's key beside the id the layout derived from it. The
key's domain comes from `platform.libsonnet` (`domains`), evaluated; its line from searching the
domain file for the field. Inside the field's definition a changed field is looked for by its
argument name (`title=`, `unit=`...). Layout (place, size) belongs to the dashboard file, which
lists the panel as `p.<key>`; a threshold coloured by a row of `config.thresholds` belongs to that
row of `config.libsonnet`. Where the line cannot be known (a key made by a comprehension, an
option the constructor sets), the file is named and the report says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import markdown as md
from ..errors import BuildError
from ..model import Json, coloured_by, field_defaults, iter_panels
from ..project import Project

CONFIG = "config.libsonnet"
DASHBOARD = "dashboard.libsonnet"
VARIABLES = "variables.libsonnet"
PANELS = "panels.libsonnet"
PATTERNS = "patterns.libsonnet"
# Dashboard settings config.libsonnet's `dashboard` block holds.
_DASHBOARD_CONFIG = ("refresh", "timezone", "time", "schemaVersion")
_DOMAINS = (
    "local p = import 'platform.libsonnet';\n"
    "{ [d]: std.objectFields(p.domains[d]) for d in std.objectFields(p.domains) }\n"
)
# A changed field's argument in a constructor call, by the first part of its path.
_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "description": ("description",),
    "fieldConfig.defaults.unit": ("unit",),
    "fieldConfig.defaults.decimals": ("decimals",),
    "fieldConfig.defaults.min": ("min",),
    "fieldConfig.defaults.max": ("max",),
    "thresholds": ("thresholds",),
    "fieldConfig.defaults.thresholds": ("thresholds",),
    "targets": ("targets", "events", "bucketsExpr"),
    "interval": ("interval",),
    "size": ("width",),
}


@dataclass(frozen=True)
class Where:
    """A place in the sources: a file (project-relative), a line when known, what is there."""

    file: str
    line: int | None = None
    note: str = ""  # Markdown

    @property
    def at(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def markdown(self) -> str:
        """`file:line` as code, then the note (already Markdown)."""
        return md.code(self.at) + (f" ({self.note})" if self.note else "")


@dataclass
class Sources:
    """What the locator knows of the tree: each dashboard's panel keys by id, each key's domain,
    the thresholds table; the text of every source file, read once."""

    root: Path
    libsonnet: Path
    dashboards: Path
    keys: dict[str, dict[int, str]]  # dashboard name → id → key
    domains: dict[str, str]  # key → domain
    thresholds: dict[str, Any]
    uid_prefix: str
    _lines: dict[Path, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, project: Project) -> Sources:
        reviewed = project.reviewed
        keys: dict[str, dict[int, str]] = {}
        for dashboard in reviewed.dashboards:
            keys[dashboard.name] = {
                int(p["id"]): str(p["panelKey"])
                for p in iter_panels(dashboard.model)
                if isinstance(p.get("id"), int) and isinstance(p.get("panelKey"), str)
            }
        try:
            listing = reviewed.library.evaluate_text("<drift: domains>", _DOMAINS, {})
        except BuildError:
            listing = {}
        domains = {key: domain for domain, names in listing.items() for key in names}
        paths = reviewed.paths
        return cls(
            paths.root,
            paths.libsonnet,
            paths.dashboards,
            keys,
            domains,
            reviewed.library.thresholds(),
            reviewed.library.uid_prefix(),
        )

    def key(self, dashboard: str, panel: Json) -> str | None:
        value = panel.get("id")
        return self.keys.get(dashboard, {}).get(value) if isinstance(value, int) else None

    def all_keys(self) -> set[str]:
        return set(self.domains) | {k for ids in self.keys.values() for k in ids.values()}

    # ---- files and lines ----

    def show(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def lines(self, path: Path) -> list[str]:
        if path not in self._lines:
            try:
                self._lines[path] = path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                self._lines[path] = []
        return self._lines[path]

    def dashboard_file(self, name: str) -> Path:
        return self.dashboards / f"{name}.jsonnet"

    def domain_file(self, key: str) -> Path | None:
        domain = self.domains.get(key)
        return None if domain is None else self.libsonnet / f"{domain}.libsonnet"

    def definition(self, key: str) -> tuple[Path, int | None] | None:
        """The file defining `key` and the line of its field (None: made by a comprehension)."""
        path = self.domain_file(key)
        if path is None:
            return None
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*:")
        for number, line in enumerate(self.lines(path), 1):
            if pattern.match(line):
                return path, number
        return path, None

    def listed(self, dashboard: str, key: str) -> Where:
        """Where a dashboard file lists the panel (`p.<key>`, or its own `withKey('<key>')`)."""
        path = self.dashboard_file(dashboard)
        listing = re.compile(rf"\.{re.escape(key)}\b|withKey\(\s*['\"]{re.escape(key)}['\"]")
        for number, line in enumerate(self.lines(path), 1):
            if listing.search(line):
                return Where(self.show(path), number, f"{md.code('p.' + key)} in its row's list")
        return Where(self.show(path), None, f"{md.code(key)} not found in the file")

    def row_line(self, dashboard: str, title: str) -> Where:
        """Where the dashboard file opens the row titled `title` (`row('Key metrics', [`)."""
        path = self.dashboard_file(dashboard)
        literal = snippet_string(title)
        for number, line in enumerate(self.lines(path), 1):
            if re.search(rf"\brow\(\s*{re.escape(literal)}", line):
                return Where(self.show(path), number, f"the row {md.code(title)}")
        return Where(self.show(path), None, "the row's list")

    def field_line(self, key: str, path_name: str) -> Where:
        """Where the panel `key` sets the field `path_name` (a comparer path)."""
        found = self.definition(key)
        if found is None:
            return Where("libsonnet/", None, f"no domain defines {md.code(key)}: search for it")
        path, start = found
        if start is None:
            return Where(
                self.show(path),
                None,
                f"{md.code(key)} is made by a comprehension there: line unknown",
            )
        lines = self.lines(path)
        block = _block(lines, start)
        for argument in _arguments(path_name):
            pattern = re.compile(rf"\b{argument}\s*=")
            for number in block:
                if pattern.search(lines[number - 1]):
                    note = f"{md.code(argument + '=')} of {md.code(key)}"
                    return Where(self.show(path), number, note)
        constructor = _constructor(lines[start - 1])
        note = f"{md.code(key)}"
        if constructor is not None:
            note += f", built by {md.code(constructor)}"
            made = self.constructor_line(constructor)
            if made is not None:
                note += f" ({md.code(made)})"
            note += ", which sets this field"
        return Where(self.show(path), start, note)

    def constructor_line(self, name: str) -> str | None:
        """`libsonnet/panels.libsonnet:107` for `panels.stat`, and the patterns' likewise."""
        module, _, function = name.rpartition(".")
        file = {"panels": PANELS, "patterns": PATTERNS}.get(module)
        if file is None:
            return None
        path = self.libsonnet / file
        pattern = re.compile(rf"^\s*{re.escape(function)}\s*\(")
        for number, line in enumerate(self.lines(path), 1):
            if pattern.match(line):
                return f"{self.show(path)}:{number}"
        return None

    def setting_line(self, dashboard: str, path: str) -> Where:
        """Where a dashboard setting (a comparer path such as `refresh` or
        `templating.list[service].current`) is set."""
        first = path.split(".")[0].split("[")[0]
        named = re.match(r"^(?:templating|annotations)\.list\[([^\]]+)\]", path)
        if first == "description":
            board = self.show(self.dashboard_file(dashboard))
            return Where(board, None, f"the description of {md.code('lt.dashboard.new')}")
        if first in ("title", "tags"):
            short = dashboard.removeprefix(self.uid_prefix)
            return self._search(
                CONFIG, rf"^\s*{re.escape(short)}\s*:", f"config.dashboards.{short}"
            )
        if first == "templating" and named:
            return self._search(VARIABLES, rf"^\s*{re.escape(named.group(1))}\s*:", named.group(1))
        if first == "annotations" and named:
            literal = re.escape(snippet_string(named.group(1)))
            return self._search(
                CONFIG, rf"name:\s*{literal}", f"config.annotations: {named.group(1)}"
            )
        if first in _DASHBOARD_CONFIG:
            return self._search(CONFIG, rf"^\s*{first}\s*:", f"config.dashboard.{first}")
        return self._search(DASHBOARD, rf"^\s*{re.escape(first)}\s*:", first)

    def _search(self, file: str, pattern: str, what: str) -> Where:
        path = self.libsonnet / file
        found = re.compile(pattern)
        for number, line in enumerate(self.lines(path), 1):
            if found.search(line):
                return Where(self.show(path), number, md.code(what))
        return Where(self.show(path), None, f"{md.code(what)}: line not known, search the file")

    def threshold_row(self, panel: Json) -> str | None:
        """The row of config.thresholds whose levels colour the panel, if one does."""
        for name, row in self.thresholds.items():
            if isinstance(row, Mapping) and coloured_by(panel, dict(row)):
                return name
        return None

    def threshold_line(self, row: str) -> Where:
        path = self.libsonnet / CONFIG
        lines = self.lines(path)
        start = next(
            (i for i, line in enumerate(lines, 1) if re.match(r"^\s*thresholds\s*:", line)), 0
        )
        pattern = re.compile(rf"^\s*{re.escape(row)}\s*:")
        for number in range(start + 1, len(lines) + 1):
            if pattern.match(lines[number - 1]):
                return Where(self.show(path), number, md.code(f"thresholds.{row}"))
        return Where(self.show(path), None, md.code(f"thresholds.{row}"))


def snippet_string(value: str) -> str:
    """`value` as the library writes it: a single-quoted Jsonnet string."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def levels(panel: Json, row: Mapping[str, Any]) -> dict[str, Any]:
    """The warning and critical levels the panel's steps stand for (one minus them for a
    falling row, a success rate); empty when the steps are not two levels."""
    thresholds = field_defaults(panel).get("thresholds") or {}
    steps = thresholds.get("steps", []) if isinstance(thresholds, dict) else []
    values: list[float] = [
        s["value"]
        for s in steps
        if isinstance(s, dict)
        and isinstance(s.get("value"), int | float)
        and not isinstance(s.get("value"), bool)
    ]
    if len(values) != 2:
        return {}
    first = str(steps[0].get("color", "")) if isinstance(steps[0], dict) else ""
    if first == "red":  # falling: red, yellow at 1 - critical, green at 1 - warning
        return {"warning": _round(1 - values[1]), "critical": _round(1 - values[0])}
    return {"warning": values[0], "critical": values[1]}


def _round(value: float) -> float:
    return round(value, 12)


def _arguments(path: str) -> tuple[str, ...]:
    for prefix, arguments in _ARGUMENTS.items():
        if path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "["):
            return arguments
    return ()


def _block(lines: list[str], start: int) -> range:
    """The lines of the field starting at `start` (1-based): until a line indented no deeper."""
    indent = len(lines[start - 1]) - len(lines[start - 1].lstrip())
    end = start
    for number in range(start + 1, len(lines) + 1):
        text = lines[number - 1]
        if text.strip() and len(text) - len(text.lstrip()) <= indent:
            if text.strip().startswith(("),", ")", "}", "]")):
                end = number
            break
        end = number
    return range(start, end + 1)


def _constructor(line: str) -> str | None:
    found = re.search(r":\s*([A-Za-z_][\w.]*)\s*\(", line)
    return found.group(1) if found else None
