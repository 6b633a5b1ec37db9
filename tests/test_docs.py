"""The README and the documentation site are tested: the two commands, the tour, the CLI
reference, the examples and the site build stay true."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import kg
from kg.cli import main
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"
PAGES = {p.name: p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md"))}
ALL_DOCS = README + "".join(PAGES.values())


def _block(text: str, after: str, lang: str = "") -> str:
    """The first fenced block of `lang` after the heading or text `after`."""
    return text.split(after, 1)[1].split(f"```{lang}\n", 1)[1].split("```", 1)[0]


def test_readme_gives_the_run_and_test_commands_and_ci_runs_the_test_one() -> None:
    assert "make run " in README and "make test " in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, flags=re.M)


def test_the_readme_is_one_screen_of_front_door() -> None:
    assert len(README.splitlines()) <= 200
    assert ".venv/bin/kg" in README and "source .venv/bin/activate" in README


def test_the_readme_screenshot_is_a_committed_png() -> None:
    (image,) = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert (ROOT / image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_page_the_readme_links_exists_and_is_in_the_site_nav() -> None:
    linked = re.findall(r"\]\(docs/([a-z-]+\.md)\)", README)
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert linked
    for page in linked:
        assert page in PAGES, page
        assert f": {page}" in nav, page
    for page in PAGES:
        assert f": {page}" in nav, f"docs/{page} is not in mkdocs.yml's nav"


def test_the_readme_tour_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tour = _block(README, "## A six-command tour", "sh")
    commands = [shlex.split(line.split("#", 1)[0]) for line in tour.splitlines()]
    assert len(commands) == 6 and all(c[0] == "kg" for c in commands)
    (tmp_path / "data").symlink_to(ROOT / "data")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    built = runner.invoke(main, ["build", "--format", "nt"], prog_name="kg")
    assert built.exit_code == 0, built.output
    for args in commands:
        result = runner.invoke(main, args[1:], prog_name="kg")
        assert result.exit_code == 0, (args, result.output)
    assert (tmp_path / "build" / "rail-link.html").is_file()
    assert (tmp_path / "build" / "coverage.html").is_file()
    assert (tmp_path / "build" / "web" / "id" / "gz-sz-hk-xrl" / "index.html").is_file()


def test_the_cli_page_holds_the_real_help() -> None:
    help_text = CliRunner().invoke(main, ["--help"], prog_name="kg").stdout
    assert "```\n" + help_text + "```" in PAGES["cli.md"]


def test_every_command_is_documented() -> None:
    for name in main.commands:  # type: ignore[attr-defined]
        assert f"`kg {name}" in PAGES["cli.md"], name


def test_every_make_target_the_docs_name_exists() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z-]+):", makefile, flags=re.M))
    named = set(re.findall(r"`make ([a-z-]+)", ALL_DOCS))
    named |= set(re.findall(r"`(lint|fmt|typecheck|golden|bench|clean)`", ALL_DOCS))
    assert named and named <= targets


def test_the_fact_example_is_valid_yaml_with_real_quotes() -> None:
    doc = yaml.safe_load(_block(PAGES["facts.md"], "# The fact format", "yaml"))
    assert {e["type"] for e in doc["entities"]} == {"Project", "Railway", "Metric"}
    source = (ROOT / "data" / "sources" / f"{doc['source']}.txt").read_text(encoding="utf-8")
    quotes = list(doc["quotes"].values())
    for entity in doc["entities"]:
        quotes += [v["quote"] for v in entity.values() if isinstance(v, dict) and "quote" in v]
        if "quote" in entity:
            quotes.append(entity["quote"])
    assert quotes and all(q in source for q in quotes)


def test_the_library_example_runs(tmp_path: Path) -> None:
    assert 'kg.check("data")' in PAGES["library.md"]
    result = kg.check(ROOT / "data")
    assert result.summary["entities"] == len(result.ids)
    outputs = kg.export(result, tmp_path, ["turtle"])
    assert [o.name for o in outputs] == ["graph.ttl", "manifest.json"]


def test_the_summary_the_docs_show_is_the_real_one() -> None:
    shown = _block(PAGES["index.md"], "`make run` prints a summary like this one:")
    result = kg.check(ROOT / "data")
    assert f"  entities    {result.summary['entities']}\n" in shown
    assert f"  statements  {result.summary['statements']}\n" in shown
    assert f"  quotes      {result.quotes_checked} found verbatim" in shown
    assert f"  triples     {result.triples}\n" in shown
    assert f"  coverage    {result.coverage_line}\n" in shown
    facts = f"{result.summary['entities']} entities, {result.statements} statements, "
    assert facts + f"{result.triples:,} triples" in README


def test_the_help_of_make_lists_its_targets() -> None:
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0
    for target in ("setup", "run", "test", "lint", "typecheck", "golden", "bench"):
        assert f"make {target}" in out.stdout


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "facts" / "index.html").is_file()
    assert (tmp_path / "img" / "explorer.png").is_file()


def _make_dry_run(target: str) -> list[str]:
    out = subprocess.run(
        ["make", "-n", "-B", target, "VENV=/nonexistent-venv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    return [line for line in out.stdout.splitlines() if "pip install" in line]


def test_make_run_installs_the_runtime_only_and_make_test_adds_the_dev_tools() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {re.split(r"[<>=\[ ]", d)[0].lower() for d in project["dependencies"]}
    dev = {re.split(r"[<>=\[ ]", d)[0].lower() for d in project["optional-dependencies"]["dev"]}
    assert not runtime & {
        "mypy",
        "matplotlib",
        "ipykernel",
        "oxigraph",
        "pytest",
        "mkdocs-material",
    }
    assert {"mypy", "matplotlib", "ipykernel", "oxigraph", "mkdocs-material"} <= dev
    installs = _make_dry_run("run")
    assert installs[-1].endswith("pip install --quiet -e .")
    assert not any("[dev]" in line for line in installs)
    assert any(line.endswith("pip install --quiet -e '.[dev]'") for line in _make_dry_run("test"))
