"""Source coverage: which parts of each source text the curated facts quote, and which not.

The rules, applied to every source text (`data/sources/ID.txt`):

- **Where the article ends.** The article ends at the first line that starts with `来源` and
  a colon, ASCII or full-width (U+FF1A) (`END_MARKER`), the republisher's credit line
  ("来源:读特 查看原文"). That line and everything after it (ads, app prompts, comments) is
  page furniture: shown greyed, never counted. A text with no such line is all article.
- **Sentences.** The article is split after the ideographic full stop (U+3002), after the
  full-width exclamation mark, question mark and semicolon (U+FF01, U+FF1F, U+FF1B) and their
  ASCII forms, and at line breaks; closing quotation marks and brackets right after an end
  mark stay with their sentence.
- **Substantive sentences** have at least `MIN_CHARS` letters or digits (punctuation and
  spaces are not counted); shorter ones (a byline, a short caption) are shown but not counted.
- **Accounted for.** Each letter or digit of a sentence is *quoted* when a quote that a fact
  rests on (an evidence node's `oa:start`–`oa:end`) spans it, *left out* when only the quote
  of a passage left out on purpose spans it (an entity of class `gba:Omission`, `type:
  LeftOut`, with its `reason:`), and *open* otherwise. A sentence is accounted for (counted
  as covered) only when none of its letters is open: every claim in it is either held as a
  fact or listed as left out with a reason. A quote that merely touches a sentence no longer
  counts it. Each sentence also reports its quoted share (quoted letters over letters) and
  the reasons of the passages left out in it.
- **Sections.** Paragraphs are the non-empty lines. The first section (导语, the intro) runs to
  the first paragraph that announces a list ("五个方面", "三方面": a Chinese numeral, an
  optional 个, then 方面) or contains a question mark (ASCII or U+FF1F, a reporter's
  question). After that, each paragraph with a question mark, or announcing a list, opens
  the next section, except while the open section has no numbered item yet (a paragraph
  starting "一是", "二是", …): the question and the announcement that follows belong together.
  A section is named after its numbered items: "五个方面" for 一是 … 五是.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import RDF, Graph, URIRef

from kg.facts import SourcePos
from kg.namespaces import GBA, PROV
from kg.outputs.export import Output, write_file
from kg.pipeline.graph_facts import GraphFact, graph_facts, passages
from kg.pipeline.graph_view import GraphView
from kg.pipeline.ontology import Schema
from kg.pipeline.quotes import QuoteMatch

END_MARKER = re.compile("^[ \t\u3000]*来源[:\uff1a]", re.M)
"""The line that ends the article: the source credit; page furniture follows it."""
SENTENCE_END = "\u3002\uff01\uff1f\uff1b!?;"
"""Characters that end a sentence: the ideographic full stop, the full-width and the ASCII
`!?;` (a line break ends one too)."""
CLOSERS = "\u201d\u2019\u300d\u300f\uff09\u300b\u3009\u3011\"')"
"""Closing marks kept with the sentence they follow."""
MIN_CHARS = 8
"""A sentence needs at least this many letters or digits to be substantive."""
NUMERALS = "一二三四五六七八九十"
_ITEM = re.compile(rf"^[{NUMERALS}]+是")
_ANNOUNCE = re.compile(rf"[{NUMERALS}]+个?方面")
_QUESTION = re.compile("[?\uff1f]")
_TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Sentence:
    """One sentence of a source text: offsets into the text, how many of its letters facts
    quote and how many are left out on purpose, and whether it is accounted for."""

    start: int
    end: int
    text: str
    section: int
    substantive: bool
    covered: bool  # accounted for: no letter is neither quoted nor left out
    letters: int = 0  # letters and digits
    quoted: int = 0  # of them, under a quote that a fact rests on
    left_out: int = 0  # of them, under a passage left out (and no fact's quote)
    reasons: tuple[str, ...] = ()  # why the passages left out in it are left out

    @property
    def share(self) -> float:
        """Quoted letters over letters (0 when it has none)."""
        return self.quoted / self.letters if self.letters else 0.0

    @property
    def open(self) -> int:
        """Letters neither quoted nor left out."""
        return self.letters - self.quoted - self.left_out


@dataclass(frozen=True)
class Section:
    """One part of the article, with how much of it the facts quote."""

    index: int
    name_zh: str
    name_en: str
    start: int
    end: int
    opening: str  # the section's first sentence
    sentences: int  # substantive sentences
    covered: int  # substantive sentences accounted for
    chars: int  # letters and digits
    covered_chars: int  # letters and digits inside a quote a fact rests on
    left_out_chars: int = 0  # letters and digits only inside passages left out

    @property
    def share(self) -> float:
        """Covered substantive sentences over substantive sentences (0 when there are none)."""
        return self.covered / self.sentences if self.sentences else 0.0


@dataclass(frozen=True)
class Passage:
    """One quoted passage (an evidence node) and the facts that rest on it; a passage left
    out on purpose has no facts and the reasons it is left out."""

    id: str
    start: int
    end: int
    exact: str
    facts: tuple[GraphFact, ...]
    reasons: tuple[str, ...] = ()

    @property
    def is_left_out(self) -> bool:
        """Only passages left out rest on it, no fact."""
        return bool(self.reasons) and not self.facts


@dataclass
class SourceCoverage:
    """One source text, cut into sentences and sections, with its quoted passages."""

    source: str
    title_zh: str
    title_en: str
    text: str
    article_end: int
    sentences: list[Sentence] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)

    @property
    def substantive(self) -> int:
        """Substantive sentences of the article."""
        return sum(s.substantive for s in self.sentences)

    @property
    def covered(self) -> int:
        """Substantive sentences accounted for."""
        return sum(s.substantive and s.covered for s in self.sentences)

    @property
    def letters(self) -> int:
        """Letters and digits of the substantive sentences."""
        return sum(s.letters for s in self.sentences if s.substantive)

    @property
    def quoted(self) -> int:
        """Of those, the ones under a quote a fact rests on."""
        return sum(s.quoted for s in self.sentences if s.substantive)

    @property
    def share(self) -> float:
        """`covered` over `substantive`."""
        return self.covered / self.substantive if self.substantive else 0.0


@dataclass
class Coverage:
    """Coverage of every source text."""

    sources: list[SourceCoverage]

    @property
    def substantive(self) -> int:
        """Substantive sentences in all sources."""
        return sum(s.substantive for s in self.sources)

    @property
    def covered(self) -> int:
        """Of those, the ones accounted for."""
        return sum(s.covered for s in self.sources)

    @property
    def quoted_share(self) -> float:
        """Letters of substantive sentences under a quote a fact rests on, over all their
        letters."""
        letters = sum(s.letters for s in self.sources)
        return sum(s.quoted for s in self.sources) / letters if letters else 0.0

    @property
    def share(self) -> float:
        """`covered` over `substantive`, over all sources."""
        return self.covered / self.substantive if self.substantive else 0.0

    def summary_line(self) -> str:
        """The line `kg build` prints, e.g. `97 of 120 substantive sentences accounted for
        (80.8%)`: each letter of them quoted by a fact or left out with a reason."""
        return summary_line(self.covered, self.substantive)

    def as_dict(self) -> dict[str, Any]:
        """The figures, as JSON-ready data (no source text)."""
        return {
            "substantive": self.substantive,
            "covered": self.covered,
            "share": round(self.share, 4),
            "sources": [
                {
                    "source": s.source,
                    "substantive": s.substantive,
                    "covered": s.covered,
                    "share": round(s.share, 4),
                    "letters": s.letters,
                    "quoted": s.quoted,
                    "passages": len(s.passages),
                    "left_out": [
                        {
                            "start": p.start,
                            "end": p.end,
                            "exact": p.exact,
                            "reasons": list(p.reasons),
                        }
                        for p in s.passages
                        if p.is_left_out
                    ],
                    "open": [
                        {"start": x.start, "end": x.end, "text": x.text, "open": x.open}
                        for x in s.sentences
                        if x.substantive and not x.covered
                    ],
                    "sections": [
                        {
                            "name_zh": sec.name_zh,
                            "name_en": sec.name_en,
                            "sentences": sec.sentences,
                            "covered": sec.covered,
                            "chars": sec.chars,
                            "covered_chars": sec.covered_chars,
                            "left_out_chars": sec.left_out_chars,
                        }
                        for sec in s.sections
                    ],
                }
                for s in self.sources
            ],
        }


def article_end(text: str) -> int:
    """Offset where the article stops: the start of the `来源:` line, or the end of the text.

    >>> article_end("正文。\\n来源:读特 查看原文\\n广告")
    4
    """
    found = END_MARKER.search(text)
    return found.start() if found else len(text)


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans of `text[start:end]`, without surrounding whitespace.

    >>> t = "他说:“好。”再见!\\n标题"
    >>> [t[a:b] for a, b in split_sentences(t)]
    ['他说:“好。”', '再见!', '标题']
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    i = lo = start
    while i < end:
        ch = text[i]
        i += 1
        if ch in SENTENCE_END:
            while i < end and text[i] in CLOSERS:
                i += 1
        elif ch != "\n":
            continue
        spans.append((lo, i))
        lo = i
    spans.append((lo, end))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out


def letters(text: str) -> int:
    """How many letters and digits `text` has (what counts towards `MIN_CHARS`)."""
    return sum(unicodedata.category(ch)[0] in "LN" for ch in text)


def paragraphs(text: str, end: int) -> list[tuple[int, int]]:
    """The non-empty lines of `text[:end]`, as spans without surrounding whitespace."""
    out = []
    at = 0
    for line in text[:end].split("\n"):
        stripped = line.strip()
        if stripped:
            a = at + line.index(stripped[0])
            out.append((a, a + len(stripped)))
        at += len(line) + 1
    return out


def section_starts(text: str, end: int) -> list[tuple[int, int]]:
    """Where each section starts, and how many numbered items it has (see the module doc)."""
    starts: list[list[int]] = [[0, 0]]  # [offset, numbered items]
    for a, b in paragraphs(text, end):
        para = text[a:b]
        opens = bool(_QUESTION.search(para) or _ANNOUNCE.search(para))
        current = starts[-1]
        if opens and (len(starts) == 1 or current[1] > 0):
            starts.append([a, 0])
        elif _ITEM.match(para) and len(starts) > 1:
            current[1] += 1
    if len(starts) > 1 and starts[1][0] == 0:
        starts.pop(0)
    return [(a, n) for a, n in starts]


def numeral(n: int) -> str:
    """A count up to 99 in Chinese numerals.

    >>> [numeral(n) for n in (3, 10, 12, 20)]
    ['三', '十', '十二', '二十']
    """
    if n <= 10:
        return "零一二三四五六七八九十"[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else numeral(tens)) + "十" + ("" if ones == 0 else numeral(ones))


def _section_names(index: int, items: int) -> tuple[str, str]:
    if index == 0 and items == 0:
        return "导语", "Intro"
    if items == 0:
        return f"第{numeral(index + 1)}部分", f"Part {index + 1}"
    count = "两" if items == 2 else numeral(items)
    return f"{count}个方面", f"{items} point{'s' if items != 1 else ''}"


def source_coverage(
    graph: Graph | GraphView,
    schema: Schema,
    texts: Mapping[str, str],
    positions: Mapping[URIRef, SourcePos] | None = None,
) -> Coverage:
    """How much of each source text in `texts` (id → text) the graph's quotes cover, with
    the facts each passage supports."""
    facts = graph_facts(graph, schema, positions)
    cited: dict[str, list[GraphFact]] = {}
    for fact in facts.values():
        for ev in fact.evidence:
            cited.setdefault(ev, []).append(fact)
    reasons = _left_out_reasons(graph)
    by_source: dict[str, list[Passage]] = {}
    for quoted in passages(graph).values():
        if 0 <= quoted.start <= quoted.end:
            supported = sorted(
                cited.get(quoted.id, []), key=lambda f: (f.subject, not f.is_entity, f.id)
            )
            by_source.setdefault(quoted.source, []).append(
                Passage(
                    quoted.id,
                    quoted.start,
                    quoted.end,
                    quoted.exact,
                    tuple(supported),
                    tuple(sorted(reasons.get(quoted.id, ()))),
                )
            )
    titles = {}  # a source's labels, as `graph_facts.label` gives them (its entity's names)
    for source_id in texts:
        entity = facts.get(source_id)
        if entity is not None and entity.is_entity:
            titles[source_id] = (entity.subject_zh, entity.subject_en)
        else:
            titles[source_id] = (source_id, source_id)
    return _cover(texts, by_source, titles)


def _left_out_reasons(graph: Graph | GraphView) -> dict[str, set[str]]:
    """Evidence node id → the reasons of the passages left out (`gba:Omission`) resting on
    it, by the reason's local name (`reason-rhetoric` → `rhetoric`)."""
    out: dict[str, set[str]] = {}
    for node in graph.subjects(RDF.type, GBA.Omission):
        reason = graph.value(node, GBA.omissionReason)
        word = str(reason).rsplit("#", 1)[-1].removeprefix("reason-") if reason else "?"
        for ev in graph.objects(node, PROV.wasDerivedFrom):
            out.setdefault(str(ev).rsplit("/", 1)[-1], set()).add(word)
    return out


