"""Property-based: any text a curator may write as a label, an alternative label or a text
value survives YAML → graph → every RDF format → parse (by rdflib and by pyoxigraph), exactly
as the builder stores it: the text in Unicode NFC, labels without surrounding whitespace."""

from __future__ import annotations

import shutil
import tempfile
import unicodedata
from pathlib import Path

import pyoxigraph as ox
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rdflib import RDFS, SKOS, Graph, Literal, URIRef

from kg.namespaces import GBA, ID
from kg.outputs.export import WRITERS, Graphs
from kg.pipeline.build import build_graph
from kg.pipeline.characters import FORBIDDEN
from kg.pipeline.load import load_facts
from kg.pipeline.ontology import read_schema
from kg.pipeline.quotes import read_sources
from kg.pipeline.validate import check_facts
from tests.conftest import MINI

SCHEMA = read_schema()
AIM = SCHEMA.properties["aim"].iri  # a language map, like label
PLAIN = SCHEMA.properties["ends-not-named"].iri  # a plain text value
FORMATS = {"turtle": "turtle", "nt": "nt", "json-ld": "json-ld"}
OX_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "json-ld": ox.RdfFormat.JSON_LD,
}

# any Unicode text but surrogates (UTF-8 cannot hold them) and the characters the loader
# rejects (control, bidi-control and invisible ones; TAB, LF and CR stay allowed)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40).filter(
    lambda t: t.strip() != "" and FORBIDDEN.search(t) is None
)
HARD = [
    'triple """ quotes',
    "trailing backslash \\",
    "carriage\r\nreturn",
    "tab\there",
    '<http://example.org/x> <http://example.org/p> "o" .',
    "@prefix gbr: <https://w3id.org/gba-kg/id/> .",
    "e\u0301 decomposed",
]


def _label(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip())


def _graph_for(doc: dict[str, object]) -> Graphs:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(MINI, data)
        (data / "x.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        checked = check_facts(load_facts(data), SCHEMA, read_sources(data / "sources"))
    return Graphs(build_graph(checked, SCHEMA).graph, SCHEMA)


def _ox_objects(data: bytes, fmt: ox.RdfFormat, predicate: URIRef) -> set[Literal]:
    out = set()
    for quad in ox.parse(data, fmt):
        if quad.subject == ox.NamedNode(str(ID["x"])) and quad.predicate.value == str(predicate):
            obj = quad.object
            assert isinstance(obj, ox.Literal)
            out.add(Literal(obj.value, lang=obj.language) if obj.language else Literal(obj.value))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(zh=TEXT, en=TEXT, alt=st.lists(TEXT, min_size=1, max_size=3), aim=TEXT)
@example(zh=HARD[0], en=HARD[1], alt=HARD[2:5], aim=HARD[5])
@example(zh=HARD[6], en=HARD[3], alt=[HARD[0], HARD[6] + "x"], aim=HARD[1])
def test_text_survives_every_format(zh: str, en: str, alt: list[str], aim: str) -> None:
    alts = {_label(a): a for a in alt}  # one of each after NFC, or it is a repeated value
    entity: dict[str, object] = {
        "id": "x",
        "type": "Railway",
        "label": {"zh": zh, "en": en},
        "alt": {"en": list(alts.values())},
        "aim": {"zh": aim},
        "ends-not-named": aim,
        "quote": "深圳",
    }
    doc = {"source": "mini-source", "entities": [entity]}
    graphs = _graph_for(doc)
    expected = {
        RDFS.label: {Literal(_label(zh), lang="zh"), Literal(_label(en), lang="en")},
        SKOS.altLabel: {Literal(a, lang="en") for a in alts},
        AIM: {Literal(_label(aim), lang="zh")},
        PLAIN: {Literal(unicodedata.normalize("NFC", aim))},
    }
    for name, rdflib_format in FORMATS.items():
        data = WRITERS[name].write(graphs)
        parsed = Graph().parse(data=data, format=rdflib_format)
        for predicate, literals in expected.items():
            assert set(parsed.objects(ID["x"], predicate)) == literals, (name, predicate)
            assert _ox_objects(data, OX_FORMATS[name], predicate) == literals, (name, predicate)


def test_the_plain_text_property_is_a_string_and_the_aim_a_language_map() -> None:
    assert SCHEMA.properties["ends-not-named"].datatypes[0].endswith("#string")
    assert SCHEMA.properties["aim"].is_lang_string
    assert SCHEMA.properties["aim"].languages == ("zh", "en")
    assert str(AIM).startswith(str(GBA._NS)) and str(PLAIN).startswith(str(GBA._NS))
