"""Outputs of a rebuild patched from the last build's, subject by subject.

Turtle and JSON-LD are written subject by subject, in the order of `graph.nt`, and a
subject's text depends only on its own triples. So when a rebuild knows which subjects may
have changed (`kg.incremental.units` does: those whose lines differ), it writes the others' text as
the last build left it, and writes only the changed subjects anew, with the same writers
(`patched`). GraphML is written element by element: a node's element depends only on its
entity, an edge's on the statements of its ends; so the elements of the entities of the
files made again, and of the edges at them, are written anew, the others copied
(`patched_graphml`). The result is the file a clean build writes (tested), at the cost of
copying.

The last build's file is used only if it is as that build left it (the same size,
modification time and inode: `file_state`); otherwise, or if anything does not add up,
the file is written whole.
"""

from __future__ import annotations

import mmap
import os
import re
from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kg.outputs.export import (
    GRAPHML_TAIL,
    WRITERS,
    Graphs,
    graphml_edge_data,
    graphml_edge_head,
    graphml_element,
    graphml_head,
    graphml_keys,
    graphml_node_data,
    graphml_node_head,
)
from kg.pipeline.build import Built
from kg.pipeline.ontology import Schema

if TYPE_CHECKING:
    import networkx as nx


@dataclass(frozen=True)
class Blocks:
    """How a file is made of its subjects' texts: `head`, the texts between `sep`s, `tail`.
    `head` of None: it is the file's start up to and including the first `sep`."""

    head: bytes | None
    sep: bytes
    tail: bytes

    def split(self, doc: bytes | mmap.mmap, head: bytes) -> list[tuple[int, int]] | None:
        """Where each subject's text lies in `doc` (start, end), or None if `doc` is not
        made that way."""
        if len(doc) < len(head) + len(self.tail) or doc[: len(head)] != head:
            return None
        if doc[len(doc) - len(self.tail) :] != self.tail:
            return None
        pos, end, width = len(head), len(doc) - len(self.tail), len(self.sep)
        out = []
        for found in re.compile(re.escape(self.sep)).finditer(doc, pos, end):
            out.append((pos, found.start()))
            pos = found.start() + width
        out.append((pos, end))
        return out

    def head_of(self, doc: bytes) -> bytes | None:
        """The head of `doc`, a file made this way."""
        if self.head is not None:
            return self.head if doc.startswith(self.head) else None
        cut = doc.find(self.sep)
        return None if cut < 0 else doc[: cut + len(self.sep)]


PATCHABLE: dict[str, Blocks] = {
    # prefixes, a blank line between subjects (see `kg.outputs.export.write_turtle`)
    "turtle": Blocks(None, b"\n\n", b"\n"),
    # one node object per subject (see `kg.outputs.export.write_jsonld`)
    "json-ld": Blocks(b"[\n {\n", b"\n },\n {\n", b"\n }\n]\n"),
}
"""The formats that can be patched, by the name `--format` takes."""


