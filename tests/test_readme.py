"""README.md and docs/: the generated sections are what the code makes (the lint rules, from their
objects), the README stays a five-minute read with the two commands, and every relative link
of the README and docs/ opens an existing file and, for `#anchor`, an existing heading."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from leaky_dashboards import readme
from leaky_dashboards.errors import BuildError
from leaky_dashboards.lint import ruleset
from leaky_dashboards.settings import ROOT, Paths

README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
VALIDATION = "docs/validation.md"

# The two install commands, the only fenced `bash .ci/install` commands the README holds.
COMMANDS = ("bash .ci/install && invoke build", "bash .ci/install && invoke test")

_FENCE = re.compile(r"^(```|~~~)")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_EXPLICIT = re.compile(r"""<a\s+(?:id|name)=["']([^"']+)["']""")
# [text](target) and ![alt](target), the target up to a space (a title) or the closing paren.
_LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lowercase, every character but letters, digits, `_`, `-` and
    spaces dropped (backticks, punctuation, emoji), then each space a `-`."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading: its text
    text = "".join(c for c in text.lower() if c.isalnum() or c in "-_ ")
    return text.replace(" ", "-")


def prose(text: str) -> str:
    """`text` with fenced code blocks emptied (their lines kept blank, so line numbers hold) and
    inline code spans blanked: what remains can hold links."""
    lines, fenced = [], False
    for line in text.splitlines():
        if _FENCE.match(line.lstrip()):
            fenced = not fenced
            lines.append("")
            continue
        lines.append("" if fenced else re.sub(r"`[^`\n]*`", "``", line))
    return "\n".join(lines)


def links(text: str) -> list[tuple[int, str]]:
    """Every link target of a Markdown text with the line it starts on (a link may span lines)."""
    shown = prose(text)
    return [(shown.count("\n", 0, m.start()) + 1, m.group(1)) for m in _LINK.finditer(shown)]


def anchors(text: str) -> set[str]:
    """Every anchor a Markdown file offers: its headings' (`-1`, `-2`... for repeats) and any
    explicit `<a id>`."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    fenced = False
    for line in text.splitlines():
        if _FENCE.match(line.lstrip()):
            fenced = not fenced
            continue
        if fenced:
            continue
        found.update(_EXPLICIT.findall(line))
        heading = _HEADING.match(line)
        if heading:
            base = slug(heading.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(path: Path, root: Path) -> list[str]:
    """Each relative link of `path` whose file is absent, or whose `#anchor` no heading of that
    file makes, as `file:line: target: why`."""
    problems = []
    text = path.read_text(encoding="utf-8")
    for number, target in links(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            continue  # https:, mailto:...: not a file of this tree
        name, _, anchor = target.partition("#")
        where = f"{path.relative_to(root).as_posix()}:{number}: {target}"
        file = (path.parent / name).resolve() if name else path
        if not file.exists():
            problems.append(f"{where}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file.read_text("utf-8")):
            problems.append(f"{where}: no heading #{anchor} in {file.name}")
    return problems


def test_the_docs_list_every_lint_rule_as_its_rule_object_describes_it() -> None:
    assert readme.stale(Paths()) == [], "the lint rules are out of date: run `invoke readme`"


def test_every_rule_has_a_unique_name_a_known_family_and_a_description() -> None:
    assert len(set(ruleset.NAMES)) == len(ruleset.NAMES)
    for rule in ruleset.ALL:
        assert rule.family in ruleset.FAMILIES and rule.description.strip(), rule
        assert (rule.check is not None) == (rule.family == "dashboard"), rule


def test_a_new_rule_appears_in_the_generated_section(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = ruleset.Rule("new-rule", "dashboard", "what the new | rule checks")
    monkeypatch.setattr(ruleset, "ALL", (*ruleset.ALL, extra))
    text = (ROOT / VALIDATION).read_text(encoding="utf-8")
    rendered = readme.render(text, readme.FILES[VALIDATION], VALIDATION)
    assert "| `new-rule` | what the new \\| rule checks |" in rendered


def test_a_file_without_the_markers_is_an_error_naming_it() -> None:
    with pytest.raises(BuildError, match=r"docs/x\.md: no section between"):
        readme.render("# no generated sections\n", readme.FILES[VALIDATION], "docs/x.md")


def test_invoke_readme_rewrites_a_stale_section_of_the_file_that_owns_it(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    text = (ROOT / VALIDATION).read_text(encoding="utf-8")
    stale = text.replace("| `uid` |", "| `uid-old` |")
    assert stale != text
    (tmp_path / VALIDATION).write_text(stale, encoding="utf-8")
    tree = Paths.under(tmp_path)
    assert readme.stale(tree) == [VALIDATION]
    said: list[str] = []
    assert readme.update(tree, echo=said.append) is True
    assert (tmp_path / VALIDATION).read_text(encoding="utf-8") == text
    assert said == [f"{VALIDATION}: generated sections rewritten"]
    assert readme.stale(tree) == [] and readme.update(tree, echo=said.append) is False


def test_the_readme_is_at_most_300_lines() -> None:
    lines = len(README.read_text(encoding="utf-8").splitlines())
    assert lines <= 300, f"README.md has {lines} lines: move detail to docs/"


def test_the_readme_shows_the_two_install_commands_and_no_other() -> None:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    fenced = [line.strip() for block in blocks for line in block.splitlines()]
    assert [line for line in fenced if ".ci/install" in line] == list(COMMANDS)


def test_every_doc_is_linked_from_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    targets = {target.partition("#")[0] for _, target in links(text)}
    assert [d.name for d in DOCS if f"docs/{d.name}" not in targets] == []


@pytest.mark.parametrize("path", [README, *DOCS], ids=lambda p: p.name)
def test_every_relative_link_opens_a_file_and_heading_that_exist(path: Path) -> None:
    assert broken_links(path, ROOT) == []


def test_an_anchor_is_the_heading_as_github_writes_it() -> None:
    assert (
        slug("Query time per dashboard (`invoke bench --queries`)")
        == "query-time-per-dashboard-invoke-bench---queries"
    )
    assert slug("🚀 Executive Overview: p95, errors") == "-executive-overview-p95-errors"
    assert anchors('# A\n## A\n```\n# not a heading\n```\n<a id="x"></a>\n') == {"a", "a-1", "x"}


def test_a_missing_file_or_heading_is_named_with_its_line(tmp_path: Path) -> None:
    shutil.copy(README, tmp_path / "README.md")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text(
        "# A doc\n\n## Its part\n\n[ok](a.md#its-part) [also](#a-doc) [web](https://x.org/#no)\n"
        "[gone](gone.md)\n[wrong](a.md#not-a-heading) `[code](gone.md)`\n"
        "```\n[fenced](gone.md)\n```\n",
        encoding="utf-8",
    )
    assert broken_links(tmp_path / "docs" / "a.md", tmp_path) == [
        "docs/a.md:6: gone.md: no such file",
        "docs/a.md:7: a.md#not-a-heading: no heading #not-a-heading in a.md",
    ]
