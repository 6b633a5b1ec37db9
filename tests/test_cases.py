"""Bad input as data: each `tests/cases/bad/NAME.yaml` is added to a copy of the mini data set
as `data/case.yaml`, and `kg check data` must print exactly `NAME.expected` on stderr and
exit 1. Refresh with `pytest --update-golden`, then review the change with `git diff`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main

CASES = Path(__file__).parent / "cases" / "bad"
BAD_CASES = sorted(p.stem for p in CASES.glob("*.yaml"))
MIN_CASES = 75  # the suite must not quietly shrink


def test_the_bad_case_suite_is_complete() -> None:
    assert len(BAD_CASES) >= MIN_CASES
    expected = sorted(p.stem for p in CASES.glob("*.expected"))
    assert expected == BAD_CASES, "every case needs its .expected file and vice versa"


@pytest.mark.parametrize("name", BAD_CASES)
def test_bad_case_prints_every_problem_with_its_line(
    name: str, data_dir: Path, update_golden: bool
) -> None:
    (data_dir / "case.yaml").write_bytes((CASES / f"{name}.yaml").read_bytes())
    result = CliRunner().invoke(main, ["check", "data"])
    expected_path = CASES / f"{name}.expected"
    if update_golden:
        expected_path.write_text(result.stderr, encoding="utf-8")
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr == expected_path.read_text(encoding="utf-8")
