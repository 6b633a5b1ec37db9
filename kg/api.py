"""The library API: the pipeline load → validate → build → check shapes → export, in the same
words as the CLI (`kg check` ↔ `kg.check()`, `kg build` ↔ `kg.build()`).
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

from kg.errors import WARNING, KgError, Problem, QueryError
from kg.facts import Facts, SourcePos
from kg.incremental import cache as build_cache
from kg.incremental import join as joining
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
from kg.pipeline.build import Built
from kg.pipeline.graph_facts import GraphFact, graph_facts
from kg.pipeline.load import SOURCES_DIR, load_facts
from kg.pipeline.ontology import Schema, default_ontology_dir, read_schema
from kg.pipeline.questions import Question
from kg.pipeline.quotes import SourceText, read_sources
from kg.pipeline.rules import check_rules, read_rules
from kg.pipeline.shapes import check_shapes, read_shapes
from kg.review.coverage import Coverage, source_coverage, write_coverage
from kg.runtime import collector
from kg.runtime.forked import ChildError, Forked

if TYPE_CHECKING:  # imported where used, so that `kg check` does not pay for them
    import pyoxigraph as ox
    from rdflib import Graph

    from kg.publish.site import SiteSummary
    from kg.review.diff import Diff
    from kg.review.stats import Stats
    from kg.sparql.results import Answer


@dataclass
class Result:
    """A checked graph and what it holds; `outputs` is filled by `build`/`export`.

    A `build(..., cache=True)` that the build cache answered (`cached`: nothing changed
    since the last build into the folder) holds no graph in memory: `built` is None, and
    everything else is what that build found."""

    schema: Schema
    built: Built | None
    texts: dict[str, str]  # source id → its text
    ids: list[str]  # every entity id, sorted
    entities_per_class: dict[str, int]  # by `type:`, most frequent first, then by name
    statements: int
    quotes_checked: int
    triples: int
    warnings: list[Problem]  # things worth a look that do not fail the run
    coverage_line: str  # how much of the source texts the quotes cover
    outputs: list[Output] = field(default_factory=list)
    cached: bool = False

    @property
    def graph(self) -> Graph:
        """The graph as an `rdflib.Graph` (made on first use: the pipeline needs none)."""
        return self._built.graph

    @property
    def _built(self) -> Built:
        if self.built is None:
            raise ValueError(
                "this result came from the build cache and holds no graph: "
                "build with cache=False to have it"
            )
        return self.built

    @property
    def summary(self) -> dict[str, object]:
        """The figures `kg build` prints, as data."""
        return {
            "entities": sum(self.entities_per_class.values()),
            "entities_per_class": self.entities_per_class,
            "statements": self.statements,
            "quotes_checked": self.quotes_checked,
            "sources": sorted(self.texts),
            "triples": self.triples,
            "outputs": [str(o.path) for o in self.outputs],
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
    cache_from: str | Path | None = None,
) -> Result:
    """Load, validate, build, check shapes and rule queries; write nothing.

    Raises `KgError` with every problem of the first layer that has any. With `cache_from`
    (a folder `build(..., cache=True)` wrote into), the units it kept are reused, read
    only, for the files that did not change, and the shapes and rules run near what
    changed, as a cached rebuild does: the same problems, sooner.

    >>> result = check("data")  # doctest: +SKIP
    >>> result.summary["entities"]  # doctest: +SKIP
    52
    """
    folder = None
    if cache_from is not None and build_cache.units_folder(Path(cache_from)).is_dir():
        folder = build_cache.units_folder(Path(cache_from))
    return _run(Path(data_dir), _path(ontology_dir), _path(queries_dir), None, None, folder)


def _path(given: str | Path | None) -> Path | None:
    return None if given is None else Path(given)


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
    built = result._built
    result.outputs = export_graph(
        built, result.schema, out_dir, formats, positions=built.positions, texts=result.texts
    )
    return result.outputs


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
    from kg.explorer.layout import overview
    from kg.explorer.network import focus_network
    from kg.explorer.page import group_rank, render_network

    graphs = Graphs(result._built, result.schema, texts=result.texts)
    net = graphs.network
    title = "gba-kg network"
    if focus is not None:
        if focus not in net:
            raise ValueError(f"unknown entity id '{focus}'")
        if depth < 0:
            raise ValueError(f"depth must be 0 or more, not {depth}")
        kinds = dict(net.nodes(data="kind"))
        found = overview(sorted(net), net.edges(), kinds, group_rank(result.schema), arrange=False)
        net = focus_network(net, focus, depth, not_through=set(found.hubs))
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
    cache: bool = False,
) -> Result:
    """`check`, then write the graph in `formats` (all by default) into `out_dir`, all files
    at once: the whole pipeline. Nothing is written when a check fails.

    With `cache=True` (what `kg build` does), the build keeps what it made in
    `out_dir/.kg-cache/` and a rebuild redoes only what its changed inputs need; when no
    input changed and the outputs are intact, it only verifies them (`Result.cached`). The
    files are the bytes a build without the cache writes. With `cache=False` the build
    runs in full, and anything the cache kept in `out_dir` is removed.
    """
    data, out = Path(data_dir), Path(out_dir)
    onto, queries = _path(ontology_dir), _path(queries_dir)
    with build_cache.claimed(out):
        if not cache:
            result = _run(data, onto, queries, out, formats, None)
            build_cache.clear(out)
            return result
        key = build_cache.input_key(data, onto, queries, formats)
        hit = build_cache.lookup(out, key)
        if hit is not None:
            return _replayed(read_schema(onto), _sources(data), *hit)
        result = _run(data, onto, queries, out, formats, build_cache.units_folder(out))
        build_cache.store(out, key, _record(result))
        return result


def _record(result: Result) -> build_cache.Record:
    """What the build cache keeps of `result` to replay it."""
    return build_cache.Record(
        result.ids,
        result.entities_per_class,
        result.statements,
        result.quotes_checked,
        result.triples,
        [(w.pos.path, w.pos.line, w.message, w.fix) for w in result.warnings],
        result.coverage_line,
        [(o.name, o.size, o.sha256) for o in result.outputs],
    )


def _replayed(
    schema: Schema,
    sources: dict[str, SourceText],
    record: build_cache.Record,
    outputs: list[Output],
) -> Result:
    """The result of the build that `record` describes, whose `outputs` are in place."""
    return Result(
        schema,
        None,
        {k: s.text for k, s in sorted(sources.items())},
        record.ids,
        record.entities_per_class,
        record.statements,
        record.quotes_checked,
        record.triples,
        [Problem(SourcePos(p, n), m, f, WARNING) for p, n, m, f in record.warnings],
        record.coverage,
        outputs,
        cached=True,
    )


SPILL_BYTES = 256 << 20
"""A rebuild from units keeps N-Triples smaller than this in memory (see `Built.spill`)."""


def _ahead(formats: list[str] | None) -> list[str]:
    """The formats a build's forked helper writes (see `_run`)."""
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


