"""Step 2: check `Facts` against the ontology's `Schema` and the source texts.

Facts in, `Checked` facts out (every key resolved to its property, every value to an RDF term,
every quote to its place in the source) or a `KgError` listing every problem at once: unknown
types and keys, keys used on the wrong class, dangling or wrongly typed references, bad
literals, missing labels or evidence, duplicate ids and statements, quotes not in the source,
cycles in properties the ontology marks `kg:acyclic`. Two entities whose labels look the same
(zh after Traditional→Simplified folding, en ignoring case) are a warning, not an error. The
checks that need every file at once are in `kg.pipeline.consistency`.

Every id that becomes an IRI (entity ids, references, source ids) must match `ID_PATTERN`
before it is looked up or minted. Labels and text values reach the graph in Unicode NFC.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import TypeVar

from rdflib import RDFS, SKOS, Literal, URIRef
from rdflib.term import Identifier

from kg.errors import KgError, Problem, did_you_mean
from kg.facts import Entity, EvidenceRef, Facts, NamedQuote, SourcePos, Statement
from kg.namespaces import GBA
from kg.pipeline.checked import (
    ID_PATTERN,
    Checked,
    CheckedEntity,
    CheckedStatement,
    FileChecked,
    describe_id_fault,
    id_fix,
)
from kg.pipeline.consistency import Across, check_across, fold_label
from kg.pipeline.ontology import ClassInfo, PropertyInfo, Schema
from kg.pipeline.quotes import QuoteMatch, SourceText
from kg.pipeline.values import ValueChecks


def check_facts(facts: Facts, schema: Schema, sources: dict[str, SourceText]) -> Checked:
    """Check every fact; return them resolved, or raise `KgError` with every problem.

    Each file is checked alone (`check_file`, given the ids and named quotes of the others),
    then what needs every file (`check_across`): the build cache (`kg.incremental`) runs
    the same two functions, keeping the first's result of each file."""
    files = split_by_file(facts)
    types: dict[str, str] = {}
    quotes: dict[str, NamedQuote] = {}
    for one in files:  # the first of two entities or quotes with one id stands for it
        for entity in one.entities:
            types.setdefault(entity.id.text, entity.type.text)
        for quote in one.quotes:
            quotes.setdefault(quote.id, quote)
    checked = []
    for one in files:
        own_ids = {e.id.text for e in one.entities}
        own_quotes = {q.id for q in one.quotes}
        others = OtherFiles(types, own_ids), OtherFiles(quotes, own_quotes)
        checked.append(check_file(one, schema, sources, *others))
    problems = [p for c in checked for p in c.problems]
    problems += check_across([c.across for c in checked])
    if any(not p.is_warning for p in problems):
        raise KgError(problems)
    entities = tuple(sorted((e for c in checked for e in c.entities), key=lambda e: e.id))
    # one count of quotes everywhere: every passage quoted as evidence (of a fact, or of a
    # passage left out on purpose), as the graph's evidence nodes (`kg stats`) and
    # `kg coverage` count them
    found = len(
        {
            (m.source, m.start, m.end)
            for e in entities
            for m in (*e.evidence, *(m for st in e.statements for m in st.evidence))
        }
    )
    return Checked(entities, found, sources, tuple(sorted(set(problems))))


def split_by_file(facts: Facts) -> list[Facts]:
    """`facts` as one `Facts` per file, in the order of `facts.files`."""
    by_file = {name: Facts(files=[name]) for name in facts.files}
    for entity in facts.entities:
        by_file[entity.pos.path].entities.append(entity)
    for quote in facts.quotes:
        by_file[quote.pos.path].quotes.append(quote)
    return list(by_file.values())


V = TypeVar("V")


