"""gba-kg: curated, evidenced YAML facts about the Greater Bay Area → a checked RDF graph.

>>> import kg
>>> result = kg.build("data", "build")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names below, imported on first use (`import kg` stays light)
    from kg.api import (
        Result,
        build,
        check,
        coverage,
        coverage_page,
        diff,
        export,
        load,
        query,
        stats,
        view,
    )
    from kg.errors import GbaKgError, KgError, Problem, QueryError
    from kg.facts import SourcePos
    from kg.outputs.export import WRITERS, Output
    from kg.pipeline.ontology import Schema, read_schema
    from kg.sparql.results import Answer

_HOME = {
    **dict.fromkeys(
        ["Result", "build", "check", "coverage", "coverage_page", "diff", "export", "load",
         "query", "stats", "view"],
        "kg.api",
    ),
    **dict.fromkeys(["GbaKgError", "KgError", "Problem", "QueryError"], "kg.errors"),
    "SourcePos": "kg.facts",
    "WRITERS": "kg.outputs.export",
    "Output": "kg.outputs.export",
    "Schema": "kg.pipeline.ontology",
    "read_schema": "kg.pipeline.ontology",
    "Answer": "kg.sparql.results",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use: a worker or `kg --help` that needs
    none of them does not pay for the whole pipeline."""
    if name not in _HOME:
        raise AttributeError(f"module 'kg' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "WRITERS",
    "Answer",
    "GbaKgError",
    "KgError",
    "Output",
    "Problem",
    "QueryError",
    "Result",
    "Schema",
    "SourcePos",
    "build",
    "check",
    "coverage",
    "coverage_page",
    "diff",
    "export",
    "load",
    "query",
    "read_schema",
    "stats",
    "view",
]