@collector.paused()  # see kg.collector: about a third of the time otherwise
def _run(
    data: Path,
    onto: Path | None,
    queries: Path | None,
    out: Path | None,
    formats: list[str] | None,
    folder: Path | None,
) -> Result:
    """The pipeline, one data file at a time (`kg.incremental.units`): each file read,
    checked (`check_file`) and built into its unit, or its unit kept in `folder` reused
    where it still holds (None: no cache); the checks across files (`check_across`); the
    units joined into one graph; the shapes and rule queries; then, into `out` (None:
    `check`, nothing written), every output in `formats`. Raises `KgError` with every
    problem (then nothing is written)."""
    schema = read_schema(onto)
    sources = _sources(data)
    texts = {k: s.text for k, s in sorted(sources.items())}
    context = build_cache.unit_context(data, onto) if folder is not None else ""
    gathered = units.gather(data, schema, sources, folder, context)
    ids = sorted(eid for unit in gathered.units for eid in unit.types)
    shapes, rules = read_shapes(onto), read_rules(queries)
    if out is None:  # `check`: no helper, no outputs; units in `folder` only read
        if folder is None:
            linked = gathered.join(schema)
            _check_graph(linked.built, linked.warnings, shapes, rules, None)
        else:
            reach = joining.reach(shapes, rules)
            linked = gathered.join(schema, build_cache.checks_digest(onto, queries), reach)
            _check_graph(linked.built, linked.warnings, shapes, rules, None, linked.check_near)
        return _result(schema, linked, texts, ids, [])
    ahead = _ahead(formats)
    with _spool(out) as spool:
        nets = job = None
        if spool is not None and ahead:  # the helper makes the network from the units
            nets = spool / "network"
            nets.mkdir()
        # When few files were made again, the helper joins the network from the parts kept
        # beside the units and starts now, while the graph is joined and checked here. When
        # most were, it needs the joined graph: it starts once that is joined and the
        # units' triples are let go, so that the two processes do not both hold them.
        late = nets is not None and gathered.mostly_new
        graphml = gathered.network_patches(out)
        if nets is not None and not late:
            network = functools.partial(gathered.network, schema, texts, nets)
            job = Forked.start(write_formats, None, schema, texts, ahead, spool, network, graphml)
        try:
            reach = joining.reach(shapes, rules)
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
        result = _result(schema, linked, texts, ids, outputs)
        linked.save(folder, nets, outputs)
    return result


