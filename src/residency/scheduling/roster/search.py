"""Roster-specific repair and large-neighbourhood search over a ``RosterSpec``.

Every hard unit of a roster is *per person*; people interact only through the soft cover unit. So
freeing a set of people and fixing everybody else gives an exact sub-problem: the same spec
restricted to those people, each cover need lowered by the people kept fixed on it
(``restrict``), built by the same units (``model.build``). Two ways of solving a neighbourhood:

* ``FullModel``: the whole model built once; a neighbourhood (people x day window) is re-solved by
  fixing every other cell (one ``bool_and`` over their literals, emptied afterwards) and hinting
  the incumbent - for models of moderate size;
* ``restrict``: a model of the freed people only (cells outside the window fixed) - for very large
  instances, where building or presolving the whole model each time would cost seconds.

``repair`` makes a roster hard-feasible person by person (one small CP-SAT model each, objective =
that person's exact share of the penalty, the constructive row as hint). ``search`` then runs the
LNS: a few people over the whole horizon, everybody over a window of days, or the people who could
fill an under-covered shift around that day; improvements (and equal moves) are kept; neighbourhood
sizes adapt to how often the sub-problem is solved to optimality.
"""

from __future__ import annotations

import random
import time
from dataclasses import replace
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from residency.scheduling.roster import model as rmodel
from residency.scheduling.roster.spec import OFF, CoverNeed, Request, RosterSpec
from residency.scheduling.roster.units import UNITS, measure

DEBUG = False
DP_EVERY = 12  # whole-model search: one dynamic-programming sweep over everybody per this many moves
SUB_LIMIT = 2.0  # seconds per neighbourhood solve
LINEARIZATION = 2  # the cover / minutes LP closes small neighbourhoods fast
# share of window neighbourhoods placed over an under-covered day: from one start on Curtois 12, 15
# and 19, 10 of 12 paired seeds came out better, by 100-300 on average (benchmarks/lns_ab.py)
WINDOW_AT_SHORT = 0.5
# cover neighbourhoods: days either side of the short day (0: the whole horizon). From one start
# (benchmarks/lns_ab.py, 25 s): Instance19 better in 6 of 6 seeds (mean 4525 against 4707), 18 in 4
# of 4 (5305 against 5514); 14, 15 and 16 inside their spread; 12 (28 days) is not affected
COVER_HALF = 14


def _params(solver: cp_model.CpSolver, seconds: float, seed: int, workers: int) -> None:
    prm = solver.parameters
    prm.max_time_in_seconds = max(0.05, seconds)
    prm.random_seed = seed
    prm.num_workers = max(1, workers)
    prm.linearization_level = LINEARIZATION


def restrict(spec: RosterSpec, people: list[int], roster: np.ndarray) -> RosterSpec:
    """The spec of ``people`` alone, everybody else fixed as in ``roster``: each cover need lowered
    by the others working that shift that day (never below 0, so any excess is over-cover). Its
    objective equals the full objective minus a constant."""
    keep = list(people)
    pos = {p: i for i, p in enumerate(keep)}
    mask = np.ones(spec.n_people, bool)
    mask[keep] = False
    others = roster[mask]
    cover = []
    for c in spec.cover:
        n = int((others[:, c.day] == c.shift).sum()) if len(others) else 0
        cover.append(CoverNeed(c.day, c.shift, max(0, c.requirement - n), c.weight_under, c.weight_over))
    return replace(
        spec,
        people=[spec.people[p] for p in keep],
        max_per_shift=[spec.max_per_shift[p] for p in keep],
        min_minutes=[spec.min_minutes[p] for p in keep],
        max_minutes=[spec.max_minutes[p] for p in keep],
        max_run=[spec.max_run[p] for p in keep],
        min_run=[spec.min_run[p] for p in keep],
        min_off_run=[spec.min_off_run[p] for p in keep],
        max_weekends=[spec.max_weekends[p] for p in keep],
        fixed_off={(pos[p], d) for p, d in spec.fixed_off if p in pos},
        on_requests=[Request(pos[r.person], r.day, r.shift, r.weight) for r in spec.on_requests if r.person in pos],
        off_requests=[Request(pos[r.person], r.day, r.shift, r.weight) for r in spec.off_requests if r.person in pos],
        cover=cover,
    )