def summary_line(covered: int, substantive: int) -> str:
    """`Coverage.summary_line` of these counts."""
    share = covered / substantive if substantive else 0.0
    return f"{covered} of {substantive} substantive sentences accounted for ({share:.1%})"


Counts = dict[str, tuple[str, int, int]]
"""Per source: a digest of its text and quoted passages, and its covered and substantive
sentences."""


def quoted_counts(
    texts: Mapping[str, str],
    quotes: Iterable[QuoteMatch],
    known: Counts | None = None,
    left_out: Iterable[QuoteMatch] = (),
) -> tuple[int, int, Counts]:
    """The covered and substantive sentences of `quoted_coverage(texts, quotes, left_out)`,
    measuring again only the sources whose text or passages differ from those `known`; and
    the counts to know next time."""
    by_source: dict[str, list[QuoteMatch]] = {source: [] for source in texts}
    left: dict[str, list[QuoteMatch]] = {source: [] for source in texts}
    for m in quotes:
        if m.source in by_source:
            by_source[m.source].append(m)
    for m in left_out:
        if m.source in left:
            left[m.source].append(m)
    counts: Counts = {}
    for source, text in sorted(texts.items()):
        digest = hashlib.sha256(text.encode("utf-8"))
        digest.update(repr(sorted({(m.start, m.end) for m in by_source[source]})).encode())
        digest.update(repr(sorted({(m.start, m.end) for m in left[source]})).encode())
        found = (known or {}).get(source)
        if found is None or found[0] != digest.hexdigest():
            sc = quoted_coverage({source: text}, by_source[source], left[source]).sources[0]
            found = (digest.hexdigest(), sc.covered, sc.substantive)
        counts[source] = found
    covered = sum(c for _, c, _ in counts.values())
    return covered, sum(n for _, _, n in counts.values()), counts


