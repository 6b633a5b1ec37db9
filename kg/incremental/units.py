"""The build one data file at a time: each file's checks, triples and network part kept by
content, and the step that joins them into what a whole build makes.

A cached `kg build` (`kg.api.build_cached`) checks and builds each data file alone, against
the ids and named quotes of the other files (`check_file`, `build_part`), and keeps the
result, a `Unit`, in `OUT/.kg-cache/units/`, named by the sha256 of the file's path and
bytes and of the context (the code, the ontology, the source texts). A unit records what its
checks read of the other files (each id's `type:` and each named quote looked up, as they
were looked up); a later build reads the unit of an unchanged file instead of parsing,
checking and building it again (`gather`) only while each of those reads gives the same
answer. The unit's key (`unit_key`) is the digest of all of that.

`Gathered.join` then runs the checks that need every file, `check_across` (duplicate ids
and quote ids, quoted sources without a `SourceDocument`, cycles, look-alike labels): the
same function `check_facts` runs, on what each file's `check_file` gave. It raises `KgError`
with every problem, as `kg check` does; else it joins the parts into one graph
(`join_parts`).

The index of the last good build (`_Index`) holds a digest of each subject's lines, so the
join knows exactly which subjects differ from the outputs on disk. Then `graph.ttl` and
`graph.jsonld` are patched (`Linked.patches`, `patch`), the shapes and rules run only near
the change (`Linked.check_near`), and the coverage line is measured again only for the
sources whose passages changed (`Linked.coverage_line`). Beside each unit, its part of the
explorer's network is kept under the unit's key (`Gathered.network`).

Everything kept is MessagePack read against its type (msgspec): plain data, never code.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import stat
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar, cast

import msgspec
import networkx as nx
import pyoxigraph as ox
from rdflib import Graph, URIRef

from kg.errors import KgError, Problem
from kg.explorer.network import NetworkPart, join_network, network_part
from kg.facts import Facts, NamedQuote, SourcePos
from kg.incremental.cache import file_digest
from kg.incremental.patch import PATCHABLE, file_state, patched, patched_graphml
from kg.namespaces import ID
from kg.outputs.export import WRITERS, Graphs, Output, Patch, write_file
from kg.pipeline.build import Built, GraphPart, build_part, join_parts, part_blocks, subject_order
from kg.pipeline.consistency import Across, check_across
from kg.pipeline.graph_view import GraphView
from kg.pipeline.load import MAX_FILE_BYTES, data_files, read_files
from kg.pipeline.ontology import Schema
from kg.pipeline.questions import Question
from kg.pipeline.quotes import QuoteMatch, SourceText
from kg.pipeline.shacl_sparql import UnsupportedShapeError, shape_results, shapes_reach
from kg.pipeline.validate import check_file
from kg.review.coverage import Counts, quoted_counts, summary_line
from kg.runtime import collector
from kg.runtime.forked import in_two

FORMAT = 2
"""The format of a unit file; a change of it makes every kept unit a miss."""
UNIT, NETWORK = ".unit", ".net"
"""A unit's file, and its part of the explorer's network (`NetworkPart`)."""
MOST_CHANGED = 0.25
"""Above this share of the subjects changed, a rebuild writes and checks everything, as if
it knew nothing of the last build (it would cost more to tell what is unchanged)."""
INDEX = "last-build.index"
"""What the last build left (`_Index`)."""

T = TypeVar("T")
_QuoteRecord = tuple[str, str | None, int, int | None]  # text, source, line, source's line
_CitedRecord = tuple[str, str | None, str, int, int | None]  # the same, with its file


@dataclass
class Unit:
    """One data file, checked and built alone: what the other files and the link step need
    of it, and its part of the graph."""

    path: str  # as `load` names it in positions
    types: dict[str, str]  # its entity ids → `type:` as written
    quotes: dict[str, _QuoteRecord]  # its named quotes
    # what it read of the other files when it was made: the `type:` of each id it looked
    # up, and each named quote (None: there was none); it holds while these are the same
    read_types: dict[str, str | None]
    read_quotes: dict[str, _CitedRecord | None]
    part: GraphPart
    across: Across  # what the checks across files take from it
    classes: dict[str, int]  # entities per `type:`
    matches: list[QuoteMatch]  # each passage it quotes, once
    objects: list[str]  # the IRIs its triples point at, as N-Triples writes them, sorted
    warnings: list[Problem] = field(default_factory=list)

    def named_quotes(self) -> Iterable[NamedQuote]:
        """Its named quotes as `load` reads them."""
        path = self.path
        for qid, (text, source, line, source_line) in self.quotes.items():
            where = None if source_line is None else SourcePos(path, source_line)
            yield NamedQuote(qid, text, source, SourcePos(path, line), where)


@dataclass
class _Index:
    """What the last build left: its units (data file → unit), the subjects of its graph
    in order, and the state (`file_state`) of each patchable output it wrote."""

    units: dict[str, str]  # data file → the digest of its unit (`_unit_digest`)
    subjects: list[str]
    digests: bytes  # of each subject's lines, in the order of `subjects` (`_subject_digest`)
    outputs: dict[str, str | None]
    vocabulary: list[str]  # the vocabulary's terms the graph described
    checks: str  # the sha256 of the shapes and rules it passed
    coverage: Counts  # each source's counts of quoted sentences


@dataclass
class Linked:
    """The checked and built data of every unit, as one build makes it."""

    built: Built
    entities_per_class: dict[str, int]
    quotes_checked: int
    warnings: tuple[Problem, ...]
    matches: list[QuoteMatch]
    _keep: dict[str, Unit]  # file name → unit, for `save`
    _new: set[str]
    _keys: dict[str, str]  # data file → its unit's key (`unit_key`)
    _digests: bytes  # of each subject's lines, in the order of `subjects`
    subjects: list[str]  # in the order of the document
    # the lines of each subject that may differ from the last build's (b"": gone), if known
    changed: dict[str, bytes] | None
    previous: _Index | None
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
        covered, substantive, self._coverage = quoted_counts(texts, self.matches, known)
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

    @property
    def entities(self) -> int:
        return sum(self.entities_per_class.values())

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
                write_file(folder / name, _encoded(name, self._keep[name]))
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
        index = _Index(
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
        write_file(folder / INDEX, _encoded(self._index_name, index))  # last: it names them


@dataclass
class Gathered:
    """Every data file's unit (`gather`), before the checks that need them all (`join`)."""

    units: list[Unit]  # in the order of the files
    names: dict[str, str]  # file → unit name
    new: dict[str, Unit]  # file → unit made by this build
    folder: Path | None  # where units are kept; None: a build without the cache
    context: str  # what every unit depends on besides its file (see `gather`)
    previous: _Index | None  # what the last build left

    def network_patches(self, out: Path) -> dict[str, Patch]:
        """A function that patches the last build's `graph.graphml` in `out` (see
        `kg.incremental.patch.patched_graphml`), or gives None; none if there is no last build."""
        previous = self.previous
        if previous is None:
            return {}
        fresh = {  # the entities of the files whose unit is not the last build's
            eid
            for unit in self.units
            if previous.units.get(unit.path) != self.key(unit)
            for eid in unit.types
        }

        def make(graphs: Graphs) -> Iterator[bytes] | None:
            old = out / WRITERS["graphml"].filename
            if previous is None or previous.outputs.get("graphml") != file_state(old):
                return None
            return patched_graphml(old, graphs.network, fresh)

        return {"graphml": make}

    def join(self, schema: Schema, checks: str = "", reach: int | None = None) -> Linked:
        """The checks that need every file (`check_across`), and the graph of them all;
        raises `KgError` with every problem.

        `checks` names the shapes and rules the build runs (a digest) and `reach` is how
        far past a node they read (see `shapes_reach`; None: unknown). When the last build
        passed the same checks, `Linked.near` gives the nodes whose results may have
        changed (within `reach` steps back from a changed node) and the triples those
        results depend on."""
        return _join(self, schema, self.previous, checks, reach)

    def key(self, unit: Unit) -> str:
        """The key of `unit` (`unit_key`)."""
        return unit_key(self.names[unit.path], unit)

    def network(
        self,
        schema: Schema,
        texts: Mapping[str, str],
        spool: Path,
        graph: Built | None = None,
    ) -> nx.MultiDiGraph:
        """The explorer's network of the data (what `network_graph` makes of the joined
        graph), from the network part kept beside each unit that was not made again; the
        other parts are made, and written into `spool` for `Linked.save`. They are made
        from the joined `graph` if given (once `Linked.keep` has let the units' triples
        go), else from a graph of just the triples of their units."""
        with collector.paused():
            return _network(self, schema, texts, spool, graph)

    @property
    def mostly_new(self) -> bool:
        """Whether most units were made by this build (as in a first build)."""
        return len(self.new) > len(self.units) * MOST_CHANGED


