"""How the user-cache entries are written and read: a JSON header line (the entry's format, the
SHA-256 of its body, what the cache keeps beside), then the body; put in place by rename from a
temporary named by the process, so a reader sees a whole entry or none, and one whose hash does
not hold is not believed. The caches keep their most recently used entries."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def write(target: Path, format: str, meta: Mapping[str, Any], body: bytes) -> None:
    """Write the entry `target`; an OSError leaves no temporary behind and reaches the caller
    (a cache that cannot be written is only slower)."""
    header = {"format": format, "sha256": hashlib.sha256(body).hexdigest(), **meta}
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(json.dumps(header).encode() + b"\n" + body)
        os.replace(temporary, target)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise


def parse(content: bytes, format: str) -> tuple[dict[str, Any], bytes] | None:
    """An entry's header and body, None unless it is whole, of `format`, and its hash holds."""
    header, newline, body = content.partition(b"\n")
    if not newline:
        return None
    try:
        meta: Any = json.loads(header)
    except ValueError:
        return None
    if not isinstance(meta, dict) or meta.get("format") != format:
        return None
    if meta.get("sha256") != hashlib.sha256(body).hexdigest():
        return None
    return meta, body


def evict(directory: Path, pattern: str, limit: int) -> None:
    """Remove all but the `limit` most recently used entries matching `pattern`."""
    kept = sorted(directory.glob(pattern), key=lambda p: p.stat().st_mtime_ns)
    for old in kept[:-limit]:
        old.unlink(missing_ok=True)
