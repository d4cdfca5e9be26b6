"""README's generated sections are what the code makes: the lint rules, from their objects."""

from __future__ import annotations

import pytest

from leaky_dashboards import readme
from leaky_dashboards.errors import BuildError
from leaky_dashboards.lint import ruleset
from leaky_dashboards.settings import Paths


def test_readme_lists_every_lint_rule_as_its_rule_object_describes_it() -> None:
    assert not readme.stale(Paths()), "README's lint rules are out of date: run `invoke readme`"


def test_every_rule_has_a_unique_name_a_known_family_and_a_description() -> None:
    assert len(set(ruleset.NAMES)) == len(ruleset.NAMES)
    for rule in ruleset.ALL:
        assert rule.family in ruleset.FAMILIES and rule.description.strip(), rule
        assert (rule.check is not None) == (rule.family == "dashboard"), rule


def test_a_new_rule_appears_in_the_generated_section(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = ruleset.Rule("new-rule", "dashboard", "what the new | rule checks")
    monkeypatch.setattr(ruleset, "ALL", (*ruleset.ALL, extra))
    text = (Paths().root / readme.README).read_text(encoding="utf-8")
    assert "| `new-rule` | what the new \\| rule checks |" in readme.render(text)


def test_a_readme_without_the_markers_is_an_error() -> None:
    with pytest.raises(BuildError, match="no section between"):
        readme.render("# a README without generated sections\n")
