"""Source coverage: sentences, sections, the end of the article, and the page (escaped,
offline, deterministic, with the per-section numbers)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import kg
from kg.cli import main
from kg.namespaces import GBA
from kg.pipeline.checked import CheckedEntity
from kg.pipeline.load import load_facts
from kg.pipeline.ontology import read_schema
from kg.pipeline.quotes import QuoteMatch, read_sources
from kg.pipeline.validate import Checked, check_facts
from kg.review.coverage import (
    MIN_CHARS,
    article_end,
    quoted_counts,
    quoted_coverage,
    render_coverage,
    section_starts,
    split_sentences,
    summary_line,
)
from tests.conftest import MINI, ROOT

MINI_TEXT = (MINI / "sources" / "mini-source.txt").read_text(encoding="utf-8")
PARAGRAPH = next(line for line in MINI_TEXT.splitlines() if line.startswith("三是"))

# the mini source, recut into an intro, a question with its numbered answer, and a second
# question; the furniture after the source line quotes nothing the article counts
SECTIONED = f"""\
省委常委、广州市委书记张硕辅:建设先行示范区既是深圳也是广州的重大历史机遇

广州将从哪几个方面支持深圳?张硕辅作了如下介绍:

{PARAGRAPH}

两年来工作成效如何?

一是交通枢纽建设成效显著。
二是<b>城市</b>品质 & 品牌提升明显。

来源:读特

广告等商务合作,请点击这里
"""


def test_the_article_ends_at_the_source_line() -> None:
    assert MINI_TEXT[article_end(MINI_TEXT) :].startswith("来源:读特")
    assert article_end("没有来源行的文本。") == len("没有来源行的文本。")
    text = "正文(来源:某报)继续。\n来源:读特 查看原文\n广告"
    assert text[article_end(text) :].startswith("来源:读特")  # only at the start of a line


def test_sentences_end_at_end_marks_and_line_breaks_and_keep_closing_quotes() -> None:
    text = "他说:“我们要前进。”大家鼓掌!真的吗?是的;好\n标题行"
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "他说:“我们要前进。”",
        "大家鼓掌!",
        "真的吗?",
        "是的;",
        "好",
        "标题行",
    ]


def test_sentences_end_at_full_width_marks_too() -> None:
    # full-width ！？； (U+FF01, U+FF1F, U+FF1B) as a source written with them has them,
    # and a full-width closing bracket （U+FF09） stays with its sentence
    text = "大家鼓掌！真的吗？是的；（好。）再见"
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "大家鼓掌！",
        "真的吗？",
        "是的；",
        "（好。）",
        "再见",
    ]


def test_the_article_ends_at_a_source_line_with_a_full_width_colon() -> None:
    text = "正文。\n来源：读特 查看原文\n广告"
    assert text[article_end(text) :].startswith("来源：读特")


def test_a_full_width_question_mark_opens_a_section() -> None:
    text = "标题\n\n导语。\n\n成效如何？\n\n一是甲。\n"
    starts = section_starts(text, len(text))
    assert [text[a : a + 5] for a, _ in starts] == ["标题\n\n导", "成效如何？"]


def test_sections_open_at_questions_and_list_announcements() -> None:
    text = (
        "标题\n\n导语。\n\n重点从五个方面支持:\n\n一是甲。\n\n二是乙。\n\n"
        "希望提供什么服务?三方面介绍:\n\n一是丙。\n\n成效如何?\n\n那么十个方面是:\n\n一是丁。\n"
    )
    starts = section_starts(text, len(text))
    assert [(text[a : a + 6], n) for a, n in starts] == [
        ("标题\n\n导语", 0),
        ("重点从五个方", 2),
        ("希望提供什么", 1),
        ("成效如何?\n", 1),  # the announcement right after the question does not open one
    ]


def _sectioned(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(MINI, data)
    (data / "sources" / "mini-source.txt").write_text(SECTIONED, encoding="utf-8")
    return data


LEFT_OUT = """\
source: mini-source
entities:
  - id: left-out-title-byline
    type: LeftOut
    quote: "省委常委、广州市委书记张硕辅:"
    reason: framing
  - id: left-out-question
    type: LeftOut
    quote: "两年来工作成效如何?"
    reason: question
