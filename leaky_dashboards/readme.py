"""`invoke readme`: README.md's generated sections, each between its begin and end markers.

The text between the markers is made from the code (today: the lint rules, from their `Rule`
objects), so README cannot drift from it; a test fails when it has (`stale`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from . import fsio
from .errors import BuildError
from .lint import ruleset
from .settings import Paths

README = "README.md"
# (begin marker, end marker) → what goes between them.
SECTIONS: dict[tuple[str, str], Callable[[], str]] = {
    (ruleset.README_BEGIN, ruleset.README_END): ruleset.markdown,
}


def render(text: str) -> str:
    """`text` with every generated section made anew; a missing marker is an error."""
    for (begin, end), make in SECTIONS.items():
        head, found, rest = text.partition(begin + "\n")
        _, closed, tail = rest.partition(end)
        if not found or not closed:
            raise BuildError(f"{README}: no section between {begin!r} and {end!r}")
        text = f"{head}{begin}\n{make()}{end}{tail}"
    return text


def path(paths: Paths) -> Path:
    return paths.root / README


def stale(paths: Paths) -> bool:
    """Whether README's generated sections differ from what the code makes."""
    text = path(paths).read_text(encoding="utf-8")
    return render(text) != text


def update(paths: Paths, *, echo: Callable[[str], None] = print) -> bool:
    """Rewrite README's generated sections; True when something changed."""
    text = path(paths).read_text(encoding="utf-8")
    new = render(text)
    if new != text:
        fsio.write_atomic(path(paths), new.encode("utf-8"))
    echo(f"{README}: generated sections {'rewritten' if new != text else 'up to date'}")
    return new != text
