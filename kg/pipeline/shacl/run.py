"""Running the compiled checks on a pyoxigraph store, and reading their rows as results."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.term import Node

from kg.pipeline.graph_view import to_rdflib_term
from kg.pipeline.shacl.checks import ALLOWED_SEVERITIES, Check, ShapeResult, UnsupportedShapeError
from kg.pipeline.shacl.compile import compile_shapes


def class_hierarchy(store: ox.Store) -> dict[URIRef, list[URIRef]]:
    """The data graph's subclasses of each class (empty for the built graph)."""
    found: dict[URIRef, list[URIRef]] = {}
    rows = store.query(
        f"SELECT DISTINCT ?sub ?sup WHERE {{ ?sub <{RDFS.subClassOf}>+ ?sup }} ORDER BY ?sup ?sub"
    )
    assert isinstance(rows, ox.QuerySolutions)
    for row in rows:
        sub, sup = row["sub"], row["sup"]
        if not isinstance(sub, ox.NamedNode) or not isinstance(sup, ox.NamedNode):
            raise UnsupportedShapeError(
                None, f"a data graph with the non-IRI class in {sub} ⊑ {sup}"
            )
        if sub != sup:
            found.setdefault(URIRef(sup.value), []).append(URIRef(sub.value))
    return found


def shape_results(store: ox.Store, shapes: Graph) -> list[ShapeResult]:
    """Every validation result of `shapes` on the graph in `store`.

    Raises `UnsupportedShapeError` for shapes outside the supported subset.
    """
    return run_checks(store, compile_shapes(shapes, class_hierarchy(store)))


def run_checks(store: ox.Store, checks: Sequence[Check]) -> list[ShapeResult]:
    """Run each check's query on `store`; its results, in the order of the checks."""
    results: list[ShapeResult] = []
    flagged: dict[str, bool] = {}  # screen → did it find anything
    with _quiet_rdflib():
        for check in checks:
            if check.screen is not None:
                if check.screen not in flagged:
                    found = store.query(check.screen)
                    assert isinstance(found, ox.QuerySolutions)
                    flagged[check.screen] = next(iter(found), None) is not None
                if not flagged[check.screen]:
                    continue  # none of its shape's simple constraints is violated
            rows = store.query(check.query)
            assert isinstance(rows, ox.QuerySolutions)
            results.extend(_read(check, rows))
    return results


def conforms(results: Sequence[ShapeResult]) -> bool:
    """pySHACL's `conforms` with `allow_warnings=True`: no result worse than a warning."""
    return all(r.severity in ALLOWED_SEVERITIES for r in results)


def _read(check: Check, rows: ox.QuerySolutions) -> Iterator[ShapeResult]:
    def result(focus: Any, value: Any = None) -> ShapeResult:
        return ShapeResult(
            to_rdflib(focus),
            check.path,
            check.shape,
            check.message,
            check.component,
            check.severity,
            None if value is None else to_rdflib(value),
        )

    if check.kind == "focus":
        for row in rows:
            yield result(row["this"])
    elif check.kind == "value":
        for row in rows:
            yield result(row["this"], row["v"])
    elif check.kind == "datatype":
        assert check.datatype is not None
        for row in rows:
            if not _datatype_conforms(row["v"], check.datatype):
                yield result(row["this"], row["v"])
    else:
        assert check.datatype is not None
        counts: dict[Any, int] = {}
        for row in rows:
            this, value = row["this"], row["v"]
            counts.setdefault(this, 0)
            if value is not None and _datatype_conforms(value, check.datatype):
                counts[this] += 1
        for this, n in counts.items():
            if (n < check.bound) if check.kind == "min" else (n > check.bound):
                yield result(this)


def to_rdflib(term: Any) -> Node:
    """The rdflib term of a pyoxigraph term (blank nodes keep their id)."""
    return to_rdflib_term(term)


_ACTUAL_TYPES: dict[URIRef, type | tuple[type, ...]] = {
    XSD.string: (str, bytes),
    RDF.langString: (str, bytes),
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: date,
    XSD.time: time,
    XSD.dateTime: datetime,
}


def _datatype_conforms(term: Any, datatype: URIRef) -> bool:
    """pySHACL's test of `sh:datatype`: a literal of that datatype that rdflib reads as a
    value of the expected Python type (an ill-typed literal does not conform)."""
    if not isinstance(term, ox.Literal):
        return False
    if datatype == RDFS.Literal:
        return True
    if term.language:
        return datatype == RDF.langString
    if term.datatype.value != str(datatype):
        return False
    return _well_typed(term.value, datatype)


_WELL_TYPED: dict[tuple[str, URIRef], bool] = {}


def _well_typed(lexical: str, datatype: URIRef) -> bool:
    key = (lexical, datatype)
    known = _WELL_TYPED.get(key)
    if known is None:
        literal = Literal(lexical, datatype=datatype)
        expected = _ACTUAL_TYPES.get(datatype)
        known = literal.ill_typed is not True and (
            expected is None or isinstance(literal.value, expected)
        )
        if len(_WELL_TYPED) < 100_000:
            _WELL_TYPED[key] = known
    return known


@contextmanager
def _quiet_rdflib() -> Iterator[None]:
    """rdflib logs a traceback for each ill-typed literal it reads; here that is expected."""
    logger = logging.getLogger("rdflib.term")

    def drop(record: logging.LogRecord) -> bool:
        return False

    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)