def gather(
    data_dir: Path,
    schema: Schema,
    sources: dict[str, SourceText],
    folder: Path | None,
    context: str,
) -> Gathered:
    """The unit of each data file under `data_dir`: kept in `folder` where it still holds,
    made from the file otherwise (every one, if `folder` is None). Raises `KgError` with
    every problem of reading the files, or else of checking them (`check_file`) and across
    them (`check_across`)."""
    files, problems = data_files(data_dir)
    names = {str(path): _unit_name(context, path) for path in files}
    units: dict[str, Unit] = {}
    for path, name in names.items():
        unit = None if folder is None else _load(folder / name, name, Unit)
        if unit is not None and unit.path == path:
            units[path] = unit
    facts: dict[str, Facts] = {}
    problems += _read(files, units, facts)
    if problems:  # as `load_facts`: every problem of reading, and nothing checked
        raise KgError(problems)
    types: dict[str, str] = {}
    quotes: dict[str, NamedQuote] = {}
    for path in names:  # the first of two entities or quotes with one id stands for it
        if path in facts:
            own_types = {e.id.text: e.type.text for e in facts[path].entities}
            own_quotes: Iterable[NamedQuote] = facts[path].quotes
        else:
            own_types, own_quotes = units[path].types, units[path].named_quotes()
        for eid, name in own_types.items():
            types.setdefault(eid, name)
        for quote in own_quotes:
            quotes.setdefault(quote.id, quote)
    for path, unit in list(units.items()):
        if not _holds(unit, types, quotes):  # read again: its ids and quotes stay the same
            del units[path]
    problems += _read(files, units, facts)
    if problems:  # a file changed while it was read
        raise KgError(problems)
    new: dict[str, Unit] = {}
    failed: dict[str, tuple[list[Problem], Across]] = {}
    items = list(facts.items())
    # a forked helper makes the second half when there are enough to be worth it
    cut = len(items) // 2 if sum(len(f.entities) for _, f in items) >= PARALLEL_ENTITIES else 0
    made = in_two(_make_each, items, cut, schema, sources, types, quotes)
    for path, (result, found) in zip(facts, made, strict=True):
        if isinstance(result, Unit):
            units[path] = new[path] = result
        else:
            failed[path] = (found, result)
    # an index left by other code (another version of kg) is not read
    previous = None
    if folder is not None:
        previous = _load(folder / INDEX, _index_name(context), _Index)
    if failed:  # every problem of every file, and of the checks across them
        across = [units[p].across if p in units else failed[p][1] for p in names]
        found = [w for u in units.values() for w in u.warnings]
        found += [p for problems, _ in failed.values() for p in problems]
        raise KgError(found + check_across(across))
    units_in_order = [units[str(p)] for p in files]
    return Gathered(units_in_order, names, new, folder, context, previous)


