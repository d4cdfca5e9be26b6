"""Packaging: a real, non-editable `pip install` of the project holds every subpackage and its
data files, and builds the dashboards from the installed copy alone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from leaky_dashboards.settings import ROOT, kubernetes_schema_dir, schema_dir

# Run from the installed copy: every module imported, the preview's templates read, a build run.
CHILD = textwrap.dedent(
    """
    import importlib, pkgutil, sys
    from pathlib import Path
    import leaky_dashboards
    site, tree = Path(sys.argv[1]), Path(sys.argv[2])
    assert Path(leaky_dashboards.__file__).is_relative_to(site), leaky_dashboards.__file__
    names = [m.name for m in pkgutil.walk_packages(leaky_dashboards.__path__, "leaky_dashboards.")]
    for name in names:
        importlib.import_module(name)
    from leaky_dashboards.review import preview
    assert "body" in preview._css() and preview._template() is not None
    from leaky_dashboards import cli
    from leaky_dashboards.settings import Paths
    print("\\n".join(sorted(names)))
    sys.exit(cli.build(paths=Paths.under(tree)))
    """
)


def test_a_non_editable_install_holds_every_subpackage_and_builds(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a clean copy: pip builds in the source tree (build/, egg-info)
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    shutil.copy(ROOT / "README.md", source)
    shutil.copytree(
        ROOT / "leaky_dashboards",
        source / "leaky_dashboards",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-build-isolation",  # setuptools and wheel come from the dev extra, no download
            "--target",
            str(site),
            str(source),
        ],
        check=True,
        cwd=tmp_path,
        capture_output=True,
        timeout=600,
    )
    tree = tmp_path / "tree"
    for name in ("dashboards", "libsonnet", "environments", "golden"):
        shutil.copytree(ROOT / name, tree / name)
    (tree / "provisioning").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAKY_")}
    env |= {
        "PYTHONPATH": str(site),
        "LEAKY_SCHEMA_DIR": str(schema_dir()),
        "LEAKY_KUBERNETES_SCHEMA_DIR": str(kubernetes_schema_dir()),
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(site), str(tree)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = set(done.stdout.splitlines())
    expected = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in (ROOT / "leaky_dashboards").rglob("*.py")
    }
    assert expected - {"leaky_dashboards"} <= found
    assert "leaky_dashboards.comparison" in found
    assert "no golden drift" in done.stdout
    assert (tree / "provisioning" / "datasources" / "prometheus.yaml").is_file()
