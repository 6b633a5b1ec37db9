"""What is said about one IRI: the SPARQL behind its description and its page.

Both `kg serve` (through its worker pool) and `kg site` (on the whole graph) run these
same queries, so a served page and a static page show the same facts. An IRI's id is
checked against `IRI_ID` before it is put into a query's text.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from kg.namespaces import ID, PREFIXES

IRI_ID = re.compile(r"[a-z0-9]+(?:--?[a-z0-9]+)*")
"""The local names under the entity namespace: entities (`shenzhen`), and the statements,
evidence and selectors the builder names after them (`shenzhen--part-of--guangdong`)."""

_HEAD = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX gba: <https://w3id.org/gba-kg/ontology#>
"""

_OWN = """
  {{ BIND(<{iri}> AS ?s) ?s ?p ?o }}
  UNION {{ ?s rdf:subject <{iri}> ; ?p ?o }}
  UNION {{ {{ <{iri}> prov:wasDerivedFrom ?s }} UNION {{ ?st rdf:subject <{iri}> ;
           prov:wasDerivedFrom ?s }} ?s ?p ?o }}
  UNION {{ {{ <{iri}> prov:wasDerivedFrom ?ev }} UNION {{ ?st rdf:subject <{iri}> ;
           prov:wasDerivedFrom ?ev }} ?ev oa:hasSelector ?s . ?s ?p ?o }}"""

DESCRIPTION = _HEAD + "CONSTRUCT {{ ?s ?p ?o }} WHERE {{" + _OWN + "\n}}"
"""An IRI's description: its triples, the statement nodes about it, and the evidence of
both with its selectors. This is what `/id/ID` answers in Turtle, N-Triples and JSON-LD."""

PAGE = (
    _HEAD
    + "CONSTRUCT {{ ?s ?p ?o }} WHERE {{"
    + _OWN
    + """
  UNION {{ ?s rdf:object <{iri}> ; ?p ?o }}
  UNION {{ ?s oa:hasSelector <{iri}> ; ?p ?o FILTER(?p IN (oa:hasSource, oa:hasSelector)) }}
  UNION {{ {{ <{iri}> prov:wasDerivedFrom ?ev }} UNION {{ ?st rdf:subject <{iri}> ;
           prov:wasDerivedFrom ?ev }} ?ev oa:hasSource ?s . ?s ?p ?o }}
  UNION {{ ?s oa:hasSource <{iri}> ; ?p ?o }}
  UNION {{ ?ev oa:hasSource <{iri}> ; oa:hasSelector ?s . ?s ?p ?o }}
  UNION {{ ?ev oa:hasSource <{iri}> . ?s prov:wasDerivedFrom ?ev ; ?p ?o
           FILTER(?p IN (rdf:subject, prov:wasDerivedFrom)) }}
  UNION {{
    {{ SELECT DISTINCT ?s WHERE {{
      {{ <{iri}> ?x ?s }} UNION {{ ?st rdf:subject <{iri}> ; ?x ?s }}
      UNION {{ ?st rdf:object <{iri}> ; rdf:subject ?s }}
      UNION {{ {{ <{iri}> prov:wasDerivedFrom ?ev }} UNION {{ ?st rdf:subject <{iri}> ;
               prov:wasDerivedFrom ?ev }} ?ev oa:hasSource ?src . ?src ?x ?s }}
      UNION {{ ?ev oa:hasSource <{iri}> . ?st prov:wasDerivedFrom ?ev ; rdf:subject ?s }}
      UNION {{ ?ev oa:hasSource <{iri}> . ?s prov:wasDerivedFrom ?ev ; a gba:Entity }}
      FILTER(isIRI(?s))
    }} }}
    ?s ?p ?o FILTER(?p IN (rdf:type, rdfs:label, skos:altLabel))
  }}
}}"""
)
"""What an IRI's page shows: its description; the statements that point at it; the sources
it is quoted from; for a source, every passage quoted from it and what each supports; and
the labels and classes of everything named there."""

MEMBERS = (
    _HEAD
    + """CONSTRUCT {{ ?s a ?t ; rdfs:label ?l ; skos:altLabel ?a }} WHERE {{
  ?s a <{iri}> , ?t .
  OPTIONAL {{ ?s rdfs:label ?l }} OPTIONAL {{ ?s skos:altLabel ?a }}
}}"""
)
"""A class page: its members, each with its classes and names."""

COUNTS = (
    _HEAD
    + """CONSTRUCT {{ ?c <urn:gba-kg:members> ?n }} WHERE {{
  {{ SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{
       {{ ?s a gba:Entity }} UNION {{ ?s a gba:Omission }} ?s a ?c }} GROUP BY ?c }}
}}"""
)
"""The index: how many entities each class has (a made-up predicate carries the count);
passages left out count as entities, as `kg build` counts them."""

NAMES = (
    _HEAD
    + """CONSTRUCT {{ ?s a ?t ; rdfs:label ?l ; skos:altLabel ?a }} WHERE {{
  {{ ?s a gba:Entity }} UNION {{ ?s a gba:Omission }}
  ?s a ?t . OPTIONAL {{ ?s rdfs:label ?l }} OPTIONAL {{ ?s skos:altLabel ?a }}
}}"""
)
"""The search index and the index's sources: every entity's classes and names."""

MEMBER_COUNT = ox.NamedNode("urn:gba-kg:members")


def query_for(template: str, iri: str = "") -> str:
    """`template` with `iri` put in; `iri` must be an entity-namespace IRI whose id matches
    `IRI_ID`, or an IRI of the ontology (class pages)."""
    if iri.startswith(str(ID)):
        if not IRI_ID.fullmatch(iri[len(str(ID)) :]):
            raise ValueError(f"not an id of the graph: {iri!r}")
    elif iri and not re.fullmatch(r"https://w3id\.org/gba-kg/ontology#[A-Za-z][A-Za-z0-9-]*", iri):
        raise ValueError(f"not an IRI of the ontology: {iri!r}")
    return template.format(iri=iri)


def serialize(triples: list[ox.Triple], fmt: str) -> bytes:
    """Triples as Turtle (with the project's prefixes), N-Triples or JSON-LD, sorted so
    that the same triples always give the same bytes."""
    ordered = sorted(triples, key=str)
    if fmt == "turtle":
        data = ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    elif fmt == "nt":
        data = ox.serialize(ordered, format=ox.RdfFormat.N_TRIPLES)
    elif fmt == "jsonld":
        data = ox.serialize(ordered, format=ox.RdfFormat.JSON_LD)
    else:
        raise ValueError(f"unknown graph format {fmt!r}")
    assert data is not None
    return bytes(data)


MEDIA_TYPES = {
    "turtle": "text/turtle; charset=utf-8",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
}
"""The description formats and their media types."""

SUFFIXES = {"turtle": "ttl", "nt": "nt", "jsonld": "jsonld"}
"""The file name suffix of each description format (`/id/ID.ttl`, `id/ID.ttl`)."""
