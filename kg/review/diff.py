"""Compare two builds fact by fact: what a curation change added, removed and changed.

A side is a build folder (holding `graph.nt` or `graph.ttl`), a data folder (checked and built
in memory, as `kg check` does), or `REV:PATH`, a folder at a git revision (extracted with
`git archive` into a temporary folder, then read as either of the others; a data folder is
built with the `ontology/` of the same revision when it has one, and its rule queries
(`queries/rules/`, none when it has none), so that old data is checked by the rules it was
written for).

The two graphs are compared as sets of triples, so two builds are equal exactly when they hold
the same triples, whatever their byte order (graphs with blank nodes, which kg never writes,
are compared as graphs: `rdflib.compare.graph_diff` of their canonical forms).
The differing triples are then described as facts (`graph_facts`): an entity with its type
and labels, or a statement with its value and qualifiers, each with its quotes.

- **Added / removed**: a fact whose node is only in the new / old graph.
- **Changed**: the same node with other labels, qualifiers or quotes; or a statement whose
  value changed, seen as one removed and one added statement with the same entity and
  property, when that pair is the only one.
"""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.compare import graph_diff, to_isomorphic

from kg.errors import DiffError
from kg.outputs.built import GRAPH_FILES
from kg.pipeline.build import Built
from kg.pipeline.graph_facts import GraphFact, graph_facts
from kg.pipeline.load import find_data_files
from kg.pipeline.ontology import Schema, read_schema

_REV_PATH = re.compile(r"^(?P<rev>[^:\s]+):(?P<path>[^\s]*)$")


@dataclass(frozen=True)
class Side:
    """One side of a comparison: its graph, the schema that names its terms, and a name."""

    name: str
    built: Built
    schema: Schema
    facts: dict[str, GraphFact]


@dataclass(frozen=True)
class Change:
    """A fact in both builds, but not the same: what differs, old and new."""

    old: GraphFact
    new: GraphFact
    what: tuple[str, ...]  # "value", "labels", "qualifiers", "quotes", "type"


