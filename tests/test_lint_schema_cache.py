"""The schema pass remembers findings by content: nothing unchanged is validated twice, anything
changed (a panel, a schema file) is validated anew."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from leaky_dashboards import settings
from leaky_dashboards.lint import schema, schema_cache
from leaky_dashboards.model import Json, strip_library_fields
from leaky_dashboards.project import Project
from leaky_dashboards.settings import Paths


@pytest.fixture
def schemas(schema_paths: Paths, tmp_path: Path) -> Path:
    """A private copy of Grafana's schema directory, free to edit."""
    copied = tmp_path / "schemas"
    shutil.copytree(schema_paths.schemas, copied)
    schema_cache.fingerprint.cache_clear()
    return copied


def model() -> Json:
    """A dashboard as the schema pass sees it: without the library's own fields."""
    return copy.deepcopy(strip_library_fields(Project().dashboards[0].model))


def findings(root: Path, directory: Path, dashboard: Json) -> list[tuple[str | None, str, str]]:
    cache = schema_cache.Cache(directory, root)
    found = [(ref, rule, message) for _, ref, rule, message in cache.check(dashboard)]
    cache.save()
    return found


def forbid_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(_: Path) -> None:
        raise AssertionError("validated although nothing changed")

    monkeypatch.setattr(schema, "load", refuse)


def test_an_unchanged_dashboard_is_not_validated_again(
    schemas: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = model()
    broken["panels"][1]["options"]["graphMode"] = "sparkline"
    first = findings(tmp_path, schemas, broken)
    assert [rule for _, rule, _ in first] == ["schema-options"]
    forbid_validation(monkeypatch)
    assert findings(tmp_path, schemas, broken) == first


def test_a_changed_panel_is_validated_anew(schemas: Path, tmp_path: Path) -> None:
    dashboard = model()
    assert findings(tmp_path, schemas, dashboard) == []
    dashboard["panels"][1]["options"]["graphMode"] = "sparkline"
    assert [rule for _, rule, _ in findings(tmp_path, schemas, dashboard)] == ["schema-options"]


def test_a_changed_schema_file_validates_everything_anew(schemas: Path, tmp_path: Path) -> None:
    dashboard = model()
    assert findings(tmp_path, schemas, dashboard) == []
    unit = next(p["fieldConfig"]["defaults"]["unit"] for p in dashboard["panels"][1:])
    units = schemas / "units.jsonschema.json"
    text = units.read_text()
    assert f'"const": "{unit}"' in text
    units.write_text(text.replace(f'"const": "{unit}"', '"const": "no-longer-a-unit"'))
    schema_cache.fingerprint.cache_clear()  # as a new process sees the directory
    schema.load.cache_clear()
    assert "schema-unit" in {rule for _, rule, _ in findings(tmp_path, schemas, dashboard)}


def test_an_unwritable_cache_is_ignored(schemas: Path, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    assert findings(tmp_path / "file", schemas, model()) == []


def test_the_cache_lives_in_the_users_cache_directory() -> None:
    assert settings.cache_dir({"LEAKY_CACHE_DIR": "/c"}) == Path("/c")
    assert settings.cache_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/leaky-dashboards")


def _without_findings(value: object) -> object:
    """`value` with every list of findings ([refId, rule, message], ...) emptied: what a poisoner
    writes to let a bad panel pass."""
    if isinstance(value, dict):
        return {k: _without_findings(v) for k, v in value.items()}
    if isinstance(value, list):
        if value and all(isinstance(f, list) and len(f) == 3 for f in value):
            return []
        return [_without_findings(v) for v in value]
    return value


def test_a_poisoned_entry_does_not_let_a_bad_panel_pass(
    schemas: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = model()
    broken["panels"][1]["options"]["graphMode"] = "sparkline"
    first = findings(tmp_path, schemas, broken)
    assert [rule for _, rule, _ in first] == ["schema-options"]
    cache_file = tmp_path / schema_cache.CACHE_FILE
    poisoned = _without_findings(json.loads(cache_file.read_text()))
    cache_file.write_text(json.dumps(poisoned))
    assert findings(tmp_path, schemas, broken) == first
    forbid_validation(monkeypatch)  # the entry was rewritten: it verifies again
    assert findings(tmp_path, schemas, broken) == first


@pytest.mark.parametrize("content", ["", "{", "[1, 2]", '{"": "x", "k": 3}'])
def test_a_corrupt_cache_file_is_ignored(schemas: Path, tmp_path: Path, content: str) -> None:
    broken = model()
    broken["panels"][1]["options"]["graphMode"] = "sparkline"
    (tmp_path / schema_cache.CACHE_FILE).write_text(content)
    assert [rule for _, rule, _ in findings(tmp_path, schemas, broken)] == ["schema-options"]
