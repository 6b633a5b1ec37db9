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
from tests.conftest import ROOT

OA_SELECTOR = URIRef("http://www.w3.org/ns/oa#hasSelector")
OA_EXACT = URIRef("http://www.w3.org/ns/oa#exact")


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


def _word(result: kg.Result, word: str, key: str = "unit") -> URIRef:
    """A vocabulary term (a unit, a status, a modality…) by the word a curator writes
    (kg:yamlValue) under `key` (the same word can name terms of two vocabularies)."""
    prop = result.schema.properties[key]
    found = [
        term
        for cls in prop.range_classes
        for w, term in result.schema.vocabulary.get(cls, {}).items()
        if w == word
    ]
    assert len(found) == 1, word
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
    ("实现老城市新活力和“四个出新出彩”重要指示要求", "concerns", "老城市新活力"),
    ("实现老城市新活力和“四个出新出彩”重要指示要求", "issued-by", "习近平"),
    ("实现老城市新活力和“四个出新出彩”重要指示要求", "addressed-to", "广州"),
    ("实现老城市新活力和“四个出新出彩”重要指示要求", "issued-at", "视察广东"),
    ("举全省之力把经济特区办得更好、办得水平更高", "issued-by", "李希"),
    ("走在全国前列、创造新的辉煌的总定位总目标", "addressed-to", "广东省"),
    ("出席深圳经济特区建立40周年庆祝大会重要讲话", "issued-at", "深圳经济特区建立40周年庆祝大会"),
    ("首届广州深圳“双城联动”论坛", "edition-of", "广州深圳“双城联动”论坛"),
    ("专项合作协议", "signed-at", "首届广州深圳“双城联动”论坛"),
    # area 1: science and technology innovation
    ("鹏城国家实验室广州基地", "branch-of", "鹏城国家实验室"),
    ("鹏城国家实验室广州基地", "located-in", "广州"),
    ("南海海洋科学与工程省实验室(广州)深圳分部", "branch-of", "南海海洋科学与工程省实验室(广州)"),
    ("南海海洋科学与工程省实验室(广州)深圳分部", "located-in", "深圳"),
    ("人工智能与数字经济省实验室", "co-built-by", "深圳"),
    ("光明科学城", "linked-with", "南沙科学城"),  # written once, at one end
    ("南沙科学城", "linked-with", "松山湖科学城"),
    ("光明科学城", "part-of", "综合性国家科学中心先行启动区"),
    ("光明科学城", "pilot-start-zone-of", "粤港澳大湾区综合性国家科学中心"),
    ("南沙科学城", "core-carrier-area-of", "粤港澳大湾区综合性国家科学中心"),
    ("技术创新链条", "cooperation-area", "共建粤港澳大湾区国际科技创新中心"),
    # area 2: industry clusters, fairs, finance, digital infrastructure
    ("“广深惠”智能网联汽车产业集群", "members", "惠州"),
    ("“广深惠”智能网联汽车产业集群", "co-built-by", "深圳"),
    ("“广深佛莞”智能装备产业集群", "members", "佛山"),
    ("“广深佛莞”智能装备产业集群", "members", "东莞"),
    ("汽车", "cooperation-area", "共建世界级产业集群"),
    ("新能源", "part-of-sector", "战略性新兴产业"),
    ("金融", "part-of-sector", "高端专业服务业"),
    ("深圳证券交易所广州服务基地", "branch-of", "深圳证券交易所"),
    ("融合发展示范区", "co-built-by", "广州"),
    ("高交会", "cooperation-area", "共建世界级产业集群"),
    # area 3: transport
    ("深莞增城际", "connects", "增城"),
    ("深茂铁路深圳至江门段", "connects", "江门"),
    ("深茂铁路深圳至江门段", "section-of", "深茂铁路"),
    ("深中通道", "connects", "中山"),
    ("南中高速", "connects", "南沙区"),
    ("广深港高铁", "connects", "香港特别行政区"),
    ("白云国际机场三期扩建工程", "phase-of", "白云国际机场"),
    ("南沙港区四期", "phase-of", "南沙港区"),
    ("白云国际机场", "linked-with", "深圳宝安国际机场"),
    ("优化珠三角空域资源", "located-in", "珠三角"),
    ("广州东部公铁联运枢纽项目", "approved-by", "国务院"),
    ("广州东部公铁联运枢纽项目", "recognized-as", "国家重点建设项目"),
    ("国家重点建设项目", "conferred-by", "国务院"),
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
    ("分享、传授改革创新中的先进经验", "concerns", "中央赋予深圳的27条改革举措"),
    ("支持高新科技企业到广州投资创业发展", "requested-of", "深圳"),
    ("提出广州市需国家、省支持的改革事项", "requested-of", "国家"),
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
    ("中新广州知识城", "pole-of", "科技创新轴"),
    ("南沙科学城", "pole-of", "科技创新轴"),
    ("国家新一代人工智能创新发展试验区", "priority", "加快构建现代产业体系"),
    ("数字新基建三年行动计划", "priority", "加快构建现代产业体系"),
    ("‘5G+北斗’", "priority", "加快构建现代产业体系"),
    ("广深港科技创新走廊", "members", "香港特别行政区"),
    ("广珠澳科技创新走廊", "members", "澳门特别行政区"),
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
    ("广佛肇清云韶经济圈", "members", "韶关"),
    ("与港澳规则衔接清单", "concerns", "澳门特别行政区"),
    ("广州", "recognized-as", "中国快递示范城市"),
    ("永庆坊二期", "recognized-as", "4A级景区"),
    ("新时代文明实践中心(所、站)", "recognized-as", "中央文明办通报表扬"),
    ("中央文明办通报表扬", "conferred-by", "中央文明办"),
    (
        "坚持新发展理念、推动高质量发展作为“十四五”时期经济社会发展必须遵循的原则和主题",
        "issued-at",
        "党的十九届五中全会",
    ),
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
    ("广石铁路", "in-service", "2020-11-23"),  # a Railway whose ends the text does not name
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
    ("中央赋予深圳改革举措数", "中央赋予深圳的27条改革举措", "27", "count", {}),
    ("中央赋予深圳首批授权事项数", "中央赋予深圳的40条首批授权事项", "40", "count", {}),
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
    ("首届广州深圳“双城联动”论坛", "edition", "1"),
    ("加快建设科技创新强市", "position", "1"),
    ("全面加强党的领导和党的建设", "position", "10"),
    ("共建国际综合交通枢纽", "position", "3"),
    ("广州人民幸福生活之“质”实现新改善", "position", "7"),
]

