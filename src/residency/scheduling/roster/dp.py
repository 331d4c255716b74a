"""One person's best row by dynamic programming, everybody else fixed.

With the others fixed, a person's share of the objective is linear in their own cells (cover: each
shift worked on an under-covered need saves ``weight_under``, on a full one costs ``weight_over``;
requests likewise). Over the days, the state is (current working run length and whether it started
on day 0 | current off run length, capped at the minimum), weekends worked so far, and minutes
worked so far (in units of the gcd of the shift lengths). That covers fixed days off, maximum and
minimum working runs, minimum days-off runs (runs touching either end exempt), maximum weekends and
the minute bounds exactly. Forbidden successions are exact too when p's shift types fall into at
most ``EXACT_CLASSES`` groups (the group last worked joins the state; else each day takes its
cheapest shift of the chosen length and the types are re-chosen afterwards). Per-type maximum
counts are not in the state (they are priced, see ``best_feasible_row``); the caller checks the row
with the units (``repair`` falls back to CP-SAT, hinted with the row).
"""

from __future__ import annotations

from math import gcd
from typing import Any

import numpy as np

from residency.scheduling.roster.spec import OFF, RosterSpec

INF = np.inf
BAND_MINUTES = 12_000  # minutes tracked within this distance of a steady pace


def request_costs(spec: RosterSpec, p: int) -> tuple[np.ndarray, np.ndarray]:
    """(work[d, s], off[d]): person p's request penalty of each cell; inf where p may not work."""
    H, S = spec.horizon, spec.n_shifts
    work = np.zeros((H, S))
    off = np.zeros(H)
    for r in spec.on_requests:
        if r.person == p:
            off[r.day] += r.weight
            work[r.day, :] += r.weight
            work[r.day, r.shift] -= r.weight
    for r in spec.off_requests:
        if r.person == p:
            work[r.day, r.shift] += r.weight
    for s in range(S):
        if spec.max_per_shift[p][s] <= 0:
            work[:, s] = INF
    for q, d in spec.fixed_off:
        if q == p:
            work[d, :] = INF
    return work, off