def _subject_digest(block: bytes) -> bytes:
    """A digest of one subject's N-Triples lines, as the index keeps it."""
    return hashlib.blake2b(block, digest_size=DIGEST_BYTES).digest()


DIGEST_BYTES = 16


def _changed(previous: _Index, order: list[str], digests: bytes) -> set[str]:
    """The subjects whose lines differ from those of the last build (`previous`), which
    wrote the outputs: present in only one of the two, or with other lines."""
    size = DIGEST_BYTES
    old = {s: previous.digests[i * size : (i + 1) * size] for i, s in enumerate(previous.subjects)}
    changed = {
        s for i, s in enumerate(order) if old.pop(s, b"") != digests[i * size : (i + 1) * size]
    }
    return changed | old.keys()


def _read(files: list[Path], units: dict[str, Unit], facts: dict[str, Facts]) -> list[Problem]:
    """Read the files that have no unit yet into `facts`; the problems found."""
    missing = [p for p in files if str(p) not in units and str(p) not in facts]
    problems = []
    for one, found in read_each(missing):
        problems += found
        if not found:
            facts[one.files[0]] = one
    return problems


def _holds(unit: Unit, types: Mapping[str, str], quotes: Mapping[str, NamedQuote]) -> bool:
    """Whether what `unit` took from other files is still so."""
    for eid, name in unit.read_types.items():
        if types.get(eid) != name:
            return False
    for qid, record in unit.read_quotes.items():
        if _cited(quotes.get(qid)) != record:
            return False
    return True


