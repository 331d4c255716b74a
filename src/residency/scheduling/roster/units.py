"""Rostering constraint units, in the style of ``scheduling.catalogue``: each a named class with
``encode(model, spec, v) -> penalty terms`` and ``measure(spec, roster) -> breaches``.

``roster`` is an int array [person, day] of shift indexes (``spec.OFF`` = day off). Soft units
return terms whose coefficients already carry the request / cover weights (unit weight 1), so the
model objective equals the sum of the measured penalties.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from residency.scheduling.catalogue import Breach, Term
from residency.scheduling.roster.spec import OFF, RosterSpec

REDUNDANT = True  # implied constraints that tighten the LP and propagation (same feasible rosters)


class RosterUnit:
    id: ClassVar[str]
    title: ClassVar[str]
    hard: ClassVar[bool] = True
    weight: ClassVar[int] = 1

    def encode(self, model: Any, spec: RosterSpec, v: Any) -> list[Term]:
        return []

    def measure(self, spec: RosterSpec, roster: np.ndarray) -> list[Breach]:
        return []

    def describe(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "hard": self.hard, "weight": self.weight}


UNITS: dict[str, RosterUnit] = {}


def unit(cls: type[RosterUnit]) -> type[RosterUnit]:
    if cls.id in UNITS:
        raise ValueError(f"duplicate roster unit {cls.id}")
    UNITS[cls.id] = cls()
    return cls


def runs(worked: np.ndarray) -> list[tuple[int, int, bool]]:
    """(start, length, working) of each maximal run of a boolean row."""
    out, start, n = [], 0, len(worked)
    for d in range(1, n + 1):
        if d == n or worked[d] != worked[start]:
            out.append((start, d - start, bool(worked[start])))
            start = d
    return out


@unit
class OneShift(RosterUnit):
    """At most one shift per person per day (work[p, d] = sum of x[p, d, s])."""

    id, title = "R-ONE", "one shift a day"

    def encode(self, model, spec, v):
        for p in range(spec.n_people):
            for d in range(spec.horizon):
                xs = [v.x[(p, d, s)] for s in range(spec.n_shifts) if (p, d, s) in v.x]
                model.Add(sum(xs) == v.work[p][d])
        return []

    def measure(self, spec, roster):
        bad = (roster < OFF) | (roster >= spec.n_shifts)
        return [
            Breach(self.id, f"unknown shift at {p}/{d}", spec.people[p]) for p, d in zip(*np.nonzero(bad), strict=False)
        ]


@unit
class DaysOff(RosterUnit):
    """No shift on a fixed day off (no variable is created there)."""

    id, title = "R-DAYOFF", "fixed days off"

    def measure(self, spec, roster):
        return [
            Breach(self.id, f"{spec.people[p]} works on day off {d}", spec.people[p])
            for p, d in sorted(spec.fixed_off)
            if roster[p, d] != OFF
        ]


@unit
class ForbiddenSuccession(RosterUnit):
    """Shift t may not be worked the day after shift s when (s, t) is forbidden."""

    id, title = "R-SUCC", "forbidden shift successions"

    def encode(self, model, spec, v):
        nxt: dict[int, list[int]] = {}
        for s, t in spec.forbidden_next:
            nxt.setdefault(s, []).append(t)
        for (p, d, s), x in v.x.items():
            if d + 1 >= spec.horizon or s not in nxt:
                continue
            after = [v.x[(p, d + 1, t)] for t in nxt[s] if (p, d + 1, t) in v.x]
            if after:
                model.Add(x + sum(after) <= 1)
        return []

    def measure(self, spec, roster):
        out = []
        for p in range(spec.n_people):
            for d in range(spec.horizon - 1):
                s, t = int(roster[p, d]), int(roster[p, d + 1])
                if s != OFF and t != OFF and (s, t) in spec.forbidden_next:
                    out.append(Breach(self.id, f"{spec.people[p]}: {spec.shifts[t]} on day {d + 1} after "
                                      f"{spec.shifts[s]}", spec.people[p]))  # fmt: skip
        return out


@unit
class MaxPerShift(RosterUnit):
    """Per person and shift type, at most max_per_shift shifts over the horizon."""

    id, title = "R-COUNT", "maximum shifts by type"

    def encode(self, model, spec, v):
        for p in range(spec.n_people):
            for s in range(spec.n_shifts):
                xs = [v.x[(p, d, s)] for d in range(spec.horizon) if (p, d, s) in v.x]
                if len(xs) > spec.max_per_shift[p][s]:
                    model.Add(sum(xs) <= spec.max_per_shift[p][s])
        return []

    def measure(self, spec, roster):
        out = []
        for p in range(spec.n_people):
            for s in range(spec.n_shifts):
                n = int((roster[p] == s).sum())
                if n > spec.max_per_shift[p][s]:
                    out.append(Breach(self.id, f"{spec.people[p]}: {n} {spec.shifts[s]} > {spec.max_per_shift[p][s]}",
                                      spec.people[p], amount=n - spec.max_per_shift[p][s]))  # fmt: skip
        return out


def minutes_of(spec: RosterSpec, row: np.ndarray) -> int:
    return sum(spec.minutes[s] for s in row if s != OFF)


@unit
class TotalMinutes(RosterUnit):
    """Total worked minutes within [min_minutes, max_minutes]."""

    id, title = "R-MINUTES", "minimum and maximum total minutes"

    def encode(self, model, spec, v):
        for p in range(spec.n_people):
            total = sum(spec.minutes[s] * x for (_q, _d, s), x in v.by_person[p])
            model.Add(total <= spec.max_minutes[p])
            model.Add(total >= spec.min_minutes[p])
            lengths = {spec.minutes[s] for (_q, _d, s), _x in v.by_person[p]}
            if lengths and REDUNDANT:  # redundant: the number of days worked
                days = sum(v.work[p])
                model.Add(days <= spec.max_minutes[p] // min(lengths))
                model.Add(days >= -(-spec.min_minutes[p] // max(lengths)))
        return []

    def measure(self, spec, roster):
        out = []
        for p in range(spec.n_people):
            m = minutes_of(spec, roster[p])
            if not spec.min_minutes[p] <= m <= spec.max_minutes[p]:
                out.append(Breach(self.id, f"{spec.people[p]}: {m} minutes outside "
                                  f"[{spec.min_minutes[p]}, {spec.max_minutes[p]}]", spec.people[p]))  # fmt: skip
        return out


@unit
class MaxRun(RosterUnit):
    """No run of working days longer than max_run (days outside the horizon are off): every window
    of max_run + 1 days holds a day off."""

    id, title = "R-MAXRUN", "maximum consecutive working days"

    def encode(self, model, spec, v):
        for p in range(spec.n_people):
            k = spec.max_run[p]
            for d in range(spec.horizon - k):
                model.Add(sum(v.work[p][d : d + k + 1]) <= k)
            # redundant, with the minimum days-off run: more than k working days in a window of
            # k + min_off days would need a shorter inner off run between two of them
            span = k + spec.min_off_run[p]
            if spec.min_off_run[p] > 1 and REDUNDANT:
                for d in range(spec.horizon - span + 1):
                    model.Add(sum(v.work[p][d : d + span]) <= k)
        return []

    def measure(self, spec, roster):
        out = []
        for p in range(spec.n_people):
            for start, length, working in runs(roster[p] != OFF):
                if working and length > spec.max_run[p]:
                    out.append(Breach(self.id, f"{spec.people[p]}: {length} working days from {start}", spec.people[p]))
        return out


def _forbid_short_runs(model, row: list, minimum: int, working: bool) -> None:
    """Forbid every inner run of ``working`` days shorter than ``minimum`` (runs touching an end are
    exempt): one clause per (start, length) - the run-length sequence encoding."""
    h = len(row)
    for length in range(1, minimum):
        for d in range(1, h - length):
            inside = row[d : d + length]
            if working:  # pattern: off, work x length, off
                model.AddBoolOr([row[d - 1], *[x.Not() for x in inside], row[d + length]])
            else:  # pattern: work, off x length, work
                model.AddBoolOr([row[d - 1].Not(), *inside, row[d + length].Not()])


@unit
class MinRun(RosterUnit):
    """No inner run of working days shorter than min_run."""

    id, title = "R-MINRUN", "minimum consecutive working days"

    def encode(self, model, spec, v):
        for p in range(spec.n_people):
            _forbid_short_runs(model, v.work[p], spec.min_run[p], True)
        return []

    def measure(self, spec, roster):
        out = []
        h = spec.horizon
        for p in range(spec.n_people):
            for start, length, working in runs(roster[p] != OFF):
                if working and length < spec.min_run[p] and start > 0 and start + length < h:
                    out.append(Breach(self.id, f"{spec.people[p]}: {length} working days from {start}", spec.people[p]))
        return out


@unit
class MinOffRun(RosterUnit):
    """No inner run of days off shorter than min_off_run."""

    id, title = "R-MINOFF", "minimum consecutive days off"

    def encode(self, model, spec, v):
        for p in range(spec.n_people):
            _forbid_short_runs(model, v.work[p], spec.min_off_run[p], False)
        return []

    def measure(self, spec, roster):
        out = []
        h = spec.horizon
        for p in range(spec.n_people):
            for start, length, working in runs(roster[p] != OFF):
                if not working and length < spec.min_off_run[p] and start > 0 and start + length < h:
                    out.append(Breach(self.id, f"{spec.people[p]}: {length} days off from {start}", spec.people[p]))
        return out


@unit
class MaxWeekends(RosterUnit):
    """A weekend counts as worked when any of its days is worked; at most max_weekends."""

    id, title = "R-WEEKEND", "maximum weekends worked"

    def encode(self, model, spec, v):
        for p in range(spec.n_people):
            if spec.max_weekends[p] >= len(spec.weekends):
                continue
            ws = []
            for k, days in enumerate(spec.weekends):
                w = model.NewBoolVar(f"wk_{p}_{k}")
                for d in days:
                    model.AddImplication(v.work[p][d], w)
                model.AddBoolOr([v.work[p][d] for d in days]).OnlyEnforceIf(w)
                ws.append(w)
            model.Add(sum(ws) <= spec.max_weekends[p])
        return []

    def measure(self, spec, roster):
        out = []
        for p in range(spec.n_people):
            n = sum(1 for days in spec.weekends if any(roster[p, d] != OFF for d in days))
            if n > spec.max_weekends[p]:
                out.append(Breach(self.id, f"{spec.people[p]}: {n} weekends > {spec.max_weekends[p]}", spec.people[p]))
        return out


@unit
class CompleteWeekends(RosterUnit):
    """Soft: ``spec.incomplete_weekend_weight`` per weekend worked on some of its days only."""

    id, title, hard = "R-WKND-FULL", "complete weekends", False

    def encode(self, model, spec, v):
        terms: list[Term] = []
        if spec.incomplete_weekend_weight <= 0:
            return terms
        for p in range(spec.n_people):
            for k, days in enumerate(spec.weekends):
                if len(days) < 2:
                    continue
                y = model.NewBoolVar(f"wkpart_{p}_{k}")
                for a in days:
                    for b in days:
                        if a != b:
                            model.Add(v.work[p][a] - v.work[p][b] <= y)
                terms.append((spec.incomplete_weekend_weight, y))
        return terms

    def measure(self, spec, roster):
        if spec.incomplete_weekend_weight <= 0:
            return []
        out = []
        for p in range(spec.n_people):
            for days in spec.weekends:
                n = sum(1 for d in days if roster[p, d] != OFF)
                if 0 < n < len(days):
                    out.append(Breach(self.id, f"{spec.people[p]}: weekend {days} worked in part", spec.people[p],
                                      amount=spec.incomplete_weekend_weight))  # fmt: skip
        return out


@unit
class OnRequests(RosterUnit):
    """Soft: weight w for each shift-on request not granted."""

    id, title, hard = "R-ON", "shift-on requests", False

    def encode(self, model, spec, v):
        terms: list[Term] = []
        for r in spec.on_requests:
            x = v.x.get((r.person, r.day, r.shift))
            terms.append((r.weight, 1) if x is None else (r.weight, 1 - x))
        return terms

    def measure(self, spec, roster):
        return [
            Breach(
                self.id,
                f"{spec.people[r.person]} wanted {spec.shifts[r.shift]} on {r.day}",
                spec.people[r.person],
                amount=r.weight,
            )  # fmt: skip
            for r in spec.on_requests
            if roster[r.person, r.day] != r.shift
        ]


@unit
class OffRequests(RosterUnit):
    """Soft: weight w for each shift-off request broken."""

    id, title, hard = "R-OFF", "shift-off requests", False

    def encode(self, model, spec, v):
        return [
            (r.weight, v.x[(r.person, r.day, r.shift)]) for r in spec.off_requests if (r.person, r.day, r.shift) in v.x
        ]

    def measure(self, spec, roster):
        return [
            Breach(
                self.id,
                f"{spec.people[r.person]} did not want {spec.shifts[r.shift]} on {r.day}",
                spec.people[r.person],
                amount=r.weight,
            )  # fmt: skip
            for r in spec.off_requests
            if roster[r.person, r.day] == r.shift
        ]


@unit
class WeightedCover(RosterUnit):
    """Soft: weight_under per person short and weight_over per person in excess of each cover need
    (n - requirement = over - under, both non-negative)."""

    id, title, hard = "R-COVER", "weighted under- and over-cover", False

    def encode(self, model, spec, v):
        terms: list[Term] = []
        by_cell: dict[tuple[int, int], list] = {}
        for (_p, d, s), x in v.x.items():
            by_cell.setdefault((d, s), []).append(x)
        for c in spec.cover:
            xs = by_cell.get((c.day, c.shift), [])
            under = model.NewIntVar(0, c.requirement, f"under_{c.day}_{c.shift}")
            over = model.NewIntVar(0, len(xs), f"over_{c.day}_{c.shift}")
            model.Add(sum(xs) - c.requirement == over - under)
            v.under[(c.day, c.shift)] = under
            terms += [(c.weight_under, under), (c.weight_over, over)]
        return terms

    def measure(self, spec, roster):
        out = []
        for c in spec.cover:
            n = int((roster[:, c.day] == c.shift).sum())
            pen = c.weight_under * max(0, c.requirement - n) + c.weight_over * max(0, n - c.requirement)
            if pen:
                out.append(Breach(self.id, f"day {c.day} {spec.shifts[c.shift]}: {n} of {c.requirement}", amount=pen))
        return out


def measure(spec: RosterSpec, roster: np.ndarray) -> tuple[int, list[Breach], dict[str, int]]:
    """(objective, hard breaches, penalty by soft unit) of any roster."""
    hard: list[Breach] = []
    parts: dict[str, int] = {}
    for u in UNITS.values():
        b = u.measure(spec, roster)
        if u.hard:
            hard += b
        elif b or u.id != CompleteWeekends.id:  # not a rule of most instances: no empty entry
            parts[u.id] = int(sum(x.amount for x in b)) * u.weight
    return sum(parts.values()), hard, parts
