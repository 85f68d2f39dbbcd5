"""The project's Python source, read and parsed once per test process for the code scans.

A dozen tests read the code itself with `ast` (the layers, the one outbound guard, stored files, JSON bodies, the
one BOOKED writer, marked words, zone names, step-up, signed links, notification texts), most of them every module
of the project: about 5 s of CPU per full parse on a quiet machine, a dozen times over. Here each text is parsed
once and the tree (and its nodes in `ast.walk`'s order, or its statements alone) shared
(docs/decisions/0079-suite-under-fifteen.md), out of the garbage collector's way (about 1 s; see `_parsed`).

The trees are shared: a scan reads them and never changes them (no `parent` links, no NodeTransformer). A test
module that uses this one runs in the `code_scans` xdist group (conftest.py), so one process parses the project
once for all of them.
"""

import ast
import functools
import gc
from collections.abc import Iterator
from pathlib import Path

GROUP = "code_scans"


def read(path: Path | str) -> str:
    """The text of a source file (UTF-8); read anew each time (cheap), the parse is what is kept."""
    return Path(path).read_text(encoding="utf-8")


@functools.cache
def _parsed(source: str) -> ast.Module:
    # A parse makes a Python object of every node (1.4 million for the whole project), kept for the process's life.
    # Python's cyclic garbage collector counts each one made and, as the heap grows, walks all of it again and
    # again, though trees hold no cycles to find: five sixths of a full parse's CPU, and every later full
    # collection of the process walked the trees again. So it is off while a text is parsed, and the tree joins
    # the generation it never walks (`gc.freeze`, as deploy/gunicorn.conf.py does for a worker) with what else is
    # alive then: the modules, the caches, the test's own objects. Frozen objects are still freed when nothing
    # refers to them; only a cycle among them would outlive its use, so a test's first parse collects first what
    # earlier tests left.
    if not _collected["this_test"]:
        gc.collect()
        _collected["this_test"] = True
    collecting = gc.isenabled()
    gc.disable()
    try:
        tree = ast.parse(source)
        gc.freeze()
        return tree
    finally:
        if collecting:
            gc.enable()


# Whether this test's garbage was collected before its first parse (conftest.py calls `after_test`).
_collected = {"this_test": False}


def after_test() -> None:
    """The next test's first parse collects again before anything is frozen."""
    _collected["this_test"] = False
    _scanned["this_test"] = False


# Whether this test read the code through this module (conftest.py: a scan runs in one CI stage, not two).
_scanned = {"this_test": False}


def scanned_this_test() -> bool:
    return _scanned["this_test"]


def parse(source: str, filename: str = "<unknown>") -> ast.Module:
    """`ast.parse(source)`, once per text. A text that does not parse raises as ast.parse does, naming `filename`."""
    _scanned["this_test"] = True
    try:
        return _parsed(source)
    except SyntaxError:
        return ast.parse(source, filename=filename)


@functools.cache
def _nodes(source: str) -> tuple[ast.AST, ...]:
    return tuple(walk_node(_parsed(source)))


def walk_node(node: ast.AST) -> list[ast.AST]:
    """`ast.walk(node)`: the node and every node under it, in the same order (breadth first), in about two thirds
    of the time (no generator per node)."""
    found = [node]
    add = found.append
    for here in found:  # grows as it is read
        for field in here._fields:
            value = getattr(here, field, None)
            if type(value) is list:
                for inner in value:
                    if isinstance(inner, ast.AST):
                        add(inner)
            elif isinstance(value, ast.AST):
                add(value)
    return found


def walk(source: str, filename: str = "<unknown>") -> tuple[ast.AST, ...]:
    """`ast.walk(ast.parse(source))` (the same nodes in the same order), once per text."""
    parse(source, filename)
    return _nodes(source)


def _statements(tree: ast.AST) -> Iterator[ast.stmt]:
    # Statements sit only in the statement lists of a module, a class, a function, a loop, an `if`, a `with`, a
    # `try` (its handlers too) and a `match` (its cases): no expression holds one.
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.stmt):
            yield node
        inside = [inner for field in _STATEMENT_LISTS for inner in getattr(node, field, None) or ()]
        stack.extend(reversed(inside))


# In the order they are written (a `try`'s body, its handlers, its `else`, its `finally`).
_STATEMENT_LISTS = ("body", "handlers", "orelse", "finalbody", "cases")


@functools.cache
def _statement_nodes(source: str) -> tuple[ast.stmt, ...]:
    return tuple(_statements(_parsed(source)))


def statements(source: str, filename: str = "<unknown>") -> tuple[ast.stmt, ...]:
    """Every statement of the text, nested ones included (an import inside a function), in the order they are
    written: what a scan of statements (imports, assignments, definitions) reads, without `walk`'s visit of every
    expression (a tenth of the nodes)."""
    parse(source, filename)
    return _statement_nodes(source)


def parse_file(path: Path | str) -> ast.Module:
    return parse(read(path), str(path))


def walk_file(path: Path | str) -> tuple[ast.AST, ...]:
    return walk(read(path), str(path))


def statements_file(path: Path | str) -> tuple[ast.stmt, ...]:
    return statements(read(path), str(path))
