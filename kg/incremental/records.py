"""What the build cache keeps, and how it is read and written: a `Unit` per data file, the
`Index` of the last good build, and the network parts, in MessagePack decoded against their
types (msgspec): plain data, never code. A kept file that does not decode, is too big or is
kept for another name is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import msgspec

from kg.errors import Problem
from kg.facts import NamedQuote, SourcePos
from kg.incremental.cache import file_digest
from kg.pipeline.build import GraphPart
from kg.pipeline.compose import MAX_FILE_BYTES
from kg.pipeline.consistency import Across
from kg.pipeline.quotes import QuoteMatch
from kg.review.coverage import Counts

FORMAT = 2
"""The format of a unit file; a change of it makes every kept unit a miss."""
UNIT, NETWORK = ".unit", ".net"
"""A unit's file, and its part of the explorer's network (`NetworkPart`)."""
INDEX = "last-build.index"
"""What the last build left (`Index`)."""

T = TypeVar("T")
QuoteRecord = tuple[str, str | None, int, int | None]  # text, source, line, source's line
CitedRecord = tuple[str, str | None, str, int, int | None]  # the same, with its file


@dataclass
class Unit:
    """One data file, checked and built alone: what the other files and the join need of
    it, and its part of the graph."""

    path: str  # as `load` names it in positions
    types: dict[str, str]  # its entity ids → `type:` as written
    quotes: dict[str, QuoteRecord]  # its named quotes
    # what it read of the other files when it was made: the `type:` of each id it looked
    # up, and each named quote (None: there was none); it holds while these are the same
    read_types: dict[str, str | None]
    read_quotes: dict[str, CitedRecord | None]
    part: GraphPart
    across: Across  # what the checks across files take from it
    classes: dict[str, int]  # entities per `type:`
    matches: list[QuoteMatch]  # each passage it quotes, once
    objects: list[str]  # the IRIs its triples point at, as N-Triples writes them, sorted
    warnings: list[Problem] = field(default_factory=list)
    left_out: list[QuoteMatch] = field(default_factory=list)  # passages left out, once

    def named_quotes(self) -> Iterable[NamedQuote]:
        """Its named quotes as `load` reads them."""
        path = self.path
        for qid, (text, source, line, source_line) in self.quotes.items():
            where = None if source_line is None else SourcePos(path, source_line)
            yield NamedQuote(qid, text, source, SourcePos(path, line), where)


@dataclass
class Index:
    """What the last good build left: its units, the subjects of its graph in order with a
    digest of each one's lines, and the state (`file_state`) of each output it wrote that a
    later build may patch."""

    units: dict[str, str]  # data file → the key of its unit (`unit_key`)
    subjects: list[str]
    digests: bytes  # of each subject's lines, in the order of `subjects` (`subject_digest`)
    outputs: dict[str, str | None]
    vocabulary: list[str]  # the vocabulary's terms the graph described
    checks: str  # the sha256 of the shapes and rules it passed
    coverage: Counts  # each source's counts of quoted sentences


DIGEST_BYTES = 16


def subject_digest(block: bytes) -> bytes:
    """A digest of one subject's N-Triples lines, as the index keeps it."""
    return hashlib.blake2b(block, digest_size=DIGEST_BYTES).digest()


def unit_name(context: str, path: Path) -> str:
    """The name of the unit of the data file at `path`: its path and bytes, and `context`
    (the code, the ontology, the source texts)."""
    digest = hashlib.sha256(f"kg-unit {FORMAT}\0{context}\0{path}\0".encode())
    digest.update(file_digest(path, MAX_FILE_BYTES))  # a bigger file is refused, not read
    return digest.hexdigest() + UNIT


def index_name(context: str) -> str:
    """The name the index is kept for: an index left by other code is not read."""
    return f"{INDEX} {FORMAT} {context}"


def unit_key(name: str, unit: Unit) -> str:
    """The key of a unit: the digest of everything it was made from, that is its file's
    path and bytes and the build's context (its `name`), and what it read of the other
    files. Its network part is kept under this key."""
    read = msgspec.msgpack.encode((unit.read_types, unit.read_quotes))
    return hashlib.sha256(name.encode() + b"\0" + read).hexdigest()


def encoded(name: str, value: object) -> bytes:
    """The contents of a file of the units' folder: `value`, with the name it is kept for,
    in MessagePack (plain data: reading it runs no code)."""
    return msgspec.msgpack.encode((name, value))


def load(path: Path, name: str, kind: type[T]) -> T | None:
    """The `kind` kept in `path` for `name`, or None (none there, too big, unreadable, not a
    `kind`, or another's: it is made again). Read without following a link."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_KEPT_BYTES:
            return None
        data = f.read()
    try:
        found_name, value = msgspec.msgpack.decode(data, type=tuple[str, kind])  # type: ignore[valid-type]
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    return value if found_name == name else None


MAX_KEPT_BYTES = 1 << 30
"""A file of the units' folder larger than this is not read (a unit is the size of its
file's triples, a few MiB at most under the 1 MiB limit on a data file)."""