# (subject zh label, zh aim, en aim): aims are given in both languages
AIMS = [
    (
        "加快建设科技创新强市",
        "努力实现更有后劲的发展",
        "To achieve development with more staying power",
    ),
    (
        "以“双区”建设为重大历史机遇",
        "努力建设一流湾区和世界级城市群",
        "To build a first-class bay area and a world-class city cluster",
    ),
]

# (subject zh label, modality word, quote of that statement): promise or delivery
MODALITIES = [
    ("全球科技成果转化中心", "promised", "共建全球科技成果转化中心"),
    ("白云国际机场三期扩建工程", "under-way", "白云国际机场三期扩建开工"),
    ("深圳证券交易所广州服务基地", "delivered", "深圳证券交易所已在广州设立了服务基地"),
    ("呼吸领域国家实验室", "bidding", "以争创呼吸领域国家实验室为引领"),
    ("国家营商环境改革创新试点城市", "bidding", "我们将创建国家营商环境改革创新试点城市"),
    ("“双城联动”研究院", "to-be-established", "依托高水平专家团队成立“双城联动”研究院"),
    ("广州市优化营商环境条例", "delivered", "制定《广州市优化营商环境条例》"),
]

# (metric zh label, bound word or None for exact, ranking scope word or None, kind of measure)
BOUNDS = [
    ("“穗好办”APP实名注册用户量", "more-than", None, "stock"),
    ("广州海关进出口整体通关时间排名", "among-the-top", "large-and-medium-cities", "rank"),
    ("广州“5G+北斗”产业竞争力国际排名", "among-the-top", "international", "rank"),
    ("广州快递业务量一线城市排名", None, "first-tier-cities", "rank"),
    ("广州新时代文明实践工作全省排名", None, "provincial", "rank"),
    ("广州建成5G基站数", None, None, "stock"),
    ("广州拆除违法建设面积", None, None, "flow"),
    ("广州前三季度GDP增速", None, None, "change"),
    ("广州登记失业率", None, None, "ratio"),
    ("激励干部担当作为措施条数", None, None, "list-size"),
]

