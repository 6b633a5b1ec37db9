"""The `kg` command: parses arguments, calls one API function, prints, picks the exit code.

Exit codes: 0 ok, 1 bad data (every problem printed as `file:line: what — how to fix`),
2 bad usage. Anything else is a bug in gba-kg and keeps its traceback.

Every command imports what it needs when it runs (`kg.api` and the libraries behind it),
and option choices and defaults that live there are read when first shown or used: `kg
--help` and `kg check` do not pay for the explorer, the endpoint or SPARQL results.
"""

from __future__ import annotations

import importlib
import json
import logging
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

import click

from kg.errors import (
    EXIT_BAD_USAGE,
    EXIT_REMOTE,
    GbaKgError,
    KgError,
    Problem,
    did_you_mean,
)

if TYPE_CHECKING:
    from kg import api

F = TypeVar("F", bound=Callable[..., Any])


def _read(where: str) -> Any:
    """The value named `module:expression`, imported now (`kg.sparql.serve:Limits.workers`)."""
    module, _, name = where.partition(":")
    value: Any = importlib.import_module(module)
    for part in name.split("."):
        value = getattr(value, part)
    return value


class _Later(Sequence[str]):
    """Choices read from the module that defines them when first needed (`--help` of the
    command, or parsing its option), so that defining the command imports nothing."""

    def __init__(self, read: Callable[[], Sequence[str]]) -> None:
        self._read = read

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._read()[index]

    def __len__(self) -> int:
        return len(self._read())

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())


class _LaterChoice(click.Choice):  # type: ignore[type-arg]
    """`click.Choice` over `_Later` choices."""

    def __init__(self, read: Callable[[], Sequence[str]]) -> None:
        super().__init__(())
        self._later = _Later(read)

    @property  # type: ignore[override]
    def choices(self) -> Sequence[str]:
        return tuple(self._later)

    @choices.setter
    def choices(self, value: Sequence[str]) -> None:
        pass  # click's __init__ sets them; they are read from `read` instead


