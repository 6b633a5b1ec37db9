"""Saved questions, parameters bound as RDF terms, the result formats, and `kg query`."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

import kg
from kg.cli import main
from kg.sparql.query import resolve_question, run_question, saved_questions
from kg.sparql.results import RESULT_FORMATS, Answer, render_table
from tests.conftest import ROOT

SAVED = saved_questions()


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return kg.check(ROOT / "data").built.store


def ask(store: ox.Store, name: str, **params: str) -> list[dict[str, str]]:
    answer = run_question(store, SAVED[name], params)
    return [
        {v: (t.value if t is not None else "") for v, t in zip(answer.variables, row, strict=True)}
        for row in answer.rows
    ]


def column(rows: list[dict[str, str]], name: str) -> list[str]:
    return [r[name] for r in rows]


def _co_built(store: ox.Store) -> None:
    rows = ask(store, "co-built", city="guangzhou", partner="shenzhen")
    things = set(column(rows, "thing_zh"))
    assert {"人工智能与数字经济省实验室", "“广深惠”智能网联汽车产业集群"} <= things
    assert all(r["city"].endswith("/guangzhou") for r in rows)


def _science(store: ox.Store) -> None:
    rows = {r["thing_zh"]: r for r in ask(store, "science")}
    assert rows["南沙科学城"]["kind"] == "science city"
    assert "广州" in rows["南沙科学城"]["where_zh"]
    bases = [r for r in rows.values() if r["branch_of_zh"] == "鹏城国家实验室"]
    assert bases, "the Pengcheng Laboratory's Guangzhou base is listed as its branch"


def _transport(store: ox.Store) -> None:
    rows = {r["link_zh"]: r for r in ask(store, "transport-links")}
    assert set(rows["深中通道"]["connects"].split("、")) >= {"深圳", "中山"}
    assert rows["广深港高铁"]["status"] == "in service"


def _links_of_place(store: ox.Store) -> None:
    rows = ask(store, "links-of-place", place="zhongshan")
    assert "深中通道" in column(rows, "link_zh")
    assert all("中山" not in r["also_connects"] for r in rows)


def _clusters(store: ox.Store) -> None:
    """The cities a cluster's name names are its members; only the two cities of the
    paragraph (两市 共同推进) co-build it."""
    rows = {r["cluster_zh"]: r for r in ask(store, "industry-clusters")}
    equipment = rows["“广深佛莞”智能装备产业集群"]
    assert set(equipment["members"].split("、")) == {"广州", "深圳", "佛山", "东莞"}
    assert set(equipment["co_builders"].split("、")) == {"广州", "深圳"}
    assert set(rows["“广深惠”智能网联汽车产业集群"]["co_builders"].split("、")) == {"广州", "深圳"}


def _commitments(store: ox.Store) -> None:
    """Guangzhou's undelivered commitments to Shenzhen: promised or under way, by area."""
    rows = ask(store, "commitments-not-delivered", giver="guangzhou", receiver="shenzhen")
    things = {r["thing_zh"]: r for r in rows}
    assert things["全球科技成果转化中心"]["modality"] == "promised"
    assert things["白云国际机场三期扩建工程"]["modality"] == "under way"
    assert things["“双城联动”研究院"]["modality"] == "to be established"
    assert {"promised", "bidding for"} <= {
        r["modality"] for r in rows if r["thing_zh"] == "呼吸领域国家实验室"
    }
    # delivered ones are not commitments still owed
    assert "深圳证券交易所广州服务基地" not in things
    assert "广深深化战略合作框架协议" not in things
    positions = [int(p) for p in column(rows, "position")]
    assert positions == sorted(positions) and set(positions) == {1, 2, 3, 4, 5}
    assert ask(store, "commitments-not-delivered", giver="shenzhen", receiver="guangzhou") == []


