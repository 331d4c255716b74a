"""The greedy heuristic (scheduling/greedy): complete grids the compliance engine accepts on the small
program, kept cells and out-of-scope people preserved, absences honoured, each layer's hard rules
checked by the catalogue's own measures, fast."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

from residency.domain.program import Absence, AbsenceStatus, AbsenceType
from residency.domain.schedule import UNFILLED
from residency.scheduling.catalogue import CATALOGUE
from residency.scheduling.cpsat import RunContext
from residency.scheduling.fill import fill_residents
from residency.scheduling.greedy.blocks import greedy_blocks
from residency.scheduling.greedy.driver import run_greedy
from residency.scheduling.greedy.faculty import greedy_faculty
from residency.scheduling.greedy.residents import greedy_residents
from residency.scheduling.problem import Options, Problem
from residency.scheduling.solve import GenerationResult

# Hard catalogue units the greedy run may breach by design, and why:
# - GRID-PATTERN counts clinic cells given up for want of a preceptor (the small program has 4 faculty);
#   the CP-SAT layers give some up too (docs/generation.md, 3b).
ALLOWED_HARD = {"GRID-PATTERN"}


def _run(program, keep=None, scope=None, seed=0) -> tuple[Problem, GenerationResult]:
    problem = Problem(program, Options(), keep, frozenset(scope) if scope is not None else None)
    result = GenerationResult("failed", seed=seed)
    run_greedy(problem, RunContext(30.0, seed, 1), result, verify=True)
    return problem, result


@pytest.fixture(scope="module")
def greedy_small(small_program):
    started = time.monotonic()
    problem, result = _run(small_program)
    return problem, result, time.monotonic() - started


def test_greedy_small_complete_and_compliant(greedy_small, small_program):
    problem, result, seconds = greedy_small
    assert result.status == "ok"
    s = result.schedule
    assert s.unfilled() == 0 and (s.grid != UNFILLED).all()
    assert set(s.people) == {p.key for p in small_program.people}
    assert result.violations == 0
    assert result.first_complete_s is not None
    assert seconds < 5.0
    assert set(result.layers) == {"blocks", "residents", "faculty", "clinic"}
    assert result.objective == pytest.approx(sum(r.objective for r in result.layers.values()))


def test_greedy_small_hard_units_clean(greedy_small):
    problem, result, _ = greedy_small
    breaches = {cid: v["breaches"] for cid, v in result.score.items() if v["hard"] and v["breaches"]}
    assert set(breaches) <= ALLOWED_HARD, breaches
    # every call night covered (resident and staff pools), post-call written, supervision met
    for cid in ("CALL-COVER", "FAC-CALL", "FAC-FMIT", "CALL-POST", "SUP-CLINIC", "SUP-PROC", "FAC-CAP"):
        assert CATALOGUE[cid].measure(problem, result.schedule) == [], cid


def test_greedy_one_call_per_night_per_pool_and_no_back_to_back(greedy_small, small_program):
    _problem, result, _ = greedy_small
    calls = result.schedule.calls
    per_pool_night: dict = {}
    for c in calls:
        per_pool_night.setdefault((c.pool, c.night), []).append(c.person)
    pools = {p.name: p for p in small_program.call_pools}
    assert all(len(v) == pools[pool].per_night for (pool, _n), v in per_pool_night.items())
    nights: dict = {}
    for c in calls:
        nights.setdefault(c.person, set()).add(c.night)
    for person, ns in nights.items():
        assert not any(n + timedelta(days=1) in ns for n in ns), person


def test_greedy_deterministic(small_program):
    _, a = _run(small_program, seed=5)
    _, b = _run(small_program, seed=5)
    assert np.array_equal(a.schedule.grid, b.schedule.grid)
    assert a.schedule.calls == b.schedule.calls
    assert a.schedule.block_assignments == b.schedule.block_assignments


def test_greedy_planted_absence_honoured(small_program):
    start = small_program.year.start + timedelta(days=40)
    absence = Absence("R2-01", start, start + timedelta(days=4), type=AbsenceType.VACATION,
                      status=AbsenceStatus.APPROVED)  # fmt: skip
    program = replace(small_program, absences=(*small_program.absences, absence))
    problem, result = _run(program)
    s = result.schedule
    row = s.row("R2-01")
    d0 = (start - s.start).days
    assert (s.grid[row, d0 : d0 + 5] == s.code_index("LV")).all()
    assert not any(c.person == "R2-01" and start <= c.night <= start + timedelta(days=4) for c in s.calls)
    # on call the night before the leave would make the first leave day post-call: not allowed either
    assert not any(c.person == "R2-01" and c.night == start - timedelta(days=1) for c in s.calls)
    assert CATALOGUE["BLK-LEAVE"].measure(problem, s) == []
    assert result.violations == 0


def test_greedy_locked_cells_and_scope_kept(small_program, greedy_small):
    _problem, first, _ = greedy_small
    keep = first.schedule.copy()
    keep.locked = np.zeros(keep.grid.shape, bool)
    row = keep.row("R3-01")
    keep.locked[row, 40:44, :] = True
    keep.grid[row, 40:44, :] = keep.code_index("ADM")
    # a call on a locked night is kept (Problem.call_kept): drop R3-01's calls there, the cells are now ADM
    lo, hi = keep.start + timedelta(days=39), keep.start + timedelta(days=44)
    keep.calls = tuple(c for c in keep.calls if not (c.person == "R3-01" and lo <= c.night <= hi))
    # every call-eligible resident in scope (with fewer, a weekend may have a single legal taker for
    # two nights running: then one night is left short and reported), the PGY-1s and most faculty kept
    scope = {p.key for p in small_program.residents() if not p.key.startswith("R1-")} | {"F-02"}
    problem, result = _run(small_program, keep=keep, scope=scope, seed=9)
    assert result.status == "ok"
    s = result.schedule
    assert (s.grid[s.row("R3-01"), 40:44] == s.code_index("ADM")).all()
    for key in keep.people:
        if key not in scope:
            assert np.array_equal(s.grid[s.row(key)], keep.grid[keep.row(key)]), key
    key = lambda c: (c.night, c.pool, c.person)  # noqa: E731
    others = sorted((c for c in keep.calls if c.person not in scope), key=key)
    assert sorted((c for c in s.calls if c.person not in scope), key=key) == others
    assert [b for b in s.block_assignments if b.person not in scope] == [
        b for b in keep.block_assignments if b.person not in scope
    ]
    assert CATALOGUE["GRID-KEEP"].measure(problem, s) == []
    # pool nights stay covered exactly once (kept calls count), and the engine accepts the result
    assert CATALOGUE["CALL-COVER"].measure(problem, s) == []
    assert result.violations == 0


def test_greedy_layers_standalone(small_program):
    """Each layer on its own returns the CP-SAT layer's result type, honouring its hard rules."""
    problem = Problem(small_program)
    blocks = greedy_blocks(problem, 0)
    assert blocks.status == "feasible"
    for p in problem.residents:
        assert None not in blocks.rotation[p]
    base = fill_residents(problem, blocks.rotation)
    res = greedy_residents(problem, base)
    assert res.status == "feasible" and res.grid is not None
    # nobody on call while absent or on night float, only eligible pool members
    pools = {c.name: c for c in small_program.call_pools}
    for c in res.calls:
        p, d = problem.pidx[c.person], (c.night - problem.start).days
        assert p in problem.pool_members(pools[c.pool])
        assert (problem.absence[p, d] < 0).all()
        assert not problem.rotations[base.rot_day[p, d]].is_night_float
    fac = greedy_faculty(problem)
    assert fac.status == "feasible"
    weeks = sorted(w for ws in fac.fmit_weeks.values() for w in ws)
    assert weeks == list(range(len(fac.weeks)))  # one teaching attending every week
    for ws in fac.fmit_weeks.values():
        assert not any(w + 1 in ws for w in ws)  # never two weeks running


