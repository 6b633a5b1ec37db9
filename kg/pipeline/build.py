"""Step 3: turn `Checked` facts into the graph's triples, with no blank nodes.

For each entity: its class (and every gba: superclass, so `?x a gba:Place` needs no
reasoner), its labels and its evidence. For each statement: the plain triple
(`gbr:a gba:locatedIn gbr:b`) and a reified `rdf:Statement` node that carries the evidence
(`prov:wasDerivedFrom`) and the qualifiers, so "which quote supports this edge" is one SPARQL
pattern. Each quoted passage becomes one `gba:Evidence` node with a W3C Web Annotation
TextQuoteSelector and TextPositionSelector. IRIs are minted from ids and offsets only.

The triples are written straight as N-Triples lines and sorted once (each subject's lines
together, subjects in IRI order): that document is `graph.nt`, and its order is the order of
every RDF output. pyoxigraph loads it into the store (checking every term) that answers the
shapes, the rules and the graph reads of the network and coverage (`Built.view`), and parses
it again for each writer. An `rdflib.Graph` is made only when asked for (`Built.graph`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.term import Identifier, Node

from kg.facts import SourcePos
from kg.namespaces import GBA, ID, KG, OA, PROV
from kg.pipeline.checked import Checked, CheckedEntity, CheckedStatement
from kg.pipeline.graph_view import GraphView, to_ox_term, to_rdflib_term
from kg.pipeline.ontology import Schema
from kg.pipeline.quotes import QuoteMatch

_SAFE = re.compile(r"[A-Za-z0-9-]{1,40}")
_ID = str(ID)  # IRIs are made as `URIRef(_ID + id)`: rdflib's `ID[id]` costs 5× more
_NNI = "<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>"


@dataclass
class Built:
    """The graph as sorted N-Triples, and where in the YAML each of its nodes came from.

    The bytes are the graph: `graph.nt` as written, what the store loads and what every
    other writer reads (`triples`), so no Python object per triple is kept. A large build
    may `spill` them to a file for a while, to free their memory.
    """

    _nt: bytes
    _positions: dict[URIRef, SourcePos] = field(default_factory=dict)
    _key_positions: dict[tuple[URIRef, URIRef], SourcePos] = field(default_factory=dict)
    statements: int = 0
    spilled: Path | None = None  # the file holding the N-Triples, while spilled
    _places: list[GraphPart] | None = None  # parts whose places are not in the positions yet

    @property
    def positions(self) -> dict[URIRef, SourcePos]:
        """Where in the YAML each node came from."""
        if self._places is not None:
            self._place()
        return self._positions

    @property
    def key_positions(self) -> dict[tuple[URIRef, URIRef], SourcePos]:
        """Where in the YAML each node's first value of each property was written."""
        if self._places is not None:
            self._place()
        return self._key_positions

    def _place(self) -> None:
        """The positions of the parts joined (`join_parts`), made on first use: a rebuild
        that writes no explorer and finds no problem needs none (150,000 at 10k entities)."""
        parts, self._places = self._places or [], None
        # in id order, so that a passage quoted by several entities is placed at the first's
        positions, key_positions = self._positions, self._key_positions
        for _, nodes, keys in sorted((e for part in parts for e in part.places), key=_first):
            for node, path, line in nodes:
                positions.setdefault(URIRef(node), SourcePos(path, line))
            for node, prop, path, line in keys:
                key_positions.setdefault((URIRef(node), URIRef(prop)), SourcePos(path, line))

    @classmethod
    def of_graph(cls, graph: Graph, positions: Mapping[URIRef, SourcePos] | None = None) -> Built:
        """The `Built` of an rdflib graph (for graphs made or changed by hand, as in tests)."""
        lines = Lines()
        for s, p, o in graph:
            lines.add(nt(s), nt(p), nt(o))
        return cls(lines.document(), dict(positions or {}))

    @property
    def nt(self) -> bytes:
        """The N-Triples document (read back from its file while spilled)."""
        return self._nt if self.spilled is None else self.spilled.read_bytes()

    def spill(self) -> None:
        """Move the N-Triples into a temporary file (in `tempfile.gettempdir()`, which
        `TMPDIR` sets), removed with this object, to free their memory (760 MB at 100k
        entities): the store and the writers read the file as a stream, and `nt` reads it
        back. Where the file cannot be written, they stay in memory."""
        if self.spilled is not None:
            return
        self.size  # noqa: B018 - counted while in memory
        try:
            fd, name = tempfile.mkstemp(prefix="kg-", suffix=".nt")
        except OSError:
            return  # no temporary folder to write to: they stay in memory
        remove = weakref.finalize(self, _remove, name, os.getpid())
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(self._nt)
        except OSError:  # e.g. the temporary folder is full: they stay in memory
            remove()
            return
        self._nt, self.spilled = b"", Path(name)

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        """The N-Triples document in parts, for writing it out."""
        if self.spilled is None:
            yield self._nt
            return
        yield from read_chunks(self.spilled, size)

    @property
    def triples(self) -> Iterator[ox.Triple]:
        """The triples as pyoxigraph terms, in order (parsed anew on each call)."""
        # lenient: IRIs and language tags are not re-validated here; the store's strict
        # load checks them once
        if self.spilled is not None:
            return ox.parse(path=self.spilled, format=ox.RdfFormat.N_TRIPLES, lenient=True)
        return ox.parse(self._nt, format=ox.RdfFormat.N_TRIPLES, lenient=True)

    @cached_property
    def size(self) -> int:
        """The number of triples (one line each: N-Triples escapes line breaks)."""
        return self.nt.count(b"\n")

    @cached_property
    def store(self) -> ox.Store:
        """A pyoxigraph store of the triples, for the shapes, rules and questions."""
        store = ox.Store()
        if self.spilled is not None:
            store.bulk_load(path=self.spilled, format=ox.RdfFormat.N_TRIPLES)
        else:
            store.bulk_load(self._nt, format=ox.RdfFormat.N_TRIPLES)
        return store

    def release_store(self) -> None:
        """Free the store's memory (about 0.4 KB a triple); it is made again if used."""
        self.__dict__.pop("store", None)

    @cached_property
    def view(self) -> GraphView:
        """rdflib-style reads of the graph (network, coverage, statistics): an index of the
        triples for reads that name a subject, the store for the rest."""
        return GraphView(lambda: self.store, lambda: self.triples)

    @cached_property
    def graph(self) -> Graph:
        """The triples in an `rdflib.Graph` (made on first use; the build needs none)."""
        graph = Graph()
        term = to_rdflib_term
        graph.addN(
            (term(t.subject), term(t.predicate), term(t.object), graph) for t in self.triples
        )
        return graph


