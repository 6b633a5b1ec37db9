"""Building file by file (`units`): after any change to the data, a cached `kg build` gives
what a clean build gives (the same bytes, summary, warnings and coverage line, or the same
errors), and checks and builds again only the files it must."""

from __future__ import annotations

import mmap
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from kg import api
from kg.api import Result, build
from kg.errors import KgError
from kg.incremental import join as joining
from kg.incremental import records, units
from kg.incremental.cache import CACHE_DIR, UNITS_DIR
from kg.incremental.patch import _graphml_elements, patched, patched_graphml
from kg.outputs.export import GRAPHML_TAIL
from kg.pipeline.shapes import check_shapes
from kg.pipeline.validate import check_file

ROOT = Path(__file__).parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"

PORT = """
  - id: test-port-extra
    type: Port
    label: {zh: 测试港区, en: Test Port Area}
    quote: "加快建设南沙港区四期等工程"
    located-in: guangzhou
"""


def _replace(name: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(data: Path) -> None:
        path = data / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


def _append(name: str, text: str) -> Callable[[Path], None]:
    def edit(data: Path) -> None:
        with open(data / name, "a", encoding="utf-8") as f:
            f.write(text)

    return edit


def _new_file(data: Path) -> None:
    (data / "extra" / "more.yml").parent.mkdir()
    (data / "extra" / "more.yml").write_text(
        "source: duite-2020-11-zhang-shuofu-interview\nentities:\n" + PORT, encoding="utf-8"
    )


def _move_entity(data: Path) -> None:
    """The last entity of transport.yaml, moved to the end of places.yaml."""
    transport = data / "transport.yaml"
    text = transport.read_text(encoding="utf-8")
    cut = text.rindex("\n  - id: ")
    transport.write_text(text[:cut] + "\n", encoding="utf-8")
    with open(data / "places.yaml", "a", encoding="utf-8") as f:
        f.write(text[cut:])


EDITS: dict[str, tuple[Callable[[Path], None], int | None]] = {
    # edit, and how many files are checked again (None: the build fails)
    "a label": (_replace("places.yaml", "en: Guangzhou}", "en: Guangzhou City}"), 1),
    "a new entity referring to another file": (_append("transport.yaml", PORT), 1),
    "a new file": (_new_file, 1),
    "a look-alike label in another file": (
        _append(
            "transport.yaml",
            PORT.replace("{zh: 测试港区, en: Test Port Area}", "{zh: 廣州, en: GUANGZHOU}"),
        ),
        1,
    ),
    "an entity moved to another file": (_move_entity, 2),
    "the text of a named quote other files cite": (
        _replace("cooperation.yaml", '"三是共建国际综合交通枢纽"', '"共建国际综合交通枢纽"'),
        3,  # cooperation.yaml, and the two files that cite it
    ),
    "the type of an entity other files refer to": (
        _replace(
            "places.yaml",
            "  - id: guangzhou\n    type: City",
            "  - id: guangzhou\n    type: Person",
        ),
        None,
    ),
    "an id other files refer to renamed": (
        _replace("places.yaml", "  - id: guangzhou\n", "  - id: guangzhou-city\n"),
        None,
    ),
    "a file other files refer to removed": (lambda data: (data / "places.yaml").unlink(), None),
    "a duplicate id in another file": (_append("events.yaml", PORT + PORT), None),
    "a quote not in the source": (_replace("transport.yaml", "南沙港区四期", "南沙港区五期"), None),
}


@pytest.fixture
def real_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's data (many files that refer to each other) at `./data`."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    return Path("data")


def _outcome(run: Callable[[], Result], out: Path) -> tuple[Any, ...]:
    try:
        report = run()
    except KgError as exc:
        return ("fails", exc.report())
    files = {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}
    summary = {k: v for k, v in report.summary.items() if k != "outputs"}
    return ("builds", summary, [str(w) for w in report.warnings], report.coverage_line, files)


def _clean(data: Path, out: Path) -> tuple[Any, ...]:
    shutil.rmtree(out, ignore_errors=True)
    return _outcome(lambda: build(data, out), out)


@pytest.fixture
def checked_files(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files `kg.incremental.units` checks (and so builds) again, in the order it does."""
    seen: list[str] = []

    def counting(facts: Any, *args: Any) -> Any:
        seen.extend(facts.files)
        return check_file(facts, *args)

    monkeypatch.setattr(units, "check_file", counting)
    return seen


@pytest.fixture
def patched_formats(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[], list[str]]:
    """The formats `patch` made from the last build's files (not written whole), sorted.
    GraphML is patched in the build's helper process: it leaves a mark in a file."""
    made: list[str] = []
    marks = tmp_path / "patched-graphml"

    def spying(name: str, *args: Any) -> Any:
        found = patched(name, *args)
        if found is not None:
            made.append(name)
        return found

    def spying_graphml(*args: Any) -> Any:
        found = patched_graphml(*args)
        if found is not None:
            with open(marks, "a", encoding="utf-8") as f:
                f.write("graphml\n")
        return found

    monkeypatch.setattr(joining, "patched", spying)
    monkeypatch.setattr(units, "patched_graphml", spying_graphml)

    def formats() -> list[str]:
        found = marks.read_text(encoding="utf-8").split() if marks.exists() else []
        return sorted(made + found)

    return formats


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_cached_build_after_a_change_is_a_clean_build(
    real_data: Path,
    tmp_path: Path,
    checked_files: list[str],
    patched_formats: Callable[[], list[str]],
    edit: str,
) -> None:
    out = tmp_path / "out"
    first = _outcome(lambda: build(real_data, out, cache=True), out)
    assert len(checked_files) == len(list(real_data.glob("*.yaml")))
    assert first == _clean(real_data, tmp_path / "clean")
    change, again = EDITS[edit]
    change(real_data)
    checked_files.clear()
    cached = _outcome(lambda: build(real_data, out, cache=True), out)
    rechecked = list(checked_files)  # before the clean build, which checks every file
    assert cached == _clean(real_data, tmp_path / "clean")
    if again is None:
        assert cached[0] == "fails"
    else:
        assert cached[0] == "builds"
        assert len(rechecked) == again, rechecked
        assert cached != first
        # Turtle and JSON-LD are patched where the triples changed (an entity moved to
        # another file changes only its YAML lines, which GraphML shows); else written whole
        same_triples = cached[4]["graph.nt"] == first[4]["graph.nt"]
        expected = ["graphml"] if same_triples else ["graphml", "json-ld", "turtle"]
        assert patched_formats() == expected
        if "look-alike" in edit:
            assert len(cached[2]) == 2 and "GUANGZHOU" in cached[2][0]  # zh and en


def test_a_failed_build_keeps_the_units_and_the_next_one_uses_them(
    real_data: Path, tmp_path: Path, checked_files: list[str]
) -> None:
    out = tmp_path / "out"
    build(real_data, out, cache=True)
    kept = sorted((out / CACHE_DIR / UNITS_DIR).iterdir())
    assert len(kept) == 2 * len(list(real_data.glob("*.yaml"))) + 1  # units, parts, index
    EDITS["a quote not in the source"][0](real_data)
    with pytest.raises(KgError):
        build(real_data, out, cache=True)
    assert sorted((out / CACHE_DIR / UNITS_DIR).iterdir()) == kept
    _replace("transport.yaml", "南沙港区五期", "南沙港区四期")(real_data)
    checked_files.clear()
    report = build(real_data, out, cache=True)
    assert report.cached is True  # the outputs of the first build, which are still there
    (real_data / "events.yaml").write_text(
        (real_data / "events.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8"
    )
    assert build(real_data, out, cache=True).cached is False
    assert checked_files == [str(real_data / "events.yaml")]


@pytest.mark.parametrize("damage", ["truncated", "not a unit", "empty"])
def test_a_damaged_unit_is_made_again(
    real_data: Path, tmp_path: Path, checked_files: list[str], damage: str
) -> None:
    out = tmp_path / "out"
    build(real_data, out, cache=True)
    unit = sorted((out / CACHE_DIR / UNITS_DIR).glob("*.unit"))[0]
    data = unit.read_bytes()
    damaged = records.load(unit, unit.name, units.Unit)
    assert damaged is not None
    unit.write_bytes(
        {"truncated": data[: len(data) // 2], "empty": b"", "not a unit": b"\x80\x05K\x01."}[damage]
    )
    edited = next(p for p in sorted(real_data.glob("*.yaml")) if str(p) != damaged.path)
    edited.write_text(edited.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    checked_files.clear()
    cached = _outcome(lambda: build(real_data, out, cache=True), out)
    assert sorted(checked_files) == sorted([damaged.path, str(edited)])
    assert cached == _clean(real_data, tmp_path / "clean")
    assert unit.read_bytes() == data  # made again, the same bytes


def test_no_cache_removes_the_units(real_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(real_data, out, cache=True)
    assert (out / CACHE_DIR / UNITS_DIR).is_dir()
    build(real_data, out, cache=False)
    assert not (out / CACHE_DIR / UNITS_DIR).exists()


def test_units_of_removed_files_are_removed(real_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(real_data, out, cache=True)
    before = set((out / CACHE_DIR / UNITS_DIR).iterdir())
    _new_file(real_data)
    build(real_data, out, cache=True)
    after = set((out / CACHE_DIR / UNITS_DIR).iterdir())
    assert before < after
    assert sorted(p.suffix for p in after - before) == [".net", ".unit"]
    shutil.rmtree(real_data / "extra")
    build(real_data, out, cache=True)
    assert set((out / CACHE_DIR / UNITS_DIR).iterdir()) == before


@pytest.mark.parametrize("damage", ["truncated", "missing", "another's"])
def test_a_damaged_network_part_is_made_again(real_data: Path, tmp_path: Path, damage: str) -> None:
    out = tmp_path / "out"
    build(real_data, out, cache=True)
    folder = out / CACHE_DIR / UNITS_DIR
    edited = real_data / "events.yaml"

    paths = {}  # a network part is kept under its unit's key
    for kept_unit in folder.glob("*.unit"):
        unit = records.load(kept_unit, kept_unit.name, units.Unit)
        assert unit is not None
        paths[units.unit_key(kept_unit.name, unit)] = unit.path

    def path_of(net: Path) -> str:
        return paths[net.stem]

    parts = sorted(folder.glob("*.net"), key=lambda p: path_of(p) == str(edited))
    data = parts[0].read_bytes()
    if damage == "truncated":
        parts[0].write_bytes(data[:100])
    elif damage == "missing":
        parts[0].unlink()
    else:  # a valid part, of another file
        parts[0].write_bytes(parts[1].read_bytes())
    edited.write_text(edited.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    before = {p: p.stat().st_ino for p in parts[1:]}
    assert _outcome(lambda: build(real_data, out, cache=True), out) == _clean(
        real_data, tmp_path / "clean"
    )
    assert parts[0].read_bytes() == data
    kept = {p: inode for p, inode in before.items() if p.exists()}
    assert len(kept) == len(parts) - 2  # events.yaml's was replaced, under its new name
    assert all(p.stat().st_ino == inode for p, inode in kept.items())  # not written again


@pytest.mark.parametrize("how", ["edited", "deleted", "another build's"])
def test_a_touched_output_is_written_whole_not_patched(
    real_data: Path, tmp_path: Path, patched_formats: Callable[[], list[str]], how: str
) -> None:
    out = tmp_path / "out"
    build(real_data, out, cache=True)
    if how == "edited":
        ttl = (out / "graph.ttl").read_bytes()
        (out / "graph.ttl").write_bytes(ttl.replace(b"Guangzhou", b"Canton", 1))
    elif how == "deleted":
        (out / "graph.ttl").unlink()
    else:  # left by a build of other data
        other = tmp_path / "other"
        build(MINI, other)
        shutil.copy(other / "graph.ttl", out / "graph.ttl")
    _replace("places.yaml", "en: Guangzhou}", "en: Guangzhou City}")(real_data)
    assert _outcome(lambda: build(real_data, out, cache=True), out) == _clean(
        real_data, tmp_path / "clean"
    )
    assert patched_formats() == ["graphml", "json-ld"]


def test_only_the_subjects_whose_lines_changed_are_written_anew(
    real_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A label edited in places.yaml: of the file's many subjects, the patches write anew
    only the entity's own (its label is one of its lines), and still give a clean build."""
    rewritten: list[set[str]] = []

    def spying(name: str, old: Path, before: Any, after: Any, changed: Any, schema: Any) -> Any:
        rewritten.append(set(changed))
        return patched(name, old, before, after, changed, schema)

    monkeypatch.setattr(joining, "patched", spying)
    out = tmp_path / "out"
    build(real_data, out, cache=True)
    _replace("places.yaml", "en: Guangzhou}", "en: Guangzhou City}")(real_data)
    assert _outcome(lambda: build(real_data, out, cache=True), out) == _clean(
        real_data, tmp_path / "clean"
    )
    assert rewritten == [{"<https://w3id.org/gba-kg/id/guangzhou>"}] * 2  # Turtle, JSON-LD


def test_an_edited_graphml_is_written_whole_not_patched(
    real_data: Path, tmp_path: Path, patched_formats: Callable[[], list[str]]
) -> None:
    out = tmp_path / "out"
    build(real_data, out, cache=True)
    graphml = (out / "graph.graphml").read_bytes()
    (out / "graph.graphml").write_bytes(graphml.replace(b"Guangzhou", b"Canton", 1))
    _replace("places.yaml", "en: Guangzhou}", "en: Guangzhou City}")(real_data)
    assert _outcome(lambda: build(real_data, out, cache=True), out) == _clean(
        real_data, tmp_path / "clean"
    )
    assert patched_formats() == ["json-ld", "turtle"]


def test_the_graphml_elements_are_found_whatever_the_window(
    real_data: Path, tmp_path: Path
) -> None:
    """The last build's GraphML is read a window at a time: any window finds every element
    where it is (the patch copies them from there)."""
    out = tmp_path / "out"
    build(real_data, out, cache=True)
    text = (out / "graph.graphml").read_bytes()
    head = text[: text.index(b"    <node ")]
    with open(out / "graph.graphml", "rb") as f:
        doc = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        whole = _graphml_elements(doc, head, GRAPHML_TAIL.encode())
        assert whole is not None and len(whole) == text.count(b"\n    <node ") + text.count(
            b"\n    <edge "
        )
        for window in (1, 64, 1000, 1 << 16):
            assert _graphml_elements(doc, head, GRAPHML_TAIL.encode(), window) == whole
        doc.close()
    for (tag, element_head), (start, end) in whole.items():
        element = text[start:end]
        assert element.startswith(b"    <" + tag + b" " + element_head)
        assert element.endswith(b" />\n") or element.endswith(b"</" + tag + b">\n")


def test_a_symmetric_edge_drawn_from_an_unchanged_file_is_written_anew(
    real_data: Path, tmp_path: Path, patched_formats: Callable[[], list[str]]
) -> None:
    """`linked-with` is symmetric: the edge between the two airports is drawn from
    baiyun-airport (the lower id, in transport.yaml), but carries the quotes of the one
    statement of it, written here at shenzhen-baoan-airport (moved to a file of its own). A
    new quote there must reach the patched GraphML, though transport.yaml did not change."""
    transport = real_data / "transport.yaml"
    text = transport.read_text(encoding="utf-8")
    link = (
        "    linked-with:\n      - value: shenzhen-baoan-airport\n"
        '        quote: "促进白云国际空港与深圳宝安国际机场协同发展"\n'
    )
    assert link in text  # written once, at baiyun-airport: move it to the other end
    text = text.replace(link, "")
    start = text.index("  - id: shenzhen-baoan-airport\n")
    end = text.index("\n\n", start) + 2
    transport.write_text(text[:start] + text[end:], encoding="utf-8")
    moved = real_data / "airports-shenzhen.yaml"
    header = "source: duite-2020-11-zhang-shuofu-interview\nentities:\n"
    moved.write_text(
        header + text[start:end].rstrip("\n") + "\n    linked-with: baiyun-airport\n\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    build(real_data, out, cache=True)
    _replace(
        "airports-shenzhen.yaml",
        "linked-with: baiyun-airport",
        'linked-with: {value: baiyun-airport, quote: "深圳宝安国际机场"}',
    )(real_data)
    cached = _outcome(lambda: build(real_data, out, cache=True), out)
    assert cached == _clean(real_data, tmp_path / "clean")
    assert "graphml" in patched_formats()
    graphml = cached[4]["graph.graphml"].decode()
    edge = graphml[graphml.index('source="baiyun-airport" target="shenzhen-baoan-airport"') :]
    assert "深圳宝安国际机场</data>" in edge[: edge.index("</edge>")]


@pytest.fixture
def full_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per run of the shapes on the whole graph."""
    runs: list[int] = []

    def counting(*args: Any, **kwargs: Any) -> Any:
        runs.append(1)
        return check_shapes(*args, **kwargs)

    monkeypatch.setattr(api, "check_shapes", counting)
    return runs


NEAR_RULE = """# title@en: Nothing lies in a place called the PRD
# message: lies in a place called the PRD
# reach: 1
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX gba: <https://w3id.org/gba-kg/ontology#>
SELECT ?focus WHERE { ?focus gba:locatedIn ?place . ?place rdfs:label "the PRD"@en }
"""


@pytest.mark.parametrize("declared", [True, False])
def test_checks_near_a_change_find_a_problem_one_step_back(
    real_data: Path, tmp_path: Path, full_checks: list[int], declared: bool
) -> None:
    """The rule fails on an entity of transport.yaml that lies in the place whose label
    changed in places.yaml (where nothing lies in it): found by the checks near the change
    (the rule says how far it reads) or by the whole checks (it does not)."""
    queries = tmp_path / "queries"
    shutil.copytree(ROOT / "queries", queries)
    text = NEAR_RULE if declared else NEAR_RULE.replace("# reach: 1\n", "")
    (queries / "rules" / "near.rq").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    build(real_data, out, queries_dir=queries, cache=True)
    assert full_checks == [1]
    full_checks.clear()
    real_data.joinpath("events.yaml").write_text(
        real_data.joinpath("events.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8"
    )
    assert build(real_data, out, queries_dir=queries, cache=True).cached is False
    assert full_checks == ([] if declared else [1])  # checked near the change only
    _replace("places.yaml", "en: Pearl River Delta}", "en: the PRD}")(real_data)
    with pytest.raises(KgError) as cached:
        build(real_data, out, queries_dir=queries, cache=True)
    with pytest.raises(KgError) as clean:
        build(real_data, tmp_path / "clean", queries_dir=queries)
    assert cached.value.report() == clean.value.report()
    assert "lies in a place called the PRD" in clean.value.report()
    assert "transport.yaml" in clean.value.report()  # not the file that changed


def test_a_changed_rule_checks_the_whole_graph(
    real_data: Path, tmp_path: Path, full_checks: list[int]
) -> None:
    queries = tmp_path / "queries"
    shutil.copytree(ROOT / "queries", queries)
    out = tmp_path / "out"
    build(real_data, out, queries_dir=queries, cache=True)
    rule = queries / "rules" / "no-self-reference.rq"
    rule.write_text(rule.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    EDITS["a label"][0](real_data)
    full_checks.clear()
    build(real_data, out, queries_dir=queries, cache=True)
    assert full_checks == [1]  # the last build did not pass this rule as it is now


def test_an_index_left_by_other_code_is_not_read(
    real_data: Path, tmp_path: Path, patched_formats: Callable[[], list[str]]
) -> None:
    """After an upgrade of kg, what the last build left is of another version: every unit
    is made again and nothing is patched, whatever the old index holds."""
    out = tmp_path / "out"
    build(real_data, out, cache=True)
    index = out / CACHE_DIR / UNITS_DIR / units.INDEX
    name, _ = msgspec.msgpack.decode(index.read_bytes())
    index.write_bytes(msgspec.msgpack.encode((name.replace(" ", " other-", 1), {})))
    EDITS["a label"][0](real_data)
    assert _outcome(lambda: build(real_data, out, cache=True), out) == _clean(
        real_data, tmp_path / "clean"
    )
    assert patched_formats() == []


class _Planted:
    """A pickle that writes a file when it is loaded: what an attacker would leave."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.marker), "w"))


def test_a_pickle_planted_in_the_cache_is_never_run(real_data: Path, tmp_path: Path) -> None:
    """Anyone who can write the output folder must not run code on the next build: every
    file of the units' folder replaced by a pickle that writes a file when loaded."""
    out = tmp_path / "out"
    build(real_data, out, cache=True)
    marker = tmp_path / "code-ran"
    for kept in (out / CACHE_DIR / UNITS_DIR).iterdir():
        kept.write_bytes(pickle.dumps(_Planted(marker)))
    EDITS["a label"][0](real_data)
    assert _outcome(lambda: build(real_data, out, cache=True), out) == _clean(
        real_data, tmp_path / "clean"
    )
    assert not marker.exists()


def test_a_linked_cache_folder_is_replaced_not_followed(real_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(real_data, out, cache=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(out / CACHE_DIR)
    (out / CACHE_DIR).symlink_to(elsewhere, target_is_directory=True)
    EDITS["a label"][0](real_data)
    assert _outcome(lambda: build(real_data, out, cache=True), out) == _clean(
        real_data, tmp_path / "clean"
    )
    assert list(elsewhere.iterdir()) == []
    assert (out / CACHE_DIR).is_dir() and not (out / CACHE_DIR).is_symlink()


def test_what_a_killed_build_left_is_removed(real_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(real_data, out, cache=True)
    (out / ".kg-3f9a2c1b").mkdir()
    (out / ".kg-3f9a2c1b" / "graph.ttl").write_bytes(b"half")
    (out / ".kg-7d1e0a").write_bytes(b"half a file")
    (out / CACHE_DIR / UNITS_DIR / ".kg-55aa").write_bytes(b"half a unit")
    build(real_data, out, cache=True)
    assert sorted(p.name for p in out.glob(".kg-*")) == [CACHE_DIR]
    assert not list((out / CACHE_DIR / UNITS_DIR).glob(".kg-*"))
