"""docs/ontology.md and docs/curation.md show real data: every YAML example parses, uses
keys and words the ontology knows, and quotes the source verbatim; the figures they give
are the data's."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

import kg
from kg.pipeline.ontology import read_schema
from tests.conftest import ROOT

DOCS = ROOT / "docs"
SOURCE = (ROOT / "data" / "sources" / "duite-2020-11-zhang-shuofu-interview.txt").read_text(
    encoding="utf-8"
)
SCHEMA = read_schema()
ENTITY_KEYS = {"id", "type", "label", "alt", "quote", "cite"} | set(SCHEMA.properties)


def _blocks(name: str) -> list[str]:
    text = (DOCS / name).read_text(encoding="utf-8")
    return re.findall(r"```yaml\n(.*?)```", text, flags=re.S)


def _quotes(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = []
        for key, value in node.items():
            if key == "quote":
                found += value if isinstance(value, list) else [value]
            else:
                found += _quotes(value)
        return found
    if isinstance(node, list):
        return [q for item in node for q in _quotes(item)]
    return []


@pytest.mark.parametrize("name", ["ontology.md", "curation.md"])
def test_every_yaml_example_is_real(name: str) -> None:
    blocks = _blocks(name)
    assert blocks
    for block in blocks:
        lines = [line for line in block.splitlines() if not line.lstrip().startswith("#")]
        doc = yaml.safe_load("\n".join(line.removeprefix("  ") for line in lines))
        items = doc if isinstance(doc, list) else [doc]
        for item in items:
            assert set(item) <= ENTITY_KEYS, set(item) - ENTITY_KEYS
            if "type" in item:
                assert item["type"] in SCHEMA.types, item["type"]
        quotes = _quotes(doc)
        assert all(q in SOURCE for q in quotes), [q for q in quotes if q not in SOURCE]


def test_the_coverage_figures_in_the_docs_are_the_data_s() -> None:
    found = kg.coverage(kg.check(ROOT / "data"))
    (source,) = found.sources
    text = (DOCS / "curation.md").read_text(encoding="utf-8")
    line = (
        f"{source.source}: {source.covered} of {source.substantive} substantive sentences "
        f"accounted for ({source.share:.1%}); facts quote {source.quoted} of their "
        f"{source.letters} letters ({source.quoted / source.letters:.1%})"
    )
    assert line in text
