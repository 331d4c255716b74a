"""Greedy layer 1: the block schedule, constructed the way a coordinator fills the block sheet.

1. Locks (Program.block_assignments) and out-of-scope residents (from ``keep``) are placed first.
2. Curriculum units (whole blocks, or half-blocks where a requirement has a half and its rotation
   allows half-blocks) are placed most-constrained first: rotations whose demand is closest to their
   capacity first, then the resident with the fewest free blocks. A unit goes to the block that
   fills a minimum first, then the least-loaded block, completing half-filled blocks, keeping hard
   rotations off both sides of a block boundary.
3. Empty halves get a filler: a rotation still under its minimum, else one of the resident's
   curriculum rotations with room, else the least-loaded eligible rotation (hard rotations last).
4. A local search repairs what the construction could not fit (capacity, curriculum) with three
   moves: re-assign a block, swap two blocks of one resident, swap a block between two residents;
   then a short improvement of the soft terms (hard rotations spread, few splits).
"""

from __future__ import annotations

import random
import time
from collections import defaultdict

from residency.scheduling.blocks import BlockResult
from residency.scheduling.blockvars import half_rotations, heavy_rotations, to_assignments
from residency.scheduling.constraints.blocks import eligible, leave_halves, lock_halves, requirements_of
from residency.scheduling.problem import Problem

HARD = 1000
IMPROVE_TRIES = 12  # soft-improvement moves tried per resident-block
STALL = 400  # repair iterations without fewer hard breaches before giving up