def _figures(store: ox.Store) -> None:
    rows = {r["metric"].rsplit("/", 1)[-1]: r for r in ask(store, "figures-with-bounds")}
    users = rows["sui-hao-ban-registered-users"]
    assert (users["amount"], users["bound"], users["measure"]) == ("2500000", "more than", "stock")
    customs = rows["guangzhou-customs-clearance-time-standing"]
    assert (customs["amount"], customs["bound"]) == ("", "among the top")
    assert customs["scope"] == "large and medium-sized cities nationwide"
    assert rows["guangzhou-express-delivery-rank"]["scope"] == "China's first-tier cities"
    land = rows["guangzhou-stock-land-revitalised"]
    assert (land["measure"], land["window_since"], land["window_date"]) == (
        "flow", "视察广东", "2018-10",
    )  # fmt: skip
    assert rows["guangzhou-5g-base-stations"]["measure"] == "stock"
    assert rows["guangzhou-gdp-growth-2020-q1-q3"]["bound"] == "exact"


def _who_asked(store: ox.Store) -> None:
    rows = ask(store, "who-asked-what")
    xi = next(r for r in rows if r["item"].endswith("xi-2018-old-city-new-vitality-directive"))
    assert (xi["kind"], xi["who_zh"], xi["whom_zh"], xi["date"]) == (
        "directive", "习近平", "广州", "2018-10",
    )  # fmt: skip
    li = next(r for r in rows if r["who_zh"] == "李希")
    assert li["item_zh"] == "举全省之力把经济特区办得更好、办得水平更高"
    asks = [r for r in rows if r["kind"] == "request" and r["whom_zh"] == "深圳"]
    assert [int(r["position"]) for r in asks] == [1, 2, 2, 3]


def _ordered_lists(store: ox.Store) -> None:
    rows = ask(store, "ordered-lists")
    areas = [r for r in rows if r["list"] == "CooperationArea"]
    assert [r["item_zh"] for r in areas][0] == "共建粤港澳大湾区国际科技创新中心"
    assert {r["owner_zh"] for r in areas} == {"广州"}
    assert {r["serves_zh"] for r in areas} == {"中国特色社会主义先行示范区"}
    priorities = [r for r in rows if r["list"] == "Priority"]
    assert [int(r["position"]) for r in priorities] == list(range(1, 11))
    assert all(r["aim_en"] for r in priorities)
    assert len([r for r in rows if r["list"] == "ResultArea"]) == 7


def _roles(store: ox.Store) -> None:
    rows = {(r["role"], r["part_zh"], r["whole_zh"]) for r in ask(store, "roles")}
    centre = "粤港澳大湾区综合性国家科学中心"
    assert ("coreCarrierAreaOf", "南沙科学城", centre) in rows
    assert ("pilotStartZoneOf", "光明科学城", centre) in rows
    assert ("poleOf", "中新广州知识城", "科技创新轴") in rows
    assert ("sectionOf", "深茂铁路深圳至江门段", "深茂铁路") in rows
    assert ("editionOf", "首届广州深圳“双城联动”论坛", "广州深圳“双城联动”论坛") in rows
    assert ("member", "香港特别行政区", "广深港科技创新走廊") in rows


def _metrics(store: ox.Store) -> None:
    rows = ask(store, "metrics")
    by_quote = {r["quote"]: r for r in rows}
    stations = next(r for q, r in by_quote.items() if "5G基站3.9万座" in q)
    assert (stations["amount"], stations["unit"]) == ("39000", "count")
    unemployment = next(r for q, r in by_quote.items() if "登记失业率2.53%" in q)
    assert (unemployment["amount"], unemployment["unit"]) == ("2.53", "percent")
    assert len(rows) >= 15


def _about(store: ox.Store) -> None:
    rows = ask(store, "about", entity="nansha-science-city")
    assert {"→", "←"} >= set(column(rows, "direction"))
    assert any("南沙科学城" in r["quote"] for r in rows)
    assert "linkedWith" in column(rows, "property")


def _evidence(store: ox.Store) -> None:
    rows = ask(
        store,
        "evidence",
        subject="baiyun-airport",
        property="https://w3id.org/gba-kg/ontology#linkedWith",
        object="shenzhen-baoan-airport",
    )
    assert column(rows, "quote") == ["促进白云国际空港与深圳宝安国际机场协同发展"]
    text = (ROOT / "data/sources/duite-2020-11-zhang-shuofu-interview.txt").read_text("utf-8")
    assert text[int(rows[0]["start"]) : int(rows[0]["end"])] == rows[0]["quote"]


