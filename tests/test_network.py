"""The network explorer's data: every entity and relation, each fact with its evidence and
YAML line, the same bytes every time, and `kg view`."""

from __future__ import annotations

import gc
import json
import math
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import example, given
from hypothesis import strategies as strat
from rdflib import RDF, URIRef

import kg
from kg.cli import main
from kg.explorer.layout import network_layout, overview
from kg.explorer.network import focus_network, surrounding_sentence
from kg.explorer.page import (
    _script_json,
    _script_json_parts,
    group_rank,
    node_size,
    render_network,
)
from kg.namespaces import GBA
from kg.outputs.export import Graphs
from tests.conftest import MINI, ROOT

FILE_LINE = re.compile(r"^.+\.yaml:\d+$")


@pytest.fixture(scope="module")
def mini() -> kg.Result:
    return kg.check(MINI)


@pytest.fixture(scope="module")
def graphs(mini: kg.Result) -> Graphs:
    texts = mini.texts
    return Graphs(mini.graph, mini.schema, mini.built.positions, texts)


def page_data(html: str) -> dict:
    start = html.index('<script type="application/json" id="kg-data">')
    text = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(text)


def relations(result: kg.Result) -> set[tuple[str, str, str]]:
    """Object-property statements between entities, a symmetric one counted once."""
    entities = set(result.graph.subjects(RDF.type, GBA.Entity))
    out = set()
    for st in result.graph.subjects(RDF.type, RDF.Statement):
        s, p, o = (result.graph.value(st, x) for x in (RDF.subject, RDF.predicate, RDF.object))
        prop = result.schema.by_iri.get(p)
        if s in entities and o in entities and prop is not None:
            if prop.is_symmetric and str(s) > str(o):
                s, o = o, s
            out.add((str(s), prop.key, str(o)))
    return out


@pytest.mark.parametrize("folder", [MINI, ROOT / "data"], ids=["mini", "data"])
def test_every_entity_is_a_node_and_every_relation_an_edge(folder: Path) -> None:
    result = kg.check(folder)
    net = Graphs(result.graph, result.schema, result.built.positions).network
    entities = {str(e).rsplit("/", 1)[1] for e in result.graph.subjects(RDF.type, GBA.Entity)}
    assert set(net.nodes) == entities
    edges = {(u, k, v) for u, v, k in net.edges(keys=True)}
    assert edges == {(s.rsplit("/", 1)[1], k, o.rsplit("/", 1)[1]) for s, k, o in relations(result)}
    data = page_data(render_network(net, result.schema))
    assert len(data["nodes"]) == len(data["vis"]["nodes"]) == net.number_of_nodes()
    assert len(data["edges"]) == len(data["vis"]["edges"]) == net.number_of_edges()


def test_every_edge_has_its_statements_quotes_sources_and_yaml_lines(graphs: Graphs) -> None:
    net = graphs.network
    statements, evidence = net.graph["statements"], net.graph["evidence"]
    for u, v, key, attrs in net.edges(keys=True, data=True):
        assert attrs["statements"], (u, key, v)
        for st_id in attrs["statements"]:
            st = statements[st_id]
            assert st["key"] == key and {st["subject"], st["object"]["node"]} == {u, v}
            assert FILE_LINE.match(st["file_line"]), st
            assert st["evidence"]
            for ev_id in st["evidence"]:
                ev = evidence[ev_id]
                assert ev["exact"] and ev["source"] in net.graph["sources"]
    # the link between the two airports, with its quote in its whole sentence and its line
    (st_id,) = net.edges["baiyun-airport", "shenzhen-baoan-airport", "linked-with"]["statements"]
    st = statements[st_id]
    assert st["file_line"] == f"{MINI / 'entities.yaml'}:16"
    (ev,) = (evidence[e] for e in st["evidence"])
    assert ev["exact"] == "促进白云国际空港与深圳宝安国际机场协同发展"
    assert ev["before"] == "加快推进白云国际机场三期扩建工程,"
    assert ev["after"] == ",共同推动优化珠三角空域资源,提升广州、深圳国际航空枢纽竞争力;"
    source = net.graph["sources"][ev["source"]]
    assert source["publisher_zh"] == "读特" and source["date"] == "2020-11-23"
    assert source["title_zh"] == "建设先行示范区既是深圳也是广州的重大历史机遇"


