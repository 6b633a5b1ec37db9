"""gba-kg: curated, evidenced YAML facts about the Greater Bay Area → a checked RDF graph.

>>> import kg
>>> result = kg.build("data", "build")  # doctest: +SKIP

The names below are imported on first use (PEP 562), so that `import kg.cli` or
`import kg.errors` does not pay for rdflib, pyoxigraph, pySHACL and networkx before a
command needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
        schema,
        stats,
        view,
        watch,
    )
    from kg.errors import GbaKgError, KgError, Problem, QueryError
    from kg.facts import SourcePos
    from kg.outputs.export import WRITERS, Output
    from kg.pipeline.ontology import Schema, read_schema
    from kg.sparql.results import Answer

_WHERE = {
    "WRITERS": "kg.outputs.export",
    "Answer": "kg.sparql.results",
    "GbaKgError": "kg.errors",
    "KgError": "kg.errors",
    "Output": "kg.outputs.export",
    "Problem": "kg.errors",
    "QueryError": "kg.errors",
    "Result": "kg.api",
    "Schema": "kg.pipeline.ontology",
    "SourcePos": "kg.facts",
    "build": "kg.api",
    "check": "kg.api",
    "coverage": "kg.api",
    "coverage_page": "kg.api",
    "diff": "kg.api",
    "export": "kg.api",
    "load": "kg.api",
    "query": "kg.api",
    "read_schema": "kg.pipeline.ontology",
    "schema": "kg.api",
    "site": "kg.api",
    "stats": "kg.api",
    "view": "kg.api",
    "watch": "kg.api",
}
"""Each public name → the module that defines it."""

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
    "schema",
    "site",
    "stats",
    "view",
    "watch",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use, then keep the name here."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'kg' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