def _people(store: ox.Store) -> None:
    rows = ask(store, "people-and-posts")
    zhang = {r["post_zh"] for r in rows if r["person_zh"] == "张硕辅"}
    assert {"省委常委", "广州市委书记"} <= zhang


def _events(store: ox.Store) -> None:
    rows = [r for r in ask(store, "events") if r["date"]]
    dates = column(rows, "date")
    assert dates == sorted(dates)
    forum = next(r for r in rows if "双城联动" in r["event_zh"])
    assert (forum["date"], forum["where_zh"]) == ("2020-10-22", "深圳")


def _facts_per_source(store: ox.Store) -> None:
    """The counts, against the same counted triple by triple."""
    (row,) = ask(store, "facts-per-source")
    assert row["source"].endswith("duite-2020-11-zhang-shuofu-interview")

    def iri(prefix: str, name: str) -> ox.NamedNode:
        return ox.NamedNode(prefix + name)

    rdf, gba = "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "https://w3id.org/gba-kg/ontology#"
    source = ox.NamedNode(row["source"])
    passages = {
        q.subject
        for q in store.quads_for_pattern(None, iri("http://www.w3.org/ns/oa#", "hasSource"), source)
        if ox.Quad(q.subject, iri(rdf, "type"), iri(gba, "Evidence"), q.graph_name) in store
    }
    derived = iri("http://www.w3.org/ns/prov#", "wasDerivedFrom")
    things = {q.subject for p in passages for q in store.quads_for_pattern(None, derived, p)}

    def typed(cls: ox.NamedNode) -> int:
        return sum(1 for t in things if next(store.quads_for_pattern(t, iri(rdf, "type"), cls), 0))

    assert int(row["passages"]) == len(passages) > 90
    assert int(row["statements"]) == typed(iri(rdf, "Statement")) > 200
    assert int(row["entities"]) == typed(iri(gba, "Entity")) > 100
    assert int(row["left_out"]) == typed(iri(gba, "Omission")) > 40


def _facts_from_passage(store: ox.Store) -> None:
    rows = ask(store, "facts-from-passage", passage="深中通道")
    assert "深中通道" in column(rows, "subject_zh")


def _facts_from_source(store: ox.Store) -> None:
    rows = ask(store, "facts-from-source", source="duite-2020-11-zhang-shuofu-interview")
    starts = [int(s) for s in column(rows, "start")]
    assert len(rows) >= 200 and starts == sorted(starts)


def _cooperation_areas(store: ox.Store) -> None:
    rows = ask(store, "cooperation-areas")
    assert len(rows) >= 5
    science = next(r for r in rows if "科技创新" in r["area_zh"])
    assert "南沙科学城" in science["things"]


def _airports_and_ports(store: ox.Store) -> None:
    rows = ask(store, "airports-and-ports")
    phase = next(r for r in rows if r["project_zh"] == "白云国际机场三期扩建工程")
    assert (phase["facility_zh"], phase["phase"], phase["status"]) == (
        "白云国际机场", "3", "under construction",
    )  # fmt: skip


def _status(store: ox.Store) -> None:
    rows = ask(store, "status")
    assert {"planned", "under construction", "in service"} <= set(column(rows, "status"))


def _entities_per_class(store: ox.Store) -> None:
    rows = {r["class"]: int(r["entities"]) for r in ask(store, "entities-per-class")}
    assert rows["Metric"] >= 19 and rows["Place"] >= rows["City"] >= 7


def _agreements(store: ox.Store) -> None:
    rows = ask(store, "agreements-and-plans")
    assert any("广州" in r["parties"] and "深圳" in r["parties"] for r in rows)


def _places(store: ox.Store) -> None:
    rows = {r["place_zh"]: r for r in ask(store, "places")}
    assert {"广州", "深圳", "南沙科学城"} <= set(rows)


