"""Shared fixtures: the small valid data set, a scratch copy of it, and `--update-golden`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
ROOT = TESTS.parent
MINI = TESTS / "fixtures" / "mini"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/* and tests/cases/*/*.expected from the current output",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the mini data set at `./data` in a scratch working directory."""
    target = tmp_path / "data"
    shutil.copytree(MINI, target)
    monkeypatch.chdir(tmp_path)
    return target
