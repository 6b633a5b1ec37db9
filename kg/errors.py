"""Problems found in curated data, and the errors gba-kg raises on purpose.

Every pipeline step reports what is wrong with the input as `Problem`s (a position, what is
wrong, how to fix it). The library raises `KgError` with all of them; only `cli.py` turns
them into text and an exit code. A `Problem` of severity `WARNING` (say, two entities that
look like the same thing) is printed as `path:line: warning: …` and never changes the exit
code: the result of a run that passed carries its warnings, and a `KgError` carries the
warnings found beside its errors.

The errors, and the exit code `kg` gives each (`exit_code`):

    GbaKgError                 the base
    ├── KgError             1  bad data: every problem, at once
    ├── UsageError          2  a command that cannot run as asked
    │   ├── QueryError            no built graph, a bad query or parameter
    │   └── DiffError             a side that cannot be read or built
    └── RemoteError         3  an external store
        └── PushError             could not be reached, refused, or holds other triples

Anything else that escapes is a bug in gba-kg, and keeps its traceback.
"""

from __future__ import annotations

import difflib
import re
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

    @property
    def code(self) -> str:
        """The kind of problem: the message's words without its values (`'…'`, `"…"`,
        `` `…` ``, numbers), up to its first colon, at most six words, in kebab case.

        >>> Problem(SourcePos("a.yaml", 4), "unknown type 'Prot'").code
        'unknown-type'
        >>> Problem(SourcePos("a.yaml", 9), "quote not found in source 's': no part").code
        'quote-not-found-in-source'
        """
        text = _VALUES.sub(" ", self.message).split(":", 1)[0]
        return "-".join(_WORDS.findall(text.lower())[:6]) or "problem"

    def as_dict(self) -> dict[str, str | int | None]:
        """The problem for tools (`kg check --format json`); `column` is None: gba-kg
        reports lines."""
        return {
            "file": self.pos.path,
            "line": self.pos.line,
            "column": None,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "fix": self.fix,
        }

    def github(self) -> str:
        """The problem as a GitHub Actions workflow command, which annotates the line in a
        pull request (`kg check --format github`).

        >>> print(Problem(SourcePos("data/a.yaml", 4), "bad: x%", "fix it").github())
        ::error file=data/a.yaml,line=4,title=kg check (bad)::bad: x%25 — fix it
        """
        text = f"{self.message} — {self.fix}" if self.fix else self.message
        where = f"file={_property(self.pos.path)},line={self.pos.line}"
        title = _property(f"kg check ({self.code})")
        return f"::{self.severity} {where},title={title}::{_data(text)}"


_VALUES = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`|\d+")
_WORDS = re.compile(r"[a-z]+")


def _data(text: str) -> str:
    """Text escaped for a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """Text escaped for a workflow command's property value."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


class GbaKgError(Exception):
    """The base of the errors gba-kg raises on purpose; `exit_code` is what `kg` exits with."""

    exit_code = EXIT_BAD_USAGE

    def cli_text(self, command: str) -> str:
        """What `kg COMMAND` prints for this error."""
        return f"kg {command}: {self}"


class UsageError(GbaKgError):
    """A command that cannot run as asked (its message says why and what to do)."""

    exit_code = EXIT_BAD_USAGE


class QueryError(UsageError):
    """A query that cannot run: no built graph, bad syntax, a bad parameter."""


class DiffError(UsageError):
    """A side that cannot be read: no such folder or revision, or data that does not build."""


class RemoteError(GbaKgError):
    """An external store could not be reached, refused, or answered otherwise than asked."""

    exit_code = EXIT_REMOTE


class PushError(RemoteError):
    """The store could not be reached, refused the graph, or holds something else after."""


class KgError(GbaKgError):
    """Raised by the library when the input has problems; carries all of them, sorted.

    `problems` are the errors; `warnings` the warnings found in the same run, if any.
    """

    exit_code = EXIT_BAD_DATA

    def __init__(self, problems: Iterable[Problem]) -> None:
        found = sorted(set(problems))
        self.problems: list[Problem] = [p for p in found if not p.is_warning]
        self.warnings: list[Problem] = [p for p in found if p.is_warning]
        count, warned = len(self.problems), len(self.warnings)
        text = f"{count} problem{'s' if count != 1 else ''} found"
        if warned:
            text += f", {warned} warning{'s' if warned != 1 else ''}"
        super().__init__(text)

    def cli_text(self, command: str) -> str:
        """Every problem (`report`): the command's name would add nothing."""
        return self.report()

    def report(self) -> str:
        """Errors and warnings, one per line in file and line order, then the error count."""
        lines = [str(p) for p in sorted(self.problems + self.warnings)]
        lines.append(str(self))
        return "\n".join(lines)


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """A 'did you mean …?' hint naming the closest choices (ties included), or ''.

    >>> did_you_mean("Prot", ["Port", "Post", "Person"])
    "did you mean 'Port' or 'Post'?"
    """
    close = difflib.get_close_matches(word, list(choices), n=5, cutoff=0.6)
    if not close:
        return ""
    score = difflib.SequenceMatcher(None, word, close[0]).ratio()
    best = sorted(c for c in close if difflib.SequenceMatcher(None, word, c).ratio() == score)
    return "did you mean " + " or ".join(f"'{c}'" for c in best) + "?"
