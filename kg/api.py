"""The library API: the pipeline load → validate → build → check shapes → export, in the same
words as the CLI (`kg check` ↔ `kg.check()`, `kg build` ↔ `kg.build()`).
"""

from __future__ import annotations

import contextlib
import functools
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from rdflib import Graph

from kg.errors import KgError, Problem
from kg.explorer.network import focus_network, render_network
from kg.facts import Facts, SourcePos
from kg.incremental import cache as build_cache
from kg.incremental import units
from kg.outputs.export import (
    NETWORK_FORMATS,
    Graphs,
    Output,
    Patch,
    export_graph,
    write_file,
    write_formats,
)
from kg.pipeline.build import Built, build_graph
from kg.pipeline.graph_facts import GraphFact, graph_facts
from kg.pipeline.load import SOURCES_DIR, load_facts
from kg.pipeline.ontology import Schema, read_schema
from kg.pipeline.questions import Question
from kg.pipeline.quotes import QuoteMatch, SourceText, read_sources
from kg.pipeline.rules import check_rules, read_rules
from kg.pipeline.shapes import check_shapes, read_shapes
from kg.pipeline.validate import Checked, check_facts
from kg.review.coverage import Coverage, quoted_coverage, source_coverage, write_coverage
from kg.review.diff import Diff, diff_sides, read_side
from kg.review.stats import Stats, graph_stats
from kg.runtime import collector
from kg.runtime.forked import ChildError, Forked
from kg.sparql.query import label_index, load_store, resolve_question, run_question
from kg.sparql.results import Answer


@dataclass
class Result:
    """A checked graph and what it holds; `outputs` is filled by `build`/`export`."""

    schema: Schema
    checked: Checked
    built: Built
    outputs: list[Output] = field(default_factory=list)

    @property
    def graph(self) -> Graph:
        """The graph as an `rdflib.Graph` (made on first use: the pipeline needs none)."""
        return self.built.graph

    @property
    def entities_per_class(self) -> dict[str, int]:
        """Entity count by `type:`, most frequent first, then by name."""
        counts = Counter(e.cls.yaml_type or "" for e in self.checked.entities)
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    @property
    def warnings(self) -> list[Problem]:
        """Things worth a look that do not fail the run (e.g. look-alike labels)."""
        return list(self.checked.warnings)

    @property
    def summary(self) -> dict[str, object]:
        """The figures `kg build` prints, as data."""
        return _summary(
            self.entities_per_class,
            self.checked.quotes_checked,
            self.checked.sources,
            self.built,
            self.outputs,
        )


def _summary(
    per_class: dict[str, int],
    quotes_checked: int,
    sources: Iterable[str],
    built: Built,
    outputs: list[Output],
) -> dict[str, object]:
    return {
        "entities": sum(per_class.values()),
        "entities_per_class": per_class,
        "statements": built.statements,
        "quotes_checked": quotes_checked,
        "sources": sorted(sources),
        "triples": built.size,
        "outputs": [str(o.path) for o in outputs],
    }


def load(data_dir: str | Path = "data") -> Facts:
    """Read the curated YAML under `data_dir` (raises `KgError` on bad YAML)."""
    return load_facts(data_dir)


def _sources(data_dir: Path) -> dict[str, SourceText]:
    try:
        return read_sources(data_dir / SOURCES_DIR)
    except UnicodeDecodeError as exc:
        raise KgError(
            [
                Problem(
                    SourcePos(str(data_dir / SOURCES_DIR), 0),
                    f"a source text is not valid UTF-8 ({exc.reason})",
                    "save every data/sources/*.txt as UTF-8",
                )
            ]
        ) from exc


def check(
    data_dir: str | Path = "data",
    *,
    ontology_dir: str | Path | None = None,
    queries_dir: str | Path | None = None,
) -> Result:
    """Load, validate, build, check shapes and rule queries; write nothing.

    Raises `KgError` with every problem of the first layer that has any.

    >>> result = check("data")  # doctest: +SKIP
    >>> result.summary["entities"]  # doctest: +SKIP
    52
    """
    return _check(Path(data_dir), ontology_dir, queries_dir)[0]