def quoted_coverage(
    texts: Mapping[str, str], quotes: Iterable[QuoteMatch], left_out: Iterable[QuoteMatch] = ()
) -> Coverage:
    """The same figures as `source_coverage`, from the checked quotes alone (no graph walk,
    no facts per passage, no titles): what `kg build` prints. `quotes` are those facts
    rest on, `left_out` those of passages left out on purpose (their reasons unread)."""
    by_source: dict[str, dict[tuple[int, int], Passage]] = {}
    for group, reasons in ((quotes, ()), (left_out, ("left-out",))):
        for m in group:
            spans = by_source.setdefault(m.source, {})
            if (m.start, m.end) not in spans and 0 <= m.start <= m.end:
                spans[(m.start, m.end)] = Passage(
                    f"{m.source}--{m.start}-{m.end}", m.start, m.end, m.exact, (), reasons
                )
    found = {source: list(spans.values()) for source, spans in by_source.items()}
    return _cover(texts, found, {})


def _cover(
    texts: Mapping[str, str],
    by_source: Mapping[str, list[Passage]],
    titles: Mapping[str, tuple[str, str]],
) -> Coverage:
    sources = []
    for source_id, text in sorted(texts.items()):
        zh, en = titles.get(source_id, (source_id, source_id))
        sc = SourceCoverage(source_id, zh, en, text, article_end(text))
        sc.passages = sorted(by_source.get(source_id, []), key=lambda p: (p.start, p.end, p.id))
        _measure(sc)
        sources.append(sc)
    return Coverage(sources)


