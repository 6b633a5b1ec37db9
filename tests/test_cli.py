"""The `kg` command, run in-process: exit codes, exact text, and what it writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from kg.cli import main
from tests.conftest import ROOT

SUMMARY = """\
data: all checks passed
  entities    9
    City            3
    Airport         2
    BridgeTunnel    1
    Organization    1
    Project         1
    SourceDocument  1
  statements  10
  quotes      8 found verbatim in 1 source text(s)
  triples     218
  coverage    0 of 6 substantive sentences accounted for (0.0%)
"""


def test_check_prints_the_summary_and_writes_nothing(data_dir: Path) -> None:
    before = sorted(p.relative_to(data_dir.parent) for p in data_dir.parent.rglob("*"))
    result = CliRunner().invoke(main, ["check", "data"])
    assert result.exit_code == 0, result.output
    assert result.stdout == SUMMARY
    after = sorted(p.relative_to(data_dir.parent) for p in data_dir.parent.rglob("*"))
    assert after == before


def test_build_prints_the_summary_and_where_the_files_are(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["build", "data", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(SUMMARY)
    wrote = [line.split()[1] for line in result.stdout[len(SUMMARY) :].splitlines()]
    assert wrote == [
        "out/graph.graphml",
        "out/graph.jsonld",
        "out/graph.nt",
        "out/graph.ttl",
        "out/manifest.json",
        "out/network.html",
    ]
    assert all(Path(p).is_file() for p in wrote)


def test_defaults_are_data_and_build(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    assert (data_dir.parent / "build" / "graph.ttl").is_file()


def test_bad_data_exits_1_with_every_problem_on_stderr(data_dir: Path) -> None:
    (data_dir / "a.yaml").write_text(
        "source: mini-source\n"
        "entities:\n"
        "  - id: port\n"
        "    type: Prot\n"
        "    label: {zh: 港, en: Port}\n"
        '    quote: "深圳宝安国际机场"\n'
        "  - id: link\n"
        "    type: Road\n"
        "    label: {zh: 路}\n"
        '    quote: "不在原文"\n'
        "    connects: [guangzhou, nowhere]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["build", "data"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "data/a.yaml:4: unknown type 'Prot' — did you mean 'Port' or 'Post'?",
        "data/a.yaml:9: entity 'link' has no en 'label' — add `label: {zh: …, en: …}`",
        "data/a.yaml:10: quote not found in source 'mini-source': no part of it occurs in "
        "source 'mini-source' — copy the passage verbatim from the source text",
        "data/a.yaml:11: 'connects' refers to 'nowhere', which is not the id of any entity "
        "— define that entity, or correct the id",
        "4 problems found",
    ]
    assert not (data_dir.parent / "build").exists()


def test_missing_data_folder_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["check", "no-such-folder"])
    assert result.exit_code == 2
    assert "Directory 'no-such-folder' does not exist" in result.stderr


def test_unknown_format_is_a_usage_error_listing_the_formats(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--format", "rdfxml"])
    assert result.exit_code == 2
    assert "'graphml', 'html', 'json-ld', 'nt', 'turtle'" in result.stderr


def test_every_command_has_help_with_an_example() -> None:
    for command in ("build", "check"):
        result = CliRunner().invoke(main, [command, "--help"])
        assert result.exit_code == 0
        assert f"Example: kg {command}" in result.stdout


def _loaded_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return set(out.stdout.split())


def test_kg_help_imports_no_heavy_library() -> None:
    # each command imports what it runs: `kg --help` pays for click alone
    loaded = _loaded_after("import kg.cli")
    heavy = {"pyvis", "IPython", "networkx", "pyshacl", "rdflib", "pyoxigraph", "jinja2", "rich"}
    assert not loaded & heavy


def test_kg_check_imports_neither_the_explorer_nor_pyshacl() -> None:
    loaded = _loaded_after("import kg.api; kg.api.check('data')")
    assert not loaded & {"pyvis", "IPython", "networkx", "pyshacl", "jinja2", "rich"}


def _bad_file(data_dir: Path) -> None:
    (data_dir / "a.yaml").write_text(
        "source: mini-source\n"
        "entities:\n"
        "  - id: port\n"
        "    type: Prot\n"
        "    label: {zh: 港, en: Port}\n"
        '    quote: "深圳宝安国际机场"\n',
        encoding="utf-8",
    )


def test_check_format_json_gives_every_problem_for_tools(data_dir: Path) -> None:
    _bad_file(data_dir)
    result = CliRunner().invoke(main, ["check", "data", "--format", "json"])
    assert result.exit_code == 1
    assert result.stderr == "1 problem found\n"
    assert json.loads(result.stdout) == {
        "ok": False,
        "problems": [
            {
                "file": "data/a.yaml",
                "line": 4,
                "column": None,
                "severity": "error",
                "code": "unknown-type",
                "message": "unknown type 'Prot'",
                "fix": "did you mean 'Port' or 'Post'?",
            }
        ],
        "summary": None,
    }
    (data_dir / "a.yaml").unlink()
    good = CliRunner().invoke(main, ["check", "data", "--format", "json"])
    assert good.exit_code == 0
    report = json.loads(good.stdout)
    assert report["ok"] is True and report["problems"] == []
    assert report["summary"]["entities"] == 9


def test_check_format_github_annotates_the_lines(data_dir: Path) -> None:
    _bad_file(data_dir)
    result = CliRunner().invoke(main, ["check", "data", "--format", "github"])
    assert result.exit_code == 1
    assert result.stdout == (
        "::error file=data/a.yaml,line=4,title=kg check (unknown-type)::"
        "unknown type 'Prot' — did you mean 'Port' or 'Post'?\n"
    )


def test_the_pre_commit_hooks_run_real_commands(data_dir: Path) -> None:
    import shlex

    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == ["kg-check", "kg-schema"]
    for hook in hooks:
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        words = shlex.split(hook["entry"])
        assert words[0] == "kg"
        (data_dir.parent / "ontology").mkdir(exist_ok=True)
        result = CliRunner().invoke(main, words[1:])
        assert result.exit_code == 0, result.output
    assert (data_dir.parent / "ontology" / "data.schema.json").is_file()
