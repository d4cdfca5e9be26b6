"""The one adapter over the Jsonnet bindings: Go (`gojsonnet`, default) or C++ (`jsonnet`).

Both bindings are called the same way (`evaluate_snippet` with the source text this module read
itself), with the same import callback (`sandbox.Importer`: imports stay inside the project's
sources), in a child process (`worker`) that bounds memory and time. They differ in
speed and in how they word errors, so errors are normalised here into `JsonnetError` (file, line,
column, field). Successful evaluations are remembered by what they read (`jsonnet_cache`): an
unchanged tree is not evaluated again.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import jsonnet_cache
from .errors import BuildError, JsonnetError
from .sandbox import Importer, Refusal, read_source

if TYPE_CHECKING:
    from . import worker

ENGINES = {"go": "_gojsonnet", "cpp": "_jsonnet"}
CACHE_SWITCH = "LEAKY_JSONNET_CACHE"

# "file.jsonnet:12:5-9" or "file.jsonnet:(12:5)-(13:2)" as both bindings print locations.
_LOCATION = re.compile(r"(?P<file>[^\s:()]+\.(?:jsonnet|libsonnet)):\(?(?P<line>\d+):(?P<col>\d+)")
_FIELD = re.compile(r'Field "(?P<name>[^"]+)"')


class _Binding:
    """A binding loaded at its first evaluation. Its file (found without loading it) names the
    engine in the cache key, so a build that evaluates nothing never loads the engine: the Go
    binding's shared library and runtime cost more to load than the rest of a warm build."""

    def __init__(self, module: str) -> None:
        self._module = module
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            importlib.import_module(module)  # the import's own error names what is missing
        self.__file__ = str(spec.origin) if spec is not None else module

    def __getattr__(self, name: str) -> Any:
        return getattr(importlib.import_module(self._module), name)


def _binding(engine: str) -> _Binding:
    if engine not in ENGINES:
        raise BuildError(f"unknown Jsonnet engine {engine!r}: choose one of {', '.join(ENGINES)}")
    return _Binding(ENGINES[engine])


def _run(
    engine: str,
    name: str,
    text: str,
    *,
    library: Path,
    roots: Sequence[Path],
    ext_vars: dict[str, str],
    default_file: str,
) -> str:
    """Evaluate `text` (named `name`) in the sandbox, or return what the same inputs gave before
    while every file that evaluation read is unchanged (see `jsonnet_cache`); always evaluate when
    $LEAKY_JSONNET_CACHE is `off` (the benchmark's evaluation lines)."""
    [result] = _run_many(
        engine,
        [(name, text)],
        library=library,
        roots=roots,
        ext_vars=ext_vars,
        default_file=default_file,
    )
    return result


def _run_many(
    engine: str,
    entries: Sequence[tuple[str, str]],
    *,
    library: Path,
    roots: Sequence[Path],
    ext_vars: dict[str, str],
    default_file: str,
) -> list[str]:
    """`_run` of each (name, text); those the cache does not answer are evaluated side by side,
    each in a child of its own (`worker.evaluate_many`). The first that fails raises."""
    binding = _binding(engine)
    importer = Importer(library, roots)
    cached = os.environ.get(CACHE_SWITCH) != "off"
    results: list[str | None] = [None] * len(entries)
    digests = [""] * len(entries)
    for i, (name, text) in enumerate(entries):
        if cached:
            digests[i] = jsonnet_cache.key(
                str(binding.__file__), name, text, importer.describe(), ext_vars
            )
            results[i] = jsonnet_cache.get(digests[i], importer.unchanged)
    missing = [i for i, result in enumerate(results) if result is None]
    if not missing:
        return [r for r in results if r is not None]
    from . import worker  # only when something is evaluated: a warm build starts no child

    requests = [
        worker.Request(
            ENGINES[engine],
            entries[i][0],
            entries[i][1],
            str(library),
            tuple(map(str, roots)),
            ext_vars,
        )
        for i in missing
    ]
    # A limit's error names what was evaluated: the caller's file, else the entry's name.
    responses = _evaluate_many(
        [(r, default_file or entries[i][0]) for r, i in zip(requests, missing, strict=True)]
    )
    for i, response in zip(missing, responses, strict=True):
        if response.result is None:
            error = parse_error(
                response.error or "",
                default_file=default_file or entries[i][0],
                refusal=response.refusal,
            )
            refusal, site = response.refusal, response.site
            if (
                refusal is not None
                and refusal.file is None
                and error.line == 0
                and site is not None
            ):
                error = JsonnetError(*site, refusal.message, None, error.detail)
            raise error
        results[i] = response.result
        if cached:
            jsonnet_cache.put(digests[i], response.reads, response.result)
    return [r for r in results if r is not None]


