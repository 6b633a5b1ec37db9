"""The step after `gather`: the checks that need every unit, the graph of them all, and
what changed since the last good build (which subjects, so that outputs can be patched and
the shapes and rules checked only near the change).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Graph, URIRef

from kg.errors import KgError, Problem
from kg.incremental.patch import PATCHABLE, file_state, patched
from kg.incremental.records import (
    DIGEST_BYTES,
    INDEX,
    NETWORK,
    Index,
    Unit,
    encoded,
    index_name,
    subject_digest,
)
from kg.outputs.export import WRITERS, Graphs, Output, Patch, write_file
from kg.pipeline.build import Built, join_parts, part_blocks, subject_order
from kg.pipeline.consistency import check_across
from kg.pipeline.ontology import Schema
from kg.pipeline.questions import Question
from kg.pipeline.quotes import QuoteMatch
from kg.pipeline.shacl import UnsupportedShapeError, shape_results, shapes_reach
from kg.review.coverage import Counts, quoted_counts, summary_line

if TYPE_CHECKING:
    from kg.incremental.units import Gathered

MOST_CHANGED = 0.25
"""Above this share of the subjects changed, a rebuild writes and checks everything, as if
it knew nothing of the last build (it would cost more to tell what is unchanged)."""


@dataclass(kw_only=True)
class Linked:
    """The checked and built data of every unit, as one build makes it."""

    built: Built
    entities_per_class: dict[str, int]
    quotes_checked: int
    warnings: tuple[Problem, ...]
    matches: list[QuoteMatch]
    left_out: list[QuoteMatch]  # the quotes of passages left out on purpose
    _keep: dict[str, Unit]  # file name → unit, for `save`
    _new: set[str]
    _keys: dict[str, str]  # data file → its unit's key (`unit_key`)
    _digests: bytes  # of each subject's lines, in the order of `subjects`
    subjects: list[str]  # in the order of the document
    # the lines of each subject that may differ from the last build's (b"": gone), if known
    changed: dict[str, bytes] | None
    previous: Index | None
    vocabulary: list[str]
    checks: str
    # the nodes whose shapes and rules may now fail, and the N-Triples of every node
    # within reach of them, when the last build checked the rest (see `check_near`)
    near: tuple[set[str], bytes] | None

    _index_name: str = ""
    _coverage: Counts = field(default_factory=dict)

    def coverage_line(self, texts: Mapping[str, str]) -> str:
        """The coverage line of `kg build` (`Coverage.summary_line`), measuring again only
        the sources whose passages changed since the last build."""
        known = self.previous.coverage if self.previous else None
        covered, substantive, self._coverage = quoted_counts(
            texts, self.matches, known, self.left_out
        )
        return summary_line(covered, substantive)

    def check_near(self, shapes: Graph, rules: Mapping[str, Question]) -> bool:
        """Whether the shapes and rules pass on every node near the change (see `_near`):
        if so, they pass on the whole graph, which the last build checked."""
        if self.near is None:
            return False
        focus, document = self.near
        store = ox.Store()
        store.bulk_load(document, format=ox.RdfFormat.N_TRIPLES)
        try:
            results = shape_results(store, shapes)
        except UnsupportedShapeError:
            return False
        if any(f"<{r.focus}>" in focus or not isinstance(r.focus, URIRef) for r in results):
            return False
        for rule in rules.values():
            rows = store.query(rule.text)
            assert isinstance(rows, ox.QuerySolutions)
            for row in rows:
                found = row["focus"]
                if not isinstance(found, ox.NamedNode) or f"<{found.value}>" in focus:
                    return False
        return True

    def patches(self, out: Path, schema: Schema) -> dict[str, Patch]:
        """For each RDF format `patch` can patch, a function that makes it from the last
        build's file in `out`, or gives None."""
        previous, changed = self.previous, self.changed
        if previous is None or changed is None:
            return {}

        def make(name: str, graphs: Graphs) -> Iterator[bytes] | None:
            old = out / WRITERS[name].filename
            if previous.outputs.get(name) != file_state(old):
                return None
            return patched(name, old, previous.subjects, self.subjects, changed, schema)

        return {name: functools.partial(make, name) for name in PATCHABLE}

    def keep(self, folder: Path | None) -> None:
        """Write the units made by this build into `folder` (if any), then let the triples
        of every unit go: they are in `built` now. A later build may use the units written
        even if this one fails its shapes or rules: a unit is what its file's checks and
        triples are, given what it read of the other files, which the next build verifies."""
        if folder is not None:
            for name in sorted(self._new):
                write_file(folder / name, encoded(name, self._keep[name]))
        self._new = set()
        for unit in self._keep.values():
            unit.part.blocks, unit.objects = {}, []

    def save(
        self, folder: Path | None, networks: Path | None = None, outputs: Iterable[Output] = ()
    ) -> None:
        """Write the units made by this build into `folder` (`keep`), with the network
        parts that `network` wrote into `networks`, and remove the others there; and record
        the `outputs` written, for the next build to patch (`kg.incremental.patch`)."""
        by_file = {WRITERS[n].filename: n for n in [*PATCHABLE, "graphml"]}
        index = Index(
            dict(sorted(self._keys.items())),
            self.subjects,
            self._digests,
            {by_file[o.name]: file_state(o.path) for o in outputs if o.name in by_file},
            self.vocabulary,
            self.checks,
            self._coverage,
        )
        self.keep(folder)
        if folder is None:  # a build without the cache
            return
        keys = {key + NETWORK for key in self._keys.values()}
        for made in sorted(networks.glob("*" + NETWORK)) if networks else []:
            if made.name in keys:
                write_file(folder / made.name, made.read_bytes())
        for old in folder.iterdir() if folder.is_dir() else []:
            if old.name != INDEX and old.name not in self._keep and old.name not in keys:
                old.unlink(missing_ok=True)
        write_file(folder / INDEX, encoded(self._index_name, index))  # last: it names them


