"""The one canonical text form of rendered JSON, so two builds are byte-identical."""

from __future__ import annotations

import json
from typing import Any


def dumps(value: Any) -> bytes:
    """UTF-8 with emoji kept as is, 2-space indent, sorted keys, trailing newline."""
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")
