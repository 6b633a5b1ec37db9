"""The build one data file at a time: each file read, checked (`check_file`) and built
(`build_part`) into a `Unit`, or its unit kept in `OUT/.kg-cache/units/` reused where it
still holds (`gather`); then `Gathered.join` (`kg.incremental.join`) and the explorer's
network from the parts kept beside the units (`kg.incremental.network_parts`).

A unit is named by the sha256 of its file's path and bytes and of the context (the code,
the ontology, the source texts), and records what its checks read of the other files: the
`type:` of each id and each named quote it looked up, as `check_file` looked them up. A
later build reuses the unit of an unchanged file only while each of those reads gives the
same answer; the unit's key (`unit_key`) is the digest of all of it. With no folder (a
build without the cache), every unit is made, in memory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from kg.errors import KgError, Problem
from kg.facts import Facts, NamedQuote
from kg.incremental import join as joining
from kg.incremental.join import MOST_CHANGED, Linked, objects
from kg.incremental.patch import file_state, patched_graphml
from kg.incremental.records import (
    INDEX,
    CitedRecord,
    Index,
    Unit,
    index_name,
    load,
    unit_key,
    unit_name,
)
from kg.namespaces import GBA
from kg.outputs.export import WRITERS, Graphs, Patch
from kg.pipeline.build import Built, build_part
from kg.pipeline.consistency import Across, check_across
from kg.pipeline.load import data_files, read_files
from kg.pipeline.ontology import Schema
from kg.pipeline.quotes import QuoteMatch, SourceText
from kg.pipeline.validate import OtherFiles, check_file
from kg.runtime import collector
from kg.runtime.forked import in_two

if TYPE_CHECKING:
    import networkx as nx


@dataclass
class Gathered:
    """Every data file's unit (`gather`), before the checks that need them all (`join`)."""

    units: list[Unit]  # in the order of the files
    names: dict[str, str]  # file → unit name
    new: dict[str, Unit]  # file → unit made by this build
    folder: Path | None  # where units are kept; None: a build without the cache
    context: str  # what every unit depends on besides its file (see `gather`)
    previous: Index | None  # what the last build left

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
        return joining.join(self, schema, self.previous, checks, reach)

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
        from kg.incremental import network_parts  # networkx: only for the explorer

        with collector.paused():
            return network_parts.network(self, schema, texts, spool, graph)

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
    names = {str(path): unit_name(context, path) for path in files}
    units: dict[str, Unit] = {}
    for path, name in names.items():
        unit = None if folder is None else load(folder / name, name, Unit)
        if unit is not None and unit.path == path:
            units[path] = unit
    facts: dict[str, Facts] = {}
    problems += _read(files, units, facts)
    if any(str(p) not in facts and str(p) not in units for p in files):
        raise KgError(problems)  # a file could not be read at all: nothing else is checked
    # files read with problems (a duplicate key, an invisible character) are checked all the
    # same, so that all their faults are found in one run; the build then fails with all
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
    again = _read(files, units, facts)
    if again:  # a file changed while it was read
        raise KgError(problems + again)
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
        previous = load(folder / INDEX, index_name(context), Index)
    if failed or problems:  # every problem of every file, and of the checks across them
        across = [units[p].across if p in units else failed[p][1] for p in names]
        found = [w for u in units.values() for w in u.warnings]
        found += [p for each, _ in failed.values() for p in each]
        raise KgError(problems + found + check_across(across))
    units_in_order = [units[str(p)] for p in files]
    return Gathered(units_in_order, names, new, folder, context, previous)


def _read(files: list[Path], units: dict[str, Unit], facts: dict[str, Facts]) -> list[Problem]:
    """Read the files that have no unit yet into `facts`; the problems found."""
    missing = [p for p in files if str(p) not in units and str(p) not in facts]
    problems = []
    for one, found in read_each(missing):
        problems += found
        if not one.unread:  # read, if with problems: checked all the same
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


def _cited(quote: NamedQuote | None) -> CitedRecord | None:
    if quote is None:
        return None
    where = quote.source_pos.line if quote.source_pos else None
    return (quote.text, quote.source, quote.pos.path, quote.pos.line, where)


V = TypeVar("V")


class _Recorded(Mapping[str, V]):
    """`table`, noting each key looked up in it (with what it found) and whether it was
    read whole."""

    def __init__(self, table: Mapping[str, V]) -> None:
        self._table = table
        self.read: dict[str, V | None] = {}
        self.whole = False

    def __getitem__(self, key: str) -> V:
        found = self.read[key] = self._table.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[str]:
        self.whole = True
        return iter(self._table)

    def __len__(self) -> int:
        self.whole = True
        return len(self._table)


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
    read_types = _Recorded(OtherFiles(types, set(own_types)))
    read_quotes = _Recorded(OtherFiles(quotes, own_quotes))
    checked = check_file(facts, schema, sources, read_types, read_quotes)
    if any(not p.is_warning for p in checked.problems):
        return checked.across, checked.problems
    if read_types.whole or read_quotes.whole:  # it read them all: made again every time
        read_types.read["\0"] = "\0"
    matches: dict[tuple[str, int, int], QuoteMatch] = {}
    left_out: dict[tuple[str, int, int], QuoteMatch] = {}
    for entity in checked.entities:
        # a passage left out on purpose (gba:Omission) holds no fact: kept apart for coverage
        into = left_out if GBA.Omission in entity.cls.ancestors else matches
        for m in entity.evidence:
            into.setdefault((m.source, m.start, m.end), m)
        for st in entity.statements:
            for m in st.evidence:
                into.setdefault((m.source, m.start, m.end), m)
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
        sorted(set(objects(b"".join(part.blocks.values())))),
        [p for p in checked.problems if p.is_warning],
        list(left_out.values()),
    ), []


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
