"""Problems found in curated data, and the one exception that carries them.

Every pipeline step reports what is wrong with the input as `Problem`s (a position, what is
wrong, how to fix it). The library raises `KgError` with all of them; only `cli.py` turns
them into text and an exit code. A `Problem` of severity `WARNING` (say, two entities that
look like the same thing) is printed as `path:line: warning: …` and never changes the exit
code: the result of a run that passed carries its warnings, and a `KgError` carries the
warnings found beside its errors.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kg.facts import SourcePos

EXIT_OK = 0
EXIT_BAD_DATA = 1
EXIT_BAD_USAGE = 2
EXIT_REMOTE = 3  # an external store refused a push, or holds other triples after it

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, at a place in a file.

    >>> str(Problem(SourcePos("data/a.yaml", 3), "unknown key 'x'", "remove it"))
    "data/a.yaml:3: unknown key 'x' — remove it"
    >>> str(Problem(SourcePos("data/a.yaml", 5), "looks like 'y'", "merge them", WARNING))
    "data/a.yaml:5: warning: looks like 'y' — merge them"
    """

    pos: SourcePos
    message: str
    fix: str = ""
    severity: str = ERROR  # ERROR or WARNING

    @property
    def is_warning(self) -> bool:
        return self.severity == WARNING

    def __str__(self) -> str:
        label = "warning: " if self.is_warning else ""
        text = f"{self.pos}: {label}{self.message}"
        return f"{text} — {self.fix}" if self.fix else text


class KgError(Exception):
    """Raised by the library when the input has problems; carries all of them, sorted.

    `problems` are the errors; `warnings` the warnings found in the same run, if any.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        found = sorted(set(problems))
        self.problems: list[Problem] = [p for p in found if not p.is_warning]
        self.warnings: list[Problem] = [p for p in found if p.is_warning]
        count, warned = len(self.problems), len(self.warnings)
        text = f"{count} problem{'s' if count != 1 else ''} found"
        if warned:
            text += f", {warned} warning{'s' if warned != 1 else ''}"
        super().__init__(text)

    def report(self) -> str:
        """Errors and warnings, one per line in file and line order, then the error count."""
        lines = [str(p) for p in sorted(self.problems + self.warnings)]
        lines.append(str(self))
        return "\n".join(lines)
