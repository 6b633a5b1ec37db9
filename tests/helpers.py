"""Assertions shared by the tests: golden files with a unified diff, graph isomorphism."""

from __future__ import annotations

import difflib
from pathlib import Path

from rdflib import Graph
from rdflib.compare import graph_diff, to_isomorphic


def assert_golden(actual: bytes, golden: Path, update: bool) -> None:
    """Compare bytes with a golden file; on failure show a unified diff."""
    if update:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(actual)
    expected = golden.read_bytes()
    if actual != expected:
        diff = difflib.unified_diff(
            expected.decode("utf-8").splitlines(),
            actual.decode("utf-8").splitlines(),
            fromfile=str(golden),
            tofile="actual",
            lineterm="",
        )
        raise AssertionError("\n".join(diff) + "\n(refresh with pytest --update-golden)")


def assert_isomorphic(expected: Graph, actual: Graph) -> None:
    """Same triples (no blank nodes here, so isomorphic means equal); list the differences."""
    iso_expected, iso_actual = to_isomorphic(expected), to_isomorphic(actual)
    if iso_expected != iso_actual:
        _, only_expected, only_actual = graph_diff(iso_expected, iso_actual)
        lines = ["graphs differ", "only in expected:"]
        lines += sorted(f"  {t}" for t in only_expected.triples((None, None, None)))
        lines += ["only in actual:"]
        lines += sorted(f"  {t}" for t in only_actual.triples((None, None, None)))
        raise AssertionError("\n".join(lines))
