"""Labels and quotes reach the HTML view as data, never as markup."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import kg


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


HOSTILE = '</script><script>alert(1)</script><img src=x onerror=alert(2)> & "q"'


def test_hostile_label_cannot_close_the_script_or_add_markup(data_dir: Path) -> None:
    (data_dir / "hostile.yaml").write_text(
        "source: mini-source\n"
        "entities:\n"
        "  - id: hostile\n"
        "    type: City\n"
        f"    label: {{zh: 深圳, en: '{HOSTILE}'}}\n"
        '    quote: "深圳宝安国际机场"\n',
        encoding="utf-8",
    )
    kg.build(data_dir, data_dir.parent / "out", formats=["html"])
    html = (data_dir.parent / "out" / "network.html").read_text(encoding="utf-8")
    assert HOSTILE not in html
    assert "<img src=x" not in html
    parser = _Elements()
    parser.feed(html)
    assert parser.tags.count("script") == 2  # vis-network and the page's own script
    assert "img" not in parser.tags
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)" in html