def _changed(previous: Index, order: list[str], digests: bytes) -> set[str]:
    """The subjects whose lines differ from those of the last build (`previous`), which
    wrote the outputs: present in only one of the two, or with other lines."""
    size = DIGEST_BYTES
    old, new = memoryview(previous.digests), memoryview(digests)
    if previous.subjects == order:  # the same subjects (an edit of values): compare in place
        return {
            s
            for i, s in enumerate(order)
            if old[i * size : (i + 1) * size] != new[i * size : (i + 1) * size]
        }
    kept = {s: old[i * size : (i + 1) * size] for i, s in enumerate(previous.subjects)}
    changed = {s for i, s in enumerate(order) if kept.pop(s, b"") != new[i * size : (i + 1) * size]}
    return changed | kept.keys()


def objects(block: bytes) -> Iterator[str]:
    """The IRIs that the N-Triples lines of `block` have as objects."""
    for found in _OBJECT.findall(block):
        yield found.decode()


# an IRI object ends its line (a literal cannot: N-Triples escapes line breaks, and a
# datatype IRI follows "^^", not a space)
_OBJECT = re.compile(rb" (<[^>\n]*>) \.$", re.MULTILINE)


def _pointing_at(targets: set[str], blocks: Iterable[tuple[str, bytes]]) -> Iterator[str]:
    """The subjects of `blocks` that have one of `targets` as an object."""
    for subject, block in blocks:
        if any(o in targets for o in objects(block)):
            yield subject


def join(
    gathered: Gathered,
    schema: Schema,
    previous: Index | None,
    checks: str,
    reach: int | None,
) -> Linked:
    """The checks that need every unit, and the graph of them all."""
    units, names, new = gathered.units, gathered.names, gathered.new
    warnings = [w for u in units for w in u.warnings] + check_across([u.across for u in units])
    if any(not p.is_warning for p in warnings):
        raise KgError(warnings)
    counts: Counter[str] = Counter()
    for unit in units:
        counts.update(unit.classes)
    parts = [u.part for u in units]
    blocks = part_blocks(parts, schema)
    order = subject_order(blocks)
    vocabulary = sorted({t for part in parts for t in part.vocabulary})
    digests = b"".join([subject_digest(blocks[s]) for s in order])
    changed = None if previous is None else _changed(previous, order, digests)
    near = None
    if changed is not None and len(changed) > len(order) * MOST_CHANGED:
        changed = None  # as good as all of it: written and checked whole
    if previous is not None and changed is not None:
        changed |= {f"<{t}>" for t in set(vocabulary) ^ set(previous.vocabulary)}
        if reach is not None and checks and previous.checks == checks:
            near = _near(changed, reach, blocks, units, vocabulary)
    return Linked(
        built=join_parts(parts, schema, blocks, order),
        entities_per_class=dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        # every evidence node of the graph, passages left out included, as `kg stats` and
        # `kg coverage` count them
        quotes_checked=len(
            {(m.source, m.start, m.end) for u in units for m in (*u.matches, *u.left_out)}
        ),
        warnings=tuple(sorted(set(warnings))),
        matches=[m for u in units for m in u.matches],
        left_out=[m for u in units for m in u.left_out],
        _keep={names[u.path]: u for u in units},
        _new={names[path] for path in new},
        _keys={u.path: gathered.key(u) for u in units},
        _digests=digests,
        subjects=order,
        changed=None if changed is None else {s: blocks.get(s, b"") for s in changed},
        previous=previous,
        vocabulary=vocabulary,
        checks=checks,
        near=near,
        _index_name=index_name(gathered.context),
    )


def _near(
    changed: set[str],
    reach: int,
    blocks: Mapping[str, bytes],
    units: list[Unit],
    vocabulary: list[str],
) -> tuple[set[str], bytes] | None:
    """The nodes within `reach` steps back from a `changed` one (themselves included), and
    the lines of every node within `reach` steps forward of those; None where the data
    graph has classes of its own (`rdfs:subClassOf`), which the shapes would follow."""
    terms = [f"<{t}>" for t in vocabulary]
    if any(b"rdf-schema#subClassOf>" in blocks.get(t, b"") for t in terms):
        return None
    focus, frontier = set(changed), set(changed)
    for _ in range(reach):
        found: set[str] = set()
        for unit in units:
            if not frontier.isdisjoint(unit.objects):
                found.update(_pointing_at(frontier, unit.part.blocks.items()))
        found.update(_pointing_at(frontier, ((t, blocks.get(t, b"")) for t in terms)))
        frontier = found - focus
        focus |= frontier
    nodes, frontier = set(focus), set(focus)
    for _ in range(reach):
        found = {o for s in frontier for o in objects(blocks.get(s, b""))}
        frontier = found - nodes
        nodes |= frontier
    return focus, b"".join(blocks[s] for s in sorted(nodes) if s in blocks)


def reach(shapes: Graph, rules: Mapping[str, Question]) -> int | None:
    """How far past a node the shapes and rules read (`shapes_reach`, and each rule's
    `# reach:`); None if any of them does not say."""
    found = shapes_reach(shapes)
    for rule in rules.values():
        text = rule.fields.get("reach", "")
        if found is None or not text.isdigit():
            return None
        found = max(found, int(text))
    return found
