"""Each constraint's encode and measure agree: a schedule the model accepts measures clean, and a
schedule that breaks the constraint is rejected by its encoding and counted by its measure."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from ortools.sat.python import cp_model

from residency.domain.program import BlockAssignment
from residency.domain.schedule import CallAssignment
from residency.scheduling.blocks import build
from residency.scheduling.blockvars import half_rotations
from residency.scheduling.catalogue import CATALOGUE, all_constraints, score
from residency.scheduling.problem import Problem

BLOCK_IDS = ("BLK-ONE", "BLK-WHOLE", "BLK-ELIG", "BLK-CAP", "BLK-CURR", "BLK-LEAVE", "BLK-LOCK")


def test_sched_catalogue_units_are_named():
    cs = all_constraints()
    ids = [c.id for c in cs]
    assert len(ids) == len(set(ids))
    for c in cs:
        d = c.describe()
        assert d["title"] and d["doc"] and c.layer in ("blocks", "residents", "faculty", "clinic", "grid")
        assert c.hard or c.weight > 0


def _accepts(problem: Problem, cid: str, schedule) -> bool:
    """Does constraint cid's encoding (alone) accept the schedule's block assignments?"""
    _m, v, _t = build(problem)
    # a fresh model with the same variables and only this constraint (plus one rotation per half)
    model = cp_model.CpModel()
    x = {k: model.NewBoolVar("") for k in v.x}
    v.x = x
    if cid != "BLK-ONE":
        CATALOGUE["BLK-ONE"].encode(model, problem, v)
    CATALOGUE[cid].encode(model, problem, v)
    rots = half_rotations(problem, schedule)
    for (p, h, r), var in x.items():
        model.Add(var == int(rots[p][h] == r))
    return cp_model.CpSolver().Solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


@pytest.mark.parametrize("cid", BLOCK_IDS)
def test_sched_block_encode_measure_agree_on_solution(small_program, small_result, cid):
    problem = Problem(small_program)
    assert CATALOGUE[cid].measure(problem, small_result.schedule) == []
    assert _accepts(problem, cid, small_result.schedule)


def _swap(schedule, person, block, rotation, part="whole"):
    s = schedule.copy()
    kept = [b for b in s.block_assignments if not (b.person == person and b.block == block)]
    s.block_assignments = tuple(kept + [BlockAssignment(person, block, rotation, part)])
    return s


@pytest.mark.parametrize(
    ("cid", "person", "block", "rotation"),
    [
        ("BLK-ELIG", "R1-01", 2, "FMIT2"),  # FMIT2 is PGY-2/3 only
        ("BLK-CAP", None, 2, "FMIT1"),  # a third intern on FMIT1 (max 2)
        ("BLK-LEAVE", "R1-02", 2, "NF"),  # R1-02's approved leave falls in block 2; NF forbids leave
    ],
)
def test_sched_block_encode_measure_agree_on_breach(small_program, small_result, cid, person, block, rotation):
    problem = Problem(small_program)
    s = small_result.schedule
    if person is None:  # all three interns on the rotation for the whole block, whatever the solver chose
        for key in ("R1-01", "R1-02", "R1-03"):
            s = _swap(s, key, block, rotation)
        person = "R1-01"
    else:
        s = _swap(s, person, block, rotation)
    assert CATALOGUE[cid].measure(problem, s), cid
    assert not _accepts(problem, cid, s)


def test_sched_lock_encode_measure_agree(small_program, small_result):
    program = replace(small_program, block_assignments=(BlockAssignment("R3-01", 1, "FMC"),))
    problem = Problem(program)
    s = _swap(small_result.schedule, "R3-01", 1, "PROC")
    assert CATALOGUE["BLK-LOCK"].measure(problem, s)
    assert not _accepts(problem, "BLK-LOCK", s)
    s = _swap(small_result.schedule, "R3-01", 1, "FMC")
    assert CATALOGUE["BLK-LOCK"].measure(problem, s) == []
    assert _accepts(problem, "BLK-LOCK", s)


def test_sched_call_frequency_measured_by_engine(small_program, small_result):
    """A resident on call every other night breaks CALL-01 (the model never offers that)."""
    problem = Problem(small_program)
    s = small_result.schedule.copy()
    pool = small_program.call_pools[0].name
    first = small_program.year.start
    calls = [c for c in s.calls if c.person != "R2-01"]
    calls += [CallAssignment("R2-01", first + timedelta(days=2 * i), pool) for i in range(14)]
    s.calls = tuple(calls)
    assert CATALOGUE["CALL-01"].measure(problem, s)


def test_sched_unfilled_cell_measured(small_program, small_result):
    problem = Problem(small_program)
    s = small_result.schedule.copy()
    s.grid[0, 5, 1] = -1
    assert [b.amount for b in CATALOGUE["GRID-FILL"].measure(problem, s)] == [1]


def test_sched_score_breakdown(small_program, small_result):
    problem = Problem(small_program)
    sc = score(problem, small_result.schedule)
    assert set(sc) == {c.id for c in all_constraints()}
    assert all(v["penalty"] == 0 for k, v in sc.items() if v["hard"])
    assert small_result.breakdown and all(isinstance(v, (int, float)) for v in small_result.breakdown.values())
    assert set(small_result.layers) == {"blocks", "residents", "faculty", "clinic"}
