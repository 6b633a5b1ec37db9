"""Look inside SPARQL text without running it: which keywords occur outside strings, IRIs and
comments, and how deeply groups nest. The endpoint uses this to refuse `SERVICE`,
`FROM`/`FROM NAMED` and queries nested beyond its cap before any engine sees them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# strings, IRIs and comments are skipped; everything else is "code"
_SKIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|#[^\n]*",
    re.S,
)
# a keyword is a bare word: not a ?variable, $variable, prefix:, :local name or @language tag
_WORD = re.compile(r"(?<![?$:@\w-])[A-Za-z_]+(?![\w:-])")


@dataclass(frozen=True)
class Shape:
    """What the endpoint needs to know about a query before running it."""

    keywords: frozenset[str]  # upper-cased words found in the code
    depth: int  # deepest nesting of { } and ( )


def code_of(text: str) -> str:
    """The query with strings, IRIs and comments replaced by spaces."""
    return _SKIP.sub(" ", text)


def shape_of(text: str) -> Shape:
    """Keywords and nesting depth of a SPARQL query: every bracket kind (`{ }`, `( )`,
    `[ ]`) opens a level, and so does each of a run of path operators (`!`, `^`).

    >>> shape = shape_of('SELECT * WHERE { ?s ?p "SERVICE { }" }')
    >>> sorted(shape.keywords), shape.depth
    (['SELECT', 'WHERE'], 1)
    >>> shape_of("ASK { ?s !!!^<p> ?o }").depth
    5
    """
    code = code_of(text)
    depth = deepest = run = 0
    for ch in code:
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        if ch in "!^":
            run += 1
        elif not ch.isspace():
            run = 0
        deepest = max(deepest, depth + run)
    words = frozenset(w.upper() for w in _WORD.findall(code))
    return Shape(words, deepest)


MAX_DEPTH = 32
"""How deep a query may nest (`Shape.depth`), in `kg query` and, by default, the endpoint."""

UPDATES = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY"})


def refusal(text: str, max_depth: int = MAX_DEPTH) -> tuple[str, str] | None:
    """Why a query may not run here, as (kind, message), or None. The kinds: "depth",
    "service", "from", "update". `kg query` and the endpoint refuse the same queries: none
    of them makes gba-kg open a connection, read a file or change the graph.

    >>> refusal("SELECT * WHERE { SERVICE <http://127.0.0.1/sparql> { ?s ?p ?o } }")
    ('service', 'SERVICE (federated query) is not allowed')
    """
    shape = shape_of(text)
    if shape.depth > max_depth:
        return "depth", f"query nested {shape.depth} deep; the limit is {max_depth}"
    if "SERVICE" in shape.keywords:
        return "service", "SERVICE (federated query) is not allowed"
    if "FROM" in shape.keywords:
        return "from", "FROM / FROM NAMED is not allowed: the dataset is the built graph"
    if shape.keywords & UPDATES and not shape.keywords & {"SELECT", "ASK", "CONSTRUCT"}:
        return "update", "updates are not allowed: the graph is read-only"
    return None