def read_chunks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    """The bytes of the file at `path`, `size` at a time."""
    with open(path, "rb") as f:
        while chunk := f.read(size):
            yield chunk


def _remove(name: str, owner: int) -> None:
    if os.getpid() == owner:  # not from a forked helper that shares the object
        with contextlib.suppress(FileNotFoundError):
            os.remove(name)


def nt(term: Node) -> str:
    """`term` as N-Triples writes it (the form pyoxigraph's N-Triples writer gives)."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        return str(to_ox_term(term))
    raise TypeError(f"blank nodes are not written: {term!r}")  # the builder makes none


class Lines:
    """N-Triples lines (UTF-8) grouped by subject; a triple added twice is written once.

    Each subject's lines are kept as one `bytearray` of `P O .` lines, without the subject:
    one object per subject instead of one per triple, which at 100k entities (4.6 million
    triples) is about half the memory, and leaves no small objects behind once sorted."""

    def __init__(self) -> None:
        self.by_subject: dict[str, bytearray] = {}

    def add(self, s: str, p: str, o: str) -> None:
        lines = self.by_subject.get(s)
        if lines is None:
            lines = self.by_subject[s] = bytearray()
        lines += f"{p} {o} .\n".encode()

    def document(self) -> bytes:
        """The sorted N-Triples document: subjects in IRI order, and each subject's lines by
        predicate (`rdf:type`, `rdfs:label`, `skos:altLabel`, then by IRI) and object (IRIs
        before literals). Lines are handed over subject by subject, to keep memory low."""
        return b"".join(block for _, block in self.blocks())

    def blocks(self) -> Iterator[tuple[str, bytes]]:
        """Each subject's lines of `document`, subject by subject in order (emptying this)."""
        by_subject = self.by_subject
        for s in sorted(by_subject, key=_subject_key):
            yield s, _block(s, bytes(by_subject.pop(s)).split(b"\n"))


def _block(subject: str, lines: Iterable[bytes]) -> bytes:
    """The sorted, distinct `P O .` `lines` of `subject` as full N-Triples lines."""
    found = set(lines)
    found.discard(b"")
    ordered: list[bytes] = sorted(found, key=_line_key)
    head = subject.encode() + b" "
    return head + (b"\n" + head).join(ordered) + b"\n"


def merge_blocks(subject: str, blocks: Iterable[bytes]) -> bytes:
    """One block of `subject`'s lines from several (`Lines.blocks`), each line once."""
    skip = len(subject.encode()) + 1
    return _block(subject, (line[skip:] for b in blocks for line in b.split(b"\n")))


def _line_key(line: bytes) -> tuple[bytes, bytes]:
    """Sort key of a subject's line `P O .`: predicate rank and IRI, then object (IRIs
    before literals). UTF-8 bytes sort as their code points do."""
    end = line.index(b" ")
    p, o = line[:end], line[end + 1 : -2]
    return _FIRST.get(p, b"3") + p[1:-1], (b"0" + o[1:-1] if o[:1] == b"<" else b"1" + o)


