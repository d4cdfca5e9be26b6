"""What one command works on, built once and handed to every job.

A `Project` holds the tree (`Paths`), this machine's installation values and the Jsonnet engine;
the library and the compiled dashboards are made on first use and kept, so no job compiles twice
or evaluates a library file twice. `reviewed` is the same tree with the default installation, as
golden/ is rendered whatever the machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from .placement import Placement
from .settings import Installation, Paths, default_engine

if TYPE_CHECKING:  # loaded when first used: a remembered build (`build_memo`) needs neither
    from .library import Library
    from .render import Dashboard


@dataclass(eq=False)
class Project:
    paths: Paths = field(default_factory=Paths)
    installation: Installation = field(default_factory=Installation)
    engine: str = "go"
    # Where the Kubernetes manifests send the dashboards and rules (an environment sets it).
    placement: Placement = field(default_factory=Placement)

    @classmethod
    def from_env(cls, paths: Paths | None = None, engine: str | None = None) -> Project:
        """The project tree (default: this checkout), LEAKY_* installation values, the engine
        (default: $LEAKY_JSONNET_ENGINE, else go)."""
        return cls(paths or Paths(), Installation.from_env(), engine or default_engine())

    @cached_property
    def library(self) -> Library:
        from .library import Library

        return Library(
            self.paths.libsonnet, self.installation, self.engine, (self.paths.dashboards,)
        )

    @cached_property
    def dashboards(self) -> list[Dashboard]:
        """Every dashboard source compiled in one evaluation (see `render.compile_all`)."""
        from .render import compile_all

        return compile_all(self.paths, self.installation, self.engine)

    @cached_property
    def reviewed(self) -> Project:
        """This tree rendered as golden/ is: with the default installation."""
        if self.installation == Installation() and self.placement == Placement():
            return self
        return Project(self.paths, Installation(), self.engine)

    def under(self, paths: Paths) -> Project:
        """Another tree (a git ref's sources) with this installation and engine."""
        return Project(paths, self.installation, self.engine, self.placement)