class OtherFiles(Mapping[str, V]):
    """`table` without the keys of `own`: what `check_file` gets of the other files' ids or
    quote ids."""

    def __init__(self, table: Mapping[str, V], own: set[str]) -> None:
        self._table, self._own = table, own

    def __getitem__(self, key: str) -> V:
        if key in self._own:
            raise KeyError(key)
        return self._table[key]

    def __iter__(self) -> Iterator[str]:
        return (k for k in self._table if k not in self._own)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def check_file(
    facts: Facts,
    schema: Schema,
    sources: dict[str, SourceText],
    types: Mapping[str, str],
    quotes: Mapping[str, NamedQuote],
) -> FileChecked:
    """Every check of `check_facts` that one file's `facts` allow, given the `type:` of the
    entity ids of the other files (`types`) and their named quotes (`quotes`).

    Both are read key by key, only for the ids and quote ids the file refers to (and whole
    only to suggest a name for a wrong one), so a caller can record what a file depends on
    (`kg.incremental.units`).

    Left to the caller: duplicate ids and quote ids across files, quoted sources without a
    `SourceDocument` (`found`, `source_docs`), cycles (`cycle_problems`) and look-alike
    labels (`look_alike_warnings`)."""
    checker = _Checker(facts, schema, sources)
    checker.other_quotes = quotes
    checker.other_classes = _Classes(types, schema)
    entities = checker.check_entities()
    quoted_at: dict[str, SourcePos] = {}
    for ref in sorted(checker.all_refs(), key=lambda r: r.pos):
        if ref.source is not None:
            quoted_at.setdefault(ref.source, ref.pos)
    across = Across(
        sorted(checker.id_pos.items(), key=lambda kv: kv[1]),
        sorted(((q.id, q.pos) for q in checker.quotes.values()), key=lambda kv: kv[1]),
        sorted(checker.found),
        sorted(checker.source_docs),
        quoted_at,
        [(g, text, eid, pos, fold_label(text, g)) for g, text, eid, pos in checker.labels],
        checker.acyclic,
        checker.symmetric,
    )
    return FileChecked(entities, checker.problems, across)


class _Classes(Mapping[str, ClassInfo]):
    """The class of each id of `types` (id → `type:`), looked up when asked for."""

    def __init__(self, types: Mapping[str, str], schema: Schema) -> None:
        self._types, self._schema = types, schema

    def __getitem__(self, eid: str) -> ClassInfo:
        cls = self._schema.types.get(self._types[eid])
        if cls is None:
            raise KeyError(eid)
        return cls

    def __iter__(self) -> Iterator[str]:
        return iter(self._types)

    def __len__(self) -> int:
        return len(self._types)


