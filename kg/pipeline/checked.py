"""What step 2 (`kg.pipeline.validate`) gives: facts with every key resolved to its property,
every value to an RDF term and every quote to its place in the source; and the id grammar
with the messages that explain a wrong id."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rdflib import Literal
from rdflib.term import Identifier

from kg.errors import Problem
from kg.facts import SourcePos
from kg.pipeline.consistency import Across
from kg.pipeline.ontology import ClassInfo, PropertyInfo
from kg.pipeline.quotes import QuoteMatch, SourceText

ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True, slots=True)
class CheckedStatement:
    """A statement with its property, RDF object, evidence and qualifiers resolved."""

    subject: str
    prop: PropertyInfo
    obj: Identifier
    evidence: tuple[QuoteMatch, ...]
    qualifiers: tuple[tuple[PropertyInfo, Literal], ...]
    pos: SourcePos


@dataclass(frozen=True, slots=True)
class CheckedEntity:
    """An entity whose class, labels, evidence and statements all passed the checks."""

    id: str
    cls: ClassInfo
    pos: SourcePos
    evidence: tuple[QuoteMatch, ...]
    labels: tuple[tuple[PropertyInfo, Literal], ...]
    statements: tuple[CheckedStatement, ...]
    key_pos: dict[str, SourcePos]  # first line of each YAML key, for shape results


@dataclass(frozen=True)
class Checked:
    """What `build.py` needs: checked entities, and how many quotes were found in sources."""

    entities: tuple[CheckedEntity, ...]
    quotes_checked: int  # quoted passages (of facts and left out): the graph's evidence nodes
    sources: dict[str, SourceText]
    warnings: tuple[Problem, ...] = ()


@dataclass
class FileChecked:
    """One file's facts checked alone (`check_file`): what passed, every problem found, and
    what the checks that need every file take from it (`across`)."""

    entities: tuple[CheckedEntity, ...]
    problems: list[Problem]
    across: Across


def id_fix(text: str, example: str = "nansha-science-city") -> str:
    """How to turn a wrong id into one; paths and IRIs get their own advice."""
    if "/" in text or text.startswith("urn:"):
        return (
            f"an id is a local name, not a path or an IRI: write e.g. '{example}' (its IRI, "
            f"https://w3id.org/gba-kg/id/{example}, is made from it)"
        )
    return f"use lower-case a-z, digits and single hyphens, e.g. '{example}'"


def describe_id_fault(text: str) -> str:
    """Name the first character that breaks the id grammar, with its code point and column."""
    for column, ch in enumerate(text, start=1):
        if not ("a" <= ch <= "z" or "0" <= ch <= "9" or ch == "-"):
            name = unicode_name(ch)
            if ch.isprintable() and not ch.isspace():
                return f"'{ch}' (U+{ord(ch):04X} {name}) at column {column}"
            return f"U+{ord(ch):04X} {name} at column {column}"
    if not text:
        return "it is empty"
    return "a '-' at the start or end, or two in a row"


def article(word: str) -> str:
    return "an" if word[:1].lower() in "aeio" else "a"


def unicode_name(ch: str) -> str:
    return unicodedata.name(ch, "unnamed character")
