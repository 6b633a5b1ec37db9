"""What raw curated text may hold, and how other YAML tools would read it: strict UTF-8,
the characters no file may contain (`FORBIDDEN`), their names for error messages, and the
YAML 1.1 reading of a plain scalar that gba-kg keeps as text.

Used by `load.py` (data files), `quotes.py` (source texts) and `validate.py` (messages).
"""

from __future__ import annotations

import re
import unicodedata

from kg.errors import Problem
from kg.facts import SourcePos

NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})
"""Plain scalars YAML reads as null; gba-kg treats them as a missing value."""

FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 controls but TAB LF CR; DEL; C1
    "\u061c\u200b\u200e\u200f\u2060\ufeff"  # bidi marks and zero-width characters
    "\u2028\u2029"  # line and paragraph separators: line breaks to YAML, not to editors
    "\u202a-\u202e\u2066-\u2069]"  # bidi embeddings, overrides and isolates
)
"""Characters no curated file may hold, not even in a comment: they are invisible, make text
display in an order other than the one it is stored in ("Trojan source"), or break lines where
an editor shows none."""

_CONTROL_NAMES = {
    0x00: "NULL",
    0x07: "BELL",
    0x08: "BACKSPACE",
    0x0B: "LINE TABULATION",
    0x0C: "FORM FEED",
    0x1B: "ESCAPE",
    0x7F: "DELETE",
    0x85: "NEXT LINE",
}


def describe_char(ch: str) -> str:
    """A forbidden or unexpected character, by kind, code point and name.

    >>> describe_char("\x1b")
    'control character U+001B ESCAPE'
    >>> describe_char("\u202e")
    'bidirectional control U+202E RIGHT-TO-LEFT OVERRIDE'
    >>> describe_char("\u200b")
    'invisible character U+200B ZERO WIDTH SPACE'
    """
    code = ord(ch)
    name = unicodedata.name(ch, _CONTROL_NAMES.get(code, ""))
    if unicodedata.category(ch) == "Cc":
        kind = "control character"
    elif unicodedata.category(ch) in ("Zl", "Zp"):
        kind = "unusual line break"
    elif unicodedata.bidirectional(ch) in (
        "LRE",
        "RLE",
        "PDF",
        "LRO",
        "RLO",
        "LRI",
        "RLI",
        "FSI",
        "PDI",
    ):
        kind = "bidirectional control"
    elif "MARK" in name and (
        "LEFT-TO-RIGHT" in name or "RIGHT-TO-LEFT" in name or "ARABIC" in name
    ):
        kind = "bidirectional mark"
    else:
        kind = "invisible character"
    return f"{kind} U+{code:04X} {name}".rstrip()


def yaml11_reading(text: str) -> str | None:
    """What a YAML 1.1 tool (PyYAML's default loaders, many others) makes of a plain scalar
    that gba-kg reads as text, when that differs from the text; else None.

    >>> [yaml11_reading(t) for t in ("010", "1:30", "1_000", "1.10", "yes", "2020-10-22")]
    ... # doctest: +NORMALIZE_WHITESPACE
    ['the octal number 8', 'the base-60 number 90', 'the number 1000', 'the number 1.1',
     'the boolean true', 'a date']
    >>> yaml11_reading("39000") is None and yaml11_reading("Guangzhou") is None
    True
    """
    if text in _YAML11_BOOLS:
        return f"the boolean {_YAML11_BOOLS[text]}"
    if text in NULL_WORDS:
        return "null (no value)"
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return "a date"
    if re.fullmatch(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:.*", text):
        return "a timestamp"
    negative = text.startswith("-")
    body = text[1:] if text[:1] in "+-" else text
    digits = body.replace("_", "")
    kind, number = "number", ""
    if re.fullmatch(r"0b[01_]+", body):
        kind, number = "binary number", str(int(digits[2:], 2))
    elif re.fullmatch(r"0x[0-9a-fA-F_]+", body):
        kind, number = "hexadecimal number", str(int(digits[2:], 16))
    elif re.fullmatch(r"0[0-7_]+", body):
        kind, number = "octal number", str(int(digits, 8))
    elif re.fullmatch(r"0|[1-9][0-9_]*", body):
        number = str(int(digits))
    elif re.fullmatch(r"[1-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?", body):
        value = 0.0
        for part in digits.split(":"):
            value = value * 60 + float(part)
        shown = str(int(value)) if "." not in body else repr(value)
        return f"the base-60 number {'-' if negative else ''}{shown}"
    elif re.fullmatch(r"([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?", body) and body != ".":
        number = repr(float(digits))
    elif re.fullmatch(r"\.(inf|Inf|INF)", body):
        number = "infinity"
    elif re.fullmatch(r"\.(nan|NaN|NAN)", text):
        return "not-a-number"
    if not number:
        return None
    number = number.removesuffix(".0") if kind == "number" and "e" not in number else number
    reading = f"the {kind} {'-' if negative else ''}{number}"
    return None if reading == f"the number {text}" else reading


_YAML11_BOOLS = {
    **{w: "true" for w in "y Y yes Yes YES true True TRUE on On ON".split()},
    **{w: "false" for w in "n N no No NO false False FALSE off Off OFF".split()},
}


def decode_utf8(raw: bytes, name: str, problems: list[Problem]) -> str | None:
    """Strict UTF-8 (a BOM is dropped); a bad byte is a problem with its line and column."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.append(
            Problem(
                SourcePos(name, line),
                f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at line {line}, column {column})",
                "save the file as UTF-8; a file saved as GBK or GB18030 must be converted, "
                "e.g. `iconv -f GB18030 -t UTF-8`",
            )
        )
        return None
