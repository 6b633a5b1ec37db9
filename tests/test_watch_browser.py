"""`kg watch` in a real browser (Debian's chromium, driven by playwright): the explorer served
by it reloads itself after a good build, and shows the edit.

`make browser` installs both; without them these tests are skipped with the reason shown.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.test_watch import _until, watching  # noqa: F401  (the fixture)

CHROMIUM = Path("/usr/bin/chromium")

try:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    pytest.skip(
        "BROWSER TESTS SKIPPED: the playwright package is missing — run `make browser`",
        allow_module_level=True,
    )
if not CHROMIUM.is_file():  # pragma: no cover - depends on the machine
    pytest.skip(
        f"BROWSER TESTS SKIPPED: {CHROMIUM} is missing — run `make browser`",
        allow_module_level=True,
    )


def test_the_open_explorer_reloads_after_a_save_and_shows_the_edit(
    data_dir: Path,
    watching: tuple[object, object],  # noqa: F811
) -> None:
    _, lines = watching
    url = _until(lines, "kg watch: http://127.0.0.1:").split()[2]  # type: ignore[arg-type]
    _until(lines, "data: all checks passed")  # type: ignore[arg-type]
    entities = next(p for p in sorted(data_dir.glob("*.yaml")))
    text = entities.read_text(encoding="utf-8")
    assert "en: Guangzhou}" in text
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        page.wait_for_function("window.kgExplorer && window.kgExplorer.ready")
        assert "Guangzhou Renamed" not in page.content()
        page.evaluate("window.kgBeforeSave = true")
        entities.write_text(
            text.replace("en: Guangzhou}", "en: Guangzhou Renamed}", 1), encoding="utf-8"
        )
        _until(lines, "data: all checks passed")  # type: ignore[arg-type]
        # polled from here: a polling wait_for_function evaluates a string, which the
        # page's policy forbids ('unsafe-eval' is not allowed)
        end = time.monotonic() + 30
        reloaded = False
        while not reloaded and time.monotonic() < end:
            try:
                reloaded = page.evaluate("() => window.kgBeforeSave === undefined")
            except PlaywrightError:  # navigating
                pass
            time.sleep(0.2)
        assert reloaded, "the page did not reload after the build"
        page.wait_for_function("window.kgExplorer && window.kgExplorer.ready")
        assert "Guangzhou Renamed" in page.content()
        browser.close()
    assert errors == []  # no script error, no request the page's policy refused