class _State:
    """Assignments and the counts the penalty reads, with incremental deltas."""

    def __init__(self, problem: Problem, residents: list[int], fixed: dict[tuple[int, int], int]) -> None:
        self.pr = problem
        self.residents = residents
        self.nh = len(problem.halves)
        self.nr = len(problem.rotations)
        rots = problem.rotations
        self.maxr = [r.max_residents for r in rots]
        self.minr = [r.min_residents or 0 for r in rots]
        self.half_ok = [r.half_block_allowed for r in rots]
        self.heavy = heavy_rotations(problem)
        self.cnt = [[0] * self.nr for _ in range(self.nh)]
        for (_p, h), r in fixed.items():
            self.cnt[h][r] += 1
        self.rot: dict[int, list[int | None]] = {p: [None] * self.nh for p in residents}
        # domains
        self.dom: dict[int, list[set[int]]] = {}
        for p in residents:
            leave = set(leave_halves(problem, p))
            self.dom[p] = [
                {r for r in range(self.nr) if eligible(problem, p, h, r) and (h not in leave or rots[r].leave_allowed)}
                for h in range(self.nh)
            ]
        self.lock: dict[tuple[int, int], int] = {}
        for p, h, r, _ba in lock_halves(problem):
            if p in self.rot:
                self.lock[(p, h)] = r
                self.dom[p][h].add(r)
        # curriculum
        self.req_lo: dict[int, list[int]] = {}
        self.req_hi: dict[int, list[int | None]] = {}
        self.req_rots: dict[int, list[set[int]]] = {}
        self.rot_reqs: dict[int, dict[int, list[int]]] = {}
        self.n_req: dict[int, list[int]] = {}
        for p in residents:
            reqs = requirements_of(problem, p)
            self.req_lo[p] = [round(2 * q.min_blocks) for _k, q in reqs]
            self.req_hi[p] = [None if q.max_blocks is None else round(2 * q.max_blocks) for _k, q in reqs]
            self.req_rots[p] = [{problem.ridx[a] for a in q.rotations if a in problem.ridx} for _k, q in reqs]
            m: dict[int, list[int]] = defaultdict(list)
            for i, rs in enumerate(self.req_rots[p]):
                for r in rs:
                    m[r].append(i)
            self.rot_reqs[p] = m
            self.n_req[p] = [0] * len(reqs)
        self.pgy = {p: problem.pgy(p, 0) or 0 for p in residents}
        self.classes: dict[int, list[int]] = defaultdict(list)
        for p in residents:
            self.classes[self.pgy[p]].append(p)
        self.n_heavy = {p: 0 for p in residents}
        self.blocks = [(problem.block_halves(b.number)[0].index, problem.block_halves(b.number)[1].index)
                       for b in problem.program.year.blocks]  # fmt: skip

    # ----- penalty pieces --------------------------------------------------------------------------
    def cap_pen(self, h: int, r: int) -> int:
        n = self.cnt[h][r]
        mx = self.maxr[r]
        return (max(0, n - mx) if mx is not None else 0) + max(0, self.minr[r] - n)

    def req_pen(self, p: int, i: int) -> int:
        n, lo, hi = self.n_req[p][i], self.req_lo[p][i], self.req_hi[p][i]
        return max(0, lo - n) + (max(0, n - hi) if hi is not None else 0)

    def b2b(self, p: int, h: int) -> int:
        """Hard rotations on both sides of the boundary after half h (h a second half)."""
        if h + 1 >= self.nh or self.pr.halves[h].part != "second_half":
            return 0
        a, b = self.rot[p][h], self.rot[p][h + 1]
        return int(a in self.heavy and b in self.heavy)

    def spread(self, pgy: int) -> int:
        ms = self.classes[pgy]
        if len(ms) < 2:
            return 0
        vals = [self.n_heavy[p] for p in ms]
        return max(vals) - min(vals)

    def split(self, p: int, b: int) -> int:
        h1, h2 = self.blocks[b]
        return int(self.rot[p][h1] != self.rot[p][h2])

    # ----- set / delta ----------------------------------------------------------------------------
    def _set(self, p: int, h: int, r: int | None) -> None:
        old = self.rot[p][h]
        if old == r:
            return
        if old is not None:
            self.cnt[h][old] -= 1
            for i in self.rot_reqs[p].get(old, ()):
                self.n_req[p][i] -= 1
            if old in self.heavy:
                self.n_heavy[p] -= 1
        if r is not None:
            self.cnt[h][r] += 1
            for i in self.rot_reqs[p].get(r, ()):
                self.n_req[p][i] += 1
            if r in self.heavy:
                self.n_heavy[p] += 1
        self.rot[p][h] = r

    def _local(self, changes: list[tuple[int, int, int | None]]) -> int:
        caps, reqs, bnd, classes, blks = set(), set(), set(), set(), set()
        for p, h, r in changes:
            for x in (self.rot[p][h], r):
                if x is not None:
                    caps.add((h, x))
                    for i in self.rot_reqs[p].get(x, ()):
                        reqs.add((p, i))
            bnd.add((p, h))
            bnd.add((p, h - 1))
            classes.add(self.pgy[p])
            blks.add((p, self.pr.halves[h].block))
        hard = sum(self.cap_pen(h, r) for h, r in caps) + sum(self.req_pen(p, i) for p, i in reqs)
        soft = 10 * sum(self.b2b(p, h) for p, h in bnd if h >= 0) + 10 * sum(self.spread(g) for g in classes)
        soft += sum(self.split(p, self._bidx[b]) for p, b in blks)
        return HARD * hard + soft

    def delta(self, changes: list[tuple[int, int, int | None]]) -> int:
        before = self._local(changes)
        old = [(p, h, self.rot[p][h]) for p, h, _ in changes]
        for p, h, r in changes:
            self._set(p, h, r)
        after = self._local(old)
        for p, h, r in old:
            self._set(p, h, r)
        return after - before

    def apply(self, changes: list[tuple[int, int, int | None]]) -> None:
        for p, h, r in changes:
            self._set(p, h, r)

    def total(self) -> tuple[int, int]:
        hard = sum(self.cap_pen(h, r) for h in range(self.nh) for r in range(self.nr))
        hard += sum(self.req_pen(p, i) for p in self.residents for i in range(len(self.req_lo[p])))
        soft = 10 * sum(self.b2b(p, h) for p in self.residents for h in range(self.nh))
        soft += 10 * sum(self.spread(g) for g in self.classes)
        soft += sum(self.split(p, b) for p in self.residents for b in range(len(self.blocks)))
        return hard, soft

    def prepare(self) -> None:
        self._bidx = {b.number: i for i, b in enumerate(self.pr.program.year.blocks)}

    # ----- options --------------------------------------------------------------------------------
    def options(self, p: int, b: int) -> list[tuple[int, int]]:
        h1, h2 = self.blocks[b]
        d1, d2 = self.dom[p][h1], self.dom[p][h2]
        l1, l2 = self.lock.get((p, h1)), self.lock.get((p, h2))
        c1 = {l1} if l1 is not None else d1
        c2 = {l2} if l2 is not None else d2
        out = [(r, r) for r in c1 & c2]
        for r1 in c1:
            if not self.half_ok[r1]:
                continue
            for r2 in c2:
                if r2 != r1 and self.half_ok[r2]:
                    out.append((r1, r2))
        return out

    def movable(self, p: int, b: int) -> bool:
        h1, h2 = self.blocks[b]
        return (p, h1) not in self.lock and (p, h2) not in self.lock

    def fits(self, p: int, b: int, pair: tuple[int | None, int | None]) -> bool:
        h1, h2 = self.blocks[b]
        r1, r2 = pair
        if r1 is None or r2 is None:
            return False
        if r1 not in self.dom[p][h1] or r2 not in self.dom[p][h2]:
            return False
        return r1 == r2 or (self.half_ok[r1] and self.half_ok[r2])


