"""Labels and quotes reach the HTML view as data, never as markup."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import kg


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "script":
            self.scripts.append(dict(attrs))


HOSTILE = '</script><script>alert(1)</script><img src=x onerror=alert(2)> & "q"'
LINK = '<a href="javascript:alert(3)">x</a>'
QUOTE = '<script>alert(4)</script><img src=x onerror="alert(5)">'


def write_hostile(data_dir: Path) -> None:
    """A city whose labels, and a quote whose text, are markup that would run if parsed."""
    source = data_dir / "sources" / "mini-source.txt"
    source.write_text(source.read_text(encoding="utf-8") + f"\n他说:{QUOTE}。\n", "utf-8")
    (data_dir / "hostile.yaml").write_text(
        "source: mini-source\n"
        "entities:\n"
        "  - id: hostile\n"
        "    type: City\n"
        f"    label: {{zh: {json.dumps(HOSTILE + LINK)}, en: {json.dumps(HOSTILE)}}}\n"
        '    quote: "深圳宝安国际机场"\n'
        "    linked-with:\n"
        "      - value: shenzhen\n"
        f"        quote: {json.dumps(QUOTE)}\n",
        encoding="utf-8",
    )


def test_hostile_label_cannot_close_the_script_or_add_markup(data_dir: Path) -> None:
    write_hostile(data_dir)
    kg.build(data_dir, data_dir.parent / "out", formats=["html"])
    html = (data_dir.parent / "out" / "network.html").read_text(encoding="utf-8")
    for text in (HOSTILE, LINK, QUOTE, "<img src=x", "<a href"):
        assert text not in html, text
    parser = _Elements()
    parser.feed(html)
    # the data (JSON, not run), vis-network and the page's own script
    assert [s.get("type") for s in parser.scripts] == ["application/json", None, None]
    assert "img" not in parser.tags and "a" not in parser.tags
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)" in html
    data = html.split('<script type="application/json" id="kg-data">', 1)[1]
    data = json.loads(data.split("</script>", 1)[0])
    node = next(n for n in data["nodes"] if n["id"] == "hostile")
    assert (node["zh"], node["en"]) == (HOSTILE + LINK, HOSTILE)
    quotes = [e["exact"] for e in data["evidence"].values()]
    assert QUOTE in quotes


def test_the_page_script_never_writes_markup() -> None:
    template = (Path(kg.__file__).parent / "explorer" / "templates" / "network.html").read_text(
        "utf-8"
    )
    script = template.rsplit("<script>", 1)[1]
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script, sink
