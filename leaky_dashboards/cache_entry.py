"""How the user-cache entries are written: a JSON header line, then the body, put in place by
rename from a temporary named by the process, so a reader sees a whole entry or none (the
header's SHA-256 of the body lets it tell a damaged one)."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def write(target: Path, header: Mapping[str, Any], body: bytes) -> None:
    """Write the entry `target`; an OSError leaves no temporary behind and reaches the caller
    (a cache that cannot be written is only slower)."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(json.dumps(header).encode() + b"\n" + body)
        os.replace(temporary, target)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise
