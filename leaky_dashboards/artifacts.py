"""Everything a build renders, as golden-relative path → canonical bytes.

Each producer turns the compiled dashboards into files; adding an output (alert rules, docs) is
adding a producer here, and the golden check, golden-update and summary pick it up unchanged.
Where each file lives is `outputs`' knowledge.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from . import alerts, canonical, docs, environments, kubernetes, provisioning
from .library import Library
from .model import strip_library_fields
from .outputs import dashboard_file
from .project import Project
from .render import Dashboard

# A producer reads the compiled dashboards and the library (which carries the installation).
Producer = Callable[[Sequence[Dashboard], Library], dict[str, bytes]]


def dashboard_files(dashboards: Sequence[Dashboard], _: Library) -> dict[str, bytes]:
    # Lint waivers and panel keys are source annotations, not Grafana fields: never in the JSON.
    return {
        dashboard_file(d.name): canonical.dumps(strip_library_fields(d.model)) for d in dashboards
    }


def provisioning_files(_: Sequence[Dashboard], library: Library) -> dict[str, bytes]:
    return provisioning.render(library.installation)


PRODUCERS: list[Producer] = [dashboard_files, provisioning_files, docs.files, alerts.files]


def render_all(project: Project) -> dict[str, bytes]:
    """Every output of the project's dashboards, rendered with its installation."""
    files: dict[str, bytes] = {}
    for producer in PRODUCERS:
        files.update(producer(project.dashboards, project.library))
    # Derived from the files above (the dashboards' JSON, the rules file), never re-rendered.
    uids = {d.name: d.uid for d in project.dashboards}
    files.update(kubernetes.files(files, project.installation, project.placement, uids))
    # What each committed environment changes (environments/NAME.yaml), for review: beside the
    # default installation's values, whatever this rendering's own.
    known = environments.defaults(project.reviewed.library)
    files.update(environments.golden_files(project.paths, known))
    return dict(sorted(files.items()))
