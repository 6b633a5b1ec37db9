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

from kg.pipeline.shacl.checks import Check, ShapeResult, UnsupportedShapeError
from kg.pipeline.shacl.compile import compile_shapes
from kg.pipeline.shacl.reach import shapes_reach
from kg.pipeline.shacl.run import class_hierarchy, conforms, run_checks, shape_results, to_rdflib

__all__ = [
    "Check",
    "ShapeResult",
    "UnsupportedShapeError",
    "class_hierarchy",
    "compile_shapes",
    "conforms",
    "run_checks",
    "shape_results",
    "shapes_reach",
    "to_rdflib",
]
