"""The build's shortcuts give the bytes of the plain path: the explorer and GraphML written by
a forked process while the checks run, and the graph written once as sorted N-Triples."""

from __future__ import annotations

import errno
import gc
import hashlib
import importlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

import kg
from kg.outputs.export import WRITERS, Graphs

ROOT = Path(__file__).parent.parent
FORKED = importlib.import_module("kg.runtime.forked")
API = importlib.import_module("kg.api")


def _plain(result: kg.Result) -> dict[str, bytes]:
    texts = result.texts
    graphs = Graphs(result.graph, result.schema, result.built.positions, texts)
    return {w.filename: w.write(graphs) for w in WRITERS.values()}


def _count_forks(
    monkeypatch: pytest.MonkeyPatch, others: list[object] | None = None
) -> list[object]:
    """Fork on any machine, and collect the network helpers the build starts (and, in
    `others`, the names of the items any other helper was given)."""
    monkeypatch.setattr(FORKED, "can_fork", lambda: True)
    started: list[object] = []
    start = FORKED.Forked.start

    def counted(func: Any, *args: Any) -> object:
        helper = start(func, *args)
        if func is API.write_formats:
            started.append(helper)
        elif others is not None:
            others.append(args[0])
        return helper

    monkeypatch.setattr(API.Forked, "start", counted)
    return started


def test_build_outputs_are_those_of_the_plain_writers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    others: list[object] = []
    started = _count_forks(monkeypatch, others)
    result = kg.build(ROOT / "data", tmp_path)
    assert len(started) == 1 and started[0] is not None  # the network files came from a child
    assert ["nt", "turtle"] in others  # and these RDF files from another
    for filename, data in _plain(result).items():
        assert (tmp_path / filename).read_bytes() == data, filename


def test_a_failing_child_leaves_the_work_to_the_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = _count_forks(monkeypatch)
    parent = os.getpid()
    write = WRITERS["html"].write

    def fail_in_child(graphs: Graphs) -> bytes:
        if os.getpid() != parent:
            raise MemoryError("the child ran out of memory")
        return write(graphs)

    monkeypatch.setitem(
        WRITERS, "html", WRITERS["html"].__class__("network.html", "text/html", fail_in_child)
    )
    result = kg.build(ROOT / "data", tmp_path)
    assert len(started) == 1 and started[0] is not None
    assert (tmp_path / "network.html").read_bytes() == _plain(result)["network.html"]


def test_only_the_asked_formats_are_forked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started = _count_forks(monkeypatch)
    kg.build(ROOT / "data", tmp_path, formats=["turtle"])
    assert started == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.ttl", "manifest.json"]


def test_the_childs_files_leave_no_trace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The helper writes its files into a temporary folder; the parent moves them into the
    output and removes the folder, after a good build and after a failed one. The build's
    N-Triples, kept in a temporary file out of memory, go with the result."""
    started = _count_forks(monkeypatch)
    spool = tmp_path / "tmp"
    spool.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(spool))
    result = kg.build(ROOT / "data", tmp_path / "out")
    assert len(started) == 1 and started[0] is not None
    # the N-Triples were spilled to a file of their own, which goes with the result
    spilled = result.built.spilled
    assert list(spool.iterdir()) == [spilled]
    assert result.built.nt == (tmp_path / "out" / "graph.nt").read_bytes()
    del result
    gc.collect()
    assert not spilled.exists()
    assert (tmp_path / "out" / "network.html").stat().st_size > 100_000

    def broken(graphs: Graphs) -> bytes:
        raise OSError("disk full")

    monkeypatch.setitem(WRITERS, "turtle", WRITERS["turtle"].__class__("graph.ttl", "x", broken))
    with pytest.raises(OSError, match="disk full"):
        kg.build(ROOT / "data", tmp_path / "out")
    gc.collect()  # the traceback held the failed build
    assert list(spool.iterdir()) == []


def test_a_build_without_a_temporary_folder_works_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No usable temporary folder: no helper, nothing spilled, the same files."""
    started = _count_forks(monkeypatch)

    def unusable(*args: Any, **kwargs: Any) -> Any:
        raise FileNotFoundError("no usable temporary directory found")

    monkeypatch.setattr("tempfile.TemporaryDirectory", unusable)
    monkeypatch.setattr("tempfile.mkstemp", unusable)
    result = kg.build(ROOT / "data", tmp_path)
    assert started == [] and result.built.spilled is None
    for filename, data in _plain(result).items():
        assert (tmp_path / filename).read_bytes() == data, filename


def test_the_childs_files_are_copied_from_another_file_system(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the helper's folder cannot be renamed into the output (another file system),
    its files are copied, and the manifest lists the same bytes."""
    _count_forks(monkeypatch)
    export = importlib.import_module("kg.outputs.export")
    rename = os.replace

    def across(src: Any, dst: Any) -> None:
        if Path(src).name in ("graph.graphml", "network.html") and ".kg-" in str(src):
            if Path(dst).parent.name.startswith(".kg-"):  # into the staging folder
                raise OSError(errno.EXDEV, "Invalid cross-device link")
        rename(src, dst)

    monkeypatch.setattr(export.os, "replace", across)
    result = kg.build(ROOT / "data", tmp_path)
    plain = _plain(result)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    for item in manifest["files"]:
        data = (tmp_path / item["name"]).read_bytes()
        assert data == plain[item["name"]]
        assert (len(data), hashlib.sha256(data).hexdigest()) == (item["bytes"], item["sha256"])