class _Checker(ValueChecks):
    def __init__(self, facts: Facts, schema: Schema, sources: dict[str, SourceText]) -> None:
        self.facts = facts
        self.schema = schema
        self.sources = sources
        self.problems: list[Problem] = []
        self.quotes: dict[str, NamedQuote] = {}
        self.matches: dict[tuple[str, str], QuoteMatch | None] = {}
        self.classes: dict[str, ClassInfo] = {}  # entity id → class, for reference checks
        # the other files' classes and named quotes, when one file is checked (`check_file`)
        self.other_classes: Mapping[str, ClassInfo] = {}
        self.other_quotes: Mapping[str, NamedQuote] = {}
        self._iris: dict[str, URIRef] = {}  # entity id → its IRI, made once
        self.source_docs: set[str] = set()
        self.bad_sources: set[SourcePos] = set()  # `source:` lines already reported
        self.indexed: set[int] = set()  # id() of each entity that owns its id
        self.id_pos: dict[str, SourcePos] = {}  # each id → where the entity that owns it is
        self.labels: list[tuple[str, str, str, SourcePos]] = []  # lang, text, entity id, where
        self.acyclic: list[tuple[str, str, str, SourcePos]] = []  # key, from, to, where
        self.symmetric: list[tuple[str, str, str, SourcePos]] = []  # key, from, to, where

    def check_entities(self) -> tuple[CheckedEntity, ...]:
        """Every check that needs no more than the files read and the ids and named quotes
        of the others (`check_file` checks one file at a time with them): the entities that
        passed, sorted by id."""
        self._index_quotes()
        self._index_entities()
        for quote in self.quotes.values():  # the other files' are matched when cited
            self._match(quote.text, quote.source, quote.pos, quote.source_pos)
        entities = [self._check_entity(e) for e in self.facts.entities]
        self._check_source_texts()
        return tuple(sorted((e for e in entities if e), key=lambda e: e.id))

    @property
    def found(self) -> set[tuple[str, str]]:
        """The quotes found in their sources, as (source id, quote)."""
        return {key for key, m in self.matches.items() if m is not None}

    # -- indexes --------------------------------------------------------------------------

    def _index_quotes(self) -> None:
        for quote in self.facts.quotes:
            if not ID_PATTERN.fullmatch(quote.id):
                self.problem(
                    quote.pos,
                    f"quote id '{quote.id}' is not ASCII kebab-case: {describe_id_fault(quote.id)}",
                    id_fix(quote.id, "rail-opened"),
                )  # still indexed below, so that its cites are not reported as unknown
            first = self.quotes.get(quote.id)
            if first is not None:
                self.problem(
                    quote.pos,
                    f"duplicate quote id '{quote.id}' (first at {first.pos})",
                    "give each named quote its own id",
                )
                continue
            self.quotes[quote.id] = quote

    def _index_entities(self) -> None:
        first_pos = self.id_pos
        for entity in self.facts.entities:
            eid = entity.id.text
            if not ID_PATTERN.fullmatch(eid):
                self.problem(
                    entity.id.pos,
                    f"id '{eid}' is not ASCII kebab-case: {describe_id_fault(eid)}",
                    id_fix(eid),
                )
                continue
            if eid in first_pos:
                self.problem(
                    entity.id.pos,
                    f"duplicate id '{eid}' (first at {first_pos[eid]})",
                    "ids are unique across all files: merge the two entities or rename one",
                )
                continue
            first_pos[eid] = entity.id.pos
            self.indexed.add(id(entity))
            cls = self.schema.types.get(entity.type.text)
            if cls is None:
                hint = did_you_mean(entity.type.text, sorted(self.schema.types))
                self.problem(
                    entity.type.pos,
                    f"unknown type '{entity.type.text}'",
                    hint
                    or f"use a class of {self.schema.path.name}: "
                    + ", ".join(sorted(self.schema.types)),
                )
                continue
            self.classes[eid] = cls
            if cls.iri == GBA.SourceDocument:
                self.source_docs.add(eid)

    # -- evidence -------------------------------------------------------------------------

    def _match(
        self, text: str, source: str | None, pos: SourcePos, source_pos: SourcePos | None
    ) -> QuoteMatch | None:
        if source is None:
            self.problem(
                pos,
                "quote without a source",
                "add `source: SOURCE-ID` at the top of the file (a file in data/sources/)",
            )
            return None
        key = (source, text)
        if key in self.matches:
            return self.matches[key]
        doc = self.sources.get(source) if ID_PATTERN.fullmatch(source) else None
        match = None
        if not ID_PATTERN.fullmatch(source):  # never a path or URL: nothing is opened
            where = source_pos or pos
            if where not in self.bad_sources:  # once per `source:` line
                self.bad_sources.add(where)
                self.problem(
                    where,
                    f"source '{source}' is not a source id: {describe_id_fault(source)}",
                    "name a text of data/sources/ by its id, without folder, '.txt' or URL: "
                    "`source: some-id` for data/sources/some-id.txt",
                )
        elif doc is None:
            hint = did_you_mean(source, sorted(self.sources))
            known = ", ".join(sorted(self.sources)) or "none"
            self.problem(
                source_pos or pos,
                f"unknown source '{source}'",
                hint or f"put its text in data/sources/{source}.txt (known sources: {known})",
            )
        else:
            match = doc.find(text)
            if match is None:
                self.problem(
                    pos,
                    f"quote not found in source '{source}': {doc.explain_miss(text)}",
                    "copy the passage verbatim from the source text",
                )
        self.matches[key] = match
        return match

    def _evidence(self, refs: tuple[EvidenceRef, ...]) -> tuple[QuoteMatch, ...] | None:
        """Resolve refs to matches; None when any of them failed (a problem is recorded)."""
        out: list[QuoteMatch] = []
        ok = True
        for ref in refs:
            if ref.cite is not None:
                named = self.quotes.get(ref.cite) or self.other_quotes.get(ref.cite)
                if named is None:
                    hint = did_you_mean(ref.cite, sorted({*self.quotes, *self.other_quotes}))
                    self.problem(
                        ref.pos,
                        f"cite of unknown quote '{ref.cite}'",
                        hint or "name the passage under `quotes:` in some data file",
                    )
                    ok = False
                    continue
                key = (named.source or "", named.text)
                if key in self.matches:
                    match = self.matches[key]
                else:  # a named quote of another file, when one file is checked alone
                    match = self._match(named.text, named.source, named.pos, named.source_pos)
            else:
                assert ref.quote is not None
                match = self._match(ref.quote, ref.source, ref.pos, ref.source_pos)
            if match is None:
                ok = False
            elif match not in out:
                out.append(match)
        return tuple(out) if ok else None

    # -- entities and statements ----------------------------------------------------------

    def _check_entity(self, entity: Entity) -> CheckedEntity | None:
        eid = entity.id.text
        cls = self.classes.get(eid)
        evidence = self._evidence(entity.evidence)
        if not entity.evidence and "quote" not in entity.unreadable:
            self.problem(
                entity.pos,
                f"entity '{eid}' has no evidence",
                "add `quote:` with a verbatim passage of the source (or `cite:` a named quote)",
            )
        labels: list[tuple[PropertyInfo, Literal]] = []
        statements: list[CheckedStatement] = []
        key_pos: dict[str, SourcePos] = {}
        seen: dict[tuple[str, Identifier], SourcePos] = {}
        count: dict[str, int] = defaultdict(int)
        for st in entity.statements:
            key_pos.setdefault(st.key, st.pos)
            prop = self._property(st, cls)
            if prop is None or cls is None:
                continue
            if prop.is_lang_string:
                literal = self._lang_value(st, prop)
                if literal is not None:
                    if self._is_new(seen, st, literal):
                        labels.append((prop, literal))
                        if prop.iri == RDFS.label and id(entity) in self.indexed:
                            self.labels.append((literal.language or "", str(literal), eid, st.pos))
                continue
            checked = self._statement(eid, st, prop, evidence)
            if checked is None or not self._is_new(seen, st, checked.obj):
                continue
            count[st.key] += 1
            if prop.is_functional and count[st.key] == 2:
                self.problem(
                    st.pos,
                    f"'{st.key}' takes one value, and '{eid}' gives more than one",
                    "keep one value (the property is functional in the ontology)",
                )
            statements.append(checked)
            if prop.is_acyclic and isinstance(checked.obj, URIRef):
                self.acyclic.append((prop.key, eid, st.value.text, st.pos))
            if prop.one_end and isinstance(checked.obj, URIRef):
                self.symmetric.append((prop.key, eid, st.value.text, st.pos))
        if cls is not None:
            self._check_required_languages(entity, cls, labels)
        if cls is None or evidence is None:
            return None
        return CheckedEntity(
            eid, cls, entity.pos, evidence, tuple(labels), tuple(statements), key_pos
        )

    def _is_new(
        self, seen: dict[tuple[str, Identifier], SourcePos], st: Statement, obj: Identifier
    ) -> bool:
        first = seen.get((st.key, obj))
        if first is not None:
            self.problem(
                st.value.pos,
                f"the same '{st.key}' value '{st.value.text}' is given twice (first at {first})",
                "remove one; to add evidence, give the statement a list of quotes",
            )
            return False
        seen[(st.key, obj)] = st.value.pos
        return True

    def _property(self, st: Statement, cls: ClassInfo | None) -> PropertyInfo | None:
        prop = self.schema.properties.get(st.key)
        if prop is None:
            entity_keys = [k for k, p in self.schema.properties.items() if not p.is_qualifier]
            hint = did_you_mean(st.key, entity_keys + ["id", "type", "quote", "cite"])
            self.problem(
                st.pos,
                f"unknown key '{st.key}'" + (f" on {cls.yaml_type}" if cls else ""),
                (hint + " " if hint else "")
                + f"(keys come from {self.schema.path.parent.name}/{self.schema.path.name})",
            )
            return None
        if prop.is_qualifier:
            self.problem(
                st.pos,
                f"'{st.key}' is a qualifier, not a property of an entity",
                f"put it beside `value:` in a statement: {{value: …, {st.key}: …}}",
            )
            return None
        if cls is not None and not self.schema.is_a(cls.iri, prop.domain):
            allowed = ", ".join(sorted(self.schema.label(d) for d in prop.domain))
            self.problem(
                st.pos,
                f"'{st.key}' does not apply to {cls.yaml_type}",
                f"it is for: {allowed} (rdfs:domain of {self.schema.label(prop.iri)})",
            )
            return None
        return prop

    def _check_required_languages(
        self, entity: Entity, cls: ClassInfo, labels: list[tuple[PropertyInfo, Literal]]
    ) -> None:
        for prop in self.schema.properties.values():
            if not prop.required_languages or not self.schema.is_a(cls.iri, prop.domain):
                continue
            given = [lit.language for p, lit in labels if p is prop]
            pos = next((st.pos for st in entity.statements if st.key == prop.key), entity.pos)
            alt = self.schema.by_iri.get(SKOS.altLabel)
            for lang in prop.required_languages:
                n = given.count(lang)
                if n == 0 and prop.key not in entity.unreadable:
                    self.problem(
                        pos,
                        f"entity '{entity.id.text}' has no {lang} '{prop.key}'",
                        f"add `{prop.key}: {{{': …, '.join(prop.required_languages)}: …}}`",
                    )
                elif n > 1:
                    self.problem(
                        pos,
                        f"entity '{entity.id.text}' has {n} {lang} '{prop.key}' values",
                        f"keep one; put the others under `{alt.key}: {{{lang}: [...]}}`"
                        if alt
                        else "keep one",
                    )

    def _statement(
        self,
        eid: str,
        st: Statement,
        prop: PropertyInfo,
        entity_evidence: tuple[QuoteMatch, ...] | None,
    ) -> CheckedStatement | None:
        if st.value.lang is not None:
            self.problem(
                st.pos,
                f"'{st.key}' takes one value, not a mapping of languages",
                "write `key: value` or `key: {value: …, quote: …}`",
            )
            return None
        obj = self._object(st, prop) if prop.is_object_property else self._literal(st, prop)
        qualifiers = self._qualifiers(st)
        evidence = self._evidence(st.evidence) if st.evidence else entity_evidence
        if obj is None or qualifiers is None or evidence is None:
            return None
        return CheckedStatement(eid, prop, obj, evidence, qualifiers, st.pos)

    def _check_source_texts(self) -> None:
        for entity in self.facts.entities:
            eid = entity.id.text
            if eid in self.source_docs and eid not in self.sources:
                self.problem(
                    entity.pos,
                    f"SourceDocument '{eid}' has no text",
                    f"put its text in data/sources/{eid}.txt",
                )

    def all_refs(self) -> list[EvidenceRef]:
        refs = [EvidenceRef(q.pos, quote=q.text, source=q.source) for q in self.facts.quotes]
        for entity in self.facts.entities:
            refs.extend(entity.evidence)
            for st in entity.statements:
                refs.extend(st.evidence)
        return refs
