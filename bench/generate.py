"""A deterministic generator of synthetic curated data in the project's real fact format.

`generate(target, entities)` writes `entities` entities (rounded up to whole files of
`PER_FILE`) into `target`: YAML files of 100 entities each, ten files to a group folder, each
group quoting its own generated source text `sources/synthetic-source-GGGG.txt`, which has a
`SourceDocument` entity (in the group's first file). Every class the real data uses appears
in every file; labels are zh and en and distinct (no look-alike warnings); references run
within a file and to the previous file (part-of and branch-of only backwards, so no cycles);
metrics have subject, amount, unit and a date or period; some statements carry their own
quote and qualifiers, some cite named quotes. Every quote is a sentence or a part of one in
the group's source text, so the data passes `kg check`.

Run on its own: `python bench/generate.py OUT_DIR --entities 1000`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

PER_FILE = 100
FILES_PER_SOURCE = 10

# (yaml type, zh name, en name, slots per file): 99 slots, the 100th is the group's
# SourceDocument in its first file and one more Initiative elsewhere.
CLASSES: list[tuple[str, str, str, int]] = [
    ("CooperationArea", "合作领域", "Cooperation Area", 1),
    ("ResultArea", "成效领域", "Result Area", 1),
    ("Province", "省份", "Province", 1),
    ("Region", "区域", "Region", 2),
    ("City", "城市", "City", 3),
    ("District", "城区", "District", 2),
    ("Zone", "功能区", "Zone", 6),
    ("ScienceCity", "科学城", "Science City", 2),
    ("Organization", "机构", "Organisation", 8),
    ("Post", "职务", "Post", 3),
    ("Person", "人物", "Person", 4),
    ("Priority", "重点工作", "Priority", 2),
    ("Request", "诉求", "Request", 1),
    ("Airport", "机场", "Airport", 1),
    ("Port", "港口", "Port", 1),
    ("Initiative", "合作举措", "Initiative", 20),
    ("Metric", "指标", "Metric", 16),
    ("Plan", "规划", "Plan", 5),
    ("Event", "会议", "Event", 4),
    ("Agreement", "协议", "Agreement", 1),
    ("Project", "项目", "Project", 4),
    ("Laboratory", "实验室", "Laboratory", 3),
    ("IndustryCluster", "产业集群", "Industry Cluster", 2),
    ("Railway", "铁路", "Railway", 3),
    ("Road", "公路", "Road", 1),
    ("BridgeTunnel", "通道", "Bridge-Tunnel Link", 1),
    ("ResearchFacility", "科技设施", "Research Facility", 1),
]
assert sum(c[3] for c in CLASSES) == PER_FILE - 1

_DIGITS = "〇一二三四五六七八九"
_UNITS = [
    ("percent", "%"),
    ("count", "个"),
    ("square-metre", "平方米"),
    ("square-kilometre", "平方公里"),
]
_STATUS = [
    ("planned", "规划建设"),
    ("under-construction", "开工建设"),
    ("in-service", "建成投用"),
    ("approved", "获批设立"),
    ("completed", "全面完成"),
]


def _cn(n: int) -> str:
    """A number in Chinese digits, one by one (1203 → 一二〇三)."""
    return "".join(_DIGITS[int(d)] for d in str(n))


def _slug(yaml_type: str) -> str:
    return "".join("-" + c.lower() if c.isupper() else c for c in yaml_type).lstrip("-")


def _flow(value: object) -> str:
    """A YAML flow value (JSON is YAML); text stays readable (no \\u escapes)."""
    return json.dumps(value, ensure_ascii=False)


class _Block:
    """One file: 100 entities, their sentences in the group's source text."""

    def __init__(self, number: int, sentences: list[str]) -> None:
        self.b = number
        self.sentences = sentences
        self.source = f"synthetic-source-{number // FILES_PER_SOURCE:04d}"
        self.ids: dict[str, list[str]] = {}
        self.zh: dict[str, str] = {}
        self.entities: list[list[tuple[str, object]]] = []
        self.slot = 0

    def ref(self, yaml_type: str, k: int, previous: bool = False) -> str:
        """The id of the k-th entity of a class in this file (or the previous one)."""
        b = self.b - 1 if previous and self.b > 0 else self.b
        return f"{_slug(yaml_type)}-{b:04d}-{k}"

    def quote(self, text: str) -> str:
        """Put `text` in the source text as a sentence of its own; return it as a quote."""
        self.sentences.append(text + "。")
        return text

    def add(self, yaml_type: str, k: int, zh_name: str, en_name: str) -> list[tuple[str, object]]:
        n = self.b * PER_FILE + self.slot
        self.slot += 1
        ident = self.ref(yaml_type, k)
        zh = f"样例{zh_name}{_cn(n)}号"
        self.zh[ident] = zh
        entity: list[tuple[str, object]] = [
            ("id", ident),
            ("type", yaml_type),
            ("label", {"zh": zh, "en": f"Sample {en_name} No. {n}"}),
        ]
        self.entities.append(entity)
        return entity


