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
def week_no_counts(week_text):
    """WEEK with a per-type maximum that never binds: what is left (runs, days off, minutes, weekends,
    the N->D succession) is all in the programme's state."""
    spec = to_spec(parse(week_text.replace("A,D=7|N=2,", "A,D=7|N=7,"), "week"))
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
    """A dive whose time is already up gives everybody their largest LP row at once: a complete
    roster of legal rows (every column is a legal row), never None."""
    spec = to_spec(load(shared_data / "benchmarks" / "curtois" / "Instance2.txt"))
    roster = search.repair(spec, greedy(spec), time.monotonic() + 20)
    gen = colgen.Generator(spec, [roster])
    gen.columns(time.monotonic() + 3, list(range(spec.n_people)), max_rounds=3)
    dived = colgen.dive(gen, time.monotonic())
    gen.pool.shutdown()
    assert dived.shape == roster.shape and not measure(spec, dived)[1]
    assert not any(gen.master.cells)  # the master is left as it was


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


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(-300, 300), min_size=14, max_size=14),
    st.dictionaries(st.integers(0, 6), st.sampled_from([OFF, 0, 1]), max_size=3),
)
def test_colgen_pricing_with_fixed_cells_matches_brute_force(week, duals, cells):
    """With some cells fixed (as the dive fixes them), exact pricing gives the cheapest legal row
    that keeps every fixed cell - or nothing when no legal row does; the programme's row, when it
    gives one, keeps them too. The fixings are lifted afterwards (the model is shared)."""
    spec, pricer, legal = week
    lam = np.array(duals, dtype=float).reshape(spec.horizon, spec.n_shifts) / 10
    keeping = [r for r in legal if all(r[d] == s for d, s in cells.items())]
    row, cost, proven = pricer.price(lam, time.monotonic() + 10, cells=cells)
    fast, fast_cost, _ = pricer.price(lam, time.monotonic() + 10, exact=False, cells=cells)
    if not keeping:
        assert row is None and fast is None
        return
    cheapest = min(colgen.row_cost(pricer.work - lam, pricer.off, r) for r in keeping)
    assert proven and pricer.legal(row) and all(row[d] == s for d, s in cells.items())
    assert cost == pytest.approx(cheapest, abs=1e-2)
    if fast is not None:
        assert pricer.legal(fast) and all(fast[d] == s for d, s in cells.items())
        assert fast_cost >= cheapest - 1e-6
    # lifted: the same prices without fixings give the unconstrained cheapest row again
    free_cheapest = min(colgen.row_cost(pricer.work - lam, pricer.off, r) for r in legal)
    assert pricer.price(lam, time.monotonic() + 10)[1] == pytest.approx(free_cheapest, abs=1e-2)


def test_colgen_fixed_cells_close_the_columns_that_disagree(shared_data):
    """``Master.fix_cells``: columns of that person that disagree with a fixed cell take no LP
    weight (also columns added later); ``clear_cells`` reopens them."""
    spec = to_spec(load(shared_data / "benchmarks" / "curtois" / "Instance2.txt"))
    roster = search.repair(spec, greedy(spec), time.monotonic() + 20)
    gen = colgen.Generator(spec, [roster])
    gen.columns(time.monotonic() + 3, list(range(spec.n_people)), max_rounds=3)
    gen.pool.shutdown()
    m = gen.master
    p = 0
    d = int(np.flatnonzero(roster[p] != OFF)[0])  # a day p works: fixed to that shift
    other = OFF
    m.fix_cells(p, {d: int(roster[p, d])})
    row = roster[p].copy()
    row[d] = other
    assert m.add(p, row)  # disagrees: closed on arrival
    assert m.h.getLp().col_upper_[m.n_aux + len(m.cols) - 1] == 0.0
    m.solve_lp()
    values = np.array(m.h.getSolution().col_value)[m.n_aux :]
    weight = {k: values[k] for k in m.of[p]}
    assert all(weight[k] < 1e-9 for k in m.of[p] if m.cols[k][1][d] != roster[p, d])
    assert sum(weight.values()) == pytest.approx(1.0)
    closed = [k for k in m.of[p] if m.h.getLp().col_upper_[m.n_aux + k] == 0.0]
    assert closed and all(m.cols[k][1][d] != roster[p, d] for k in closed)
    m.clear_cells(p)
    assert all(m.h.getLp().col_upper_[m.n_aux + k] > 1.0 for k in m.of[p])