def hard_count(spec: RosterSpec, roster: np.ndarray) -> int:
    return len(measure(spec, roster)[1])


def _fix_cell(proto: Any, v: rmodel.RosterVars, spec: RosterSpec, p: int, d: int, s_now: int) -> None:
    """Fix cell (p, d) to ``s_now`` in a model built for one neighbourhood (never undone)."""
    for s in range(spec.n_shifts):
        x = v.x.get((p, d, s))
        if x is not None:
            dom = proto.variables[x.Index()].domain
            dom[0] = dom[1] = int(s == s_now)
    dom = proto.variables[v.work[p][d].Index()].domain
    dom[0] = dom[1] = int(s_now != OFF)


def solve_restricted(
    spec: RosterSpec,
    roster: np.ndarray,
    people: list[int],
    seconds: float,
    seed: int = 0,
    workers: int = 1,
    window: tuple[int, int] | None = None,
    penalty_only: bool = False,
    fix_work: bool = False,
) -> tuple[np.ndarray | None, int, int, bool]:
    """Re-solve ``people`` with everybody else fixed (and, with ``window``, their own cells outside
    [lo, hi) fixed too). Returns (their new rows or None, old sub-objective, new sub-objective,
    proven optimal). ``penalty_only``: no hint check - the current rows may break hard rules."""
    sub = restrict(spec, people, roster)
    rows = roster[people]
    model, v = rmodel.build(sub)
    rmodel.hint(model, v, rows)
    if window is not None:
        lo, hi = window
        proto = model.Proto()
        for i in range(len(people)):
            for d in range(spec.horizon):
                if not lo <= d < hi:
                    _fix_cell(proto, v, sub, i, d, int(rows[i, d]))
    if fix_work:  # the working days as in ``rows``, only the shift types free
        proto = model.Proto()
        for i in range(len(people)):
            for d in range(spec.horizon):
                dom = proto.variables[v.work[i][d].Index()].domain
                dom[0] = dom[1] = int(rows[i, d] != OFF)
    old_obj, hard, _ = measure(sub, rows)
    solver = cp_model.CpSolver()
    _params(solver, seconds, seed, workers)
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, old_obj, old_obj, False
    new = rmodel.roster_of(solver.ResponseProto().solution, sub, v)
    new_obj = measure(sub, new)[0]
    return new, (old_obj if not hard else 10**12), new_obj, status == cp_model.OPTIMAL


def repair(spec: RosterSpec, roster: np.ndarray, deadline: float, seed: int = 0, workers: int = 1) -> np.ndarray:
    """Every person whose row breaks a hard unit gets a new row: the dynamic programme of ``dp``
    (exact for runs, weekends, minutes and days off), then - if a count or succession still breaks -
    a CP-SAT model of that person alone hinted with it."""
    from residency.scheduling.roster.dp import best_feasible_row

    roster = roster.copy()
    names = {name: p for p, name in enumerate(spec.people)}
    bad = sorted({names[b.person] for b in measure(spec, roster)[1] if b.person in names})
    tries = 0
    while bad and time.monotonic() < deadline:
        p = bad.pop(0)
        row = best_feasible_row(spec, p, roster)
        if row is not None:
            roster[p] = row
            if not measure(restrict(spec, [p], roster), roster[[p]])[1]:
                continue
            left = deadline - time.monotonic()  # the same working days, other shift types
            new, _old, _obj, _opt = solve_restricted(spec, roster, [p], min(left, 1.0), seed, workers,
                                                     penalty_only=True, fix_work=True)  # fmt: skip
            if new is not None:
                roster[p] = new[0]
                continue
        left = deadline - time.monotonic()
        new, _old, _obj, _opt = solve_restricted(spec, roster, [p], min(left, 2.0 * (1 + tries)), seed, workers,
                                                 penalty_only=True)  # fmt: skip
        if new is not None:
            roster[p] = new[0]
        else:
            bad.append(p)
            tries += 1
    return roster


