"""One generated small-program schedule shared by the scheduling tests (generation takes seconds)."""

from __future__ import annotations

import pytest

from residency.sample.programs import build_program
from residency.scheduling.solve import generate


@pytest.fixture(scope="session")
def small_program():
    return build_program("small", 0)


@pytest.fixture(scope="session")
def small_result(small_program):
    result = generate(small_program, time_limit=8.0, seed=1, workers=2)
    assert result.status == "ok", result.summary()
    return result