def _result(
    schema: Schema,
    linked: joining.Linked,
    texts: dict[str, str],
    ids: list[str],
    outputs: list[Output],
) -> Result:
    built = linked.built
    return Result(
        schema,
        built,
        texts,
        ids,
        linked.entities_per_class,
        built.statements,
        linked.quotes_checked,
        built.size,
        list(linked.warnings),
        linked.coverage_line(texts),
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
    timeout_s: float | None = None,
) -> Answer:
    """Run SPARQL on the built graph: a saved question's name, a query file, or query text.

    Parameters are bound as RDF terms, never pasted into the text. With `timeout_s`, the
    query runs in a forked child that is killed at the deadline (a running query cannot be
    stopped otherwise). Raises `QueryError`, also for a query stopped at its deadline.

    >>> answer = query("links-of-place", {"place": "shenzhen"})  # doctest: +SKIP
    >>> answer.variables  # doctest: +SKIP
    ['place', 'link', 'link_zh', 'also_connects']
    """
    from kg.outputs.built import load_store
    from kg.sparql.query import label_index, label_names, resolve_question, run_question

    store = load_store(build_dir)
    found = resolve_question(question, queries_dir, from_file=from_file)
    if timeout_s is None or "fork" not in multiprocessing.get_all_start_methods():
        answer = run_question(store, found, params, max_rows=max_rows)
    else:
        child = Forked(_answer_or_error, store, found, params, max_rows)
        try:
            outcome = child.result(timeout_s)
        except TimeoutError:
            raise QueryError(
                f"'{found.name}' stopped at the {timeout_s:g} s time limit — make it more "
                "selective (fewer patterns, a LIMIT), or give a longer --timeout"
            ) from None
        if isinstance(outcome, QueryError):
            raise outcome
        answer = outcome
    answer.labels = label_index(store, answer)
    answer.names = label_names(store)
    return answer


def _answer_or_error(
    store: ox.Store, found: Question, params: dict[str, str] | None, max_rows: int | None
) -> Answer | QueryError:
    """`run_question` in a forked child: its QueryError is sent back as a value."""
    from kg.sparql.query import run_question

    try:
        return run_question(store, found, params, max_rows=max_rows)
    except QueryError as exc:
        return exc


@collector.paused()
def coverage(result: Result) -> Coverage:
    """How much of each source text `result`'s quotes cover, by sentence and by section.

    >>> coverage(check("data")).summary_line()  # doctest: +SKIP
    '114 of 114 substantive sentences accounted for (100.0%)'
    """
    built = result._built
    return source_coverage(built.view, result.schema, result.texts, built.positions)


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
    from kg.review.diff import diff_sides, read_side

    def checked(
        data_dir: Path, onto: Path | None, queries: Path | None
    ) -> tuple[Built, Schema, dict[str, GraphFact]]:
        result = check(data_dir, ontology_dir=onto, queries_dir=queries)
        built = result._built
        return built, result.schema, graph_facts(built.view, result.schema, built.positions)

    onto = Path(ontology_dir) if ontology_dir is not None else None
    return diff_sides(
        read_side(old, checked, ontology_dir=onto, repo=repo),
        read_side(new, checked, ontology_dir=onto, repo=repo),
    )


@collector.paused()
def stats(result: Result) -> Stats:
    """Entities and statements per class and source, evidence per statement, orphans."""
    from rdflib import Graph

    from kg.review.stats import graph_stats

    return graph_stats(cast(Graph, result._built.view), result.schema)


