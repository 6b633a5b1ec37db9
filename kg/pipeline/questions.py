"""Saved questions: `queries/*.rq` files with a header of titles, a description and declared
parameters, and the safe binding of parameter values as RDF terms.

A header is the run of `#` comment lines at the top of the file:

    # title@zh: 广深共建了什么?
    # title@en: What do Guangzhou and Shenzhen co-build?
    # description: Everything both cities co-build, by area of co-operation.
    # param: city id  A city's id, e.g. guangzhou

A parameter value is turned into an RDF term by its declared kind and handed to the engine as
a SPARQL substitution (RDF-dev SEP-0007): it is never pasted into the query text, so a value
holding quotes or braces matches nothing instead of rewriting the query. A SELECT question
must project each parameter (the engine substitutes projected variables only).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KgError, Problem
from kg.facts import SourcePos
from kg.namespaces import ID

XSD = "http://www.w3.org/2001/XMLSchema#"
_HEADER = re.compile(r"#\s*([a-z]+)(?:@([a-z]{2}))?\s*:\s*(.*\S)\s*$")
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def default_queries_dir() -> Path:
    """`kg/queries` when installed from a wheel, else the checkout's `queries/`."""
    packaged = Path(__file__).parents[1] / "queries"
    if packaged.is_dir():
        return packaged
    return Path(__file__).parents[2] / "queries"


def _to_id(text: str) -> ox.NamedNode:
    if not _ID.fullmatch(text):
        raise ValueError("an entity id (ASCII kebab-case, e.g. guangzhou)")
    return ox.NamedNode(str(ID[text]))


def _to_iri(text: str) -> ox.NamedNode:
    if not re.fullmatch(r"[a-z][a-z0-9+.-]*:[^\s<>\"{}|^`\\]+", text, flags=re.I):
        raise ValueError('an absolute IRI (no spaces or <>"{}|^`\\)')
    return ox.NamedNode(text)


def _to_integer(text: str) -> ox.Literal:
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError("a whole number")
    return ox.Literal(str(int(text)), datatype=ox.NamedNode(XSD + "integer"))


def _to_decimal(text: str) -> ox.Literal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError("a decimal number") from None
    return ox.Literal(format(value.normalize(), "f"), datatype=ox.NamedNode(XSD + "decimal"))


def _to_date(text: str) -> ox.Literal:
    try:
        date.fromisoformat(text)
    except ValueError:
        raise ValueError("a date (YYYY-MM-DD)") from None
    return ox.Literal(text, datatype=ox.NamedNode(XSD + "date"))


PARAM_KINDS: dict[str, Callable[[str], ox.NamedNode | ox.Literal]] = {
    "id": _to_id,
    "iri": _to_iri,
    "text": ox.Literal,
    "zh": lambda t: ox.Literal(t, language="zh"),
    "en": lambda t: ox.Literal(t, language="en"),
    "integer": _to_integer,
    "decimal": _to_decimal,
    "date": _to_date,
}
"""Parameter kinds a header may declare, and how a value becomes an RDF term."""


@dataclass(frozen=True)
class Param:
    """A declared parameter: `# param: NAME KIND description`."""

    name: str
    kind: str
    description: str


@dataclass(frozen=True)
class Question:
    """A SPARQL query with its header (a saved question, a rule, or an ad-hoc query)."""

    name: str
    text: str
    path: Path | None = None
    titles: dict[str, str] = field(default_factory=dict)
    description: str = ""
    params: tuple[Param, ...] = ()
    fields: dict[str, str] = field(default_factory=dict)  # other header keys (message, fix)

    def title(self, lang: str = "en") -> str:
        return self.titles.get(lang) or self.titles.get("en") or self.name

    def bind(self, values: dict[str, str]) -> dict[ox.Variable, Term]:
        """Turn `name=value` pairs into substitutions; raises `ValueError` with the reason."""
        declared = {p.name: p for p in self.params}
        out: dict[ox.Variable, Term] = {}
        for name, value in sorted(values.items()):
            param = declared.get(name)
            if param is None:
                known = ", ".join(sorted(declared)) or "none"
                raise ValueError(
                    f"'{self.name}' declares no parameter '{name}' (it declares: {known})"
                )
            try:
                out[ox.Variable(name)] = PARAM_KINDS[param.kind](value)
            except ValueError as exc:
                raise ValueError(
                    f"parameter '{name}' takes {param.kind}: '{value}' is not {exc}"
                ) from None
        missing = [p for p in self.params if p.name not in values]
        if missing:  # unbound, the variable matches anything: every row, silently
            needs = "; ".join(f"'{p.name}' ({p.kind}: {p.description})" for p in missing)
            raise ValueError(
                f"'{self.name}' needs {'its parameter' if len(missing) == 1 else 'the parameters'}"
                f" {needs} — give {'it' if len(missing) == 1 else 'each'} as "
                f"{' '.join(f'{p.name}=…' for p in missing)}"
            )
        return out


def parse_question(text: str, name: str, path: Path | None = None) -> Question:
    """Read the header of a query text; raises `KgError` for a malformed header line."""
    titles: dict[str, str] = {}
    fields: dict[str, str] = {}
    params: list[Param] = []
    problems: list[Problem] = []
    where = str(path) if path else name
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        match = _HEADER.fullmatch(stripped)
        if match is None:
            continue  # a plain comment
        key, lang, value = match.groups()
        if key == "title":
            titles[lang or "en"] = value
        elif key == "param":
            parts = value.split(None, 2)
            if len(parts) < 2 or parts[1] not in PARAM_KINDS:
                problems.append(
                    Problem(
                        SourcePos(where, number),
                        f"bad parameter declaration '{value}'",
                        f"write `# param: NAME KIND description`, KIND one of: "
                        f"{', '.join(PARAM_KINDS)}",
                    )
                )
                continue
            params.append(Param(parts[0], parts[1], parts[2] if len(parts) > 2 else ""))
        else:
            fields[key] = value
    if problems:
        raise KgError(problems)
    return Question(
        name=name,
        text=text,
        path=path,
        titles=titles,
        description=fields.pop("description", ""),
        params=tuple(params),
        fields=fields,
    )


def read_questions(folder: str | Path) -> dict[str, Question]:
    """Every `*.rq` directly in `folder`, by name (the file name without `.rq`)."""
    questions: dict[str, Question] = {}
    problems: list[Problem] = []
    for path in sorted(Path(folder).glob("*.rq")):
        try:
            questions[path.stem] = parse_question(path.read_text(encoding="utf-8"), path.stem, path)
        except KgError as exc:
            problems.extend(exc.problems)
    if problems:
        raise KgError(problems)
    return questions