def test_colgen_cell_dive_gives_a_legal_roster_and_leaves_the_master_open(shared_data):
    """The dive on Instance3 (optimum 1001) with time to finish: a complete legal roster by the
    independent evaluator, no better than the proven optimum, and every fixing lifted."""
    inst = load(shared_data / "benchmarks" / "curtois" / "Instance3.txt")
    spec = to_spec(inst)
    roster = search.repair(spec, greedy(spec), time.monotonic() + 20)
    gen = colgen.Generator(spec, [roster])
    gen.columns(time.monotonic() + 10, list(range(spec.n_people)))
    dived = colgen.dive(gen, time.monotonic() + 20)
    gen.pool.shutdown()
    ev = evaluate(inst, to_roster(spec, dived))
    assert ev.feasible and ev.objective >= 1001
    assert not any(gen.master.cells)
    assert all(gen.master.h.getLp().col_upper_[gen.master.n_aux + k] > 1.0 for k in range(len(gen.master.cols)))


def test_colgen_long_rows_stay_exact_while_rounds_are_quick(shared_data, monkeypatch):
    """Rows longer than ``EXACT_CELLS`` that the probe keeps exact are priced exactly while rounds
    are quick (so the rounds give a bound), and by the programme from the first round slower than
    ``EXACT_ROUND_S``."""
    spec = to_spec(load(shared_data / "benchmarks" / "curtois" / "Instance2.txt"))
    roster = search.repair(spec, greedy(spec), time.monotonic() + 20)
    monkeypatch.setattr(colgen, "EXACT_CELLS", 0)  # every row counts as long
    monkeypatch.setattr(colgen, "PROGRAMME_SHARE", 10.0)  # the probe always keeps exact pricing
    monkeypatch.setattr(colgen, "EXACT_ROUND_S", 1e9)
    quick = colgen.Generator(spec, [roster])
    _lp, bound, _ = quick.columns(time.monotonic() + 10, list(range(spec.n_people)), max_rounds=2)
    quick.pool.shutdown()
    assert quick.timed and bound is not None
    monkeypatch.setattr(colgen, "EXACT_ROUND_S", 0.0)
    slow = colgen.Generator(spec, [roster])
    slow.columns(time.monotonic() + 10, list(range(spec.n_people)), max_rounds=2)
    slow.pool.shutdown()
    assert not slow.timed and not slow.exact


def test_colgen_chunked_pricing_converges_to_the_same_root_bound(shared_data, monkeypatch):
    """Once a round over everybody is slow (``CHUNK_ROUND_S``), each round prices a third of the
    people in turn (``CHUNKS``); convergence is a whole cycle that adds nothing, at which point
    every person was priced at the same duals, so the LP value is a bound. On Instance2 it is the
    proven optimum 828, as with rounds over everybody."""
    spec = to_spec(load(shared_data / "benchmarks" / "curtois" / "Instance2.txt"))
    roster = search.repair(spec, greedy(spec), time.monotonic() + 20)
    monkeypatch.setattr(colgen, "EXACT_CELLS", 0)  # every row counts as long
    monkeypatch.setattr(colgen, "PROGRAMME_SHARE", 10.0)  # the probe always keeps exact pricing
    monkeypatch.setattr(colgen, "EXACT_ROUND_S", 1e9)
    monkeypatch.setattr(colgen, "CHUNKS", 3)
    monkeypatch.setattr(colgen, "CHUNK_ROUND_S", 0.0)  # every round counts as slow
    gen = colgen.Generator(spec, [roster])
    lp, bound, converged = gen.columns(time.monotonic() + 60, list(range(spec.n_people)))
    gen.pool.shutdown()
    assert gen.timed and gen.chunks == 3
    assert converged and bound is not None and abs(bound - lp) < 1e-6
    assert math.ceil(bound - 1e-6) == 828


@pytest.mark.parametrize(("name", "keeps_exact"), [("Instance14", True), ("Instance16", False)])
def test_colgen_probe_keeps_exact_pricing_where_the_programme_misses_the_counts(shared_data, name, keeps_exact):
    """The first round of long rows (168 cells here) is priced both ways. On Instance14 (nights
    capped at 5) the programme's rows gain about a third of what the exact rows gain, so pricing
    stays exact; on Instance16 they gain nearly as much, so the faster programme prices."""
    spec = to_spec(load(shared_data / "benchmarks" / "curtois" / f"{name}.txt"))
    assert spec.horizon * spec.n_shifts > colgen.EXACT_CELLS
    roster = search.repair(spec, greedy(spec), time.monotonic() + 20)
    gen = colgen.Generator(spec, [roster])
    gen.columns(time.monotonic() + 30, list(range(spec.n_people)), max_rounds=1)
    gen.pool.shutdown()
    assert not gen.probe and gen.timed == keeps_exact