class _LaterDefault(click.Option):
    """An option whose default is read, when first shown or used, from `default_from`
    (`module:expression`), so that defining the command imports nothing."""

    def __init__(self, *args: Any, default_from: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._default_from = default_from

    def get_default(self, ctx: click.Context, call: bool = True) -> Any:
        return _read(self._default_from)


def _writer_names() -> list[str]:
    return sorted(_read("kg.outputs.export:WRITERS"))


def _answer_formats() -> list[str]:
    return [
        "table",
        *_read("kg.sparql.results:RESULT_FORMATS"),
        *_read("kg.sparql.results:GRAPH_FORMATS"),
    ]


def data_options(func: F) -> F:
    """DATA_DIR and --ontology, shared by every command that reads the curated data."""
    func = click.option(
        "--ontology",
        "ontology_dir",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=None,
        help="Folder with gba.ttl and shapes.ttl (default: the project's ontology/).",
    )(func)
    func = click.argument(
        "data_dir",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default="data",
        required=False,
    )(func)
    return func


build_dir_option = click.option(
    "--build",
    "build_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="build",
    show_default=True,
    help="Folder holding the built graph (graph.nt).",
)
"""--build, shared by the commands that read a built graph (query, serve, push)."""

queries_option = click.option(
    "--queries",
    "queries_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder of saved questions (default: the project's queries/).",
)
"""--queries, shared by the commands that run saved questions (query, serve)."""


class _Commands(click.Group):
    """The `kg` group: an error gba-kg raises on purpose (`GbaKgError`) in any command is
    printed on stderr, and `kg` exits with the error's code (see `kg.errors`)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GbaKgError as exc:
            click.echo(exc.cli_text(ctx.invoked_subcommand or "kg"), err=True)
            sys.exit(exc.exit_code)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gba-kg")
def main() -> None:
    """gba-kg: curated Greater Bay Area facts → an evidenced, checked RDF graph."""


@main.command(short_help="Check the data, then write the graph, its views and a manifest.")
@data_options
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="build",
    show_default=True,
    help="Folder the outputs are written to.",
)
@click.option(
    "--format",
    "formats",
    type=_LaterChoice(_writer_names),
    multiple=True,
    help="Write only this format (repeatable). Default: all of them.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Rebuild even when nothing changed since the last build (see --out/.kg-cache).",
)
def build(
    data_dir: Path,
    ontology_dir: Path | None,
    out_dir: Path,
    formats: tuple[str, ...],
    no_cache: bool,
) -> None:
    """Check DATA_DIR (default: data) and write the graph and its views into --out.

    Writes graph.ttl, graph.nt, graph.jsonld, graph.graphml, network.html and
    manifest.json, replacing the old files only when every check passes. When no input
    has changed since the last build into --out and its files are intact, nothing is
    rebuilt (the build cache, --out/.kg-cache; --no-cache rebuilds anyway).

    Example: kg build data --out build
    """
    from kg import api

    report = api.build(
        data_dir,
        out_dir,
        ontology_dir=ontology_dir,
        formats=list(formats) or None,
        cache=not no_cache,
    )
    _print_summary(report, data_dir)
    verb = "kept " if report.cached else "wrote"
    for output in sorted(report.outputs, key=lambda o: o.name):
        click.echo(f"  {verb} {output.path} ({_size(output.size)})")
    if report.cached:
        click.echo(f"  unchanged since the last build (cache: {out_dir / '.kg-cache'})")


@main.command(short_help="Check the data as build does; write nothing.")
@data_options
@click.option(
    "--format",
    "fmt",
    default="text",
    show_default=True,
    type=click.Choice(["text", "json", "github"]),
    help="text for people; json for tools (file, line, code, message, fix); github for "
    "annotations on a pull request.",
)
@click.option(
    "--build",
    "build_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="build",
    show_default=True,
    help="Reuse, read only, what `kg build` kept in this folder for the unchanged files.",
)
@click.option("--no-cache", is_flag=True, help="Check every file anew; read no build cache.")
def check(
    data_dir: Path, ontology_dir: Path | None, fmt: str, build_dir: Path, no_cache: bool
) -> None:
    """Check DATA_DIR (default: data) as `kg build` does, and write nothing.

    Exits 1 when any check fails. `--format json` prints every problem and warning as JSON
    on stdout; `--format github` prints them as GitHub Actions annotations (`::error
    file=…,line=…::…`), which mark the lines in a pull request. Files unchanged since the
    last `kg build` into --build are not checked again (their results are in its cache);
    the problems are the same.

    Example: kg check data --format github
    """
    from kg import api

    try:
        cache_from = None if no_cache else build_dir
        result = api.check(data_dir, ontology_dir=ontology_dir, cache_from=cache_from)
    except KgError as exc:
        if fmt == "text":
            raise
        _print_problems(fmt, sorted(exc.problems + exc.warnings), None)
        click.echo(str(exc), err=True)
        sys.exit(exc.exit_code)
    if fmt == "text":
        _print_summary(result, data_dir)
    else:
        _print_problems(fmt, sorted(result.warnings), result.summary)


def _print_problems(fmt: str, problems: list[Problem], summary: dict[str, object] | None) -> None:
    """Problems (and warnings) for tools: JSON, or GitHub workflow commands."""
    if fmt == "json":
        report = {
            "ok": summary is not None,
            "problems": [p.as_dict() for p in problems],
            "summary": summary,
        }
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    for problem in problems:
        click.echo(problem.github())


@main.command(short_help="Write the network explorer, whole or around one entity.")
@data_options
@click.option("--focus", default=None, metavar="ID", help="Show only this entity's neighbourhood.")
@click.option(
    "--depth",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="How many relations away from --focus to show.",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default="build/view.html",
    show_default=True,
    help="The HTML file to write.",
)
def view(
    data_dir: Path, ontology_dir: Path | None, focus: str | None, depth: int, out_file: Path
) -> None:
    """Check DATA_DIR (default: data), then write the network explorer to --out.

    With --focus ID, only the entities within --depth relations of ID are shown, and the
    page opens with ID selected. `kg build` writes the whole network as network.html.

    Example: kg view --focus gz-sz-hk-xrl --depth 2 --out build/rail-link.html
    """
    from kg import api

    result = api.check(data_dir, ontology_dir=ontology_dir)
    ids = result.ids
    if focus is not None and focus not in ids:
        hint = did_you_mean(focus, ids) or f"ids look like: {', '.join(ids[:5])}, …"
        raise click.BadParameter(f"no entity has the id '{focus}' — {hint}", param_hint="--focus")
    output = api.view(result, out_file, focus=focus, depth=depth)
    click.echo(f"wrote {output.path} ({_size(output.size)})")


def _parse_params(values: tuple[str, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"'{item}' is not NAME=VALUE", param_hint="--param")
        params[name] = value
    return params


@main.command(short_help="Ask the built graph a SPARQL question.")
@click.argument("query_text", metavar="[QUERY | NAME]", required=False)
@click.option(
    "-f",
    "--file",
    "query_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the query from this .rq file.",
)
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Bind a declared parameter (repeatable); bound as an RDF term, never pasted.",
)
@click.option(
    "--format",
    "fmt",
    default="table",
    show_default=True,
    type=_LaterChoice(_answer_formats),
    help="table for people; csv, tsv, json, xml (W3C results); turtle, nt for CONSTRUCT.",
)
@click.option(
    "--lang",
    default="en",
    show_default=True,
    type=click.Choice(["zh", "en"]),
    help="Language of a table's labels and headers (one per table).",
)
@click.option(
    "--timeout",
    "timeout_s",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds the query may run before it is stopped.",
)
@click.option("--list", "list_saved", is_flag=True, help="List the saved questions and exit.")
@build_dir_option
@queries_option
def query(
    query_text: str | None,
    query_file: Path | None,
    params: tuple[str, ...],
    fmt: str,
    lang: str,
    timeout_s: float,
    list_saved: bool,
    build_dir: Path,
    queries_dir: Path | None,
) -> None:
    """Run SPARQL on the graph `kg build` wrote, without rebuilding.

    QUERY is SPARQL text or the NAME of a saved question (queries/NAME.rq); `--list` shows
    the saved questions and their parameters.

    Example: kg query links-of-place --param place=shenzhen --format csv
    """
    if list_saved:
        _print_saved(queries_dir)
        return
    if (query_text is None) == (query_file is None):
        raise click.UsageError("give a QUERY (text or saved name) or --file, not both")
    from kg import api
    from kg.sparql.results import GRAPH_FORMATS, RESULT_FORMATS, render_table

    answer = api.query(
        str(query_file or query_text),
        _parse_params(params),
        build_dir=build_dir,
        queries_dir=queries_dir,
        from_file=query_file is not None,
        timeout_s=timeout_s,
    )
    if fmt == "table":
        click.echo(
            render_table(answer, width=shutil.get_terminal_size().columns, lang=lang), nl=False
        )
        return
    formats = GRAPH_FORMATS if answer.kind == "graph" else RESULT_FORMATS
    if fmt not in formats:
        kind = "CONSTRUCT/DESCRIBE" if answer.kind == "graph" else "SELECT/ASK"
        raise click.UsageError(f"a {kind} answer comes as {', '.join(['table', *formats])}")
    sys.stdout.buffer.write(formats[fmt][1](answer))


@main.command(short_help="Serve the built graph as a read-only SPARQL endpoint.")
@build_dir_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port (0 picks a free one).",
)
@click.option(
    "--timeout",
    "timeout_s",
    cls=_LaterDefault,
    default_from="kg.sparql.serve:Limits.timeout_s",
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds a query may run before it is killed.",
)
@click.option(
    "--max-rows",
    cls=_LaterDefault,
    default_from="kg.sparql.serve:Limits.max_rows",
    show_default=True,
    type=click.IntRange(min=1),
    help="Rows (or triples) per answer; more are cut.",
)
@click.option(
    "--max-bytes",
    cls=_LaterDefault,
    default_from="kg.sparql.serve:Limits.max_bytes",
    show_default=True,
    type=click.IntRange(min=1024),
    help="Bytes per answer; more are cut.",
)
@click.option(
    "--workers",
    cls=_LaterDefault,
    default_from="kg.sparql.serve:Limits.workers",
    show_default=True,
    type=click.IntRange(1, 32),
    help="Heavy queries (running past --short) that may run at once.",
)
@click.option(
    "--reserved",
    cls=_LaterDefault,
    default_from="kg.sparql.serve:Limits.reserved",
    show_default=True,
    type=click.IntRange(1, 32),
    help="Worker processes beyond --workers, kept for short queries.",
)
@click.option(
    "--short",
    "short_s",
    cls=_LaterDefault,
    default_from="kg.sparql.serve:Limits.short_s",
    show_default=True,
    type=click.FloatRange(min=0.05),
    help="Seconds after which a running query counts as heavy.",
)
@queries_option
def serve(
    build_dir: Path,
    host: str,
    port: int,
    timeout_s: float,
    max_rows: int,
    max_bytes: int,
    workers: int,
    reserved: int,
    short_s: float,
    queries_dir: Path | None,
) -> None:
    """Serve the graph `kg build` wrote at http://HOST:PORT/sparql (SPARQL 1.1 Protocol).

    Read-only: updates, Graph Store writes, SERVICE and FROM are refused. Saved questions
    are at /queries/NAME?PARAM=VALUE; the query editor (YASGUI) is at /query. Every IRI of
    the graph answers at /id/ID: its page, or its triples by Accept (docs/linked-data.md).
    Short queries are answered while heavy ones run (docs/endpoint.md). Ctrl-C or SIGTERM
    stops it after answering the queries in flight.

    Example: kg serve --port 8000
    """
    from kg.sparql.serve import Limits
    from kg.sparql.serve import serve as run_server

    limits = Limits(
        timeout_s, max_rows, max_bytes,
        workers=workers, reserved=reserved, short_s=short_s,
    )  # fmt: skip
    logging.basicConfig(format="kg serve: %(levelname)s: %(message)s", level=logging.WARNING)

    def ready(url: str) -> None:
        page = url.removesuffix("sparql")
        click.echo(
            f"kg serve: pages {page} · query editor {page}query · SPARQL {url}"
            " (read-only; Ctrl-C stops)"
        )
        sys.stdout.flush()

    run_server(build_dir, host, port, limits, queries_dir, ready)
    click.echo("kg serve: stopped")


@main.command(short_help="Write the graph as a static Linked Data site: a page per IRI.")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--data",
    "data_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default="data",
    show_default=True,
    help="Folder of curated YAML, built first (with the cache) into --build.",
)
@build_dir_option
@click.option(
    "--ontology",
    "ontology_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder with gba.ttl and shapes.ttl (default: the project's ontology/).",
)
@queries_option
@click.option("--endpoint", default=None, help="A SPARQL endpoint serving the graph, for void.ttl.")
@click.option(
    "--base-url",
    default=None,
    help="Where the site will be published (absolute links in void.ttl).",
)
@click.option(
    "--licence",
    default=None,
    help="IRI of the data's licence, for void.ttl (default: the project's, MIT).",
)
def site(
    out_dir: Path,
    data_dir: Path,
    build_dir: Path,
    ontology_dir: Path | None,
    queries_dir: Path | None,
    endpoint: str | None,
    base_url: str | None,
    licence: str | None,
) -> None:
    """Build --data into --build, then write a static site of the graph into OUT_DIR.

    A page for every entity (OUT_DIR/id/ID/index.html) with each fact and its quote, its
    description (id/ID.ttl, .jsonld, .nt), class and ontology pages, the explorer, the
    dumps, a search index and void.ttl. Links are relative: open index.html from disk or
    publish the folder on any static host. OUT_DIR is replaced whole.

    Example: kg site site && open site/index.html
    """
    from kg import api

    result, summary = api.site(
        out_dir, data_dir, build_dir, ontology_dir=ontology_dir, queries_dir=queries_dir,
        endpoint=endpoint, base_url=base_url, licence=licence,
    )  # fmt: skip
    _print_summary(result, data_dir)
    click.echo(
        f"  wrote {summary.out}/: {summary.pages} entity pages, {summary.classes} class "
        f"pages, {summary.descriptions} IRIs described ({summary.files} files)"
    )
    click.echo(f"  open {summary.out / 'index.html'}")


@main.command(short_help="Replace a named graph in a SPARQL store with the built graph.")
@click.argument("url")
@click.option(
    "--graph",
    "graph",
    cls=_LaterDefault,
    default_from="kg.sparql.push:DEFAULT_GRAPH",
    show_default=True,
    help="IRI of the named graph to replace.",
)
@click.option("--default-graph", is_flag=True, help="Replace the store's default graph instead.")
@build_dir_option
@click.option("--user", default=None, help="User for the store's Basic or Digest authentication.")
@click.option(
    "--password",
    envvar="KG_PUSH_PASSWORD",
    default=None,
    help="Password for --user (or set KG_PUSH_PASSWORD).",
)
@click.option(
    "--token", envvar="KG_PUSH_TOKEN", default=None, help="Bearer token (or set KG_PUSH_TOKEN)."
)
@click.option(
    "--timeout",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=1),
    help="Seconds to wait for the store.",
)
def push(
    url: str,
    graph: str,
    default_graph: bool,
    build_dir: Path,
    user: str | None,
    password: str | None,
    token: str | None,
    timeout: float,
) -> None:
    """Load the built graph into the store whose Graph Store endpoint is URL.

    One PUT replaces the whole graph (SPARQL 1.1 Graph Store HTTP Protocol); then the graph
    is read back and its triples counted against the local build.

    Example: kg push http://localhost:7878/store --graph https://w3id.org/gba-kg/graph
    """
    from kg.sparql.push import Auth, push_graph

    target = None if default_graph else graph
    report = push_graph(build_dir, url, target, Auth(user, password, token), timeout)
    where = f"graph <{report.graph}>" if report.graph else "the default graph"
    click.echo(f"pushed {report.local_triples} triples to {where} at {report.url}")
    if not report.is_complete:
        click.echo(
            f"kg push: the store holds {report.remote_triples} triples in {where}, "
            f"the build has {report.local_triples}",
            err=True,
        )
        sys.exit(EXIT_REMOTE)
    click.echo(f"the store holds {report.remote_triples} triples there: same as the build")


@main.command(short_help="Show which parts of the source texts the facts quote.")
@data_options
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default="build/coverage.html",
    show_default=True,
    help="The HTML file to write.",
)
@click.option(
    "--sentences",
    "every_sentence",
    is_flag=True,
    help="Print every substantive sentence, not only those not accounted for.",
)
def coverage(
    data_dir: Path, ontology_dir: Path | None, out_file: Path, every_sentence: bool
) -> None:
    """Check DATA_DIR (default: data), then write the source coverage page to --out.

    A substantive sentence is accounted for when every letter of it is under the quote of a
    fact or of a passage left out on purpose (`type: LeftOut` with its `reason:`). Prints,
    per source and section, the sentences accounted for; then each sentence that is not,
    with the share of its letters that facts quote; and the passages left out, by reason.
    --sentences prints every substantive sentence so.

    The page shows each source text with every quoted passage highlighted and linked to the
    facts it supports.

    Example: kg coverage data --out build/coverage.html
    """
    from kg import api

    result = api.check(data_dir, ontology_dir=ontology_dir)
    found = api.coverage(result)
    for source in found.sources:
        click.echo(
            f"{source.source}: {source.covered} of {source.substantive} substantive "
            f"sentences accounted for ({source.share:.1%}); facts quote "
            f"{source.quoted} of their {source.letters} letters "
            f"({source.quoted / source.letters if source.letters else 0:.1%})"
        )
        width = max((len(s.name_en) for s in source.sections), default=0)
        for sec in source.sections:
            click.echo(
                f"  {sec.name_en:<{width}}  {sec.name_zh}  {sec.covered:>3} / "
                f"{sec.sentences:<3} ({sec.share:.1%})"
            )
        shown = [x for x in source.sentences if x.substantive and (every_sentence or not x.covered)]
        if shown:
            click.echo("  sentences" + ("" if every_sentence else " not accounted for") + ":")
        for x in shown:
            mark = "ok  " if x.covered else "OPEN"
            why = f" left out: {', '.join(x.reasons)}" if x.reasons else ""
            click.echo(
                f"  {mark} {x.share:6.1%} quoted, {x.open:>3} letters open{why}  "
                f"{_clip(x.text, 60)}"
            )
        reasons: dict[str, int] = {}
        for p in source.passages:
            for r in p.reasons if p.is_left_out else ():
                reasons[r] = reasons.get(r, 0) + 1
        if reasons:
            counts = ", ".join(f"{r} {n}" for r, n in sorted(reasons.items()))
            click.echo(f"  passages left out, by reason: {counts}")
    output = api.coverage_page(found, out_file)
    click.echo(f"wrote {output.path} ({_size(output.size)})")


def _clip(text: str, width: int) -> str:
    """`text` on one line, cut to `width` characters with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "\u2026"


@main.command(short_help="List the facts added, removed and changed between two builds.")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option(
    "--format",
    "fmt",
    default="text",
    show_default=True,
    type=click.Choice(["text", "markdown", "json"]),
    help="text for a terminal, markdown for a pull-request comment, json for tools.",
)
@click.option(
    "--ontology",
    "ontology_dir",
    default=None,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Ontology for folders that do not bring their own (default: the project's).",
)
def diff(old: str, new: str, fmt: str, ontology_dir: Path | None) -> None:
    """Compare two builds as graphs and list the facts that differ, with their quotes.

    OLD and NEW are each a build folder (graph.nt), a data folder, or REV:PATH, a folder at
    a git revision (e.g. e07f339:data), extracted with git archive and built. Exits 0 when
    the graphs are equal, 1 when they differ, 2 when a side cannot be read or built.

    Example: kg diff e07f339:data HEAD:data --format markdown
    """
    from kg import api

    try:
        found = api.diff(old, new, ontology_dir=ontology_dir)
    except KgError as exc:  # as bad usage here: exit 1 means the two graphs differ
        click.echo(exc.report(), err=True)
        click.echo("kg diff: a side does not pass its checks", err=True)
        sys.exit(EXIT_BAD_USAGE)
    if fmt == "json":
        click.echo(json.dumps(found.as_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(found.to_markdown() if fmt == "markdown" else found.to_text(), nl=False)
    sys.exit(0 if found.equal else 1)


@main.command(short_help="Rebuild on every save, print the problems, reload open pages.")
@data_options
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="build",
    show_default=True,
    help="Folder the outputs are written to (as kg build).",
)
@click.option(
    "--port",
    default=8001,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Serve --out on 127.0.0.1 at this port, pages reloading after each build (0: any).",
)
@click.option("--no-serve", is_flag=True, help="Only rebuild; serve nothing.")
@queries_option
def watch(
    data_dir: Path,
    ontology_dir: Path | None,
    out_dir: Path,
    port: int,
    no_serve: bool,
    queries_dir: Path | None,
) -> None:
    """Build as `kg build` does, then again whenever a data file, source text, ontology
    file or query is saved, printing the problems or a one-line summary each time.

    The build folder is served at http://127.0.0.1:PORT/; the explorer open from there
    reloads itself after each good build. Ctrl-C stops.

    Example: kg watch data --port 8001
    """
    from kg import api

    def report(outcome: api.Result | KgError, files: list[str]) -> None:
        if files:
            shown = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
            click.echo(f"changed: {shown}")
        if isinstance(outcome, KgError):
            click.echo(outcome.report(), err=True)
            return
        for warning in outcome.warnings:
            click.echo(str(warning), err=True)
        verb = "kept" if outcome.cached else "wrote"
        click.echo(
            f"{data_dir}: all checks passed — {outcome.summary['entities']} entities, "
            f"{outcome.triples} triples; {verb} {len(outcome.outputs)} files in {out_dir}"
        )

    def ready(url: str) -> None:
        click.echo(f"kg watch: {url}network.html reloads after each good build (Ctrl-C stops)")

    try:
        api.watch(
            data_dir,
            out_dir,
            report=report,
            ontology_dir=ontology_dir,
            queries_dir=queries_dir,
            port=None if no_serve else port,
            ready=ready,
        )
    except OSError as exc:
        raise click.UsageError(
            f"cannot serve on 127.0.0.1:{port} ({exc.strerror or exc}) — "
            "pick another --port, 0 for any free one, or --no-serve"
        ) from None
    except KeyboardInterrupt:
        click.echo("kg watch: stopped")


@main.command(short_help="Print the JSON Schema of a data file, for editors.")
@click.option(
    "--ontology",
    "ontology_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder with gba.ttl (default: the project's ontology/).",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write it to this file (atomically) instead of stdout.",
)
def schema(ontology_dir: Path | None, out_file: Path | None) -> None:
    """Print the JSON Schema of a data file, generated from the ontology.

    Editors with the YAML language server (VS Code's YAML extension) use it to complete
    keys and flag mistakes while you type: classes, keys per class, ranges, closed word
    lists, required zh/en labels. The project keeps it as ontology/data.schema.json, named
    by the first line of each data file.

    Example: kg schema --out ontology/data.schema.json
    """
    from kg import api

    text = api.schema(ontology_dir)
    if out_file is None:
        click.echo(text, nl=False)
        return
    from kg.outputs.export import write_file

    output = write_file(out_file, text.encode("utf-8"))
    click.echo(f"wrote {output.path} ({_size(output.size)})")


@main.command(short_help="Count entities, statements, evidence and orphans.")
@data_options
@click.option(
    "--format",
    "fmt",
    default="text",
    show_default=True,
    type=click.Choice(["text", "json"]),
    help="text for people, json for tools.",
)
def stats(data_dir: Path, ontology_dir: Path | None, fmt: str) -> None:
    """Check DATA_DIR (default: data), then count what the graph holds.

    Entities and statements per class and per source, statements per property, evidence
    per statement, and orphans: entities with no relation to another entity.

    Example: kg stats data --format json
    """
    from kg import api

    result = api.check(data_dir, ontology_dir=ontology_dir)
    found = api.stats(result)
    if fmt == "json":
        click.echo(json.dumps(found.as_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(found.to_text(), nl=False)


def _print_saved(queries_dir: Path | None) -> None:
    from kg.sparql.query import saved_questions

    for name, question in sorted(saved_questions(queries_dir).items()):
        click.echo(f"{name}")
        click.echo(f"  {question.title('en')}")
        click.echo(f"  {question.title('zh')}")
        for param in question.params:
            click.echo(f"  --param {param.name}=… ({param.kind}) {param.description}")


def _print_summary(report: api.Result, data_dir: Path) -> None:
    for warning in report.warnings:  # on stderr; warnings never change the exit code
        click.echo(str(warning), err=True)
    summary = report.summary
    per_class = summary["entities_per_class"]
    assert isinstance(per_class, dict)
    width = max((len(name) for name in per_class), default=0)
    click.echo(f"{data_dir}: all checks passed")
    click.echo(f"  entities    {summary['entities']}")
    for name, count in per_class.items():
        click.echo(f"    {name:<{width}}  {count}")
    click.echo(f"  statements  {summary['statements']}")
    sources = summary["sources"]
    assert isinstance(sources, list)
    click.echo(
        f"  quotes      {summary['quotes_checked']} found verbatim in {len(sources)} source text(s)"
    )
    click.echo(f"  triples     {summary['triples']}")
    click.echo(f"  coverage    {report.coverage_line}")


def _size(n: int) -> str:
    return f"{n} B" if n < 1024 else f"{n / 1024:.1f} KiB"
