"""The build's shortcuts give the bytes of the plain path: the layout computed in a forked
process while the checks run, and the triples sorted once for the rules and the writers."""

from __future__ import annotations

from pathlib import Path

import kg
from kg.export import WRITERS, Graphs
from kg.network import LayoutJob, network_layout, render_network

ROOT = Path(__file__).parent.parent


def test_the_forked_layout_is_the_layout() -> None:
    result = kg.check(ROOT / "data")
    net = Graphs(result.graph, result.schema).network
    job = LayoutJob(result.graph, result.schema)
    found = job.result()
    assert found is not None
    assert found[1] == network_layout(net)
    assert sorted(found[0].nodes(data=True)) == sorted(net.nodes(data=True))
    assert sorted(found[0].edges(keys=True, data=True)) == sorted(net.edges(keys=True, data=True))
    assert found[0].graph == net.graph


def test_a_cancelled_layout_job_ends() -> None:
    result = kg.check(ROOT / "data")
    job = LayoutJob(result.graph, result.schema)
    job.cancel()


def test_build_outputs_are_those_of_the_plain_writers(tmp_path: Path) -> None:
    result = kg.build(ROOT / "data", tmp_path)
    texts = {k: s.text for k, s in sorted(result.checked.sources.items())}
    graphs = Graphs(result.graph, result.schema, result.built.positions, texts)
    for writer in WRITERS.values():
        assert (tmp_path / writer.filename).read_bytes() == writer.write(graphs), writer.filename
    page = render_network(graphs.network, result.schema).encode("utf-8")
    assert (tmp_path / "network.html").read_bytes() == page
