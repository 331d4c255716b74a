"""The second LNS on the other core (``scheduling.roster.parallel``): the exchange's rules, the
search continuing from a better roster it is handed, and a real helper process on Instance5."""

from __future__ import annotations

import multiprocessing as mp
import queue
import time

import numpy as np
import pytest

from residency.bench.curtois import evaluate, load
from residency.bench.curtois_model import to_roster, to_spec
from residency.scheduling.cpsat import RunContext
from residency.scheduling.roster import parallel, search
from residency.scheduling.roster.greedy import greedy
from residency.scheduling.roster.solve import solve_roster
from residency.scheduling.roster.units import measure


@pytest.fixture(scope="module")
def instance5(shared_data):
    inst = load(shared_data / "benchmarks" / "curtois" / "Instance5.txt")
    spec = to_spec(inst)
    return inst, spec, search.repair(spec, greedy(spec), time.monotonic() + 20)


def test_bench_link_sends_only_improvements_and_takes_only_better_rosters():
    inbox, outbox = queue.Queue(), queue.Queue()
    link = parallel.Link(inbox, outbox)
    a, b, c = (np.full((2, 3), k) for k in range(3))
    assert link(100, a) is None
    assert outbox.get_nowait()[0] == 100
    assert link(100, a) is None and link(120, b) is None  # no better than what was sent: not sent
    assert outbox.empty()
    inbox.put((90, b))
    inbox.put((80, c))  # the best of everything waiting is taken
    got = link(100, a)
    assert got is not None and (got == c).all()
    assert outbox.empty()
    assert link(85, a) is None  # 85 does not beat the 80 received: nothing goes back
    assert outbox.empty()
    inbox.put((95, b))
    assert link(85, a) is None  # a worse offer is not taken


def test_bench_search_continues_from_a_better_roster_it_is_handed(instance5):
    """An exchange that hands over a better roster once: the search's result is no worse than it,
    whereas a worse roster handed over is ignored."""
    inst, spec, start = instance5
    start_obj = measure(spec, start)[0]
    better = search.search(spec, start, time.monotonic() + 2, seed=3, full=None)
    better_obj = measure(spec, better)[0]
    assert better_obj < start_obj

    def handing(roster):
        given = []

        def exchange(obj, mine):
            if not given:
                given.append(1)
                return roster
            return None

        return exchange

    result = search.search(spec, start, time.monotonic() + 0.5, seed=5, full=None, exchange=handing(better))
    obj = measure(spec, result)[0]
    assert obj <= better_obj and evaluate(inst, to_roster(spec, result)).feasible
    full = search.FullModel(spec, better)
    worse = search.search(spec, better, time.monotonic() + 0.5, seed=5, full=full, exchange=handing(start))
    assert measure(spec, worse)[0] <= better_obj


def test_bench_helper_process_improves_and_leaves_no_process(instance5):
    inst, spec, start = instance5
    start_obj = measure(spec, start)[0]
    helper = parallel.Helper(spec, start, time.monotonic() + 8, seed=1, whole=True)
    got = helper.close(wait=15)
    assert not helper.process.is_alive()
    assert got is not None
    obj, roster = got
    assert obj < start_obj and measure(spec, roster)[0] == obj
    assert evaluate(inst, to_roster(spec, roster)).feasible


def test_bench_hybrid_with_a_helper_gives_a_legal_roster_and_stops_it(instance5):
    inst, spec, _ = instance5
    ctx = RunContext(14.0, 0, 2)  # column generation takes half: the helper needs 5 s left
    result = solve_roster(spec, "hybrid", ctx)
    assert "roster: a second LNS ran on the other core" in ctx.notes
    assert result.roster is not None and not result.hard_breaches
    ev = evaluate(inst, to_roster(spec, result.roster))
    assert ev.feasible and ev.objective == result.objective
    assert not mp.active_children()
    assert parallel.start(spec, result.roster, time.monotonic() + 60, 0, True, workers=1) is None
    assert parallel.start(spec, result.roster, time.monotonic() + 1, 0, True, workers=2) is None
