"""Find curated quotes in their source texts (`data/sources/ID.txt`).

A quote matches when it is an exact substring of the source after one normalisation applied
to both: Unicode NFC, and every run of whitespace (spaces, tabs, line breaks, U+3000)
read as one space, with leading and trailing whitespace of the quote ignored. Nothing else
is forgiven: full-width and ASCII punctuation differ. Offsets count code points of the
source text (after NFC) and always point at the source's own characters.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from kg.errors import KgError, Problem
from kg.facts import SourcePos
from kg.pipeline.characters import FORBIDDEN, decode_utf8, describe_char

CONTEXT = 32  # characters kept before and after a quote as TextQuoteSelector prefix/suffix
MAX_SOURCE_BYTES = 4 * 1024 * 1024  # a source text larger than this (4 MiB) is not read


@dataclass(frozen=True, slots=True)
class QuoteMatch:
    """Where a quote sits in its source."""

    source: str
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str
    line: int  # line of the source text where the quote starts


def normalize(text: str) -> tuple[str, list[int]]:
    """NFC, whitespace runs as one space; also the original offset of each output character.

    >>> normalize("a \\n\\t b")
    ('a b', [0, 1, 5])
    """
    chars: list[str] = []
    where: list[int] = []
    in_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if not in_space:
                chars.append(" ")
                where.append(i)
            in_space = True
            continue
        in_space = False
        chars.append(ch)
        where.append(i)
    return "".join(chars), where


@dataclass
class SourceText:
    """One source document's text, ready for quote look-ups."""

    id: str
    path: Path
    text: str

    @cached_property
    def _normalized(self) -> tuple[str, list[int]]:
        return normalize(self.text)

    def find(self, quote: str) -> QuoteMatch | None:
        """The first place `quote` occurs, or None."""
        norm, where = self._normalized
        needle = normalize(unicodedata.normalize("NFC", quote).strip())[0]
        at = norm.find(needle) if needle else -1
        if at < 0:
            return None
        start = where[at]
        end = where[at + len(needle) - 1] + 1
        return QuoteMatch(
            source=self.id,
            start=start,
            end=end,
            exact=self.text[start:end],
            prefix=self.text[max(0, start - CONTEXT) : start],
            suffix=self.text[end : end + CONTEXT],
            line=self.text.count("\n", 0, start) + 1,
        )

    def explain_miss(self, quote: str) -> str:
        """Why `quote` is not found: the longest matching start and the first difference."""
        norm, where = self._normalized
        needle = normalize(unicodedata.normalize("NFC", quote).strip())[0]
        lo, hi = 0, len(needle)  # the longest prefix of needle found in norm has length lo
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if needle[:mid] in norm:
                lo = mid
            else:
                hi = mid - 1
        if lo == 0:
            return f"no part of it occurs in source '{self.id}'"
        at = norm.find(needle[:lo])
        line = self.text.count("\n", 0, where[at]) + 1
        wrote = needle[lo]
        if at + lo < len(norm):
            has = norm[at + lo]
            return (
                f"its first {lo} characters match line {line} of source '{self.id}', then it "
                f"has '{wrote}' (U+{ord(wrote):04X}) where the source has '{has}' "
                f"(U+{ord(has):04X})"
            )
        return f"its first {lo} characters match the end of source '{self.id}'"


def read_sources(sources_dir: str | Path) -> dict[str, SourceText]:
    """Every `*.txt` in `sources_dir`, by id (the file name without `.txt`).

    Only regular files inside `sources_dir` are opened: a link that leads out of it, a file
    larger than `MAX_SOURCE_BYTES`, bytes that are not UTF-8 and control, bidi-control or
    invisible characters (`kg.pipeline.load.FORBIDDEN`) are problems, raised together as `KgError`.
    """
    sources: dict[str, SourceText] = {}
    problems: list[Problem] = []
    folder = Path(sources_dir)
    if not folder.is_dir():
        return sources
    inside = folder.resolve()
    for path in sorted(folder.glob("*.txt")):
        here = SourcePos(str(path), 1)
        if not path.resolve().is_relative_to(inside) or not path.resolve().is_file():
            problems.append(
                Problem(
                    here,
                    "a source text must be a file inside the sources folder, and this one "
                    f"leads to {path.resolve()}; it was not read",
                    "copy the text into the sources folder instead of linking to it",
                )
            )
            continue
        text = _read_text(path, problems)
        if text is not None:
            sources[path.stem] = SourceText(path.stem, path, unicodedata.normalize("NFC", text))
    if problems:
        raise KgError(problems)
    return sources


def _read_text(path: Path, problems: list[Problem]) -> str | None:
    with path.open("rb") as stream:
        raw = stream.read(MAX_SOURCE_BYTES + 1)
    if len(raw) > MAX_SOURCE_BYTES:
        problems.append(
            Problem(
                SourcePos(str(path), 1),
                f"the source text is larger than {MAX_SOURCE_BYTES // 1024 // 1024} MiB, the "
                "limit; it was not read",
                "keep only the document itself (no markup, no other documents)",
            )
        )
        return None
    text = decode_utf8(raw, str(path), problems)
    if text is None:
        return None
    for number, line_text in enumerate(text.split("\n"), start=1):
        found = FORBIDDEN.search(line_text)
        if found is not None:
            problems.append(
                Problem(
                    SourcePos(str(path), number),
                    f"{describe_char(found.group())} at column {found.start() + 1}",
                    "delete it: it is not part of what the document says, and would reach "
                    "the graph in quotes' context",
                )
            )
            return None
    return text
