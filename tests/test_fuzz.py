"""Fuzzing, time-boxed: whatever bytes a data file holds, the loader either reads it or raises
the project's own `KgError` whose problems all point at a real line of that file; and
whatever a structurally valid file says, the checks end the same way. Nothing else escapes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import KgError
from kg.pipeline.load import load_facts
from kg.pipeline.ontology import read_schema
from kg.pipeline.quotes import read_sources
from kg.pipeline.validate import check_facts
from tests.conftest import MINI

FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)

# pieces that mean something to YAML, to gba-kg, or to the checks on characters
TOKENS = [
    "entities:", "quotes:", "source:", "- ", "id: ", "type: ", "label: ", "quote: ", "zh: ",
    ": ", ":", ",", "[", "]", "{", "}", "&a ", "*a", "&b ", "*b", "!include ", "!!python/object ",
    "!!str ", "!x ", "? ", "|", ">-", "'", '"', "\\", "#", "---", "...", "%YAML 1.1", "%TAG ",
    "\n", "\n  ", "\n    ", "\t", "\r", "\r\n", "~", "null", "yes", "010", "1:30", "1_000",
    "2020-10-22", "广州", "x", "nansha-port", "\x00", "\x1b", "\x85", "\u202e", "\u200b",
    "\ufeff", "\u2028", "\U0001f600",
]  # fmt: skip
YAMLISH = st.lists(st.sampled_from(TOKENS) | st.text(max_size=5), max_size=60).map("".join)


def _assert_loads_or_reports(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "a.yaml").write_bytes(raw)
        try:
            load_facts(folder)
        except KgError as exc:
            assert exc.problems, "a KgError always carries a problem"
            lines = raw.count(b"\n") + raw.count(b"\r") + 1  # as an editor counts them
            for problem in exc.problems:
                assert problem.pos.path == str(folder / "a.yaml")
                assert 1 <= problem.pos.line <= lines, (problem, raw)
                assert problem.message


@FUZZ
@given(YAMLISH)
def test_yamlish_text_loads_or_raises_a_kg_error_with_a_line(text: str) -> None:
    _assert_loads_or_reports(text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.binary(max_size=200))
def test_arbitrary_bytes_load_or_raise_a_kg_error_with_a_line(raw: bytes) -> None:
    _assert_loads_or_reports(raw)


SCHEMA = read_schema()
SOURCES = read_sources(MINI / "sources")
KEYS = sorted(SCHEMA.properties) + ["id", "type", "quote", "cite", "value", "zh", "en", "bogus"]
SCALARS = st.sampled_from(
    ["guangzhou", "shenzhen", "深圳", "广州", "2020", "2020-10-22", "3", "0", "010", "count",
     "in-service", "City", "Port", "Metric", "x", "", " ", "../x", "https://x.org/y"]
) | st.text(max_size=8)  # fmt: skip
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner),
    max_leaves=12,
)
ENTITY = st.fixed_dictionaries(
    {"id": SCALARS, "type": st.sampled_from(sorted(SCHEMA.types)) | SCALARS},
    optional={k: VALUES for k in KEYS if k not in ("id", "type")},
)


@settings(FUZZ, max_examples=40)
@given(st.lists(ENTITY, max_size=4), st.booleans())
def test_any_well_formed_file_checks_or_raises_a_kg_error(entities: list, cite: bool) -> None:
    doc: dict[str, object] = {"source": "mini-source", "entities": entities}
    if cite:
        doc["quotes"] = {"q": "深圳"}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "a.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        try:
            check_facts(load_facts(folder), SCHEMA, SOURCES)
        except KgError as exc:
            assert exc.problems
            assert all(p.pos.line >= 1 for p in exc.problems)
