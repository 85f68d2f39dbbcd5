"""The project's Python source, read and parsed once per test process for the code scans.

A dozen tests read the code itself with `ast` (the layers, the one outbound guard, stored files, JSON bodies, the
one BOOKED writer, marked words, zone names, step-up, signed links, notification texts), most of them every module
of the project: about 5 s of CPU per full parse on a quiet machine, a dozen times over. Here each text is parsed
once and the tree (and its nodes in `ast.walk`'s order) shared (docs/decisions/0079-suite-under-fifteen.md).

The trees are shared: a scan reads them and never changes them (no `parent` links, no NodeTransformer). A test
module that uses this one runs in the `code_scans` xdist group (conftest.py), so one process parses the project
once for all of them.
"""

import ast
import functools
from pathlib import Path

GROUP = "code_scans"


def read(path: Path | str) -> str:
    """The text of a source file (UTF-8); read anew each time (cheap), the parse is what is kept."""
    return Path(path).read_text(encoding="utf-8")


@functools.cache
def _parsed(source: str) -> ast.Module:
    return ast.parse(source)


def parse(source: str, filename: str = "<unknown>") -> ast.Module:
    """`ast.parse(source)`, once per text. A text that does not parse raises as ast.parse does, naming `filename`."""
    try:
        return _parsed(source)
    except SyntaxError:
        return ast.parse(source, filename=filename)


@functools.cache
def _nodes(source: str) -> tuple[ast.AST, ...]:
    return tuple(ast.walk(_parsed(source)))


def walk(source: str, filename: str = "<unknown>") -> tuple[ast.AST, ...]:
    """`ast.walk(ast.parse(source))` (the same nodes in the same order), once per text."""
    parse(source, filename)
    return _nodes(source)


def parse_file(path: Path | str) -> ast.Module:
    return parse(read(path), str(path))


def walk_file(path: Path | str) -> tuple[ast.AST, ...]:
    return walk(read(path), str(path))