def _subject_key(subject: str) -> str:
    return subject[1:-1]  # the IRI: `gbr:a` before `gbr:a--b`


def evidence_iri(match: QuoteMatch) -> URIRef:
    """`gbr:SOURCE--START-END`: one node per quoted passage, shared by all its uses."""
    return URIRef(f"{_ID}{match.source}--{match.start}-{match.end}")


def statement_iri(st: CheckedStatement, key: str) -> URIRef:
    """`gbr:SUBJECT--KEY--VALUE`; VALUE is the object's id, or a hash for awkward literals."""
    obj = st.obj
    if isinstance(obj, URIRef):
        part = str(obj).rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    else:
        text = str(obj)
        part = text if _SAFE.fullmatch(text) else "h" + _digest(obj)
    return URIRef(f"{_ID}{st.subject}--{key}--{part}")


def _digest(term: Identifier) -> str:
    return hashlib.sha256(term.n3().encode("utf-8")).hexdigest()[:12]


_TYPE = nt(RDF.type)
_FIRST = {_TYPE.encode(): b"0", nt(RDFS.label).encode(): b"1", nt(SKOS.altLabel).encode(): b"2"}
_STATEMENT = (nt(RDF.Statement), nt(RDF.subject), nt(RDF.predicate), nt(RDF.object))
_DERIVED = nt(PROV.wasDerivedFrom)


class _Builder:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.lines = Lines()
        self.built = Built(b"")
        self.terms: dict[Node, str] = {}  # IRIs already written, as N-Triples
        self.evidence: set[str] = set()

    def term(self, term: Node) -> str:
        """`term` in N-Triples; IRIs are remembered (they repeat), literals mostly do not."""
        if not isinstance(term, URIRef):
            return nt(term)
        found = self.terms.get(term)
        if found is None:
            found = self.terms[term] = nt(term)
        return found

    def entity(self, entity: CheckedEntity) -> None:
        add, term = self.lines.add, self.term
        node = URIRef(_ID + entity.id)
        s = f"<{node}>"
        self.built.positions[node] = entity.pos
        for ancestor in entity.cls.ancestors:
            if ancestor.startswith(GBA._NS):
                add(s, _TYPE, term(ancestor))
        key_positions = self.built.key_positions
        for prop, literal in entity.labels:
            add(s, term(prop.iri), term(literal))
            key_positions.setdefault((node, prop.iri), entity.key_pos[prop.key])
        for match in entity.evidence:
            add(s, _DERIVED, self.quote(match, entity.pos))
        for st in entity.statements:
            self.statement(node, s, st)
            key_positions.setdefault((node, st.prop.iri), entity.key_pos[st.prop.key])

    def statement(self, subject: URIRef, s: str, st: CheckedStatement) -> None:
        add, term = self.lines.add, self.term
        p, o = term(st.prop.iri), term(st.obj)
        add(s, p, o)
        if st.prop.is_symmetric and isinstance(st.obj, URIRef):
            add(o, p, s)
        node = statement_iri(st, st.prop.key)
        self.built.positions[node] = st.pos
        self.built.statements += 1
        n = f"<{node}>"
        statement, subj, pred, obj = _STATEMENT
        add(n, _TYPE, statement)
        add(n, subj, s)
        add(n, pred, p)
        add(n, obj, o)
        for match in st.evidence:
            add(n, _DERIVED, self.quote(match, st.pos))
        for prop, literal in st.qualifiers:
            add(n, term(prop.iri), term(literal))

    def quote(self, match: QuoteMatch, pos: SourcePos) -> str:
        """The evidence node of `match` (written once), as N-Triples."""
        e = f"<{_ID}{match.source}--{match.start}-{match.end}>"
        if e in self.evidence:
            return e
        self.evidence.add(e)
        node = evidence_iri(match)
        self.built.positions[node] = pos
        add = self.lines.add
        source = f"<{_ID}{match.source}>"
        quote, position = f"<{node}--quote>", f"<{node}--position>"
        add(e, _TYPE, _EVIDENCE)
        add(e, _HAS_SOURCE, source)
        add(e, _QUOTED_FROM, source)
        add(e, _HAS_SELECTOR, quote)
        add(e, _HAS_SELECTOR, position)
        add(quote, _TYPE, _QUOTE_SELECTOR)
        add(quote, _EXACT, nt(Literal(match.exact)))
        if match.prefix:
            add(quote, _PREFIX, nt(Literal(match.prefix)))
        if match.suffix:
            add(quote, _SUFFIX, nt(Literal(match.suffix)))
        add(position, _TYPE, _POSITION_SELECTOR)
        add(position, _START, f'"{match.start}"^^{_NNI}')
        add(position, _END, f'"{match.end}"^^{_NNI}')
        return e

    def vocabulary(self) -> None:
        """Copy the ontology's description of each unit or status the data uses (type,
        labels), so the graph is readable and checkable on its own."""
        schema_terms = {t for words in self.schema.vocabulary.values() for t in words.values()}
        for term in sorted(schema_terms):
            if self.terms.get(term) is None:  # the data does not use it
                continue
            s = self.term(term)
            for p, o in self.schema.graph.predicate_objects(term):
                if not str(p).startswith(str(KG._NS)):
                    self.lines.add(s, self.term(p), self.term(o))


