"""Every saved question on the two candidate engines: pyoxigraph (the one `kg query` and
`kg serve` use) and rdflib's own SPARQL evaluator, over the same graph, in one process.

Run: `python bench/engines.py [DATA_DIR] [--repeat N]` (default: the curated `data/`).
rdflib takes minutes per question on graphs much larger than the curated one, so this runs on
real data only; `bench/run.py` measures pyoxigraph alone at larger sizes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rdflib import Literal, URIRef
from run import timed  # bench/ is on sys.path when this runs as a script

import kg
from kg.namespaces import ID
from kg.sparql.query import run_question, saved_questions

EXAMPLE_PARAMS = {
    "about": {"entity": "nansha-science-city"},
    "co-built": {"city": "guangzhou", "partner": "shenzhen"},
    "evidence": {
        "subject": "baiyun-airport",
        "property": "https://w3id.org/gba-kg/ontology#linkedWith",
        "object": "shenzhen-baoan-airport",
    },
    "facts-from-passage": {"passage": "深中通道"},
    "facts-from-source": {"source": "duite-2020-11-zhang-shuofu-interview"},
    "links-of-place": {"place": "shenzhen"},
}
"""Parameters for the saved questions that take them, on the curated data."""


def _rdflib_term(kind: str, value: str) -> URIRef | Literal:
    if kind == "id":
        return URIRef(str(ID[value]))
    return URIRef(value) if kind == "iri" else Literal(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", nargs="?", default="data", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    result = kg.check(args.data_dir)
    store = result.built.store
    print(f"Python {sys.version.split()[0]}; {len(result.graph)} triples from {args.data_dir}/")
    print(f"median of {args.repeat} runs per question, one process\n")
    print("| saved question | rows | pyoxigraph ms | rdflib ms | rdflib / pyoxigraph |")
    print("|---|---:|---:|---:|---:|")
    for name, question in sorted(saved_questions().items()):
        values = EXAMPLE_PARAMS.get(name, {})
        t_ox, answer = timed(lambda q=question, v=values: run_question(store, q, v), args.repeat)  # type: ignore[misc]
        bindings = {p.name: _rdflib_term(p.kind, values[p.name]) for p in question.params}
        try:
            t_rdflib, _ = timed(
                lambda q=question, b=bindings: list(result.graph.query(q.text, initBindings=b)),  # type: ignore[misc]
                args.repeat,
            )
            rdflib_cell, ratio = f"{t_rdflib * 1000:.1f}", f"{t_rdflib / t_ox:.0f}×"
        except Exception as exc:  # noqa: BLE001 - the figure to report is that it fails
            rdflib_cell, ratio = f"fails: {type(exc).__name__}", "—"
        print(f"| {name} | {len(answer.rows)} | {t_ox * 1000:.2f} | {rdflib_cell} | {ratio} |")


if __name__ == "__main__":
    main()