def _evaluate_many(requests: list[tuple[worker.Request, str]]) -> list[worker.Response]:
    """The evaluations (each with what it evaluates, for its errors), in the engine's child
    process (see `worker`), side by side when more than one."""
    if len(requests) == 1:
        return [_evaluate(*requests[0])]
    from . import worker

    return worker.evaluate_many(requests)


def _evaluate(request: worker.Request, what: str) -> worker.Response:
    """One evaluation, in the engine's child process (see `worker`)."""
    from . import worker

    return worker.evaluate(request, what)


def evaluate_file(
    path: Path,
    *,
    library: Path,
    ext_vars: dict[str, str],
    engine: str = "go",
    roots: Sequence[Path] = (),
) -> str:
    """Evaluate one Jsonnet file to its JSON text, raising JsonnetError on any failure. Imports
    resolve inside `library`, the file's own directory and `roots`."""
    text = read_source(path)
    return _run(
        engine,
        str(path),
        text,
        library=library,
        roots=[path.parent, *roots],
        ext_vars=ext_vars,
        default_file=str(path),
    )


def evaluate_snippet(
    name: str,
    text: str,
    *,
    library: Path,
    ext_vars: dict[str, str],
    engine: str = "go",
    roots: Sequence[Path] = (),
) -> str:
    """Evaluate Jsonnet text (imports resolved in `library` and `roots`) to its JSON text; no
    file is made."""
    return _run(
        engine, name, text, library=library, roots=roots, ext_vars=ext_vars, default_file=name
    )


def evaluate_snippets(
    entries: Sequence[tuple[str, str]],
    *,
    library: Path,
    ext_vars: dict[str, str],
    engine: str = "go",
    roots: Sequence[Path] = (),
) -> list[str]:
    """`evaluate_snippet` of each (name, text), evaluated side by side (a child process each),
    the first that fails raising as it would alone."""
    return _run_many(
        engine, entries, library=library, roots=roots, ext_vars=ext_vars, default_file=""
    )


def evaluate_files(
    paths: list[Path],
    *,
    library: Path,
    ext_vars: dict[str, str],
    engine: str = "go",
    roots: Sequence[Path] = (),
) -> list[object]:
    """Evaluate several files in one VM, returning each file's value, in order.

    One evaluation shares the parsed library between files: 4 dashboards cost ~30 ms together
    against ~45 ms one by one (go-jsonnet spends much of a small evaluation parsing imports).
    Errors still name the file and line inside the failing source. Imports resolve inside
    `library`, the files' directories and `roots`.
    """
    if not paths:
        return []
    snippet = "[" + ", ".join(f"import {json.dumps(str(p.resolve()))}" for p in paths) + "]"
    directories = list(dict.fromkeys(p.parent for p in paths))
    text = _run(
        engine,
        "<dashboards>",
        snippet,
        library=library,
        roots=[*directories, *roots],
        ext_vars=ext_vars,
        default_file=str(paths[0].parent),
    )
    values: list[object] = json.loads(text)
    return values


def parse_error(text: str, *, default_file: str, refusal: Refusal | None = None) -> JsonnetError:
    """Turn a binding's error text into a JsonnetError naming file, line, column and field.

    A refused import (`refusal`) is worded by the sandbox, not by the binding (go-jsonnet can
    garble a callback's message), and placed at the file it names, else at the import: the first
    location of the engine's trace."""
    lines = [line for line in text.splitlines() if line.strip()]
    message = lines[0] if lines else "Jsonnet evaluation failed"
    for prefix in ("RUNTIME ERROR: ", "STATIC ERROR: "):
        message = message.removeprefix(prefix)
    if refusal is not None:
        if refusal.file is not None:
            return JsonnetError(
                refusal.file, refusal.line, refusal.column, refusal.message, None, text
            )
        trace = _LOCATION.search("\n".join(lines[1:]))
        if trace:
            return JsonnetError(
                trace["file"], int(trace["line"]), int(trace["col"]), refusal.message, None, text
            )
        return JsonnetError(default_file, 0, 0, refusal.message, None, text)
    location = _LOCATION.search(text)
    if location:
        file, line, col = location["file"], int(location["line"]), int(location["col"])
        # A parse error starts with its own location; keep only the words after it.
        if message.startswith(location.group(0)):
            message = re.sub(r"^\S+\s*", "", message, count=1)
    else:
        file, line, col = default_file, 0, 0
    # Go lists enclosing fields innermost first; the failing field is the path outermost → inner.
    names = [m["name"] for m in _FIELD.finditer(text)]
    field = ".".join(reversed(names)) or None
    return JsonnetError(file, line, col, message.strip(), field, text)
