"""Column generation over whole rows (price-and-branch) for a ``RosterSpec``.

Every hard unit is per person, so a roster is one legal row per person, and people interact only
through the soft cover unit. The master problem chooses one row (column) per person:

    min  sum_j cost_j x_j + sum_i (w_under_i u_i + w_over_i o_i)
    s.t. sum_{j of p} x_j = 1                        for every person p       (dual pi_p)
         sum_j a_ij x_j + u_i - o_i = requirement_i  for every cover need i   (dual lam_i)

where ``cost_j`` is the row's request penalty and ``a_ij`` = 1 when row j works need i's shift on its
day. Its LP relaxation is solved by HiGHS; new rows are priced per person with the linear cost
request cost - lam: exactly by a CP-SAT model of that person alone (every hard unit), or on long rows by
the dynamic programme of ``dp`` when a first round shows it nearly as good (faster, not exact). The LP of this formulation is
far tighter than the compact model's (1140.6 against 743 on Instance5, optimum 1143).

Rosters come from a dive over cells (fix each person's cells that their largest LP row shares with
at least ``DIVE_FIRM`` of their LP weight, else the single most certain cell; price a few rounds
with those cells fixed in the pricing; repeat until the LP is integral; a dive that ends early is
followed by a second, firmer one) and from the master solved as an
integer programme over every row found (HiGHS, the best roster so far as its start). Fixing cells
rather than whole rows leaves the rest of a row to be priced again: Instance9 at 60 s came to its
optimum 439 (whole rows: 452-458), Instance10 to its optimum 4631 proven at 18 s (4635).

The bound: when a round's pricing was exact for everybody, LP value + the sum of the negative
reduced costs (Lagrangian) is a lower bound on the optimum; at convergence it is the LP value.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import highspy
import numpy as np
from ortools.sat.python import cp_model

from residency.scheduling.roster import dp
from residency.scheduling.roster import model as rmodel
from residency.scheduling.roster.spec import OFF, RosterSpec
from residency.scheduling.roster.units import measure

EPS = 1e-6
SCALE = 1000  # CP-SAT pricing: costs (duals are fractional) scaled to integers
PRICE_LIMIT = 0.5  # seconds for one person's CP-SAT pricing model
THREADS = 2  # pricing threads
EXACT_CELLS = 140  # rows of at most this many (day, shift type) cells are priced exactly from the start
# longer rows: the first round is priced both ways. When the programme's rows then gain (sum of
# negative reduced costs) at least this share of what the exact rows gain, the programme prices
# (faster: Instance12 came to 4340-4507 with it and 5342-5684 with exact pricing); else pricing is
# exact - the programme prices per-type counts poorly (Instance14, nights capped at 5: share 0.32,
# and its LP stalled at 7779 where exact pricing reached 1278, the optimum; 15: 0.19; 12, 16, 18:
# 0.92-0.99) - each round timed, until one takes longer than ``EXACT_ROUND_S``
PROGRAMME_SHARE = 0.8
EXACT_ROUND_S = 3.0  # Instance15: exact rounds of 2.9-4.7 s; its root LP at 30 s: 4433 timed, 4696 exact
ROOT_SHARE = 0.5  # share of the column-generation time for the root LP
DIVE_ROUNDS = 4  # pricing rounds between two fixing steps of the dive
# exact pricing of long rows (timed), once a round over everybody took longer than CHUNK_ROUND_S:
# each round prices every CHUNKS-th person in turn, so the LP moves three times as often. Curtois 15
# (45 people, rounds of 1-4 s): root LP at 15 s 4876-4885 against 5927, the dive 5582-5707 against
# 8149-10451; whole runs 4266-4401 over seeds 0-4 against 4116-4584 (mean 4319 against 4372)
CHUNKS = 3
CHUNK_ROUND_S = 1.5
# the dive fixes a cell where the person's largest column agrees with this LP share; at 0.9 the dive
# on Curtois 18 fixed a few cells per step and ran out of time (rows 9531-10138, master IP 6795-6914);
# at 0.7 it finished at 18 s of 30 with 5178, and whole runs of 12, 15 and 18 came out better in 6
# of 9 paired seeds (14 and 16 the same)
DIVE_FIRM = 0.7
# seconds at most for the master IP after the dive: when the dive ends early, the IP kept the rest
# of the column-generation time and gained nothing (Curtois 7: 25 s, 1161 against the dive's 1258,
# and the LNS took that to 1061 in 3 s; 18: 12 s, nothing gained); whole runs with the LNS given
# that time: 7 1058 1058 1057 (seeds 0-2), 16 at its optimum 3225 three times, 8 1306 (1308)
IP_LIMIT = 5.0
# a dive that ends with at least this share of its time left is followed by a second one, at
# SECOND_FIRM in the first half of the time left and DIVE_FIRM after (the better roster is kept,
# the IP has both dives' rows): on Curtois 14 the dive at 0.7 finished early and poor (1403-1522,
# optimum 1278) where such a dive alone did well (1281-1282 in three whole runs); on 16 the dive at
# 0.7 did better (3430 against 3524; whole run 3225 against 3328)
SECOND_DIVE_LEFT = 0.5
SECOND_FIRM = 0.9
# seconds at most for branch-and-price (``branch``) after the dive, on rows priced exactly (1-10)
# when the root bound does not prove the roster: Curtois 6 came to its optimum 1950 (the dive and
# the LNS: 1951-1952) and closed the tree within 10 s in whole runs; on 7 it found nothing better
# than the LNS's 1057 in 120 s, and the LNS after it needs the time
BRANCH_LIMIT = 10.0
# ... and only when the roster is within this share of the root bound: from a poor roster (the dive
# on 7: 1258 against 1055) the tree has nothing to cut and the LNS does better with the time
# (7: 1058 and 1062 after 10 s of branching, 1057-1058 without)
BRANCH_GAP = 0.01


def row_cost(work: np.ndarray, off: np.ndarray, row: np.ndarray) -> float:
    worked = row != OFF
    days = np.arange(len(row))
    return float(work[days[worked], row[worked]].sum() + off[~worked].sum())


@dataclass
class Pricer:
    """Person p's pricing: exact by a CP-SAT model of p alone (built once, its objective replaced
    per call, presolve off: 15-60 ms a person), or fast by the dynamic programme of ``dp``. The
    programme is not exact - per-type counts are priced, and here successions are re-chosen after
    the working days are fixed (see ``_dp_row``) - but on long rows it is the faster (see
    ``PROGRAMME_SHARE`` for when it is used)."""

    spec: RosterSpec
    p: int
    work: np.ndarray
    off: np.ndarray
    alone: RosterSpec = field(init=False)

    def __post_init__(self) -> None:
        s, p = self.spec, self.p
        self.alone = replace(
            s,
            people=[s.people[p]],
            max_per_shift=[s.max_per_shift[p]],
            min_minutes=[s.min_minutes[p]],
            max_minutes=[s.max_minutes[p]],
            max_run=[s.max_run[p]],
            min_run=[s.min_run[p]],
            min_off_run=[s.min_off_run[p]],
            max_weekends=[s.max_weekends[p]],
            fixed_off={(0, d) for q, d in s.fixed_off if q == p},
            on_requests=[],
            off_requests=[],
            cover=[],
        )
        self.model, self.v = rmodel.build(self.alone)
        cells = [(x.Index(), d, s) for (_p, d, s), x in self.v.x.items()]
        self.idx = [i for i, _d, _s in cells]
        self.days = np.array([d for _i, d, _s in cells], dtype=int)
        self.types = np.array([s for _i, _d, s in cells], dtype=int)

    def legal(self, row: np.ndarray) -> bool:
        return not measure(self.alone, row[None, :])[1]

    def price(
        self,
        lam: np.ndarray,
        deadline: float,
        exact: bool = True,
        cells: dict[int, int] | None = None,
        banned: set[tuple[int, int]] | None = None,
    ) -> tuple[np.ndarray | None, float, bool]:
        """(the cheapest legal row for cell costs work - lam, its cost, proven cheapest), keeping the
        fixed ``cells`` (day -> shift or OFF) and none of the ``banned`` (day, shift or OFF); not
        ``exact``: the programme's row, or nothing when it breaks a rule the programme does not
        track."""
        work = self.work - lam
        if not exact:
            dp_work, dp_off = work, self.off
            if cells or banned:  # fixed cells: every other choice that day costs inf
                dp_work, dp_off = work.copy(), self.off.copy()
                for d, s in (cells or {}).items():
                    keep = dp_work[d, s] if s != OFF else 0.0
                    dp_work[d, :] = np.inf
                    if s != OFF:
                        dp_work[d, s], dp_off[d] = keep, np.inf
                for d, s in banned or ():
                    if s == OFF:
                        dp_off[d] = np.inf
                    else:
                        dp_work[d, s] = np.inf
            row = _dp_row(self.spec, self.p, dp_work, dp_off)
            if row is not None and self.legal(row) and agrees(row, cells, banned):
                return row, row_cost(work, self.off, row), False
            return None, np.inf, False
        # off costs enter as "- off[d] per day worked" plus a constant
        coeffs = np.rint((work[self.days, self.types] - self.off[self.days]) * SCALE).astype(np.int64)
        obj = self.model.Proto().objective
        obj.vars.clear()
        obj.coeffs.clear()
        obj.vars.extend(self.idx)
        obj.coeffs.extend(coeffs.tolist())
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, min(PRICE_LIMIT, deadline - time.monotonic()))
        solver.parameters.num_workers = 1
        solver.parameters.cp_model_presolve = False
        saved = self._fix_cells(cells or {}, banned or set())
        try:
            status = solver.Solve(self.model)
        finally:
            for i, old in reversed(saved):  # a variable set twice gets its first domain back
                dom = self.model.Proto().variables[i].domain
                dom[0], dom[1] = old
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None, np.inf, False
        row = rmodel.roster_of(solver.ResponseProto().solution, self.alone, self.v)[0]
        return row, row_cost(work, self.off, row), status == cp_model.OPTIMAL

    def _fix_cells(self, cells: dict[int, int], banned: set[tuple[int, int]]) -> list[tuple[int, tuple[int, int]]]:
        """Fix the model's variables of ``cells`` and rule out the ``banned``; returns the domains to
        restore."""
        proto, saved = self.model.Proto(), []
        pairs = []
        for d, s_fixed in cells.items():
            pairs += [(self.v.work[0][d].Index(), int(s_fixed != OFF))]
            pairs += [(x.Index(), int(s == s_fixed)) for s in range(self.spec.n_shifts)
                      if (x := self.v.x.get((0, d, s))) is not None]  # fmt: skip
        for d, s in banned:
            if s == OFF:
                pairs.append((self.v.work[0][d].Index(), 1))
            elif (x := self.v.x.get((0, d, s))) is not None:
                pairs.append((x.Index(), 0))
        for i, value in pairs:
            dom = proto.variables[i].domain
            saved.append((i, (dom[0], dom[1])))  # booleans: a domain of two bounds
            dom[0] = dom[1] = value
        return saved


def agrees(row: np.ndarray, cells: dict[int, int] | None, banned: set[tuple[int, int]] | None = None) -> bool:
    """``row`` keeps every fixed cell (day -> shift or OFF) and none of the ``banned``."""
    return (not cells or all(row[d] == s for d, s in cells.items())) and (
        not banned or all(row[d] != s for d, s in banned)
    )


def _dp_row(spec: RosterSpec, p: int, work: np.ndarray, off: np.ndarray, rounds: int = 6) -> np.ndarray | None:
    """The dynamic programme's row, per-type counts priced in over a few rounds (as ``dp``)."""
    price = np.zeros(spec.n_shifts)
    limit = np.array(spec.max_per_shift[p])
    row = None
    for _ in range(rounds):
        # successions re-chosen, not tracked: the tracked programme gives cheaper rows but is 2-4 times
        # slower, and the root LP of 12-19 converged less far in the time (12 at 48 % against 17 %)
        row = dp.best_rules_row(spec, p, work + price[None, :], off, exact=False)
        if row is None:
            return None
        over = np.bincount(row[row != OFF], minlength=spec.n_shifts) > limit
        if not over.any():
            return row
        price[over] += 20.0 + price[over]
    return row