EXPECTED: dict[str, Callable[[ox.Store], None]] = {
    "about": _about,
    "agreements-and-plans": _agreements,
    "airports-and-ports": _airports_and_ports,
    "co-built": _co_built,
    "commitments-not-delivered": _commitments,
    "cooperation-areas": _cooperation_areas,
    "entities-per-class": _entities_per_class,
    "events": _events,
    "evidence": _evidence,
    "facts-from-passage": _facts_from_passage,
    "facts-from-source": _facts_from_source,
    "facts-per-source": _facts_per_source,
    "figures-with-bounds": _figures,
    "industry-clusters": _clusters,
    "links-of-place": _links_of_place,
    "metrics": _metrics,
    "ordered-lists": _ordered_lists,
    "people-and-posts": _people,
    "places": _places,
    "roles": _roles,
    "science": _science,
    "status": _status,
    "transport-links": _transport,
    "who-asked-what": _who_asked,
}


def test_every_saved_question_has_a_test_and_there_are_at_least_15() -> None:
    assert sorted(SAVED) == sorted(EXPECTED)
    assert len(SAVED) >= 15


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_saved_question_answers(store: ox.Store, name: str) -> None:
    EXPECTED[name](store)


@pytest.mark.parametrize("name", sorted(SAVED))
def test_saved_question_has_titles_description_and_projects_its_params(name: str) -> None:
    question = SAVED[name]
    assert question.titles.keys() >= {"zh", "en"} and question.description
    for param in question.params:
        assert f"?{param.name}" in question.text.split("WHERE", 1)[0], param.name


HOSTILE = ['x" } UNION { ?s ?p ?o } #', "guangzhou> ?p ?o } #", "}", '深中通道"""']


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_parameter_value_matches_nothing(store: ox.Store, value: str) -> None:
    assert ask(store, "facts-from-passage", passage=value) == []


def test_an_id_parameter_must_be_an_id(store: ox.Store) -> None:
    with pytest.raises(kg.QueryError, match="parameter 'place' takes id"):
        run_question(store, SAVED["links-of-place"], {"place": "x> ?p ?o } #"})


def test_an_undeclared_parameter_is_an_error(store: ox.Store) -> None:
    with pytest.raises(kg.QueryError, match="declares no parameter 'city'.*place"):
        run_question(store, SAVED["links-of-place"], {"city": "shenzhen"})


def test_ad_hoc_query_text_runs(store: ox.Store) -> None:
    question = resolve_question("ASK { ?s a <https://w3id.org/gba-kg/ontology#Airport> }")
    assert run_question(store, question).boolean is True


def test_a_syntax_error_is_a_query_error(store: ox.Store) -> None:
    with pytest.raises(kg.QueryError, match="syntax error"):
        run_question(store, resolve_question("SELECT ?x WHERE { ?x"))


@pytest.mark.parametrize("fmt", sorted(RESULT_FORMATS))
def test_result_formats_parse_back_to_the_same_rows(store: ox.Store, fmt: str) -> None:
    answer = run_question(store, SAVED["metrics"])
    data = RESULT_FORMATS[fmt][1](answer)
    if fmt == "csv":  # lossy by design: lexical values only, so read it as CSV
        table = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
        assert table[0] == answer.variables
        assert table[1:] == [[t.value if t else "" for t in row] for row in answer.rows]
        return
    parsed = ox.parse_query_results(data, format=getattr(ox.QueryResultsFormat, fmt.upper()))
    assert isinstance(parsed, ox.QuerySolutions)
    assert [[s[v] for v in answer.variables] for s in parsed] == answer.rows


def test_ask_answers_in_every_format() -> None:
    answer = Answer("ask", boolean=True)
    for _fmt, (_media, write) in RESULT_FORMATS.items():
        assert b"true" in write(answer)


# --- the command ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build")
    kg.build(ROOT / "data", out, formats=["nt"])
    return out