def greedy_blocks(problem: Problem, seed: int = 0, time_limit: float = 5.0, improve_s: float = 4.0) -> BlockResult:
    started = time.monotonic()
    rng = random.Random(seed)
    residents = [p for p in problem.residents if problem.in_scope(p) or problem.keep is None]
    fixed: dict[tuple[int, int], int] = {}
    kept = half_rotations(problem, problem.keep) if problem.keep is not None else {}
    for p in problem.residents:
        if p not in residents:
            for h, r in enumerate(kept.get(p, [])):
                if r is not None:
                    fixed[(p, h)] = r
    st = _State(problem, residents, fixed)
    st.prepare()
    for (p, h), r in st.lock.items():
        st._set(p, h, r)
    if problem.keep is not None and any(kept.get(p) for p in residents):
        # a re-run: start from the schedule kept (in-scope residents' rotations where still valid)
        for p in residents:
            for b in range(len(st.blocks)):
                h1, h2 = st.blocks[b]
                pair = (kept.get(p, [None] * st.nh)[h1], kept.get(p, [None] * st.nh)[h2])
                if st.movable(p, b) and st.fits(p, b, pair):
                    st.apply([(p, h1, pair[0]), (p, h2, pair[1])])
    _construct(st, rng)
    _fill(st, rng)
    _search(st, rng, started + time_limit, improve_s)
    rot: dict[int, list[int | None]] = {p: [None] * st.nh for p in problem.residents}
    for p in residents:
        rot[p] = list(st.rot[p])
    for (p, h), r in fixed.items():
        rot[p][h] = r
    hard, soft = st.total()
    status = "feasible" if hard == 0 else "violated"
    breakdown = _breakdown(st)
    return BlockResult(status, to_assignments(problem, rot), rot, float(HARD * hard + soft), None, breakdown)


def _breakdown(st: _State) -> dict[str, float]:
    b2b = sum(st.b2b(p, h) for p in st.residents for h in range(st.nh))
    spread = sum(st.spread(g) for g in st.classes)
    splits = sum(st.split(p, b) for p in st.residents for b in range(len(st.blocks)))
    return {"BLK-FAIR": 10.0 * (b2b + spread), "BLK-SPLIT": float(splits)}


