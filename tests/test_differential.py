"""A cached `kg build` equals a clean `--no-cache` build, byte for byte, after any sequence of
curator edits, failed builds, builds of some formats and killed builds.

`CuratorEdits` is a hypothesis state machine over a copy of `data/`, `ontology/` and
`queries/`: each step edits the copy as a curator would, then builds it twice, into a
folder the earlier steps built into (with the build cache) and into a new folder
(`cache=False`), and compares the two: every output's bytes, the summary, the warnings and
the coverage line, or the error report of a build that fails. CI runs a few short runs;
`make fuzz` runs many long ones (`KG_FUZZ_EXAMPLES`, `KG_FUZZ_STEPS`).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from kg.api import Result, build
from kg.errors import KgError

ROOT = Path(__file__).parent.parent
EXAMPLES = int(os.environ.get("KG_FUZZ_EXAMPLES", "3"))
STEPS = int(os.environ.get("KG_FUZZ_STEPS", "8"))

# quotes that are verbatim in the source text, for entities the machine adds
QUOTES = ["加快建设南沙港区四期等工程", "广州超大城市之“治”跃上新水平", "共建国际综合交通枢纽"]
PLACES = ["guangzhou", "shenzhen", "guangdong"]
R3 = re.compile(r'^  r3: ".*"$', re.MULTILINE)  # a named quote that three other files cite
BAIYUN = 'Guangzhou Baiyun International Airport]}\n    quote: "加快推进白云国际机场三期扩建工程"\n'
BAOAN = 'International Airport"}\n    quote: "促进白云国际空港与深圳宝安国际机场协同发展"\n'
TOGGLES = {  # a curator's edit of a value, as (one text, the other)
    "a reference": (
        "    located-in: guangzhou\n    status: {value: approved",
        "    located-in: shenzhen\n    status: {value: approved",
    ),
    "a qualifier": ('as-of: "2020"}', 'as-of: "2019"}'),
    "a cite removed": ("cite: [r3, r3-transport]}", "cite: r3}"),
}
LINKS = {  # the two ends of a symmetric `linked-with`: (a line above it, the statement)
    "baiyun-airport": (
        BAIYUN,
        "    linked-with:\n      - value: shenzhen-baoan-airport\n"
        '        quote: "促进白云国际空港与深圳宝安国际机场协同发展"\n',
    ),
    "shenzhen-baoan-airport": (BAOAN, "    linked-with: baiyun-airport\n"),
}


def outcome(report: Result | KgError, out: Path, formats: list[str] | None) -> Any:
    """What a user sees of a build: its report (or errors), and the bytes of every output."""
    if isinstance(report, KgError):
        return ("fails", report.report())
    names = sorted(o.path.name for o in report.outputs)
    if formats is None:  # a whole build: the folder holds exactly its outputs
        assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == names
    summary = {k: v for k, v in report.summary.items() if k != "outputs"}
    files = {name: (out / name).read_bytes() for name in names}
    return ("builds", summary, [str(w) for w in report.warnings], report.coverage_line, files)


def build_in(root: Path, out: str, *, cache: bool, formats: list[str] | None = None) -> Any:
    """A build in `root` (the working folder, as a curator runs it: paths as written)."""
    here = Path.cwd()
    os.chdir(root)
    try:
        report: Result | KgError = build(
            "data",
            out,
            ontology_dir="ontology",
            queries_dir="queries",
            formats=formats,
            cache=cache,
        )
    except KgError as exc:
        report = exc
    try:
        return outcome(report, root / out, formats)
    finally:
        os.chdir(here)


def copy_inputs(root: Path) -> None:
    for name in ("data", "ontology", "queries"):
        shutil.copytree(ROOT / name, root / name)


class CuratorEdits(RuleBasedStateMachine):
    """Random curator edits, each followed by a cached and a clean build that must agree."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="kg-differential-"))
        copy_inputs(self.root)
        self.out = self.root / "out"  # built into with the cache; "clean": anew each time
        self.added: list[str] = []  # ids of the entities this machine added
        self.fault: dict[Path, bytes] | None = None  # files to restore at the next step
        self.serial = 0

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    # -- helpers ------------------------------------------------------------------------

    def path(self, name: str) -> Path:
        return self.root / "data" / name

    def edit(self, name: str, old: str | re.Pattern[str], new: str) -> None:
        path = self.path(name) if not name.startswith("/") else self.root / name[1:]
        text = path.read_text(encoding="utf-8")
        changed = (
            old.sub(new, text, count=1)
            if isinstance(old, re.Pattern)
            else text.replace(old, new, 1)
        )
        assert changed != text or old == new, (name, old)
        path.write_text(changed, encoding="utf-8")

    def save_fault(self, *names: str) -> None:
        self.fault = {p: p.read_bytes() for p in (self.root / n for n in names)}

    def compare(self, formats: list[str] | None = None) -> None:
        cached = build_in(self.root, "out", cache=True, formats=formats)
        shutil.rmtree(self.root / "clean", ignore_errors=True)
        assert cached == build_in(self.root, "clean", cache=False, formats=formats)

    # -- the steps ----------------------------------------------------------------------

    @initialize()
    def first_build(self) -> None:
        self.compare()

    @invariant()
    def no_leftovers(self) -> None:
        if self.out.is_dir():
            assert not [p.name for p in self.out.glob(".kg-*") if p.name != ".kg-cache"]

    @precondition(lambda self: self.fault is None)
    @rule(
        city=st.sampled_from(["Guangzhou", "Shenzhen", "Dongguan", "Foshan"]), n=st.integers(1, 3)
    )
    def change_an_english_label(self, city: str, n: int) -> None:
        self.edit("places.yaml", f"en: {city}", f"en: {city}{' City' * n}")
        self.compare()

    @precondition(lambda self: self.fault is None)
    @rule(
        quote=st.sampled_from(QUOTES),
        place=st.sampled_from(PLACES),
        where=st.sampled_from(["transport.yaml", "events.yaml", "new"]),
    )
    def add_an_entity_that_refers_to_another(self, quote: str, place: str, where: str) -> None:
        self.serial += 1
        eid = f"fuzz-port-{self.serial}"
        entity = (
            f"\n  - id: {eid}\n    type: Port\n"
            f"    label: {{zh: 测试港区{self.serial}号, en: Fuzz Port {self.serial}}}\n"
            f'    quote: "{quote}"\n    located-in: {place}\n'
        )
        if where == "new":
            path = self.path(f"more/{eid}.yaml")
            path.parent.mkdir(exist_ok=True)
            path.write_text(
                "source: duite-2020-11-zhang-shuofu-interview\nentities:" + entity, "utf-8"
            )
        else:
            with open(self.path(where), "a", encoding="utf-8") as f:
                f.write(entity)
        self.added.append(eid)
        self.compare()

    @precondition(lambda self: self.fault is None and bool(self.added))
    @rule(data=st.data())
    def delete_an_unreferenced_entity(self, data: st.DataObject) -> None:
        eid = data.draw(st.sampled_from(self.added))
        for path in sorted((self.root / "data").rglob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            found = re.search(rf"\n  - id: {eid}\n(?:    .*\n)*", text)
            if found:
                path.write_text(text[: found.start()] + "\n" + text[found.end() :], "utf-8")
        self.added.remove(eid)
        self.compare()

    @precondition(lambda self: self.fault is None)
    @rule()
    def delete_a_referenced_entity_then_undo(self) -> None:
        self.save_fault("data/places.yaml")
        self.edit("places.yaml", "  - id: guangzhou\n", "  - id: guangzhou-gone\n")
        self.compare()

    @precondition(lambda self: self.fault is None)
    @rule(variant=st.sampled_from(["广州超大城市之“治”跃上新水平", "以提升城市能级"]))
    def change_a_named_quote_that_other_files_cite(self, variant: str) -> None:
        if f'  r3: "{variant}"' not in self.path("results.yaml").read_text(encoding="utf-8"):
            self.edit("results.yaml", R3, f'  r3: "{variant}"')
        self.compare()

    @precondition(lambda self: self.fault is None)
    @rule()
    def a_fault_only_the_shapes_catch(self) -> None:
        self.save_fault("data/metrics.yaml")
        self.edit("metrics.yaml", "    unit: count\n", "")
        self.compare()

    @precondition(lambda self: self.fault is not None)
    @rule()
    def fix_the_fault(self) -> None:
        assert self.fault is not None
        for path, data in self.fault.items():
            path.write_bytes(data)
        self.fault = None
        self.compare()

    @precondition(lambda self: self.fault is None)
    @rule()
    def move_an_entity_to_another_file(self) -> None:
        transport = self.path("transport.yaml")
        text = transport.read_text(encoding="utf-8")
        cut = text.rindex("\n  - id: ")
        transport.write_text(text[:cut] + "\n", encoding="utf-8")
        with open(self.path("places.yaml"), "a", encoding="utf-8") as f:
            f.write(text[cut:])
        self.compare()

    @precondition(lambda self: self.fault is None)
    @rule(name=st.sampled_from(["events.yaml", "people.yaml", "results.yaml"]))
    def comments_whitespace_and_touch(self, name: str) -> None:
        path = self.path(name)
        path.write_text(path.read_text(encoding="utf-8") + "\n# a note\n\n", encoding="utf-8")
        os.utime(path, (time.time() + 5, time.time() + 5))
        self.compare()

    @precondition(lambda self: self.fault is None)
    @rule()
    def rename_a_file(self) -> None:
        files = sorted((self.root / "data").glob("*.yaml"))
        files[0].rename(files[0].with_name("renamed-" + files[0].name))
        self.compare()

    @precondition(lambda self: self.fault is None)
    @rule(edit=st.sampled_from(sorted(TOGGLES)))
    def change_a_reference_a_qualifier_or_a_cite(self, edit: str) -> None:
        """One of `TOGGLES` made, or undone if it was made already."""
        one, other = TOGGLES[edit]
        for path in sorted((self.root / "data").rglob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            for old, new in ((one, other), (other, one)):
                if old in text:
                    path.write_text(text.replace(old, new, 1), encoding="utf-8")
                    self.compare()
                    return

    @precondition(lambda self: self.fault is None)
    @rule(end=st.sampled_from(sorted(LINKS)))
    def edit_a_symmetric_relation_at_either_end(self, end: str) -> None:
        """`linked-with` (symmetric) removed from one end, or written there again."""
        anchor, link = LINKS[end]
        for path in sorted((self.root / "data").rglob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            if anchor + link in text:
                path.write_text(text.replace(anchor + link, anchor, 1), encoding="utf-8")
            elif anchor in text:
                path.write_text(text.replace(anchor, anchor + link, 1), encoding="utf-8")
        self.compare()

    @precondition(lambda self: self.fault is None)
    @rule(name=st.sampled_from(["events.yaml", "science.yaml"]))
    def split_a_file_in_two(self, name: str) -> None:
        path = self.path(name)
        if not path.exists():
            return
        head, *entities = path.read_text(encoding="utf-8").split("\n  - id: ")
        half = len(entities) // 2
        path.write_text("\n  - id: ".join([head, *entities[:half]]) + "\n", encoding="utf-8")
        self.serial += 1
        path.with_name(f"split-{self.serial}.yaml").write_text(
            "source: duite-2020-11-zhang-shuofu-interview\nentities:\n  - id: "
            + "\n  - id: ".join(entities[half:]),
            encoding="utf-8",
        )
        self.compare()

    @precondition(lambda self: self.fault is None)
    @rule(name=st.sampled_from(["people.yaml", "zones.yaml", "industry.yaml"]))
    def reorder_the_entities_of_a_file(self, name: str) -> None:
        path = self.path(name)
        if not path.exists():
            return
        head, *entities = path.read_text(encoding="utf-8").rstrip("\n").split("\n  - id: ")
        entities = [e.rstrip("\n") for e in reversed(entities)]
        path.write_text("\n\n  - id: ".join([head.rstrip("\n"), *entities]) + "\n", "utf-8")
        self.compare()

    @precondition(lambda self: self.fault is None)
    @rule(name=st.sampled_from(["places.yaml", "people.yaml"]))
    def delete_a_file_then_undo(self, name: str) -> None:
        if not self.path(name).exists():
            return
        self.save_fault(f"data/{name}")
        self.path(name).unlink()
        self.compare()

    @precondition(lambda self: self.fault is None)
    @rule(formats=st.sampled_from([["turtle"], ["json-ld", "graphml"], ["html", "nt"]]))
    def build_some_formats(self, formats: list[str]) -> None:
        self.compare(formats)

    @precondition(lambda self: self.fault is None)
    @rule(label=st.sampled_from(["港口", "港区", "海港"]))
    def edit_the_ontology(self, label: str) -> None:
        path = self.root / "ontology" / "gba.ttl"
        text = path.read_text(encoding="utf-8")
        found = re.search(r'rdfs:label "([^"]*)"@zh , "port"@en', text)
        assert found, "the ontology labels its class Port"
        path.write_text(text.replace(found[0], f'rdfs:label "{label}"@zh , "port"@en', 1), "utf-8")
        self.compare()

    @precondition(lambda self: self.fault is None)
    @rule()
    def edit_a_rule_query(self) -> None:
        path = self.root / "queries" / "rules" / "no-self-reference.rq"
        path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        self.compare()

    @precondition(lambda self: self.fault is None)
    @rule()
    def edit_the_source_text(self) -> None:
        (path,) = (self.root / "data" / "sources").glob("*.txt")
        path.write_text(path.read_text(encoding="utf-8") + "\n附记。\n", encoding="utf-8")
        self.compare()


CuratorEdits.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_a_cached_build_equals_a_clean_build_after_any_edits = CuratorEdits.TestCase


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


@settings(max_examples=max(2, EXAMPLES), deadline=None)
@given(share=st.floats(0.0, 1.0))
def test_a_killed_build_leaves_old_or_new_files_and_the_next_build_is_clean(share: float) -> None:
    """`kg build` killed (SIGKILL to its process group) at a random moment: each output is
    the old file or the new one, and the next build equals a clean one."""
    with tempfile.TemporaryDirectory(prefix="kg-killed-") as tmp:
        root = Path(tmp)
        copy_inputs(root)
        out, clean = root / "out", root / "clean"
        assert build_in(root, "out", cache=True)[0] == "builds"
        old = _outputs(out)
        places = root / "data" / "places.yaml"
        places.write_text(
            places.read_text(encoding="utf-8").replace("en: Shenzhen", "en: Shenzhen City", 1),
            encoding="utf-8",
        )
        assert build_in(root, "clean", cache=False)[0] == "builds"
        new = _outputs(clean)
        command = [sys.executable, "-m", "kg", "build", "data", "--ontology", "ontology"]
        command += ["--out", "out"]
        started = time.monotonic()
        child = subprocess.Popen(command, cwd=root, start_new_session=True)
        time.sleep(share * 3.0)  # a build of data/ takes 2-3 s with the start-up
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        assert time.monotonic() - started < 120
        for name, data in _outputs(out).items():
            assert data in (old.get(name), new.get(name)), name
        again = build_in(root, "out", cache=True)
        shutil.rmtree(clean)
        assert again == build_in(root, "clean", cache=False)
        assert not [p.name for p in out.glob(".kg-*") if p.name != ".kg-cache"]
