"""Whether this run is CI's (`CI=true`): where a missing stricter check is an error, not a note."""

from __future__ import annotations

import os


def in_ci(env: dict[str, str] | None = None) -> bool:
    value = (os.environ if env is None else env).get("CI", "")
    return value.lower() in ("true", "1", "yes")
