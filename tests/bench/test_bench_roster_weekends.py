"""Weekends first (``scheduling.roster.weekends``): the weekend capacity, the shaped objective, and
the hybrid's first phase under it."""

from __future__ import annotations

import dataclasses
import queue
import time

import numpy as np
import pytest

from residency.bench.curtois import evaluate, load, parse
from residency.bench.curtois_model import to_roster, to_spec
from residency.scheduling.cpsat import RunContext
from residency.scheduling.roster import parallel, search, solve, weekends
from residency.scheduling.roster.greedy import greedy
from residency.scheduling.roster.units import measure

# two weeks from a Monday: weekends are days 5-6 and 12-13. A may work 1 weekend and has day 6
# off, so A's best weekend gives 2 shifts; B may work both: 4. Capacity 6.
TWO = """SECTION_HORIZON
14

SECTION_SHIFTS
D,480,

SECTION_STAFF
A,D=14,6720,0,5,1,1,1
B,D=14,6720,0,5,1,1,2

SECTION_DAYS_OFF
A,6

SECTION_COVER
0,D,1,100,1
5,D,2,100,1
6,D,2,100,1
12,D,1,100,1
13,D,{sunday},100,1
"""


def test_bench_weekend_capacity_and_shortage_are_hand_computed():
    spec = to_spec(parse(TWO.format(sunday=1)))
    assert spec.weekends == [(5, 6), (12, 13)]
    assert weekends.capacity(spec) == 6
    assert not weekends.short(spec)  # 2 + 2 + 1 + 1 = 6 weekend shifts needed: enough
    assert weekends.short(to_spec(parse(TWO.format(sunday=2))))  # 7 needed, 6 workable


def test_bench_shaped_objective_weighs_only_weekday_shortage_less():
    spec = to_spec(parse(TWO.format(sunday=1)))
    shaped = weekends.shaped(spec, 0.2)
    by_day = {c.day: c for c in shaped.cover}
    assert by_day[0].weight_under == 20 and by_day[0].weight_over == 1
    assert all(by_day[d].weight_under == 100 for d in (5, 6, 12, 13))
    assert shaped.people == spec.people and shaped.max_weekends == spec.max_weekends
    assert spec.cover[0].weight_under == 100  # the spec itself is untouched


def test_bench_link_restart_sends_again_after_the_objective_changed():
    inbox, outbox = queue.Queue(), queue.Queue()
    link = parallel.Link(inbox, outbox)
    a = np.zeros((2, 3), int)
    link(100, a)
    outbox.get_nowait()
    link(150, a)
    assert outbox.empty()  # worse than what was sent
    link.restart()
    link(150, a)
    assert outbox.get_nowait()[0] == 150


@pytest.fixture(scope="module")
def instance1(shared_data):
    inst = load(shared_data / "benchmarks" / "curtois" / "Instance1.txt")
    return inst, to_spec(inst)


def test_bench_phased_search_improves_the_shaped_objective_and_stays_legal(instance1):
    inst, spec = instance1
    assert weekends.short(spec)
    start = search.repair(spec, greedy(spec), time.monotonic() + 10)
    shaped = weekends.shaped(spec)
    out = search.phased(start, (shaped, time.monotonic() + 1.5), seed=3)
    assert not measure(spec, out)[1]
    assert measure(shaped, out)[0] <= measure(shaped, start)[0]
    assert evaluate(inst, to_roster(spec, out)).feasible


@pytest.mark.parametrize("workers", [1, 2])
def test_bench_hybrid_settles_weekends_first_without_column_generation(instance1, monkeypatch, workers):
    """Without column generation and with weekends short of people, the hybrid's LNS starts under
    the shaped objective (with the helper process too, when there are two workers) and ends with a
    legal roster whose objective the independent evaluator confirms."""
    inst, spec = instance1
    monkeypatch.setattr(solve, "COLGEN_SHARE", 0.0)
    ctx = RunContext(8.0 if workers == 2 else 3.0, 0, workers)
    result = solve.solve_roster(spec, "hybrid", ctx)
    assert any("weekends first" in n for n in ctx.notes)
    assert (workers == 2) == any("second LNS" in n for n in ctx.notes)
    assert not result.hard_breaches
    ev = evaluate(inst, to_roster(spec, result.roster))
    assert ev.feasible and ev.objective == result.objective


def test_bench_complete_weekends_unit_is_hand_computed_and_the_model_agrees():
    """A works Saturday 5 only (Sunday 6 is a fixed day off): one weekend in part. B works both days
    of weekend (12, 13) and Saturday 5 alone: one in part. At 50 a weekend, 100 more; the CP-SAT
    model with every cell fixed costs the same."""
    spec = to_spec(parse(TWO.format(sunday=1)))
    roster = spec.empty()
    roster[0, [0, 5]] = 0
    roster[1, [5, 12, 13]] = 0
    base, hard, parts = measure(spec, roster)
    assert not hard and "R-WKND-FULL" not in parts  # not a rule of the instance
    weighted = dataclasses.replace(spec, incomplete_weekend_weight=50)
    obj, hard, parts = measure(weighted, roster)
    assert not hard and parts["R-WKND-FULL"] == 100 and obj == base + 100
    assert search.FullModel(weighted, roster).objective == obj
    roster[1, 6] = 0  # B now works weekend (5, 6) whole as well
    assert measure(weighted, roster)[2]["R-WKND-FULL"] == 50


def test_bench_shaped_objective_prices_weekends_worked_in_part(monkeypatch):
    spec = to_spec(parse(TWO.format(sunday=1)))
    assert spec.incomplete_weekend_weight == 0
    monkeypatch.setattr(weekends, "PART_WEEKEND", 70)
    assert weekends.shaped(spec).incomplete_weekend_weight == 70
