"""gba-kg: curated, evidenced YAML facts about the Greater Bay Area → a checked RDF graph.

>>> import kg
>>> result = kg.build("data", "build")  # doctest: +SKIP
"""

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
