"""`pip install .` gives a working `kg`: the wheel carries the ontology, the shapes, the
schema, the saved questions, the rule queries and the page templates, and the installed
package finds them without the checkout."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (found,) = out.glob("gba_kg-*.whl")
    return found


def test_the_wheel_carries_what_kg_reads(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = {
        "kg/ontology/gba.ttl",
        "kg/ontology/shapes.ttl",
        "kg/ontology/data.schema.json",
        "kg/explorer/templates/network.html",
        "kg/review/templates/coverage.html",
        "kg/sparql/templates/query.html",
        "kg/sparql/static/editor.js",
        "kg/sparql/static/editor.css",
        "kg/publish/static/lang.js",
        "kg/sparql/static/yasgui/LICENSE",
        "kg/sparql/static/yasgui/VERSION.json",
        "kg/sparql/static/yasgui/yasgui.min.js",
        "kg/sparql/static/yasgui/yasgui.min.css",
    }
    wanted |= {f"kg/queries/{p.name}" for p in (ROOT / "queries").glob("*.rq")}
    wanted |= {f"kg/queries/rules/{p.name}" for p in (ROOT / "queries" / "rules").glob("*.rq")}
    assert wanted <= names, sorted(wanted - names)
    entry = (
        zipfile.ZipFile(wheel)
        .read(next(n for n in names if n.endswith("entry_points.txt")))
        .decode()
    )
    assert "kg = kg.cli:main" in entry


def test_the_installed_package_checks_data_outside_the_checkout(
    wheel: Path, tmp_path: Path
) -> None:
    # the wheel unpacked on its own (its dependencies are this environment's): kg reads
    # the ontology and the queries it carries, not the checkout's
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    work = tmp_path / "work"
    work.mkdir()
    (work / "data").symlink_to(ROOT / "data")
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "from kg.pipeline.ontology import default_ontology_dir; "
        "from kg.pipeline.questions import default_queries_dir; "
        "print(default_ontology_dir()); print(default_queries_dir()); "
        "from kg.cli import main; sys.argv = ['kg', 'check', '--no-cache']; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(site)], cwd=work, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    onto, queries, *summary = done.stdout.splitlines()
    assert Path(onto) == site / "kg" / "ontology"
    assert Path(queries) == site / "kg" / "queries"
    assert summary[0] == "data: all checks passed"


def test_the_wheel_carries_the_query_editor_byte_for_byte(wheel: Path, tmp_path: Path) -> None:
    # a user's install serves the editor with no npm: the vendored files are in the wheel, as
    # committed (their sha256 as VERSION.json records them), and the installed server reads them
    archive = zipfile.ZipFile(wheel)
    record = json.loads(archive.read("kg/sparql/static/yasgui/VERSION.json"))
    for name, digest in record["sha256"].items():
        data = archive.read(f"kg/sparql/static/yasgui/{name}")
        assert hashlib.sha256(data).hexdigest() == digest, name
    site = tmp_path / "site"
    archive.extractall(site)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "from kg.sparql.editor import STATIC_DIR, read_static; "
        "print(STATIC_DIR); print(sorted(read_static()))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(site)], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    folder, names = done.stdout.splitlines()
    assert Path(folder) == site / "kg" / "sparql" / "static"
    assert "'yasgui/yasgui.min.js'" in names and "'editor.js'" in names
