"""The shapes graph compiled to one SPARQL SELECT per (shape, constraint): see
`kg.pipeline.shacl` for the subset supported."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from itertools import count

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from kg.pipeline.shacl.checks import (
    Check,
    Hierarchy,
    UnsupportedShapeError,
    curie,
    iri,
    name_of,
    one,
    sort_key,
)
from kg.pipeline.shacl.values import Values, datatype_cond, language_cond

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


def compile_shapes(shapes: Graph, hierarchy: Hierarchy | None = None) -> list[Check]:
    """One `Check` per constraint of every shape that has targets, in a stable order.

    Raises `UnsupportedShapeError` for a feature outside the supported subset (see the module doc).
    """
    return _Compiler(shapes, hierarchy or {}).checks()


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
                raise UnsupportedShapeError(s, curie(target))
        checks: list[Check] = []
        for shape in sorted(set(g.subjects(SH.targetClass, None)), key=sort_key):
            checks.extend(self._top_level(shape))
        # anything with a SHACL key is a shape for pySHACL; a type other than a shape type
        # (rdfs:Class, say) would give it implicit targets
        shapes = {s for s, p, _ in g if str(p).startswith(str(SH))}
        shapes |= set(g.subjects(RDF.type, SH.NodeShape)) | set(
            g.subjects(RDF.type, SH.PropertyShape)
        )
        for node in sorted(shapes, key=sort_key):
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
        focus = self._focus(sorted(classes, key=sort_key))  # type: ignore[arg-type]
        if (shape, SH.path, None) in g:
            return self._property_shape(shape, focus)
        if (shape, RDF.type, SH.PropertyShape) in g:
            raise UnsupportedShapeError(shape, "a sh:PropertyShape without sh:path")
        self._keys(shape, _NODE_KEYS, "node shape")
        if self._deactivated(shape):
            return []
        checks = self._value_checks(shape, None, focus, "BIND(?this AS ?v)", "")
        for child in sorted(g.objects(shape, SH.property), key=sort_key):
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
        path = one(g, shape, SH.path)
        expr = self._path(shape, path)
        values = Values(focus, lambda o: self._triples(path, "?this", o), expr)
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
        values: Values,
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
        plain = (shape, SH.datatype, None) not in g or one(g, shape, SH.datatype) in (
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

    def _qualified(self, shape: Node, path: Node, values: Values) -> list[Check]:
        g = self.shapes
        value_shapes = sorted(g.objects(shape, SH.qualifiedValueShape), key=sort_key)
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
                value = one(self.shapes, shape, SH.datatype)
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
            datatype = one(self.shapes, shape, SH.datatype) if key == SH.datatype else None
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
        for c in sorted(g.objects(shape, SH["class"]), key=sort_key):
            if not isinstance(c, URIRef):
                raise UnsupportedShapeError(shape, f"sh:class {c!r} (not an IRI)")
            found.append((SH["class"], self._instance_of(c)))
        if (shape, SH.datatype, None) in g:
            datatype = one(g, shape, SH.datatype)
            if not isinstance(datatype, URIRef) or datatype == RDFS.Datatype:
                raise UnsupportedShapeError(shape, f"sh:datatype {datatype!r}")
            found.append((SH.datatype, datatype_cond(datatype)))
        if (shape, SH.nodeKind, None) in g:
            kind = one(g, shape, SH.nodeKind)
            if not isinstance(kind, URIRef) or kind not in _NODE_KINDS:
                raise UnsupportedShapeError(shape, f"sh:nodeKind {kind!r}")
            template = _NODE_KINDS[kind]
            found.append((SH.nodeKind, lambda v: template.format(v=v)))
        if (shape, SH.languageIn, None) in g:
            found.append((SH.languageIn, language_cond(shape, one(g, shape, SH.languageIn), g)))
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
            raise UnsupportedShapeError(shape, f"{curie(key)} other than one xsd:integer >= 0")
        return int(value.value)

    def _keys(self, shape: Node, allowed: set[URIRef], what: str) -> None:
        for p in sorted(set(self.shapes.predicates(shape, None)), key=sort_key):
            if str(p).startswith(str(SH)) and p not in allowed:
                raise UnsupportedShapeError(shape, f"{curie(p)} on a {what}")

    def _types(self, shape: Node) -> None:
        for t in self.shapes.objects(shape, RDF.type):
            if t not in _SHAPE_TYPES:
                raise UnsupportedShapeError(
                    shape,
                    f"a node with SHACL keys typed {name_of(t)} (a shape with implicit targets?)",
                )

    def _members(self, c: URIRef) -> list[URIRef]:
        return [c, *sorted(self.hierarchy.get(c, []))]

    def _focus(self, classes: list[URIRef]) -> str:
        """A pattern binding `?this` to each focus node once (`rdf:type` of a target class
        or of one of its subclasses in the data graph)."""
        members = sorted({m for c in classes for m in self._members(c)}, key=sort_key)
        if len(members) == 1:
            return f"?this <{RDF.type}> {iri(members[0])} ."
        values = " ".join(iri(m) for m in members)
        t = self._var()
        return (
            f"{{ SELECT DISTINCT ?this WHERE {{ VALUES {t} {{ {values} }} "
            f"?this <{RDF.type}> {t} }} }}"
        )

    def _instance_of(self, c: URIRef) -> Callable[[str], str]:
        members = self._members(c)
        if len(members) == 1:
            return lambda v: f"EXISTS {{ {v} <{RDF.type}> {iri(c)} }}"
        values = " ".join(iri(m) for m in members)
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
            return iri(path)
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
        inner = one(g, path, key)
        if key == SH.inversePath:
            if not isinstance(inner, URIRef):  # pySHACL inverts each step, not the order
                raise UnsupportedShapeError(shape, "sh:inversePath of a path other than an IRI")
            return f"^{iri(inner)}"
        if key == SH.alternativePath:
            items = list(Collection(g, inner))
            if len(items) < 2:
                raise UnsupportedShapeError(shape, "an alternative path of fewer than two paths")
            return "(" + "|".join(self._path(shape, i, depth + 1) for i in items) + ")"
        ops = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}
        if key in ops:
            return f"({self._path(shape, inner, depth + 1)}){ops[key]}"
        raise UnsupportedShapeError(shape, f"the path operator {curie(key)}")

    def _triples(self, path: Node, s: str, o: str) -> list[str] | None:
        """`path` from `s` to `o` as triple patterns (for IRIs, inverse IRIs and sequences of
        them), or None: pyoxigraph joins these from the bound end, property paths not."""
        g = self.shapes
        if isinstance(path, URIRef):
            return [f"{s} {iri(path)} {o} ."]
        if not isinstance(path, BNode):
            return None
        inverse = g.value(path, SH.inversePath)
        if isinstance(inverse, URIRef) and len(set(g.predicates(path, None))) == 1:
            return [f"{o} {iri(inverse)} {s} ."]
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
