"""The public API is what `kg.__all__` lists, and nothing else."""

from __future__ import annotations

import kg


def test_public_api_is_pinned() -> None:
    assert kg.__all__ == [
        "WRITERS",
        "Answer",
        "GbaKgError",
        "KgError",
        "Output",
        "Problem",
        "QueryError",
        "Result",
        "Schema",
        "SourcePos",
        "build",
        "check",
        "coverage",
        "coverage_page",
        "diff",
        "export",
        "load",
        "query",
        "read_schema",
        "schema",
        "site",
        "stats",
        "view",
        "watch",
    ]
    for name in kg.__all__:
        assert getattr(kg, name) is not None, name


def test_api_functions_are_not_shadowed_by_modules_of_the_same_name() -> None:
    # importing a submodule binds its name on its package: no module of kg/ may be named
    # like an API function (kg/build.py once shadowed kg.build)
    for name in (
        "build",
        "check",
        "coverage",
        "diff",
        "export",
        "load",
        "query",
        "schema",
        "stats",
        "view",
    ):
        func = getattr(kg, name)
        assert callable(func) and func.__module__ == "kg.api", name


def test_every_error_kg_raises_on_purpose_is_a_gbakgerror_with_its_exit_code() -> None:
    from kg.errors import DiffError, PushError, QueryError, UsageError

    assert kg.KgError([]).exit_code == 1
    assert issubclass(QueryError, UsageError) and QueryError("x").exit_code == 2
    assert DiffError("x").exit_code == 2
    assert PushError("x").exit_code == 3
    assert all(issubclass(e, kg.GbaKgError) for e in (kg.KgError, QueryError, DiffError, PushError))