def test_query_list_shows_every_saved_question_with_titles_and_params() -> None:
    result = CliRunner().invoke(main, ["query", "--list"])
    assert result.exit_code == 0
    for name, question in SAVED.items():
        assert f"{name}\n  {question.title('en')}\n  {question.title('zh')}\n" in result.stdout
    assert "  --param place=… (id) " in result.stdout


def test_query_saved_question_as_csv(built: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "query",
            "links-of-place",
            "-p",
            "place=zhongshan",
            "--format",
            "csv",
            "--build",
            str(built),
        ],
    )
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert "深中通道" in [r["link_zh"] for r in rows]


def test_query_table_shows_labels(built: Path) -> None:
    result = CliRunner().invoke(
        main, ["query", "links-of-place", "-p", "place=zhongshan", "--build", str(built)]
    )
    assert result.exit_code == 0, result.stderr
    assert "Zhongshan" in result.stdout and "(gbr:zhongshan)" in result.stdout
    assert "中山" not in result.stdout  # one language per table (--lang en by default)


def test_query_from_a_file_and_construct_as_turtle(built: Path, tmp_path: Path) -> None:
    rq = tmp_path / "q.rq"
    rq.write_text(
        "CONSTRUCT { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } WHERE {\n"
        "  ?s a <https://w3id.org/gba-kg/ontology#Airport> ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?l }\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["query", "-f", str(rq), "--build", str(built)])
    assert result.exit_code == 0, result.stderr
    assert "gbr:baiyun-airport rdfs:label" in result.stdout


def test_query_without_a_built_graph_says_how_to_make_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["query", "metrics", "--build", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"kg query: no built graph in {tmp_path}/ (graph.nt or graph.ttl) — run `kg build` first\n"
    )


def test_query_unknown_saved_name_suggests_the_closest(built: Path) -> None:
    result = CliRunner().invoke(main, ["query", "metrix", "--build", str(built)])
    assert result.exit_code == 2
    assert result.stderr == "kg query: no saved question 'metrix' — did you mean 'metrics'?\n"


def test_query_unknown_saved_name_far_from_any_lists_them(built: Path) -> None:
    result = CliRunner().invoke(main, ["query", "qqqq", "--build", str(built)])
    assert result.exit_code == 2
    assert result.stderr.startswith("kg query: no saved question 'qqqq' — saved questions: about,")


def test_a_saved_question_without_its_parameter_is_an_error_naming_it(built: Path) -> None:
    # unbound, ?place would match every place: every row, silently
    result = CliRunner().invoke(main, ["query", "links-of-place", "--build", str(built)])
    assert result.exit_code == 2
    assert result.stderr == (
        "kg query: 'links-of-place' needs its parameter 'place' "
        "(id: A place's id (e.g. shenzhen)) — give it as place=…\n"
    )
    both = CliRunner().invoke(main, ["query", "co-built", "--build", str(built)])
    assert both.exit_code == 2
    assert "needs the parameters 'city' (id: " in both.stderr
    assert "give each as city=… partner=…" in both.stderr


def test_query_bad_param_syntax_is_a_usage_error(built: Path) -> None:
    result = CliRunner().invoke(main, ["query", "metrics", "-p", "oops", "--build", str(built)])
    assert result.exit_code == 2
    assert "'oops' is not NAME=VALUE" in result.stderr


def test_kg_query_refuses_service_and_opens_no_connection(built: Path) -> None:
    """A query file from someone else must not make the curator's machine send a request."""
    import socket

    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        text = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
        result = CliRunner().invoke(main, ["query", text, "--build", str(built)])
        assert result.exit_code == 2
        assert (
            result.stderr
            == "kg query: 'query' is refused: SERVICE (federated query) is not allowed\n"
        )
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody called


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "FROM / FROM NAMED"),
        ("DROP ALL", "updates are not allowed"),
        ("ASK { ?s " + "!" * 10_000 + "<http://a> ?o }", "nested 10001 deep"),
        ("ASK { ?s ?p " + "[ <http://p> " * 700 + "]" * 700 + " }", "nested 701 deep"),
    ],
)
def test_kg_query_applies_the_endpoints_rules(built: Path, text: str, why: str) -> None:
    result = CliRunner().invoke(main, ["query", text, "--build", str(built)])
    assert result.exit_code == 2
    assert why in result.stderr and "Traceback" not in result.stderr