"""


def test_per_section_numbers(tmp_path: Path) -> None:
    """A sentence counts only when every letter of it is quoted by a fact or left out with
    a reason: a quote that merely touches it does not count it."""
    data = _sectioned(tmp_path)
    found = kg.coverage(kg.check(data))
    (source,) = found.sources
    rows = [(s.name_zh, s.name_en, s.sentences, s.covered) for s in source.sections]
    assert rows == [
        ("导语", "Intro", 1, 0),  # the title: the source document quotes only its second half
        ("一个方面", "1 point", 7, 0),  # the question, its lead-in, the 三是 paragraph's five
        ("两个方面", "2 points", 3, 0),  # a question and two numbered results
    ]
    title = source.sentences[0]
    assert (title.letters, title.quoted, title.left_out, title.open) == (35, 22, 0, 13)
    assert f"{title.share:.3f}" == "0.629"
    assert (found.substantive, found.covered) == (11, 0)
    assert found.summary_line() == "0 of 11 substantive sentences accounted for (0.0%)"
    assert all(s.covered_chars <= s.chars for s in source.sections)
    assert MIN_CHARS == 8

    (data / "left-out.yaml").write_text(LEFT_OUT, encoding="utf-8")
    found = kg.coverage(kg.check(data))
    (source,) = found.sources
    rows = [(s.name_zh, s.sentences, s.covered) for s in source.sections]
    assert rows == [("导语", 1, 1), ("一个方面", 7, 0), ("两个方面", 3, 1)]
    title, question = source.sentences[0], source.sentences[-3]
    assert (title.quoted, title.left_out, title.open, title.reasons) == (22, 13, 0, ("framing",))
    assert (question.text, question.covered, question.reasons) == (
        "两年来工作成效如何?", True, ("question",),
    )  # fmt: skip
    left = [p for p in source.passages if p.is_left_out]
    assert [(p.exact, p.reasons) for p in left] == [
        ("省委常委、广州市委书记张硕辅:", ("framing",)),
        ("两年来工作成效如何?", ("question",)),
    ]
    assert found.as_dict()["sources"][0]["left_out"][1]["reasons"] == ["question"]


def test_the_page_is_escaped_offline_and_deterministic(tmp_path: Path) -> None:
    data = _sectioned(tmp_path)
    entities = data / "entities.yaml"
    entities.write_text(
        entities.read_text(encoding="utf-8").replace(
            "en: Guangzhou}", 'en: "Guangzhou <script>alert(1)</script>"}'
        ),
        encoding="utf-8",
    )
    result = kg.check(data)
    html = render_coverage(kg.coverage(result))
    assert html == render_coverage(kg.coverage(kg.check(data)))
    assert "<script" not in html
    assert "Guangzhou &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "二是&lt;b&gt;城市&lt;/b&gt;品质 &amp; 品牌" in html  # source text is text too
    assert "Content-Security-Policy" in html
    for needle in ("<link", "src=", "http://", "https://", "@import", "url("):
        assert needle not in html, needle
    # every highlight links to a passage that is listed, and every passage has an anchor
    targets = set(re.findall(r'href="#p-([^"]+)"', html))
    listed = set(re.findall(r'<li id="p-([^"]+)"', html))
    anchors = set(re.findall(r'<span id="at-([^"]+)"></span>', html))
    assert targets and targets <= listed
    assert listed == anchors
    # the per-section table shows the numbers
    assert re.search(r"一个方面 · 1 point</a></td><td>7</td>\s*<td>0</td><td>0.0%</td>", html)


def test_kg_coverage_writes_the_page_and_prints_the_sections(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["coverage", "data", "--out", "out/coverage.html"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "mini-source: 0 of 6 substantive sentences accounted for (0.0%); facts quote 87 of "
        "their 255 letters (34.1%)"
    )
    assert "  sentences not accounted for:" in lines
    assert any(
        line.startswith("  OPEN  62.9% quoted,  13 letters open  省委常委") for line in lines
    ), lines
    assert lines[-1].startswith("wrote out/coverage.html (")
    (Path("data") / "left-out.yaml").write_text(
        LEFT_OUT.replace("两年来工作成效如何?", "省委常委、广州市委书记张硕辅:建设先行示范区"),
        encoding="utf-8",
    )
    again = CliRunner().invoke(main, ["coverage", "data", "--out", "out/x.html", "--sentences"])
    assert again.exit_code == 0, again.output
    assert any(
        line.startswith("  ok   ") and "left out: framing" in line
        for line in again.stdout.splitlines()
    )
    assert "  passages left out, by reason: framing 1, question 1" in again.stdout.splitlines()
    (Path("data") / "left-out.yaml").unlink()
    first = Path("out/coverage.html").read_bytes()
    assert (
        CliRunner().invoke(main, ["coverage", "data", "--out", "out/coverage.html"]).exit_code == 0
    )
    assert Path("out/coverage.html").read_bytes() == first


def test_the_real_article_has_its_five_parts() -> None:
    found = kg.coverage(kg.check(ROOT / "data"))
    (source,) = found.sources
    assert [s.name_zh for s in source.sections] == [
        "导语",
        "五个方面",
        "三个方面",
        "十个方面",
        "七个方面",
    ]
    assert sum(s.sentences for s in source.sections) == found.substantive
    assert sum(s.covered for s in source.sections) == found.covered
    assert found.covered == found.substantive  # every sentence accounted for
    assert found.quoted_share > 0.8  # and most of its letters are quoted by facts
    assert "热门评论" not in " ".join(s.text for s in source.sentences)  # furniture not counted


def _checked(data: Path) -> Checked:
    """The checked facts of `data`, as the pipeline's step 2 gives them."""
    return check_facts(load_facts(data), read_schema(), read_sources(data / "sources"))


