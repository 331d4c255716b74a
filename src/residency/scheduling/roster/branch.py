"""Branch-and-price over the column-generation master (``colgen``), depth first.

The root LP of the master is tight (Curtois 6: 1949.0, optimum 1950) but the dive rounds it to a
roster a few points above the optimum, and no search in the compact model closes that gap (its
bound is 204). Branch-and-price searches the master's tree instead: a node is a set of decisions
on single cells of single people - fix (person, day) to a shift (or OFF), or ban it - and is
priced until its LP converges, with the decisions honoured by the pricing as well as by the
columns. The decision is complete: a person whose LP weight is split over several rows has a cell
where those rows differ, so some cell has a fractional share. The cell decided is the most
fractional one, the child that fixes it is searched first, and a node whose LP, rounded up
(integer weights), is not below the best roster is cut off. Each node's best rows make a roster
too.
"""

from __future__ import annotations

import math
import random
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from residency.scheduling.roster.colgen import EPS, THREADS, Generator, LPFailed, shares
from residency.scheduling.roster.spec import OFF
from residency.scheduling.roster.units import measure

# restarts: the cell decided is drawn from this many most fractional ones, and each tree gets this
# many seconds. Curtois 7 (root LP 1054.08, optimum 1056) from an LNS roster of 1057: the 4th
# restart found 1056; from 1058 (another draw) the 7th. One deterministic tree from 1057 found
# nothing in 123 s (587 nodes): its early decisions are never revisited in that time.
RANDOM_TOP = 5
RESTART_S = 8.0
# a decision: (person, day, shift or OFF, fixed - else banned)
Decision = tuple[int, int, int, bool]


def apply(gen: Generator, decisions: tuple[Decision, ...]) -> None:
    """The master's cells and bans set to exactly ``decisions``."""
    m = gen.master
    cells: dict[int, dict[int, int]] = {}
    banned: dict[int, set[tuple[int, int]]] = {}
    for p, d, s, fixed in decisions:
        if fixed:
            cells.setdefault(p, {})[d] = s
        else:
            banned.setdefault(p, set()).add((d, s))
    for p in range(gen.spec.n_people):
        if m.cells[p] or m.banned[p] or p in cells or p in banned:
            m.cells[p], m.banned[p] = {}, set()
            m.fix_cells(p, cells.get(p, {}), banned.get(p))


def choose(share: np.ndarray, rng: random.Random | None = None) -> tuple[int, int, int] | None:
    """The most fractional cell (person, day, shift or OFF): the one whose share is nearest a half;
    None when the LP is integral. Fixed cells have a share of 1 and banned ones 0, so no decided
    cell comes back. (The most certain cell instead - a dive that can backtrack - never beat the
    dive's 1258 on Curtois 7 in 55 s; the most fractional one found 1950, the optimum, on 6 at the
    third node and closed the tree at the fifth.)"""
    frac = np.where((share > EPS) & (share < 1 - EPS), share, -1.0)
    frac = np.where(frac > 0, 1 - np.abs(frac - 0.5), -1.0)
    flat = int(np.argmax(frac))
    if rng is not None:  # one of the RANDOM_TOP most fractional, at random
        top = [int(i) for i in np.argsort(frac, axis=None)[::-1][:RANDOM_TOP] if frac.flat[i] > 0]
        flat = rng.choice(top) if top else flat
    p, d, slot = np.unravel_index(flat, frac.shape)
    if frac[p, d, slot] <= 0:
        return None
    n_shifts = share.shape[2] - 1
    return int(p), int(d), OFF if slot == n_shifts else int(slot)


def search(
    gen: Generator,
    best: np.ndarray,
    best_obj: float,
    end: float,
    verbose: bool = False,
    rng: random.Random | None = None,
) -> tuple[np.ndarray, float, bool]:
    """Depth-first branch-and-price from the root until ``end``; returns (best roster, its objective,
    proven optimal: the tree was searched to the end with every node priced to convergence). With
    ``rng`` the cell decided is drawn from the most fractional few (``restarts``)."""
    spec = gen.spec
    stack: list[tuple[Decision, ...]] = [()]
    nodes, complete = 0, True
    try:
        while stack:
            if time.monotonic() >= end:
                return best, best_obj, False
            decisions = stack.pop()
            apply(gen, decisions)
            gen.stop = best_obj
            nodes += 1
            try:
                lp, bound, converged = gen.columns(end, list(range(spec.n_people)))
            except LPFailed:  # cannot happen (each child keeps a row of every person): no proof then
                complete = False
                continue
            if bound is not None and math.ceil(bound - 1e-6) >= best_obj:
                continue
            if not converged:
                complete = False
                if time.monotonic() >= end:
                    return best, best_obj, False
            else:
                complete &= bound is not None and bound >= lp - 1e-6  # every pricing proven
                if math.ceil(lp - 1e-6) >= best_obj:
                    continue
            share, top = shares(gen.master)
            roster = spec.empty()
            for p, (_x, k) in top.items():
                roster[p] = gen.master.cols[k][1]
            obj, hard, _ = measure(spec, roster)
            if not hard and obj < best_obj:
                best, best_obj = roster, obj
                if verbose:
                    print(f"branch: node {nodes} depth {len(decisions)} roster {obj} lp {lp:.2f}", flush=True)
            cell = choose(share, rng)
            if cell is None:
                continue
            p, d, s = cell
            stack.append((*decisions, (p, d, s, False)))
            stack.append((*decisions, (p, d, s, True)))  # searched first
        return best, best_obj, complete
    finally:
        if verbose:
            print(f"branch: {nodes} nodes, {len(stack)} open, best {best_obj}", flush=True)
        apply(gen, ())


def restarts(
    gen: Generator, best: np.ndarray, best_obj: float, end: float, seed: int = 0
) -> tuple[np.ndarray, float, bool]:
    """Branch-and-price trees of ``RESTART_S`` seconds each, every one deciding cells drawn at random
    from the most fractional few, until ``end`` or a tree searched to the end; the columns priced
    stay in the master from one tree to the next. Returns (best roster, objective, proven)."""
    rng = random.Random(seed)
    gen.pool = ThreadPoolExecutor(THREADS)
    try:
        while time.monotonic() < end - 0.5:
            best, best_obj, proven = search(gen, best, best_obj, min(end, time.monotonic() + RESTART_S), rng=rng)
            if proven:
                return best, best_obj, True
    except LPFailed:
        pass
    finally:
        gen.pool.shutdown()
    return best, best_obj, False
