"""kg diff: builds compared as graphs, differences listed as facts with their quotes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

import kg
from kg.cli import main
from kg.errors import DiffError
from tests.conftest import MINI, ROOT

FOUNDATION = "e07f339"


def _copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(MINI, target)
    return target


def _edit(data: Path, old: str, new: str) -> None:
    path = next(data.glob("entities.y*ml"))
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_equal_builds_exit_0(tmp_path: Path) -> None:
    old, new = _copy(tmp_path, "old"), _copy(tmp_path, "new")
    found = kg.diff(old, new)
    assert found.equal and not (found.added or found.removed or found.changed)
    result = CliRunner().invoke(main, ["diff", str(old), str(new)])
    assert result.exit_code == 0, result.output
    assert "hold the same 218 triples" in result.stdout


def test_a_build_folder_and_its_data_folder_are_equal(tmp_path: Path) -> None:
    kg.build(MINI, tmp_path / "build")
    assert kg.diff(tmp_path / "build", MINI).equal


def test_a_data_folder_with_its_files_in_subfolders(tmp_path: Path) -> None:
    """A data folder is what `kg build` reads: YAML in subfolders (and .yml) count too."""
    old, new = _copy(tmp_path, "old"), _copy(tmp_path, "new")
    (new / "part").mkdir()
    (new / "entities.yaml").rename(new / "part" / "entities.yml")
    assert kg.diff(old, new).equal
    _edit(new / "part", 'as-of: "2020-11-23"', 'as-of: "2020-11-24"')
    assert [c.what for c in kg.diff(old, new).changed] == [("qualifiers",)]


def test_added_removed_and_changed_facts(tmp_path: Path) -> None:
    old, new = _copy(tmp_path, "old"), _copy(tmp_path, "new")
    _edit(new, '    phase: "3"\n', "")  # a statement removed
    _edit(new, "alt: {zh: [白云国际空港]}", "alt: {zh: [白云国际空港, 白云机场]}")  # labels
    _edit(new, 'as-of: "2020-11-23"', 'as-of: "2020-11-24"')  # a qualifier
    (new / "more.yaml").write_text(
        "source: mini-source\n"
        "entities:\n"
        "  - id: shenzhong-link-2\n"
        "    type: BridgeTunnel\n"
        "    label: {zh: 深中通道二, en: Shenzhen–Zhongshan Link 2}\n"
        '    quote: "加快建设深中通道和南中高速"\n'
        "    connects: [guangzhou, shenzhen]\n",
        encoding="utf-8",
    )
    found = kg.diff(old, new)
    assert not found.equal
    assert found.counts() == {
        "entities_added": 1,
        "statements_added": 2,
        "entities_removed": 0,
        "statements_removed": 1,
        "changed": 2,
    }
    assert {(f.subject, f.key, f.value) for f in found.added} == {
        ("shenzhong-link-2", "type", "BridgeTunnel"),
        ("shenzhong-link-2", "connects", "guangzhou"),
        ("shenzhong-link-2", "connects", "shenzhen"),
    }
    assert [(f.subject, f.key, f.value) for f in found.removed] == [
        ("baiyun-airport-phase-3", "phase", "3")
    ]
    assert sorted((c.new.subject, c.what) for c in found.changed) == [
        ("baiyun-airport", ("labels",)),
        ("baiyun-airport-phase-3", ("qualifiers",)),
    ]
    text = found.to_text()
    assert "深中通道二 Shenzhen–Zhongshan Link 2 (shenzhong-link-2)" in text
    assert "    + connects 连接: 广州 Guangzhou" in text
    assert "        “加快建设深中通道和南中高速”" in text
    assert "    - phase 期数: 3" in text
    assert "        + altLabel @zh “白云机场”" in text
    assert "as-of 2020-11-23 → 在建 under construction, as-of 2020-11-24" in text
    markdown = found.to_markdown()
    assert markdown.startswith("### kg diff `")
    assert "<details><summary>Added: 3 facts</summary>" in markdown
    assert "- \\+ connects 连接: 广州 Guangzhou — “加快建设深中通道和南中高速”" in markdown


def test_a_changed_value_is_one_change(tmp_path: Path) -> None:
    old, new = _copy(tmp_path, "old"), _copy(tmp_path, "new")
    _edit(new, 'date: "2020-11-23"', 'date: "2020-11-24"')
    found = kg.diff(old, new)
    assert not found.added and not found.removed
    (change,) = found.changed
    assert (change.old.value, change.new.value, change.what) == (
        "2020-11-23",
        "2020-11-24",
        ("value",),
    )


def test_markdown_shows_labels_as_text(tmp_path: Path) -> None:
    old, new = _copy(tmp_path, "old"), _copy(tmp_path, "new")
    _edit(new, "en: Guangzhou}", 'en: "Guangzhou <img src=x> | *bold* [a](b)"}')
    markdown = kg.diff(old, new).to_markdown()
    assert "<img" not in markdown
    assert "Guangzhou &lt;img src=x&gt; \\| \\*bold\\* \\[a\\](b)" in markdown


def test_cli_formats_and_exit_codes(tmp_path: Path) -> None:
    old, new = _copy(tmp_path, "old"), _copy(tmp_path, "new")
    _edit(new, '    phase: "3"\n', "")
    for fmt in ("text", "markdown", "json"):
        result = CliRunner().invoke(main, ["diff", str(old), str(new), "--format", fmt])
        assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["statements_removed"] == 1 and data["equal"] is False
    result = CliRunner().invoke(main, ["diff", str(old), str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "neither a folder nor REV:PATH" in result.stderr
    (new / "bad.yaml").write_text("entities:\n  - id: Bad\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["diff", str(old), str(new)])
    assert result.exit_code == 2
    assert "a side does not pass its checks" in result.stderr


def _has_commit(rev: str) -> bool:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{rev}^{{commit}}"], capture_output=True
    )
    return done.returncode == 0


@pytest.mark.skipif(not _has_commit(FOUNDATION), reason="the foundation commit is not here")
def test_the_curation_since_the_foundation_slice_removes_only_what_the_review_logs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The foundation's data is read with its own ontology and rules (it has none), so the
    checks added since do not refuse it; every statement removed since is one the second
    pass removed, with its reason in data/review/second-pass.tsv."""
    monkeypatch.chdir(ROOT)
    found = kg.diff(f"{FOUNDATION}:data", "HEAD:data")
    counts = found.counts()
    assert counts["entities_added"] > 100 and counts["statements_added"] > 300
    assert counts["entities_removed"] == 0
    log = ROOT / "data" / "review" / "second-pass.tsv"
    rows = [line.split("\t") for line in log.read_text(encoding="utf-8").splitlines()[3:]]
    faults = {(r[2], r[3], r[4]) for r in rows if r[5] != "ok" and r[1] == "statement"}
    removed = {(f.subject, f.key, f.value.removeprefix("status-")) for f in found.removed}
    assert 0 < len(removed) == counts["statements_removed"]
    assert removed <= {(s, k, o.removeprefix("status-")) for s, k, o in faults}
    added = {(f.subject, f.key) for f in found.added}
    assert ("nansha-science-city", "type") not in added  # in the foundation already
    assert ("ask-finance", "type") in added  # one of the three asks, curated later
    with pytest.raises(DiffError, match="not a commit"):
        kg.diff("no-such-rev:data", "HEAD:data")


def test_graphs_with_blank_nodes_are_compared_as_graphs(tmp_path: Path) -> None:
    """kg writes no blank nodes, but a hand-made build folder may: their labels differ
    between files, so such graphs are compared as graphs, not as lines of text."""
    for name, label in (("a", "x1"), ("b", "other")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "graph.nt").write_text(
            f'_:{label} <https://example.org/p> "v" .\n<https://example.org/s> '
            f"<https://example.org/q> _:{label} .\n",
            encoding="utf-8",
        )
    found = kg.diff(tmp_path / "a", tmp_path / "b")
    assert found.equal and found.in_both == 2
    (tmp_path / "b" / "graph.nt").write_text("<https://example.org/s> oops\n", encoding="utf-8")
    with pytest.raises(DiffError, match="is not a readable graph"):
        kg.diff(tmp_path / "a", tmp_path / "b")