def schema(ontology_dir: str | Path | None = None) -> str:
    """The JSON Schema of a data file under the ontology of `ontology_dir` (`kg schema`), as
    JSON text: for editors with the YAML language server (see `kg.outputs.json_schema`).

    >>> '"title": "gba-kg data file"' in schema()
    True
    """
    from kg.outputs.json_schema import write_data_schema

    return write_data_schema(read_schema(_path(ontology_dir)))


WATCHED = (
    ("data", ("*.yaml", "**/*.yaml", "sources/*.txt")),
    ("ontology", ("*.ttl",)),
    ("queries", ("*.rq", "**/*.rq")),
)
"""What `watch` looks at: the data files and source texts, the ontology and shapes, the
saved questions and rule queries."""


def site(
    out_dir: str | Path,
    data_dir: str | Path = "data",
    build_dir: str | Path = "build",
    *,
    ontology_dir: str | Path | None = None,
    queries_dir: str | Path | None = None,
    endpoint: str | None = None,
    base_url: str | None = None,
    licence: str | None = None,
) -> tuple[Result, SiteSummary]:
    """Build `data_dir` into `build_dir` (with the cache, as `kg build`), then write the
    graph as a static Linked Data site into `out_dir` (`kg site`): a page and a description
    for every IRI, class and ontology pages, the explorer, the dumps and `void.ttl`.
    `endpoint` is a SPARQL endpoint's URL to name in `void.ttl`; `base_url`, where the
    site will be published (for absolute dump links in `void.ttl`)."""
    from kg.publish.site import LICENCE, write_site
    from kg.sparql.query import saved_questions

    result = build(data_dir, build_dir, ontology_dir=ontology_dir, queries_dir=queries_dir,
                   cache=True)  # fmt: skip
    summary = write_site(
        Path(build_dir),
        Path(out_dir),
        result.schema,
        saved_questions(queries_dir),
        endpoint=endpoint,
        base_url=base_url,
        licence=licence or LICENCE,
    )
    return result, summary


def watch(
    data_dir: str | Path = "data",
    out_dir: str | Path = "build",
    *,
    report: Callable[[Result | KgError, list[str]], None],
    ontology_dir: str | Path | None = None,
    queries_dir: str | Path | None = None,
    port: int | None = None,
    ready: Callable[[str], None] | None = None,
    interval: float = 0.5,
    builds: int | None = None,
) -> None:
    """Build `data_dir` into `out_dir` (with the cache, as `kg build`), then again each time
    a data file, source text, ontology file or query changes (`kg watch`). Each outcome, a
    `Result` or the `KgError` with every problem, goes to `report` with the files that
    changed. With `port` (0: any free one), the build folder is also served on 127.0.0.1,
    its pages reloading themselves after each good build; `ready` gets the URL. Runs until
    interrupted, or for `builds` builds. Raises OSError if the port is taken."""
    from kg.pipeline.questions import default_queries_dir
    from kg.runtime.watching import ReloadServer, Snapshot, changed, snapshot

    data, out = Path(data_dir), Path(out_dir)
    folders = {
        "data": data,
        "ontology": Path(ontology_dir) if ontology_dir else default_ontology_dir(),
        "queries": Path(queries_dir) if queries_dir else default_queries_dir(),
    }

    def look() -> Snapshot:
        found: Snapshot = {}
        for name, patterns in WATCHED:
            found.update(snapshot([folders[name]], patterns))
        return found

    server = None
    if port is not None:
        server = ReloadServer(out, port)
        url = server.start()
        if ready is not None:
            ready(url)
    seen: Snapshot | None = None
    done = 0
    try:
        while builds is None or done < builds:
            now = look()
            if now == seen:
                time.sleep(interval)
                continue
            time.sleep(interval / 5)  # an editor may write a file in steps: let it settle
            if look() != now:
                continue
            files = [] if seen is None else changed(seen, now)
            seen = now
            try:
                result = build(
                    data, out, ontology_dir=ontology_dir, queries_dir=queries_dir, cache=True
                )
            except KgError as exc:
                report(exc, files)
            else:
                report(result, files)
                if server is not None:
                    server.bump()
            done += 1
    finally:
        if server is not None:
            server.stop()