@pytest.mark.parametrize("data", [ROOT / "data", MINI], ids=["data", "mini"])
def test_the_build_line_from_the_quotes_equals_the_page_from_the_graph(data: Path) -> None:
    result = kg.check(data)
    checked = _checked(data)
    texts = {k: s.text for k, s in checked.sources.items()}
    facts = [e for e in checked.entities if GBA.Omission not in e.cls.ancestors]
    left = [e for e in checked.entities if GBA.Omission in e.cls.ancestors]

    def quotes_of(entities: list[CheckedEntity]) -> list[QuoteMatch]:
        return [m for e in entities for m in e.evidence] + [
            m for e in entities for st in e.statements for m in st.evidence
        ]

    fast = quoted_coverage(texts, quotes_of(facts), quotes_of(left))
    page = kg.coverage(result)

    def without_reasons(found: dict[str, Any]) -> dict[str, Any]:
        for source in found["sources"]:
            for passage in source["left_out"]:
                passage.pop("reasons")
        return found

    assert without_reasons(fast.as_dict()) == without_reasons(page.as_dict())
    assert fast.summary_line() == page.summary_line()
    assert [len(s.passages) for s in fast.sources] == [len(s.passages) for s in page.sources]


def test_counts_kept_from_the_last_build_are_used_only_while_they_hold() -> None:
    checked = _checked(ROOT / "data")
    texts = {k: s.text for k, s in checked.sources.items()}
    quotes = [m for e in checked.entities for m in e.evidence]
    whole = quoted_coverage(texts, quotes)
    covered, substantive, counts = quoted_counts(texts, quotes)
    assert (covered, substantive) == (whole.covered, whole.substantive)
    assert summary_line(covered, substantive) == whole.summary_line()
    (source, (digest, _, _)), *_ = counts.items()
    kept = {source: (digest, 1, 2)}  # what the last build knew of the same passages
    assert quoted_counts(texts, quotes, kept)[:2] == (
        covered - counts[source][1] + 1,
        substantive - counts[source][2] + 2,
    )
    fewer = [m for m in quotes if m != quotes[0]]  # one passage less: measured again
    stale = {quotes[0].source: (counts[quotes[0].source][0], 1, 2)}
    again = quoted_coverage(texts, fewer)
    assert quoted_counts(texts, fewer, stale)[:2] == (again.covered, again.substantive)
