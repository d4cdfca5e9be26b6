"""Markdown that renders as written on GitHub, whatever the text: escaping, code spans, fences.

Text from sources is hostile: beyond Markdown and HTML syntax, GitHub turns `@name` into a
notification, `org/repo#12` and `#12` into links to other issues, bare URLs and `www.` into
links, and shows bidi controls (U+202E) and zero-width characters (U+200B) invisibly, so a title
can read other than it is. Every helper here neutralises them: mentions, references and
autolinks get a zero-width space entity (`@&#8203;name`, which GitHub shows as `@name` and does
not link) in text and HTML (code spans and fences are never linked), and invisible or bidi
characters are shown by their code point, `⟨U+202E⟩`, everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

# Characters that can start or end Markdown or HTML syntax wherever they stand, then those that
# only can in some places: `_` at a word's edge, `&` starting an entity, `#` starting a word,
# `>` starting the text; `$` would open GitHub's math.
# Escaping only these keeps the raw text readable (GFM allows escaping any punctuation).
_SPECIAL = re.compile(
    r"[\\`*\[\]<~$]|^>|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|&(?=#?\w+;)|(?:(?<=\s)|^)#"
)
_BACKTICKS = re.compile(r"`+")


# What GitHub links on its own in text: a mention or e-mail (`@` then a name), an issue
# reference (`#12`, `org/repo#12`, `GH-12`), a URL with its scheme, `www.`.
_LINKING = re.compile(
    r"@(?=[A-Za-z0-9])|#(?=[0-9])|\bGH-(?=[0-9])"
    r"|\b(?i:https?|ftp|file|ssh|git):(?=//)|\b(?i:mailto|xmpp):(?=\S)|\b(?i:www)(?=\.)"
)
_ZWSP = "&#8203;"
# Kept as they are: tab (fences), line breaks (made spaces or lines by each helper), and the
# zero-width joiner inside an emoji sequence.
_EMOJI_CATEGORIES = frozenset({"So", "Sk", "Mn"})
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_KEPT = str.maketrans("", "", "\t\n\r")  # deleted before the fast look at a text (`visible`)


# What `html.escape(text, quote=True)` replaces (without importing `html` and its entity table).
_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"))


def _escape(text: str) -> str:
    for character, entity in _ESCAPES:
        text = text.replace(character, entity)
    return text


def _invisible(ch: str) -> bool:
    return ch in _FILLERS or (
        unicodedata.category(ch) in ("Cf", "Cc", "Zl", "Zp", "Co", "Cn") and ch not in "\t\n\r"
    )


def visible(value: str) -> str:
    """`value` with every invisible or bidi character shown as `⟨U+202E⟩`, except a zero-width
    joiner between two emoji parts (👩‍💻)."""
    # Printable characters are none of the invisible categories (`_invisible`), and tab and line
    # breaks are kept: only a filler among them is shown.
    rest = value.translate(_KEPT)
    if rest.isprintable() and (rest.isascii() or _FILLERS.isdisjoint(rest)):
        return value
    out: list[str] = []
    for i, ch in enumerate(value):
        if not _invisible(ch) or (
            ch == "\u200d"
            and 0 < i < len(value) - 1
            and unicodedata.category(value[i - 1]) in _EMOJI_CATEGORIES
            and unicodedata.category(value[i + 1]) == "So"
        ):
            out.append(ch)
        else:
            out.append(f"⟨U+{ord(ch):04X}⟩")
    return "".join(out)


def unlinked(value: str) -> str:
    """Markdown or HTML text with mentions, references and autolinks neutralised."""
    return _LINKING.sub(r"\g<0>" + _ZWSP, value)


def one_line(value: str) -> str:
    """Every run of whitespace (line breaks of any kind included) as one space."""
    return " ".join(value.split())


@lru_cache(maxsize=16384)  # docs write the same texts for many panels and dashboards
def text(value: str) -> str:
    """Plain text on one line: Markdown and HTML characters escaped, newlines as spaces,
    mentions, references and links neutralised, invisible characters shown."""
    escaped = _SPECIAL.sub(r"\\\g<0>", one_line(visible(value)))
    return unlinked(escaped)


def html(value: str) -> str:
    """Text for an HTML line (a `<summary>`): one line, escaped, neutralised like `text`; no
    line break can end the HTML block it stands in."""
    return unlinked(_escape(one_line(visible(value))))


@lru_cache(maxsize=16384)
def code(value: str) -> str:
    """An inline code span that holds any text, backticks included, on one line."""
    flat = " ".join(re.split(r"\r\n|\r|\n", visible(value).replace("\t", " ")))
    ticks = "`" * (_longest_run(flat) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else ""
    return f"{ticks}{pad}{flat}{pad}{ticks}"


def cell(value: str) -> str:
    """Table-cell content: a pipe would end the cell even inside a code span, so escape it."""
    return value.replace("|", "\\|")


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A GFM table; cells are already Markdown (see `text` and `code`)."""
    lines = ["| " + " | ".join(cell(h) for h in header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
    return lines


def fence(body: str, language: str = "") -> list[str]:
    """A fenced code block longer than any backtick run inside, so the body is shown whole."""
    body = visible(body)
    ticks = "`" * max(3, _longest_run(body) + 1)
    return [f"{ticks}{language}", *body.splitlines(), ticks]


def _longest_run(value: str) -> int:
    return max((len(m) for m in _BACKTICKS.findall(value)), default=0)
