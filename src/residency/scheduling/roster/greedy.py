"""A constructive start for a ``RosterSpec``: day by day, each cover need filled by the most
suitable people who can legally take the shift under the limits checked so far (fixed days off,
successions, counts, maximum minutes, maximum run, weekends, minimum days-off run); then people
still short of their minimum minutes get extra shifts. Minimum runs are favoured (a short run is
extended first), not guaranteed: the result is a complete roster, and ``units.measure`` reports
whatever rule it could not satisfy. Used as the solution hint of ``hybrid``."""

from __future__ import annotations

import numpy as np

from residency.scheduling.roster.spec import OFF, RosterSpec


def greedy(spec: RosterSpec) -> np.ndarray:
    P, H, S = spec.n_people, spec.horizon, spec.n_shifts
    roster = spec.empty()
    count = np.zeros((P, S), int)
    minutes = np.zeros(P, int)
    run = np.zeros(P, int)  # current working run ending yesterday (0 = off yesterday)
    off_run = np.full(P, 10**6)  # current off run ending yesterday (huge: touches the start)
    weekend_of = {d: k for k, days in enumerate(spec.weekends) for d in days}
    weekends = np.zeros((P, len(spec.weekends)), bool)
    want: dict[tuple[int, int], dict[int, int]] = {}
    for r in spec.on_requests:
        want.setdefault((r.person, r.day), {})[r.shift] = want.get((r.person, r.day), {}).get(r.shift, 0) + r.weight
    avoid: dict[tuple[int, int, int], int] = {}
    for r in spec.off_requests:
        avoid[(r.person, r.day, r.shift)] = avoid.get((r.person, r.day, r.shift), 0) + r.weight
    needs: dict[int, list] = {}
    for c in spec.cover:
        needs.setdefault(c.day, []).append(c)
    days_left = np.array([H - sum(1 for q, _ in spec.fixed_off if q == p) for p in range(P)])

    def can(p: int, d: int, s: int) -> bool:
        if roster[p, d] != OFF or not spec.allowed(p, d, s) or count[p, s] >= spec.max_per_shift[p][s]:
            return False
        if minutes[p] + spec.minutes[s] > spec.max_minutes[p] or run[p] >= spec.max_run[p]:
            return False
        if d > 0 and roster[p, d - 1] != OFF and (int(roster[p, d - 1]), s) in spec.forbidden_next:
            return False
        if run[p] == 0 and off_run[p] < spec.min_off_run[p]:
            return False
        k = weekend_of.get(d)
        return not (k is not None and not weekends[p, k] and weekends[p].sum() >= spec.max_weekends[p])

    def take(p: int, d: int, s: int) -> None:
        roster[p, d] = s
        count[p, s] += 1
        minutes[p] += spec.minutes[s]
        k = weekend_of.get(d)
        if k is not None:
            weekends[p, k] = True

    for d in range(H):
        for c in sorted(needs.get(d, []), key=lambda c: -c.weight_under):
            for _ in range(c.requirement):
                best, best_score = None, None
                for p in range(P):
                    if not can(p, d, c.shift):
                        continue
                    short = 0 < run[p] < spec.min_run[p]
                    deficit = (spec.min_minutes[p] - minutes[p]) / max(1, days_left[p])
                    score = (
                        50 * short
                        + 10 * want.get((p, d), {}).get(c.shift, 0)
                        - 10 * avoid.get((p, d, c.shift), 0)
                        - 10 * (sum(want.get((p, d), {}).values()) - want.get((p, d), {}).get(c.shift, 0))
                        + deficit / 10
                        - 0.5 * (minutes[p] / max(1, spec.max_minutes[p]))
                    )
                    if best_score is None or score > best_score:
                        best, best_score = p, score
                if best is None:
                    break
                take(best, d, c.shift)
        # extend short runs and feed people far below their minimum minutes
        for p in range(P):
            if roster[p, d] != OFF:
                continue
            short = 0 < run[p] < spec.min_run[p]
            behind = spec.min_minutes[p] - minutes[p] > 0.8 * spec.max_minutes[p] * (days_left[p] / max(1, H))
            if short or behind:
                options = [s for s in range(S) if can(p, d, s)]
                if options:
                    take(p, d, max(options, key=lambda s: want.get((p, d), {}).get(s, 0) - avoid.get((p, d, s), 0)))
        for p in range(P):
            if (p, d) in spec.fixed_off:
                days_left[p] -= 1
            if roster[p, d] != OFF:
                run[p], off_run[p] = run[p] + 1, 0
            else:
                off_run[p] = off_run[p] + 1 if run[p] == 0 else 1
                run[p] = 0
    return roster
