"""Column generation over whole rows (``scheduling.roster.colgen``): exact pricing against brute
force, the dual signs, and the root bound on a proven instance."""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from residency.bench.curtois import evaluate, load, parse
from residency.bench.curtois_model import to_roster, to_spec
from residency.scheduling.roster import colgen, dp, search
from residency.scheduling.roster.greedy import greedy
from residency.scheduling.roster.spec import OFF
from residency.scheduling.roster.units import measure

WEEK = """SECTION_HORIZON
7

SECTION_SHIFTS
D,480,
N,600,D

SECTION_STAFF
A,D=7|N=2,3000,1400,3,2,2,1

SECTION_DAYS_OFF
A,2

SECTION_SHIFT_ON_REQUESTS
A,0,D,2

SECTION_SHIFT_OFF_REQUESTS
A,3,N,1

SECTION_COVER
0,D,1,100,1
1,N,1,100,1
"""


@pytest.fixture(scope="module")
def week():
    spec = to_spec(parse(WEEK, "week"))
    master = colgen.Master(spec)
    pricer = colgen.Pricer(spec, 0, *master.costs[0])
    rows = [np.array(r, dtype=np.int32) for r in itertools.product([OFF, 0, 1], repeat=spec.horizon)]
    legal = [r for r in rows if pricer.legal(r)]
    return spec, pricer, legal


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(-300, 300), min_size=14, max_size=14))
def test_colgen_exact_pricing_matches_brute_force(week, duals):
    """For any cell prices, the CP-SAT pricing row costs exactly the cheapest of all legal rows
    (enumerated: 3^7 rows, the unit measure says which are legal); the programme's row (the fast,
    inexact pricing), when it gives one, is legal and no cheaper than that."""
    spec, pricer, legal = week
    lam = np.array(duals, dtype=float).reshape(spec.horizon, spec.n_shifts) / 10
    cheapest = min(colgen.row_cost(pricer.work - lam, pricer.off, r) for r in legal)
    row, cost, proven = pricer.price(lam, time.monotonic() + 10)
    assert proven and pricer.legal(row)
    assert cost == pytest.approx(colgen.row_cost(pricer.work - lam, pricer.off, row))
    assert cost == pytest.approx(cheapest, abs=1e-2)  # costs are scaled to integers for CP-SAT
    row, cost, proven = pricer.price(lam, time.monotonic() + 10, exact=False)
    if row is not None:
        assert not proven and pricer.legal(row) and cost >= cheapest - 1e-6


@pytest.fixture(scope="module")
def week_no_counts():
    """WEEK with a per-type maximum that never binds: what is left (runs, days off, minutes, weekends,
    the N->D succession) is all in the programme's state."""
    spec = to_spec(parse(WEEK.replace("A,D=7|N=2,", "A,D=7|N=7,"), "week"))
    master = colgen.Master(spec)
    pricer = colgen.Pricer(spec, 0, *master.costs[0])
    rows = [np.array(r, dtype=np.int32) for r in itertools.product([OFF, 0, 1], repeat=spec.horizon)]
    return spec, pricer, [r for r in rows if pricer.legal(r)]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-300, 300), min_size=14, max_size=14))
def test_colgen_programme_is_exact_when_counts_do_not_bind(week_no_counts, duals):
    """The programme (as repair and the LNS moves use it) tracks the shift type last worked, so a
    forbidden succession can no longer make it miss the cheapest legal row (it used to re-choose
    types after fixing the working days, as column generation's fast pricing still does)."""
    spec, pricer, legal = week_no_counts
    lam = np.array(duals, dtype=float).reshape(spec.horizon, spec.n_shifts) / 10
    work = pricer.work - lam
    cheapest = min(colgen.row_cost(work, pricer.off, r) for r in legal)
    row = dp.best_rules_row(spec, 0, work, pricer.off)
    assert row is not None and pricer.legal(row)
    assert colgen.row_cost(work, pricer.off, row) == pytest.approx(cheapest)


def test_colgen_row_cost_is_the_request_penalty(week):
    spec, pricer, legal = week
    for r in legal[:50]:
        parts = measure(spec, r[None, :])[2]
        assert colgen.row_cost(pricer.work, pricer.off, r) == parts.get("R-ON", 0) + parts.get("R-OFF", 0)


def test_colgen_duals_price_every_master_column_non_negative(shared_data):
    """After the LP, every column's reduced cost (its cost - the duals of the rows it covers) is
    >= 0: the sign convention the pricing relies on."""
    spec = to_spec(load(shared_data / "benchmarks" / "curtois" / "Instance2.txt"))
    roster = search.repair(spec, greedy(spec), time.monotonic() + 20)
    gen = colgen.Generator(spec, [roster])
    gen.columns(time.monotonic() + 3, list(range(spec.n_people)), max_rounds=4)
    lp, pi, lam = gen.master.solve_lp()
    values = np.array(gen.master.h.getSolution().col_value)[gen.master.n_aux :]
    total = 0.0
    for k, (p, row) in enumerate(gen.master.cols):
        work, off = gen.master.costs[p]
        assert colgen.row_cost(work - lam, off, row) - pi[p] >= -1e-6
        total += values[k] * colgen.row_cost(work, off, row)
    assert total <= lp + 1e-6


def test_colgen_root_bound_and_roster_on_instance4(shared_data):
    """Instance4's proven optimum is 1716 (best_known.csv): the converged root LP, priced exactly,
    is a bound that rounds up to it, and the roster from the dive / master IP is legal by the
    independent evaluator and no better than the bound."""
    inst = load(shared_data / "benchmarks" / "curtois" / "Instance4.txt")
    spec = to_spec(inst)
    roster = search.repair(spec, greedy(spec), time.monotonic() + 20)
    res = colgen.generate(spec, [roster], time.monotonic() + 60)
    assert res.bound is not None and math.ceil(res.bound - 1e-6) == 1716
    ev = evaluate(inst, to_roster(spec, res.roster))
    assert ev.feasible and ev.objective == res.objective >= 1716


def test_colgen_dive_out_of_time_still_gives_every_person_a_legal_row(shared_data):
    """A dive whose time is already up fixes everybody to their largest LP row at once: a complete
    roster of legal rows (every column is a legal row), never None."""
    spec = to_spec(load(shared_data / "benchmarks" / "curtois" / "Instance2.txt"))
    roster = search.repair(spec, greedy(spec), time.monotonic() + 20)
    gen = colgen.Generator(spec, [roster])
    gen.columns(time.monotonic() + 3, list(range(spec.n_people)), max_rounds=3)
    dived = gen.dive(time.monotonic())
    gen.pool.shutdown()
    assert dived.shape == roster.shape and not measure(spec, dived)[1]
    assert not gen.master.fixed  # the master is left as it was


def test_colgen_lp_solves_after_highs_ran_with_another_thread_count(shared_data):
    """HiGHS's scheduler is global to the process and keeps the first thread count: a master that
    asked for another one came back without a solution and read all-zero duals (lp 0, bound 0)."""
    import highspy

    other = highspy.Highs()
    other.setOptionValue("output_flag", False)
    other.setOptionValue("threads", 2)
    other.addVar(0.0, 1.0)
    other.run()
    spec = to_spec(load(shared_data / "benchmarks" / "curtois" / "Instance2.txt"))
    roster = search.repair(spec, greedy(spec), time.monotonic() + 20)
    gen = colgen.Generator(spec, [roster])
    lp, _pi, _lam = gen.master.solve_lp()
    gen.pool.shutdown()
    assert lp == measure(spec, roster)[0]  # the LP over the one seed roster is that roster's cost
