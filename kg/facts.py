"""Plain data classes for curated facts, as read from YAML: no RDF, no I/O.

`load.py` makes these from `data/*.yaml`; `validate.py` checks them against the ontology's
`Schema`; `build.py` turns them into triples. Every value keeps the `SourcePos` it was read
from, so any later step can point a curator at the line to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True, slots=True)
class SourcePos:
    """A line in a curated file; prints as `path:line`."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class Value:
    """A scalar as the curator wrote it (always text: types come from the ontology)."""

    text: str
    pos: SourcePos
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    """Evidence as written: a verbatim `quote` from `source`, or a `cite` of a named quote."""

    pos: SourcePos
    quote: str | None = None
    cite: str | None = None
    source: str | None = None
    source_pos: SourcePos | None = None  # where `source:` was given


@dataclass(frozen=True, slots=True)
class Statement:
    """One curated statement: `key: value` on an entity, with its evidence and qualifiers.

    `evidence` is empty when the statement relies on its entity's evidence.
    """

    key: str
    pos: SourcePos
    value: Value
    evidence: tuple[EvidenceRef, ...] = ()
    qualifiers: tuple[tuple[str, Value], ...] = ()


@dataclass(frozen=True, slots=True)
class Entity:
    """One item of an `entities:` list."""

    id: Value
    type: Value
    pos: SourcePos
    evidence: tuple[EvidenceRef, ...] = ()
    statements: tuple[Statement, ...] = ()
    # keys whose value was reported unreadable (a tag, an alias…) and left out: the checks
    # do not also call them missing
    unreadable: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NamedQuote:
    """An entry of a file's `quotes:` mapping, citable from any file by its id."""

    id: str
    text: str
    source: str | None
    pos: SourcePos
    source_pos: SourcePos | None = None


@dataclass
class Facts:
    """Everything read from a data folder."""

    entities: list[Entity] = field(default_factory=list)
    quotes: list[NamedQuote] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # files that could not be read at all
