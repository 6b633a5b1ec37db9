"""Query answers and their formats: the W3C SPARQL 1.1 results formats (JSON, XML, CSV, TSV),
Turtle for CONSTRUCT and DESCRIBE, and a readable table for people.

Answers are materialised as lists (bounded by the caller's row cap), so the same writers serve
the CLI and the endpoint, and a truncated answer is still a well-formed document.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from kg.namespaces import PREFIXES, shorten

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass
class Answer:
    """What a query returned: solutions, a boolean, or triples."""

    kind: str  # "select", "ask" or "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[list[Term | None]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)
    truncated: bool = False  # rows or triples were cut at the row cap
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)  # IRI → (zh, en), for tables
    names: dict[str, str] = field(default_factory=dict)  # an entity's zh label → its en label


def collect(result: object, max_rows: int | None = None) -> Answer:
    """Materialise a pyoxigraph query result, keeping at most `max_rows` rows or triples."""
    if isinstance(result, ox.QueryBoolean):
        return Answer("ask", boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows: list[list[Term | None]] = []
        for solution in result:
            if max_rows is not None and len(rows) >= max_rows:
                return Answer("select", variables, rows, truncated=True)
            rows.append([solution[v] for v in variables])
        return Answer("select", variables, rows)
    assert isinstance(result, ox.QueryTriples)
    triples: list[ox.Triple] = []
    for triple in result:
        if max_rows is not None and len(triples) >= max_rows:
            return Answer("graph", triples=triples, truncated=True)
        triples.append(triple)
    return Answer("graph", triples=triples)


# --- W3C formats ------------------------------------------------------------------------------


def _json_term(term: Term) -> dict[str, object]:
    if isinstance(term, ox.Triple):  # a triple term (SPARQL 1.2 results JSON)
        parts = ("subject", term.subject), ("predicate", term.predicate), ("object", term.object)
        return {"type": "triple", "value": {k: _json_term(t) for k, t in parts}}
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out: dict[str, object] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def write_json(answer: Answer) -> bytes:
    """SPARQL 1.1 Query Results JSON Format."""
    if answer.kind == "ask":
        doc: dict[str, object] = {"head": {}, "boolean": answer.boolean}
    else:
        bindings = [
            {v: _json_term(t) for v, t in zip(answer.variables, row, strict=True) if t is not None}
            for row in answer.rows
        ]
        doc = {"head": {"vars": answer.variables}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.Triple):  # a triple term (SPARQL 1.2 results XML)
        return (
            f"<triple><subject>{_xml_term(term.subject)}</subject>"
            f"<predicate>{_xml_term(term.predicate)}</predicate>"
            f"<object>{_xml_term(term.object)}</object></triple>"
        )
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def write_xml(answer: Answer) -> bytes:
    """SPARQL Query Results XML Format."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>']
    lines.append('<sparql xmlns="http://www.w3.org/2005/sparql-results#">')
    lines.append("<head>")
    lines += [f"<variable name={quoteattr(v)}/>" for v in answer.variables]
    lines.append("</head>")
    if answer.kind == "ask":
        lines.append(f"<boolean>{'true' if answer.boolean else 'false'}</boolean>")
    else:
        lines.append("<results>")
        for row in answer.rows:
            cells = "".join(
                f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                for v, t in zip(answer.variables, row, strict=True)
                if t is not None
            )
            lines.append(f"<result>{cells}</result>")
        lines.append("</results>")
    lines.append("</sparql>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_csv(answer: Answer) -> bytes:
    """SPARQL 1.1 Query Results CSV: plain values, RFC 4180 quoting, CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if answer.kind == "ask":
        writer.writerow(["boolean"])
        writer.writerow(["true" if answer.boolean else "false"])
    else:
        writer.writerow(answer.variables)
        for row in answer.rows:
            writer.writerow(["" if t is None else _csv_value(t) for t in row])
    return buffer.getvalue().encode("utf-8")


def _csv_value(term: Term) -> str:
    if isinstance(term, ox.Triple):
        return _triple_text(term)
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value


def _triple_text(term: ox.Triple) -> str:
    """A triple term in SPARQL 1.2 / N-Triples 1.2 syntax: `<<( s p o )>>`."""
    inner = " ".join(
        _triple_text(t) if isinstance(t, ox.Triple) else str(t)
        for t in (term.subject, term.predicate, term.object)
    )
    return f"<<( {inner} )>>"


def write_tsv(answer: Answer) -> bytes:
    """SPARQL 1.1 Query Results TSV: terms in N-Triples syntax."""
    if answer.kind == "ask":
        return b"?boolean\ntrue\n" if answer.boolean else b"?boolean\nfalse\n"
    lines = ["\t".join(f"?{v}" for v in answer.variables)]
    lines += ["\t".join(_tsv_value(t) for t in row) for row in answer.rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _tsv_value(term: Term | None) -> str:
    if term is None:
        return ""
    return _triple_text(term) if isinstance(term, ox.Triple) else str(term)


def write_turtle(answer: Answer) -> bytes:
    """Triples of a CONSTRUCT or DESCRIBE answer as Turtle, with the project's prefixes."""
    data = ox.serialize(answer.triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    assert data is not None
    return bytes(data)


def write_ntriples(answer: Answer) -> bytes:
    """Triples of a CONSTRUCT or DESCRIBE answer as N-Triples."""
    data = ox.serialize(answer.triples, format=ox.RdfFormat.N_TRIPLES)
    assert data is not None
    return bytes(data)


def write_jsonld(answer: Answer) -> bytes:
    """Triples of a CONSTRUCT or DESCRIBE answer as JSON-LD (expanded, no context needed)."""
    data = ox.serialize(answer.triples, format=ox.RdfFormat.JSON_LD)
    assert data is not None
    return bytes(data)


RESULT_FORMATS = {
    "json": ("application/sparql-results+json", write_json),
    "xml": ("application/sparql-results+xml", write_xml),
    "csv": ("text/csv; charset=utf-8", write_csv),
    "tsv": ("text/tab-separated-values; charset=utf-8", write_tsv),
}
"""Formats for SELECT and ASK answers: name → (media type, writer)."""

GRAPH_FORMATS = {
    "turtle": ("text/turtle; charset=utf-8", write_turtle),
    "nt": ("application/n-triples", write_ntriples),
    "jsonld": ("application/ld+json", write_jsonld),
}
"""Formats for CONSTRUCT and DESCRIBE answers."""


LANGUAGES = ("zh", "en")
"""The languages a table can be printed in (`kg query --lang`)."""


def render_table(answer: Answer, width: int = 100, lang: str = "en") -> str:
    """A table for people, in one language (`lang`, zh or en): an IRI shows its label in
    that language and its short name; a column that only repeats the label of an IRI in
    another column is left out, and of two columns `X_zh` and `X_en` only the one in `lang`
    is shown, as `X` (a header `X_zh` or `X_en` alone reads `X` too). In an en table, a
    text made only of entities' zh labels (a `GROUP_CONCAT` of them, joined by U+3001) shows
    their en labels (`Answer.names`). Long text wraps."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    if answer.kind == "ask":
        return "yes\n" if answer.boolean else "no\n"
    if answer.kind == "graph":
        return write_turtle(answer).decode("utf-8")
    shown = _shown_columns(answer, lang)
    table = Table(show_lines=False, header_style="bold", expand=False)
    for _, header in shown:
        table.add_column(header, overflow="fold")
    pick = 0 if lang == "zh" else 1
    for row in answer.rows:  # as Text: data is never read as rich markup
        cells = [_cell(row[i], answer.labels, pick) for i, _ in shown]
        if lang == "en":
            cells = [_in_english(c, answer.names) for c in cells]
        table.add_row(*(Text(c) for c in cells))
    console = Console(width=width, file=io.StringIO(), color_system=None, highlight=False)
    console.print(table)
    rows = len(answer.rows)
    note = f"{rows} row{'s' if rows != 1 else ''}"
    if answer.truncated:
        note += " (cut at the row cap)"
    console.print(note)
    out = console.file
    assert isinstance(out, io.StringIO)
    return out.getvalue()


def _shown_columns(answer: Answer, lang: str) -> list[tuple[int, str]]:
    """The columns a table in `lang` shows, as (index, header)."""
    names = answer.variables
    iri_columns = [
        i for i in range(len(names)) if any(isinstance(r[i], ox.NamedNode) for r in answer.rows)
    ]

    def repeats_a_label(i: int) -> bool:  # every value is the label of the row's IRI next to it
        for j in iri_columns:
            if j != i and all(_is_label_of(r[i], r[j], answer.labels) for r in answer.rows):
                return True
        return False

    shown: list[tuple[int, str]] = []
    for i, name in enumerate(names):
        if answer.rows and i not in iri_columns and repeats_a_label(i):
            continue
        stem, _, tag = name.rpartition("_")
        if tag in LANGUAGES and stem:
            if tag != lang and all(f"{stem}_{t}" in names for t in LANGUAGES):
                continue
            name = stem if stem not in names else name
        shown.append((i, name))
    return shown


_LIST_MARK = "\u3001"  # the ideographic comma a GROUP_CONCAT of zh labels is joined with


def _in_english(text: str, names: dict[str, str]) -> str:
    """`text` with its entities' en labels, when it is made only of entities' zh labels."""
    parts = text.split(_LIST_MARK)
    if not text or not all(part in names for part in parts):
        return text
    return ", ".join(names[part] for part in parts)


def _is_label_of(value: Term | None, term: Term | None, labels: dict[str, tuple[str, str]]) -> bool:
    if value is None:
        return True
    if not isinstance(value, ox.Literal) or not isinstance(term, ox.NamedNode):
        return False
    return value.value in labels.get(term.value, ())


def _cell(term: Term | None, labels: dict[str, tuple[str, str]], pick: int = 1) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        name = shorten(term.value)
        both = labels.get(term.value, ("", ""))
        label = both[pick] or both[1 - pick]
        return f"{label}\n({name})" if label else name
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return _triple_text(term)
    return term.value
