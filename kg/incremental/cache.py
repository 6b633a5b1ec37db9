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
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import msgspec

from kg.outputs.export import Output, write_file
from kg.pipeline.compose import MAX_FILE_BYTES
from kg.pipeline.load import SOURCES_DIR, find_data_files
from kg.pipeline.ontology import ONTOLOGY_FILE, SHAPES_FILE, default_ontology_dir
from kg.pipeline.questions import default_queries_dir

CACHE_DIR = ".kg-cache"
RECORD = "build.json"
UNITS_DIR = "units"
"""Where `kg.incremental.units` keeps each data file's checks and triples."""
FORMAT = 2
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
    """What a build found and wrote, kept to replay a rebuild that changes nothing."""

    ids: list[str]
    entities_per_class: dict[str, int]
    statements: int
    quotes_checked: int
    triples: int
    warnings: list[tuple[str, int, str, str]]  # each warning's file, line, message, fix
    coverage: str
    outputs: list[tuple[str, int, str]]  # each output's name, size and sha256


@dataclass
class _Stored:
    key: str
    record: Record


def _code_digest() -> str:
    """The kg package's own files (code and templates), and the libraries' versions."""
    digest = hashlib.sha256()
    package = Path(__file__).parents[1]
    for path in sorted(p for p in package.rglob("*") if p.is_file() and p.suffix != ".pyc"):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    digest.update(sys.version.encode() + b"\0")
    from importlib import metadata  # 20 ms: only a cached build asks

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


def units_folder(out_dir: Path) -> Path:
    """Where a build into `out_dir` keeps its units (`kg.incremental.units`)."""
    return out_dir / CACHE_DIR / UNITS_DIR


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
    path = out_dir / CACHE_DIR / RECORD
    try:
        if path.is_symlink() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        stored = msgspec.json.decode(path.read_bytes(), type=_Stored)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None
    if stored.key != key:
        return None
    outputs = []
    try:
        for name, size, sha256 in stored.record.outputs:
            output = out_dir / name
            if name != output.name or output.is_symlink() or not output.is_file():
                return None
            if output.stat().st_size != size:
                return None
            with open(output, "rb") as f:  # read as a stream: graph.nt is large
                if hashlib.file_digest(f, "sha256").hexdigest() != sha256:
                    return None
            outputs.append(Output(name, output, size, sha256))
    except OSError:
        return None
    return stored.record, outputs


def store(out_dir: Path, key: str, record: Record) -> None:
    """Replace the record in `out_dir` (atomically)."""
    data = msgspec.json.format(msgspec.json.encode(_Stored(key, record)), indent=1)
    write_file(out_dir / CACHE_DIR / RECORD, data + b"\n")


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