@collector.paused()  # see kg.collector: about a third of the time otherwise
def _check(
    data_dir: Path,
    ontology_dir: str | Path | None,
    queries_dir: str | Path | None,
    ahead: list[str] | None = None,
    spool: Path | None = None,
) -> tuple[Result, Forked[dict[str, Output]] | None]:
    """`check`; the formats named in `ahead` (those made from the entity network: GraphML
    and the explorer) are written into the folder `spool` by a forked second process while
    the checks run."""
    schema = read_schema(ontology_dir)
    shapes, rules = read_shapes(ontology_dir), read_rules(queries_dir)
    # the loaded facts are not kept past validation: at 100k entities they are about 1 GB
    checked = check_facts(load_facts(data_dir), schema, _sources(data_dir))
    built = build_graph(checked, schema)
    texts = {k: s.text for k, s in sorted(checked.sources.items())}
    if spool is not None:  # a build: the N-Triples out of memory, for the helper too
        built.spill()
    collector.trim()  # the builder's freed lines: a forked helper would inherit them
    job = None
    if ahead and spool is not None:
        # the child reads the graph through `built.view`'s index of the triples, so it
        # starts before the store is made (the shapes and rules here need the store)
        job = Forked.start(write_formats, built, schema, texts, ahead, spool)
    _check_graph(built, checked.warnings, shapes, rules, job)
    return Result(schema, checked, built), job


def _check_graph(
    built: Built,
    warnings: Iterable[Problem],
    shapes: Graph,
    rules: dict[str, Question],
    job: Forked[dict[str, Output]] | None,
    near: Callable[[Graph, dict[str, Question]], bool] | None = None,
) -> None:
    """Check the `shapes` and `rules` on `built`; raise `KgError` with any problem (and
    stop the helper `job`). If `near` says that they pass near what changed since the last
    build (which passed them all), nothing more is checked."""
    try:
        if near is not None and near(shapes, rules):
            return
        problems = check_shapes(built, shapes)
        if problems:
            raise KgError([*problems, *warnings])
        problems = check_rules(built, rules)
        if problems:
            raise KgError([*problems, *warnings])
    except BaseException:
        if job is not None:
            job.cancel()
        raise


@collector.paused()
def export(
    result: Result, out_dir: str | Path = "build", formats: list[str] | None = None
) -> list[Output]:
    """Write `result`'s graph in `formats` (all by default) into `out_dir`, atomically."""
    result.outputs = export_graph(
        result.built,
        result.schema,
        out_dir,
        formats,
        positions=result.built.positions,
        texts=_texts(result),
    )
    return result.outputs


def _texts(result: Result) -> dict[str, str]:
    return {k: s.text for k, s in sorted(result.checked.sources.items())}


@collector.paused()
def view(
    result: Result,
    out_file: str | Path = "build/view.html",
    focus: str | None = None,
    depth: int = 1,
) -> Output:
    """Write the network explorer of `result` to `out_file`, atomically.

    With `focus` (an entity id), only the entities within `depth` relations of it are
    shown, and the page opens with it selected. Raises `ValueError` for an unknown id.
    """
    graphs = Graphs(result.built, result.schema, texts=_texts(result))
    net = graphs.network
    title = "gba-kg network"
    if focus is not None:
        if focus not in net:
            raise ValueError(f"unknown entity id '{focus}'")
        if depth < 0:
            raise ValueError(f"depth must be 0 or more, not {depth}")
        net = focus_network(net, focus, depth)
        title = f"gba-kg network: {focus} ±{depth}"
    html = render_network(net, result.schema, title=title, focus=focus)
    return write_file(out_file, html.encode("utf-8"))


def build(
    data_dir: str | Path = "data",
    out_dir: str | Path = "build",
    *,
    ontology_dir: str | Path | None = None,
    queries_dir: str | Path | None = None,
    formats: list[str] | None = None,
) -> Result:
    """`check`, then `export`: the whole pipeline. Nothing is written when a check fails."""
    with build_cache.claimed(Path(out_dir)):
        return _build(Path(data_dir), Path(out_dir), ontology_dir, queries_dir, formats)


def _build(
    data_dir: Path,
    out_dir: Path,
    ontology_dir: str | Path | None,
    queries_dir: str | Path | None,
    formats: list[str] | None,
) -> Result:
    ahead = _ahead(formats)
    with _spool(Path(out_dir)) as spool:
        result, job = _check(Path(data_dir), ontology_dir, queries_dir, ahead, spool)
        result.outputs = _write(result.built, result.schema, _texts(result), out_dir, formats, job)
    return result


SPILL_BYTES = 256 << 20
"""A rebuild from units keeps N-Triples smaller than this in memory (see `Built.spill`)."""


def _ahead(formats: list[str] | None) -> list[str]:
    """The formats a build's forked helper writes (see `_check`)."""
    return [n for n in NETWORK_FORMATS if formats is None or n in formats]


