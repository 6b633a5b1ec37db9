"""The build cache: a rebuild whose inputs have not changed verifies the outputs and returns.

`kg build` keeps one record in `OUT/.kg-cache/build.json`: a key, the sha256 of everything
a build reads or depends on, and what the build printed and wrote (its summary, warnings,
coverage line and each output's size and sha256). The key covers:

- every data file `kg build` would read (its path as given and its bytes, and whether it
  lies inside the data folder), and every source text in `sources/`;
- the ontology and shapes files, and every rule query;
- the code: every file of the `kg` package, the Python version and the versions of the
  libraries that shape the outputs;
- the arguments that change the outputs: the data folder as written, the working folder and
  the formats.

When the key matches and every output named in the record is in the output folder with its
recorded sha256, nothing is rebuilt: the files there are the bytes a clean build writes.
Otherwise the build runs in full and the record is replaced. A failed build leaves the record
alone (it describes the outputs, which a failed build does not touch). Delete the folder, run
`make clean`, or pass `kg build --no-cache` (`cache=False`) to rebuild regardless.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from kg.outputs.export import Output, write_file
from kg.pipeline.load import MAX_FILE_BYTES, SOURCES_DIR, find_data_files
from kg.pipeline.ontology import ONTOLOGY_FILE, SHAPES_FILE, default_ontology_dir
from kg.pipeline.questions import default_queries_dir

CACHE_DIR = ".kg-cache"
RECORD = "build.json"
UNITS_DIR = "units"
"""Where `kg.incremental.units` keeps each data file's checks and triples."""
FORMAT = 1
"""The record's format; a change of it makes every old record a miss."""

_LIBRARIES = (
    "rdflib",
    "pyoxigraph",
    "pyshacl",
    "pyvis",
    "networkx",
    "PyYAML",
    "jinja2",
    "opencc-python-reimplemented",
)


@dataclass
class Record:
    """What a build printed and wrote, kept to replay a rebuild that changes nothing."""

    summary: dict[str, Any]
    warnings: list[str]
    coverage: str
    outputs: list[dict[str, Any]]  # name, bytes, sha256


def _code_digest() -> str:
    """The kg package's own files (code and templates), and the libraries' versions."""
    digest = hashlib.sha256()
    package = Path(__file__).parents[1]
    for path in sorted(p for p in package.rglob("*") if p.is_file() and p.suffix != ".pyc"):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    digest.update(sys.version.encode() + b"\0")
    for name in _LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{name}={version}\0".encode())
    return digest.hexdigest()


def input_key(
    data_dir: Path,
    ontology_dir: Path | None,
    queries_dir: Path | None,
    formats: list[str] | None,
) -> str:
    """The sha256 of every input of a build (see the module doc)."""
    digest = hashlib.sha256()

    def add(label: str, path: Path, inside: Path | None = None) -> None:
        flag = b"" if inside is None else b"in" if path.resolve().is_relative_to(inside) else b"out"
        digest.update(f"{label}\0{path}\0".encode() + flag + b"\0")
        digest.update(file_digest(path))

    digest.update(f"kg-cache {FORMAT}\0{_code_digest()}\0".encode())
    digest.update(f"{data_dir}\0{Path.cwd()}\0{sorted(formats) if formats else '*'}\0".encode())
    onto = Path(ontology_dir or default_ontology_dir())
    for name in (ONTOLOGY_FILE, SHAPES_FILE):
        add("ontology", onto / name)
    rules = Path(queries_dir or default_queries_dir()) / "rules"
    for path in sorted(rules.glob("*.rq")):
        add("rule", path)
    inside = data_dir.resolve()
    for path in find_data_files(data_dir):
        add("data", path, inside)
    sources = data_dir / SOURCES_DIR
    for path in sorted(sources.glob("*.txt")) if sources.is_dir() else []:
        add("source", path, sources.resolve())
    return digest.hexdigest()