class LPFailed(RuntimeError):
    """The master LP came back without an optimal solution (its duals would mean nothing)."""


class Master:
    """The restricted master problem in HiGHS; columns are added as rows are priced."""

    def __init__(self, spec: RosterSpec) -> None:
        self.spec = spec
        P, n = spec.n_people, len(spec.cover)
        self.need = {(c.day, c.shift): i for i, c in enumerate(spec.cover)}
        self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", False)
        # no thread count: HiGHS's scheduler is global and keeps the first count it was given; a
        # later solve asking another comes back without a solution (as in ``mip.py``)
        req = [float(c.requirement) for c in spec.cover]
        lower = np.array([1.0] * P + req)
        self.h.addRows(P + n, lower, lower.copy(), 0, np.array([0]), np.array([], dtype=np.int32), np.array([]))
        for i, c in enumerate(spec.cover):  # u_i, o_i
            self.h.addCol(float(c.weight_under), 0.0, highspy.kHighsInf, 1, np.array([P + i], dtype=np.int32),
                          np.array([1.0]))  # fmt: skip
            self.h.addCol(float(c.weight_over), 0.0, highspy.kHighsInf, 1, np.array([P + i], dtype=np.int32),
                          np.array([-1.0]))  # fmt: skip
        self.n_aux = 2 * n
        self.cols: list[tuple[int, np.ndarray]] = []  # (person, row)
        self.of: list[list[int]] = [[] for _ in range(P)]  # column indexes of each person
        self.seen: set[tuple[int, bytes]] = set()
        self.cells: list[dict[int, int]] = [{} for _ in range(P)]  # per person: day -> shift fixed (cell dive)
        self.banned: list[set[tuple[int, int]]] = [set() for _ in range(P)]  # per person: (day, shift) ruled out
        self.costs = [dp.request_costs(spec, p) for p in range(P)]

    def add(self, p: int, row: np.ndarray) -> bool:
        key = (p, row.astype(np.int32).tobytes())
        if key in self.seen:
            return False
        self.seen.add(key)
        work, off = self.costs[p]
        idx = [p] + [self.spec.n_people + self.need[(d, int(s))] for d, s in enumerate(row)
                     if s != OFF and (d, int(s)) in self.need]  # fmt: skip
        # no upper bound (the convexity row implies x <= 1): a bound at 1 would take part of the
        # reduced cost and leave the row duals wrong for pricing
        self.h.addCol(row_cost(work, off, row), 0.0, highspy.kHighsInf, len(idx), np.array(idx, dtype=np.int32),
                      np.ones(len(idx)))  # fmt: skip
        self.cols.append((p, row.copy()))
        self.of[p].append(len(self.cols) - 1)
        if not agrees(row, self.cells[p], self.banned[p]):
            self.h.changeColBounds(self.n_aux + len(self.cols) - 1, 0.0, 0.0)
        return True

    def fix_cells(self, p: int, cells: dict[int, int], banned: set[tuple[int, int]] | None = None) -> None:
        """Person p's ``cells`` (day -> shift or OFF) fixed and ``banned`` (day, shift or OFF) ruled
        out, on top of earlier ones; ``{}`` after ``clear_cells`` lifts them. Columns that disagree
        get the upper bound 0."""
        self.cells[p].update(cells)
        self.banned[p].update(banned or ())
        for j in self.of[p]:
            keep = agrees(self.cols[j][1], self.cells[p], self.banned[p])
            self.h.changeColBounds(self.n_aux + j, 0.0, highspy.kHighsInf if keep else 0.0)

    def clear_cells(self, p: int) -> None:
        self.cells[p], self.banned[p] = {}, set()
        self.fix_cells(p, {})

    def solve_lp(self) -> tuple[float, np.ndarray, np.ndarray]:
        """(LP value, pi[p], lam[d, s]) - lam is 0 on cells without a cover need."""
        self.h.run()
        status = self.h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise LPFailed(f"HiGHS: {self.h.modelStatusToString(status)}")
        duals = np.array(self.h.getSolution().row_dual)
        P = self.spec.n_people
        lam = np.zeros((self.spec.horizon, self.spec.n_shifts))
        for (d, s), i in self.need.items():
            lam[d, s] = duals[P + i]
        return self.h.getInfo().objective_function_value, duals[:P], lam

    def solve_ip(self, seconds: float, start: np.ndarray | None = None) -> tuple[np.ndarray | None, float | None]:
        """The best roster from the columns (integer), within ``seconds``; (roster, bound)."""
        n = len(self.cols)
        idx = np.arange(self.n_aux, self.n_aux + n, dtype=np.int32)
        self.h.changeColsIntegrality(n, idx, np.array([highspy.HighsVarType.kInteger] * n))
        self.h.setOptionValue("time_limit", max(0.1, seconds))
        self.h.setOptionValue("mip_rel_gap", 0.0)
        if start is not None:
            self._start(start)
        try:
            self.h.run()
            sol = self.h.getSolution()
            info = self.h.getInfo()
            bound = info.mip_dual_bound if np.isfinite(info.mip_dual_bound) else None
            if not sol.value_valid:
                return None, bound
            values = np.array(sol.col_value)
            roster = self.spec.empty()
            for k, (p, row) in enumerate(self.cols):
                if values[self.n_aux + k] > 0.5:
                    roster[p] = row
            return roster, bound
        finally:
            self.h.changeColsIntegrality(n, idx, np.array([highspy.HighsVarType.kContinuous] * n))
            self.h.setOptionValue("time_limit", highspy.kHighsInf)

    def _start(self, roster: np.ndarray) -> None:
        for p in range(self.spec.n_people):
            self.add(p, roster[p])
        chosen = {(p, roster[p].astype(np.int32).tobytes()) for p in range(self.spec.n_people)}
        values = np.zeros(self.n_aux + len(self.cols))
        for k, (p, row) in enumerate(self.cols):
            if (p, row.astype(np.int32).tobytes()) in chosen:
                values[self.n_aux + k] = 1.0
        for i, c in enumerate(self.spec.cover):
            n = int((roster[:, c.day] == c.shift).sum())
            values[2 * i] = max(0, c.requirement - n)
            values[2 * i + 1] = max(0, n - c.requirement)
        sol = highspy.HighsSolution()
        sol.col_value = list(values)
        sol.value_valid = True
        self.h.setSolution(sol)


