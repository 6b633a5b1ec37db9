"""The build cache: a rebuild with nothing changed rebuilds nothing and leaves the same bytes;
any changed input (a data file, a source text, the ontology, a rule) or output rebuilds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.api import build
from kg.cli import main
from kg.errors import KgError
from kg.incremental.cache import CACHE_DIR, RECORD

ROOT = Path(__file__).parent.parent


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


@pytest.fixture
def setup(data_dir: Path, tmp_path: Path) -> dict[str, Path]:
    """The mini data, and copies of the ontology and the queries to change."""
    shutil.copytree(ROOT / "ontology", tmp_path / "ontology")
    shutil.copytree(ROOT / "queries", tmp_path / "queries")
    return {"data": data_dir, "ontology": tmp_path / "ontology", "queries": tmp_path / "queries"}


def _build(setup: dict[str, Path], out: Path, cache: bool = True) -> bool:
    report = build(
        setup["data"],
        out,
        ontology_dir=setup["ontology"],
        queries_dir=setup["queries"],
        cache=cache,
    )
    return report.cached


def test_an_unchanged_rebuild_is_a_hit_with_the_bytes_of_a_clean_build(
    setup: dict[str, Path], tmp_path: Path
) -> None:
    out, clean = tmp_path / "out", tmp_path / "clean"
    assert _build(setup, out) is False
    assert (out / CACHE_DIR / RECORD).is_file()
    assert _build(setup, out) is True
    assert _build(setup, clean, cache=False) is False
    assert _files(out) == _files(clean)
    assert not (clean / CACHE_DIR / RECORD).exists()  # --no-cache keeps no record


@pytest.mark.parametrize(
    "change",
    ["data file", "source text", "ontology", "shapes", "rule", "new data file"],
)
def test_a_changed_input_rebuilds(setup: dict[str, Path], tmp_path: Path, change: str) -> None:
    out, clean = tmp_path / "out", tmp_path / "clean"
    _build(setup, out)
    data = setup["data"]
    if change == "data file":
        path = sorted(data.glob("*.yaml"))[0]
        path.write_text(path.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    elif change == "source text":
        path = sorted((data / "sources").glob("*.txt"))[0]
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    elif change == "ontology":
        path = setup["ontology"] / "gba.ttl"
        path.write_text(path.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    elif change == "shapes":
        path = setup["ontology"] / "shapes.ttl"
        path.write_text(path.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    elif change == "rule":
        path = sorted((setup["queries"] / "rules").glob("*.rq"))[0]
        path.write_text(path.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    else:
        first = sorted(data.glob("*.yaml"))[0]
        shutil.copy(first, data / "zz-copy.yaml")
    if change == "new data file":  # duplicate ids: the build fails, the record stays
        with pytest.raises(KgError):
            _build(setup, out)
        (data / "zz-copy.yaml").unlink()
        assert _build(setup, out) is True
        return
    assert _build(setup, out) is False
    assert _build(setup, out) is True
    _build(setup, clean, cache=False)
    assert _files(out) == _files(clean)


def test_a_changed_label_changes_the_outputs_after_a_cached_build(
    setup: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _build(setup, out)
    before = _files(out)
    path = next(p for p in sorted(setup["data"].glob("*.yaml")) if "en:" in p.read_text("utf-8"))
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("en: ", "en: Changed ", 1), encoding="utf-8")
    assert _build(setup, out) is False
    assert _files(out)["graph.nt"] != before["graph.nt"]
    assert b"Changed " in _files(out)["graph.nt"]


@pytest.mark.parametrize("how", ["edited", "edited, same size", "deleted"])
def test_a_touched_output_rebuilds(setup: dict[str, Path], tmp_path: Path, how: str) -> None:
    out = tmp_path / "out"
    _build(setup, out)
    before = _files(out)
    if how == "edited":
        (out / "graph.ttl").write_bytes(b"# edited by hand\n")
    elif how == "edited, same size":
        ttl = (out / "graph.ttl").read_bytes()
        (out / "graph.ttl").write_bytes(ttl.replace(b"@prefix", b"@PREFIX", 1))
    else:
        (out / "network.html").unlink()
    assert _build(setup, out) is False
    assert _files(out) == before


def test_other_formats_are_another_key(setup: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(setup, out)
    report = build(setup["data"], out, formats=["turtle"], cache=True)
    assert report.cached is False
    assert [o.name for o in report.outputs] == ["graph.ttl", "manifest.json"]


def test_the_cli_says_when_nothing_was_rebuilt(data_dir: Path) -> None:
    first = CliRunner().invoke(main, ["build", "data", "--out", "out"])
    second = CliRunner().invoke(main, ["build", "data", "--out", "out"])
    assert first.exit_code == second.exit_code == 0, second.output
    summary = first.stdout.split("  wrote")[0]
    assert second.stdout.startswith(summary)
    assert "  kept  out/graph.ttl (" in second.stdout
    assert second.stdout.endswith("unchanged since the last build (cache: out/.kg-cache)\n")
    third = CliRunner().invoke(main, ["build", "data", "--out", "out", "--no-cache"])
    assert third.stdout == first.stdout
    assert not (Path("out") / CACHE_DIR / RECORD).exists()


def _outcome(data: Path, cache_from: Path | None) -> object:
    from kg.api import check

    try:
        result = check(data, cache_from=cache_from)
    except KgError as exc:
        return ("error", exc.report())
    return (result.summary, [str(w) for w in result.warnings], result.coverage_line)


def _state(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p): (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.rglob("*") if p.is_file()
    }


EDITS = {
    "unchanged": ("", ""),
    "a file that no longer parses": ("type: Railway\n", "type: [Railway\n"),
    "an unknown type": ("type: Railway\n", "type: Railwya\n"),
    "a link with one end (SHACL and a rule)": (
        "connects: [guangzhou, hong-kong, shenzhen]",
        "connects: [guangzhou]",
    ),
    "a label changed": ("en: Guangzhou–Shenzhen–Hong Kong", "en: Guangzhou-Shenzhen-HK"),
}


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_check_from_the_build_cache_finds_what_a_clean_check_finds(
    tmp_path: Path, edit: str
) -> None:
    # kg check reads the units `kg build` kept (never writes them) for unchanged files
    data, out = tmp_path / "data", tmp_path / "build"
    shutil.copytree(ROOT / "data", data)
    build(data, out, formats=["nt"], cache=True)
    old, new = EDITS[edit]
    transport = data / "transport.yaml"
    text = transport.read_text(encoding="utf-8")
    assert old in text
    transport.write_text(text.replace(old, new, 1), encoding="utf-8")
    before = _state(out)
    found = _outcome(data, out)
    assert found == _outcome(data, None)
    assert _state(out) == before
    fails = edit not in ("unchanged", "a label changed")
    assert isinstance(found, tuple) and (found[0] == "error") == fails
    if edit.startswith("a link with one end"):
        assert "at least 2" in found[1] or "two" in found[1], found[1]