def _entity_sentence(block: _Block, entity: list[tuple[str, object]], verb: str) -> str:
    return block.quote(f"{block.zh[str(entity[0][1])]}{verb}")


def _fill(block: _Block, yaml_type: str, k: int, e: list[tuple[str, object]]) -> None:
    """The keys of one entity, by class; `e` already has id, type and label."""
    b, ref = block.b, block.ref
    zh = block.zh[str(e[0][1])]
    area = f"q-{b:04d}-area"
    results = f"q-{b:04d}-results"
    prio = {"value": ref("Priority", k % 2), "cite": area}
    coop = {"value": ref("CooperationArea", 0), "cite": area}
    result_area = {"value": ref("ResultArea", 0), "cite": results}
    status_word, status_zh = _STATUS[(b + k) % len(_STATUS)]

    def status(word: str = status_word, text: str = status_zh) -> dict[str, object]:
        return {
            "value": word,
            "quote": block.quote(f"{zh}已{text}"),
            "as-of": f"{2015 + b % 10}-{k % 12 + 1:02d}",
        }

    e.append(("quote", _entity_sentence(block, e, "持续推进")))
    match yaml_type:
        case "Province":
            e.append(("alt", {"zh": [f"{zh}简称"], "en": [f"Sample Province {b}-{k} (short)"]}))
        case "Region":
            e += [("located-in", ref("Province", 0)), ("priority", prio)]
        case "City":
            e += [("part-of", ref("Province", 0)), ("supports", ref("City", (k + 1) % 3))]
            e.append(("alt", {"zh": [f"{zh}市区"]}))
            if k == 0:
                e.append(("linked-with", ref("City", 2, previous=True) if b else ref("City", 2)))
        case "District":
            e.append(("part-of", ref("City", k)))
        case "Zone":
            e += [("located-in", ref("City", k % 3)), ("part-of", ref("Region", k % 2))]
            e += [("priority", prio), ("cooperation-area", coop)]
            if k % 3 == 0:
                e.append(("status", status("approved", "获批设立")))
        case "ScienceCity":
            e += [("located-in", ref("District", k)), ("part-of", ref("Zone", k))]
            if k == 0:
                e.append(
                    (
                        "linked-with",
                        {
                            "value": ref("ScienceCity", 1),
                            "quote": block.quote(f"{zh}与兄弟科学城联动发展"),
                        },
                    )
                )
        case "Organization":
            e += [("located-in", ref("City", k % 3)), ("cooperation-area", coop)]
            if k % 2:
                e.append(("branch-of", ref("Organization", k - 1)))
        case "Post":
            e.append(("post-in", ref("Organization", k)))
        case "Person":
            e.append(
                (
                    "holds-post",
                    {
                        "value": ref("Post", k % 3),
                        "quote": block.quote(f"{zh}担任要职"),
                        "since": f"{2010 + k}-0{k + 1}",
                    },
                )
            )
        case "Priority":
            aim = {"zh": f"第{_cn(b)}组第{_cn(k)}项重点工作目标", "en": f"Aim of priority {b}-{k}"}
            e += [("proposed-by", ref("City", 0)), ("aim", aim)]
        case "Request":
            e += [("proposed-by", ref("City", 0)), ("requested-of", ref("City", 1))]
            e.append(("concerns", [ref("Initiative", 0), ref("Initiative", 1)]))
        case "Airport":
            if b:
                e.append(("linked-with", ref("Airport", 0, previous=True)))
        case "Port":
            e.append(("located-in", ref("City", 2)))
        case "Initiative":
            e += [("located-in", ref("City", k % 3) if k % 2 else ref("Zone", k % 6))]
            partners = [ref("City", 0), ref("City", 1)]
            if b:
                partners.append(ref("City", 2, previous=True))
            e += [("co-built-by", partners), ("cooperation-area", coop), ("priority", prio)]
            e.append(("result-area", result_area))
            if k % 5 == 0:
                e.append(("approved-by", ref("Organization", 0)))
        case "Metric":
            unit, unit_zh = _UNITS[k % len(_UNITS)]
            amount = (
                f"{(b * 37 + k * 11) % 900 + 10}.{k % 10}"
                if unit == "percent"
                else str(b * 100 + k * 7 + 3)
            )
            e[-1] = ("quote", block.quote(f"{zh}达到{amount}{unit_zh}"))
            subject = ref("Initiative", k) if k < 20 else ref("Zone", k % 6)
            e += [
                ("subject", subject),
                ("amount", amount),
                ("unit", unit),
                ("result-area", result_area),
            ]
            if k % 2:  # a stock at a date, or a flow over a period
                e.append(("date", f"{2016 + b % 8}-{k % 12 + 1:02d}-{k + 1:02d}"))
                e.append(("measure", "stock"))
            else:
                e += [("period-start", f"{2016 + b % 4}"), ("period-end", f"{2020 + b % 4}")]
                e.append(("measure", "flow"))
        case "Plan":
            e += [("party", [ref("City", 0), ref("Organization", k)]), ("result-area", result_area)]
            e += [("concerns", ref("Initiative", k)), ("status", status("in-effect", "正式施行"))]
        case "Event":
            e += [("date", f"{2018 + b % 5}-{k + 1:02d}-1{k}"), ("located-in", ref("City", k % 3))]
            e += [
                ("organized-by", ref("Organization", k)),
                ("participant", [ref("Person", k), ref("City", 1)]),
            ]
        case "Agreement":
            e += [("party", [ref("City", 0), ref("City", 1)]), ("signed-at", ref("Event", 0))]
        case "Project":
            e += [
                ("phase", str(k + 1)),
                ("phase-of", ref("Airport", 0) if k % 2 else ref("Port", 0)),
            ]
            e += [("located-in", ref("City", k % 3)), ("status", status())]
        case "Laboratory":
            e += [("co-built-by", [ref("City", 0)]), ("located-in", ref("District", k % 2))]
            if k:
                e.append(("branch-of", ref("Laboratory", 0)))
        case "IndustryCluster":
            e.append(("co-built-by", [ref("City", 0), ref("City", 1), ref("City", 2)]))
        case "Railway":
            e += [
                ("connects", [ref("City", 0), ref("City", 1), ref("City", 2)]),
                ("status", status("in-service", "建成通车")),
            ]
        case "Road":
            e += [("connects", [ref("City", 0), ref("District", 0)]), ("status", status())]
        case "BridgeTunnel":
            e += [("connects", [ref("City", 1), ref("Zone", 0)]), ("status", status())]
        case "ResearchFacility":
            e.append(("status", status("planned", "规划建设")))