# ----- construction -------------------------------------------------------------------------------
def _units(st: _State) -> list[tuple[int, int, int]]:
    """(resident, requirement, halves) still to place: whole blocks, and a half where the requirement
    has one and one of its rotations allows half-blocks."""
    out = []
    for p in st.residents:
        for i, lo in enumerate(st.req_lo[p]):
            need = lo - st.n_req[p][i]
            if need <= 0:
                continue
            half_ok = any(st.half_ok[r] for r in st.req_rots[p][i])
            while need >= 2:
                out.append((p, i, 2))
                need -= 2
            if need == 1:
                out.append((p, i, 1 if half_ok else 2))
    return out


def _construct(st: _State, rng: random.Random) -> None:
    units = _units(st)
    # tightness of each rotation: demand over capacity left
    demand: dict[int, float] = defaultdict(float)
    for p, i, size in units:
        rs = st.req_rots[p][i]
        for r in rs:
            demand[r] += size / max(len(rs), 1)
    cap: dict[int, float] = {}
    for r in range(st.nr):
        mx = st.maxr[r]
        cap[r] = float("inf") if mx is None else max(sum(mx - st.cnt[h][r] for h in range(st.nh)), 0.01)

    def tight(u: tuple[int, int, int]) -> float:
        p, i, size = u
        return max((demand[r] / cap[r] for r in st.req_rots[p][i]), default=0.0)

    free = {p: sum(1 for h in range(st.nh) if st.rot[p][h] is None) for p in st.residents}
    units.sort(key=lambda u: (-tight(u), -u[2], free[u[0]], rng.random()))
    for p, i, size in units:
        if st.n_req[p][i] >= st.req_lo[p][i]:
            continue
        best, best_s = None, None
        for b in range(len(st.blocks)):
            h1, h2 = st.blocks[b]
            halves = [h for h in (h1, h2) if st.rot[p][h] is None]
            if size == 2 and len(halves) < 2:
                continue
            if size == 1 and not halves:
                continue
            for r in st.req_rots[p][i]:
                if size == 1 and not st.half_ok[r]:
                    continue
                cand = [halves[0]] if size == 1 else halves
                cand_sets = [[h1], [h2]] if size == 1 and len(halves) == 2 else [cand]
                for hs in cand_sets:
                    if any(r not in st.dom[p][h] for h in hs):
                        continue
                    s = _unit_score(st, p, r, hs, b)
                    if best_s is None or s > best_s:
                        best, best_s = (r, hs), s
        if best is None:
            continue
        r, hs = best
        st.apply([(p, h, r) for h in hs])


def _unit_score(st: _State, p: int, r: int, hs: list[int], b: int) -> float:
    s = 0.0
    mx = st.maxr[r]
    for h in hs:
        n = st.cnt[h][r]
        if mx is not None and n >= mx:
            s -= 1000 * (n - mx + 1)
        if n < st.minr[r]:
            s += 50
        s -= 5 * n / (mx or 10)
        if r in st.heavy:
            part = st.pr.halves[h].part
            nb = h + 1 if part == "second_half" else h - 1
            if 0 <= nb < st.nh and st.rot[p][nb] in st.heavy and st.pr.halves[nb].block != st.pr.halves[h].block:
                s -= 20
    h1, h2 = st.blocks[b]
    if len(hs) == 1:
        other = h2 if hs[0] == h1 else h1
        if st.rot[p][other] is not None:
            s += 15  # completes a split block
    return s


def _fill(st: _State, rng: random.Random) -> None:
    order = list(st.residents)
    rng.shuffle(order)
    for b in range(len(st.blocks)):
        h1, h2 = st.blocks[b]
        # residents with fewest options first
        for p in sorted(order, key=lambda p: len(st.dom[p][h1])):
            a, c = st.rot[p][h1], st.rot[p][h2]
            if a is not None and c is not None:
                continue
            best, best_s = None, None
            for pair in st.options(p, b):
                # keep what is placed; an empty half the placed one cannot pair with is re-decided
                changed = (a is not None and pair[0] != a) + (c is not None and pair[1] != c)
                s = -500.0 * changed
                for h, r, cur in ((h1, pair[0], a), (h2, pair[1], c)):
                    if cur != r:
                        s += _filler_score(st, p, h, r)
                if pair[0] != pair[1]:
                    s -= 1
                if best_s is None or s > best_s:
                    best, best_s = pair, s
            if best is None:
                continue
            st.apply([(p, h1, best[0]), (p, h2, best[1])])


