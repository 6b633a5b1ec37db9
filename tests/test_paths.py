"""Where the builder reads and writes: only the data folder and the output folder, never the
network, never through a link, never into the working directory."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import kg
from kg.outputs.export import MANIFEST, WRITERS, write_file
from tests.conftest import MINI

_OPENED: list[str] | None = None  # filled by the audit hook while a test listens


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _OPENED is not None and event == "open" and isinstance(args[0], str | Path):
        _OPENED.append(os.path.realpath(args[0]))


sys.addaudithook(_audit)  # audit hooks cannot be removed; this one is idle outside `opened`


@pytest.fixture
def opened() -> Iterator[list[str]]:
    global _OPENED
    _OPENED = []
    try:
        yield _OPENED
    finally:
        _OPENED = None


def test_every_output_name_is_a_bare_file_name() -> None:
    for name in [w.filename for w in WRITERS.values()] + [MANIFEST]:
        assert Path(name).name == name and name not in ("", ".", "..")
        assert "/" not in name and "\\" not in name


def test_a_symlinked_output_is_replaced_not_written_through(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "precious.txt"
    elsewhere.write_text("keep me\n", encoding="utf-8")
    (out / "graph.ttl").symlink_to(elsewhere)
    (out / MANIFEST).symlink_to(elsewhere)
    kg.build(MINI, out)
    assert elsewhere.read_text(encoding="utf-8") == "keep me\n"
    assert not (out / "graph.ttl").is_symlink() and (out / "graph.ttl").is_file()
    assert not (out / MANIFEST).is_symlink()
    assert "gbr:guangzhou" in (out / "graph.ttl").read_text(encoding="utf-8")


def test_a_single_page_written_over_a_link_replaces_the_link(tmp_path: Path) -> None:
    elsewhere = tmp_path / "precious.html"
    elsewhere.write_text("keep me\n", encoding="utf-8")
    page = tmp_path / "out" / "view.html"
    page.parent.mkdir()
    page.symlink_to(elsewhere)
    write_file(page, b"<!doctype html>\n")
    assert elsewhere.read_text(encoding="utf-8") == "keep me\n"
    assert not page.is_symlink() and page.read_bytes() == b"<!doctype html>\n"
    assert sorted(p.name for p in page.parent.iterdir()) == ["view.html"]  # no temporary file


def test_a_build_leaves_the_working_directory_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    kg.build(MINI, tmp_path / "out")  # every format, the pyvis-based page included
    assert list(cwd.iterdir()) == []  # no lib/ folder, no stray file
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [w.filename for w in WRITERS.values()] + [MANIFEST]
    )


def test_a_build_never_uses_the_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the build tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    kg.build(MINI, tmp_path / "out")


def test_a_source_given_as_a_path_is_never_opened(data_dir: Path, opened: list[str]) -> None:
    secret = data_dir.parent / "secrets.txt"
    secret.write_text("password\n", encoding="utf-8")
    (data_dir / "case.yaml").write_text(
        "source: ../secrets.txt\n"
        "entities:\n"
        "  - id: x\n"
        "    type: City\n"
        "    label: {zh: 甲, en: X}\n"
        "    quote: password\n",
        encoding="utf-8",
    )
    opened.clear()  # from here on
    with pytest.raises(kg.KgError) as info:
        kg.check(data_dir)
    assert [p.message.split(":")[0] for p in info.value.problems] == [
        "source '../secrets.txt' is not a source id"
    ]
    assert str(secret.resolve()) not in opened
    data = str(data_dir.resolve())
    assert [p for p in opened if p.startswith(str(data_dir.parent.resolve()))] == [
        p for p in opened if p.startswith(data)
    ]


def test_the_check_reads_only_the_data_folder_and_the_ontology(
    data_dir: Path, opened: list[str]
) -> None:
    opened.clear()
    kg.check(data_dir)
    python = (os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix))
    ours = [p for p in opened if not p.startswith(python) and not p.endswith(".pyc")]
    root = str(Path(kg.__file__).resolve().parent.parent)
    assert ours and all(p.startswith((str(data_dir.resolve()), root)) for p in ours), ours
