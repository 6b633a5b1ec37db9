"""The ontology is the single source of truth for the YAML mapping: check it is complete."""

from __future__ import annotations

from collections import Counter

from rdflib import OWL, RDF, RDFS, Literal

from kg.namespaces import GBA, KG
from kg.pipeline.ontology import read_schema

SCHEMA = read_schema()
G = SCHEMA.graph
OURS = str(GBA._NS)


def _langs(term) -> set[str]:
    return {v.language for v in G.objects(term, RDFS.label) if isinstance(v, Literal)}


def test_every_yaml_key_is_unique() -> None:
    keys = Counter(str(k) for k in G.objects(None, KG.yamlKey))
    assert [k for k, n in keys.items() if n > 1] == []
    assert len(keys) == len(SCHEMA.properties)


def test_every_property_of_ours_has_labels_comment_domain_range_and_key() -> None:
    props = {
        p
        for t in (OWL.ObjectProperty, OWL.DatatypeProperty)
        for p in G.subjects(RDF.type, t)
        if str(p).startswith(OURS)
    }
    assert len(props) >= 25
    for prop in sorted(props):
        assert _langs(prop) == {"zh", "en"}, prop
        assert G.value(prop, RDFS.comment) is not None, prop
        assert G.value(prop, RDFS.domain) is not None, prop
        assert G.value(prop, RDFS.range) is not None, prop
        assert G.value(prop, KG.yamlKey) is not None, prop


def test_reused_properties_state_their_yaml_domain_and_range() -> None:
    for prop in SCHEMA.properties.values():
        if not str(prop.iri).startswith(OURS):
            assert G.value(prop.iri, KG.yamlDomain) is not None, prop.iri
            assert G.value(prop.iri, KG.yamlRange) is not None, prop.iri


def test_every_class_has_labels_comment_and_a_unique_type_word() -> None:
    words = Counter(c.yaml_type for c in SCHEMA.classes.values() if c.yaml_type)
    assert [w for w, n in words.items() if n > 1] == []
    for cls in SCHEMA.classes.values():
        assert _langs(cls.iri) == {"zh", "en"}, cls.iri
        assert G.value(cls.iri, RDFS.comment) is not None, cls.iri


def test_the_issue_s_classes_are_there() -> None:
    required = {
        "Person", "Post", "Organization", "City", "ScienceCity", "Laboratory", "TransportLink",
        "Railway", "Road", "BridgeTunnel", "Airport", "Port", "IndustryCluster", "Event",
        "Agreement", "Plan", "Metric",
    }  # fmt: skip
    assert required <= set(SCHEMA.types)


def test_every_range_and_domain_is_a_known_class_or_datatype() -> None:
    for prop in SCHEMA.properties.values():
        for cls in prop.range_classes | (prop.domain - {RDF.Statement}):
            assert cls in SCHEMA.classes, (prop.key, cls)
        if not prop.is_object_property:
            assert prop.datatypes, prop.key


def test_the_ontology_and_shapes_read_by_pyoxigraph_are_what_rdflib_reads() -> None:
    from rdflib import Graph, Literal
    from rdflib.compare import isomorphic

    from kg.pipeline.ontology import default_ontology_dir, read_turtle

    for name in ("gba.ttl", "shapes.ttl"):
        path = default_ontology_dir() / name
        expected = Graph().parse(path, format="turtle")
        got = read_turtle(path)
        assert isomorphic(expected, got), name

        def literals(graph: Graph) -> list[tuple[str, str, str]]:
            found = [o for o in graph.objects() if isinstance(o, Literal)]
            return sorted((str(o), str(o.datatype), str(o.language)) for o in found)

        assert literals(expected) == literals(got), name


def test_issue_19_s_classes_and_keys_are_there_and_hong_kong_is_no_province() -> None:
    required = {
        "SpecialAdministrativeRegion", "Regulation", "Sector", "IndustryChain", "Recognition",
        "Directive", "LeftOut",
    }  # fmt: skip
    assert required <= set(SCHEMA.types)
    sar = SCHEMA.types["SpecialAdministrativeRegion"]
    assert SCHEMA.types["Province"].iri not in sar.ancestors
    assert SCHEMA.types["Regulation"].iri != SCHEMA.types["Plan"].iri
    assert SCHEMA.types["Plan"].iri not in SCHEMA.types["Regulation"].ancestors
    keys = {
        "modality", "bound", "ranking-scope", "measure", "window-since", "members",
        "core-carrier-area-of", "pilot-start-zone-of", "pole-of", "section-of", "edition-of",
        "edition", "position", "recognized-as", "conferred-by", "issued-by", "addressed-to",
        "issued-at", "reason", "ends-not-named", "part-of-sector",
    }  # fmt: skip
    assert keys <= set(SCHEMA.properties)
    assert SCHEMA.properties["linked-with"].one_end  # kg:oneEnd: written at one end only


def test_every_class_an_entity_can_have_is_drawn_with_a_colour_and_a_shape() -> None:
    """The explorer picks colour and shape per class from the ontology (inherited): a new
    class needs no code."""
    for cls in SCHEMA.types.values():
        if GBA.Entity not in cls.ancestors:
            continue  # a passage left out is not drawn
        coloured = [a for a in cls.ancestors if (a, KG.viewColor, None) in G]
        shaped = [a for a in cls.ancestors if (a, KG.viewShape, None) in G]
        assert coloured and shaped, cls.yaml_type