@dataclass
class ColgenResult:
    roster: np.ndarray | None
    objective: int | None
    lp: float | None = None
    bound: float | None = None  # a proven lower bound (exact pricing), else None
    columns: int = 0
    rounds: int = 0
    # the generator, kept when a converged exact root did not prove the roster: branch-and-price
    # restarts can go on from it later (``branch.restarts``)
    generator: Generator | None = None


class Generator:
    """Column generation over a ``Master``: the root LP, then ``dive``."""

    def __init__(self, spec: RosterSpec, rosters: list[np.ndarray], verbose: bool = False) -> None:
        self.spec, self.verbose = spec, verbose
        self.master = Master(spec)
        for r in rosters:
            for p in range(spec.n_people):
                self.master.add(p, r[p])
        self.pricers = [Pricer(spec, p, *self.master.costs[p]) for p in range(spec.n_people)]
        self.rounds = 0
        self.t0 = time.monotonic()
        self.pool = ThreadPoolExecutor(THREADS)
        # exact pricing throughout when a row has few cells (CP-SAT per person is then as fast as
        # the programme, and exact rows made the LP and the dive converge: Instances 8 and 9 at
        # 2 % and 4 % against 11 % and 26 %); on longer rows the first round decides (``probe``)
        self.exact = spec.horizon * spec.n_shifts <= EXACT_CELLS
        self.probe = not self.exact  # the first round decides (``PROGRAMME_SHARE``)
        self.timed = False  # exact until a round is slow (``EXACT_ROUND_S``)
        self.chunks = 1  # people priced in turn, a share per round (``CHUNKS``)
        self.stop: float | None = None  # the best roster's objective: pricing stops at a bound that proves it

    def columns(
        self, end: float, people: list[int], max_rounds: int = 10**9, exact_end: bool = True
    ) -> tuple[float | None, float | None, bool]:
        """Price until no row of ``people`` has a negative reduced cost (or ``end`` / ``max_rounds``).
        Pricing is exact from the start on small rows (``self.exact``; on two threads: CP-SAT
        releases the interpreter while it solves), else by the programme until it finds nothing,
        then exact when ``exact_end``; slow exact rounds price a share of the people each
        (``CHUNKS``). Returns (LP value, proven lower bound or None, converged): the bound is the
        best of the rounds where everybody was free and every pricing was proven (with chunks: the
        LP value once a whole cycle of chunks added nothing). (Dual smoothing was tried with the
        programme's pricing: no fewer rounds.)"""
        bound, lp = None, None
        whole = len(people) == self.spec.n_people
        exact = self.exact
        part, quiet, quiet_exact = 0, 0, True  # chunks priced; chunks in a row that added nothing
        for _ in range(max_rounds):
            if time.monotonic() >= end:
                break
            lp, pi, lam = self.master.solve_lp()
            self.rounds += 1
            probe, self.probe = self.probe, False
            exact |= self.timed or probe
            k = self.chunks if self.timed and not probe else 1
            batch = people[part % k :: k] if k > 1 else people
            part += 1
            n = len(batch)
            started = time.monotonic()
            run = self.pool.map if exact else map  # the programme holds the interpreter: one thread
            priced = list(run(self._price, batch, [lam] * n, [end] * n, [exact] * n))
            if probe:  # the same duals priced by the programme: keep it if it gains nearly as much
                fast = list(map(self._price, batch, [lam] * n, [end] * n, [False] * n))
                exact_gain = sum(min(0.0, c - pi[p]) for p, r, c, _ in priced if r is not None)
                fast_gain = sum(min(0.0, c - pi[p]) for p, r, c, _ in fast if r is not None)
                self.timed = exact = fast_gain > PROGRAMME_SHARE * exact_gain
                if self.verbose:
                    print(f"probe: programme {fast_gain:.1f} exact {exact_gain:.1f}", flush=True)
            elif self.timed and k == 1 and CHUNKS > 1 and whole and time.monotonic() - started > CHUNK_ROUND_S:
                self.chunks = CHUNKS
            elif self.timed and time.monotonic() - started > EXACT_ROUND_S:
                self.timed = exact = False
            added, gap, all_exact = 0, 0.0, True
            for p, row, cost, proven in priced:
                if row is None:
                    all_exact = False
                    continue
                rc = cost - pi[p]
                all_exact &= proven
                if rc < -EPS:
                    gap += rc
                    added += self.master.add(p, row)
            if probe:  # the programme's rows join too (after the exact ones, which count for ``added``)
                for p, row, cost, _proven in fast:
                    if row is not None and cost - pi[p] < -EPS:
                        self.master.add(p, row)
            if all_exact and whole and k == 1:
                bound = max(bound if bound is not None else -np.inf, lp + gap)
            if self.verbose:
                print(f"{time.monotonic() - self.t0:6.1f}s round {self.rounds} lp {lp:.2f} added {added} "
                      f"cols {len(self.master.cols)} people {n} bound {bound}", flush=True)  # fmt: skip
            quiet, quiet_exact = (quiet + 1, quiet_exact and all_exact) if added == 0 else (0, True)
            if quiet >= k:  # every chunk priced at the same duals found nothing
                if exact or not exact_end:
                    lp = self.master.solve_lp()[0]
                    if k > 1 and whole and quiet_exact:  # converged with every pricing proven
                        bound = max(bound if bound is not None else -np.inf, lp)
                    return lp, bound, True
                exact = True  # the programme found nothing: confirm (or find) with the exact models
                quiet, quiet_exact = 0, True
            if self.stop is not None and bound is not None and self.stop <= math.ceil(bound - 1e-6):
                break  # the incumbent is proven optimal
        return lp, bound, False

    def _price(self, p: int, lam: np.ndarray, end: float, exact: bool) -> tuple[int, np.ndarray | None, float, bool]:
        return (p, *self.pricers[p].price(lam, end, exact, self.master.cells[p], self.master.banned[p]))