def best_response(spec: RosterSpec, roster: np.ndarray, p: int) -> int:
    """Person p's row replaced by their best row (``dp``) when it is hard-feasible and no worse;
    returns the change in objective (<= 0)."""
    from residency.scheduling.roster.dp import best_feasible_row

    row = best_feasible_row(spec, p, roster)
    if row is None:
        return 0
    sub = restrict(spec, [p], roster)
    old = measure(sub, roster[[p]])[0]
    new, hard, _ = measure(sub, row[None, :])
    if hard or new > old:
        return 0
    roster[p] = row
    return new - old


class FullModel:
    """The whole model, built once; neighbourhoods solved by fixing the other cells' domains."""

    def __init__(self, spec: RosterSpec, roster: np.ndarray, seconds: float = 10.0, workers: int = 1) -> None:
        self.spec = spec
        self.model, self.v = rmodel.build(spec)
        self.proto = self.model.Proto()
        self.x_index = np.full((spec.n_people, spec.horizon, spec.n_shifts), -1, np.int64)
        for (p, d, s), x in self.v.x.items():
            self.x_index[p, d, s] = x.Index()
        self.work_index = np.array([[w.Index() for w in row] for row in self.v.work], np.int64)
        # the cells kept as they are: one bool_and over their literals, empty between solves
        self.fixed = self.proto.constraints.add()
        self.fixed.bool_and.literals.clear()
        self.values: list[int] | None = None
        self.objective: float | None = None
        self.set_roster(roster, seconds, workers)

    def literals(self, roster: np.ndarray, free: np.ndarray) -> list[int]:
        """The literals that fix every cell outside ``free`` (a person x day mask) as in ``roster``.
        One constraint built with numpy instead of cell-by-cell domain edits: on Instance19 the
        edits and their undoing took 0.22 s a move, three times the CP-SAT solve of one person."""
        keep = ~free
        xi = self.x_index
        lits = np.where(roster[:, :, None] == np.arange(xi.shape[2]), xi, -xi - 1)[keep[:, :, None] & (xi >= 0)]
        wi = self.work_index
        work = np.where(roster != OFF, wi, -wi - 1)[keep]
        return np.concatenate([lits, work]).tolist()

    def _run(self, roster: np.ndarray, free: np.ndarray, solver: cp_model.CpSolver) -> Any:
        self.fixed.bool_and.literals.extend(self.literals(roster, free))
        try:
            return solver.Solve(self.model)
        finally:
            self.fixed.bool_and.literals.clear()

    def set_roster(self, roster: np.ndarray, seconds: float, workers: int) -> bool:
        """Complete ``roster`` into a full solution vector (auxiliary variables) by a solve with every
        cell fixed."""
        solver = cp_model.CpSolver()
        _params(solver, seconds, 0, workers)
        status = self._run(roster, np.zeros(roster.shape, bool), solver)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            self.values = list(solver.ResponseProto().solution)
            self.objective = solver.ObjectiveValue()
            return True
        return False

    def roster(self) -> np.ndarray:
        return rmodel.roster_of(self.values, self.spec, self.v)

    def solve(
        self, people: set[int], lo: int, hi: int, seconds: float, seed: int, workers: int, roster: np.ndarray
    ) -> tuple[bool, bool]:
        """(improved or equal and accepted, proven optimal) for the neighbourhood."""
        free = np.zeros(roster.shape, bool)
        free[sorted(people), lo:hi] = True
        hint = self.proto.solution_hint
        hint.vars.clear()
        hint.values.clear()
        hint.vars.extend(range(len(self.values)))
        hint.values.extend(self.values)
        solver = cp_model.CpSolver()
        _params(solver, seconds, seed, workers)
        status = self._run(roster, free, solver)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False, False
        if solver.ObjectiveValue() <= self.objective:
            self.values = list(solver.ResponseProto().solution)
            self.objective = solver.ObjectiveValue()
            return True, status == cp_model.OPTIMAL
        return False, status == cp_model.OPTIMAL