def test_nodes_carry_their_facts_evidence_and_yaml_line(graphs: Graphs) -> None:
    node = graphs.network.nodes["baiyun-airport-phase-3"]
    assert node["file_line"] == [f"{MINI / 'entities.yaml'}:19"]
    facts = [graphs.network.graph["statements"][s] for s in node["facts"]]
    by_key = {f["key"]: f for f in facts}
    assert set(by_key) == {"phase", "phase-of", "status"}
    assert by_key["phase"]["object"] == {"zh": "3", "en": "3"}
    assert by_key["phase-of"]["object"] == {"node": "baiyun-airport"}
    assert by_key["status"]["qualifiers"][0]["value"] == "2020-11-23"
    assert by_key["status"]["object"]["zh"] != "under-construction"  # the term's label
    assert node["evidence"]
    statements = graphs.network.graph["statements"].values()
    assert statements and all(FILE_LINE.match(s["file_line"]) for s in statements)


def test_without_source_texts_the_sentence_comes_from_the_selectors(mini: kg.Result) -> None:
    net = Graphs(mini.graph, mini.schema).network
    ev = next(e for e in net.graph["evidence"].values() if e["exact"].startswith("促进白云"))
    assert ev["before"] == "加快推进白云国际机场三期扩建工程,"
    assert ev["after"].startswith(",共同推动")


def test_surrounding_sentence_stops_at_sentence_ends_and_marks_cuts() -> None:
    text = "甲。" + "乙" * 300 + "丙" + "丁" * 300
    before, after = surrounding_sentence(text, 302, 303)
    assert before.startswith("…") and len(before) == 161
    assert after.endswith("…") and len(after) == 161
    assert surrounding_sentence("一句。", 0, 3) == ("", "")
    assert surrounding_sentence("a\nbc\nd", 3, 4) == ("b", "")


def test_the_page_is_byte_identical_and_the_layout_repeatable(graphs: Graphs) -> None:
    first = render_network(graphs.network, graphs.schema)
    second = render_network(
        Graphs(graphs.graph, graphs.schema, graphs.positions, graphs.texts).network, graphs.schema
    )
    assert first == second
    nodes = [f"n{i}" for i in range(300)]
    edges = [(f"n{i}", f"n{(i * 7) % 300}") for i in range(300)] + [
        ("n0", f"n{i}") for i in range(9)
    ]
    kinds = {n: "A" if n in ("n5", "n6") else "B" for n in nodes}
    found = overview(nodes, edges, kinds, {"A": 1})
    assert found == overview(nodes, list(reversed(edges)), kinds, {"A": 1})  # order is no input
    assert found.groups == ["n5", "n6"] and found.hubs == ["n0"]
    data = page_data(first)
    assert all(isinstance(n["x"], int) and isinstance(n["y"], int) for n in data["vis"]["nodes"])
    assert data["vis"]["options"]["physics"]["enabled"] is False


def test_node_size_grows_with_the_degree_and_the_legend_counts_classes(graphs: Graphs) -> None:
    data = page_data(render_network(graphs.network, graphs.schema))
    degree = dict(graphs.network.degree())
    sizes = {n["id"]: n["size"] for n in data["vis"]["nodes"]}
    role = {n["id"]: n["role"] for n in data["nodes"]}
    assert role == {n: 3 if n == "baiyun-airport" else 0 for n in degree}  # a part's seed
    assert sizes == {n: node_size(d, role[n]) for n, d in degree.items()}
    by_degree = sorted(degree, key=lambda n: degree[n])
    assert sizes[by_degree[0]] < sizes[by_degree[-1]]
    assert node_size(9, role=2) > node_size(9) > node_size(1)
    kinds = {k["kind"]: k for k in data["kinds"]}
    assert sum(k["count"] for k in kinds.values()) == len(data["nodes"])
    assert all(k["zh"] and k["en"] and k["color"] and k["shape"] for k in kinds.values())


def test_area_of_cooperation_is_on_the_nodes() -> None:
    result = kg.check(ROOT / "data")
    net = Graphs(result.graph, result.schema).network
    prop = result.schema.properties["cooperation-area"].iri
    for s, o in result.graph.subject_objects(prop):
        if isinstance(s, URIRef):
            local = str(s).rsplit("/", 1)[1]
            assert str(o).rsplit("/", 1)[1] in net.nodes[local]["areas"]
    data = page_data(render_network(net, result.schema))
    assert {a["id"] for a in data["areas"]} == {
        n for n, k in net.nodes(data="kind") if k == "CooperationArea"
    }