def file_state(path: Path) -> str | None:
    """What tells the file at `path` from an edited or replaced one, as `make` and git tell
    it (size, modification time in nanoseconds, inode, device); None if there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}:{st.st_dev}"


def patched(
    name: str,
    old: Path,
    old_subjects: Sequence[str],
    subjects: Sequence[str],
    changed: dict[str, bytes],
    schema: Schema,
) -> Iterator[bytes] | None:
    """Format `name` of the graph whose `subjects` are in order, made from `old` (that
    format of a graph of `old_subjects`, already checked) and the N-Triples lines of the
    subjects that may have changed (`changed`: every subject of either graph whose lines
    may differ, with its new lines, or b"" if it is no longer there). None if `old`
    does not fit."""
    blocks = PATCHABLE[name]
    fresh = [s for s in subjects if s in changed]
    if not fresh:
        return None  # nothing to take the head from; rare enough to write whole
    built = Built(b"".join(changed[s] for s in fresh))
    made = WRITERS[name].write(Graphs(built, schema))
    head = blocks.head_of(made)
    if head is None:
        return None
    new_texts = blocks.split(made, head)
    doc = _mapped(old)
    if doc is None:
        return None
    old_texts = blocks.split(doc, head)
    if new_texts is None or len(new_texts) != len(fresh) or old_texts is None:
        doc.close()
        return None
    if len(old_texts) != len(old_subjects):
        doc.close()
        return None
    pieces = _pieces(
        old_subjects, subjects, changed, old_texts, dict(zip(fresh, new_texts, strict=True))
    )
    if pieces is None:
        doc.close()
        return None
    return _write(doc, made, head, blocks, pieces)


_Piece = tuple[bool, int, int]  # from the old file?, start, end


def _pieces(
    old_subjects: Sequence[str],
    subjects: Sequence[str],
    changed: dict[str, bytes],
    old_texts: list[tuple[int, int]],
    new_texts: dict[str, tuple[int, int]],
) -> list[_Piece] | None:
    """The new file's subject texts: from the old file or the newly made one, in order;
    None if the two lists of subjects disagree outside `changed`."""
    out: list[_Piece] = []
    j, n = 0, len(old_subjects)
    for s in subjects:
        if s in changed:
            out.append((False, *new_texts[s]))
            continue
        while j < n and old_subjects[j] != s:
            if old_subjects[j] not in changed:
                return None  # gone, but not said to have changed
            j += 1
        if j == n:
            return None
        out.append((True, *old_texts[j]))
        j += 1
    if any(s not in changed for s in old_subjects[j:]):
        return None
    return out


def _write(
    doc: mmap.mmap, made: bytes, head: bytes, blocks: Blocks, pieces: list[_Piece]
) -> Iterator[bytes]:
    """The new file, in parts: runs of the old file are copied whole."""
    try:
        yield head
        run: tuple[int, int] | None = None  # a run of old texts, with their separators
        for i, (from_old, start, end) in enumerate(pieces):
            if from_old and run is not None and start == run[1] + len(blocks.sep):
                run = (run[0], end)
                continue
            if run is not None:
                yield doc[run[0] : run[1]]
                yield blocks.sep
                run = None
            if from_old:
                run = (start, end)
            else:
                yield made[start:end]
                if i + 1 < len(pieces):
                    yield blocks.sep
        if run is not None:
            yield doc[run[0] : run[1]]
        yield blocks.tail
    finally:
        doc.close()


def patched_graphml(
    old: Path, network: nx.MultiDiGraph, fresh: Container[str]
) -> Iterator[bytes] | None:
    """`graph.graphml` of `network` (as `kg.outputs.export.write_graphml` writes it) made from
    `old`, the last build's: the element of a node or edge is copied from it, unless the
    node or an end of the edge is in `fresh` (the entities of the files made again: a
    node's data comes from its entity, an edge's from the statements of its ends), or it
    is not there. None if `old` does not fit."""
    nodes = list(network.nodes(data=True))
    edges = list(network.edges(keys=True, data=True))
    keys = graphml_keys([attrs for _, attrs in nodes], [attrs for *_, attrs in edges])
    head, tail = graphml_head(keys).encode(), GRAPHML_TAIL.encode()
    doc = _mapped(old)
    if doc is None:
        return None
    found = _graphml_elements(doc, head, tail)
    if found is None or not nodes:
        doc.close()
        return None
    # each element: its tag, head, whether it must be written anew, and its data
    elements = [
        ("node", graphml_node_head(node), node in fresh, graphml_node_data, attrs)
        for node, attrs in nodes
    ] + [
        (
            "edge",
            graphml_edge_head(u, v, f"{u}--{key}--{v}"),
            u in fresh or v in fresh,
            graphml_edge_data,
            attrs,
        )
        for u, v, key, attrs in edges
    ]
    pieces: list[tuple[int, int] | str] = []
    for tag, element_head, anew, data_of, attrs in elements:
        where = None if anew else found.get((tag.encode(), element_head.encode()))
        if where is not None:
            pieces.append(where)
            continue
        data = data_of(attrs)
        if not all(type(x) is str for _, x in data):
            doc.close()
            return None
        text: list[str] = []
        graphml_element(text, tag, element_head, data, keys)
        pieces.append("".join(text))
    return _graphml_write(doc, head, tail, pieces)


def _mapped(path: Path) -> mmap.mmap | None:
    """The file at `path`, mapped read-only; None if it cannot be (missing, empty)."""
    try:
        with open(path, "rb") as f:
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None


def _graphml_elements(
    doc: mmap.mmap, head: bytes, tail: bytes, window: int = 1 << 22
) -> dict[tuple[bytes, bytes], tuple[int, int]] | None:
    """Where each element of the GraphML `doc` lies, by its tag and head (`id="…"`, or
    `source="…" target="…" id="…"`); None if `doc` does not have this `head` and `tail`, or
    does not hold nodes then edges between. Read `window` bytes at a time."""
    if len(doc) < len(head) + len(tail) or doc[: len(head)] != head:
        return None
    end = len(doc) - len(tail)
    if doc[end:] != tail:
        return None
    cut = doc.find(b"\n    <edge ", len(head), end)
    cut = end if cut < 0 else cut + 1
    found: dict[tuple[bytes, bytes], tuple[int, int]] = {}
    for tag, start, stop in ((b"node", len(head), cut), (b"edge", cut, end)):
        if start == stop:
            continue
        # each element is `opening`, its piece, and a line break
        opening = b"    <" + tag + b" "
        sep = b"\n" + opening
        if doc[start : start + len(opening)] != opening or doc[stop - 1 : stop] != b"\n":
            return None
        at = start
        while at < stop:
            upto = stop  # whole elements from `at`, about `window` bytes of them
            if at + window < stop:
                last = doc.rfind(sep, at, at + window)
                if last <= at:
                    last = doc.find(sep, at + 1, stop)
                upto = stop if last < 0 else last + 1
            for piece in doc[at + len(opening) : upto - 1].split(sep):
                close = piece.find(b">")
                if close < 0:
                    return None
                size = len(opening) + len(piece) + 1
                found[(tag, piece[:close].removesuffix(b" /"))] = (at, at + size)
                at += size
            if at != upto:
                return None
    return found


def _graphml_write(
    doc: mmap.mmap, head: bytes, tail: bytes, pieces: list[tuple[int, int] | str]
) -> Iterator[bytes]:
    """The new file, in parts: runs of the old file's elements are copied whole."""
    try:
        yield head
        out: list[bytes] = []
        run: tuple[int, int] | None = None
        for piece in pieces:
            if isinstance(piece, tuple):
                if run is not None and piece[0] == run[1]:
                    run = (run[0], piece[1])
                    continue
                if run is not None:
                    out.append(doc[run[0] : run[1]])
                run = piece
                continue
            if run is not None:
                out.append(doc[run[0] : run[1]])
                run = None
            out.append(piece.encode("utf-8"))
            if len(out) > 4096:
                yield b"".join(out)
                out.clear()
        if run is not None:
            out.append(doc[run[0] : run[1]])
        out.append(tail)
        yield b"".join(out)
    finally:
        doc.close()
