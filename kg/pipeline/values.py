"""Step 2, values: a statement's value resolved to what the ontology says it must be (an
entity of the right class, a term of the ontology's vocabulary, a typed literal, a string
in an allowed language) and its qualifiers to typed literals, or a problem that says what
to write instead. `_Checker` (`kg.pipeline.validate`) checks every statement with these."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date

from rdflib import XSD, Literal, URIRef

from kg.errors import Problem, did_you_mean
from kg.facts import SourcePos, Statement
from kg.namespaces import ID
from kg.pipeline.characters import yaml11_reading
from kg.pipeline.checked import (
    ID_PATTERN,
    article,
    describe_id_fault,
)
from kg.pipeline.literals import EXAMPLE, LEADING_ZERO, expected_form, make_literal
from kg.pipeline.ontology import ClassInfo, PropertyInfo, Schema

_NUMERIC = frozenset({XSD.decimal, XSD.integer, XSD.positiveInteger})


class ValueChecks:
    """The checks of one statement's value and qualifiers; the checker that uses them holds
    the schema, the classes of the ids it knows and the problems found."""

    schema: Schema
    classes: dict[str, ClassInfo]
    other_classes: Mapping[str, ClassInfo]
    problems: list[Problem]
    _iris: dict[str, URIRef]

    def problem(self, pos: SourcePos, message: str, fix: str = "") -> None:
        self.problems.append(Problem(pos, message, fix))

    def _lang_value(self, st: Statement, prop: PropertyInfo) -> Literal | None:
        lang = st.value.lang
        if lang is None:
            langs = ", ".join(prop.languages)
            self.problem(
                st.pos,
                f"'{st.key}' needs a language for each text",
                f"write it as {{{langs.replace(', ', ': …, ')}: …}}",
            )
            return None
        if lang not in prop.languages:
            hint = did_you_mean(lang, prop.languages)
            self.problem(
                st.pos,
                f"language '{lang}' is not allowed in '{st.key}'",
                hint or f"use one of: {', '.join(prop.languages)}",
            )
            return None
        return Literal(unicodedata.normalize("NFC", st.value.text.strip()), lang=lang)

    def _object(self, st: Statement, prop: PropertyInfo) -> URIRef | None:
        text = st.value.text
        for range_cls in sorted(prop.range_classes):
            words = self.schema.vocabulary.get(range_cls)
            if words is not None:
                if text in words:
                    return words[text]
                hint = did_you_mean(text, sorted(words))
                self.problem(
                    st.value.pos,
                    f"unknown {self.schema.label(range_cls)} '{text}' for '{st.key}'",
                    hint or f"use one of: {', '.join(sorted(words))}",
                )
                return None
        target = self.classes.get(text) or self.other_classes.get(text)
        if target is None and not ID_PATTERN.fullmatch(text):
            self.problem(
                st.value.pos,
                f"'{st.key}' refers to '{text}', which is not an id: {describe_id_fault(text)}",
                "refer to an entity by its id alone, e.g. 'guangzhou': not a path, an IRI or "
                "a label",
            )
            return None
        if target is None:
            hint = did_you_mean(text, sorted({*self.classes, *self.other_classes}))
            self.problem(
                st.value.pos,
                f"'{st.key}' refers to '{text}', which is not the id of any entity",
                hint or "define that entity, or correct the id",
            )
            return None
        if not self.schema.is_a(target.iri, prop.range_classes):
            allowed = ", ".join(sorted(self.schema.label(c) for c in prop.range_classes))
            self.problem(
                st.value.pos,
                f"'{st.key}' refers to '{text}', {article(target.yaml_type or '')} "
                f"{target.yaml_type}, but needs: {allowed}",
                f"point it at an entity of the right class (rdfs:range of "
                f"{self.schema.label(prop.iri)})",
            )
            return None
        found = self._iris.get(text)
        if found is None:  # one URIRef per id: rdflib checks every new IRI's characters
            found = self._iris[text] = ID[text]
        return found

    def _literal(self, st: Statement, prop: PropertyInfo, key: str | None = None) -> Literal | None:
        literal = make_literal(st.value, prop)
        if literal is not None:
            return literal
        text = st.value.text
        if XSD.date in prop.datatypes and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            try:
                date.fromisoformat(text)
            except ValueError as exc:
                self.problem(
                    st.value.pos,
                    f"'{key or st.key}' value '{text}' is not a real date ({exc})",
                    "correct the day or month",
                )
                return None
        if _NUMERIC & set(prop.datatypes) and LEADING_ZERO.fullmatch(text):
            sign = text[0] if text[0] in "+-" else ""
            plain = sign + (text.lstrip("+-").lstrip("0") or "0")
            plain = "0" + plain if plain.lstrip("+-").startswith(".") else plain
            self.problem(
                st.value.pos,
                f"'{key or st.key}' value '{text}' starts with a 0, which YAML 1.1 tools read "
                f"as {yaml11_reading(text) or 'a different number'}",
                f'write it without leading zeros: "{plain}"',
            )
            return None
        example = EXAMPLE.get(prop.datatypes[0], "") if prop.datatypes else ""
        reading = yaml11_reading(text)
        also = f" (and YAML 1.1 tools would read it as {reading})" if reading else ""
        self.problem(
            st.value.pos,
            f"'{key or st.key}' value '{text}' is not {expected_form(prop)}{also}",
            f"write it in that form, quoted, e.g. {example}",
        )
        return None

    def _qualifiers(self, st: Statement) -> tuple[tuple[PropertyInfo, Literal], ...] | None:
        out = []
        ok = True
        for key, value in st.qualifiers:
            prop = self.schema.properties.get(key)
            if prop is None or not prop.is_qualifier:
                qualifier_keys = [k for k, p in self.schema.properties.items() if p.is_qualifier]
                hint = did_you_mean(key, qualifier_keys + ["value", "quote", "cite"])
                self.problem(
                    value.pos,
                    f"unknown qualifier '{key}' on '{st.key}'",
                    hint
                    or f"a statement takes value, quote, cite and: {', '.join(qualifier_keys)}",
                )
                ok = False
                continue
            literal = self._literal(Statement(key, value.pos, value), prop, key)
            if literal is None:
                ok = False
            else:
                out.append((prop, literal))
        return tuple(sorted(out, key=lambda pl: pl[0].key)) if ok else None