def shares(m: Master) -> tuple[np.ndarray, dict[int, tuple[float, int]]]:
    """The master LP's share of every (person, day, shift slot - OFF in the last one) and each
    person's largest column (value, index), from the last solve."""
    spec = m.spec
    values = np.array(m.h.getSolution().col_value)[m.n_aux :]
    share = np.zeros((spec.n_people, spec.horizon, spec.n_shifts + 1))
    top: dict[int, tuple[float, int]] = {}
    days = np.arange(spec.horizon)
    for k, (p, row) in enumerate(m.cols):
        if values[k] > EPS:
            share[p, days, row] += values[k]
            if p not in top or values[k] > top[p][0]:
                top[p] = (values[k], k)
    return share, top


def dive(gen: Generator, end: float, firm: float | None = None, early: float | None = None) -> np.ndarray:
    """Fix cells rather than whole rows: per person, the cells where the person's largest column
    agrees with an LP share of at least ``firm`` (``DIVE_FIRM``; ``early`` instead in the first
    half of the time; else the single most certain such cell over everybody), pricing a few rounds
    in between - the rest of each row stays free to be priced again. That largest column always
    survives, so the LP stays feasible. Ends when every person's LP value sits on one column (or at
    ``end``: everybody takes their largest column)."""
    m, spec = gen.master, gen.spec
    P, H = spec.n_people, spec.horizon
    firm = DIVE_FIRM if firm is None else firm
    start = time.monotonic()
    try:
        while True:
            now = time.monotonic()
            late = now >= end
            level = early if early is not None and now - start < (end - start) / 2 else firm
            if not late:
                gen.columns(end, list(range(P)), DIVE_ROUNDS, exact_end=False)
            m.solve_lp()
            share, top = shares(m)
            if late or all(x >= 1 - 1e-6 for x, _k in top.values()):
                roster = spec.empty()
                for p, (_x, k) in top.items():
                    roster[p] = m.cols[k][1]
                return roster
            best = (-1.0, -1, -1)
            fixes: dict[int, dict[int, int]] = {}
            for p, (_x, k) in top.items():
                row = m.cols[k][1]
                for d in range(H):
                    if d in m.cells[p]:
                        continue
                    y = share[p, d, row[d]]
                    if y >= level:
                        fixes.setdefault(p, {})[d] = int(row[d])
                    elif y > best[0]:
                        best = (y, p, d)
            if not fixes and best[1] >= 0:
                _y, p, d = best
                fixes = {p: {d: int(m.cols[top[p][1]][1][d])}}
            for p, cells in fixes.items():
                m.fix_cells(p, cells)  # the pricing reads them from the master
            if not fixes:  # every cell fixed yet fractional: cannot happen with one column per row
                end = time.monotonic()
    finally:
        for p in range(P):
            m.clear_cells(p)


