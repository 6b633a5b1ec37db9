"""The lexical rules of the XSD datatypes the ontology uses: which text is a valid date,
month, year, decimal or whole number, its canonical form, and how to say what was expected.

`validate.py` turns curated values into typed literals with `make_literal`; a value that fits
no datatype of its property's range is an error there, worded with `expected_form`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation

from rdflib import XSD, Literal, URIRef

from kg.facts import Value
from kg.pipeline.ontology import PropertyInfo

LEADING_ZERO = re.compile(r"[+-]?0\d+(\.\d*)?")


def _canonical_decimal(text: str) -> str | None:
    if not re.fullmatch(r"[+-]?((0|[1-9]\d*)(\.\d*)?|\.\d+)", text):
        return None
    try:
        return format(Decimal(text).normalize(), "f")
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None


def _iso_date(text: str) -> str | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        date.fromisoformat(text)
    except ValueError:
        return None
    return text


def _positive_integer(text: str) -> str | None:
    return str(int(text)) if re.fullmatch(r"\+?[1-9]\d*", text) else None


_LEXICAL: dict[URIRef, Callable[[str], str | None]] = {
    XSD.string: lambda t: unicodedata.normalize("NFC", t),
    XSD.date: _iso_date,
    XSD.gYearMonth: lambda t: t if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", t) else None,
    XSD.gYear: lambda t: t if re.fullmatch(r"\d{4}", t) else None,
    XSD.decimal: _canonical_decimal,
    XSD.integer: lambda t: str(int(t)) if re.fullmatch(r"[+-]?(0|[1-9]\d*)", t) else None,
    XSD.positiveInteger: _positive_integer,
    XSD.boolean: lambda t: t if t in ("true", "false") else None,
}

_EXPECTED = {
    XSD.string: "text",
    XSD.date: "a date YYYY-MM-DD",
    XSD.gYearMonth: "a month YYYY-MM",
    XSD.gYear: "a year YYYY",
    XSD.decimal: "a decimal number such as 39000 or 2.53",
    XSD.integer: "a whole number",
    XSD.positiveInteger: "a whole number above 0",
    XSD.boolean: "true or false",
}


EXAMPLE = {
    XSD.date: '"2020-10-22"',
    XSD.gYearMonth: '"2020-10"',
    XSD.gYear: '"2020"',
    XSD.decimal: '"39000" (write 3.9万 as 39000, 1.32亿 as 132000000)',
    XSD.integer: '"3"',
    XSD.positiveInteger: '"3" (三期 is 3)',
    XSD.boolean: '"true"',
}


def make_literal(value: Value, prop: PropertyInfo) -> Literal | None:
    """The typed literal for `value` under `prop`'s range, or None if no datatype fits."""
    for datatype in prop.datatypes:
        check = _LEXICAL.get(datatype)
        lexical = check(value.text) if check else None
        if lexical is not None:
            if datatype == XSD.string:
                return Literal(lexical)
            return Literal(lexical, datatype=datatype)
    return None


def expected_form(prop: PropertyInfo) -> str:
    """How a value of `prop` is written, for messages: 'a date YYYY-MM-DD or a month …'."""
    return " or ".join(_EXPECTED.get(d, str(d)) for d in prop.datatypes)
