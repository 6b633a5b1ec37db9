"""`kg watch`: a build on every save, its problems printed, and the served pages told to
reload after each good build."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import kg
from kg.errors import KgError
from kg.runtime.watching import RELOAD_SCRIPT, changed, snapshot, with_reload
from tests.conftest import ROOT

BAD_TYPE = "type: City\n"


def test_changed_names_added_removed_and_modified_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("a", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("b", encoding="utf-8")
    before = snapshot([tmp_path], ["*.yaml"])
    (tmp_path / "a.yaml").write_text("aa", encoding="utf-8")
    (tmp_path / "b.yaml").unlink()
    (tmp_path / "c.yaml").write_text("c", encoding="utf-8")
    (tmp_path / "d.txt").write_text("not watched", encoding="utf-8")
    after = snapshot([tmp_path], ["*.yaml"])
    assert changed(before, after) == [str(tmp_path / n) for n in ("a.yaml", "b.yaml", "c.yaml")]
    assert changed(after, after) == []


def test_a_served_page_may_ask_its_own_origin_and_nothing_else() -> None:
    page = (
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "script-src 'unsafe-inline'\"><body><p>x</p></body>"
    )
    served = with_reload(page)
    assert (
        "content=\"default-src 'none'; script-src 'unsafe-inline'; connect-src 'self'\"" in served
    )
    assert served.endswith(RELOAD_SCRIPT + "</body>")


def test_watch_builds_then_rebuilds_on_a_save(data_dir: Path) -> None:
    outcomes: list[tuple[kg.Result | KgError, list[str]]] = []
    places = next(
        p for p in sorted(data_dir.glob("*.yaml")) if "type: City" in p.read_text("utf-8")
    )

    def report(outcome: kg.Result | KgError, files: list[str]) -> None:
        outcomes.append((outcome, files))
        if len(outcomes) == 1:  # the first build is done: a curator saves a mistake
            text = places.read_text(encoding="utf-8")
            places.write_text(text.replace(BAD_TYPE, "type: Cty\n", 1), encoding="utf-8")

    kg.watch(data_dir, data_dir.parent / "build", report=report, interval=0.05, builds=2)
    first, second = outcomes
    assert isinstance(first[0], kg.Result) and first[1] == []
    assert isinstance(second[0], KgError) and second[1] == [str(places)]
    assert "unknown type 'Cty'" in second[0].report()


@pytest.fixture
def watching(data_dir: Path) -> Iterator[tuple[subprocess.Popen[str], queue.Queue[str]]]:
    """`kg watch --port 0` on the mini data, its stdout and stderr lines in a queue."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", "from kg.cli import main; main()", "watch", "--port", "0"]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                lines.put(line.rstrip("\n"))
        except ValueError:  # closed at teardown
            pass

    threading.Thread(target=pump, daemon=True).start()
    yield proc, lines
    proc.terminate()
    proc.wait(timeout=10)
    assert proc.stdout is not None
    proc.stdout.close()


def _until(lines: queue.Queue[str], wanted: str, timeout: float = 60) -> str:
    end = time.monotonic() + timeout
    seen = []
    while time.monotonic() < end:
        try:
            line = lines.get(timeout=max(0.1, end - time.monotonic()))
        except queue.Empty:
            break
        seen.append(line)
        if wanted in line:
            return line
    raise AssertionError(f"no line with {wanted!r} in {seen}")


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:
        data: bytes = answer.read()
        return data


def test_kg_watch_serves_the_explorer_and_tells_it_to_reload(
    data_dir: Path, watching: tuple[subprocess.Popen[str], queue.Queue[str]]
) -> None:
    _, lines = watching
    url = _until(lines, "kg watch: http://127.0.0.1:").split()[2].removesuffix("network.html")
    _until(lines, "data: all checks passed")
    page = _get(url + "network.html").decode("utf-8")
    assert RELOAD_SCRIPT in page and "connect-src 'self'" in page
    assert json.loads(_get(url + ".kg-watch")) == {"build": 1}
    places = next(p for p in sorted(data_dir.glob("*.yaml")) if BAD_TYPE in p.read_text("utf-8"))
    good = places.read_text(encoding="utf-8")
    places.write_text(good.replace(BAD_TYPE, "type: Cty\n", 1), encoding="utf-8")
    assert _until(lines, "unknown type 'Cty'").startswith(f"data/{places.name}:")
    assert json.loads(_get(url + ".kg-watch")) == {"build": 1}  # nothing new to show
    places.write_text(good.replace("zh: ", "zh: 新", 1), encoding="utf-8")
    _until(lines, "data: all checks passed")
    assert json.loads(_get(url + ".kg-watch")) == {"build": 2}
    with pytest.raises(urllib.error.HTTPError):
        _get(url + "../pyproject.toml")


def test_kg_watch_on_a_taken_port_says_so_in_one_line(data_dir: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-c", "from kg.cli import main; main()", "watch", "--port", str(port)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .startswith(f"Error: cannot serve on 127.0.0.1:{port} (Address already in use)")
    )
