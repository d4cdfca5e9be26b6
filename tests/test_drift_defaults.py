"""The table of what Grafana writes by itself (`drift/defaults.py`): each default taken from
Grafana's published schemas is the schema's, and docs/drift.md lists the table as the code has
it."""

from __future__ import annotations

import json
from typing import Any

from leaky_dashboards.drift.defaults import ANY, DEFAULTS, Schema, markdown_table
from leaky_dashboards.settings import ROOT, Paths


def _schema_default(paths: Paths, origin: Schema) -> Any:
    document = json.loads((paths.schemas / f"{origin.file}.jsonschema.json").read_text())
    definition, *inner = origin.definition.split(".")
    node = document["definitions"][definition]
    for part in inner:
        node = node["properties"][part]
    return node["properties"][origin.prop]["default"]


def test_each_default_from_grafanas_schemas_is_the_published_schemas_default(
    schema_paths: Paths,
) -> None:
    from_schemas = [d for d in DEFAULTS if isinstance(d.origin, Schema)]
    assert len(from_schemas) > 50
    for default in from_schemas:
        assert isinstance(default.origin, Schema)
        assert default.value is not ANY
        assert _schema_default(schema_paths, default.origin) == default.value, default


def test_docs_list_every_field_grafana_writes_by_itself() -> None:
    docs = (ROOT / "docs" / "drift.md").read_text(encoding="utf-8")
    assert "\n".join(markdown_table()) in docs, (
        "docs/drift.md lists another table: paste `python -m leaky_dashboards.drift.defaults`"
    )
