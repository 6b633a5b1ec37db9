"""Problems found in curated data, and the one exception that carries them.

Every pipeline step reports what is wrong with the input as `Problem`s (a position, what is
wrong, how to fix it). The library raises `KgError` with all of them; only `cli.py` turns
them into text and an exit code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kg.facts import SourcePos

EXIT_OK = 0
EXIT_BAD_DATA = 1
EXIT_BAD_USAGE = 2


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, at a place in a file.

    >>> str(Problem(SourcePos("data/a.yaml", 3), "unknown key 'x'", "remove it"))
    "data/a.yaml:3: unknown key 'x' — remove it"
    """

    pos: SourcePos
    message: str
    fix: str = ""

    def __str__(self) -> str:
        text = f"{self.pos}: {self.message}"
        return f"{text} — {self.fix}" if self.fix else text


class KgError(Exception):
    """Raised by the library when the input has problems; carries all of them, sorted."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = sorted(set(problems))
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} found")

    def report(self) -> str:
        """All problems, one per line, then the count: what a person reads."""
        lines = [str(p) for p in self.problems]
        lines.append(str(self))
        return "\n".join(lines)