class Neighbourhoods:
    """Chooses (kind, people, lo, hi) with adaptive sizes."""

    KINDS = ("person", "window", "cover", "mixed")

    def __init__(self, spec: RosterSpec, rng: random.Random, big: bool) -> None:
        self.spec, self.rng, self.big = spec, rng, big
        self.size = {"person": 3.0, "window": 7.0, "cover": 6.0, "mixed": 8.0}
        if big:
            self.size = {"person": 2.0, "window": 28.0, "cover": 3.0, "mixed": 4.0}
        self.can: dict[tuple[int, int], list[int]] = {}
        for c in spec.cover:
            self.can[(c.day, c.shift)] = [p for p in range(spec.n_people) if spec.allowed(p, c.day, c.shift)]

    def adapt(self, kind: str, optimal: bool) -> None:
        P, H = self.spec.n_people, self.spec.horizon
        top = {"person": P, "window": H, "cover": P, "mixed": P}[kind]
        self.size[kind] = min(top, self.size[kind] * 1.15) if optimal else max(1.0, self.size[kind] * 0.85)

    def pick(self, kind: str, roster: np.ndarray) -> tuple[list[int], int, int]:
        spec, rng = self.spec, self.rng
        P, H = spec.n_people, spec.horizon
        k = max(1, round(self.size[kind]))
        if kind == "person":
            return rng.sample(range(P), min(P, k)), 0, H
        if kind == "window":
            w = min(H, max(2, k))
            lo = rng.randrange(0, H - w + 1)
            short = []
            if WINDOW_AT_SHORT > 0 and rng.random() < WINDOW_AT_SHORT:
                short = [c.day for c in spec.cover if (roster[:, c.day] == c.shift).sum() < c.requirement]
            if short:  # a window over an under-covered day
                day = rng.choice(short)
                lo = rng.randrange(max(0, day - w + 1), min(day, H - w) + 1)
            people = list(range(P))
            if self.big:  # a window over everybody is too large a model: a random share
                people = rng.sample(people, min(P, max(2, round(self.size["mixed"]))))
            return people, lo, lo + w
        # cover / mixed: people who could fill a badly covered need
        bad = [c for c in spec.cover if (roster[:, c.day] == c.shift).sum() < c.requirement]
        if not bad:
            bad = [c for c in spec.cover if (roster[:, c.day] == c.shift).sum() > c.requirement]
        if not bad:
            return rng.sample(range(P), min(P, k)), 0, H
        c = rng.choice(bad)
        cand = list(self.can.get((c.day, c.shift), range(P)))
        rng.shuffle(cand)
        people = cand[:k]
        if kind == "cover":
            if COVER_HALF and 2 * COVER_HALF + 1 < H:
                return people, max(0, c.day - COVER_HALF), min(H, c.day + COVER_HALF + 1)
            return people, 0, H
        half = max(3, round(self.size["window"]))
        return people, max(0, c.day - half), min(H, c.day + half + 1)


