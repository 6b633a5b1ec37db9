"""Outputs are deterministic, listed in a manifest, and replaced all at once or not at all."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from rdflib import RDF, XSD, Graph, Literal, URIRef

import kg
from kg.outputs.export import WRITERS, Graphs, Writer
from kg.pipeline.ontology import read_schema
from tests.conftest import MINI, ROOT

SCHEMA = read_schema()

OUTPUTS = sorted([w.filename for w in WRITERS.values()] + ["manifest.json"])


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (the build cache's record included), by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_build_writes_every_output_and_a_manifest(tmp_path: Path) -> None:
    kg.build(MINI, tmp_path / "out")
    files = _snapshot(tmp_path / "out")
    assert sorted(files) == OUTPUTS
    manifest = json.loads(files["manifest.json"])
    assert [f["name"] for f in manifest["files"]] == sorted(set(OUTPUTS) - {"manifest.json"})
    for entry in manifest["files"]:
        data = files[entry["name"]]
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()


def test_two_builds_with_different_hash_seeds_are_byte_identical(tmp_path: Path) -> None:
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-m", "kg", "build", str(MINI), "--out", str(tmp_path / seed)],
            check=True,
            env=env,
            capture_output=True,
        )
    first, second = _snapshot(tmp_path / "1"), _snapshot(tmp_path / "2")
    # the index of the last build records each output's size, time and inode (kg.patch)
    index = ".kg-cache/units/last-build.index"
    assert first.pop(index) != second.pop(index)
    assert first == second


def test_a_failed_build_leaves_the_old_outputs_byte_identical(data_dir: Path) -> None:
    out = data_dir.parent / "build"
    kg.build(data_dir, out)
    before = _snapshot(out)
    (data_dir / "bad.yaml").write_text("entities:\n  - id: Bad\n", encoding="utf-8")
    with pytest.raises(kg.KgError):
        kg.build(data_dir, out)
    assert _snapshot(out) == before


def test_a_failed_first_build_creates_no_output_folder(data_dir: Path) -> None:
    (data_dir / "bad.yaml").write_text("entities: [\n", encoding="utf-8")
    with pytest.raises(kg.KgError):
        kg.build(data_dir, data_dir.parent / "build")
    assert not (data_dir.parent / "build").exists()


def test_a_writer_that_fails_midway_changes_nothing_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    kg.build(MINI, out)
    before = _snapshot(out)

    def broken(graphs):
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(WRITERS, "nt", Writer("graph.nt", "x", broken))
    with pytest.raises(RuntimeError):
        kg.build(MINI, out)
    assert _snapshot(out) == before  # and no .kg-* staging folder is left


def test_only_the_chosen_formats_are_written(tmp_path: Path) -> None:
    result = kg.build(MINI, tmp_path, formats=["turtle"])
    assert sorted(o.name for o in result.outputs) == ["graph.ttl", "manifest.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.ttl", "manifest.json"]


def test_html_view_is_offline_and_holds_every_entity(tmp_path: Path) -> None:
    kg.build(MINI, tmp_path, formats=["html"])
    html = (tmp_path / "network.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in html
    for needle in ("<script src", "<link", "http://cdn", "https://cdn", "@import"):
        assert needle not in html, needle
    for label in ("白云国际机场", "深圳宝安国际机场", "深中通道", "Zhongshan"):
        assert label in html


def _jsonld_by_pyoxigraph(graphs: Graphs) -> bytes:
    """The reference: pyoxigraph's JSON-LD writer, indented by the json module."""
    data = ox.serialize(graphs.triples, format=ox.RdfFormat.JSON_LD)
    assert data is not None
    return (json.dumps(json.loads(data), ensure_ascii=False, indent=1) + "\n").encode("utf-8")


@pytest.mark.parametrize("data", [ROOT / "data", MINI], ids=["data", "mini"])
def test_json_ld_is_what_pyoxigraph_writes_indented(data: Path) -> None:
    result = kg.check(data)
    graphs = Graphs(result.built, result.schema)
    assert WRITERS["json-ld"].write(graphs) == _jsonld_by_pyoxigraph(graphs)


def test_json_ld_escapes_like_the_json_module() -> None:
    g = Graph()
    s = URIRef("https://example.org/s")
    for i, text in enumerate(['a "quote" \\ \n\t\r', "\u2028 é 深圳 \x7f", "", "</script>"]):
        g.add((s, URIRef(f"https://example.org/p{i}"), Literal(text)))
        g.add((s, URIRef(f"https://example.org/q{i}"), Literal(text, lang="zh")))
    g.add((s, URIRef("https://example.org/n"), Literal("3", datatype=XSD.positiveInteger)))
    g.add((URIRef("https://example.org/t"), RDF.type, s))
    graphs = Graphs(g, SCHEMA)
    written = WRITERS["json-ld"].write(graphs)
    assert written == _jsonld_by_pyoxigraph(graphs)
    assert json.loads(written)[0]["https://example.org/p0"] == [{"@value": 'a "quote" \\ \n\t\r'}]
    assert WRITERS["json-ld"].write(Graphs(Graph(), SCHEMA)) == b"[]\n"


def _graphml_by_networkx(graphs: Graphs) -> bytes:
    """The reference: the network flattened into networkx and written by networkx."""
    flat = nx.MultiDiGraph()
    node_keys = ("label_zh", "label_en", "type", "type_zh", "kind", "iri")
    for node, attrs in graphs.network.nodes(data=True):
        flat.add_node(node, **{k: v for k, v in attrs.items() if k in node_keys})
    for u, v, key, attrs in graphs.network.edges(keys=True, data=True):
        values = {k: x for k, x in attrs.items() if k in ("label_en", "label_zh")}
        flat.add_edge(u, v, key=f"{u}--{key}--{v}", quotes="\n".join(attrs["quotes"]), **values)
    buffer = io.BytesIO()
    nx.write_graphml(flat, buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue()


@pytest.mark.parametrize("data", [ROOT / "data", MINI], ids=["data", "mini"])
def test_graphml_is_what_networkx_writes(data: Path) -> None:
    result = kg.check(data)
    graphs = Graphs(result.built, result.schema)
    assert WRITERS["graphml"].write(graphs) == _graphml_by_networkx(graphs)


def test_graphml_escapes_like_networkx() -> None:
    hostile = "a & b < c > d \"e\" 'f'\n\tg\r"
    net = nx.MultiDiGraph()
    net.add_node('n&"1', label_zh=hostile, label_en="", type="T", type_zh="", kind="K", iri="x")
    net.add_node("n2", label_zh="深圳", label_en="Shenzhen", type="T", kind="K", iri="y")
    net.add_node("lonely")
    net.add_edge('n&"1', "n2", key="p<1>", quotes=[hostile, "第二"], label_en="p", label_zh="")
    net.add_edge("n2", "n2", key="self", quotes=[], label_en="q & r", label_zh="自")
    graphs = Graphs(Graph(), SCHEMA, network=net)
    written = WRITERS["graphml"].write(graphs)
    assert written == _graphml_by_networkx(graphs)
    back = nx.read_graphml(io.BytesIO(written))
    assert back.nodes['n&"1']["label_zh"] == hostile.replace("\r", "\n")  # XML reads CR as LF


def test_a_writer_failing_in_a_first_build_leaves_no_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(graphs: Graphs) -> bytes:
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(WRITERS, "turtle", Writer("graph.ttl", "x", broken))
    with pytest.raises(RuntimeError):
        kg.build(MINI, tmp_path / "new")
    assert not (tmp_path / "new").exists()
