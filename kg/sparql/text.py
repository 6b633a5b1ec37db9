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
    """Keywords and nesting depth of a SPARQL query.

    >>> shape = shape_of('SELECT * WHERE { ?s ?p "SERVICE { }" }')
    >>> sorted(shape.keywords), shape.depth
    (['SELECT', 'WHERE'], 1)
    """
    code = code_of(text)
    depth = deepest = 0
    for ch in code:
        if ch in "{(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "})":
            depth -= 1
    words = frozenset(w.upper() for w in _WORD.findall(code))
    return Shape(words, deepest)
