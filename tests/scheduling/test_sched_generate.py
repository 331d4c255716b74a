"""generate() on the small sample program: a complete grid, zero ACGME violations, absences, locks,
holidays, call coverage, determinism, scope, progress and cancellation."""

from __future__ import annotations

import threading

import numpy as np

from residency.compliance.of_schedule import check_schedule
from residency.domain.program import AbsenceStatus
from residency.domain.schedule import UNFILLED
from residency.scheduling.catalogue import CATALOGUE
from residency.scheduling.problem import Problem
from residency.scheduling.solve import generate


def test_sched_small_grid_complete(small_program, small_result):
    s = small_result.schedule
    assert s.unfilled() == 0
    assert set(s.people) == {p.key for p in small_program.people}
    assert s.grid.shape == (len(small_program.people), small_program.year.days, 2)
    assert (s.grid != UNFILLED).all()


def test_sched_small_zero_violations(small_program, small_result):
    report = check_schedule(small_program, small_result.schedule)
    assert report.violations == []
    assert small_result.violations == 0


def test_sched_every_resident_on_a_rotation_every_block(small_program, small_result):
    problem = Problem(small_program)
    assert CATALOGUE["BLK-ONE"].measure(problem, small_result.schedule) == []
    for cid in ("BLK-CAP", "BLK-CURR", "BLK-ELIG", "BLK-WHOLE", "BLK-LEAVE", "BLK-LOCK"):
        assert CATALOGUE[cid].measure(problem, small_result.schedule) == [], cid


def test_sched_hard_constraints_measure_clean(small_program, small_result):
    problem = Problem(small_program)
    breaches = {
        c.id: c.measure(problem, small_result.schedule)
        for c in CATALOGUE.values()
        if c.hard and c.id not in ("GRID-PATTERN", "CALL-COVER")
    }
    assert {k: v for k, v in breaches.items() if v} == {}


def test_sched_absences_respected(small_program, small_result):
    s = small_result.schedule
    approved = [a for a in small_program.absences if a.status == AbsenceStatus.APPROVED]
    assert approved
    for a in approved:
        code = s.get(a.person, a.end, a.end_half)
        assert code in ("LV", "CONF", "DEP", "TDY"), (a, code)
    nights = {(c.person, c.night) for c in s.calls}
    for a in approved:
        d = a.start
        while d <= a.end:
            assert (a.person, d) not in nights
            d = d.fromordinal(d.toordinal() + 1)


def test_sched_holidays_close_clinic(small_program, small_result):
    s = small_result.schedule
    for h in small_program.year.holidays:
        for key in s.people:
            for half in (0, 1):
                code = s.codes[s.grid[s.row(key), s.day_index(h.day), half]]
                assert code not in ("C", "AT", "LEC", "ADM", "PR"), (key, h.day, code)


def test_sched_call_covered_with_post_call(small_program, small_result):
    s = small_result.schedule
    for pool in small_program.call_pools:
        nights = [c.night for c in s.calls if c.pool == pool.name]
        assert len(nights) == len(set(nights))
    problem = Problem(small_program)
    assert CATALOGUE["CALL-POST"].measure(problem, s) == []


def test_sched_supervision_every_clinic_half_day(small_program, small_result):
    problem = Problem(small_program)
    assert CATALOGUE["SUP-CLINIC"].measure(problem, small_result.schedule) == []
    assert CATALOGUE["SUP-PROC"].measure(problem, small_result.schedule) == []


def test_sched_locks_kept(small_program, small_result):
    from dataclasses import replace

    from residency.domain.program import BlockAssignment

    locks = (BlockAssignment("R1-01", 2, "NF", "first_half"), BlockAssignment("R2-02", 3, "FMC"))
    program = replace(small_program, block_assignments=locks)
    result = generate(program, time_limit=6.0, seed=2, workers=2)
    assert result.ok
    got = set(result.schedule.block_assignments)
    assert BlockAssignment("R2-02", 3, "FMC") in got
    assert any(
        b.person == "R1-01" and b.block == 2 and b.rotation == "NF" and b.part in ("first_half", "whole") for b in got
    )


def test_sched_deterministic_with_seed_and_one_worker(small_program):
    a = generate(small_program, time_limit=4.0, seed=7, workers=1, verify=False)
    b = generate(small_program, time_limit=4.0, seed=7, workers=1, verify=False)
    assert a.ok and b.ok
    assert np.array_equal(a.schedule.grid, b.schedule.grid)
    assert a.schedule.calls == b.schedule.calls
    assert a.schedule.block_assignments == b.schedule.block_assignments


def test_sched_scope_people_leaves_others_untouched(small_program, small_result):
    keep = small_result.schedule
    scope = {"R2-01", "F-02"}
    result = generate(small_program, time_limit=6.0, seed=3, workers=2, keep=keep, scope_people=scope)
    assert result.ok, result.summary()
    s = result.schedule
    for key in keep.people:
        if key not in scope:
            assert np.array_equal(s.grid[s.row(key)], keep.grid[keep.row(key)]), key
    key = lambda c: (c.night, c.pool, c.person)  # noqa: E731
    others = sorted((c for c in keep.calls if c.person not in scope), key=key)
    assert sorted((c for c in s.calls if c.person not in scope), key=key) == others
    assert [b for b in s.block_assignments if b.person not in scope] == [
        b for b in keep.block_assignments if b.person not in scope
    ]
    assert result.violations == 0


def test_sched_locked_cells_kept(small_program, small_result):
    keep = small_result.schedule.copy()
    keep.locked = np.zeros(keep.grid.shape, bool)
    row = keep.row("R3-01")
    keep.locked[row, 40:44, :] = True
    keep.grid[row, 40:44, :] = keep.code_index("ADM")
    result = generate(small_program, time_limit=6.0, seed=4, workers=2, keep=keep)
    assert result.ok, result.summary()
    s = result.schedule
    assert (s.grid[s.row("R3-01"), 40:44] == s.code_index("ADM")).all()


def test_sched_progress_and_cancel(small_program):
    seen = []
    result = generate(small_program, time_limit=4.0, progress=lambda info: seen.append(info), verify=False)
    assert result.ok
    assert {"blocks", "residents"} <= {i["layer"] for i in seen}
    assert all("elapsed" in i for i in seen)
    stop = threading.Event()
    stop.set()
    assert generate(small_program, time_limit=4.0, cancel=stop).status == "cancelled"
    assert generate(small_program, time_limit=4.0, progress=lambda info: False).status == "cancelled"