@dataclass
class Diff:
    """The facts added, removed and changed between two builds."""

    old: str
    new: str
    only_old: int  # triples only in the old graph
    only_new: int
    in_both: int
    added: list[GraphFact] = field(default_factory=list)
    removed: list[GraphFact] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        """Do the two graphs hold the same triples?"""
        return self.only_old == 0 and self.only_new == 0

    def counts(self) -> dict[str, int]:
        """Entities and statements added and removed, and facts changed."""
        return {
            "entities_added": sum(f.is_entity for f in self.added),
            "statements_added": sum(not f.is_entity for f in self.added),
            "entities_removed": sum(f.is_entity for f in self.removed),
            "statements_removed": sum(not f.is_entity for f in self.removed),
            "changed": len(self.changed),
        }

    def summary(self) -> str:
        """One line: the counts, and the triples behind them."""
        if self.equal:
            return f"{self.old} and {self.new} hold the same {self.in_both} triples"
        c = self.counts()
        return (
            f"+{c['entities_added']} entities, +{c['statements_added']} statements, "
            f"-{c['entities_removed']} entities, -{c['statements_removed']} statements, "
            f"~{c['changed']} changed (triples: +{self.only_new} -{self.only_old}, "
            f"{self.in_both} in both)"
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready data."""

        def fact(f: GraphFact) -> dict[str, Any]:
            return {
                "id": f.id,
                "subject": f.subject,
                "subject_zh": f.subject_zh,
                "subject_en": f.subject_en,
                "property": f.key,
                "value": f.value,
                "value_zh": f.value_zh,
                "value_en": f.value_en,
                "qualifiers": [list(q) for q in f.qualifiers],
                "quotes": list(f.quotes),
            }

        return {
            "old": self.old,
            "new": self.new,
            "equal": self.equal,
            "triples": {"only_old": self.only_old, "only_new": self.only_new, "both": self.in_both},
            **self.counts(),
            "added": [fact(f) for f in self.added],
            "removed": [fact(f) for f in self.removed],
            "changed": [
                {"what": list(c.what), "old": fact(c.old), "new": fact(c.new)} for c in self.changed
            ],
        }

    def to_text(self) -> str:
        """For a terminal: grouped by entity, one fact per line, its quotes below."""
        lines = [f"kg diff {self.old} → {self.new}", f"  {self.summary()}"]
        for title, mark, facts in (
            ("added", "+", self.added),
            ("removed", "-", self.removed),
        ):
            if facts:
                lines += ["", f"{title} ({len(facts)})"]
                for subject, group in _by_subject(facts):
                    lines.append(f"  {_entity(subject)}")
                    for f in group:
                        lines.append(f"    {mark} {_fact(f)}")
                        lines += [f"        “{q}”" for q in f.quotes]
        if self.changed:
            lines += ["", f"changed ({len(self.changed)})"]
            for subject, changes in _by_subject_changes(self.changed):
                lines.append(f"  {_entity(subject)}")
                for c in changes:
                    lines.append(f"    ~ {_change(c)} [{', '.join(c.what)}]")
                    lines += [f"        {line}" for line in _label_changes(c)]
                    if "quotes" in c.what:
                        lines += [f"        - “{q}”" for q in c.old.quotes]
                        lines += [f"        + “{q}”" for q in c.new.quotes]
        return "\n".join(lines) + "\n"

    def to_markdown(self) -> str:
        """For a pull-request comment: a summary, then each list folded in <details>."""
        lines = [f"### kg diff `{self.old}` → `{self.new}`", "", _md(self.summary())]
        for title, mark, facts in (("Added", "\\+", self.added), ("Removed", "−", self.removed)):
            if not facts:
                continue
            lines += ["", f"<details><summary>{title}: {len(facts)} facts</summary>", ""]
            for subject, group in _by_subject(facts):
                lines.append(f"**{_md(_entity(subject))}**")
                lines.append("")
                for f in group:
                    quotes = "; ".join(f"“{_md(q)}”" for q in f.quotes)
                    lines.append(f"- {mark} {_md(_fact(f))}" + (f" — {quotes}" if quotes else ""))
                lines.append("")
            lines.append("</details>")
        if self.changed:
            lines += ["", f"<details><summary>Changed: {len(self.changed)} facts</summary>", ""]
            for subject, changes in _by_subject_changes(self.changed):
                lines += [f"**{_md(_entity(subject))}**", ""]
                for c in changes:
                    lines.append(f"- \\~ {_md(_change(c))} ({', '.join(c.what)})")
                    for line in _label_changes(c):  # a leading "- " would open a list
                        lines.append(f"  - {_md(line) if line[0] == '+' else '− ' + _md(line[2:])}")
                    if "quotes" in c.what:
                        lines += [f"  - was “{_md(q)}”" for q in c.old.quotes]
                        lines += [f"  - now “{_md(q)}”" for q in c.new.quotes]
                lines.append("")
            lines.append("</details>")
        return "\n".join(lines) + "\n"


def _entity(f: GraphFact) -> str:
    return f"{f.subject_zh} {f.subject_en} ({f.subject})"


def _value(f: GraphFact) -> str:
    value = f.value_zh if f.value_zh == f.value_en else f"{f.value_zh} {f.value_en}"
    quals = "".join(f", {k} {v}" for k, v in f.qualifiers)
    return value + quals


def _fact(f: GraphFact) -> str:
    if f.is_entity:
        names = ", ".join(f"{t}@{lang}" for p, lang, t in f.labels if p == "altLabel")
        return f"entity: {_value(f)}" + (f" (also: {names})" if names else "")
    return f"{f.property_en} {f.property_zh}: {_value(f)}"


def _change(c: Change) -> str:
    if c.old.is_entity:
        if c.old.value == c.new.value:
            return f"entity: {_value(c.new)}"
        return f"entity: {_value(c.old)} → {_value(c.new)}"
    old, new = _value(c.old), _value(c.new)
    if old == new:
        return f"{c.new.property_en} {c.new.property_zh}: {new}"
    return f"{c.new.property_en} {c.new.property_zh}: {old} → {new}"


def _label_changes(c: Change) -> list[str]:
    old, new = set(c.old.labels), set(c.new.labels)
    return [f"- {p} @{lang} “{t}”" for p, lang, t in sorted(old - new)] + [
        f"+ {p} @{lang} “{t}”" for p, lang, t in sorted(new - old)
    ]


def _by_subject(facts: list[GraphFact]) -> Iterator[tuple[GraphFact, list[GraphFact]]]:
    groups: dict[str, list[GraphFact]] = {}
    for f in facts:
        groups.setdefault(f.subject, []).append(f)
    for subject in sorted(groups):
        group = sorted(groups[subject], key=lambda f: (not f.is_entity, f.key, f.value, f.id))
        yield group[0], group


def _by_subject_changes(changes: list[Change]) -> Iterator[tuple[GraphFact, list[Change]]]:
    groups: dict[str, list[Change]] = {}
    for c in changes:
        groups.setdefault(c.new.subject, []).append(c)
    for subject in sorted(groups):
        group = sorted(groups[subject], key=lambda c: (not c.new.is_entity, c.new.key, c.new.id))
        yield group[0].new, group


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#+~])")


def _md(text: str) -> str:
    """Text as Markdown that shows it literally: no emphasis, links, tables or HTML."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- comparing --------------------------------------------------------------------------------


def diff_sides(old: Side, new: Side) -> Diff:
    """Compare two sides' graphs, then describe the difference as facts."""
    was, now = _triples(old.built), _triples(new.built)
    if was is not None and now is not None:
        result = Diff(old.name, new.name, len(was - now), len(now - was), len(was & now))
    else:
        both, only_old, only_new = graph_diff(
            to_isomorphic(old.built.graph), to_isomorphic(new.built.graph)
        )
        result = Diff(old.name, new.name, len(only_old), len(only_new), len(both))
    if result.equal:
        return result
    added = {k: f for k, f in new.facts.items() if k not in old.facts}
    removed = {k: f for k, f in old.facts.items() if k not in new.facts}
    for key in sorted(set(old.facts) & set(new.facts)):
        a, b = old.facts[key], new.facts[key]
        what = tuple(
            name
            for name, differs in (
                ("type", a.value != b.value and a.is_entity),
                ("labels", a.labels != b.labels),
                ("qualifiers", a.qualifiers != b.qualifiers),
                ("quotes", a.quotes != b.quotes),
            )
            if differs
        )
        if what:
            result.changed.append(Change(a, b, what))
    # a statement whose value changed: the only removed and the only added one of its
    # entity and property
    slots_old = _slots(removed)
    slots_new = _slots(added)
    for slot in sorted(set(slots_old) & set(slots_new)):
        if len(slots_old[slot]) == 1 and len(slots_new[slot]) == 1:
            a, b = removed.pop(slots_old[slot][0]), added.pop(slots_new[slot][0])
            what = ("value", "quotes") if a.quotes != b.quotes else ("value",)
            if a.qualifiers != b.qualifiers:
                what += ("qualifiers",)
            result.changed.append(Change(a, b, what))
    result.added = sorted(added.values(), key=lambda f: (f.subject, f.id))
    result.removed = sorted(removed.values(), key=lambda f: (f.subject, f.id))
    result.changed.sort(key=lambda c: (c.new.subject, c.new.id))
    return result


def _triples(built: Built) -> set[str] | None:
    """The triples as N-Triples text (equal terms, equal text), or None if any has a
    blank node (whose labels mean nothing across files)."""
    found = set()
    for t in built.triples:
        if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode):
            return None
        found.add(str(t))
    return found


