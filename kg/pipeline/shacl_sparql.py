"""A SHACL Core subset compiled to SPARQL and run on a pyoxigraph store: the fast engine of
`kg.pipeline.shapes`, which must find exactly what pySHACL finds (`validate(inference="none",
advanced=False)`, the reference the tests compare it with).

`compile_shapes` turns the shapes graph into one SELECT per (shape, constraint): its rows
are the focus nodes (or focus and value nodes) that violate the constraint. The checks of a
property shape that SPARQL decides alone share a screen: one grouped pass over the focus
nodes and their values with a row wherever any of them would have one; on valid data it has
none, and they are not run (the tests assert that no screen misses a check's row). Supported:

- targets: `sh:targetClass` (instances through `rdf:type/rdfs:subClassOf*`, no inference);
- shapes: node shapes with `sh:property`; property shapes whose `sh:path` is an IRI, a
  sequence, an alternative, `sh:zeroOrMorePath`, `sh:oneOrMorePath`, `sh:zeroOrOnePath`, or
  `sh:inversePath` of an IRI;
- constraints: `sh:minCount`, `sh:maxCount`, `sh:class`, `sh:datatype`, `sh:nodeKind` (all
  six kinds), `sh:languageIn`, and `sh:qualifiedValueShape` with `sh:qualifiedMinCount` /
  `sh:qualifiedMaxCount` whose shape uses only `sh:class`, `sh:datatype`, `sh:nodeKind`
  and `sh:languageIn`;
- `sh:message` (required: exactly one on every shape that has a constraint, since pySHACL's
  default messages are not reproduced), `sh:severity`, `sh:deactivated`, and annotations
  (`sh:description`, `sh:name`, `sh:order`, `sh:group`, `sh:defaultValue`).

Anything else (`sh:pattern`, `sh:sparql`, `sh:node`, other targets, custom components, …)
raises `UnsupportedShapeError`, naming the shape and the feature, so that the caller runs pySHACL
instead: a constraint is never skipped silently.

Semantics follow pySHACL where it departs from the letter of SHACL: `sh:languageIn`
matches a tag whose whole value or first subtag equals a listed range, ignoring case; a
literal of datatype D conforms to `sh:datatype D` unless rdflib finds it ill-typed (checked
in Python, with rdflib, on the rows the query returns). Class membership is `rdf:type`
followed by the data graph's `rdfs:subClassOf*`: the store is asked for its subclass pairs
first, and when it has none (the builder writes every superclass as `rdf:type`, and no
`rdfs:subClassOf`), the queries use the plain `rdf:type` pattern, which is then equivalent.
Value nodes are compared as the store holds them: pyoxigraph keeps numbers, booleans and
dates in canonical form, so two literals that differ only in lexical form ("1.0", "1.00")
are one value node here and two for pySHACL. The builder writes canonical literals only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal
from itertools import count
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from kg.pipeline.graph_view import to_rdflib_term


class UnsupportedShapeError(ValueError):
    """The shapes use a SHACL feature this engine does not compile (run pySHACL instead)."""

    def __init__(self, shape: Node | None, feature: str) -> None:
        self.shape = shape
        self.feature = feature
        where = f"shape {_name(shape)}" if shape is not None else "the shapes graph"
        super().__init__(f"{where}: {feature} is not supported by the SPARQL SHACL engine")


@dataclass(frozen=True)
class ShapeResult:
    """One validation result, as pySHACL reports it (terms are rdflib terms)."""

    focus: Node
    path: Node | None  # the shape's sh:path node (an IRI, or the blank node of a complex path)
    shape: Node  # the sh:sourceShape
    message: str
    component: URIRef  # the sh:sourceConstraintComponent
    severity: URIRef
    value: Node | None = None


@dataclass(frozen=True)
class Check:
    """One SPARQL query of one constraint of one shape, and how to read its rows.

    `kind` is "focus" (a result per row, at `?this`), "value" (a result per row, at `?this`
    with value `?v`), "datatype" (rows are every value; a result for those that do not
    conform to `datatype`), or "min"/"max" (rows are `?this` and its qualifying values `?v`,
    counted in Python because `datatype` needs rdflib's well-typedness; a result when the
    count is below/above `bound`).
    """

    shape: Node
    path: Node | None
    component: URIRef
    message: str
    severity: URIRef
    query: str
    kind: str = "focus"
    datatype: URIRef | None = None
    bound: int = 0
    screen: str | None = None  # a query with rows wherever this check could have any


_ANNOTATIONS = {SH.message, SH.description, SH.name, SH.order, SH.group, SH.defaultValue}
_SHAPE_KEYS = {SH.severity, SH.deactivated} | _ANNOTATIONS
_VALUE_KEYS = {SH["class"], SH.datatype, SH.nodeKind, SH.languageIn}
_NODE_KEYS = _SHAPE_KEYS | _VALUE_KEYS | {SH.targetClass, SH.property}
_PROPERTY_KEYS = (
    _SHAPE_KEYS
    | _VALUE_KEYS
    | {SH.targetClass, SH.path, SH.minCount, SH.maxCount, SH.qualifiedValueShape}
    | {SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint}
)
_QUALIFIED_KEYS = _ANNOTATIONS | _VALUE_KEYS | {SH.targetClass, SH.severity}
_SHAPE_TYPES = {SH.NodeShape, SH.PropertyShape}
_OTHER_TARGETS = (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
_NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
# datatypes whose conformance SPARQL decides alone (no rdflib well-typedness to ask)
_PLAIN_DATATYPES = {RDFS.Literal, XSD.string, RDF.langString}
_ALLOWED_SEVERITIES = {SH.Info, SH.Warning}  # pySHACL's `allow_warnings=True`

Hierarchy = Mapping[URIRef, Sequence[URIRef]]
"""For each class, its subclasses in the data graph (through `rdfs:subClassOf+`)."""


def compile_shapes(shapes: Graph, hierarchy: Hierarchy | None = None) -> list[Check]:
    """One `Check` per constraint of every shape that has targets, in a stable order.

    Raises `UnsupportedShapeError` for a feature outside the supported subset (see the module doc).
    """
    return _Compiler(shapes, hierarchy or {}).checks()


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
    return all(r.severity in _ALLOWED_SEVERITIES for r in results)


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


@dataclass
class _Compiler:
    shapes: Graph
    hierarchy: Hierarchy
    _vars: Iterator[int] = field(default_factory=count)

    def checks(self) -> list[Check]:
        g = self.shapes
        for component in g.subjects(RDF.type, SH.ConstraintComponent):
            raise UnsupportedShapeError(component, "a custom constraint component")
        for s, _ in g.subject_objects(SH.parameter):
            raise UnsupportedShapeError(s, "sh:parameter (a custom constraint component)")
        for target in _OTHER_TARGETS:
            for s in g.subjects(target, None):
                raise UnsupportedShapeError(s, _curie(target))
        checks: list[Check] = []
        for shape in sorted(set(g.subjects(SH.targetClass, None)), key=_sort_key):
            checks.extend(self._top_level(shape))
        # anything with a SHACL key is a shape for pySHACL; a type other than a shape type
        # (rdfs:Class, say) would give it implicit targets
        shapes = {s for s, p, _ in g if str(p).startswith(str(SH))}
        shapes |= set(g.subjects(RDF.type, SH.NodeShape)) | set(
            g.subjects(RDF.type, SH.PropertyShape)
        )
        for node in sorted(shapes, key=_sort_key):
            self._types(node)
        return checks

    # shapes

    def _top_level(self, shape: Node) -> list[Check]:
        g = self.shapes
        classes = list(g.objects(shape, SH.targetClass))
        for c in classes:
            if not isinstance(c, URIRef):
                raise UnsupportedShapeError(shape, f"sh:targetClass {c!r} (not an IRI)")
        self._types(shape)
        focus = self._focus(sorted(classes, key=_sort_key))  # type: ignore[arg-type]
        if (shape, SH.path, None) in g:
            return self._property_shape(shape, focus)
        if (shape, RDF.type, SH.PropertyShape) in g:
            raise UnsupportedShapeError(shape, "a sh:PropertyShape without sh:path")
        self._keys(shape, _NODE_KEYS, "node shape")
        if self._deactivated(shape):
            return []
        checks = self._value_checks(shape, None, focus, "BIND(?this AS ?v)", "")
        for child in sorted(g.objects(shape, SH.property), key=_sort_key):
            if (child, SH.path, None) not in g:
                raise UnsupportedShapeError(child, "sh:property to a shape without sh:path")
            checks.extend(self._property_shape(child, focus))
        return checks

    def _property_shape(self, shape: Node, focus: str) -> list[Check]:
        g = self.shapes
        self._types(shape)
        if (shape, RDF.type, SH.NodeShape) in g:
            raise UnsupportedShapeError(shape, "sh:path on a sh:NodeShape")
        self._keys(shape, _PROPERTY_KEYS, "property shape")
        if self._deactivated(shape):
            return []
        path = _one(g, shape, SH.path)
        expr = self._path(shape, path)
        values = _Values(focus, lambda o: self._triples(path, "?this", o), expr)
        checks = self._value_checks(shape, path, focus, values.pattern("?v"), "DISTINCT ")
        header = self._header(shape, path)
        minimum = self._count(shape, SH.minCount)
        if minimum is not None and minimum > 0:
            query = values.under(minimum)
            checks.append(Check(*header(SH.MinCountConstraintComponent), query))
        maximum = self._count(shape, SH.maxCount)
        if maximum is not None:
            query = values.over(maximum)
            checks.append(Check(*header(SH.MaxCountConstraintComponent), query))
        checks = self._screened(shape, values, checks, minimum, maximum)
        checks.extend(self._qualified(shape, path, values))
        return checks

    def _screened(
        self,
        shape: Node,
        values: _Values,
        checks: list[Check],
        minimum: int | None,
        maximum: int | None,
    ) -> list[Check]:
        """`checks` (a property shape's value and count checks), those decided in SPARQL
        alone sharing one screen: a single pass over the focus nodes and their values that
        has a row wherever any of them would. On valid data it has none, and they are not
        run (one query instead of two or three). A condition that errs counts as met, as a
        FILTER would take it."""
        g = self.shapes
        plain = (shape, SH.datatype, None) not in g or _one(g, shape, SH.datatype) in (
            _PLAIN_DATATYPES
        )  # a datatype SPARQL decides alone is a "value" check, as the others
        conds = [c for key, c in self._value_constraints(shape) if key != SH.datatype or plain]
        screened = [c for c in checks if c.kind in ("focus", "value")]
        if len(screened) < 2:
            return checks
        flags = [f"COALESCE(IF({cond('?v')}, 0, 1), 0)" for cond in conds]
        binds = "".join(f" BIND({flag} AS ?_bad{i})" for i, flag in enumerate(flags))
        having = [f"SUM(?_bad{i}) > 0" for i in range(len(flags))]
        if minimum is not None and minimum > 0:
            having.append(f"COUNT(DISTINCT ?v) < {minimum}")
        if maximum is not None:
            having.append(f"COUNT(DISTINCT ?v) > {maximum}")
        screen = (
            f"SELECT ?this WHERE {{ {values.focus} OPTIONAL {{ {values.pattern('?v')} }}"
            f"{binds} }} GROUP BY ?this HAVING ({' || '.join(having)}) LIMIT 1"
        )
        return [replace(c, screen=screen) if c in screened else c for c in checks]

    def _qualified(self, shape: Node, path: Node, values: _Values) -> list[Check]:
        g = self.shapes
        value_shapes = sorted(g.objects(shape, SH.qualifiedValueShape), key=_sort_key)
        low = self._count(shape, SH.qualifiedMinCount)
        high = self._count(shape, SH.qualifiedMaxCount)
        for disjoint in g.objects(shape, SH.qualifiedValueShapesDisjoint):
            if not (isinstance(disjoint, Literal) and disjoint.value is False):
                raise UnsupportedShapeError(
                    shape, "sh:qualifiedValueShapesDisjoint other than false"
                )
        if not value_shapes:
            if low is not None or high is not None:
                raise UnsupportedShapeError(
                    shape, "sh:qualifiedMinCount/MaxCount without a value shape"
                )
            return []
        if low is None and high is None:
            raise UnsupportedShapeError(shape, "sh:qualifiedValueShape without a count")
        header = self._header(shape, path)
        checks: list[Check] = []
        for value_shape in value_shapes:
            conds, datatype = self._qualified_shape(value_shape)

            def cond(v: str, conds: list[Callable[[str], str]] = conds) -> str:
                return " && ".join(c(v) for c in conds) or "true"

            if low is not None and low > 0:
                component = SH.QualifiedMinCountConstraintComponent
                if datatype is not None:  # counted in Python, which checks well-typedness
                    query = values.all(cond, optional=True)
                    checks.append(Check(*header(component), query, "min", datatype, low))
                else:
                    checks.append(Check(*header(component), values.under(low, cond)))
            if high is not None:
                component = SH.QualifiedMaxCountConstraintComponent
                if datatype is not None:
                    query = values.all(cond, optional=False)
                    checks.append(Check(*header(component), query, "max", datatype, high))
                else:
                    checks.append(Check(*header(component), values.over(high, cond)))
        return checks

    def _qualified_shape(self, shape: Node) -> tuple[list[Callable[[str], str]], URIRef | None]:
        """The SPARQL conditions a value must meet to conform to a qualified value shape,
        and the datatype whose well-typedness Python must still check, if any."""
        g = self.shapes
        self._types(shape)
        if (shape, SH.path, None) in g or (shape, RDF.type, SH.PropertyShape) in g:
            raise UnsupportedShapeError(shape, "a property shape as sh:qualifiedValueShape")
        self._keys(shape, _QUALIFIED_KEYS, "qualified value shape")
        for severity in g.objects(shape, SH.severity):
            if severity != SH.Violation:
                raise UnsupportedShapeError(shape, "a qualified value shape with a severity")
        conds: list[Callable[[str], str]] = []
        datatype = None
        for key, make in self._value_constraints(shape):
            conds.append(make)
            if key == SH.datatype:
                value = _one(self.shapes, shape, SH.datatype)
                if value not in _PLAIN_DATATYPES:
                    datatype = value
        assert datatype is None or isinstance(datatype, URIRef)
        return conds, datatype

    # constraints

    def _value_checks(
        self, shape: Node, path: Node | None, focus: str, values: str, distinct: str
    ) -> list[Check]:
        """The checks of `sh:class`, `sh:datatype`, `sh:nodeKind` and `sh:languageIn`, on
        the values that `values` binds to `?v` for each `?this` of `focus`."""
        header = self._header(shape, path)
        checks: list[Check] = []
        for key, cond in self._value_constraints(shape):
            component = {
                SH["class"]: SH.ClassConstraintComponent,
                SH.datatype: SH.DatatypeConstraintComponent,
                SH.nodeKind: SH.NodeKindConstraintComponent,
                SH.languageIn: SH.LanguageInConstraintComponent,
            }[key]
            datatype = _one(self.shapes, shape, SH.datatype) if key == SH.datatype else None
            if isinstance(datatype, URIRef) and datatype not in _PLAIN_DATATYPES:
                query = f"SELECT {distinct}?this ?v WHERE {{ {focus} {values} }}"
                checks.append(Check(*header(component), query, "datatype", datatype))
            else:
                query = (
                    f"SELECT {distinct}?this ?v WHERE {{ {focus} {values} "
                    f"FILTER(!({cond('?v')})) }}"
                )
                checks.append(Check(*header(component), query, "value"))
        return checks

    def _value_constraints(self, shape: Node) -> list[tuple[URIRef, Callable[[str], str]]]:
        """(parameter, SPARQL condition on a value variable) for each value constraint;
        `sh:class` gives one condition per class, as pySHACL checks each separately."""
        g = self.shapes
        found: list[tuple[URIRef, Callable[[str], str]]] = []
        for c in sorted(g.objects(shape, SH["class"]), key=_sort_key):
            if not isinstance(c, URIRef):
                raise UnsupportedShapeError(shape, f"sh:class {c!r} (not an IRI)")
            found.append((SH["class"], self._instance_of(c)))
        if (shape, SH.datatype, None) in g:
            datatype = _one(g, shape, SH.datatype)
            if not isinstance(datatype, URIRef) or datatype == RDFS.Datatype:
                raise UnsupportedShapeError(shape, f"sh:datatype {datatype!r}")
            found.append((SH.datatype, _datatype_cond(datatype)))
        if (shape, SH.nodeKind, None) in g:
            kind = _one(g, shape, SH.nodeKind)
            if not isinstance(kind, URIRef) or kind not in _NODE_KINDS:
                raise UnsupportedShapeError(shape, f"sh:nodeKind {kind!r}")
            template = _NODE_KINDS[kind]
            found.append((SH.nodeKind, lambda v: template.format(v=v)))
        if (shape, SH.languageIn, None) in g:
            found.append((SH.languageIn, _language_cond(shape, _one(g, shape, SH.languageIn), g)))
        return found

    # pieces

    def _header(
        self, shape: Node, path: Node | None
    ) -> Callable[[URIRef], tuple[Node, Node | None, URIRef, str, URIRef]]:
        """The fields every check of `shape` starts with, given its constraint component."""
        message = self._message(shape)
        severity = self._severity(shape)

        def header(component: URIRef) -> tuple[Node, Node | None, URIRef, str, URIRef]:
            return (shape, path, component, message(), severity)

        return header

    def _message(self, shape: Node) -> Callable[[], str]:
        messages = list(self.shapes.objects(shape, SH.message))

        def message() -> str:
            if len(messages) != 1 or not isinstance(messages[0], Literal):
                raise UnsupportedShapeError(
                    shape,
                    "a constraint without exactly one literal sh:message (pySHACL's "
                    "default messages are not reproduced)",
                )
            return str(messages[0])

        return message

    def _severity(self, shape: Node) -> URIRef:
        severities = list(self.shapes.objects(shape, SH.severity))
        if not severities:
            return SH.Violation
        if len(severities) > 1 or not isinstance(severities[0], URIRef):
            raise UnsupportedShapeError(shape, "sh:severity other than one IRI")
        return severities[0]

    def _deactivated(self, shape: Node) -> bool:
        values = list(self.shapes.objects(shape, SH.deactivated))
        if len(values) > 1 or (values and not isinstance(values[0], Literal)):
            raise UnsupportedShapeError(shape, "sh:deactivated other than one literal")
        value = values[0] if values else None
        return isinstance(value, Literal) and bool(value.value)  # as pySHACL reads it

    def _count(self, shape: Node, key: URIRef) -> int | None:
        values = list(self.shapes.objects(shape, key))
        if not values:
            return None
        value = values[0]
        if (
            len(values) > 1
            or not isinstance(value, Literal)
            or value.datatype != XSD.integer
            or not isinstance(value.value, int)
            or value.value < 0
        ):
            raise UnsupportedShapeError(shape, f"{_curie(key)} other than one xsd:integer >= 0")
        return int(value.value)

    def _keys(self, shape: Node, allowed: set[URIRef], what: str) -> None:
        for p in sorted(set(self.shapes.predicates(shape, None)), key=_sort_key):
            if str(p).startswith(str(SH)) and p not in allowed:
                raise UnsupportedShapeError(shape, f"{_curie(p)} on a {what}")

    def _types(self, shape: Node) -> None:
        for t in self.shapes.objects(shape, RDF.type):
            if t not in _SHAPE_TYPES:
                raise UnsupportedShapeError(
                    shape,
                    f"a node with SHACL keys typed {_name(t)} (a shape with implicit targets?)",
                )

    def _members(self, c: URIRef) -> list[URIRef]:
        return [c, *sorted(self.hierarchy.get(c, []))]

    def _focus(self, classes: list[URIRef]) -> str:
        """A pattern binding `?this` to each focus node once (`rdf:type` of a target class
        or of one of its subclasses in the data graph)."""
        members = sorted({m for c in classes for m in self._members(c)}, key=_sort_key)
        if len(members) == 1:
            return f"?this <{RDF.type}> {_iri(members[0])} ."
        values = " ".join(_iri(m) for m in members)
        t = self._var()
        return (
            f"{{ SELECT DISTINCT ?this WHERE {{ VALUES {t} {{ {values} }} "
            f"?this <{RDF.type}> {t} }} }}"
        )

    def _instance_of(self, c: URIRef) -> Callable[[str], str]:
        members = self._members(c)
        if len(members) == 1:
            return lambda v: f"EXISTS {{ {v} <{RDF.type}> {_iri(c)} }}"
        values = " ".join(_iri(m) for m in members)
        t = self._var()
        return lambda v: f"EXISTS {{ VALUES {t} {{ {values} }} {v} <{RDF.type}> {t} }}"

    def _var(self) -> str:
        return f"?_{next(self._vars)}"

    def _path(self, shape: Node, path: Node, depth: int = 0) -> str:
        """`path` as a SPARQL property path (checking it is a path pySHACL reads alike)."""
        g = self.shapes
        if depth > 10:
            raise UnsupportedShapeError(shape, "a path nested more than 10 deep")
        if isinstance(path, URIRef):
            return _iri(path)
        if not isinstance(path, BNode):
            raise UnsupportedShapeError(shape, f"sh:path {path!r}")
        keys = set(g.predicates(path, None))
        if (path, RDF.first, None) in g:
            items = list(Collection(g, path))
            if len(items) < 2:
                raise UnsupportedShapeError(shape, "a sequence path of fewer than two steps")
            return "(" + "/".join(self._path(shape, i, depth + 1) for i in items) + ")"
        if len(keys) != 1:
            raise UnsupportedShapeError(shape, f"a path node with {len(keys)} keys")
        (key,) = keys
        assert isinstance(key, URIRef)
        inner = _one(g, path, key)
        if key == SH.inversePath:
            if not isinstance(inner, URIRef):  # pySHACL inverts each step, not the order
                raise UnsupportedShapeError(shape, "sh:inversePath of a path other than an IRI")
            return f"^{_iri(inner)}"
        if key == SH.alternativePath:
            items = list(Collection(g, inner))
            if len(items) < 2:
                raise UnsupportedShapeError(shape, "an alternative path of fewer than two paths")
            return "(" + "|".join(self._path(shape, i, depth + 1) for i in items) + ")"
        ops = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}
        if key in ops:
            return f"({self._path(shape, inner, depth + 1)}){ops[key]}"
        raise UnsupportedShapeError(shape, f"the path operator {_curie(key)}")

    def _triples(self, path: Node, s: str, o: str) -> list[str] | None:
        """`path` from `s` to `o` as triple patterns (for IRIs, inverse IRIs and sequences of
        them), or None: pyoxigraph joins these from the bound end, property paths not."""
        g = self.shapes
        if isinstance(path, URIRef):
            return [f"{s} {_iri(path)} {o} ."]
        if not isinstance(path, BNode):
            return None
        inverse = g.value(path, SH.inversePath)
        if isinstance(inverse, URIRef) and len(set(g.predicates(path, None))) == 1:
            return [f"{o} {_iri(inverse)} {s} ."]
        if (path, RDF.first, None) not in g:
            return None
        steps = list(Collection(g, path))
        ends = [s, *(self._var() for _ in steps[1:]), o]
        patterns: list[str] = []
        for step, a, b in zip(steps, ends, ends[1:], strict=False):
            part = self._triples(step, a, b)
            if part is None:
                return None
            patterns.extend(part)
        return patterns


@dataclass
class _Values:
    """The value nodes of a property shape: query forms over its focus nodes (`?this`)
    and their values, chosen for pyoxigraph (which evaluates NOT EXISTS from the bound end
    only for one triple pattern, and a pair join faster than a grouped count)."""

    focus: str  # a pattern binding ?this
    triples: Callable[[str], list[str] | None]  # the path from ?this to a variable
    expr: str  # the path as a SPARQL property path

    def pattern(self, o: str) -> str:
        triples = self.triples(o)
        return " ".join(triples) if triples is not None else f"?this {self.expr} {o} ."

    def _test(self, cond: Callable[[str], str] | None, *variables: str) -> str:
        return "".join(f" FILTER({cond(v)})" for v in variables) if cond else ""

    def under(self, bound: int, cond: Callable[[str], str] | None = None) -> str:
        """The focus nodes with fewer than `bound` (≥ 1) values (meeting `cond`)."""
        values = f"{self.pattern('?v')}{self._test(cond, '?v')}"
        if bound == 1:
            triples = self.triples("?v")
            if triples is not None and len(triples) == 1:
                return f"SELECT ?this WHERE {{ {self.focus} FILTER NOT EXISTS {{ {values} }} }}"
            return (
                f"SELECT ?this WHERE {{ {self.focus} OPTIONAL {{ {values} }} FILTER(!BOUND(?v)) }}"
            )
        return (
            f"SELECT ?this WHERE {{ {self.focus} OPTIONAL {{ {values} }} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {bound})"
        )

    def over(self, bound: int, cond: Callable[[str], str] | None = None) -> str:
        """The focus nodes with more than `bound` values (meeting `cond`)."""
        values = f"{self.pattern('?v')}{self._test(cond, '?v')}"
        if bound == 0:
            return f"SELECT DISTINCT ?this WHERE {{ {self.focus} {values} }}"
        if bound == 1 and self.triples("?w") is not None:
            return (
                f"SELECT DISTINCT ?this WHERE {{ {self.focus} {values} {self.pattern('?w')}"
                f"{self._test(cond, '?w')} FILTER(!sameTerm(?v, ?w)) }}"
            )
        return (
            f"SELECT ?this WHERE {{ {self.focus} {values} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {bound})"
        )

    def all(self, cond: Callable[[str], str], optional: bool) -> str:
        """Each focus node and its values meeting `cond` (with `optional`, also the focus
        nodes that have none, with `?v` unbound)."""
        values = f"{self.pattern('?v')}{self._test(cond, '?v')}"
        if optional:
            values = f"OPTIONAL {{ {values} }}"
        return f"SELECT DISTINCT ?this ?v WHERE {{ {self.focus} {values} }}"


def _datatype_cond(datatype: URIRef) -> Callable[[str], str]:
    """The SPARQL part of `sh:datatype`: exact for `rdfs:Literal`, `xsd:string` and
    `rdf:langString`; for other datatypes, rdflib's well-typedness is checked after."""
    if datatype == RDFS.Literal:
        return lambda v: f"isLiteral({v})"
    if datatype == RDF.langString:
        return lambda v: f'(isLiteral({v}) && LANG({v}) != "")'
    return lambda v: f"(isLiteral({v}) && DATATYPE({v}) = {_iri(datatype)})"


def _language_cond(shape: Node, head: Node, g: Graph) -> Callable[[str], str]:
    """`sh:languageIn` as pySHACL tests it: the tag, or its first subtag, is in the list
    (ignoring case); `*` admits any tag."""
    if not (head == RDF.nil or (head, RDF.first, None) in g):
        raise UnsupportedShapeError(shape, "sh:languageIn that is not a list")
    ranges = []
    for item in Collection(g, head):
        if not isinstance(item, Literal) or not isinstance(item.value, str):
            raise UnsupportedShapeError(shape, "a sh:languageIn item that is not a string")
        text = str(item).lower()
        if text != "*" and not (text and text.replace("-", "").isalnum() and text.isascii()):
            raise UnsupportedShapeError(shape, f"the sh:languageIn range {text!r}")
        ranges.append(text)
    if "*" in ranges:
        return lambda v: f'(isLiteral({v}) && LANG({v}) != "")'
    if not ranges:
        return lambda v: "false"
    listed = ", ".join(f'"{r}"' for r in sorted(set(ranges)))
    return lambda v: (
        f'(isLiteral({v}) && LANG({v}) != "" && (LCASE(LANG({v})) IN ({listed}) || '
        f'LCASE(STRBEFORE(CONCAT(LANG({v}), "-"), "-")) IN ({listed})))'
    )


def _one(g: Graph, subject: Node, key: URIRef) -> Node:
    values = list(g.objects(subject, key))
    if len(values) != 1:
        raise UnsupportedShapeError(
            subject, f"{len(values)} values of {_curie(key)} (one expected)"
        )
    return values[0]


def _iri(term: Node) -> str:
    if not isinstance(term, URIRef) or any(c in str(term) for c in '<>"{}|^`\\ '):
        raise UnsupportedShapeError(None, f"the term {term!r} in a query")
    return f"<{term}>"


def _sort_key(term: Node) -> tuple[int, str]:
    return (0 if isinstance(term, URIRef) else 1, str(term))


def _curie(term: Node) -> str:
    text = str(term)
    return "sh:" + text[len(str(SH)) :] if text.startswith(str(SH)) else text


def _name(term: Node | None) -> str:
    if isinstance(term, URIRef):
        return str(term).rsplit("/", 1)[-1].rsplit("#", 1)[-1] or str(term)
    return f"[] ({term})" if isinstance(term, BNode) else repr(term)


def shapes_reach(shapes: Graph) -> int | None:
    """How far past a focus node the checks of `shapes` read: the most steps from a focus
    node to a node whose own triples a check reads (its path's steps after the first, and
    one more for `sh:class`). None when a path may go backwards or has no bound (inverse,
    `*`, `+`): then any triple may matter.

    So a focus node's results depend only on the triples of the nodes within that many
    steps forward of it (its own included), which is what lets a rebuild check only the
    nodes near a change (`kg.incremental.units`)."""
    reach = 0
    for shape in set(shapes.subjects(SH.path, None)):
        length = _path_length(shapes, shapes.value(shape, SH.path))
        if length is None:
            return None
        classes = shapes.value(shape, SH["class"]) is not None
        qualified = shapes.value(shape, SH.qualifiedValueShape)
        if qualified is not None and shapes.value(qualified, SH["class"]) is not None:
            classes = True
        reach = max(reach, length - 1 + (1 if classes else 0))
    return reach


def _path_length(g: Graph, path: Node | None) -> int | None:
    if isinstance(path, URIRef):
        return 1
    if path is None or (path, RDF.first, None) not in g:
        if path is not None and (alternatives := g.value(path, SH.alternativePath)) is not None:
            lengths = [_path_length(g, p) for p in Collection(g, alternatives)]
            return None if None in lengths else max(x for x in lengths if x is not None)
        if path is not None and (optional := g.value(path, SH.zeroOrOnePath)) is not None:
            return _path_length(g, optional)
        return None  # inverse, zero-or-more, one-or-more, or not a path
    steps = [_path_length(g, p) for p in Collection(g, path)]
    return None if None in steps else sum(x for x in steps if x is not None)
