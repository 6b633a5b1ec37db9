"""The README is tested: its two commands, its CLI section and its examples stay true."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml
from click.testing import CliRunner

import kg
from kg.cli import main
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_gives_the_run_and_test_commands_and_ci_runs_the_test_one() -> None:
    assert "make run " in README and "make test " in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, flags=re.M)


def test_readme_cli_section_is_the_real_help() -> None:
    help_text = CliRunner().invoke(main, ["--help"], prog_name="kg").stdout
    assert "```\n" + help_text + "```" in README


def test_every_command_is_in_the_readme() -> None:
    for name in main.commands:  # type: ignore[attr-defined]
        assert f"`kg {name}" in README, name


def test_every_make_target_the_readme_names_exists() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z-]+):", makefile, flags=re.M))
    named = set(re.findall(r"`make ([a-z-]+)", README))
    named |= set(re.findall(r"`(lint|fmt|typecheck|golden|bench|clean)`", README))
    assert named and named <= targets


def test_the_readme_fact_example_is_valid_yaml_with_real_quotes(data_dir: Path) -> None:
    block = README.split("## The fact format", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    doc = yaml.safe_load(block)
    assert {e["type"] for e in doc["entities"]} == {"Project", "Railway", "Metric"}
    source = (ROOT / "data" / "sources" / f"{doc['source']}.txt").read_text(encoding="utf-8")
    quotes = list(doc["quotes"].values())
    for entity in doc["entities"]:
        quotes += [v["quote"] for v in entity.values() if isinstance(v, dict) and "quote" in v]
        if "quote" in entity:
            quotes.append(entity["quote"])
    assert quotes and all(q in source for q in quotes)


def test_the_readme_library_example_runs(tmp_path: Path) -> None:
    result = kg.check(ROOT / "data")
    assert result.summary["entities"] == len(result.ids)
    outputs = kg.export(result, tmp_path, ["turtle"])
    assert [o.name for o in outputs] == ["graph.ttl", "manifest.json"]


def test_the_help_of_make_lists_its_targets() -> None:
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0
    for target in ("setup", "run", "test", "lint", "typecheck", "golden", "bench"):
        assert f"make {target}" in out.stdout