def generate(
    spec: RosterSpec, rosters: list[np.ndarray], deadline: float, ip_share: float = 0.3, verbose: bool = False
) -> ColgenResult:
    """The root LP (pricing until it converges or half the time is spent), a dive, then the integer
    master over every row found; ``rosters`` (hard-feasible) seed the columns, the best one is the
    IP's start."""

    def score(roster: np.ndarray) -> float:  # objective, inf when a hard unit breaks
        obj, hard, _ = measure(spec, roster)
        return np.inf if hard else obj

    gen = Generator(spec, rosters, verbose)
    t0 = gen.t0
    scored = [(score(r), i) for i, r in enumerate(rosters)]
    best_obj, i = min(scored)
    best = rosters[i]
    gen.stop = best_obj
    try:
        lp, bound, _ = gen.columns(t0 + (deadline - t0) * ROOT_SHARE, list(range(spec.n_people)))
        proven = math.ceil(bound - 1e-6) if bound is not None else None
        if proven is not None and best_obj <= proven:
            return ColgenResult(best, int(best_obj), lp, bound, len(gen.master.cols), gen.rounds)
        # the dive runs until the master IP's time: on Curtois 12 (column generation alone, 30 s)
        # it then finished with 5187, where stopping at 70 % of the time left it late (7403)
        dive_end = deadline - min(IP_LIMIT, (deadline - t0) * ip_share)
        dive_start = time.monotonic()
        dived = dive(gen, dive_end)
        if dive_end - time.monotonic() >= SECOND_DIVE_LEFT * (dive_end - dive_start):
            again = dive(gen, dive_end, DIVE_FIRM, early=SECOND_FIRM)
            first_obj, again_obj = score(dived), score(again)
            if verbose:
                print(f"{time.monotonic() - t0:6.1f}s first dive {first_obj}, second {again_obj}", flush=True)
            if again_obj < first_obj:
                dived = again
    except LPFailed:
        return ColgenResult(best, int(best_obj), None, None, len(gen.master.cols), gen.rounds)
    finally:
        gen.pool.shutdown()
    dived_obj = score(dived)
    if verbose:
        print(f"{time.monotonic() - t0:6.1f}s dive {dived_obj}", flush=True)
    if dived_obj < best_obj:
        best, best_obj = dived, dived_obj
    if BRANCH_LIMIT > 0 and gen.exact and proven is not None and proven < best_obj <= (1 + BRANCH_GAP) * proven:
        from residency.scheduling.roster import branch

        gen.pool = ThreadPoolExecutor(THREADS)
        try:
            end = min(deadline - IP_LIMIT, time.monotonic() + BRANCH_LIMIT)
            best, best_obj, done = branch.search(gen, best, best_obj, end, verbose)
        except LPFailed:
            done = False
        finally:
            gen.pool.shutdown()
        if done:  # the tree was searched to the end: the best roster is optimal
            proven = bound = best_obj
    if proven is None or best_obj > proven:
        found, _ = gen.master.solve_ip(min(IP_LIMIT, deadline - time.monotonic()), best)
        if found is not None and (found_obj := score(found)) < best_obj:
            best, best_obj = found, found_obj
    if verbose:
        print(f"{time.monotonic() - t0:6.1f}s ip {best_obj} lp {lp} bound {bound}")
    keep = gen if gen.exact and proven is not None and best_obj > proven else None
    return ColgenResult(best, int(best_obj), lp, bound, len(gen.master.cols), gen.rounds, keep)
