"""The algorithm portfolio on the small program: greedy, cpsat, hybrid, lp each give a complete grid
the compliance engine accepts; the API/CLI list matches the solver's; repair changes only what it must."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from residency import runs
from residency.scheduling import solve
from residency.scheduling.repair import changes, repair
from residency.scheduling.solve import generate


def test_sched_algorithm_lists_match():
    assert runs.ALGORITHMS == solve.ALGORITHMS
    assert solve.ALGORITHMS[0] == "hybrid" and "cpsat-layered" in solve.ALGORITHMS


@pytest.mark.parametrize(("algorithm", "limit"), [("greedy", 5.0), ("cpsat", 6.0), ("hybrid", 6.0), ("lp", 8.0)])
def test_sched_algorithm_complete_and_compliant(small_program, algorithm, limit):
    result = generate(small_program, algorithm=algorithm, time_limit=limit, seed=3, workers=2)
    assert result.status == "ok", result.summary()
    assert result.algorithm == algorithm
    assert result.schedule.unfilled() == 0
    assert result.violations == 0
    assert result.first_complete_s is not None and result.first_complete_s <= result.seconds + 1e-6
    if algorithm == "greedy":
        assert result.seconds < 5.0


def test_sched_unknown_algorithm(small_program):
    with pytest.raises(ValueError, match="unknown algorithm"):
        generate(small_program, algorithm="simplex", time_limit=1)


def test_sched_repair_changes_only_what_it_must(small_program, small_result):
    published = small_result.schedule
    residents = {p.key for p in small_program.residents()}
    call = next(c for c in published.calls if c.person in residents and c.night > published.start + timedelta(40))
    who, night = call.person, call.night
    result = repair(small_program, published, person=who, start=night, end=night + timedelta(days=1), time_limit=20)
    assert result.ok, result.summary()
    after = result.schedule
    assert result.violations == 0 and after.unfilled() == 0
    # the absence is shown, the call is gone and covered by somebody else
    lv = after.code_index("LV")
    i = (night - after.start).days
    assert (after.grid[after.row(who), i : i + 2] == lv).all()
    assert not any(c.person == who and c.night == night for c in after.calls)
    assert any(c.night == night and c.pool == call.pool for c in after.calls)
    # counted by hand: every changed cell is inside the window, and only scope people changed
    cells, calls = changes(published, after)
    assert (cells, calls) == (result.changed_cells, result.changed_calls)
    diff = published.grid != after.grid
    lo, hi = ((d - after.start).days for d in result.window)
    assert not diff[:, :lo].any() and not diff[:, hi + 1 :].any()
    changed_people = {after.people[p] for p in np.nonzero(diff.any(axis=(1, 2)))[0]}
    assert changed_people <= set(result.scope)
    # the absence itself is 4 cells; a repair is a handful of cells and calls, not a new schedule
    assert 4 <= cells <= 30 and 1 <= calls <= 6
    assert cells < 0.01 * published.grid.size
    # everyone else keeps all their calls
    others = {(c.person, c.night, c.pool) for c in published.calls if c.person not in result.scope}
    assert others <= {(c.person, c.night, c.pool) for c in after.calls}
