"""Step 3: turn `Checked` facts into an `rdflib.Graph`, with no blank nodes.

For each entity: its class (and every gba: superclass, so `?x a gba:Place` needs no
reasoner), its labels and its evidence. For each statement: the plain triple
(`gbr:a gba:locatedIn gbr:b`) and a reified `rdf:Statement` node that carries the evidence
(`prov:wasDerivedFrom`) and the qualifiers, so "which quote supports this edge" is one SPARQL
pattern. Each quoted passage becomes one `gba:Evidence` node with a W3C Web Annotation
TextQuoteSelector and TextPositionSelector. IRIs are minted from ids and offsets only.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from rdflib import RDF, XSD, Graph, Literal, URIRef
from rdflib.term import Identifier

from kg.facts import SourcePos
from kg.namespaces import GBA, ID, KG, OA, PROV
from kg.ontology import Schema
from kg.quotes import QuoteMatch
from kg.validate import Checked, CheckedEntity, CheckedStatement

_SAFE = re.compile(r"[A-Za-z0-9-]{1,40}")


@dataclass
class Built:
    """The graph, and where in the YAML each of its nodes came from."""

    graph: Graph
    positions: dict[URIRef, SourcePos] = field(default_factory=dict)
    key_positions: dict[tuple[URIRef, URIRef], SourcePos] = field(default_factory=dict)
    statements: int = 0


def evidence_iri(match: QuoteMatch) -> URIRef:
    """`gbr:SOURCE--START-END`: one node per quoted passage, shared by all its uses."""
    return ID[f"{match.source}--{match.start}-{match.end}"]


def statement_iri(st: CheckedStatement, key: str) -> URIRef:
    """`gbr:SUBJECT--KEY--VALUE`; VALUE is the object's id, or a hash for awkward literals."""
    obj = st.obj
    if isinstance(obj, URIRef):
        part = str(obj).rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    else:
        text = str(obj)
        part = text if _SAFE.fullmatch(text) else "h" + _digest(obj)
    return ID[f"{st.subject}--{key}--{part}"]


def _digest(term: Identifier) -> str:
    return hashlib.sha256(term.n3().encode("utf-8")).hexdigest()[:12]


def build_graph(checked: Checked, schema: Schema) -> Built:
    """Make the RDF graph of `checked` facts."""
    built = Built(Graph())
    for entity in checked.entities:
        _add_entity(built, entity)
    _add_vocabulary(built, schema)
    return built


def _add_vocabulary(built: Built, schema: Schema) -> None:
    """Copy the ontology's description of each unit or status the data uses (type, labels,
    mappings), so the graph is readable and checkable on its own."""
    terms = {t for words in schema.vocabulary.values() for t in words.values()}
    used = {o for o in built.graph.objects() if o in terms}
    for term in used:
        for p, o in schema.graph.predicate_objects(term):
            if not str(p).startswith(str(KG._NS)):
                built.graph.add((term, p, o))


def _add_entity(built: Built, entity: CheckedEntity) -> None:
    g = built.graph
    node = ID[entity.id]
    built.positions[node] = entity.pos
    for ancestor in entity.cls.ancestors:
        if ancestor.startswith(str(GBA._NS)):
            g.add((node, RDF.type, ancestor))
    for prop, literal in entity.labels:
        g.add((node, prop.iri, literal))
        built.key_positions.setdefault((node, prop.iri), entity.key_pos[prop.key])
    for match in entity.evidence:
        g.add((node, PROV.wasDerivedFrom, _add_evidence(built, match, entity.pos)))
    for st in entity.statements:
        _add_statement(built, node, st)
        built.key_positions.setdefault((node, st.prop.iri), entity.key_pos[st.prop.key])


def _add_statement(built: Built, subject: URIRef, st: CheckedStatement) -> None:
    g = built.graph
    g.add((subject, st.prop.iri, st.obj))
    if st.prop.is_symmetric and isinstance(st.obj, URIRef):
        g.add((st.obj, st.prop.iri, subject))
    node = statement_iri(st, st.prop.key)
    built.positions[node] = st.pos
    built.statements += 1
    g.add((node, RDF.type, RDF.Statement))
    g.add((node, RDF.subject, subject))
    g.add((node, RDF.predicate, st.prop.iri))
    g.add((node, RDF.object, st.obj))
    for match in st.evidence:
        g.add((node, PROV.wasDerivedFrom, _add_evidence(built, match, st.pos)))
    for prop, literal in st.qualifiers:
        g.add((node, prop.iri, literal))


def _add_evidence(built: Built, match: QuoteMatch, pos: SourcePos) -> URIRef:
    node = evidence_iri(match)
    if node in built.positions:
        return node
    built.positions[node] = pos
    g = built.graph
    source = ID[match.source]
    quote = URIRef(f"{node}--quote")
    position = URIRef(f"{node}--position")
    g.add((node, RDF.type, GBA.Evidence))
    g.add((node, OA.hasSource, source))
    g.add((node, PROV.wasQuotedFrom, source))
    g.add((node, OA.hasSelector, quote))
    g.add((node, OA.hasSelector, position))
    g.add((quote, RDF.type, OA.TextQuoteSelector))
    g.add((quote, OA.exact, Literal(match.exact)))
    if match.prefix:
        g.add((quote, OA.prefix, Literal(match.prefix)))
    if match.suffix:
        g.add((quote, OA.suffix, Literal(match.suffix)))
    g.add((position, RDF.type, OA.TextPositionSelector))
    g.add((position, OA.start, Literal(match.start, datatype=XSD.nonNegativeInteger)))
    g.add((position, OA.end, Literal(match.end, datatype=XSD.nonNegativeInteger)))
    return node
