"""`invoke readme`: the generated sections of README.md and docs/, each between its markers.

The text between a begin and an end marker is made from the code (today: the lint rules of
docs/validation.md, from their `Rule` objects), so the documentation cannot drift from it; a test
fails when it has (`stale`). `FILES` says which file holds which sections.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from . import fsio
from .errors import BuildError
from .lint import ruleset
from .settings import Paths

Sections = Mapping[tuple[str, str], Callable[[], str]]

# Each file (relative to the project root) → its sections: (begin marker, end marker) → what goes
# between them.
FILES: dict[str, Sections] = {
    "docs/validation.md": {(ruleset.DOCS_BEGIN, ruleset.DOCS_END): ruleset.markdown},
}


def render(text: str, sections: Sections, name: str) -> str:
    """`text` (the file `name`) with every generated section made anew; a missing marker is an
    error naming the file."""
    for (begin, end), make in sections.items():
        head, found, rest = text.partition(begin + "\n")
        _, closed, tail = rest.partition(end)
        if not found or not closed:
            raise BuildError(f"{name}: no section between {begin!r} and {end!r}")
        text = f"{head}{begin}\n{make()}{end}{tail}"
    return text


def _read(paths: Paths, name: str) -> str:
    path = paths.root / name
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BuildError(f"{name}: cannot read it ({error})") from error


def stale(paths: Paths) -> list[str]:
    """The files whose generated sections differ from what the code makes."""
    found = []
    for name, sections in FILES.items():
        text = _read(paths, name)
        if render(text, sections, name) != text:
            found.append(name)
    return found


def update(paths: Paths, *, echo: Callable[[str], None] = print) -> bool:
    """Rewrite every generated section; True when something changed. Every file is rendered
    before any is written, so a missing marker in one leaves all of them untouched."""
    made: dict[str, tuple[Path, str, str]] = {}
    for name, sections in FILES.items():
        text = _read(paths, name)
        made[name] = (paths.root / name, text, render(text, sections, name))
    for name, (path, old, new) in made.items():
        if new != old:
            fsio.write_atomic(path, new.encode("utf-8"))
        echo(f"{name}: generated sections {'rewritten' if new != old else 'up to date'}")
    return any(new != old for _, old, new in made.values())