def _measure(sc: SourceCoverage) -> None:
    text, end = sc.text, sc.article_end
    quoted = [False] * len(text)
    left = [False] * len(text)
    why: list[tuple[int, int, tuple[str, ...]]] = []
    for p in sc.passages:
        marks = left if p.is_left_out else quoted
        for i in range(max(0, p.start), min(p.end, len(text))):
            marks[i] = True
        if p.is_left_out:
            why.append((p.start, p.end, p.reasons))
    starts = section_starts(text, end)
    bounds = [a for a, _ in starts] + [end]
    for index, (a, items) in enumerate(starts):
        b = bounds[index + 1]
        spans = split_sentences(text, a, b)
        sentences = []
        for s, e in spans:
            letters_at = [i for i in range(s, e) if unicodedata.category(text[i])[0] in "LN"]
            n_quoted = sum(quoted[i] for i in letters_at)
            n_left = sum(left[i] and not quoted[i] for i in letters_at)
            reasons = sorted({r for x, y, rs in why if x < e and s < y for r in rs})
            sentences.append(
                Sentence(
                    s,
                    e,
                    text[s:e],
                    index,
                    len(letters_at) >= MIN_CHARS,
                    n_quoted + n_left == len(letters_at),
                    len(letters_at),
                    n_quoted,
                    n_left,
                    tuple(reasons),
                )
            )
        sc.sentences.extend(sentences)
        counted = [s for s in sentences if s.substantive]
        zh, en = _section_names(index, items)
        body = [i for i in range(a, b) if unicodedata.category(text[i])[0] in "LN"]
        sc.sections.append(
            Section(
                index,
                zh,
                en,
                a,
                b,
                sentences[0].text if sentences else "",
                len(counted),
                sum(s.covered for s in counted),
                len(body),
                sum(quoted[i] for i in body),
                sum(left[i] and not quoted[i] for i in body),
            )
        )


