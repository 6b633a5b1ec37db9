"""`kg schema`: the JSON Schema of a data file, generated from the ontology, that editors
with the YAML language server use while the curator types."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

import kg
from kg.cli import main
from kg.outputs.json_schema import SCHEMA_FILE
from tests.conftest import ROOT
from tests.helpers import assert_golden

SCHEMA_LINE = f"# yaml-language-server: $schema=../ontology/{SCHEMA_FILE}\n"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    found = json.loads(kg.schema())
    jsonschema.Draft7Validator.check_schema(found)
    return jsonschema.Draft7Validator(found)


def _errors(validator: jsonschema.Draft7Validator, doc: Any) -> list[tuple[list[Any], str]]:
    return [(list(e.absolute_path), e.message) for e in validator.iter_errors(doc)]


def test_the_committed_schema_is_what_kg_schema_prints(update_golden: bool) -> None:
    printed = CliRunner().invoke(main, ["schema"]).stdout
    assert_golden(printed.encode("utf-8"), ROOT / "ontology" / SCHEMA_FILE, update_golden)


def test_every_data_file_names_the_schema_on_its_first_line() -> None:
    for path in sorted((ROOT / "data").glob("*.yaml")):
        assert path.read_text(encoding="utf-8").startswith(SCHEMA_LINE), path.name


def test_every_curated_file_is_valid(validator: jsonschema.Draft7Validator) -> None:
    # read as kg reads it: every scalar is text
    for path in sorted((ROOT / "data").glob("*.yaml")):
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
        assert _errors(validator, doc) == [], path.name


def _file(**entity: Any) -> dict[str, Any]:
    base = {"id": "x", "type": "Airport", "label": {"zh": "机场", "en": "Airport"}}
    return {"source": "s", "entities": [{**base, **entity}]}


def test_it_flags_what_the_ontology_forbids(validator: jsonschema.Draft7Validator) -> None:
    assert _errors(validator, _file()) == []
    # a key the ontology does not know, or not for this class
    assert _errors(validator, _file(conects=["a"])) == [
        (["entities", 0], "Additional properties are not allowed ('conects' was unexpected)")
    ]
    assert _errors(validator, _file(amount="3"))  # amount is for a Metric
    # a word outside a closed list, a bad date, a bad id, a missing en label
    assert _errors(validator, _file(status="open"))
    assert _errors(validator, _file(status={"value": "planned", "as-of": "2020-13"}))
    assert _errors(validator, _file(status={"value": "planned", "as-of": "23 Nov"}))
    assert _errors(validator, _file(id="Baiyun Airport"))
    assert _errors(validator, _file(label={"zh": "机场"}))
    assert _errors(validator, _file(type="Airprot"))
    # the forms it accepts: a statement with evidence and a qualifier, lists of ids
    ok = _file(
        status={"value": "in-service", "cite": "q", "as-of": "2020-11-23"},
        **{"located-in": ["guangzhou", {"value": "guangdong", "quote": "广东"}]},
    )
    assert _errors(validator, ok) == []


def test_a_functional_key_takes_one_value(validator: jsonschema.Draft7Validator) -> None:
    metric = {"type": "Metric", "subject": "guangzhou", "unit": "count"}
    assert _errors(validator, _file(**metric, amount="39000")) == []
    assert _errors(validator, _file(**metric, amount=["1", "2"]))
    assert _errors(validator, _file(**metric, amount="3.9万"))


def test_kg_schema_writes_a_file(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    result = CliRunner().invoke(main, ["schema", "--out", str(out)])
    assert result.exit_code == 0 and result.stdout.startswith(f"wrote {out}")
    assert out.read_text(encoding="utf-8") == kg.schema()
