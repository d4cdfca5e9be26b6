"""Series → the OpenMetrics text `promtool tsdb create-blocks-from openmetrics` reads.

No metadata lines: the TSDB keeps samples, not types. Each series' samples follow each other in
time order, series sorted by name (so a family is contiguous), timestamps in whole seconds, and the
text ends with `# EOF`. Scrapes an instance missed (while restarting) are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

import numpy as np

from .synthetic import Series

EOF_MARKER = b"# EOF\n"


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def series_name(series: Series) -> str:
    labels = ",".join(f'{k}="{escape(v)}"' for k, v in sorted(series.labels.items()))
    return f"{series.name}{{{labels}}}"


def format_values(values: np.ndarray) -> list[str]:
    """Whole numbers without a fraction (counters), others in Python's shortest round-trip form."""
    if np.all(np.isfinite(values)) and np.all(values == np.floor(values)):
        return list(map(str, values.astype(np.int64).tolist()))
    return list(map(repr, values.tolist()))


def write(series: Iterable[Series], times: np.ndarray, out: BinaryIO) -> int:
    """Write every series; returns the number of samples written."""
    stamps = [f" {t}\n" for t in times.tolist()]
    samples = 0
    for s in series:
        prefix = series_name(s) + " "
        values = format_values(s.values)
        keep = s.present.tolist()
        lines = [prefix + v + t for v, t, k in zip(values, stamps, keep, strict=True) if k]
        samples += len(lines)
        out.write("".join(lines).encode("utf-8"))
    out.write(EOF_MARKER)
    return samples
