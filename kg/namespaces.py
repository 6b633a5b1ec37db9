"""The IRIs Python names directly, as closed namespaces that fail on a typo.

Only terms the code itself needs are here (evidence, mapping annotations); every YAML key's
property comes from the ontology, not from this file.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

BASE = "https://w3id.org/gba-kg/"
ID = Namespace(BASE + "id/")
"""Entities, statements and evidence: `ID["nansha-science-city"]`."""


class GBA(DefinedNamespace):
    """gba-kg ontology terms used by the builder (see ontology/gba.ttl)."""

    _NS = Namespace(BASE + "ontology#")
    _fail = True

    Entity: URIRef
    Evidence: URIRef
    SourceDocument: URIRef
    Omission: URIRef  # a passage left out on purpose, with its reason (kg coverage)
    omissionReason: URIRef


class KG(DefinedNamespace):
    """Mapping annotations: how YAML keys and types map onto the ontology."""

    _NS = Namespace(BASE + "meta#")
    _fail = True

    yamlType: URIRef
    yamlKey: URIRef
    yamlValue: URIRef
    yamlDomain: URIRef
    yamlRange: URIRef
    languages: URIRef
    requiredLanguages: URIRef
    viewColor: URIRef
    viewShape: URIRef
    viewArea: URIRef
    viewGroup: URIRef
    acyclic: URIRef
    oneEnd: URIRef


OA = Namespace("http://www.w3.org/ns/oa#")
PROV = Namespace("http://www.w3.org/ns/prov#")

PREFIXES: dict[str, str] = {
    "gba": str(GBA._NS),
    "gbr": str(ID),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "org": "http://www.w3.org/ns/org#",
    "prov": str(PROV),
    "oa": str(OA),
    "dcterms": "http://purl.org/dc/terms/",
}
"""Prefixes written into every Turtle and JSON-LD output, in this order."""


def shorten(iri: str) -> str:
    """`gbr:guangzhou` for an IRI under one of the project's prefixes, else the IRI."""
    for prefix, base in PREFIXES.items():
        if iri.startswith(base) and len(iri) > len(base):
            return f"{prefix}:{iri[len(base) :]}"
    return iri
