"""Everything a build renders, as golden-relative path → canonical bytes.

Each producer turns the compiled dashboards into files; adding an output (alert rules, docs) is
adding a producer here, and the golden check, golden-update and summary pick it up unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from . import alerts, canonical, provisioning
from .library import Library
from .lint.report import strip_waivers
from .render import Dashboard
from .review.docs import files as docs_files

# A producer reads the compiled dashboards and the library (which carries the installation).
Producer = Callable[[Sequence[Dashboard], Library], dict[str, bytes]]

DASHBOARD_DIR = "dashboards"


def dashboard_files(dashboards: Sequence[Dashboard], _: Library) -> dict[str, bytes]:
    # Lint waivers are source annotations, not Grafana fields: they never reach the JSON.
    return {
        f"{DASHBOARD_DIR}/{d.name}.json": canonical.dumps(strip_waivers(d.model))
        for d in dashboards
    }


def provisioning_files(_: Sequence[Dashboard], library: Library) -> dict[str, bytes]:
    return provisioning.render(library.installation)


PRODUCERS: list[Producer] = [dashboard_files, provisioning_files, docs_files, alerts.files]


def render_all(dashboards: Sequence[Dashboard], library: Library) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for producer in PRODUCERS:
        files.update(producer(dashboards, library))
    return dict(sorted(files.items()))