def test_focus_keeps_the_neighbourhood(graphs: Graphs) -> None:
    one = focus_network(graphs.network, "shenzhen", 1)
    assert set(one) == {"shenzhen", "shenzhen-baoan-airport", "shenzhen-zhongshan-link"}
    two = focus_network(graphs.network, "shenzhen", 2)
    assert {"baiyun-airport", "zhongshan"} <= set(two)
    assert two.graph["statements"] is graphs.network.graph["statements"]


def test_a_neighbourhood_does_not_go_on_through_a_hub() -> None:
    """Two steps from the Express Rail Link reach the places it connects and what they link
    to, but not everything Guangzhou and Shenzhen (the hubs) link to: that is the graph."""
    result = kg.check(ROOT / "data")
    net = Graphs(result.graph, result.schema).network
    kinds = dict(net.nodes(data="kind"))
    hubs = overview(sorted(net), net.edges(), kinds, group_rank(result.schema), arrange=False).hubs
    assert hubs == ["guangzhou", "shenzhen"]
    everything = focus_network(net, "gz-sz-hk-xrl", 2)
    focused = focus_network(net, "gz-sz-hk-xrl", 2, not_through=set(hubs))
    assert {"guangzhou", "shenzhen", "hong-kong"} <= set(focused)  # the hubs are shown
    assert len(focused) < net.number_of_nodes() / 10 < len(everything) / 3
    # a hub's own neighbourhood still goes out from it
    assert set(focus_network(net, "shenzhen", 1, not_through=set(hubs))) == set(
        focus_network(net, "shenzhen", 1)
    )


def test_kg_view_writes_a_focused_page(tmp_path: Path) -> None:
    out = tmp_path / "views" / "sz.html"
    run = CliRunner().invoke(
        main, ["view", str(MINI), "--focus", "shenzhen", "--depth", "1", "--out", str(out)]
    )
    assert run.exit_code == 0, run.output
    assert f"wrote {out}" in run.output
    data = page_data(out.read_text(encoding="utf-8"))
    assert data["focus"] == "shenzhen"
    assert {n["id"] for n in data["nodes"]} == {
        "shenzhen",
        "shenzhen-baoan-airport",
        "shenzhen-zhongshan-link",
    }
    assert [p.name for p in out.parent.iterdir()] == ["sz.html"]  # no temporary file left


def test_kg_view_without_focus_writes_the_whole_network(tmp_path: Path) -> None:
    out = tmp_path / "all.html"
    run = CliRunner().invoke(main, ["view", str(MINI), "--out", str(out)])
    assert run.exit_code == 0, run.output
    data = page_data(out.read_text(encoding="utf-8"))
    assert data["focus"] is None and len(data["nodes"]) == 9


def test_kg_view_with_an_unknown_id_is_bad_usage_and_names_close_ids(tmp_path: Path) -> None:
    run = CliRunner().invoke(
        main, ["view", str(MINI), "--focus", "shenzen", "--out", str(tmp_path / "x.html")]
    )
    assert run.exit_code == 2
    assert "no entity has the id 'shenzhen'" not in run.output
    assert "'shenzen'" in run.output and "did you mean 'shenzhen'" in run.output
    assert not (tmp_path / "x.html").exists()


