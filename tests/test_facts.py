"""Specific facts from across the whole interview, checked on the graph built from data/.

Each fact names its subject and object by their zh label, and its property by YAML key, so a
renamed id still passes but a lost or retargeted fact fails. Every fact must also be an
evidenced statement: an rdf:Statement node with prov:wasDerivedFrom a quote.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import PROV

import kg
from kg.namespaces import KG
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def result() -> kg.Result:
    return kg.check(ROOT / "data")


def _entity(graph: Graph, zh: str) -> URIRef:
    found = [s for s in graph.subjects(RDFS.label, Literal(zh, lang="zh"))]
    assert len(found) == 1, f"{len(found)} entities have the zh label {zh!r}"
    assert isinstance(found[0], URIRef)
    return found[0]


def _prop(result: kg.Result, key: str) -> URIRef:
    return URIRef(result.schema.properties[key].iri)


def _word(result: kg.Result, word: str) -> URIRef:
    """A unit or status term by the word a curator writes (kg:yamlValue)."""
    found = list(result.schema.graph.subjects(KG.yamlValue, Literal(word)))
    assert len(found) == 1, word
    assert isinstance(found[0], URIRef)
    return found[0]


def _evidenced(graph: Graph, s: URIRef, p: URIRef, o: URIRef | Literal) -> bool:
    for st in graph.subjects(RDF.subject, s):
        if (st, RDF.predicate, p) in graph and (st, RDF.object, o) in graph:
            return graph.value(st, PROV.wasDerivedFrom) is not None
    return False


# (subject zh label, YAML key, object zh label), read from the article, area by area.
RELATIONS = [
    # people and posts
    ("张硕辅", "holds-post", "广州市委书记"),
    ("张硕辅", "holds-post", "省委常委"),
    ("省委常委", "post-in", "省委"),
    ("广州市委书记", "post-in", "广州市委"),
    ("习近平", "holds-post", "总书记"),
    ("李希", "holds-post", "书记"),
    ("周斌", "holds-post", "读特记者"),
    ("连博", "holds-post", "见习编辑"),
    ("肃清李嘉、万庆良恶劣影响", "concerns", "李嘉"),
    ("肃清李嘉、万庆良恶劣影响", "concerns", "万庆良"),
    # the article
    (
        "省委常委、广州市委书记张硕辅:建设先行示范区既是深圳也是广州的重大历史机遇",
        "author",
        "古国真",
    ),
    ("省委常委、广州市委书记张硕辅:建设先行示范区既是深圳也是广州的重大历史机遇", "editor", "连博"),
    (
        "省委常委、广州市委书记张硕辅:建设先行示范区既是深圳也是广州的重大历史机遇",
        "publisher",
        "读特",
    ),
    # events
    ("首届广州深圳“双城联动”论坛", "located-in", "深圳"),
    ("首届广州深圳“双城联动”论坛", "organized-by", "广州"),
    ("深圳经济特区建立40周年庆祝大会", "participant", "习近平"),
    ("视察广东", "concerns", "老城市新活力"),
    ("专项合作协议", "signed-at", "首届广州深圳“双城联动”论坛"),
    # area 1: science and technology innovation
    ("鹏城国家实验室广州基地", "branch-of", "鹏城国家实验室"),
    ("鹏城国家实验室广州基地", "located-in", "广州"),
    ("南海海洋科学与工程省实验室(广州)深圳分部", "branch-of", "南海海洋科学与工程省实验室(广州)"),
    ("南海海洋科学与工程省实验室(广州)深圳分部", "located-in", "深圳"),
    ("人工智能与数字经济省实验室", "co-built-by", "深圳"),
    ("南沙科学城", "linked-with", "光明科学城"),
    ("光明科学城", "part-of", "综合性国家科学中心先行启动区"),
    ("技术创新链条", "cooperation-area", "共建粤港澳大湾区国际科技创新中心"),
    # area 2: industry clusters, fairs, finance, digital infrastructure
    ("“广深惠”智能网联汽车产业集群", "co-built-by", "惠州"),
    ("“广深佛莞”智能装备产业集群", "co-built-by", "佛山"),
    ("“广深佛莞”智能装备产业集群", "co-built-by", "东莞"),
    ("深圳证券交易所广州服务基地", "branch-of", "深圳证券交易所"),
    ("融合发展示范区", "co-built-by", "广州"),
    ("高交会", "cooperation-area", "共建世界级产业集群"),
    # area 3: transport
    ("深莞增城际", "connects", "增城"),
    ("深茂铁路深圳至江门段", "connects", "江门"),
    ("深中通道", "connects", "中山"),
    ("南中高速", "connects", "南沙区"),
    ("广深港高铁", "connects", "香港"),
    ("白云国际机场三期扩建工程", "phase-of", "白云国际机场"),
    ("南沙港区四期", "phase-of", "南沙港区"),
    ("白云国际机场", "linked-with", "深圳宝安国际机场"),
    ("优化珠三角空域资源", "located-in", "珠三角"),
    ("广州东部公铁联运枢纽项目", "approved-by", "国务院"),
    # area 4: quality living circle
    ("粤港澳大湾区国际旅游目的地", "cooperation-area", "共建优质生活圈"),
    ("大学科技园共建", "co-built-by", "深圳"),
    ("就医直接结算", "cooperation-area", "共建优质生活圈"),
    # area 5: working mechanism
    ("广州支持深圳建设先行示范区行动方案", "supports", "中国特色社会主义先行示范区"),
    ("广深深化战略合作框架协议", "party", "深圳"),
    ("“双城联动”研究院", "cooperation-area", "完善支持深圳建设先行示范区工作机制"),
    # the three asks
    ("分享、传授改革创新中的先进经验", "requested-of", "深圳"),
    ("分享、传授改革创新中的先进经验", "concerns", "综合改革试点"),
    ("支持光明科学城与南沙科学城加强联动", "concerns", "粤港澳大湾区综合性国家科学中心"),
    ("加强金融领域的合作", "concerns", "广州期货交易所"),
    ("加强金融领域的合作", "proposed-by", "广州"),
    # the ten priorities
    ("加快建设科技创新强市", "proposed-by", "广州"),
    ("人工智能与数字经济试验区", "part-of", "一区三城"),
    ("中新广州知识城", "part-of", "一区三城"),
    ("广州科学城", "priority", "加快建设科技创新强市"),
    ("冷泉生态系统", "priority", "加快建设科技创新强市"),
    ("人类细胞谱系", "priority", "加快建设科技创新强市"),
    ("生物岛", "priority", "加快建设科技创新强市"),
    ("科技创新轴", "concerns", "中新广州知识城"),
    ("国家新一代人工智能创新发展试验区", "priority", "加快构建现代产业体系"),
    ("数字新基建三年行动计划", "priority", "加快构建现代产业体系"),
    ("‘5G+北斗’", "priority", "加快构建现代产业体系"),
    ("广深港科技创新走廊", "located-in", "香港"),
    ("广珠澳科技创新走廊", "located-in", "澳门"),
    ("“湾区通”工程", "priority", "以“双区”建设为重大历史机遇"),
    ("“五乐计划”", "priority", "以“双区”建设为重大历史机遇"),
    ("广州都市圈", "co-built-by", "广州"),
    ("南沙自贸区", "located-in", "南沙区"),
    ("临空经济示范区", "priority", "打造市场化、法治化、国际化一流营商环境"),
    ("南沙进口贸易创新示范区", "priority", "打造市场化、法治化、国际化一流营商环境"),
    ("城市更新九项重点工作", "priority", "以城市更新为突破,显著提升城市能级"),
    ("文化强市战略", "priority", "大力实施文化强市战略"),
    # the two-year results
    ("广佛高质量发展融合试验区", "co-built-by", "佛山"),
    ("国家城乡融合发展试验区广清接合片区", "located-in", "清远"),
    ("韶关", "part-of", "广佛肇清云韶经济圈"),
    ("与港澳规则衔接清单", "concerns", "澳门"),
    ("“1+1+9”工作部署", "party", "省委"),
    ("“1+1+4”工作举措", "party", "广州市委"),
    ("香港科技大学(广州)", "result-area", "广州引领改革开放风气之“先”得到新提振"),
    ("“穗好办”", "result-area", "广州营商环境之“优”取得新突破"),
    ("恩宁路", "located-in", "广州"),
    ("永庆坊二期", "located-in", "永庆坊"),
]

# (subject zh label, status word, as-of)
STATUSES = [
    ("白云国际机场三期扩建工程", "under-construction", "2020-11-23"),
    ("穗莞深城际", "in-service", "2020-11-23"),
    ("广深第二高铁", "planned", "2020-11-23"),
    ("广石铁路", "in-service", "2020-11-23"),
    ("“粤芯”芯片", "in-service", "2020-11-23"),
    ("广州期货交易所", "approved", "2020"),
    ("广佛肇清云韶经济圈发展规划", "in-effect", "2020-11-23"),
    ("南沙科学城科创交流中心", "completed", "2020-11-23"),
]

# (metric zh label, subject zh label, amount, unit word, {date key: value})
METRICS = [
    (
        "广州前三季度GDP增速",
        "广州",
        "1",
        "percent",
        {"period-start": "2020-01", "period-end": "2020-09"},
    ),
    ("广州前三季度固定资产投资增长率", "广州", "6.3", "percent", {"period-end": "2020-09"}),
    ("广州城镇新增就业人数", "广州", "211400", "count", {"period-end": "2020-09"}),
    ("广州登记失业率", "广州", "2.53", "percent", {"period-end": "2020-09"}),
    ("广州病例治愈出院率", "广州", "99.73", "percent", {}),
    ("广州病例治愈出院率一线城市排名", "广州", "1", "rank", {}),
    ("广州建成5G基站数", "广州", "39000", "count", {}),
    ("广州拆除违法建设面积", "广州", "132000000", "square-metre", {}),
    ("广州整治“散乱污”场所数", "广州", "57000", "count", {}),
    ("广州新增公共服务设施数", "广州", "38000", "count", {}),
    ("广州盘活存量用地面积", "广州", "60", "square-kilometre", {}),
    ("广州规上文化企业数(2017年)", "广州", "2148", "count", {"date": "2017"}),
    ("广州规上文化企业数", "广州", "2819", "count", {}),
    ("广州规上文化企业数增长率", "广州", "31.2", "percent", {"period-start": "2017"}),
    ("广州建成新时代文明实践中心(所、站)数", "新时代文明实践中心(所、站)", "2707", "count", {}),
    ("广州新时代文明实践工作全国排名", "新时代文明实践中心(所、站)", "4", "rank", {"date": "2020"}),
    ("广州新时代文明实践工作全省排名", "新时代文明实践中心(所、站)", "1", "rank", {"date": "2020"}),
    ("广州纪检监察机关立案数", "广州", "5981", "count", {"period-start": "2019"}),
    ("广州纪检监察机关立案人数", "广州", "6021", "count", {"period-start": "2019"}),
    ("与港澳规则衔接清单事项数", "与港澳规则衔接清单", "72", "count", {}),
    ("中央赋予深圳改革举措数", "综合改革试点", "27", "count", {}),
    ("中央赋予深圳首批授权事项数", "综合改革试点", "40", "count", {}),
    ("广深重点合作项目类别数", "广深深化战略合作框架协议", "4", "count", {}),
    ("广深重点合作项目数", "广深深化战略合作框架协议", "27", "count", {}),
    ("首届广深“双城联动”论坛签署专项合作协议数", "专项合作协议", "7", "count", {}),
    ("激励干部担当作为措施条数", "激励干部担当作为18条措施", "18", "count", {}),
    ("打造数字经济创新引领型城市措施条数", "打造数字经济创新引领型城市22条", "22", "count", {}),
    ("民营经济措施条数", "民营经济20条", "20", "count", {}),
    ("坚决落实“两个维护”制度机制项数", "坚决落实“两个维护”十二项制度机制意见", "12", "count", {}),
    ("“羊城村官上大学”工程人数", "“羊城村官上大学”工程", "1000", "count", {}),
    ("“穗好办”APP上线服务事项数", "“穗好办”", "1000", "count", {"date": "2020-11"}),
    ("“穗好办”APP实名注册用户量", "“穗好办”", "2500000", "count", {"date": "2020-11"}),
    ("广州跨境电商进口全国排名", "广州", "1", "rank", {}),
    ("广州跨境电商进口居全国第一的连续年数", "广州", "5", "year", {}),
    ("广州快递业务量一线城市排名", "广州", "1", "rank", {}),
    ("广州政务服务指标全国排名", "广州", "1", "rank", {}),
    ("广州改造提升的历史文化街区数", "广州", "6", "count", {}),
    ("广州加快建设的重大科技基础设施数", "广州", "4", "count", {}),
    ("城市更新重点工作项数", "城市更新九项重点工作", "9", "count", {}),
]

# (subject zh label, YAML key, literal text)
VALUES = [
    ("首届广州深圳“双城联动”论坛", "date", "2020-10-22"),
    ("深圳经济特区建立40周年庆祝大会", "date", "2020-10-14"),
    ("广东省、深圳市媒体联合采访", "date", "2020-11-23"),
    ("视察广东", "date", "2018-10"),
    ("白云国际机场三期扩建工程", "phase", "3"),
    ("南沙港区四期", "phase", "4"),
    ("加快建设科技创新强市", "aim", "努力实现更有后劲的发展"),
    ("以“双区”建设为重大历史机遇", "aim", "努力建设一流湾区和世界级城市群"),
]

# Floors for the entities per class (`type:`); raise them as the data grows.
FLOORS = {
    "Metric": 41,
    "Initiative": 57,
    "Zone": 20,
    "City": 13,
    "Person": 9,
    "Organization": 16,
    "Laboratory": 7,
    "Priority": 10,
    "ResultArea": 7,
    "Request": 3,
    "CooperationArea": 5,
    "Event": 8,
    "Railway": 6,
    "Plan": 12,
    "Region": 6,
    "IndustryCluster": 6,
    "ScienceCity": 4,
    "ResearchFacility": 2,
}


@pytest.mark.parametrize(("subject", "key", "obj"), RELATIONS, ids=lambda v: str(v)[:24])
def test_relation(result: kg.Result, subject: str, key: str, obj: str) -> None:
    g = result.graph
    s, p, o = _entity(g, subject), _prop(result, key), _entity(g, obj)
    assert (s, p, o) in g, f"{subject} —{key}→ {obj} is missing"
    assert _evidenced(g, s, p, o), f"{subject} —{key}→ {obj} has no evidenced statement"


@pytest.mark.parametrize(("subject", "status", "as_of"), STATUSES, ids=lambda v: str(v)[:24])
def test_status(result: kg.Result, subject: str, status: str, as_of: str) -> None:
    g = result.graph
    s, p, o = _entity(g, subject), _prop(result, "status"), _word(result, status)
    assert (s, p, o) in g
    as_of_prop = _prop(result, "as-of")
    statements = [
        st
        for st in g.subjects(RDF.subject, s)
        if (st, RDF.predicate, p) in g and (st, RDF.object, o) in g
    ]
    assert [str(g.value(st, as_of_prop)) for st in statements] == [as_of]


@pytest.mark.parametrize(
    ("label", "subject", "amount", "unit", "dates"), METRICS, ids=lambda v: str(v)[:24]
)
def test_metric(
    result: kg.Result, label: str, subject: str, amount: str, unit: str, dates: dict[str, str]
) -> None:
    g = result.graph
    m = _entity(g, label)
    assert g.value(m, _prop(result, "subject")) == _entity(g, subject)
    assert Decimal(str(g.value(m, _prop(result, "amount")))) == Decimal(amount)
    assert g.value(m, _prop(result, "unit")) == _word(result, unit)
    for key, value in dates.items():
        assert str(g.value(m, _prop(result, key))) == value, key


@pytest.mark.parametrize(("subject", "key", "text"), VALUES, ids=lambda v: str(v)[:24])
def test_value(result: kg.Result, subject: str, key: str, text: str) -> None:
    g = result.graph
    s, p = _entity(g, subject), _prop(result, key)
    values = [str(v) for v in g.objects(s, p)]
    assert values == [text]
    assert _evidenced(g, s, p, next(g.objects(s, p)))


def test_the_fact_list_covers_the_whole_article() -> None:
    assert len(RELATIONS) + len(STATUSES) + len(METRICS) + len(VALUES) >= 40
    assert len(METRICS) >= 30


def test_every_priority_result_area_and_request_is_there(result: kg.Result) -> None:
    per_class = result.entities_per_class
    assert per_class["Priority"] == 10
    assert per_class["ResultArea"] == 7
    assert per_class["Request"] == 3
    assert per_class["CooperationArea"] == 5


@pytest.mark.parametrize(("cls", "floor"), sorted(FLOORS.items()))
def test_entities_per_class_stay_above_their_floor(result: kg.Result, cls: str, floor: int) -> None:
    assert result.entities_per_class.get(cls, 0) >= floor


def test_totals_stay_above_their_floors(result: kg.Result) -> None:
    assert sum(result.entities_per_class.values()) >= 255
    assert result.built.statements >= 590
    assert result.quotes_checked >= 220
