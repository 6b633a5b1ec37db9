"""Step 1 of the pipeline: read `data/**/*.yaml` into `Facts`, keeping a line for every value.

The YAML is composed into nodes with PyYAML's *base* resolver, so every scalar stays the text
the curator wrote (`yes`, `010`, `2020-10-22` and `1.10` are not turned into booleans, octal
numbers, dates or floats); the ontology decides types later. Nothing is ever constructed from
a tag. Duplicate keys, tags, anchors and aliases are errors here, because PyYAML's default
loaders silently keep the last duplicate and construct tagged objects.

Before anything is parsed a file must be at most `MAX_FILE_BYTES` long, strict UTF-8 (a BOM is
allowed), and free of control, bidirectional-control and invisible characters (`FORBIDDEN`).
After composing, every text must be at most `MAX_TEXT_CHARS` characters long (and free of
those characters when written as escapes) and lists and mappings at most `MAX_DEPTH` deep.
Nothing here knows the ontology: keys are checked by `validate.py`.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import yaml

from kg.errors import KgError, Problem
from kg.facts import Entity, EvidenceRef, Facts, NamedQuote, SourcePos, Statement, Value
from kg.pipeline.characters import FORBIDDEN, NULL_WORDS, decode_utf8, describe_char

try:  # libyaml is several times faster than the pure-Python loader
    _Loader: type = yaml.CBaseLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.BaseLoader

FILE_KEYS = ("source", "quotes", "entities")
ENTITY_KEYS = ("id", "type", "quote", "cite")
STATEMENT_KEYS = ("value", "quote", "cite")
SOURCES_DIR = "sources"

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"

MAX_FILE_BYTES = 1024 * 1024
"""A data file larger than this (1 MiB) is not parsed: split it by topic."""
MAX_TEXT_CHARS = 2000
"""The longest text value (a quote, a label, an id) in characters."""
MAX_DEPTH = 20
"""How deep lists and mappings may nest; real data needs 6."""
MAX_REPORTED_LINES = 10
"""Lines with forbidden characters reported one by one per file; the rest are counted."""

_BREAK = re.compile("\r\n|[\r\n]")  # line breaks as editors count them; YAML's others


# (U+0085, U+2028, U+2029) are FORBIDDEN, so that libyaml's lines are the editor's lines
def find_data_files(data_dir: Path) -> list[Path]:
    """The curated YAML files under `data_dir`, sorted, leaving out `sources/`."""
    files = [
        p
        for p in data_dir.rglob("*")
        if p.suffix in (".yaml", ".yml")
        and p.is_file()
        and SOURCES_DIR not in p.relative_to(data_dir).parts[:-1]
    ]
    return sorted(files)


def load_facts(data_dir: str | Path) -> Facts:
    """Read every curated YAML file under `data_dir`; raise `KgError` listing every problem.

    >>> facts = load_facts("data")  # doctest: +SKIP
    >>> facts.entities[0].id.text  # doctest: +SKIP
    'baiyun-international-airport'
    """
    files, problems = data_files(Path(data_dir))
    facts = Facts()
    for one, found in read_files(files):
        facts.entities.extend(one.entities)
        facts.quotes.extend(one.quotes)
        facts.files.extend(one.files)
        problems.extend(found)
    if problems:
        raise KgError(problems)
    return facts


def data_files(data_dir: Path) -> tuple[list[Path], list[Problem]]:
    """The files `load_facts` reads (`find_data_files`), and a problem for each one that
    leads out of the data folder (a link), which is not read."""
    problems: list[Problem] = []
    inside = data_dir.resolve()
    files: list[Path] = []
    for path in find_data_files(data_dir):
        if path.resolve().is_relative_to(inside):
            files.append(path)
            continue
        problems.append(
            Problem(
                SourcePos(str(path), 1),
                "a data file must be a file inside the data folder, and this one leads to "
                f"{path.resolve()}; it was not read",
                "copy the file into the data folder instead of linking to it",
            )
        )
    return files, problems


def read_files(files: list[Path]) -> list[tuple[Facts, list[Problem]]]:
    """Each of `files` read into its own `Facts`, with its problems, in order."""
    read = []
    for path in files:
        facts = Facts()
        problems: list[Problem] = []
        reader = _FileReader(path, facts, problems)
        reader.read()
        facts.files.append(reader.name)
        read.append((facts, problems))
    return read


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """A 'did you mean …?' hint naming the closest choices (ties included), or ''.

    >>> did_you_mean("Prot", ["Port", "Post", "Person"])
    "did you mean 'Port' or 'Post'?"
    """
    close = difflib.get_close_matches(word, list(choices), n=5, cutoff=0.6)
    if not close:
        return ""
    score = difflib.SequenceMatcher(None, word, close[0]).ratio()
    best = sorted(c for c in close if difflib.SequenceMatcher(None, word, c).ratio() == score)
    return "did you mean " + " or ".join(f"'{c}'" for c in best) + "?"


class _FileReader:
    """Walks one file's node tree, appending to `facts` and `problems`."""

    def __init__(self, path: Path, facts: Facts, problems: list[Problem]) -> None:
        self.path = path
        self.name = str(path)
        self.facts = facts
        self.problems = problems
        self.bad_nodes: set[int] = set()
        self.source: str | None = None
        self.source_pos: SourcePos | None = None
        self.last_line = 1

    def pos(self, node: yaml.Node) -> SourcePos:
        """The node's line; an empty value at the very end of the file is on its last line."""
        return SourcePos(self.name, min(node.start_mark.line + 1, self.last_line))

    def problem(self, node: yaml.Node | SourcePos, message: str, fix: str = "") -> None:
        pos = node if isinstance(node, SourcePos) else self.pos(node)
        self.problems.append(Problem(pos, message, fix))

    # -- file level -----------------------------------------------------------------------

    def read(self) -> None:
        root = self._compose()
        if root is None:
            return
        self._check_tree(root)
        if not self._check_node(root):
            return
        if not isinstance(root, yaml.MappingNode):
            self.problem(
                root,
                f"the file holds a {_kind(root)}, not a mapping",
                "start the file with `entities:` (and optionally `source:` and `quotes:`)",
            )
            return
        pairs = self._pairs(root)
        if "source" in pairs:
            self.source = self._text(pairs["source"][1], "source")
            self.source_pos = self.pos(pairs["source"][1])
        if "quotes" in pairs:
            self._read_quotes(pairs["quotes"][1])
        if "entities" in pairs:
            self._read_entities(pairs["entities"][1])
        for key, (key_node, _) in pairs.items():
            if key not in FILE_KEYS:
                hint = did_you_mean(key, FILE_KEYS)
                self.problem(
                    key_node,
                    f"unknown top-level key '{key}'",
                    hint or "a data file has only `source:`, `quotes:` and `entities:`",
                )

    def _compose(self) -> yaml.Node | None:
        try:
            with self.path.open("rb") as stream:
                raw = stream.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            self.problem(SourcePos(self.name, 1), f"cannot read file: {exc.strerror}")
            return None
        if len(raw) > MAX_FILE_BYTES:
            self.problem(
                SourcePos(self.name, 1),
                f"the file is larger than {MAX_FILE_BYTES // 1024} KiB, the limit for a data "
                "file; it was not read",
                "split it into several files, one per topic",
            )
            return None
        text = decode_utf8(raw, self.name, self.problems)
        if text is None:
            return None
        if not self._check_characters(text):
            return None
        try:
            node = yaml.compose(text, Loader=_Loader)
        except yaml.MarkedYAMLError as exc:
            self.problems.append(self._syntax_problem(exc, _line_of(text, len(text))))
            return None
        except RecursionError:  # the pure-Python composer recurses; libyaml stops at 1000
            self.problem(SourcePos(self.name, 1), *_TOO_DEEP)
            return None
        except yaml.YAMLError as exc:  # a reader error the character check did not foresee
            position = getattr(exc, "position", 0) or 0
            self.problem(
                SourcePos(self.name, _line_of(text, position)),
                f"YAML error: {getattr(exc, 'reason', exc)}",
                "remove the character, or save the file as UTF-8 text",
            )
            return None
        self.last_line = _line_of(text, len(text))
        if node is not None and "&" in text:  # anchors exist only where '&' occurs
            self._check_anchors(text)
        if isinstance(node, yaml.ScalarNode) and not node.value and not node.style:
            node = None  # a lone '---' or '...': a document with nothing in it
        if node is None:
            self.problem(
                SourcePos(self.name, 1),
                "the file is empty",
                "add an `entities:` list, or delete the file",
            )
        return node

    def _check_characters(self, text: str) -> bool:
        """Report control, bidi-control and invisible characters anywhere in the file, with
        line and column, before YAML sees them (libyaml rejects some without a line, and lets
        the others through, escapes included). False when any was found."""
        if FORBIDDEN.search(text) is None:
            return True
        lines: list[tuple[int, int, str]] = []  # line, column, the character
        for number, line in enumerate(_BREAK.split(text), start=1):
            found = FORBIDDEN.search(line)
            if found is not None:
                lines.append((number, found.start() + 1, found.group()))
                if len(lines) > MAX_REPORTED_LINES:
                    break
        for line, column, ch in lines[:MAX_REPORTED_LINES]:
            self.problem(
                SourcePos(self.name, line),
                f"{describe_char(ch)} at column {column}",
                _FORBIDDEN_FIX,
            )
        if len(lines) > MAX_REPORTED_LINES:
            self.problem(
                SourcePos(self.name, lines[MAX_REPORTED_LINES][0]),
                "this and later lines hold more such characters",
                "is the file UTF-16? save it as UTF-8"
                if "\x00" in text
                else "delete them; search the file for control characters",
            )
        return False

    def _check_anchors(self, text: str) -> None:
        """Each anchor (&name) and alias (*name), at its own line: a cheap scan of the YAML
        events, run only on files that hold a '&'. The composed tree shares one node between
        an anchor and its aliases, so it knows only the anchor's line."""
        defined: dict[str, int] = {}  # anchor → line of its latest definition
        anchors: list[tuple[str, int]] = []
        used_at: dict[tuple[str, int], int] = {}  # (anchor, its line) → first alias line
        for event in yaml.parse(text, Loader=_Loader):
            anchor = getattr(event, "anchor", None)
            if anchor is None or event.start_mark is None:
                continue
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent):
                used_at.setdefault((anchor, defined[anchor]), line)
                self.problem(
                    SourcePos(self.name, line),
                    f"YAML alias '*{anchor}' repeats the value anchored at line "
                    f"{defined[anchor]}; anchors and aliases are not allowed",
                    _ALIAS_FIX,
                )
            else:
                defined[anchor] = line
                anchors.append((anchor, line))
        for anchor, line in anchors:
            alias_line = used_at.get((anchor, line))
            reuse = f" (reused at line {alias_line})" if alias_line else ""
            self.problem(
                SourcePos(self.name, line),
                f"YAML anchor '&{anchor}'{reuse}: anchors and aliases are not allowed",
                _ALIAS_FIX,
            )

    def _syntax_problem(self, exc: yaml.MarkedYAMLError, last_line: int) -> Problem:
        """PyYAML's error in curator's words, at the line where the fault starts."""
        context = exc.context or ""
        problem = exc.problem or "invalid YAML"
        mark = exc.problem_mark or exc.context_mark
        line = min(mark.line + 1, last_line) if mark is not None else 1
        if "maximum nesting depth" in problem:
            return Problem(SourcePos(self.name, line), *_TOO_DEEP)
        if "duplicate anchor" in context and exc.context_mark is not None:
            first = exc.context_mark.line + 1
            return Problem(
                SourcePos(self.name, line),
                f"YAML anchor given twice (first at line {first}); anchors and aliases are not "
                "allowed",
                _ALIAS_FIX,
            )
        if "single document" in context:
            return Problem(
                SourcePos(self.name, line),
                "the file holds more than one YAML document (a '---' line)",
                "remove the '---' line, or split the file in two",
            )
        if "quoted scalar" in context and exc.context_mark is not None:
            return Problem(
                SourcePos(self.name, exc.context_mark.line + 1),
                f"YAML syntax error: the quote opened on this line is never closed ({problem})",
                "close the quote with the same mark that opened it",
            )
        what = f"{context}: {problem}" if context else problem
        return Problem(
            SourcePos(self.name, line),
            f"YAML syntax error: {what}",
            "check the indentation and quoting on this line and the one before it",
        )

    def _read_quotes(self, node: yaml.Node) -> None:
        if not self._expect(node, yaml.MappingNode, "quotes", "a mapping of quote id → text"):
            return
        assert isinstance(node, yaml.MappingNode)
        for key, (key_node, value_node) in self._pairs(node).items():
            text = self._text(value_node, f"quote '{key}'")
            if text is not None:
                self.facts.quotes.append(
                    NamedQuote(key, text, self.source, self.pos(key_node), self.source_pos)
                )

    def _read_entities(self, node: yaml.Node) -> None:
        if not self._expect(node, yaml.SequenceNode, "entities", "a list of `- id: …` items"):
            return
        for item in node.value:
            if self._check_node(item) and self._expect(
                item, yaml.MappingNode, "an entity", "a mapping with `id:`, `type:` and `label:`"
            ):
                self._read_entity(item)

    # -- entities and statements ----------------------------------------------------------

    def _read_entity(self, node: yaml.MappingNode) -> None:
        pairs = self._pairs(node)
        pos = self.pos(node)
        ids = self._scalar_value(pairs, "id")
        types = self._scalar_value(pairs, "type")
        if "id" not in pairs:  # a bad `id:` value was reported where it is
            self.problem(pos, "entity without `id:`", "add `id: some-kebab-case-id`")
        if "type" not in pairs:
            self.problem(
                pos,
                "entity without `type:`",
                "add `type:` with the kg:yamlType of a class of ontology/gba.ttl, e.g. City",
            )
        evidence = self._evidence(pairs)
        statements: list[Statement] = []
        for key, (key_node, value_node) in pairs.items():
            if key not in ENTITY_KEYS:
                statements.extend(self._statements(key, key_node, value_node))
        if ids is not None and types is not None:
            entity = Entity(ids, types, pos, tuple(evidence), tuple(statements))
            self.facts.entities.append(entity)

    def _scalar_value(
        self, pairs: dict[str, tuple[yaml.Node, yaml.Node]], key: str
    ) -> Value | None:
        if key not in pairs:
            return None
        node = pairs[key][1]
        text = self._text(node, f"`{key}`")
        return None if text is None else Value(text, self.pos(node))

    def _evidence(self, pairs: dict[str, tuple[yaml.Node, yaml.Node]]) -> list[EvidenceRef]:
        refs: list[EvidenceRef] = []
        for key in ("quote", "cite"):
            if key not in pairs:
                continue
            for value_node in self._one_or_many(pairs[key][1], key):
                text = self._text(value_node, f"`{key}`")
                if text is None:
                    continue
                pos = self.pos(value_node)
                if key == "quote":
                    refs.append(
                        EvidenceRef(pos, text, source=self.source, source_pos=self.source_pos)
                    )
                else:
                    refs.append(EvidenceRef(pos, cite=text))
        return refs

    def _statements(self, key: str, key_node: yaml.Node, node: yaml.Node) -> list[Statement]:
        if not self._check_node(node):
            return []
        if isinstance(node, yaml.SequenceNode):
            out: list[Statement] = []
            for item in node.value:
                if not self._check_node(item):
                    continue
                if isinstance(item, yaml.SequenceNode):
                    self.problem(
                        item,
                        f"a list inside the list of '{key}'",
                        "write each value as one item of a single list",
                    )
                    continue
                out.extend(self._statement_item(key, key_node, item))
            if not node.value:
                self.problem(node, f"empty list for '{key}'", "give a value or remove the key")
            return out
        return self._statement_item(key, key_node, node)

    def _statement_item(self, key: str, key_node: yaml.Node, node: yaml.Node) -> list[Statement]:
        pos = self.pos(key_node) if node.start_mark.line == key_node.start_mark.line else None
        if isinstance(node, yaml.ScalarNode):
            text = self._text(node, f"'{key}'")
            if text is None:
                return []
            return [Statement(key, pos or self.pos(node), Value(text, self.pos(node)))]
        assert isinstance(node, yaml.MappingNode)
        pairs = self._pairs(node)
        if "value" not in pairs:
            return self._language_map(key, key_node, pairs)
        value = self._scalar_value(pairs, "value")
        if value is None:
            return []
        qualifiers = []
        for qkey, (_, qnode) in pairs.items():
            if qkey in STATEMENT_KEYS:
                continue
            text = self._text(qnode, f"qualifier '{qkey}'")
            if text is not None:
                qualifiers.append((qkey, Value(text, self.pos(qnode))))
        evidence = tuple(self._evidence(pairs))
        return [Statement(key, pos or self.pos(node), value, evidence, tuple(qualifiers))]

    def _language_map(
        self, key: str, key_node: yaml.Node, pairs: dict[str, tuple[yaml.Node, yaml.Node]]
    ) -> list[Statement]:
        """`label: {zh: …, en: …}`: one statement per language and text."""
        out = []
        for lang, (lang_node, value_node) in pairs.items():
            for text_node in self._one_or_many(value_node, f"{key}.{lang}"):
                text = self._text(text_node, f"'{key}' in '{lang}'")
                if text is not None:
                    value = Value(text, self.pos(text_node), lang=lang)
                    out.append(Statement(key, self.pos(lang_node), value))
        return out

    # -- node helpers ---------------------------------------------------------------------

    def _check_tree(self, root: yaml.Node) -> None:
        """One pass over all nodes: tags, over-long or forbidden text and too deep nesting
        become problems, once each; nodes shared through an alias are set aside (the problem
        is reported by `_check_anchors`).

        Iterative and stopping at nodes already seen, so deep nesting and alias bombs cost
        time linear in the file, not in the expanded tree.
        """
        seen: set[int] = set()
        stack: list[tuple[yaml.Node, int]] = [(root, 1)]
        too_deep = False
        while stack:
            node, depth = stack.pop()
            if id(node) in seen:
                self.bad_nodes.add(id(node))
                continue
            seen.add(id(node))
            if node.tag not in (_STR, _SEQ, _MAP):
                self.bad_nodes.add(id(node))
                self.problem(node, f"YAML tag '{node.tag}' is not allowed", _tag_fix(node.tag))
                continue
            if isinstance(node, yaml.ScalarNode):
                if not self._check_scalar(node):
                    self.bad_nodes.add(id(node))
                continue
            if depth > MAX_DEPTH:
                self.bad_nodes.add(id(node))
                if not too_deep:
                    self.problem(node, *_TOO_DEEP)
                too_deep = True
                continue
            if isinstance(node, yaml.SequenceNode):
                stack.extend((item, depth + 1) for item in reversed(node.value))
            elif isinstance(node, yaml.MappingNode):
                for key_node, value_node in reversed(node.value):
                    stack.extend(((value_node, depth + 1), (key_node, depth + 1)))

    def _check_scalar(self, node: yaml.ScalarNode) -> bool:
        """Text within `MAX_TEXT_CHARS`, and free of `FORBIDDEN` characters written as escapes
        (raw ones were reported before parsing)."""
        text: str = node.value
        if len(text) > MAX_TEXT_CHARS:
            self.problem(
                node,
                f"a text of {len(text)} characters, longer than the limit of {MAX_TEXT_CHARS}",
                "quote a shorter passage: a quote needs only enough text to support the fact",
            )
            return False
        found = FORBIDDEN.search(text)
        if found is not None:
            self.problem(
                node,
                f"the text on this line holds {describe_char(found.group())} (written as an "
                f"escape), character {found.start() + 1} of the text",
                _FORBIDDEN_FIX,
            )
            return False
        return True

    def _check_node(self, node: yaml.Node) -> bool:
        """False for a node `_check_tree` reported (an alias or a tagged value)."""
        return id(node) not in self.bad_nodes

    def _pairs(self, node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """The mapping's keys in order; duplicate and non-text keys are problems."""
        pairs: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if not self._check_node(key_node):
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(
                    key_node,
                    "a mapping key must be plain text, not a " + _kind(key_node),
                    "write `key: value`; remove the '?' or the brackets before the ':'",
                )
                continue
            key = key_node.value
            if key in pairs:
                first = pairs[key][0].start_mark.line + 1
                self.problem(
                    key_node,
                    f"duplicate key '{key}' (first at line {first})",
                    "merge the two into one key; YAML keeps only one of them",
                )
                continue
            pairs[key] = (key_node, value_node)
        return pairs

    def _one_or_many(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if isinstance(node, yaml.SequenceNode):
            if not node.value:
                self.problem(node, f"empty list for '{what}'", "give a value or remove the key")
            return [n for n in node.value if self._check_node(n)]
        return [node]

    def _text(self, node: yaml.Node, what: str) -> str | None:
        """The text of a scalar node; None (with a problem) for anything else or empty."""
        if not self._check_node(node):
            return None
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, f"{what} must be text, not a {_kind(node)}")
            return None
        text: str = node.value
        if not node.style and text in NULL_WORDS:  # plain: style None or "" (libyaml)
            self.problem(node, f"{what} is empty", "write a value or remove the key")
            return None
        if not text.strip():
            self.problem(node, f"{what} is blank", "write a value or remove the key")
            return None
        return text

    def _expect(self, node: yaml.Node, kind: type, what: str, expected: str) -> bool:
        if isinstance(node, kind):
            return True
        self.problem(node, f"{what} must be {expected}, not a {_kind(node)}")
        return False


_TOO_DEEP = (
    f"lists and mappings are nested more than {MAX_DEPTH} levels deep",
    "a data file needs about 6 levels: file, entities, entity, key, statement, quotes; "
    "check the brackets and the indentation",
)
_FORBIDDEN_FIX = (
    "delete it (it may have come with copied text): curated files may not hold control, "
    "bidirectional-control or invisible characters"
)
_ALIAS_FIX = "write the value out; to reuse a quote, name it under `quotes:` and `cite:` it"


def _tag_fix(tag: str) -> str:
    if tag == "!include":
        return (
            "a data file cannot include another one: every *.yaml under the data folder is "
            "read anyway, so move the entities into their own file"
        )
    return "remove the tag: values are plain text, lists and mappings"


def _line_of(text: str, index: int) -> int:
    """The 1-based line of `text[index]`, counting line breaks as libyaml does."""
    return len(_BREAK.findall(text, 0, index)) + 1


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "mapping"
    if isinstance(node, yaml.SequenceNode):
        return "list"
    return f"text value ('{node.value}')"