def _filler_score(st: _State, p: int, h: int, r: int) -> float:
    n, mx = st.cnt[h][r], st.maxr[r]
    s = 0.0
    if mx is not None and n >= mx:
        s -= 1000
    if n < st.minr[r]:
        s += 100
    for i in st.rot_reqs[p].get(r, ()):
        hi = st.req_hi[p][i]
        if hi is not None and st.n_req[p][i] >= hi:
            s -= 1000
        elif st.n_req[p][i] < st.req_lo[p][i]:
            s += 30
        else:
            s += 5
    if r in st.heavy:
        s -= 30
    s += 3 * (1 - n / (mx or 10))
    return s


# ----- local search -------------------------------------------------------------------------------
def _violations(st: _State) -> list[tuple]:
    out: list[tuple] = []
    for h in range(st.nh):
        for r in range(st.nr):
            if st.cap_pen(h, r):
                out.append(("cap", h, r))
    for p in st.residents:
        for i in range(len(st.req_lo[p])):
            if st.req_pen(p, i):
                out.append(("req", p, i))
    return out


def _block_of(st: _State, h: int) -> int:
    return st._bidx[st.pr.halves[h].block]


def _moves_for(st: _State, v: tuple, rng: random.Random) -> list[list[tuple[int, int, int | None]]]:
    moves: list[list[tuple[int, int, int | None]]] = []
    nb = len(st.blocks)
    if v[0] == "cap":
        _, h, r = v
        b = _block_of(st, h)
        over = st.maxr[r] is not None and st.cnt[h][r] > st.maxr[r]
        for p in st.residents:
            if not st.movable(p, b):
                continue
            has = st.rot[p][h] == r
            if over and not has:
                continue
            if not over and (has or r not in st.dom[p][h]):
                continue
            moves += _reassign(st, p, b, want=None if over else r)
            moves += _swap_own(st, p, b)
            moves += _swap_other(st, p, b)
    else:
        _, p, i = v
        short = st.n_req[p][i] < st.req_lo[p][i]
        rs = st.req_rots[p][i]
        for b in range(nb):
            if not st.movable(p, b):
                continue
            h1, h2 = st.blocks[b]
            holds = st.rot[p][h1] in rs or st.rot[p][h2] in rs
            if short and holds and st.rot[p][h1] in rs and st.rot[p][h2] in rs:
                continue
            if not short and not holds:
                continue
            for pair in st.options(p, b):
                inside = (pair[0] in rs) + (pair[1] in rs)
                now = (st.rot[p][h1] in rs) + (st.rot[p][h2] in rs)
                if (short and inside > now) or (not short and inside < now):
                    moves.append([(p, h1, pair[0]), (p, h2, pair[1])])
            if short:
                for q in st.residents:
                    if q != p and st.movable(q, b) and (st.rot[q][h1] in rs or st.rot[q][h2] in rs):
                        mv = _swap_pair(st, p, q, b)
                        if mv:
                            moves.append(mv)
    return moves


def _reassign(st: _State, p: int, b: int, want: int | None) -> list:
    h1, h2 = st.blocks[b]
    out = []
    for pair in st.options(p, b):
        if pair == (st.rot[p][h1], st.rot[p][h2]):
            continue
        if want is not None and want not in pair:
            continue
        out.append([(p, h1, pair[0]), (p, h2, pair[1])])
    return out