def test_kg_query_stops_a_query_at_its_timeout(built: Path) -> None:
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    result = CliRunner().invoke(main, ["query", heavy, "--timeout", "1", "--build", str(built)])
    assert result.exit_code == 2
    assert result.stderr.startswith("kg query: 'query' stopped at the 1 s time limit — ")
    quick = CliRunner().invoke(main, ["query", "ASK {}", "--timeout", "5", "--build", str(built)])
    assert quick.exit_code == 0 and quick.stdout == "yes\n"


def test_relative_iris_are_entities(built: Path) -> None:
    result = CliRunner().invoke(
        main, ["query", "ASK { <shenzhen> a gba:City }", "--build", str(built)]
    )
    assert result.exit_code == 0 and result.stdout == "yes\n", result.stderr


def test_common_prefixes_are_declared_and_an_unknown_one_is_named(built: Path) -> None:
    found = CliRunner().invoke(
        main,
        [
            "query",
            "SELECT ?c WHERE { ?c a gba:City ; rdfs:label ?l } LIMIT 1",
            "--build",
            str(built),
        ],
    )
    assert found.exit_code == 0, found.stderr
    unknown = CliRunner().invoke(
        main, ["query", "SELECT ?c WHERE { ?c a foo:City }", "--build", str(built)]
    )
    assert unknown.exit_code == 2
    assert unknown.stderr.count("\n") == 1  # one line, not the parser's grammar
    assert "the prefix 'foo:', which is not declared" in unknown.stderr
    assert "gba:, gbr:" in unknown.stderr


def test_a_table_prints_markup_in_the_data_as_text() -> None:
    label = "[bold red]x[/bold red] [link=https://evil.example]click[/link]"
    answer = Answer("select", ["l"], [[ox.Literal(label)]])
    table = render_table(answer, width=200)
    assert label in table


def _table(built: Path, *args: str) -> str:
    result = CliRunner().invoke(
        main, ["query", *args, "--build", str(built)], env={"COLUMNS": "240"}
    )
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _headers(table: str) -> list[str]:
    line = next(row for row in table.splitlines() if row.startswith("┃"))
    return [cell.strip() for cell in line.strip("┃").split("┃")]


def test_a_table_is_in_one_language_without_repeated_columns(built: Path) -> None:
    # the question projects ?link and its zh label ?link_zh: the table shows ?link once,
    # with its label in the table's language, and the zh labels of the places it also
    # connects (a GROUP_CONCAT) as their en labels
    en = _table(built, "links-of-place", "-p", "place=shenzhen")
    assert _headers(en) == ["place", "link", "also_connects"]
    assert "Guangzhou–Shenzhen–Hong Kong Express Rail Link" in en
    assert "Hong Kong SAR, Guangzhou" in en
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in en)  # no Chinese character at all
    zh = _table(built, "links-of-place", "-p", "place=shenzhen", "--lang", "zh")
    assert _headers(zh) == ["place", "link", "also_connects"]
    assert "广深港高铁" in zh and "Express Rail" not in zh and "香港特别行政区、广州" in zh


def test_of_two_label_columns_a_table_shows_the_one_in_its_language(built: Path) -> None:
    en = _table(built, "people-and-posts")
    assert _headers(en) == ["person", "post", "organization", "as_of"]
    assert "Duite reporter" in en and "读特记者" not in en
    zh = _table(built, "people-and-posts", "--lang", "zh")
    assert _headers(zh) == ["person", "post", "organization", "as_of"]
    assert "读特记者" in zh and "Duite reporter" not in zh


def test_csv_keeps_every_column_in_both_languages(built: Path) -> None:
    out = CliRunner().invoke(
        main,
        [
            "query",
            "links-of-place",
            "-p",
            "place=shenzhen",
            "--format",
            "csv",
            "--build",
            str(built),
        ],
    )
    assert out.stdout.splitlines()[0] == "place,link,link_zh,also_connects"