def test_the_library_view_rejects_an_unknown_id(mini: kg.Result, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown entity id 'nowhere'"):
        kg.view(mini, tmp_path / "x.html", focus="nowhere")
    output = kg.view(mini, tmp_path / "x.html", focus="guangzhou", depth=2)
    assert output.path.is_file() and output.size == output.path.stat().st_size


def test_above_the_draw_limit_the_page_draws_nothing_whole_and_lays_nothing_out(
    graphs: Graphs, monkeypatch: pytest.MonkeyPatch
) -> None:
    net = graphs.network  # 9 entities, over a limit of 5
    whole = render_network(net, graphs.schema)
    assert 'id="limit"' not in whole and "limit" not in page_data(whole)
    monkeypatch.setattr("kg.explorer.layout._arrange", lambda *_: pytest.fail("laid out"))
    assert network_layout(net, draw_limit=5) == {}
    html = render_network(net, graphs.schema, draw_limit=5)
    assert html == render_network(net, graphs.schema, draw_limit=5)
    data = page_data(html)
    assert data["limit"] == 5 and set(data["vis"]) == {"options"}  # no drawing, no positions
    small = page_data(whole)  # the same data otherwise
    assert {k: v for k, v in data.items() if k not in ("vis", "limit")} == {
        k: v for k, v in small.items() if k != "vis"
    }
    # it says so in both languages, with the command for a page around one entity
    assert "本图有 9 个实体,超过本页能流畅绘制的 5 个,所以不绘制全图" in html
    assert "This graph has 9 entities, more than the 5 this page can draw smoothly" in html
    assert html.count("<code>kg view --focus ID --depth N</code>") == 2


def test_the_garbage_collector_is_left_as_it_was(mini: kg.Result) -> None:
    """Building and rendering pause Python's collector (see `_collector_paused`), no more."""
    assert gc.isenabled()
    for enabled in (True, False):
        if not enabled:
            gc.disable()
        try:
            render_network(Graphs(mini.graph, mini.schema).network, mini.schema)
            assert gc.isenabled() is enabled
        finally:
            gc.enable()


_JSON_LEAF = strat.none() | strat.booleans() | strat.integers() | strat.text(max_size=8)
_JSON = strat.recursive(
    _JSON_LEAF,
    lambda inner: (
        strat.lists(inner, max_size=4) | strat.dictionaries(strat.text(max_size=4), inner)
    ),
    max_leaves=12,
)


@given(strat.dictionaries(strat.text(max_size=6), _JSON, max_size=6))
@example({"b": ["<", "&", {">": "x"}], "a": {}, "c": [], "中": {"z": 1, "a": [None]}})
def test_the_page_data_made_in_parts_is_the_data_made_whole(value: dict[str, object]) -> None:
    """The explorer's data is written member by member (at 100k entities it would be half a
    gigabyte as one string); joined, the parts are `_script_json` of the whole."""
    parts = list(_script_json_parts(value, batch=3))
    assert "".join(parts) == _script_json(value)
    assert json.loads("".join(parts)) == value


OKABE_ITO = {"#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7"}
"""The colour-blind-safe palette of Okabe and Ito (2008), without its black, and grey."""


def test_the_legend_separates_every_class_by_colour_or_shape(mini: kg.Result) -> None:
    from kg.explorer.network import view_style
    from kg.namespaces import KG

    schema = mini.schema
    kinds = sorted(str(c).rsplit("#", 1)[1] for c in schema.graph.subjects(KG.viewColor, None))
    styles = {k: view_style(schema, k) for k in kinds}
    assert len(kinds) >= 15
    pairs = [(s["color"], s["shape"]) for s in styles.values()]
    assert len(set(pairs)) == len(pairs), "two classes look alike"
    assert {c for c, _ in pairs} <= OKABE_ITO | {"#999999"}
    # the classes the first view is about differ in colour and in shape, each from the others
    story = [styles[k] for k in ("CooperationArea", "Request", "Priority", "ResultArea")]
    assert len({s["color"] for s in story}) == len({s["shape"] for s in story}) == 4


# Machado, Oliveira and Fernandes (2009), full severity: linear-RGB matrices that show a
# colour as a person with that colour-vision deficiency sees it
CVD = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602),
                   (0.004733, 0.691367, 0.303900)),
}  # fmt: skip