# (zh label, the class it must have): places as they are, classes that were missing
CLASSES = [
    ("香港特别行政区", "SpecialAdministrativeRegion"),
    ("澳门特别行政区", "SpecialAdministrativeRegion"),
    ("广石铁路", "Railway"),
    ("广州市优化营商环境条例", "Regulation"),
    ("‘5G+北斗’", "IndustryChain"),
    ("生物医药", "Sector"),
    ("战略性新兴产业", "Sector"),
    ("4A级景区", "Recognition"),
    ("举全省之力把经济特区办得更好、办得水平更高", "Directive"),
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
    "Request": 5,
    "Directive": 5,
    "Recognition": 4,
    "Sector": 12,
    "IndustryChain": 4,
    "SpecialAdministrativeRegion": 2,
    "CooperationArea": 5,
    "Event": 8,
    "Railway": 6,
    "Plan": 12,
    "Region": 6,
    "IndustryCluster": 2,
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
    s, p, o = _entity(g, subject), _prop(result, "status"), _word(result, status, "status")
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


@pytest.mark.parametrize(("subject", "zh", "en"), AIMS, ids=lambda v: str(v)[:24])
def test_aim_in_both_languages(result: kg.Result, subject: str, zh: str, en: str) -> None:
    g = result.graph
    aims = set(g.objects(_entity(g, subject), _prop(result, "aim")))
    assert aims == {Literal(zh, lang="zh"), Literal(en, lang="en")}


@pytest.mark.parametrize(("subject", "word", "quote"), MODALITIES, ids=lambda v: str(v)[:24])
def test_modality(result: kg.Result, subject: str, word: str, quote: str) -> None:
    """What the text says of an undertaking: promised, under way, delivered, bidding for, to
    be established; the statement rests on the words that say so."""
    g = result.graph
    s, p, o = _entity(g, subject), _prop(result, "modality"), _word(result, word, "modality")
    assert (s, p, o) in g
    quotes = {
        str(g.value(sel, OA_EXACT))
        for st in g.subjects(RDF.subject, s)
        if (st, RDF.predicate, p) in g and (st, RDF.object, o) in g
        for ev in g.objects(st, PROV.wasDerivedFrom)
        for sel in g.objects(ev, OA_SELECTOR)
        if g.value(sel, OA_EXACT) is not None
    }
    assert quote in quotes


@pytest.mark.parametrize(("label", "bound", "scope", "measure"), BOUNDS, ids=lambda v: str(v)[:24])
def test_figure_as_the_text_states_it(
    result: kg.Result, label: str, bound: str | None, scope: str | None, measure: str
) -> None:
    g = result.graph
    m = _entity(g, label)
    found = g.value(m, _prop(result, "bound"))
    assert found == (_word(result, bound, "bound") if bound else None)
    if bound == "among-the-top":
        assert g.value(m, _prop(result, "amount")) is None  # 前列 gives no number
    found = g.value(m, _prop(result, "ranking-scope"))
    assert found == (_word(result, scope, "ranking-scope") if scope else None)
    assert g.value(m, _prop(result, "measure")) == _word(result, measure, "measure")


def test_a_flow_of_the_two_year_results_runs_from_the_2018_inspection(result: kg.Result) -> None:
    g = result.graph
    m = _entity(g, "广州盘活存量用地面积")
    event = g.value(m, _prop(result, "window-since"))
    assert event == _entity(g, "视察广东")
    assert str(g.value(event, _prop(result, "date"))) == "2018-10"


@pytest.mark.parametrize(("label", "cls"), CLASSES, ids=lambda v: str(v)[:24])
def test_class(result: kg.Result, label: str, cls: str) -> None:
    g = result.graph
    assert (_entity(g, label), RDF.type, result.schema.types[cls].iri) in g
    if cls == "SpecialAdministrativeRegion":
        assert (_entity(g, label), RDF.type, result.schema.types["Province"].iri) not in g


def test_cities_only_named_in_a_cluster_do_not_co_build_it(result: kg.Result) -> None:
    g = result.graph
    cluster = _entity(g, "“广深佛莞”智能装备产业集群")
    builders = set(g.objects(cluster, _prop(result, "co-built-by")))
    assert builders == {_entity(g, "广州"), _entity(g, "深圳")}


def test_a_symmetric_fact_is_one_statement(result: kg.Result) -> None:
    """`linked-with` between the airports is written once: one statement node, and the
    triple in both directions."""
    g = result.graph
    a, b = _entity(g, "白云国际机场"), _entity(g, "深圳宝安国际机场")
    p = _prop(result, "linked-with")
    assert (a, p, b) in g and (b, p, a) in g
    nodes = [
        st
        for st in g.subjects(RDF.predicate, p)
        if {g.value(st, RDF.subject), g.value(st, RDF.object)} == {a, b}
    ]
    assert len(nodes) == 1


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
    assert per_class["Request"] == 5  # the three points hold five asks
    assert per_class["CooperationArea"] == 5


@pytest.mark.parametrize(("cls", "floor"), sorted(FLOORS.items()))
def test_entities_per_class_stay_above_their_floor(result: kg.Result, cls: str, floor: int) -> None:
    assert result.entities_per_class.get(cls, 0) >= floor


def test_totals_stay_above_their_floors(result: kg.Result) -> None:
    assert sum(result.entities_per_class.values()) >= 255
    assert result.built.statements >= 590
    assert result.quotes_checked >= 220
