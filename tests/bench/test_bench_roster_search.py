"""Roster encodings, the per-person dynamic programme and the restricted sub-models, each checked
against the units' measure and the independent Curtois evaluator."""

from __future__ import annotations

import time

import numpy as np
import pytest

from residency.bench.curtois import evaluate, load, parse
from residency.bench.curtois_model import to_roster, to_spec
from residency.scheduling.roster import dp, search
from residency.scheduling.roster.greedy import greedy
from residency.scheduling.roster.spec import OFF
from residency.scheduling.roster.units import measure

TINY = """SECTION_HORIZON
14

SECTION_SHIFTS
D,480,
N,600,D

SECTION_STAFF
A,D=14|N=3,5280,3360,3,2,2,1

SECTION_DAYS_OFF
A,6

SECTION_SHIFT_ON_REQUESTS
A,0,D,2

SECTION_SHIFT_OFF_REQUESTS
A,3,N,1

SECTION_COVER
0,D,1,100,1
1,D,1,100,1
1,N,1,100,1
"""


@pytest.fixture(scope="module")
def folder(shared_data):
    return shared_data / "benchmarks" / "curtois"


def _row(text: str) -> np.ndarray:
    """'DDN..' -> shift indexes (D=0, N=1, '.'=off)."""
    return np.array([{"D": 0, "N": 1, ".": OFF}[c] for c in text], dtype=np.int32)


# max run 3, min run 2, min days off 2, max 1 weekend (days 5-6, 12-13), day 6 fixed off,
# minutes in [3360, 5280] (7 to 11 day shifts), N may not be followed by D, at most 3 N
CASES = {
    "DDD....DDD..DD": True,
    "..DDD..DDD..DD": True,  # every 5-day window (max run 3 + min off 2) holds at most 3 working days
    "..DDD..NNN..DD": True,
    "DDDD...DDD..DD": False,  # run of 4 > max 3
    "DDD.DD.DDD....": False,  # inner off runs of 1 < 2
    "DDD....D..DDD.": False,  # inner working run of 1 < 2
    "...DDD..DD..DD": False,  # two weekends worked > 1
    "DND....DDD..DD": False,  # D after N
    "DDD..DDD...DDD": False,  # works on fixed day off 6 (and two weekends)
    "DDD....DDD....": False,  # 6 day shifts: 2880 minutes < 3360
    "..DDD..NNN.NN.": False,  # 5 N > 3 (and an inner off run of 1)
}


def test_bench_hand_made_rows_units_model_and_evaluator_agree():
    """Each hand-made row: the units' verdict, the CP-SAT model (every cell fixed: feasible or not,
    including the redundant window and day-count constraints) and the evaluator agree."""
    inst = parse(TINY, "tiny")
    spec = to_spec(inst)
    for text, legal in CASES.items():
        grid = _row(text)[None, :]
        obj, hard, _ = measure(spec, grid)
        ev = evaluate(inst, to_roster(spec, grid))
        assert (not hard) == ev.feasible == legal, (text, [b.message for b in hard], ev.hard_violations)
        full = search.FullModel(spec, grid)
        assert full.set_roster(grid, 5.0, 1) == legal, text
        if legal:
            assert obj == ev.objective == round(full.objective)


def test_bench_dp_row_is_legal_and_priced_exactly():
    """The dynamic programme's row for the tiny instance satisfies every unit and its cost is the
    measured objective change."""
    inst = parse(TINY, "tiny")
    spec = to_spec(inst)
    grid = spec.empty()
    row = dp.best_feasible_row(spec, 0, grid)
    assert row is not None
    new = row[None, :]
    obj, hard, _ = measure(spec, new)
    assert not hard and evaluate(inst, to_roster(spec, new)).objective == obj
    work, off = dp.costs(spec, 0, grid)
    cost = sum(work[d, s] if s != OFF else off[d] for d, s in enumerate(row))
    assert cost - sum(off) == obj - measure(spec, grid)[0]


def test_bench_restricted_objective_differs_by_a_constant(folder):
    inst = load(folder / "Instance4.txt")
    spec = to_spec(inst)
    rng = np.random.default_rng(1)
    a = greedy(spec)
    b = a.copy()
    people = [1, 4, 7]
    for p in people:
        for d in rng.choice(spec.horizon, 6, replace=False):
            b[p, d] = rng.integers(-1, spec.n_shifts)
    sub = search.restrict(spec, people, a)
    full_delta = measure(spec, b)[0] - measure(spec, a)[0]
    sub_delta = measure(sub, b[people])[0] - measure(sub, a[people])[0]
    assert full_delta == sub_delta


