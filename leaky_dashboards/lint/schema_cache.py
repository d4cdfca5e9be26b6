"""The JSON-schema pass, remembered by content: what has not changed is not validated again.

Validating every panel against Grafana's schemas is most of a build's time (importing
`jsonschema`, compiling the validators, walking each panel). Its findings are a pure function of
the piece validated (the dashboard without its panels, or one panel), the schema files and the
validating code, so each piece's findings are kept under the hash of all of these, in the user's
cache directory (`$LEAKY_CACHE_DIR`, else `$XDG_CACHE_HOME/leaky-dashboards`, else
`~/.cache/leaky-dashboards`): being keyed by content, it is right for any tree, and a build never
writes into the project for it. A build that changed nothing validates nothing and never imports
`jsonschema`; a changed panel, schema file, `schema.py` or `jsonschema` is validated anew. The
cache is only a speed-up: an unreadable or unwritable one is ignored; it keeps the most recently
learnt `LIMIT` pieces. Each entry carries the hash of its key and findings, checked when it is
used: a corrupt or edited entry (findings removed to let a bad panel pass) is validated anew and
rewritten. (Whoever may write the cache can recompute that hash too: never share a cache
directory with untrusted runs.)
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..model import Json, is_row
from ..settings import cache_dir
from . import schema

CACHE_FILE = "lint-schema.json"
LIMIT = 20_000  # pieces kept: a few hundred builds of a changing tree
# Where the validating code lives: this package's schema module, this module (the entries' shape)
# and the validator libraries. A checkout whose entries differ never reads another's.
_CODE = (Path(schema.__file__), Path(__file__))
_LIBRARIES = ("jsonschema", "referencing")

Found = list[list[str | None]]  # per piece: [refId, rule, message]
Entry = list[Any]  # [SHA-256 of key and findings, findings]


@lru_cache(maxsize=4)
def fingerprint(directory: Path) -> str:
    """The hash of the schema files, the checking code and the validator libraries' sources."""
    digest = hashlib.sha256()
    files = [*sorted(directory.glob("*.json")), *_CODE]
    for library in _LIBRARIES:
        spec = importlib.util.find_spec(library)
        if spec is not None and spec.origin is not None:
            files += sorted(Path(spec.origin).parent.glob("*.py"))
    for file in files:
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def _pieces(model: Json) -> Iterator[tuple[Json | None, Json, str]]:
    """(panel or None for the dashboard, what is validated, kind), in `schema.check`'s order."""
    yield None, {k: v for k, v in model.items() if k != "panels"} | {"panels": []}, "dashboard"
    for panel in model.get("panels", []):
        yield panel, panel, "panel"
        for child in panel.get("panels", []) if is_row(panel) else []:
            yield child, child, "panel"


def _key(base: str, kind: str, piece: Json) -> str:
    text = json.dumps(piece, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{base}\0{kind}\0{text}".encode()).hexdigest()


def _seal(key: str, found: Found) -> Entry:
    return [_digest(key, found), found]


def _digest(key: str, found: object) -> str:
    text = json.dumps(found, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{key}\0{text}".encode()).hexdigest()


def _opened(key: str, entry: object) -> Found | None:
    """An entry's findings, None unless its hash holds and they are findings."""
    if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], list)):
        return None
    digest, found = entry[0], list(entry[1])
    if digest != _digest(key, found):
        return None
    if not all(
        isinstance(f, list) and len(f) == 3 and all(v is None or isinstance(v, str) for v in f)
        for f in found
    ):
        return None
    return found


def _validate(kind: str, piece: Json, schemas: schema.Schemas) -> Found:
    if kind == "dashboard":
        return [[None, rule, message] for _, _, rule, message in schema.check(piece, schemas)]
    return [[ref, rule, message] for _, ref, rule, message in schema.check_panel(piece, schemas)]


class Cache:
    """Findings by piece hash for one project; `save` writes back what was learnt."""

    def __init__(self, directory: Path, where: Path | None = None) -> None:
        self.file = (where or cache_dir()) / CACHE_FILE
        self.directory = directory
        self.base = fingerprint(directory)
        self.known: dict[str, Entry] = self._read()
        self.learnt = False

    def _read(self) -> dict[str, Entry]:
        try:
            data: Any = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) and data.get("") == self.base else {}

    def check(self, model: Json) -> Iterator[schema.Problem]:
        """`schema.check(model, ...)`'s findings, validating only pieces not seen before."""
        for panel, piece, kind in _pieces(model):
            key = _key(self.base, kind, piece)
            found = _opened(key, self.known.get(key))
            if found is None:  # never seen, or an entry that does not verify
                schemas = schema.load(self.directory)
                assert schemas is not None, "the schema directory was there a moment ago"
                found = _validate(kind, piece, schemas)
                self.known.pop(key, None)  # learnt last, kept longest
                self.known[key] = _seal(key, found)
                self.learnt = True
            for ref, rule, message in found:
                yield panel, ref, str(rule), str(message)

    def save(self) -> None:
        if not self.learnt:
            return
        kept = list(self.known.items())[-LIMIT:]  # learnt last, kept longest
        data = {"": self.base, **{k: v for k, v in kept if k}}
        temporary = self.file.with_name(f".{self.file.name}.{os.getpid()}.tmp")
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(temporary, self.file)
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