# --- the page ---------------------------------------------------------------------------------


def render_coverage(coverage: Coverage, title: str = "gba-kg source coverage") -> str:
    """`coverage` as one offline HTML page: every source's text with its quoted passages
    highlighted and linked to the facts they support, and a table per section."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape())
    template = env.get_template("coverage.html")
    return template.render(
        title=title,
        min_chars=MIN_CHARS,
        coverage=coverage,
        sources=[_page_source(sc) for sc in coverage.sources],
    )


def _page_source(sc: SourceCoverage) -> dict[str, Any]:
    sections = []
    for sec in sc.sections:
        gaps = [
            s.text
            for s in sc.sentences
            if s.section == sec.index and s.substantive and not s.covered
        ]
        sections.append(
            {
                "section": sec,
                "anchor": f"{sc.source}--s{sec.index}",
                "segments": _segments(sc, sec.start, sec.end),
                "gaps": gaps,
            }
        )
    return {
        "coverage": sc,
        "sections": sections,
        "furniture": _segments(sc, sc.article_end, len(sc.text))
        if sc.text[sc.article_end :].strip()
        else [],
        "passages": sc.passages,
    }


def _segments(sc: SourceCoverage, a: int, b: int) -> list[dict[str, Any]]:
    """`text[a:b]` cut where quotes start and end; each piece names the innermost quote."""
    cuts = {a, b}
    for p in sc.passages:
        for x in (p.start, p.end):
            if a < x < b:
                cuts.add(x)
    points = sorted(cuts)
    out: list[dict[str, Any]] = []
    for lo, hi in zip(points, points[1:], strict=False):
        covering = [p for p in sc.passages if p.start <= lo and hi <= p.end]
        piece: dict[str, Any] = {
            "text": sc.text[lo:hi],
            "starts": [p.id for p in covering if p.start == lo],
        }
        if covering:
            inner = min(covering, key=lambda p: (p.end - p.start, p.start, p.id))
            facts = sum(len(p.facts) for p in covering)
            left = all(p.is_left_out for p in covering)
            reasons = sorted({r for p in covering for r in p.reasons})
            piece.update(
                passage=inner.id,
                depth=min(len(covering), 3),
                left=left,
                tip=(
                    f"left out: {', '.join(reasons)} · {inner.exact[:60]}"
                    if left
                    else f"{facts} fact(s) from {len(covering)} quote(s) · {inner.exact[:60]}"
                ),
            )
        out.append(piece)
    return out


def write_coverage(coverage: Coverage, out_file: str | Path = "build/coverage.html") -> Output:
    """Write the coverage page to `out_file`, atomically."""
    return write_file(out_file, render_coverage(coverage).encode("utf-8"))
