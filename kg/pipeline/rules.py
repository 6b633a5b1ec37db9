"""Rule queries: SPARQL SELECTs in `queries/rules/*.rq` that must return no rows (as ROBOT's
`verify` does), run on the built graph by `kg check` and `kg build` after the SHACL shapes.

Each row is a problem at the YAML line of its `?focus` node; the rule's header gives the
message (`# message:`) and the fix (`# fix:`), and `?detail`, when selected, is appended.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.errors import Problem
from kg.facts import SourcePos
from kg.namespaces import shorten
from kg.pipeline.build import Built
from kg.pipeline.questions import Question, default_queries_dir, read_questions

RULES_DIR = "rules"


def read_rules(queries_dir: str | Path | None = None) -> dict[str, Question]:
    """The rule queries of `queries_dir/rules/`."""
    return read_questions(Path(queries_dir or default_queries_dir()) / RULES_DIR)


def check_rules(
    built: Built, rules: dict[str, Question], store: ox.Store | None = None
) -> list[Problem]:
    """Run every rule; one `Problem` per row returned."""
    store = store or built.store
    problems: list[Problem] = []
    for name, rule in sorted(rules.items()):
        result = store.query(rule.text)
        assert isinstance(result, ox.QuerySolutions), f"rule {name} must be a SELECT"
        for solution in result:
            focus = solution["focus"]
            detail = solution["detail"] if "detail" in [v.value for v in result.variables] else None
            problems.append(_problem(built, rule, focus, detail))
    return problems


def _problem(built: Built, rule: Question, focus: object, detail: object) -> Problem:
    from rdflib import URIRef

    where = shorten(focus.value) if isinstance(focus, ox.NamedNode) else str(focus)
    pos = built.positions.get(URIRef(focus.value)) if isinstance(focus, ox.NamedNode) else None
    message = rule.fields.get("message", rule.title())
    if isinstance(detail, ox.Literal | ox.NamedNode):
        message += f" ({detail.value})"
    fix = rule.fields.get("fix", "")
    named = f"rule {rule.path.name if rule.path else rule.name} in queries/{RULES_DIR}/"
    return Problem(
        pos or SourcePos("(graph)", 0),
        f"'{where}': {message}",
        f"{fix} ({named})" if fix else f"see {named}",
    )