def test_greedy_blocks_respect_locks(small_program):
    from residency.domain.program import BlockAssignment

    locks = (BlockAssignment("R1-01", 2, "NF", "first_half"), BlockAssignment("R2-02", 3, "FMC"))
    program = replace(small_program, block_assignments=locks)
    problem = Problem(program)
    blocks = greedy_blocks(problem, 1)
    from residency.domain.schedule import Schedule

    s = Schedule.empty(program)
    s.block_assignments = blocks.assignments
    for cid in ("BLK-ONE", "BLK-WHOLE", "BLK-ELIG", "BLK-CAP", "BLK-CURR", "BLK-LEAVE", "BLK-LOCK"):
        assert CATALOGUE[cid].measure(problem, s) == [], cid


def test_greedy_call_preferences_followed(small_program):
    """CALL-PREF: a resident avoiding Monday call gets fewer Monday calls (a cost in the pick)."""
    from residency.resilience.stigmergy import Signal, SignalKind, lay_trails

    day = small_program.year.start
    prefs = lay_trails([Signal("R3-02", "slot:0:PM", SignalKind.AVOID, day, 5.0)], day).weights()

    def mondays(options: Options) -> int:
        problem = Problem(small_program, options)
        base = fill_residents(problem, greedy_blocks(problem, 0).rotation)
        res = greedy_residents(problem, base)
        return sum(1 for c in res.calls if c.person == "R3-02" and c.night.weekday() == 0)

    assert mondays(Options(preferences=prefs)) < mondays(Options())


