"""Where Jsonnet sources may read: the one import callback both engines evaluate with.

Sources are hostile input (a pull request may be malicious), so `import`, `importstr` and
`importbin` resolve only inside the roots an evaluation is given (the project's `libsonnet/` and
`dashboards/`, or an entry file's own directory): an absolute path elsewhere, a `../` that climbs
out, or a symlink whose target lies outside (every link is resolved, `realpath`) is refused
before anything is opened, with an error naming the importing file, the line and the path. Every
file read must be a regular file (a FIFO would block) of at most `limits.SOURCE_MAX_BYTES`, and a
Jsonnet file (`.jsonnet`, `.libsonnet`) UTF-8 text. The callback looks where the engines' own
importers look: beside the importing file, then in the library directory.

The importer records every file it served (with its SHA-256) and every candidate it found absent:
exactly what the evaluation read, which `jsonnet_cache` keys on.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import BuildError
from .limits import SOURCE_MAX_BYTES

JSONNET_SUFFIXES = (".jsonnet", ".libsonnet")

Reads = list[tuple[str, str | None]]  # (path, SHA-256 of its content, or None: absent)


@dataclass(frozen=True)
class Refusal:
    """Why an import was refused. `file` is set when the fault is in the file read itself (too
    large, not UTF-8, not a regular file), at `line` (0: the whole file); otherwise the error is
    placed at the import, which the engine's trace names."""

    message: str
    file: str | None = None
    line: int = 0
    column: int = 0
    base: str = ""  # the importing file's directory ("": the entry snippet) and the path asked
    rel: str = ""

    def text(self) -> str:
        """The refusal in one line, its file (and line) first when it has one."""
        if self.file is None:
            return self.message
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        return f"{where}: {self.message}"


class Refused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


def _within(path: str, roots: Iterable[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def source_problem(path: Path, content: bytes | None = None) -> Refusal | None:
    """What makes `path` (with `content`, if already read) unfit as a Jsonnet source: a file name
    or content that is not UTF-8. None when it is fine."""
    name = str(path)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        shown = os.fsencode(name).decode("utf-8", "backslashreplace")
        return Refusal("the file name is not UTF-8; name sources in UTF-8", shown)
    if content is None:
        return None
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        column = exc.start - (content.rfind(b"\n", 0, exc.start) + 1) + 1
        return Refusal(
            f"not UTF-8 text (byte 0x{content[exc.start]:02x}); Jsonnet sources are UTF-8",
            name,
            line,
            column,
        )
    return None


def read_regular(path: str, shown: str | None = None) -> bytes | None:
    """The bytes of `path`, None when there is no such file; Refused when it is not a regular
    file or larger than `SOURCE_MAX_BYTES`. Opened without blocking (a FIFO is refused, never
    waited on) and read no further than the limit."""
    shown = shown or path
    try:
        # Looked at before it is opened: opening a device may do something.
        _regular(os.stat(path).st_mode, shown)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOFOLLOW)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise Refused(Refusal(f"cannot read: {exc.strerror}", shown)) from None
    try:
        info = os.fstat(fd)
        _regular(info.st_mode, shown)
        if info.st_size > SOURCE_MAX_BYTES:
            raise Refused(Refusal(_too_large(f"{info.st_size:,} bytes"), shown))
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, SOURCE_MAX_BYTES + 1 - size):
            chunks.append(chunk)
            size += len(chunk)
            if size > SOURCE_MAX_BYTES:  # it grew while being read
                raise Refused(Refusal(_too_large(f"more than {SOURCE_MAX_BYTES:,} bytes"), shown))
        return b"".join(chunks)
    except OSError as exc:
        raise Refused(Refusal(f"cannot read: {exc.strerror}", shown)) from None
    finally:
        os.close(fd)