def search(
    spec: RosterSpec,
    roster: np.ndarray,
    deadline: float,
    seed: int = 0,
    workers: int = 1,
    full: FullModel | None = None,
    sub_limit: float | None = None,
    on_improve: Any = None,
    bound: float | None = None,
    exchange: Any = None,
) -> np.ndarray:
    """LNS from a hard-feasible ``roster`` until ``deadline``; returns the best roster. ``exchange``
    (``parallel.Link``) is offered the incumbent before each move and may hand back another
    search's roster, which the search continues from when it is hard-feasible and strictly better."""
    rng = random.Random(seed)
    sub_limit = SUB_LIMIT if sub_limit is None else sub_limit
    roster = roster.copy()
    obj = measure(spec, roster)[0]
    hoods = Neighbourhoods(spec, rng, full is None)
    kinds = Neighbourhoods.KINDS
    it = 0
    sweep = list(range(spec.n_people))
    rng.shuffle(sweep)
    while True:
        left = deadline - time.monotonic()
        if left < 0.2 or (bound is not None and obj <= bound):
            break
        other = None if exchange is None else exchange(obj, roster)
        if other is not None:
            other_obj, other_hard, _ = measure(spec, other)
            better = not other_hard and other_obj < obj
            if better and (full is None or full.set_roster(other, min(left, 5.0), workers)):
                roster, obj = other.copy(), other_obj
                if on_improve is not None:
                    on_improve(obj)
        kind = kinds[it % len(kinds)]
        it += 1
        if full is None and kind in ("person", "cover"):  # big: one person's exact best row (dp)
            p = sweep[it % len(sweep)]
            delta = best_response(spec, roster, p)
            if DEBUG and delta:
                print(f"{time.monotonic() - deadline:7.1f} dp     p={p:3d} {obj} -> {obj + delta}", flush=True)
            if delta < 0 and on_improve is not None:
                on_improve(obj + delta)
            obj += delta
            continue
        if full is not None and it % DP_EVERY == 1:  # a sweep of exact one-person moves (dp)
            gain = sum(best_response(spec, roster, p) for p in rng.sample(sweep, len(sweep)))
            if gain < 0 and full.set_roster(roster, min(left, 5.0), workers):
                if DEBUG:
                    print(f"{time.monotonic() - deadline:7.1f} dp sweep {obj} -> {obj + gain}", flush=True)
                obj += gain
                if on_improve is not None:
                    on_improve(obj)
            else:
                roster = full.roster()
            continue
        people, lo, hi = hoods.pick(kind, roster)
        limit = min(left, sub_limit)
        sd = rng.randrange(1 << 30)
        if full is not None:
            ok, optimal = full.solve(set(people), lo, hi, limit, sd, workers, roster)
            if ok:
                roster = full.roster()
                new_obj = int(round(full.objective))
            else:
                new_obj = obj
        else:
            window = None if (lo, hi) == (0, spec.horizon) else (lo, hi)
            new, old_sub, new_sub, optimal = solve_restricted(spec, roster, people, limit, sd, workers, window)
            ok = new is not None and new_sub <= old_sub
            if ok:
                roster[people] = new
                new_obj = obj + new_sub - old_sub
            else:
                new_obj = obj
        hoods.adapt(kind, optimal)
        if DEBUG:
            print(f"{time.monotonic() - deadline:7.1f} {kind:6s} n={len(people):3d} [{lo},{hi}) "
                  f"{'opt' if optimal else '   '} {obj} -> {new_obj}", flush=True)  # fmt: skip
        if new_obj < obj and on_improve is not None:
            on_improve(new_obj)
        obj = new_obj
    if exchange is not None:  # the last improvement goes out too
        exchange(obj, roster)
    return roster


def phased(roster: np.ndarray, phase: tuple[RosterSpec, float], seed: int = 0, exchange: Any = None) -> np.ndarray:
    """The LNS under ``phase``'s spec (same people, days and hard rules, other weights) until its
    end time, from a hard-feasible ``roster``; ``exchange`` trades rosters with a helper in the same
    phase (rosters are re-measured on receipt, so stale ones are judged fairly), and forgets what it
    sent, since objectives after the phase are on another scale."""
    other, until = phase
    out = search(other, roster, until, seed, 1, FullModel(other, roster), exchange=exchange)
    if exchange is not None:
        exchange.restart()
    return out


__all__ = ["FullModel", "UNITS", "hard_count", "phased", "repair", "restrict", "search", "solve_restricted"]