def _lab(colour: str, matrix: tuple[tuple[float, ...], ...] | None) -> tuple[float, ...]:
    """CIELAB of an sRGB colour `#rrggbb`, as seen through `matrix` (None: as it is)."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    rgb = [linear(int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5)]
    if matrix is not None:
        rgb = [
            min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb, strict=True)))) for row in matrix
        ]
    r, g, b = rgb
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def test_classes_of_one_shape_stay_apart_for_colour_blind_readers(mini: kg.Result) -> None:
    """Two classes drawn with the same shape must differ in colour for everyone: under each
    simulated colour-vision deficiency their colours stay more than 10 CIELAB units apart
    (the palette alone promised this; this checks it for the classes we have)."""
    import itertools

    from kg.explorer.network import view_style
    from kg.namespaces import KG

    schema = mini.schema
    kinds = sorted(str(c).rsplit("#", 1)[1] for c in schema.graph.subjects(KG.viewColor, None))
    styles = {k: view_style(schema, k) for k in kinds}
    for name, matrix in [("normal vision", None), *CVD.items()]:
        for a, b in itertools.combinations(kinds, 2):
            if styles[a]["shape"] != styles[b]["shape"]:
                continue
            one, other = _lab(styles[a]["color"], matrix), _lab(styles[b]["color"], matrix)
            apart = sum((p - q) ** 2 for p, q in zip(one, other, strict=True)) ** 0.5
            assert apart > 10, f"{a} and {b} look alike in {name} ({apart:.1f})"


@pytest.fixture(scope="module")
def whole() -> tuple[kg.Result, object]:
    result = kg.check(ROOT / "data")
    return result, Graphs(result.graph, result.schema).network


def test_the_overview_gathers_the_data_around_its_cities_and_its_lists(
    whole: tuple[kg.Result, object],
) -> None:
    result, net = whole
    assert group_rank(result.schema) == {
        "CooperationArea": 1,
        "Request": 2,
        "Priority": 3,
        "ResultArea": 4,
    }
    kinds = {n: k for n, k in net.nodes(data="kind")}
    found = overview(sorted(net.nodes), net.edges(), kinds, group_rank(result.schema))
    assert found.hubs == ["guangzhou", "shenzhen"]
    groups = [kinds[g] for g in found.groups]  # in the ontology's order, every item
    order = ["CooperationArea", "Request", "Priority", "ResultArea"]
    assert groups == sorted(groups, key=order.index)
    assert sorted(found.groups) == sorted(n for n, k in kinds.items() if k in order)
    assert groups.count("CooperationArea") == 5 and groups.count("Priority") == 10
    assert set(found.group_of) == set(net)
    seeds = set(found.hubs) | set(found.groups) | set(found.parts)
    assert {found.group_of[s] for s in seeds} == seeds  # each seed is its own group
    # an entity linked to a grouping entity is in its group, or another group it is linked to
    for node, seed in found.group_of.items():
        linked = set(net.successors(node)) | set(net.predecessors(node))
        if node not in seeds and linked & set(found.groups):
            assert seed in linked & set(found.groups), node
    # members sit nearer their own seed than any other seed
    where = found.positions
    for node, seed in found.group_of.items():
        if seed and node not in seeds:
            here = where[node]
            mine = (here[0] - where[seed][0]) ** 2 + (here[1] - where[seed][1]) ** 2
            for other in seeds - {seed}:
                assert mine <= (here[0] - where[other][0]) ** 2 + (here[1] - where[other][1]) ** 2
    # the groups go round clockwise from the top, the hubs in the middle
    angles = [math.atan2(where[g][1], where[g][0]) for g in found.groups]
    turned = [(a + math.pi / 2) % (2 * math.pi) for a in angles]
    assert turned == sorted(turned) and turned[0] < 0.01
    assert max(math.hypot(*where[h]) for h in found.hubs) < min(
        math.hypot(*where[g]) for g in found.groups
    )


def test_without_grouping_classes_the_overview_starts_from_the_best_connected() -> None:
    star = [("hub", f"leaf{i}") for i in range(12)] + [("a", "b"), ("b", "c"), ("x", "y")]
    nodes = sorted({n for e in star for n in e} | {"alone"})
    found = overview(nodes, star, {n: "Entity" for n in nodes}, {})
    assert found.hubs == ["hub"] and found.groups == []
    assert found.parts == ["b"]  # a part of three, seeded by its best-connected entity
    assert {n for n, s in found.group_of.items() if s == ""} == {"alone", "x", "y"}
    assert found == overview(nodes, star, {n: "Entity" for n in nodes}, {})  # the same each time
    assert len(set(found.positions.values())) == len(nodes)  # no two on one spot


def test_nodes_carry_the_years_their_dated_statements_name(
    whole: tuple[kg.Result, object],
) -> None:
    result, net = whole
    data = page_data(render_network(net, result.schema))
    years = {n["id"]: n["years"] for n in data["nodes"]}
    assert years["guangzhou-civilisation-practice-centres"] == []  # an amount of 2707 is no year
    assert 2018 in years["xi-jinping-guangdong-inspection-2018"]
    assert all(all(1900 < y < 2100 for y in ys) for ys in years.values())
    assert sum(1 for ys in years.values() if ys) > 20