def _swap_own(st: _State, p: int, b: int) -> list:
    h1, h2 = st.blocks[b]
    a = (st.rot[p][h1], st.rot[p][h2])
    out = []
    for c in range(len(st.blocks)):
        if c == b or not st.movable(p, c):
            continue
        g1, g2 = st.blocks[c]
        o = (st.rot[p][g1], st.rot[p][g2])
        if o == a or not st.fits(p, c, a) or not st.fits(p, b, o):
            continue
        out.append([(p, h1, o[0]), (p, h2, o[1]), (p, g1, a[0]), (p, g2, a[1])])
    return out


def _swap_pair(st: _State, p: int, q: int, b: int) -> list | None:
    h1, h2 = st.blocks[b]
    a = (st.rot[p][h1], st.rot[p][h2])
    o = (st.rot[q][h1], st.rot[q][h2])
    if a == o or not st.fits(p, b, o) or not st.fits(q, b, a):
        return None
    return [(p, h1, o[0]), (p, h2, o[1]), (q, h1, a[0]), (q, h2, a[1])]


def _swap_other(st: _State, p: int, b: int) -> list:
    out = []
    for q in st.residents:
        if q != p and st.movable(q, b):
            mv = _swap_pair(st, p, q, b)
            if mv:
                out.append(mv)
    return out


def _search(st: _State, rng: random.Random, deadline: float, improve_s: float) -> None:
    tabu: dict[tuple[int, int], int] = {}
    it = 0
    best, since = None, 0
    while time.monotonic() < deadline:
        viol = _violations(st)
        if not viol:
            break
        hard = sum(st.cap_pen(v[1], v[2]) if v[0] == "cap" else st.req_pen(v[1], v[2]) for v in viol)
        if best is None or hard < best:
            best, since = hard, 0
        else:
            since += 1
            if since > STALL:  # no progress: what is left is reported (capacity, curriculum)
                break
        it += 1
        v = rng.choice(viol)
        moves = _moves_for(st, v, rng)
        if not moves:
            continue
        scored = []
        for mv in moves:
            tab = any(tabu.get((p, h), -1) > it for p, h, _ in mv)
            d = st.delta(mv)
            scored.append((d + (HARD // 2 if tab else 0), rng.random(), mv))
        scored.sort(key=lambda x: (x[0], x[1]))
        d, _, mv = scored[0]
        if d > 0 and rng.random() < 0.3:
            mv = rng.choice(scored)[2]
        st.apply(mv)
        for p, h, _ in mv:
            tabu[(p, h)] = it + 5 + rng.randrange(5)
    # soft improvement: swaps that do not worsen anything
    # a fixed number of tries (deterministic for a seed), under a wall-clock guard
    end = min(deadline, time.monotonic() + improve_s)
    nb = len(st.blocks)
    for step in range(IMPROVE_TRIES * len(st.residents) * nb):
        if not st.residents or (step % 256 == 0 and time.monotonic() > end):
            break
        p = rng.choice(st.residents)
        b = rng.randrange(nb)
        if not st.movable(p, b):
            continue
        kind = rng.random()
        if kind < 0.4:
            c = rng.randrange(nb)
            if c == b or not st.movable(p, c):
                continue
            h1, h2 = st.blocks[b]
            g1, g2 = st.blocks[c]
            a, o = (st.rot[p][h1], st.rot[p][h2]), (st.rot[p][g1], st.rot[p][g2])
            if a == o or not st.fits(p, c, a) or not st.fits(p, b, o):
                continue
            mv = [(p, h1, o[0]), (p, h2, o[1]), (p, g1, a[0]), (p, g2, a[1])]
        elif kind < 0.7:
            q = rng.choice(st.residents)
            if q == p or not st.movable(q, b):
                continue
            mv = _swap_pair(st, p, q, b)
            if mv is None:
                continue
        else:
            opts = st.options(p, b)
            if not opts:
                continue
            pair = rng.choice(opts)
            h1, h2 = st.blocks[b]
            mv = [(p, h1, pair[0]), (p, h2, pair[1])]
        if st.delta(mv) <= 0:
            st.apply(mv)
