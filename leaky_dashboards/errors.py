"""Errors the build reports to a person: one clear line each, and the exit code to leave with."""

from __future__ import annotations

from typing import Any


class BuildError(Exception):
    """A failure the user must act on; `exit_code` is what the task exits with."""

    exit_code = 2

    def lines(self) -> list[str]:
        """What to print, one `error:` line each."""
        return [str(self)]


class JsonnetError(BuildError):
    """A Jsonnet source failed to parse or evaluate."""

    def __init__(
        self, file: str, line: int, column: int, message: str, field: str | None, detail: str
    ) -> None:
        self.file, self.line, self.column = file, line, column
        self.message, self.field, self.detail = message, field, detail
        super().__init__(self._text())

    def _text(self) -> str:
        in_field = f" (in field {self.field})" if self.field else ""
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        return f"{where}: {self.message}{in_field}"

    def relocate(self, file: str) -> None:
        """Name the file as the user knows it (relative to the project root)."""
        self.file = file
        self.args = (self._text(),)


class DriftError(BuildError):
    """Rendered output differs from the reviewed copies in golden/."""

    exit_code = 1


def type_name(value: Any) -> str:
    """A JSON value's type as Jsonnet names it (the sources are Jsonnet, not Python)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def a_type(value: Any) -> str:
    """`type_name` with its article: "an array", "a string", "null"."""
    name = type_name(value)
    if name == "null":
        return name
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"
