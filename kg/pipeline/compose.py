"""Step 1, below the facts: a data file's text checked and composed into YAML nodes with
line marks, safely. The YAML is composed with PyYAML's *base* resolver, so every scalar stays
the text the curator wrote; nothing is constructed from a tag. Before anything is parsed a
file must be at most `MAX_FILE_BYTES` long, strict UTF-8 (a BOM is allowed), and free of
control, bidirectional-control and invisible characters (`FORBIDDEN`); after composing,
every text must be at most `MAX_TEXT_CHARS` characters long and lists and mappings at most
`MAX_DEPTH` deep. Tags, anchors and aliases are errors. `kg.pipeline.load` reads the facts
from the nodes."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from kg.errors import Problem
from kg.facts import SourcePos
from kg.pipeline.characters import FORBIDDEN, decode_utf8, describe_char

try:  # libyaml is several times faster than the pure-Python loader
    _Loader: type = yaml.CBaseLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.BaseLoader

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


class ComposedText:
    """The checks of one file's text and node tree; the reader that uses them holds the
    file's `path` and `name`, the `problems` found, the nodes already reported
    (`bad_nodes`) and the file's last line."""

    path: Path
    name: str
    problems: list[Problem]
    bad_nodes: set[int]
    last_line: int

    def pos(self, node: yaml.Node) -> SourcePos:
        """The node's line; an empty value at the very end of the file is on its last line."""
        return SourcePos(self.name, min(node.start_mark.line + 1, self.last_line))

    def problem(self, node: yaml.Node | SourcePos, message: str, fix: str = "") -> None:
        pos = node if isinstance(node, SourcePos) else self.pos(node)
        self.problems.append(Problem(pos, message, fix))

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
        text = self._check_characters(text)
        if text is None:
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

    def _check_characters(self, text: str) -> str | None:
        """Report control, bidi-control and invisible characters anywhere in the file, with
        line and column, before YAML sees them (libyaml rejects some without a line, and lets
        the others through, escapes included). The text to read on: without them, so that
        the file's other faults are found in the same run (the file still fails); None when
        the file is not text at all (many lines of them, or NUL bytes: UTF-16)."""
        if FORBIDDEN.search(text) is None:
            return text
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
            return None
        if "\x00" in text:
            return None
        # removed within their lines (none of them is a line break to an editor), so every
        # line keeps its number for the problems found after this
        return FORBIDDEN.sub("", text)

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
        (raw ones were reported before parsing). Such characters are reported and taken out
        of the text, which is then read on, so that what else is wrong with it is found too
        and nothing is reported missing because of them."""
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
            node.value = FORBIDDEN.sub("", text)
        return True

    def _check_node(self, node: yaml.Node) -> bool:
        """False for a node `_check_tree` reported (an alias or a tagged value)."""
        return id(node) not in self.bad_nodes

    def _holds_bad(self, node: yaml.Node) -> bool:
        """Whether `node` or a node under it was reported by `_check_tree`."""
        if not self.bad_nodes:
            return False
        stack = [node]
        while stack:
            one = stack.pop()
            if id(one) in self.bad_nodes:
                return True
            if isinstance(one, yaml.SequenceNode):
                stack.extend(one.value)
            elif isinstance(one, yaml.MappingNode):
                stack.extend(v for pair in one.value for v in pair)
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


def kind_of(node: yaml.Node) -> str:
    """How a node is named in a message: a mapping, a list or a text value."""
    if isinstance(node, yaml.MappingNode):
        return "mapping"
    if isinstance(node, yaml.SequenceNode):
        return "list"
    return f"text value ('{node.value}')"