def test_bench_repair_and_search_give_a_legal_roster(folder):
    """Repair (dynamic programming, CP-SAT fallback) and a short LNS over restricted sub-models (the
    path of the large instances) on Instance5: the evaluator finds no hard violation."""
    inst = load(folder / "Instance5.txt")
    spec = to_spec(inst)
    start = greedy(spec)
    assert measure(spec, start)[1]  # the constructive start breaks hard rules here
    roster = search.repair(spec, start, time.monotonic() + 20)
    ev = evaluate(inst, to_roster(spec, roster))
    assert ev.feasible and ev.objective == measure(spec, roster)[0]
    better = search.search(spec, roster, time.monotonic() + 3, full=None)
    ev2 = evaluate(inst, to_roster(spec, better))
    assert ev2.feasible and ev2.objective <= ev.objective


def test_bench_full_model_neighbourhood_changes_only_its_cells(folder):
    """``FullModel.solve`` frees only the chosen people over [lo, hi): every other cell keeps its
    shift, the accepted roster is no worse and its objective is the measured one, and the fixing
    constraint is empty again afterwards (the next solve starts from the whole model)."""
    spec = to_spec(load(folder / "Instance5.txt"))
    roster = search.repair(spec, greedy(spec), time.monotonic() + 20)
    start = measure(spec, roster)[0]
    full = search.FullModel(spec, roster)
    assert round(full.objective) == start
    people, lo, hi = {0, 3, 7}, 5, 19
    ok, _optimal = full.solve(people, lo, hi, 2.0, 0, 1, roster)
    assert ok  # the incumbent lies in the neighbourhood, so the solve never loses it
    new = full.roster()
    outside = np.ones(roster.shape, bool)
    outside[sorted(people), lo:hi] = False
    assert (new[outside] == roster[outside]).all()
    assert measure(spec, new)[0] == round(full.objective) <= start
    assert len(full.fixed.bool_and.literals) == 0
    ok, _optimal = full.solve(set(range(spec.n_people)), 0, spec.horizon, 2.0, 0, 1, new)
    assert ok and round(full.objective) <= measure(spec, new)[0]


def _spans(monkeypatch, setting: str, value: float, kind: str, n: int) -> list[tuple[int, int]]:
    """(lo, hi) of ``n`` neighbourhoods of ``kind`` picked on TINY with nobody working (cover is
    short on days 0 and 1 only), with ``search.<setting>`` set to ``value``."""
    import random

    monkeypatch.setattr(search, setting, value)
    spec = to_spec(parse(TINY))
    roster = np.full((spec.n_people, spec.horizon), OFF, dtype=np.int32)
    hoods = search.Neighbourhoods(spec, random.Random(3), big=False)
    return [hoods.pick(kind, roster)[1:] for _ in range(n)]


def test_bench_cover_neighbourhoods_stay_near_the_short_day(monkeypatch):
    """With ``COVER_HALF`` = 3 a cover neighbourhood spans at most 3 days either side of an
    under-covered day (TINY: days 0 and 1); with 0 it spans the whole horizon (14 days)."""
    assert all(lo == 0 and hi in (4, 5) for lo, hi in _spans(monkeypatch, "COVER_HALF", 3, "cover", 30))
    assert all((lo, hi) == (0, 14) for lo, hi in _spans(monkeypatch, "COVER_HALF", 0, "cover", 30))


def test_bench_window_neighbourhoods_can_be_placed_over_under_cover(monkeypatch):
    """With ``WINDOW_AT_SHORT`` = 1 every window holds a day with an under-covered shift; with 0
    the windows fall anywhere. TINY needs cover on days 0 and 1 only, and nobody works."""
    assert all(lo <= 1 and hi - lo >= 2 for lo, hi in _spans(monkeypatch, "WINDOW_AT_SHORT", 1.0, "window", 60))
    assert any(lo > 1 for lo, _hi in _spans(monkeypatch, "WINDOW_AT_SHORT", 0.0, "window", 60))