def costs(spec: RosterSpec, p: int, roster: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cost[d, s] of working s on d, cost_off[d]) for person p, the others as in ``roster``
    (the person's own current row is ignored): the request costs plus each cover need's saving
    (under-covered) or cost (full)."""
    work, off = request_costs(spec, p)
    others = np.delete(roster, p, axis=0)
    for c in spec.cover:
        n = int((others[:, c.day] == c.shift).sum())
        work[c.day, c.shift] += -c.weight_under if n < c.requirement else c.weight_over
    return work, off


EXACT_CLASSES = 8  # at most this many shift-type groups: the last one worked is in the state


def _classes(spec: RosterSpec, p: int, exact: bool = True) -> tuple[list[list[int]], np.ndarray, bool]:
    """(groups of p's shift types, may group j follow group i, successions exact). Where a forbidden
    succession concerns p, types of the same length and the same forbidden successions (both ways)
    form a group, and the group last worked is part of the state, so successions are exact - unless
    there are more than ``EXACT_CLASSES`` groups; then one group per length, successions re-chosen
    afterwards (``_successions``), as also with ``exact`` off."""
    types = [s for s in range(spec.n_shifts) if spec.max_per_shift[p][s] > 0]
    forb = spec.forbidden_next
    if exact and any(s in types and t in types for s, t in forb):

        def key(s: int) -> tuple:
            return (
                spec.minutes[s],
                tuple(t for t in types if (s, t) in forb),
                tuple(t for t in types if (t, s) in forb),
            )

        by_key: dict[tuple, list[int]] = {}
        for s in types:
            by_key.setdefault(key(s), []).append(s)
        groups = list(by_key.values())
        if len(groups) <= EXACT_CLASSES:
            follows = np.array([[(a[0], b[0]) not in forb for b in groups] for a in groups], dtype=bool)
            return groups, follows, True
    by_len: dict[int, list[int]] = {}
    for s in types:
        by_len.setdefault(spec.minutes[s], []).append(s)
    groups = [by_len[m] for m in sorted(by_len)]
    return groups, np.ones((len(groups), len(groups)), dtype=bool), False


def best_row(
    spec: RosterSpec, p: int, work: np.ndarray, off: np.ndarray, mu: float | None = None, exact: bool = True
) -> np.ndarray | None:
    """The cheapest row under the run, weekend, days-off, minute and (see ``_classes``) succession
    rules (None if there is none). With ``mu`` the weekends are not in the state but priced (``mu``
    per weekend worked)."""
    H = spec.horizon
    K, mr, m = spec.max_run[p], spec.min_run[p], max(1, spec.min_off_run[p])
    groups, follows, tracked = _classes(spec, p, exact)
    if not groups:
        return np.full(H, OFF, dtype=np.int32) if spec.min_minutes[p] <= 0 else None
    g = 0
    for grp in groups:
        g = gcd(g, spec.minutes[grp[0]])
    units = [spec.minutes[grp[0]] // g for grp in groups]
    cmax = spec.max_minutes[p] // g
    cmin = -(-spec.min_minutes[p] // g)
    if cmin > cmax:
        return None
    wmax = min(spec.max_weekends[p], len(spec.weekends)) if mu is None else 0
    W, C = wmax + 1, cmax + 1
    # minutes are tracked in a band around the straight line from 0 to the minimum (paths straying
    # further are dropped): index j = c - base[d]
    band = BAND_MINUTES // g
    if 2 * band + 1 < C:
        C = 2 * band + 1
        base = np.array([max(0, round(cmin * (d + 1) / H) - band) for d in range(H)], dtype=int)
    else:
        base = np.zeros(H, dtype=int)
    pos_in_weekend: dict[int, int] = {}
    for days in spec.weekends:
        for i, d in enumerate(days):
            pos_in_weekend[d] = i
    n_c = len(groups)
    # per day and group: the cheapest shift of the group and its cost
    best_s = np.full((H, n_c), -1, dtype=np.int32)
    best_c = np.full((H, n_c), INF)
    for li, cols in enumerate(groups):
        sub = work[:, cols]
        j = np.argmin(sub, axis=1)
        best_s[:, li] = np.array(cols)[j]
        best_c[:, li] = sub[np.arange(H), j]
    nt = n_c if tracked else 1  # working states W(e, r, t): e * K * nt + (r - 1) * nt + t
    NW = 2 * K * nt
    NS = NW + m  # O(r): NW + r - 1 (r = m: long enough, or touching the start)
    V = np.full((NS, W, C), INF)
    code_type = next(t for t in (np.int8, np.int16, np.int32) if NS * (n_c + 1) <= np.iinfo(t).max)
    choice = np.zeros((H, NS, W, C), dtype=code_type)  # pred * (n_c + 1) + (0 off | group + 1)

    def shifted(arr: np.ndarray, dw: int, du: int, fill: float = INF) -> np.ndarray:  # arr [..., W, C]
        if dw == 0 and du == 0:
            return arr
        out = np.full_like(arr, fill)
        if dw >= W or abs(du) >= C:
            return out
        if du >= 0:
            out[..., dw:, du:] = arr[..., : W - dw, : C - du]
        else:
            out[..., dw:, : C + du] = arr[..., : W - dw, -du:]
        return out

    def relax(N: np.ndarray, ch: np.ndarray, ns: Any, cand: np.ndarray, code: Any) -> None:
        cur = N[ns]
        better = cand < cur
        N[ns] = np.where(better, cand, cur)
        ch[ns] = np.where(better, code, ch[ns])

    # continuing a run: sources W(e, r, t) for r < K, [e, r - 1, t]; destinations W(e, r + 1, slot)
    runs = [(e, r) for e in (0, 1) for r in range(1, K)]
    cont_src = np.array([[e * K * nt + (r - 1) * nt + t for t in range(nt)] for e, r in runs], dtype=int)
    cont_dst = np.array([e * K * nt + r * nt for e, r in runs], dtype=int)
    ends = np.array([e * K * nt + (r - 1) * nt + t for e in (0, 1) for r in range(1, K + 1) for t in range(nt)
                     if r >= mr or e == 1], dtype=int)  # fmt: skip
    OM = NW + m - 1  # the "long enough" off state
    for d in range(H):
        N = np.full((NS, W, C), INF)
        ch = choice[d]
        wk = pos_in_weekend.get(d)
        inc_w = 1 if wk is not None else 0  # working this day from an off state (or a Saturday)
        inc_from_w = 1 if wk == 0 else 0  # from a working state: a Sunday after a worked Saturday is free
        price_w = price_from_w = 0.0
        if mu is not None:
            price_w, price_from_w, inc_w, inc_from_w = mu * inc_w, mu * inc_from_w, 0, 0
        step = int(base[d] - base[d - 1]) if d else 0
        for li in range(n_c):
            a = best_c[d, li]
            if not np.isfinite(a):
                continue
            slot = li if tracked else 0
            u = units[li] - step
            if d == 0:
                cand = np.full((W, C), INF)
                j = units[li] - base[0]
                if inc_w < W and 0 <= j < C:
                    cand[inc_w, j] = a
                relax(N, ch, K * nt + slot, cand + price_w, li + 1)
                continue
            if len(runs) and tracked:
                src = np.where(follows[:, li][None, :, None, None], V[cont_src], INF)  # [run, t, W, C]
                t_best = np.argmin(src, axis=1)  # the best group to come from, per run and state
                vals = np.take_along_axis(src, t_best[:, None], 1)[:, 0]
                # the codes move with the values (the group chosen is the source state's)
                codes = shifted((cont_src[:, 0][:, None, None] + t_best) * (n_c + 1) + li + 1, inc_from_w, u, 0)
                relax(N, ch, cont_dst + slot, shifted(vals, inc_from_w, u) + (a + price_from_w), codes)
            elif len(runs):
                codes = (cont_src[:, 0] * (n_c + 1) + li + 1)[:, None, None]
                relax(N, ch, cont_dst, shifted(V[cont_src[:, 0]], inc_from_w, u) + (a + price_from_w), codes)
            relax(N, ch, slot, shifted(V[OM], inc_w, u) + (a + price_w), OM * (n_c + 1) + li + 1)
        b = off[d]
        if d == 0:
            if base[0] == 0:
                N[OM][0, 0] = min(N[OM][0, 0], b)
                ch[OM][0, 0] = 0
        else:
            target = NW if m > 1 else OM
            stack = shifted(V[ends], 0, -step)
            j = np.argmin(stack, axis=0)
            relax(N, ch, target, np.take_along_axis(stack, j[None], 0)[0] + b, ends[j] * (n_c + 1))
            if m > 1:
                relax(N, ch, np.arange(NW + 1, NW + m), shifted(V[NW : NW + m - 1], 0, -step) + b,
                      (np.arange(NW, NW + m - 1) * (n_c + 1))[:, None, None])  # fmt: skip
            relax(N, ch, OM, shifted(V[OM], 0, -step) + b, OM * (n_c + 1))
        V = N
    lo_j, hi_j = max(0, cmin - base[H - 1]), min(C - 1, cmax - base[H - 1])
    if lo_j > hi_j:
        return None
    final = V[:, :, lo_j : hi_j + 1]
    if not np.isfinite(final).any():
        return None
    ns, w, c = np.unravel_index(int(np.argmin(final)), final.shape)
    c += lo_j + base[H - 1]  # minutes (in units) from here on
    row = np.full(H, OFF, dtype=np.int32)
    for d in range(H - 1, -1, -1):
        code = int(choice[d][ns, w, c - base[d]])
        pred, kind = divmod(code, n_c + 1)
        wk = pos_in_weekend.get(d)
        if kind > 0:
            li = kind - 1
            row[d] = best_s[d, li]
            if d == 0:
                break
            from_work = pred < NW
            inc = (1 if wk == 0 else 0) if from_work else (1 if wk is not None else 0)
            w -= inc if mu is None else 0
            c -= units[li]
        ns = pred
    return row if tracked else _successions(spec, p, row, work)


def _successions(spec: RosterSpec, p: int, row: np.ndarray, work: np.ndarray) -> np.ndarray:
    """The same working days, the shift types re-chosen by a Viterbi pass over (shift type, minutes
    moved from the row's total) so that no forbidden succession remains and the total minutes stay
    within the person's bounds - when possible; else the row as it was."""
    if not spec.forbidden_next:
        return row
    S, H = spec.n_shifts, spec.horizon
    minutes = np.array(spec.minutes)
    g = 0
    for m in spec.minutes:
        g = gcd(g, m)
    total = int(sum(minutes[s] for s in row if s != OFF))
    lo = -((total - spec.min_minutes[p]) // g)
    hi = (spec.max_minutes[p] - total) // g
    if lo > 0 or hi < 0:
        return row
    nd = hi - lo + 1
    ok_next = np.ones((S, S), bool)
    for s, t in spec.forbidden_next:
        ok_next[s, t] = False
    trans_pen = np.where(ok_next, 0.0, INF)  # [s_prev, s]
    cost = np.full((S, nd), INF)  # state after a working day: (shift, minutes moved)
    free = np.full(nd, INF)  # state after a day off
    free[-lo] = 0.0
    back: list[Any] = []
    prev_work = False
    for d in range(H):
        if row[d] == OFF:
            if prev_work:
                j = np.argmin(cost, axis=0)
                free = cost[j, np.arange(nd)]
                back.append(("off", j))
            else:
                back.append(("off", None))
            prev_work = False
            continue
        ref = minutes[row[d]] // g
        new = np.full((S, nd), INF)
        arg = np.full((S, nd), -1, dtype=np.int64)
        for s in range(S):
            c = work[d, s]
            if not np.isfinite(c):
                continue
            sh = minutes[s] // g - ref
            if prev_work:
                cand = cost + trans_pen[:, s][:, None]  # [s_prev, D]
                j = np.argmin(cand, axis=0)
                best = cand[j, np.arange(nd)]
            else:
                j = np.full(nd, -1)
                best = free
            shiftd = np.full(nd, INF)
            jj = np.full(nd, -1, dtype=np.int64)
            if sh >= 0:
                shiftd[sh:] = best[: nd - sh] if sh < nd else shiftd[sh:]
                jj[sh:] = j[: nd - sh] if sh < nd else jj[sh:]
            else:
                shiftd[: nd + sh] = best[-sh:]
                jj[: nd + sh] = j[-sh:]
            new[s] = shiftd + c
            arg[s] = jj
        back.append(("work", arg))
        cost = new
        prev_work = True
    final = cost.min(axis=0) if prev_work else free
    if not np.isfinite(final).any():
        return row
    out = row.copy()
    dcur = int(np.argmin(final))
    s_cur = int(np.argmin(cost[:, dcur])) if prev_work else -1
    for d in range(H - 1, -1, -1):
        kind, arr = back[d]
        if kind == "off":
            out[d] = OFF
            s_cur = int(arr[dcur]) if arr is not None else -1
            continue
        out[d] = s_cur
        prev = int(arr[s_cur, dcur])
        dcur -= minutes[s_cur] // g - minutes[row[d]] // g
        s_cur = prev
    return out


def weekends_worked(spec: RosterSpec, row: np.ndarray) -> int:
    return sum(1 for days in spec.weekends if any(row[d] != OFF for d in days))


STATE_LIMIT = 100_000  # states per day above which the weekends are priced rather than tracked


def best_rules_row(
    spec: RosterSpec, p: int, work: np.ndarray, off: np.ndarray, exact: bool = True
) -> np.ndarray | None:
    """``best_row``; for large state spaces the weekend limit by a price found by bisection."""
    lengths = {spec.minutes[s] for s in range(spec.n_shifts) if spec.max_per_shift[p][s] > 0}
    g = 0
    for ell in lengths:
        g = gcd(g, ell)
    g = max(1, g)
    c_size = min(spec.max_minutes[p] // g + 1, 2 * (BAND_MINUTES // g) + 1)
    groups, _follows, tracked = _classes(spec, p, exact)
    nt = len(groups) if tracked else 1
    states = (2 * spec.max_run[p] * nt + spec.min_off_run[p]) * (spec.max_weekends[p] + 1) * c_size
    wmax = spec.max_weekends[p]
    if states <= STATE_LIMIT or wmax >= len(spec.weekends):
        return best_row(spec, p, work, off, None if wmax < len(spec.weekends) else 0.0, exact)
    row = best_row(spec, p, work, off, 0.0, exact)
    if row is None or weekends_worked(spec, row) <= wmax:
        return row
    lo, hi, best = 0.0, MU_HIGH, None
    while best is None and hi < 1e5:
        r = best_row(spec, p, work, off, hi, exact)
        if r is not None and weekends_worked(spec, r) <= wmax:
            best = r
        else:
            lo, hi = hi, hi * 8
    if best is None:
        return best_row(spec, p, work, off, None, exact)
    for _ in range(MU_STEPS):  # bisection on the weekend price
        mid = (lo + hi) / 2
        r = best_row(spec, p, work, off, mid, exact)
        if r is not None and weekends_worked(spec, r) <= wmax:
            best, hi = r, mid
        else:
            lo = mid
    return best


MU_HIGH = 128.0
MU_STEPS = 5


# rosters of more cells than this get the succession-exact programme in ``best_feasible_row``
# (Instance21 at 300 s: 12.2 % against 17.0 %, and every repaired row legal instead of 21 of 100);
# on smaller ones (1-19, where column generation builds the roster from the repaired one) the
# untracked programme's rows seeded better dives (6 and 10: 1951 and 4635 against 2042 and 4749, twice)
EXACT_FROM_CELLS = 60_000
# ... and up to this many: above it the tracked programme made the repair 3-3.5 times slower and no
# better (Instance22: 139 s and 73834 against 45 s and 71574; 23: 262 s and 73165 against 75 s and
# 41246; 21, 145,600 cells: 48 s and 30527 against 29 s and 33667)
EXACT_TO_CELLS = 150_000


def best_feasible_row(
    spec: RosterSpec, p: int, roster: np.ndarray, rounds: int = 4, exact: bool | None = None
) -> np.ndarray | None:
    """The dynamic programme's row for person p (the others as in ``roster``), the per-type maximum
    counts priced in over a few rounds (a growing price on each type worked too often); the row may
    still break a count - check it with the units."""
    if exact is None:
        exact = EXACT_FROM_CELLS < spec.n_people * spec.horizon * spec.n_shifts <= EXACT_TO_CELLS
    work, off = costs(spec, p, roster)
    price = np.zeros(spec.n_shifts)
    limit = np.array(spec.max_per_shift[p])
    row = None
    for _ in range(rounds):
        row = best_rules_row(spec, p, work + price[None, :], off, exact)
        if row is None:
            return None
        over = np.bincount(row[row != OFF], minlength=spec.n_shifts) > limit
        if not over.any():
            return row
        price[over] += 60.0 + price[over]
    return row
