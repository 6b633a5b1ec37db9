"""Run SPARQL on the built graph: load `build/graph.nt` into a pyoxigraph store, run a query
(ad hoc, from a file, or a saved question) with its parameters bound as RDF terms.

pyoxigraph is the engine: on the benchmark's typed two-hop question rdflib's evaluator takes
seconds where pyoxigraph takes well under a millisecond (see README, "Figures").
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDFS

from kg.errors import QueryError, did_you_mean
from kg.namespaces import ID, PREFIXES
from kg.pipeline.questions import Question, default_queries_dir, parse_question, read_questions
from kg.sparql.results import Answer, collect
from kg.sparql.text import code_of, refusal


def saved_questions(queries_dir: str | Path | None = None) -> dict[str, Question]:
    """The saved questions of `queries_dir` (default: the project's `queries/`)."""
    return read_questions(queries_dir or default_queries_dir())


def resolve_question(
    text_or_name: str, queries_dir: str | Path | None = None, *, from_file: bool = False
) -> Question:
    """A saved question by name, a query file, or query text given directly."""
    if from_file:
        path = Path(text_or_name)
        if not path.is_file():
            raise QueryError(f"no query file '{path}'")
        return parse_question(path.read_text(encoding="utf-8"), path.stem, path)
    saved = saved_questions(queries_dir)
    if text_or_name in saved:
        return saved[text_or_name]
    if "{" not in text_or_name and " " not in text_or_name.strip():
        names = sorted(saved)
        hint = did_you_mean(text_or_name, names) or f"saved questions: {', '.join(names) or 'none'}"
        raise QueryError(f"no saved question '{text_or_name}' — {hint}")
    return parse_question(text_or_name, "query")


def run_question(
    store: ox.Store,
    question: Question,
    values: dict[str, str] | None = None,
    *,
    max_rows: int | None = None,
) -> Answer:
    """Run `question` on `store`, its parameters bound from `values` (name → text)."""
    try:
        substitutions = question.bind(values or {})
    except ValueError as exc:
        raise QueryError(str(exc)) from None
    refused = refusal(question.text)
    if refused is not None:
        raise QueryError(f"'{question.name}' is refused: {refused[1]}")
    try:
        result = store.query(
            question.text,
            substitutions=substitutions or None,
            prefixes=PREFIXES,
            base_iri=str(ID),  # so <shenzhen> is the entity's IRI
        )
    except SyntaxError as exc:
        raise QueryError(_syntax_message(question.name, question.text, str(exc))) from None
    except RuntimeError as exc:
        raise QueryError(f"'{question.name}' cannot run: {exc}") from None
    return collect(result, max_rows)


_CHAR_CLASS = re.compile(r"\['(?:\\.|[^'\\])*'(?:[^\]'\"]|'(?:\\.|[^'\\])*')*\]")
"""A character class in the parser's "expected one of" list (`['A' ..= 'Z' | 'a' ..= 'z' |
…]`): the characters a name may hold, spelt as Unicode ranges over several lines."""


def _readable(error: str) -> str:
    """The parser's error in one line, its character classes named, not listed.

    >>> _readable("expected one of ',', ['0' ..= '9' | '-'], ['_'],\\n [_]")
    "expected one of ',', a name character, any character"
    """
    error = _CHAR_CLASS.sub("a name character", " ".join(error.split()))
    error = re.sub(r"a name character(?:, a name character)+", "a name character", error)
    return error.replace("[_]", "any character")


def _syntax_message(name: str, text: str, error: str) -> str:
    """The parser's error in one line; for an undeclared prefix, one naming it (the parser
    dumps its grammar there and does not name the prefix)."""
    if "Prefix not found" not in error:
        return f"SPARQL syntax error in '{name}': {_readable(error)}"
    code = code_of(text)
    declared = {p.lower() for p in _DECLARED.findall(code)}
    used = [p for p in _USED.findall(code) if p.lower() != "prefix"]
    unknown = next((p for p in used if p not in PREFIXES and p.lower() not in declared), "")
    known = ", ".join(f"{p}:" for p in PREFIXES)
    return (
        f"'{name}' uses the prefix '{unknown}:', which is not declared — declare it with "
        f"PREFIX {unknown}: <…>, or use one of those every query has: {known}"
    )


_DECLARED = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?\s*:", re.IGNORECASE)
_USED = re.compile(r"(?<![\w?$:@.-])([A-Za-z][\w-]*)?:")


def label_names(store: ox.Store) -> dict[str, str]:
    """Each zh label that names one entity → that entity's en label (for en tables)."""
    label = ox.NamedNode(str(RDFS.label))
    both: dict[str, dict[str, str]] = {}
    for quad in store.quads_for_pattern(None, label, None):
        obj = quad.object
        if isinstance(obj, ox.Literal) and obj.language in ("zh", "en"):
            both.setdefault(str(quad.subject), {})[obj.language] = obj.value
    found: dict[str, set[str]] = {}
    for names in both.values():
        if "zh" in names and "en" in names:
            found.setdefault(names["zh"], set()).add(names["en"])
    return {zh: next(iter(en)) for zh, en in sorted(found.items()) if len(en) == 1}


def label_index(store: ox.Store, answer: Answer) -> dict[str, tuple[str, str]]:
    """zh and en labels of every IRI in an answer, for display."""
    iris = {t.value for row in answer.rows for t in row if isinstance(t, ox.NamedNode)}
    label = ox.NamedNode(str(RDFS.label))
    out: dict[str, tuple[str, str]] = {}
    for iri in sorted(iris):
        names = {"zh": "", "en": ""}
        for quad in store.quads_for_pattern(ox.NamedNode(iri), label, None):
            obj = quad.object
            if isinstance(obj, ox.Literal) and obj.language in names:
                names[obj.language] = obj.value
        if names["zh"] or names["en"]:
            out[iri] = (names["zh"], names["en"])
    return out