def test_greedy_solutions_feasible_in_the_cpsat_layer_models(small_program):
    """Every greedy layer result, given as hints with the hinted variables fixed, is a solution of that
    layer's CP-SAT model (every hard constraint as encoded); ``complete`` gives the full vector."""
    from residency.scheduling import blocks, clinic, faculty, residents
    from residency.scheduling.greedy.hints import complete, hint_blocks, hint_clinic, hint_faculty, hint_residents

    problem = Problem(small_program)
    result = GenerationResult("failed")
    layers = run_greedy(problem, RunContext(30.0, 0, 1), result, verify=False)
    cases = [
        (blocks.build(problem), layers.blocks, hint_blocks),
        (residents.build(problem, layers.base), layers.residents, hint_residents),
        (faculty.build(problem), layers.faculty, hint_faculty),
        (clinic.build(problem, layers.clinic_grid, layers.base.flexible), layers.clinic, hint_clinic),
    ]
    for (model, v, _terms), res, hint in cases:
        assert hint(model, v, res) > 0
        values = complete(model)
        assert values is not None, hint.__name__
        assert len(values) == len(model.Proto().variables)


def test_greedy_progress_and_cancel(small_program):
    import threading

    from residency.scheduling.cpsat import Cancelled

    seen: list[dict] = []
    problem = Problem(small_program)
    run_greedy(problem, RunContext(30.0, 0, 1, progress=seen.append), GenerationResult("failed"), verify=False)
    assert {"blocks", "residents", "faculty", "clinic"} <= {i["layer"] for i in seen}
    assert any(i.get("objective") is not None for i in seen)
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        run_greedy(problem, RunContext(30.0, 0, 1, cancel=stop), GenerationResult("failed"), verify=False)


@pytest.mark.parametrize("seed", [1, 4, 5])
def test_greedy_other_seeds_covered_and_compliant(small_program, seed):
    """Property over tie-breaks: every seed gives a compliant grid with every call night covered."""
    problem, result = _run(small_program, seed=seed)
    assert result.violations == 0 and result.schedule.unfilled() == 0
    for cid in ("CALL-COVER", "FAC-CALL", "FAC-FMIT", "FAC-FMIT-GAP", "SUP-CLINIC", "SUP-PROC", "FAC-CAP", "GRID-KEEP"):
        assert CATALOGUE[cid].measure(problem, result.schedule) == [], (seed, cid)


def test_greedy_impossible_locks_still_complete(small_program):
    """Locks over capacity: CP-SAT fails with an explanation; greedy still completes the grid, keeps
    the locks, reports the capacity breach in the score and explains it in counting terms."""
    from residency.domain.program import BlockAssignment

    locks = tuple(BlockAssignment(k, 2, "FMIT1") for k in ("R1-01", "R1-02", "R1-03"))
    program = replace(small_program, block_assignments=locks)
    problem, result = _run(program)
    assert result.status == "ok" and result.schedule.unfilled() == 0
    assert CATALOGUE["BLK-LOCK"].measure(problem, result.schedule) == []
    assert result.score["BLK-CAP"]["breaches"] >= 1
    assert result.explanation is not None and result.explanation.layer == "blocks"
    assert any("FMIT1 holds at most 2" in r for r in result.explanation.reasons)


def test_greedy_caps_count_precepting_and_clinic_capacity(small_program):
    """Options that tighten the clinic layer: caps counting precepting, and a clinic capacity."""
    for options in (Options(caps_count_precepting=True), Options(clinic_capacity=2)):
        problem = Problem(small_program, options)
        result = GenerationResult("failed")
        run_greedy(problem, RunContext(30.0, 0, 1), result, verify=True)
        assert result.violations == 0 and result.schedule.unfilled() == 0
        for cid in ("FAC-CAP", "SUP-CLINIC", "SUP-PROC", "CLINIC-CAP"):
            assert CATALOGUE[cid].measure(problem, result.schedule) == [], (options, cid)
