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

from pathlib import Path

import yaml

from kg.errors import KgError, Problem, did_you_mean
from kg.facts import Entity, EvidenceRef, Facts, NamedQuote, SourcePos, Statement, Value
from kg.pipeline.characters import NULL_WORDS
from kg.pipeline.compose import ComposedText, kind_of

FILE_KEYS = ("source", "quotes", "entities")
ENTITY_KEYS = ("id", "type", "quote", "cite")
STATEMENT_KEYS = ("value", "quote", "cite")
SOURCES_DIR = "sources"


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
        facts.unread.extend(one.unread)
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


class _FileReader(ComposedText):
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

    # -- file level -----------------------------------------------------------------------

    def read(self) -> None:
        root = self._compose()
        if root is not None:
            self._check_tree(root)
        if root is None or not self._check_node(root):
            self.facts.unread.append(self.name)
            return
        if not isinstance(root, yaml.MappingNode):
            self.problem(
                root,
                f"the file holds a {kind_of(root)}, not a mapping",
                "start the file with `entities:` (and optionally `source:` and `quotes:`)",
            )
            self.facts.unread.append(self.name)
            return
        pairs = self._pairs(root)
        if "source" in pairs:
            self.source = self._text(pairs["source"][1], "source")
            self.source_pos = self.pos(pairs["source"][1])
        if "quotes" in pairs:
            self._read_quotes(pairs["quotes"][1])
        if "entities" in pairs:
            self._read_entities(*pairs["entities"])
        for key, (key_node, _) in pairs.items():
            if key not in FILE_KEYS:
                hint = did_you_mean(key, FILE_KEYS)
                self.problem(
                    key_node,
                    f"unknown top-level key '{key}'",
                    hint or "a data file has only `source:`, `quotes:` and `entities:`",
                )

    def _read_quotes(self, node: yaml.Node) -> None:
        if not self._expect(
            node, yaml.MappingNode, "quotes", "a mapping of quote id → text",
            "write one `quote-id: \"verbatim text\"` line per quote under `quotes:`",
        ):  # fmt: skip
            return
        assert isinstance(node, yaml.MappingNode)
        for key, (key_node, value_node) in self._pairs(node).items():
            text = self._text(value_node, f"quote '{key}'")
            if text is not None:
                self.facts.quotes.append(
                    NamedQuote(key, text, self.source, self.pos(key_node), self.source_pos)
                )

    def _read_entities(self, key_node: yaml.Node, node: yaml.Node) -> None:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(
                key_node,
                f"`entities:` must be a list of `- id: …` items, not a {kind_of(node)}",
                "start each entity with `- ` under `entities:` (`  - id: …` then its keys, "
                "indented under it)",
            )
            return
        for item in node.value:
            if self._check_node(item) and self._expect(
                item, yaml.MappingNode, "an entity", "a mapping with `id:`, `type:` and `label:`",
                "write the entity's keys (`id:`, `type:`, `label:`, …) after its `- `",
            ):  # fmt: skip
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
        before = len(self.problems)
        evidence = self._evidence(pairs)
        bad_evidence = any(self._holds_bad(pairs[k][1]) for k in ("quote", "cite") if k in pairs)
        unreadable = ["quote"] if bad_evidence or len(self.problems) > before else []
        statements: list[Statement] = []
        for key, (key_node, value_node) in pairs.items():
            if key not in ENTITY_KEYS:
                before = len(self.problems)
                statements.extend(self._statements(key, key_node, value_node))
                if len(self.problems) > before or self._holds_bad(value_node):
                    unreadable.append(key)
        if ids is not None and types is not None:
            entity = Entity(ids, types, pos, tuple(evidence), tuple(statements), tuple(unreadable))
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

    def _pairs(self, node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """The mapping's keys in order; duplicate and non-text keys are problems."""
        pairs: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if not self._check_node(key_node):
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(
                    key_node,
                    "a mapping key must be plain text, not a " + kind_of(key_node),
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
        if not self._check_node(node):
            return []
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
            self.problem(node, f"{what} must be text, not a {kind_of(node)}")
            return None
        text: str = node.value
        if not node.style and text in NULL_WORDS:  # plain: style None or "" (libyaml)
            self.problem(node, f"{what} is empty", "write a value or remove the key")
            return None
        if not text.strip():
            self.problem(node, f"{what} is blank", "write a value or remove the key")
            return None
        return text

    def _expect(self, node: yaml.Node, kind: type, what: str, expected: str, fix: str) -> bool:
        if isinstance(node, kind):
            return True
        self.problem(node, f"{what} must be {expected}, not a {kind_of(node)}", fix)
        return False
