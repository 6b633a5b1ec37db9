"""Figures about a built graph, for curators: entities and statements per class and per source,
evidence per statement, and orphans (entities with no relation to any other entity).

- An entity's class is its most specific class (its `type:`); a statement counts for the class
  of its subject.
- An entity or statement counts for a source when one of its quotes comes from that source.
- Evidence per statement: how many quoted passages support each statement.
- An orphan is an entity that is neither the subject nor the object of a relation to another
  entity (values such as amounts and dates are not relations): a node of degree 0 in
  `kg.explorer.network.network_graph`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph

from kg.pipeline.graph_facts import graph_facts, passages
from kg.pipeline.ontology import Schema


@dataclass
class Stats:
    """What `kg stats` prints."""

    entities: int
    statements: int
    passages: int
    triples: int
    per_class: dict[str, dict[str, int]] = field(default_factory=dict)
    per_property: dict[str, int] = field(default_factory=dict)
    per_source: dict[str, dict[str, int]] = field(default_factory=dict)
    evidence_per_statement: dict[int, int] = field(default_factory=dict)  # count → statements
    orphans: list[dict[str, str]] = field(default_factory=list)

    @property
    def mean_evidence(self) -> float:
        """Mean number of quoted passages per statement."""
        total = sum(self.evidence_per_statement.values())
        weighted = sum(k * v for k, v in self.evidence_per_statement.items())
        return weighted / total if total else 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready data (what `kg stats --format json` prints)."""
        return {
            "entities": self.entities,
            "statements": self.statements,
            "passages": self.passages,
            "triples": self.triples,
            "per_class": self.per_class,
            "per_property": self.per_property,
            "per_source": self.per_source,
            "evidence_per_statement": {
                "histogram": {str(k): v for k, v in sorted(self.evidence_per_statement.items())},
                "min": min(self.evidence_per_statement, default=0),
                "max": max(self.evidence_per_statement, default=0),
                "mean": round(self.mean_evidence, 3),
            },
            "orphans": self.orphans,
        }

    def to_text(self) -> str:
        """A plain-text report with aligned columns."""
        lines = [
            f"entities    {self.entities}",
            f"statements  {self.statements}",
            f"passages    {self.passages} (quoted passages, one evidence node each)",
            f"triples     {self.triples}",
            "",
        ]
        lines += _table(
            "class",
            ["entities", "statements"],
            {k: list(v.values()) for k, v in self.per_class.items()},
        )
        lines += [""] + _table(
            "source",
            ["entities", "statements", "passages"],
            {k: list(v.values()) for k, v in self.per_source.items()},
        )
        lines += [""] + _table(
            "property", ["statements"], {k: [v] for k, v in self.per_property.items()}
        )
        hist = self.evidence_per_statement
        lines += [
            "",
            f"evidence per statement: min {min(hist, default=0)}, mean {self.mean_evidence:.2f}, "
            f"max {max(hist, default=0)}",
        ]
        lines += [
            f"  {k} passage{'s' if k != 1 else ''}  {v} statements" for k, v in sorted(hist.items())
        ]
        lines += ["", f"orphans (no relation to another entity): {len(self.orphans)}"]
        lines += [f"  {o['id']}  {o['type']}  {o['zh']} / {o['en']}" for o in self.orphans]
        return "\n".join(lines) + "\n"


def _table(name: str, columns: list[str], rows: dict[str, list[int]]) -> list[str]:
    width = max([len(name), *(len(k) for k in rows)])
    widths = [max(len(c), 5) for c in columns]
    head = f"{name:<{width}}  " + "  ".join(
        f"{c:>{w}}" for c, w in zip(columns, widths, strict=True)
    )
    body = [
        f"{k:<{width}}  " + "  ".join(f"{v:>{w}}" for v, w in zip(vals, widths, strict=True))
        for k, vals in rows.items()
    ]
    return [head, *body]


def graph_stats(graph: Graph, schema: Schema) -> Stats:
    """Count what `graph` holds (see the module doc for what each figure means)."""
    facts = graph_facts(graph, schema)
    found = passages(graph)
    entities = {k: f for k, f in facts.items() if f.is_entity}
    statements = [f for f in facts.values() if not f.is_entity]
    per_class: dict[str, Counter[str]] = {}
    for f in entities.values():
        per_class.setdefault(f.value, Counter())["entities"] += 1
    for f in statements:
        cls = entities[f.subject].value if f.subject in entities else ""
        per_class.setdefault(cls, Counter())["statements"] += 1
    per_source: dict[str, Counter[str]] = {}
    for p in found.values():
        per_source.setdefault(p.source, Counter())["passages"] += 1
    for f in facts.values():
        for source in sorted({found[e].source for e in f.evidence if e in found}):
            per_source.setdefault(source, Counter())[
                "entities" if f.is_entity else "statements"
            ] += 1
    linked: set[str] = set()  # entities related to another entity, either way round
    for f in statements:
        prop = schema.properties.get(f.key)
        if prop and prop.is_object_property and f.value in entities and f.value != f.subject:
            linked.update((f.subject, f.value))
    orphans = [
        {"id": node, "type": fact.value, "zh": fact.subject_zh, "en": fact.subject_en}
        for node, fact in sorted(entities.items())
        if node not in linked
    ]
    return Stats(
        entities=len(entities),
        statements=len(statements),
        passages=len(found),
        triples=len(graph),
        per_class={
            k: {"entities": c["entities"], "statements": c["statements"]}
            for k, c in sorted(per_class.items(), key=lambda kv: (-kv[1]["entities"], kv[0]))
        },
        per_property=dict(
            sorted(Counter(f.key for f in statements).items(), key=lambda kv: (-kv[1], kv[0]))
        ),
        per_source={
            k: {
                "entities": c["entities"],
                "statements": c["statements"],
                "passages": c["passages"],
            }
            for k, c in sorted(per_source.items())
        },
        evidence_per_statement=dict(sorted(Counter(len(f.evidence) for f in statements).items())),
        orphans=orphans,
    )