def _block(b: int, sentences: list[str]) -> tuple[str, _Block]:
    block = _Block(b, sentences)
    area = block.quote(f"第{_cn(b)}组合作举措涵盖多个领域")
    results = block.quote(f"第{_cn(b)}组取得多项成效")
    for yaml_type, zh_name, en_name, count in CLASSES:
        for k in range(count):
            e = block.add(yaml_type, k, zh_name, en_name)
            _fill(block, yaml_type, k, e)
    if b % FILES_PER_SOURCE == 0:
        title = f"样例政策文件第{_cn(b // FILES_PER_SOURCE)}号"
        e = block.add("SourceDocument", 0, "来源文献", "Source Document")
        e[0] = ("id", block.source)
        e[2] = ("label", {"zh": title, "en": f"Sample policy document No. {b // FILES_PER_SOURCE}"})
        sentences.insert(0, title)  # the title is the first line of the text
        e += [("quote", title), ("publisher", block.ref("Organization", 0))]
        e.append(
            (
                "date",
                {
                    "value": f"{2016 + b % 8}-06-01",
                    "quote": block.quote(f"本文件于{2016 + b % 8}年6月1日印发"),
                },
            )
        )
    else:
        e = block.add("Initiative", 20, "合作举措", "Initiative")
        _fill(block, "Initiative", 20, e)
    lines = [
        f"# Synthetic block {b}: generated by bench/generate.py, do not edit.",
        f"source: {block.source}",
        "",
        "quotes:",
        f"  q-{b:04d}-area: {_flow(area)}",
        f"  q-{b:04d}-results: {_flow(results)}",
        "",
        "entities:",
    ]
    for entity in block.entities:
        first = True
        for key, value in entity:
            lines.append(f"{'  - ' if first else '    '}{key}: {_flow(value)}")
            first = False
        lines.append("")
    return "\n".join(lines), block


def blocks(entities: int) -> Iterator[int]:
    return iter(range(-(-entities // PER_FILE)))


def generate(target: Path, entities: int) -> list[Path]:
    """Write the synthetic data set into `target` (which must not hold other data)."""
    (target / "sources").mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    sentences: list[str] = []
    numbers = list(blocks(entities))
    for b in numbers:
        group = target / f"group-{b // FILES_PER_SOURCE:04d}"
        group.mkdir(exist_ok=True)
        text, block = _block(b, sentences)
        path = group / f"block-{b:04d}.yaml"
        path.write_text(text, encoding="utf-8")
        written.append(path)
        if b % FILES_PER_SOURCE == FILES_PER_SOURCE - 1 or b == numbers[-1]:
            title, body = sentences[0], sentences[1:]
            paragraphs = [title] + ["".join(body[i : i + 6]) for i in range(0, len(body), 6)]
            (target / "sources" / f"{block.source}.txt").write_text(
                "\n".join(paragraphs) + "\n", encoding="utf-8"
            )
            sentences.clear()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--entities", type=int, default=1000)
    args = parser.parse_args()
    files = generate(args.out_dir, args.entities)
    print(f"wrote {len(files)} files into {args.out_dir}")


if __name__ == "__main__":
    main()
