"""Series → the OpenMetrics text `promtool tsdb create-blocks-from openmetrics` reads.

No metadata lines: the TSDB keeps samples, not types. Each series' samples follow each other in
time order, series sorted by name (so a family is contiguous), timestamps in whole seconds, and the
text ends with `# EOF`. Scrapes an instance missed (while restarting) are left out.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Written:
    series: int
    samples: int


def write(series: Iterable[Series], times: np.ndarray, out: BinaryIO) -> Written:
    """Write every series, each as soon as it comes (none is kept); says how many were written
    and their samples."""
    stamps = [f" {t}\n" for t in times.tolist()]
    count = samples = 0
    for s in series:
        count += 1
        values, when = format_values(s.values), stamps
        if not s.present.all():
            values = list(itertools.compress(values, s.present.tolist()))
            when = list(itertools.compress(stamps, s.present.tolist()))
        # One join over (name, value, stamp) triples: the platform's real cardinality is tens
        # of millions of lines, and this is the fastest way CPython builds them.
        parts = zip(itertools.repeat(series_name(s) + " "), values, when, strict=False)
        out.write("".join(itertools.chain.from_iterable(parts)).encode("utf-8"))
        samples += len(values)
    out.write(EOF_MARKER)
    return Written(count, samples)