def unit_context(data_dir: Path, ontology_dir: Path | None) -> str:
    """The sha256 of what a unit of the build (`units`) depends on besides its own file:
    the code, the ontology and the source texts."""
    digest = hashlib.sha256(f"kg-units {FORMAT}\0{_code_digest()}\0".encode())
    onto = Path(ontology_dir or default_ontology_dir())
    sources = data_dir / SOURCES_DIR
    texts = sorted(sources.glob("*.txt")) if sources.is_dir() else []
    for path in [onto / ONTOLOGY_FILE, onto / SHAPES_FILE, *texts]:
        digest.update(f"{path.name}\0".encode())
        digest.update(file_digest(path))
    return digest.hexdigest()


def file_digest(path: Path, limit: int = 16 * MAX_FILE_BYTES) -> bytes:
    """The sha256 of the file at `path`, read as a stream; for a file larger than `limit`
    (which the build refuses to read), only its size; b"-" if there is no file."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > limit:
                return f"too big: {size}".encode()
            return hashlib.file_digest(f, "sha256").digest()
    except (FileNotFoundError, IsADirectoryError):
        return b"-"


def checks_digest(ontology_dir: Path | None, queries_dir: Path | None) -> str:
    """The sha256 of the checks a build runs on the graph: the shapes, the rule queries and
    the code that runs them."""
    digest = hashlib.sha256(f"kg-checks {FORMAT}\0{_code_digest()}\0".encode())
    shapes = Path(ontology_dir or default_ontology_dir()) / SHAPES_FILE
    rules = Path(queries_dir or default_queries_dir()) / "rules"
    for path in [shapes, *sorted(rules.glob("*.rq"))]:
        digest.update(f"{path.name}\0".encode())
        digest.update(file_digest(path))
    return digest.hexdigest()


def lookup(out_dir: Path, key: str) -> tuple[Record, list[Output]] | None:
    """The record for `key` if the outputs it names are in `out_dir` unchanged, else None."""
    try:
        stored = json.loads((out_dir / CACHE_DIR / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    try:
        record = Record(**stored["record"])
        outputs = []
        for item in record.outputs:
            path = out_dir / item["name"]
            if path.is_symlink() or not path.is_file():
                return None
            size = path.stat().st_size
            if size != item["bytes"]:
                return None
            with open(path, "rb") as f:  # read as a stream: graph.nt is 740 MB at 100k
                sha = hashlib.file_digest(f, "sha256").hexdigest()
            if sha != item["sha256"]:
                return None
            outputs.append(Output(item["name"], path, size, sha))
    except (OSError, KeyError, TypeError):
        return None
    return record, outputs


def store(out_dir: Path, key: str, record: Record) -> None:
    """Replace the record in `out_dir` (atomically)."""
    data = json.dumps({"key": key, "record": record.__dict__}, ensure_ascii=False, indent=1)
    write_file(out_dir / CACHE_DIR / RECORD, (data + "\n").encode("utf-8"))


def clear(out_dir: Path) -> None:
    """Remove the record and the units, if any."""
    with contextlib.suppress(FileNotFoundError):
        os.remove(out_dir / CACHE_DIR / RECORD)
    shutil.rmtree(out_dir / CACHE_DIR / UNITS_DIR, ignore_errors=True)


LEFTOVER = ".kg-"
"""The prefix of the temporary files and folders a build writes into the output folder
(and into `.kg-cache`), then moves into place or removes."""


@contextlib.contextmanager
def claimed(out_dir: Path) -> Iterator[None]:
    """Hold the output folder for one build: wait for any other build into it to finish
    (a lock on the folder, which a killed build lets go of with its process), remove what
    a killed build left there (temporary files and folders), and make sure `.kg-cache` is
    a real folder (a link or a file in its place is removed, never followed)."""
    if not out_dir.is_dir():  # a first build: nothing to wait for or to clean
        yield
        return
    fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        folder = out_dir / CACHE_DIR
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            folder.unlink()
        for place in (out_dir, folder, folder / UNITS_DIR):
            for left in place.glob(LEFTOVER + "*") if place.is_dir() else []:
                if left.name == CACHE_DIR:
                    continue
                if left.is_dir() and not left.is_symlink():
                    shutil.rmtree(left, ignore_errors=True)
                else:
                    left.unlink(missing_ok=True)
        yield
    finally:
        os.close(fd)