def _regular(mode: int, shown: str) -> None:
    if not stat.S_ISREG(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else _kind(mode)
        raise Refused(Refusal(f"{kind}, not a regular file", shown))


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def _too_large(size: str) -> str:
    return f"{size}; a source or imported file may have at most {SOURCE_MAX_BYTES:,} bytes"


def read_source(path: Path, shown: str | None = None) -> str:
    """A Jsonnet file's text, checked as every import is (regular, size, UTF-8); SourceError
    naming the file (as `shown`, and the line) otherwise."""
    named = Path(shown) if shown is not None else path
    problem = source_problem(named)
    if problem is None:
        try:
            content = read_regular(os.path.realpath(path), str(named))
        except Refused as exc:
            problem = exc.refusal
        else:
            if content is None:
                raise BuildError(f"{named}: no such file")
            problem = source_problem(named, content)
            if problem is None:
                return content.decode("utf-8")
    raise SourceError(problem)


def check_sources(files: Iterable[Path], show: Callable[[Path], str]) -> dict[Path, bytes]:
    """Every file fit to read as a Jsonnet source (before a tool that would block on a FIFO or
    call bad bytes "not formatted" reads them), with its bytes; SourceError naming the first
    that is not."""
    return {file: read_source(file, show(file)).encode("utf-8") for file in files}


class SourceError(BuildError):
    """A source file unfit to evaluate: named with its line when there is one."""

    def __init__(self, refusal: Refusal) -> None:
        self.refusal = refusal
        super().__init__(refusal.text())


class Importer:
    """The import callback, `(base, rel) -> (found, bytes)`, confined to `roots` (the library is
    always one), recording what it reads (`reads`) and why it refused (`refusal`, the first)."""

    def __init__(self, library: Path, roots: Iterable[Path]) -> None:
        self.library = str(library)
        given = [library, *roots]
        self.roots = tuple(dict.fromkeys(os.path.abspath(r) for r in given))
        self.real_roots = tuple(dict.fromkeys(os.path.realpath(r) for r in given))
        self.reads: dict[str, str | None] = {}
        self.refusal: Refusal | None = None

    def describe(self) -> str:
        """The roots, for a cache key: what may be read decides what is refused."""
        return "\0".join((self.library, *self.roots, *self.real_roots))

    def where(self) -> str:
        return ", ".join(f"{os.path.basename(r)}/" for r in self.roots)

    def __call__(self, base: str, rel: str) -> tuple[str, bytes]:
        try:
            return self._import(base, rel)
        except Refused as exc:
            if self.refusal is None:
                self.refusal = replace(exc.refusal, base=base, rel=rel)
            raise RuntimeError(exc.refusal.text()) from None

    def _import(self, base: str, rel: str) -> tuple[str, bytes]:
        if os.path.isabs(rel):
            candidates = [rel]
        else:
            # A snippet (no directory of its own) imports from the library only.
            candidates = [os.path.join(base, rel)] if base else []
            candidates.append(os.path.join(self.library, rel))
        for candidate in candidates:
            found = os.path.normpath(candidate)
            content = self.load(found, rel)
            if content is not None:
                return found, content
        if os.path.isabs(rel):
            raise Refused(Refusal(f"import {rel!r}: no such file"))
        where = "beside the importing file or " if base else ""
        raise Refused(Refusal(f"import {rel!r}: no such file {where}in {self.library}"))

    def load(self, found: str, rel: str | None = None) -> bytes | None:
        """`found`'s bytes (recorded with their hash), None when absent (recorded too); Refused
        when it lies outside the roots or is unfit to read."""
        content = self._read(found, rel)
        self.reads[found] = None if content is None else hashlib.sha256(content).hexdigest()
        return content

    def _read(self, found: str, rel: str | None) -> bytes | None:
        real = os.path.realpath(found)
        if not _within(real, self.real_roots):
            asked = repr(rel) if rel is not None else found
            if _within(os.path.abspath(found), self.roots):
                reason = f"{found} is a link to {real}, outside {self.where()}"
            else:
                reason = f"outside {self.where()}"
            raise Refused(Refusal(f"import {asked} refused: {reason}"))
        content = read_regular(real, found)
        if content is not None and found.endswith(JSONNET_SUFFIXES):
            problem = source_problem(Path(found), content)
            if problem is not None:
                raise Refused(problem)
        return content

    def unchanged(self, reads: Reads) -> bool:
        """Whether every file of `reads` would be read the same again (present with the same
        content, absent still absent, none refused)."""
        for path, digest in reads:
            try:
                content = self._read(path, None)
            except Refused:
                return False
            if (None if content is None else hashlib.sha256(content).hexdigest()) != digest:
                return False
        return True

    def recorded(self) -> Reads:
        return sorted(self.reads.items())

    def import_site(self, name: str, text: str) -> tuple[str, int, int] | None:
        """Where the refused import is written (file, line, column), found in the sources read
        from its directory (the entry `name` with `text` among them): go-jsonnet can garble
        the error text that would say so."""
        if self.refusal is None:
            return None
        refusal = self.refusal
        pattern = re.compile(r"\bimport(?:str|bin)?\s*@?(['\"])" + re.escape(refusal.rel) + r"\1")
        sources = [(name, text)] if _directory(name) == refusal.base else []
        for path, digest in self.recorded():
            if digest is not None and _directory(path) == refusal.base:
                try:
                    sources.append((path, Path(path).read_text(encoding="utf-8")))
                except (OSError, UnicodeDecodeError):
                    continue
        for path, content in sources:
            match = pattern.search(content)
            if match:
                line = content.count("\n", 0, match.start()) + 1
                return path, line, match.start() - (content.rfind("\n", 0, match.start()) + 1) + 1
        return None


def _directory(path: str) -> str:
    """The directory part of `path` as the engines pass it to the callback ("a/" or "")."""
    head = path.rpartition("/")[0]
    return head + "/" if "/" in path else ""
