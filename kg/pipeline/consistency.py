"""Step 2, across files: the checks that need every file's facts at once.

Each data file is checked alone (`kg.pipeline.validate.check_file`); what those checks found
that matters to the others is an `Across` per file, and `check_across` finds what no file
shows alone: an id or quote id defined in two files, a quoted source without a
`SourceDocument`, a cycle in a property the ontology marks `kg:acyclic`, a fact of a
symmetric property marked `kg:oneEnd` written from both ends, and (a warning)
two entities whose labels look the same.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from kg.errors import WARNING, Problem
from kg.facts import SourcePos


@dataclass
class Across:
    """What the checks that need every file (`check_across`) take from one file."""

    ids: list[tuple[str, SourcePos]]  # each entity id it defines, where
    quote_ids: list[tuple[str, SourcePos]]  # each named quote it defines, where
    found: list[tuple[str, str]]  # quotes found in their sources: (source id, quote)
    source_docs: list[str]  # ids of its SourceDocument entities
    quoted_at: dict[str, SourcePos]  # each source it quotes → where it first does
    labels: list[tuple[str, str, str, SourcePos, str]]  # language, label, id, where, folded
    acyclic: list[tuple[str, str, str, SourcePos]]  # key, from, to, where
    symmetric: list[tuple[str, str, str, SourcePos]]  # key, from, to, where


def check_across(files: list[Across]) -> list[Problem]:
    """The checks that need every file, given what each file's checks found (in the order
    of the files): ids and quote ids defined in two files, quoted sources without a
    `SourceDocument`, cycles, symmetric facts written twice, look-alike labels (warnings)."""
    taken = _taken_twice(
        [one.ids for one in files],
        "id",
        "ids are unique across all files: merge the two entities or rename one",
    )
    later = set(taken)  # (id, file) of each entity whose id an earlier file has
    quotes = _taken_twice(
        [one.quote_ids for one in files], "quote id", "give each named quote its own id"
    )
    problems = [*taken.values(), *quotes.values()]
    used = {source for one in files for source, _ in one.found}
    documents = {eid for one in files for eid in one.source_docs}
    for source in sorted(used - documents):
        where = min(one.quoted_at[source] for one in files if source in one.quoted_at)
        problems.append(
            Problem(
                where,
                f"source '{source}' is quoted but has no SourceDocument entity",
                f"describe it: `- id: {source}` with `type: SourceDocument`, "
                "its title and publisher",
            )
        )
    problems.extend(cycle_problems(edge for one in files for edge in one.acyclic))
    problems.extend(symmetric_problems(edge for one in files for edge in one.symmetric))
    labels = [
        label for one in files for label in one.labels if (label[2], label[3].path) not in later
    ]
    folded = {(lang, text): fold for lang, text, _, _, fold in labels}
    problems.extend(look_alike_warnings([label[:4] for label in labels], folded))
    return problems


def _taken_twice(
    files: list[list[tuple[str, SourcePos]]], what: str, fix: str
) -> dict[tuple[str, str], Problem]:
    """A problem at each key of a file that an earlier file has already defined, by (key,
    file)."""
    problems = {}
    first: dict[str, SourcePos] = {}
    for keys in files:
        for key, pos in keys:
            taken = first.setdefault(key, pos)
            if taken.path != pos.path:
                message = f"duplicate {what} '{key}' (first at {taken})"
                problems[key, pos.path] = Problem(pos, message, fix)
    return problems


@cache
def _t2s() -> object:
    from opencc import OpenCC  # imported once, when the first zh label is compared

    return OpenCC("t2s")


def fold_label(text: str, lang: str) -> str:
    """The form under which two labels count as the same: zh folded from Traditional to
    Simplified characters (OpenCC t2s), en case-folded; whitespace runs as one space.

    >>> fold_label("廣州 白雲", "zh"), fold_label("Baiyun  AIRPORT", "en")
    ('广州 白云', 'baiyun airport')
    """
    text = " ".join(unicodedata.normalize("NFC", text).split())
    if lang == "zh":
        converted: str = _t2s().convert(text)  # type: ignore[attr-defined]
        return converted
    return text.casefold()


def _has_cycle(edges: Iterable[tuple[str, str, SourcePos]]) -> bool:
    """Whether the directed `edges` go round somewhere (Kahn's algorithm: a graph without a
    cycle can be emptied by removing, again and again, the nodes nothing points at)."""
    targets: dict[str, set[str]] = defaultdict(set)
    into: dict[str, int] = defaultdict(int)
    for source, target, _ in edges:
        if target not in targets[source]:
            targets[source].add(target)
            into[target] += 1
    free = [n for n in targets if not into[n]]
    left = len(set(targets) | set(into))
    while free:
        node = free.pop()
        left -= 1
        for target in targets.get(node, ()):
            into[target] -= 1
            if not into[target]:
                free.append(target)
    return left > 0


def cycle_problems(acyclic: Iterable[tuple[str, str, str, SourcePos]]) -> list[Problem]:
    """For each property marked `kg:acyclic` (`acyclic`: its key, an edge, where it was
    written), one cycle per strongly connected group of entities, edge by edge with its
    place, reported at its first edge."""
    problems: list[Problem] = []
    by_prop: dict[str, list[tuple[str, str, SourcePos]]] = defaultdict(list)
    for key, source, target, pos in acyclic:
        by_prop[key].append((source, target, pos))
    for key, edges in sorted(by_prop.items()):
        if not _has_cycle(edges):
            continue
        import networkx as nx  # to name each cycle; most data has none

        graph = nx.DiGraph()
        for source, target, pos in sorted(edges, key=lambda e: e[2]):
            if not graph.has_edge(source, target):
                graph.add_edge(source, target, pos=pos)
        for group in sorted(nx.strongly_connected_components(graph), key=min):
            start = min(group)
            if len(group) == 1 and not graph.has_edge(start, start):
                continue
            cycle = nx.find_cycle(graph.subgraph(group), source=start)
            steps = [(u, v, graph.edges[u, v]["pos"]) for u, v in cycle]
            first = min(range(len(steps)), key=lambda i: steps[i][2])
            steps = steps[first:] + steps[:first]
            path = ", ".join(f"{u} → {v} ({pos})" for u, v, pos in steps)
            problems.append(
                Problem(
                    steps[0][2],
                    f"'{key}' goes round in a circle: {path}",
                    f"'{key}' must never lead back to where it started (kg:acyclic in the "
                    "ontology): remove or correct one of these statements",
                )
            )
    return problems


def symmetric_problems(
    symmetric: Iterable[tuple[str, str, str, SourcePos]],
) -> list[Problem]:
    """For each symmetric property the ontology marks `kg:oneEnd` (`symmetric`: its key, an
    edge, where it was written), a problem at the later end of each fact written from both
    ends: `a linked-with b` and `b linked-with a` are one fact, and the graph would hold two
    statements (two quotes, two reviews) for it. (An ontology without the mark, such as an
    older revision's read by `kg diff`, accepts both ends as it did.)"""
    first: dict[tuple[str, str, str], SourcePos] = {}
    problems: list[Problem] = []
    for key, source, target, pos in sorted(symmetric, key=lambda e: e[3]):
        if source == target:
            continue  # a self-reference is the rule query no-self-reference's to report
        other = first.get((key, target, source))
        if other is None:
            first.setdefault((key, source, target), pos)
            continue
        problems.append(
            Problem(
                pos,
                f"'{key}' between '{target}' and '{source}' is written from both ends: "
                f"'{source}' here and '{target}' at {other}; '{key}' is symmetric "
                "(owl:SymmetricProperty), so both make one fact",
                f"remove this '{key}: {target}' and keep the one at {other} "
                "(move its quote there if this one has the better quote)",
            )
        )
    return problems


def look_alike_warnings(
    labels: Iterable[tuple[str, str, str, SourcePos]],
    folded: Mapping[tuple[str, str], str] | None = None,
) -> list[Problem]:
    """Warn when two entities' labels are the same after `fold_label` (given for some
    (language, label) in `folded`): they may be one thing curated twice. Each later entity
    is named with the first one."""
    first: dict[tuple[str, str], tuple[str, str, SourcePos]] = {}
    warnings: list[Problem] = []
    known = folded or {}
    for lang, text, eid, pos in sorted(labels, key=lambda x: (x[3], x[0])):
        same = known.get((lang, text))
        other = first.setdefault(
            (lang, fold_label(text, lang) if same is None else same), (eid, text, pos)
        )
        if other[0] == eid:
            continue
        how = (
            "the same"
            if other[1] == text
            else "the same when Traditional characters are read as Simplified"
            if lang == "zh"
            else "the same when case is ignored"
        )
        warnings.append(
            Problem(
                pos,
                f"'{eid}' has the {lang} label '{text}', {how} as '{other[0]}' "
                f"('{other[1]}', at {other[2]})",
                "if both are the same thing, merge them into one entity; if not, make the "
                "labels tell them apart",
                WARNING,
            )
        )
    return warnings
