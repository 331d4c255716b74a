"""Branch-and-price over the column-generation master (``scheduling.roster.branch``): banned cells
in the pricing and the master, the search against brute force on small programmes, and Curtois 6."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from residency.bench.curtois import evaluate, load, parse
from residency.bench.curtois_model import to_roster, to_spec
from residency.scheduling.roster import branch, colgen, search
from residency.scheduling.roster.greedy import greedy
from residency.scheduling.roster.spec import OFF
from residency.scheduling.roster.units import measure


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(-300, 300), min_size=14, max_size=14),
    st.dictionaries(st.integers(0, 6), st.sampled_from([OFF, 0, 1]), max_size=2),
    st.sets(st.tuples(st.integers(0, 6), st.sampled_from([OFF, 0, 1])), max_size=4),
)
def test_branch_pricing_with_banned_cells_matches_brute_force(week, duals, cells, banned):
    """With cells fixed and others banned (as branch-and-price decides them), exact pricing gives
    the cheapest legal row that keeps the fixed cells and none of the banned ones - or nothing when
    no legal row does; the programme's row, when it gives one, obeys them too. Everything is lifted
    afterwards (the model is shared), also where a cell is both fixed and banned."""
    spec, pricer, legal = week
    lam = np.array(duals, dtype=float).reshape(spec.horizon, spec.n_shifts) / 10
    keeping = [r for r in legal if colgen.agrees(r, cells, banned)]
    row, cost, proven = pricer.price(lam, time.monotonic() + 10, cells=cells, banned=banned)
    fast, fast_cost, _ = pricer.price(lam, time.monotonic() + 10, exact=False, cells=cells, banned=banned)
    if keeping:
        cheapest = min(colgen.row_cost(pricer.work - lam, pricer.off, r) for r in keeping)
        assert proven and pricer.legal(row) and colgen.agrees(row, cells, banned)
        assert all(row[d] != s for d, s in banned)
        assert cost == pytest.approx(cheapest, abs=1e-2)
        if fast is not None:
            assert pricer.legal(fast) and colgen.agrees(fast, cells, banned)
            assert fast_cost >= cheapest - 1e-6
    else:
        assert row is None and fast is None
    free_cheapest = min(colgen.row_cost(pricer.work - lam, pricer.off, r) for r in legal)
    assert pricer.price(lam, time.monotonic() + 10)[1] == pytest.approx(free_cheapest, abs=1e-2)


STAFF = ["A,D=3,1440,480,3,2,1,2", "B,D=3,1440,480,3,2,1,2", "C,D=2,960,480,2,1,2,2"]


def program(requests: list[tuple[int, int, bool, int]], needs: list[int]) -> str:
    """Three people over five days, one shift type D, runs of at least two days for two of them:
    ``requests`` (person, day, on, weight), ``needs`` the number of D wanted each day (under-cover
    weight 10, over 3)."""
    on = [f"{'ABC'[p]},{d},D,{w}" for p, d, is_on, w in requests if is_on]
    off = [f"{'ABC'[p]},{d},D,{w}" for p, d, is_on, w in requests if not is_on]
    cover = [f"{d},D,{n},10,3" for d, n in enumerate(needs)]
    return "\n".join(
        ["SECTION_HORIZON", "5", "", "SECTION_SHIFTS", "D,480,", "", "SECTION_STAFF", *STAFF, "",
         "SECTION_DAYS_OFF", "", "SECTION_SHIFT_ON_REQUESTS", *on, "", "SECTION_SHIFT_OFF_REQUESTS", *off,
         "", "SECTION_COVER", *cover, ""]
    )  # fmt: skip


def brute_force(spec) -> list[tuple[int, np.ndarray]]:
    """Every legal roster with its objective: legal rows per person, their request costs, and the
    cover penalty counted here."""
    master = colgen.Master(spec)
    rows = [np.array(r, dtype=np.int32) for r in itertools.product([OFF, 0], repeat=spec.horizon)]
    legal = []
    for p in range(spec.n_people):
        pricer = colgen.Pricer(spec, p, *master.costs[p])
        legal.append([(r, colgen.row_cost(*master.costs[p], r)) for r in rows if pricer.legal(r)])
    scored = []
    for choice in itertools.product(*legal):
        roster = np.stack([r for r, _ in choice])
        cost = sum(c for _, c in choice)
        for c in spec.cover:
            n = int((roster[:, c.day] == c.shift).sum())
            cost += c.weight_under * max(0, c.requirement - n) + c.weight_over * max(0, n - c.requirement)
        scored.append((round(cost), roster))
    return scored


# programmes whose root LP is fractional (most random ones are integral at the root): found by
# sampling, kept so that every run branches
FRACTIONAL = [
    ([(1, 0, False, 7), (1, 4, True, 6), (2, 3, False, 1)], [1, 1, 2, 1, 2]),
    ([(1, 2, False, 4), (0, 2, True, 9)], [2, 0, 2, 1, 2]),
    ([(0, 0, True, 8), (0, 4, True, 4), (2, 0, False, 6)], [2, 1, 0, 3, 2]),
]


@pytest.mark.parametrize("requests,needs", FRACTIONAL)
def test_branch_examples_have_a_fractional_root(requests, needs):
    spec = to_spec(parse(program(requests, needs), "three"))
    worst = max(brute_force(spec), key=lambda x: x[0])[1]
    gen = colgen.Generator(spec, [worst])
    try:
        _lp, _bound, converged = gen.columns(time.monotonic() + 30, list(range(spec.n_people)))
        share, _top = colgen.shares(gen.master)
    finally:
        gen.pool.shutdown()
    assert converged and branch.choose(share) is not None


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 4), st.booleans(), st.integers(1, 9)), max_size=8),
    st.lists(st.integers(0, 3), min_size=5, max_size=5),
)
@example(*FRACTIONAL[0])
@example(*FRACTIONAL[1])
@example(*FRACTIONAL[2])
def test_branch_search_finds_and_proves_the_brute_force_optimum(requests, needs):
    """From the worst legal roster, the tree searched to the end returns a roster whose objective
    is the least over every legal roster (enumerated), and says it is proven."""
    spec = to_spec(parse(program(requests, needs), "three"))
    scored = brute_force(spec)
    worst_obj, worst = max(scored, key=lambda x: x[0])
    assert measure(spec, worst)[0] == worst_obj  # the enumeration prices rosters as the units do
    optimum = min(obj for obj, _ in scored)
    gen = colgen.Generator(spec, [worst])
    try:
        best, best_obj, proven = branch.search(gen, worst, worst_obj, time.monotonic() + 30)
    finally:
        gen.pool.shutdown()
    assert proven and best_obj == optimum == measure(spec, best)[0]
    assert not measure(spec, best)[1]
    assert not any(gen.master.cells) and not any(gen.master.banned)  # the master is left open


def test_branch_search_reaches_the_optimum_of_curtois_6(shared_data):
    """Instance6: the root LP is 1949.0 and the optimum 1950 (best_known.csv); the dive and the LNS
    stopped at 1951-1952 in every run before branch-and-price. From the dive's roster the tree
    finds 1950, legal by the independent evaluator."""
    inst = load(shared_data / "benchmarks" / "curtois" / "Instance6.txt")
    spec = to_spec(inst)
    roster = search.repair(spec, greedy(spec), time.monotonic() + 20)
    gen = colgen.Generator(spec, [roster])
    try:
        lp, bound, converged = gen.columns(time.monotonic() + 30, list(range(spec.n_people)))
        assert converged and bound == pytest.approx(1949.0)
        dived = colgen.dive(gen, time.monotonic() + 5)
        dived_obj = measure(spec, dived)[0]
        best, best_obj, _ = branch.search(gen, dived, dived_obj, time.monotonic() + 40)
    finally:
        gen.pool.shutdown()
    ev = evaluate(inst, to_roster(spec, best))
    assert ev.feasible and ev.objective == best_obj == 1950


@pytest.mark.parametrize("requests,needs", FRACTIONAL)
def test_branch_restarts_draw_cells_and_still_prove_the_optimum(requests, needs):
    """Restarts decide cells drawn from the most fractional few: each decision is still complete,
    so a tree searched to the end proves the enumerated optimum, from the worst legal roster."""
    spec = to_spec(parse(program(requests, needs), "three"))
    scored = brute_force(spec)
    worst_obj, worst = max(scored, key=lambda x: x[0])
    gen = colgen.Generator(spec, [worst])
    gen.pool.shutdown()  # restarts bring their own
    best, best_obj, proven = branch.restarts(gen, worst, worst_obj, time.monotonic() + 30, seed=3)
    assert proven and best_obj == min(obj for obj, _ in scored) == measure(spec, best)[0]
    assert not any(gen.master.cells) and not any(gen.master.banned)


def test_branch_choose_with_a_draw_picks_among_the_most_fractional():
    """``choose`` with a random draw returns one of the ``RANDOM_TOP`` cells nearest a half, never an
    integral one; without it, the single nearest."""
    import random

    share = np.zeros((2, 3, 3))  # 2 people, 3 days, 2 shift types + OFF
    share[0, 0] = [0.5, 0.0, 0.5]  # the two most fractional
    share[1, 2] = [0.4, 0.6, 0.0]
    share[0, 1] = [1.0, 0.0, 0.0]  # integral
    share[1, 0] = [0.2, 0.1, 0.7]  # only the 0.7 is among the five nearest
    assert branch.choose(share) in {(0, 0, 0), (0, 0, OFF)}
    rng = random.Random(0)
    drawn = {branch.choose(share, rng) for _ in range(200)}
    expected = {(0, 0, 0), (0, 0, OFF), (1, 2, 0), (1, 2, 1), (1, 0, OFF)}
    assert drawn == expected
