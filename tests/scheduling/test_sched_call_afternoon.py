"""The afternoon of a call day: daytime work that ends before the shift stays in the grid (the run
goes on into the call), so a weekday call does not leave the resident idle from noon to 17:00 - an
RST-01 gap under 8 h."""

from __future__ import annotations

from datetime import time

import pytest

from residency.compliance.of_schedule import check_schedule
from residency.domain.program import CallKind
from residency.scheduling.constraints.call import afternoon_cell
from residency.scheduling.problem import Problem
from residency.scheduling.solve import generate


def _weeknight_pool(program):
    return next(p for p in program.call_pools if p.kind == CallKind.IN_HOUSE and 0 in p.weekdays)


def _weekday_night(problem, pool) -> int:
    return next(d for d in problem.pool_nights(pool) if problem.days[d].weekday() < 5)


def test_afternoon_cell_keeps_day_work_and_shows_call_otherwise(small_program):
    problem = Problem(small_program)
    pool = _weeknight_pool(small_program)
    d = _weekday_night(problem, pool)
    code = problem.cidx
    assert pool.shift_start == time(17, 0)
    # clinic 13:00-17:00 ends as the shift starts: it stays
    assert afternoon_cell(problem, pool, d, code["C"]) == code["C"]
    # inpatient 12:00-18:00 overlaps the shift: the afternoon shows the call
    assert afternoon_cell(problem, pool, d, code["FMIT"]) == code["CALL"]
    # a free afternoon shows the call; leave stays leave
    assert afternoon_cell(problem, pool, d, code["W"]) == code["CALL"]
    assert afternoon_cell(problem, pool, d, code["LV"]) == code["LV"]


@pytest.mark.parametrize("algorithm", ["hybrid", "greedy"])
def test_weekday_call_after_clinic_is_one_run(small_program, small_result, algorithm):
    result = small_result if algorithm == "hybrid" else generate(small_program, algorithm="greedy", seed=1)
    s = result.schedule
    problem = Problem(small_program)
    pool = _weeknight_pool(small_program)
    kept = 0
    for c in s.calls:
        if c.pool != pool.name:
            continue
        pm = s.codes[s.grid[s.row(c.person), s.day_index(c.night), 1]]
        if pm != "CALL":
            kept += 1
            assert problem.counted[problem.cidx[pm]], (c, pm)
    assert kept > 0  # before the fix every call day's afternoon showed CALL
    report = check_schedule(small_program, s)
    idle = [
        f
        for f in report.findings
        if f.rule == "RST-01"
        and any(p.activity == "call" for p in f.periods)
        and f.periods[0].end.time() == time(12, 0)
        and f.periods[0].activity not in ("FMIT", "ER", "NICU", "PER", "IMW", "PedW", "KAP", "LD")
    ]
    assert idle == []