_EVIDENCE = nt(GBA.Evidence)
_HAS_SOURCE = nt(OA.hasSource)
_QUOTED_FROM = nt(PROV.wasQuotedFrom)
_HAS_SELECTOR = nt(OA.hasSelector)
_QUOTE_SELECTOR = nt(OA.TextQuoteSelector)
_POSITION_SELECTOR = nt(OA.TextPositionSelector)
_EXACT, _PREFIX, _SUFFIX = nt(OA.exact), nt(OA.prefix), nt(OA.suffix)
_START, _END = nt(OA.start), nt(OA.end)


def build_graph(checked: Checked, schema: Schema) -> Built:
    """Make the graph of `checked` facts: one part of them all, joined as a build joins
    the part of each file (`build_part`, `join_parts`)."""
    return join_parts([build_part(checked.entities, schema)], schema)


@dataclass
class GraphPart:
    """The triples of some entities (`build_part`), to be joined with the other parts of
    the data into the `Built` that `build_graph` makes of all of them (`join_parts`)."""

    blocks: dict[str, bytes]  # subject → its lines (as `Lines.blocks` gives them)
    # per entity, in id order: the nodes it placed, (IRI, file, line), and the lines of its
    # keys, (node IRI, property IRI, file, line)
    places: list[tuple[str, list[tuple[str, str, int]], list[tuple[str, str, str, int]]]]
    statements: int
    vocabulary: list[str]  # the ontology's units and statuses it uses


def build_part(entities: Iterable[CheckedEntity], schema: Schema) -> GraphPart:
    """The part of the graph made of `entities` (sorted by id)."""
    builder = _Builder(schema)
    built = builder.built
    places = []
    for entity in entities:
        builder.entity(entity)
        nodes = [(str(node), pos.path, pos.line) for node, pos in built.positions.items()]
        keys = [(str(n), str(p), pos.path, pos.line) for (n, p), pos in built.key_positions.items()]
        places.append((entity.id, nodes, keys))
        built.positions.clear()
        built.key_positions.clear()
    used = sorted(str(t) for words in schema.vocabulary.values() for t in words.values())
    return GraphPart(
        dict(builder.lines.blocks()),
        places,
        built.statements,
        [t for t in used if URIRef(t) in builder.terms],
    )


def join_parts(
    parts: Iterable[GraphPart],
    schema: Schema,
    blocks: Mapping[str, bytes] | None = None,
    order: list[str] | None = None,
) -> Built:
    """The `Built` of all `parts`: what `build_graph` makes of their entities together.
    `blocks` are their `part_blocks` and `order` their `subject_order`, when made already."""
    parts = list(parts)
    if blocks is None:
        blocks = part_blocks(parts, schema)
    if order is None:
        order = subject_order(blocks)
    built = Built(b"".join(map(blocks.__getitem__, order)), _places=parts)
    built.statements = sum(part.statements for part in parts)
    return built


def part_blocks(parts: Iterable[GraphPart], schema: Schema) -> dict[str, bytes]:
    """Each subject's lines in `parts` together, with the vocabulary they use."""
    parts = list(parts)
    vocabulary = vocabulary_blocks(schema, (t for part in parts for t in part.vocabulary))
    blocks: dict[str, bytes] = {}
    shared: dict[str, list[bytes]] = {}
    for found in [*(part.blocks for part in parts), vocabulary]:
        for s in blocks.keys() & found.keys():  # few: the dicts themselves are merged in C
            shared.setdefault(s, [blocks[s]]).append(found[s])
        blocks.update(found)
    for s, several in shared.items():
        blocks[s] = merge_blocks(s, several)
    return blocks


def subject_order(blocks: Iterable[str]) -> list[str]:
    """Subjects (as N-Triples writes them) in the order of the document."""
    return sorted(blocks, key=_subject_key)


def vocabulary_blocks(schema: Schema, terms: Iterable[str]) -> dict[str, bytes]:
    """The lines that describe the vocabulary `terms` (IRIs) in the graph, by subject."""
    builder = _Builder(schema)
    for term in set(terms):
        builder.term(URIRef(term))
    builder.vocabulary()
    return dict(builder.lines.blocks())


def _first(item: tuple[str, object, object]) -> str:
    return item[0]