def _slots(facts: dict[str, GraphFact]) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for key, f in sorted(facts.items()):
        if not f.is_entity:
            out.setdefault((f.subject, f.key), []).append(key)
    return out


# --- reading a side ---------------------------------------------------------------------------


Checker = Callable[[Path, Path | None, Path | None], tuple[Built, Schema, dict[str, GraphFact]]]


def read_side(
    spec: str | Path,
    check: Checker,
    *,
    ontology_dir: Path | None = None,
    repo: str | Path = ".",
) -> Side:
    """A side from a build folder, a data folder or `REV:PATH` (see the module doc).

    `check(data_dir, ontology_dir, queries_dir)` builds a data folder in memory (the API
    passes `kg.check`); `queries_dir` is None for the project's own queries.
    """
    name = str(spec)
    path = Path(spec)
    if path.is_dir():
        return _read_folder(name, path, check, ontology_dir, None)
    found = _REV_PATH.match(name)
    if found is None:
        raise DiffError(
            f"'{name}' is neither a folder nor REV:PATH (e.g. HEAD:data, e07f339:build)"
        )
    extracted = _git_extract(Path(repo), found["rev"], found["path"] or ".")
    with extracted as (folder, ontology, queries):
        return _read_folder(name, folder, check, ontology or ontology_dir, queries)