def _cited(quote: NamedQuote | None) -> _CitedRecord | None:
    if quote is None:
        return None
    where = quote.source_pos.line if quote.source_pos else None
    return (quote.text, quote.source, quote.pos.path, quote.pos.line, where)


V = TypeVar("V")


class _Recorded(Mapping[str, V]):
    """The ids or named quotes of `table` that are not a file's `own`, noting each key
    looked up (with what it found) and whether they were read whole."""

    def __init__(self, table: Mapping[str, V], own: set[str]) -> None:
        self._table, self._own = table, own
        self.read: dict[str, V | None] = {}
        self.whole = False

    def __getitem__(self, key: str) -> V:
        found = self.read[key] = None if key in self._own else self._table.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[str]:
        self.whole = True
        return (key for key in self._table if key not in self._own)

    def __len__(self) -> int:
        self.whole = True
        return sum(1 for _ in self)


def _make_each(
    items: list[tuple[str, Facts]],
    schema: Schema,
    sources: dict[str, SourceText],
    types: dict[str, str],
    quotes: dict[str, NamedQuote],
) -> list[tuple[Unit | Across, list[Problem]]]:
    """The unit of each (file, facts) of `items`, or what the checks across files take from
    it and its problems."""
    return [_make_unit(path, one, schema, sources, types, quotes) for path, one in items]


PARALLEL_ENTITIES = 2000
"""Below this many entities to check and build, one process does it (forking costs more)."""


def _make_unit(
    path: str,
    facts: Facts,
    schema: Schema,
    sources: dict[str, SourceText],
    types: dict[str, str],
    quotes: dict[str, NamedQuote],
) -> tuple[Unit | Across, list[Problem]]:
    own_types = {e.id.text: e.type.text for e in facts.entities}
    own_quotes = {q.id for q in facts.quotes}
    read_types = _Recorded(types, set(own_types))
    read_quotes = _Recorded(quotes, own_quotes)
    checked = check_file(facts, schema, sources, read_types, read_quotes)
    if any(not p.is_warning for p in checked.problems):
        return checked.across, checked.problems
    if read_types.whole or read_quotes.whole:  # it read them all: made again every time
        read_types.read["\0"] = "\0"
    matches: dict[tuple[str, int, int], QuoteMatch] = {}
    for entity in checked.entities:
        for m in entity.evidence:
            matches.setdefault((m.source, m.start, m.end), m)
        for st in entity.statements:
            for m in st.evidence:
                matches.setdefault((m.source, m.start, m.end), m)
    part = build_part(checked.entities, schema)
    return Unit(
        path,
        own_types,
        {
            q.id: (q.text, q.source, q.pos.line, q.source_pos.line if q.source_pos else None)
            for q in facts.quotes
        },
        dict(sorted(read_types.read.items())),
        {qid: _cited(q) for qid, q in sorted(read_quotes.read.items())},
        part,
        checked.across,
        dict(Counter(e.cls.yaml_type or "" for e in checked.entities)),
        list(matches.values()),
        sorted(set(_objects(b"".join(part.blocks.values())))),
        [p for p in checked.problems if p.is_warning],
    ), []


def _objects(block: bytes) -> Iterator[str]:
    """The IRIs that the N-Triples lines of `block` have as objects."""
    for found in _OBJECT.findall(block):
        yield found.decode()


# an IRI object ends its line (a literal cannot: N-Triples escapes line breaks, and a
# datatype IRI follows "^^", not a space)
_OBJECT = re.compile(rb" (<[^>\n]*>) \.$", re.MULTILINE)