@contextlib.contextmanager
def _spool(out: Path) -> Iterator[Path | None]:
    """A temporary folder for the helper's files (the N-Triples wait in a temporary file
    too); None where there is no usable one: then all is done in this process, in memory.
    It is in `out` where that folder exists already, so that the helper's files are moved
    into place, not copied (see `export_graph`)."""
    where = out if out.is_dir() else None
    with contextlib.ExitStack() as stack:
        try:
            made = tempfile.TemporaryDirectory(prefix=".kg-", dir=where)
            spool = Path(stack.enter_context(made))
        except OSError:
            spool = None
        yield spool


@collector.paused()
def _write(
    built: Built,
    schema: Schema,
    texts: dict[str, str],
    out_dir: str | Path,
    formats: list[str] | None,
    job: Forked[dict[str, Output]] | None,
    patches: Mapping[str, Patch] | None = None,
) -> list[Output]:
    """Export a checked `built` once its checks are done, with the helper `job`'s files
    (and `patches`: see `export_graph`)."""
    built.release_store()  # the checks are done; the writers read the triples

    def written() -> dict[str, Output] | None:  # called once the RDF files are written
        if job is None:
            return None
        try:
            return job.result()
        except ChildError:  # written here instead, where any error is raised as itself
            return None

    return export_graph(
        built,
        schema,
        out_dir,
        formats,
        texts=texts,
        written=written,
        patches=patches,
    )


@dataclass
class BuildReport:
    """What `kg build` prints: the summary, warnings, coverage line and outputs of a build,
    or of an earlier identical build when the build cache found nothing to do (`cached`)."""

    summary: dict[str, object]
    warnings: list[str]
    coverage: str
    outputs: list[Output]
    cached: bool = False

    @classmethod
    def of(cls, result: Result) -> BuildReport:
        """The report of a `check` or `build` result."""
        return cls(
            result.summary,
            [str(w) for w in result.warnings],
            quoted_coverage(_texts(result), _quotes(result.checked)).summary_line(),
            list(result.outputs),
        )


def build_cached(
    data_dir: str | Path = "data",
    out_dir: str | Path = "build",
    *,
    ontology_dir: str | Path | None = None,
    queries_dir: str | Path | None = None,
    formats: list[str] | None = None,
    cache: bool = True,
) -> BuildReport:
    """`build`, unless the build cache in `out_dir/.kg-cache/` shows that every input and
    output is as the last build left them; then nothing is rebuilt (see `kg.incremental.cache`).

    With `cache=False` the build always runs, and the cache record is removed.
    """
    data, out = Path(data_dir), Path(out_dir)
    onto = Path(ontology_dir) if ontology_dir is not None else None
    queries = Path(queries_dir) if queries_dir is not None else None
    with build_cache.claimed(out):
        return _build_cached(data, out, onto, queries, formats, cache)


def _build_cached(
    data: Path,
    out: Path,
    onto: Path | None,
    queries: Path | None,
    formats: list[str] | None,
    cache: bool,
) -> BuildReport:
    if not cache:
        result = _build(data, out, onto, queries, formats)
        build_cache.clear(out)
        return BuildReport.of(result)
    key = build_cache.input_key(data, onto, queries, formats)
    hit = build_cache.lookup(out, key)
    if hit is not None:
        record, outputs = hit
        summary = {**record.summary, "outputs": [str(o.path) for o in outputs]}
        return BuildReport(summary, record.warnings, record.coverage, outputs, cached=True)
    report = _build_units(data, out, onto, queries, formats)
    files = [{"name": o.name, "bytes": o.size, "sha256": o.sha256} for o in report.outputs]
    summary = {k: v for k, v in report.summary.items() if k != "outputs"}  # paths: not kept
    record = build_cache.Record(summary, report.warnings, report.coverage, files)
    build_cache.store(out, key, record)
    return report