def _read_folder(
    name: str, path: Path, check: Checker, ontology_dir: Path | None, queries_dir: Path | None
) -> Side:
    for filename, fmt in GRAPH_FILES:
        if (path / filename).is_file():
            try:  # as N-Triples, checked term by term (the store's load)
                triples = ox.parse(path=path / filename, format=fmt)
                built = Built(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")
                built.store  # noqa: B018
            except (SyntaxError, ValueError, OSError) as exc:
                raise DiffError(f"'{path / filename}' is not a readable graph: {exc}") from exc
            schema = read_schema(ontology_dir)
            return Side(name, built, schema, graph_facts(built.view, schema))
    if not find_data_files(path):  # as `kg build` reads them: .yaml and .yml, in subfolders too
        raise DiffError(f"'{name}' holds neither a built graph (graph.nt) nor YAML facts")
    built, schema, facts = check(path, ontology_dir, queries_dir)
    return Side(name, built, schema, facts)


def _git(repo: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise DiffError("git is not installed") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DiffError(f"git {' '.join(args)}: {message[-1] if message else 'failed'}")
    return done.stdout


@contextmanager
def _git_extract(repo: Path, rev: str, path: str) -> Iterator[tuple[Path, Path | None, Path]]:
    """`path` (from the top of the repository, as git's `REV:PATH` reads it), `ontology/`
    when the revision has it, and `queries/` (with no rules when it has none), at `rev`, in
    a temporary folder."""
    top = Path(_git(repo, "rev-parse", "--show-toplevel").decode().strip())
    try:
        commit = _git(top, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode()
    except DiffError:
        raise DiffError(f"'{rev}' is not a commit of the repository at {top}") from None
    commit = commit.strip()
    inside = path.strip("/") or "."
    if inside != "." and not _git(top, "ls-tree", "-d", commit, "--", inside).strip():
        raise DiffError(f"'{rev}:{path}' is not a folder at commit {commit[:12]}")
    has_ontology = bool(_git(top, "ls-tree", "-d", commit, "--", "ontology").strip())
    has_rules = bool(_git(top, "ls-tree", "-d", commit, "--", "queries/rules").strip())
    wanted = [inside, *(["ontology"] if has_ontology and inside != "." else [])]
    wanted += ["queries"] if has_rules and inside not in (".", "queries") else []
    with tempfile.TemporaryDirectory(prefix="kg-diff-") as tmp:
        root = Path(tmp)
        data = _git(top, "archive", "--format=tar", commit, "--", *wanted)
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            archive.extractall(root, filter="data")
        queries = root / "queries"
        if not has_rules:  # rules came later than this revision: it was never checked by any
            (queries / "rules").mkdir(parents=True, exist_ok=True)
        yield root / inside, root / "ontology" if has_ontology else None, queries