def _pointing_at(targets: set[str], blocks: Iterable[tuple[str, bytes]]) -> Iterator[str]:
    """The subjects of `blocks` that have one of `targets` as an object."""
    for subject, block in blocks:
        if any(o in targets for o in _objects(block)):
            yield subject


def _join(
    gathered: Gathered,
    schema: Schema,
    previous: _Index | None,
    checks: str,
    reach: int | None,
) -> Linked:
    """The checks that need every unit, and the graph of them all."""
    units, names, new = gathered.units, gathered.names, gathered.new
    warnings = [w for u in units for w in u.warnings] + check_across([u.across for u in units])
    if any(not p.is_warning for p in warnings):
        raise KgError(warnings)
    found = {key for u in units for key in u.across.found}
    counts: Counter[str] = Counter()
    for unit in units:
        counts.update(unit.classes)
    parts = [u.part for u in units]
    blocks = part_blocks(parts, schema)
    order = subject_order(blocks)
    vocabulary = sorted({t for part in parts for t in part.vocabulary})
    digests = b"".join(_subject_digest(blocks[s]) for s in order)
    changed = None if previous is None else _changed(previous, order, digests)
    near = None
    if changed is not None and len(changed) > len(order) * MOST_CHANGED:
        changed = None  # as good as all of it: written and checked whole
    if previous is not None and changed is not None:
        changed |= {f"<{t}>" for t in set(vocabulary) ^ set(previous.vocabulary)}
        if reach is not None and checks and previous.checks == checks:
            near = _near(changed, reach, blocks, units, vocabulary)
    return Linked(
        join_parts(parts, schema, blocks, order),
        dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        len(found),
        tuple(sorted(set(warnings))),
        [m for u in units for m in u.matches],
        {names[u.path]: u for u in units},
        {names[path] for path in new},
        {u.path: gathered.key(u) for u in units},
        digests,
        order,
        None if changed is None else {s: blocks.get(s, b"") for s in changed},
        previous,
        vocabulary,
        checks,
        near,
        _index_name(gathered.context),
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
        found = {o for s in frontier for o in _objects(blocks.get(s, b""))}
        frontier = found - nodes
        nodes |= frontier
    return focus, b"".join(blocks[s] for s in sorted(nodes) if s in blocks)


def _unit_name(context: str, path: Path) -> str:
    digest = hashlib.sha256(f"kg-unit {FORMAT}\0{context}\0{path}\0".encode())
    digest.update(file_digest(path, MAX_FILE_BYTES))  # a bigger file is refused, not read
    return digest.hexdigest() + UNIT


def _index_name(context: str) -> str:
    return f"{INDEX} {FORMAT} {context}"


def unit_key(name: str, unit: Unit) -> str:
    """The key of a unit: the digest of everything it was made from, that is its file's
    path and bytes and the build's context (its `name`), and what it read of the other
    files. Its network part is kept under this key."""
    read = msgspec.msgpack.encode((unit.read_types, unit.read_quotes))
    return hashlib.sha256(name.encode() + b"\0" + read).hexdigest()


def _encoded(name: str, value: object) -> bytes:
    """The contents of a file of the units' folder: `value`, with the name it is kept for,
    in MessagePack (plain data: reading it runs no code)."""
    return msgspec.msgpack.encode((name, value))


def _load(path: Path, name: str, kind: type[T]) -> T | None:
    """The `kind` kept in `path` for `name`, or None (none there, too big, unreadable, not a
    `kind`, or another's: it is made again). Read without following a link."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_KEPT_BYTES:
            return None
        data = f.read()
    try:
        found_name, value = msgspec.msgpack.decode(data, type=tuple[str, kind])  # type: ignore[valid-type]
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    return value if found_name == name else None


MAX_KEPT_BYTES = 1 << 30
"""A file of the units' folder larger than this is not read (a unit is the size of its
file's triples, a few MiB at most under the 1 MiB limit on a data file)."""


def _network(
    gathered: Gathered,
    schema: Schema,
    texts: Mapping[str, str],
    spool: Path,
    graph: Built | None,
) -> nx.MultiDiGraph:
    keys = {unit.path: gathered.key(unit) for unit in gathered.units}
    parts: dict[str, NetworkPart] = {}
    missing: list[tuple[str, Unit]] = []
    for unit in gathered.units:
        name = keys[unit.path]
        folder = gathered.folder
        kept = None if folder is None else _load(folder / (name + NETWORK), name, NetworkPart)
        if kept is not None:
            parts[name] = kept
        else:
            missing.append((name, unit))
    if missing:
        prefix = str(ID)
        every = {URIRef(prefix + eid) for unit in gathered.units for eid in unit.types}
        view = _units_view([u for _, u in missing], schema) if graph is None else _view(graph)
        positions = {  # their entities' and statements' (a passage's are not shown)
            URIRef(node): SourcePos(path, line)
            for _, u in missing
            for _, nodes, _ in u.part.places
            for node, path, line in nodes
        }
        entities = sorted(URIRef(prefix + eid) for _, u in missing for eid in u.types)
        whole = network_part(cast(Graph, view), schema, positions, texts, entities, every)
        del view, positions  # before the network is joined: at 100k entities, 1.5 GB
        if graph is not None:
            graph.release_store()
        for (name, _), part in zip(missing, _split(whole, [u for _, u in missing]), strict=True):
            parts[name] = part
            write_file(spool / (name + NETWORK), _encoded(name, part))
        del whole
    return join_network((parts[keys[u.path]] for u in gathered.units), schema)


def _units_view(units: list[Unit], schema: Schema) -> GraphView:
    """A view of the parts of the graph that `units` made."""
    blocks = part_blocks((u.part for u in units), schema)
    document = b"".join(blocks[s] for s in subject_order(blocks))
    del blocks
    return GraphView(
        lambda: _store(document),
        lambda: ox.parse(document, format=ox.RdfFormat.N_TRIPLES, lenient=True),
    )


def _view(graph: Built) -> GraphView:
    """A view of `graph` (as `Built.view`, but freed once no longer used)."""
    return GraphView(lambda: graph.store, lambda: graph.triples)


def _store(document: bytes) -> ox.Store:
    store = ox.Store()
    store.bulk_load(document, format=ox.RdfFormat.N_TRIPLES)
    return store


def _split(whole: NetworkPart, units: list[Unit]) -> list[NetworkPart]:
    """`whole` cut into the part of each of `units` (whose entities it describes)."""
    prefix = str(ID)
    owner: dict[str, int] = {}
    for i, unit in enumerate(units):
        for eid in unit.types:
            owner[prefix + eid] = i
    parts = [NetworkPart({}, {}, {}, {}) for _ in units]
    for iri, attrs in whole.nodes.items():
        parts[owner[iri]].nodes[iri] = attrs
    for iri, source in whole.sources.items():
        parts[owner[iri]].sources[iri] = source
    for iri, st in whole.statements.items():
        parts[owner[prefix + st["subject"]]].statements[iri] = st
    passages = {iri.rsplit("/", 1)[-1]: iri for iri in whole.evidence}
    for part in parts:
        cited = {e for attrs in part.nodes.values() for e in attrs["evidence"]}
        cited.update(e for st in part.statements.values() for e in st["evidence"])
        for local in sorted(cited):
            iri = passages[local]
            part.evidence[iri] = whole.evidence[iri]
    return parts


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


def read_each(files: list[Path]) -> list[tuple[Facts, list[Problem]]]:
    """Each of `files` read into its own `Facts`, with its problems, in order. A forked
    helper reads the last files while this process reads the first (see `_halves`)."""
    first, _ = _halves(files)
    return in_two(read_files, files, len(first))


PARALLEL_BYTES = 512 * 1024
"""Below this much YAML, files are read in one process (forking would cost more)."""
FIRST_SHARE = 0.65
"""The share of the bytes this process reads; the child also pickles what it read."""


def _halves(files: list[Path]) -> tuple[list[Path], list[Path]]:
    """`files` cut in two runs, the first with about `FIRST_SHARE` of the bytes (the second
    empty for small data), so a forked helper reads the second while this process reads
    the first, and both finish at about the same time."""
    sizes = [p.stat().st_size for p in files]
    total = sum(sizes)
    if total < PARALLEL_BYTES or len(files) < 2:
        return files, []
    run = 0
    for i, size in enumerate(sizes):
        run += size
        if run >= total * FIRST_SHARE:
            return files[: i + 1], files[i + 1 :]
    return files, []  # pragma: no cover - the loop always returns