@collector.paused()
def _build_units(
    data: Path,
    out: Path,
    onto: Path | None,
    queries: Path | None,
    formats: list[str] | None,
) -> BuildReport:
    """`build`, each data file from its unit kept in `out` where it still holds (see
    `kg.incremental.units`). Raises `KgError` with every problem (then nothing is written),
    as `check` does: both run `check_file` on each file and `check_across` on them all."""
    schema = read_schema(onto)
    sources = _sources(data)
    folder = out / build_cache.CACHE_DIR / build_cache.UNITS_DIR
    gathered = units.gather(data, schema, sources, folder, build_cache.unit_context(data, onto))
    texts = {k: s.text for k, s in sorted(sources.items())}
    ahead = _ahead(formats)
    with _spool(out) as spool:
        nets = job = None
        if spool is not None and ahead:  # the helper makes the network from the units
            nets = spool / "network"
            nets.mkdir()
        # Made again in part, the network needs no joined graph: the helper starts now,
        # while the graph is joined and checked here. Made anew, it needs the whole graph:
        # the helper starts once it is joined and the units' triples are let go, so that
        # it does not hold them too (at 100k entities its peak went from 5.1 to 2.9 GiB).
        late = nets is not None and gathered.mostly_new
        graphml = gathered.network_patches(out)
        if nets is not None and not late:
            network = functools.partial(gathered.network, schema, texts, nets)
            job = Forked.start(write_formats, None, schema, texts, ahead, spool, network, graphml)
        try:
            shapes, rules = read_shapes(onto), read_rules(queries)
            reach = units.reach(shapes, rules)
            linked = gathered.join(schema, build_cache.checks_digest(onto, queries), reach)
        except BaseException:
            if job is not None:
                job.cancel()
            raise
        built = linked.built
        linked.keep(folder)
        if late or len(built.nt) > SPILL_BYTES:
            built.spill()  # the late helper reads the graph from the file too
        collector.trim()
        if late and nets is not None:
            network = functools.partial(gathered.network, schema, texts, nets, built)
            job = Forked.start(write_formats, None, schema, texts, ahead, spool, network, graphml)
        _check_graph(built, linked.warnings, shapes, rules, job, linked.check_near)
        patches = {**graphml, **linked.patches(out, schema)}
        outputs = _write(built, schema, texts, out, formats, job, patches)
        coverage = linked.coverage_line(texts)
        linked.save(folder, nets, outputs)
    return BuildReport(
        _summary(linked.entities_per_class, linked.quotes_checked, sources, built, outputs),
        [str(w) for w in linked.warnings],
        coverage,
        outputs,
    )


def query(
    question: str,
    params: dict[str, str] | None = None,
    *,
    build_dir: str | Path = "build",
    queries_dir: str | Path | None = None,
    from_file: bool = False,
    max_rows: int | None = None,
) -> Answer:
    """Run SPARQL on the built graph: a saved question's name, a query file, or query text.

    Parameters are bound as RDF terms, never pasted into the text. Raises `QueryError`.

    >>> answer = query("links-of-place", {"place": "shenzhen"})  # doctest: +SKIP
    >>> answer.variables  # doctest: +SKIP
    ['place', 'link', 'link_zh', 'also_connects']
    """
    store = load_store(build_dir)
    found = resolve_question(question, queries_dir, from_file=from_file)
    answer = run_question(store, found, params, max_rows=max_rows)
    answer.labels = label_index(store, answer)
    return answer


def _quotes(checked: Checked) -> Iterator[QuoteMatch]:
    for entity in checked.entities:
        yield from entity.evidence
        for st in entity.statements:
            yield from st.evidence


@collector.paused()
def coverage(result: Result) -> Coverage:
    """How much of each source text `result`'s quotes cover, by sentence and by section.

    >>> coverage(check("data")).summary_line()  # doctest: +SKIP
    '98 of 114 substantive sentences quoted (86.0%)'
    """
    texts = {k: s.text for k, s in sorted(result.checked.sources.items())}
    return source_coverage(result.built.view, result.schema, texts, result.built.positions)


@collector.paused()
def coverage_page(
    result: Result | Coverage, out_file: str | Path = "build/coverage.html"
) -> Output:
    """Write the source coverage page (`kg coverage`) to `out_file`, atomically."""
    found = result if isinstance(result, Coverage) else coverage(result)
    return write_coverage(found, out_file)


@collector.paused()
def diff(
    old: str | Path,
    new: str | Path,
    *,
    ontology_dir: str | Path | None = None,
    repo: str | Path = ".",
) -> Diff:
    """The facts added, removed and changed from `old` to `new` (`kg diff`).

    Each side is a build folder, a data folder (checked in memory) or `REV:PATH` at a git
    revision of `repo`, e.g. `diff("e07f339:data", "HEAD:data")`. Raises `DiffError` for a
    side that cannot be read, and `KgError` for data that does not pass its checks.
    """

    def checked(data_dir: Path, onto: Path | None) -> tuple[Built, Schema, dict[str, GraphFact]]:
        result = check(data_dir, ontology_dir=onto)
        built = result.built
        return built, result.schema, graph_facts(built.view, result.schema, built.positions)

    onto = Path(ontology_dir) if ontology_dir is not None else None
    return diff_sides(
        read_side(old, checked, ontology_dir=onto, repo=repo),
        read_side(new, checked, ontology_dir=onto, repo=repo),
    )


@collector.paused()
def stats(result: Result) -> Stats:
    """Entities and statements per class and source, evidence per statement, orphans."""
    return graph_stats(cast(Graph, result.built.view), result.schema)
