"""Every notebook runs top to bottom from a clean kernel, and none is committed with outputs."""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_the_tour_is_there() -> None:
    assert ROOT / "notebooks" / "tour.ipynb" in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_outputs_are_committed(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {number} has outputs: strip them"
            assert cell.execution_count is None, f"cell {number} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_paired_script_holds_the_same_cells(path: Path) -> None:
    script = path.with_suffix(".py")
    if not script.exists():
        pytest.skip("no jupytext pairing")
    paired = jupytext.read(script)
    notebook = nbformat.read(path, as_version=4)
    assert [(c.cell_type, c.source) for c in paired.cells] == [
        (c.cell_type, c.source) for c in notebook.cells
    ], f"run `jupytext --sync {path.relative_to(ROOT)}`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_notebook_runs_from_a_clean_kernel(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KG_BUILD", str(tmp_path / "build"))
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, if a cell fails
    images = [
        out
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]
    text = "".join(out.get("text", "") for cell in nb.cells for out in cell.get("outputs", []))
    if path.name == "tour.ipynb":
        assert len(images) >= 2
        assert sorted(p.name for p in (tmp_path / "build" / "figures").glob("*.png")) == [
            "centrality.png",
            "co-building.png",
            "communities.png",
            "coverage.png",
        ]
        assert "CJK font:" in text or "WARNING: no CJK font" in text
        assert (tmp_path / "build" / "coverage.html").is_file()
        # nothing it writes names a path of this machine: the outputs name each fact's
        # YAML file as `kg build` does (data/places.yaml:12)
        machine = [str(ROOT.resolve()).encode(), str(tmp_path.resolve()).encode()]
        for written in (tmp_path / "build").rglob("*"):
            if written.is_file() and written.suffix != ".png":
                data = written.read_bytes()
                assert not any(m in data for m in machine), written
        assert b"data/places.yaml:" in (tmp_path / "build" / "network.html").read_bytes()
