"""Property-based: any label text survives YAML → graph → every RDF format → parse, exactly."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import RDFS, Graph, Literal

from kg.build import build_graph
from kg.export import WRITERS, Graphs
from kg.load import load_facts
from kg.namespaces import ID
from kg.ontology import read_schema
from kg.quotes import read_sources
from kg.validate import check_facts
from tests.conftest import MINI

SCHEMA = read_schema()
FORMATS = {"turtle": "turtle", "nt": "nt", "json-ld": "json-ld"}

# any Unicode text but surrogates, which UTF-8 cannot hold
TEXT = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40).filter(
    lambda t: t.strip() != ""
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(zh=TEXT, en=TEXT)
def test_label_text_survives_every_format(zh: str, en: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(MINI, data)
        doc = {
            "source": "mini-source",
            "entities": [
                {"id": "x", "type": "City", "label": {"zh": zh, "en": en}, "quote": "深圳"}
            ],
        }
        (data / "x.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        checked = check_facts(load_facts(data), SCHEMA, read_sources(data / "sources"))
    built = build_graph(checked, SCHEMA)
    graphs = Graphs(built.graph, SCHEMA)
    expected = {Literal(zh.strip(), lang="zh"), Literal(en.strip(), lang="en")}
    for name, rdflib_format in FORMATS.items():
        parsed = Graph().parse(data=WRITERS[name].write(graphs), format=rdflib_format)
        assert set(parsed.objects(ID["x"], RDFS.label)) == expected, name
