"""The Problem: what the solver layers need, derived once from a Program.

Index maps (people, days, codes, rotations, half-blocks), eligibility, approved absences per cell,
holidays, clock arithmetic in real (epoch) minutes so the ACGME encoding agrees with the compliance
engine, and what a ``keep`` schedule fixes. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import numpy as np

from residency.domain.calendar import HalfDay
from residency.domain.program import (
    AbsenceStatus,
    AbsenceType,
    Activity,
    ActivityCategory,
    CallKind,
    CallPool,
    PersonKind,
    Program,
    Rotation,
)
from residency.domain.schedule import UNFILLED, Schedule

# Which grid code an approved absence writes, by type (first code the program defines wins).
ABSENCE_CODES: dict[AbsenceType, tuple[str, ...]] = {
    AbsenceType.VACATION: ("LV",),
    AbsenceType.SICK: ("LV",),
    AbsenceType.MEDICAL: ("LV",),
    AbsenceType.PARENTAL: ("LV",),
    AbsenceType.FAMILY_EMERGENCY: ("LV",),
    AbsenceType.BEREAVEMENT: ("LV",),
    AbsenceType.CONFERENCE: ("CONF", "LV"),
    AbsenceType.EDUCATIONAL: ("CONF", "LV"),
    AbsenceType.DEPLOYMENT: ("DEP", "LV"),
    AbsenceType.TDY: ("TDY", "LV"),
}
HOLIDAY_CODES = ("FED", "HOL")
LUNCH_GAP_MIN = 120  # the duty-period derivation joins AM and PM across a gap up to this


@dataclass(frozen=True)
class HalfBlock:
    index: int
    block: int
    part: str  # first_half | second_half
    d0: int  # first day index
    d1: int  # one past the last day index

    @property
    def other(self) -> int:
        return self.index + 1 if self.part == "first_half" else self.index - 1


@dataclass(frozen=True)
class Options:
    """Program policy the Program snapshot does not carry; defaults documented in docs/generation.md."""

    clinic_capacity: int | None = None  # residents in supervised clinic per half-day (None = no limit)
    # Person.clinic_cap_week/block bound the faculty member's own clinic (C); True: precepting (AT) too
    caps_count_precepting: bool = False
    fmit_weeks_target: int = 6  # faculty inpatient-teaching weeks a year (scaled to the year length)
    faculty_fmit_code: str = "FMIT"
    faculty_clinic_code: str = "C"
    faculty_admin_code: str = "ADM"
    flexible_alternative: str = "ADM"  # a resident's flexible clinic cell when it is not clinic
    day_off_code: str = "OFF"
    weekend_code: str = "W"
    stay_weight: int = 0  # repair: cost of each call / day off that differs from keep (0 = off)
    # (person key, stigmergy target) -> soft weight (1 neutral, < 1 avoided); constraints/preference.py
    preferences: Mapping[tuple[str, str], float] = field(default_factory=dict, hash=False)


@dataclass
class Problem:
    program: Program
    options: Options = field(default_factory=Options)
    keep: Schedule | None = None
    scope_people: frozenset[str] | None = None

    def __post_init__(self) -> None:
        p = self.program
        self.tz = ZoneInfo(p.year.timezone)
        self.start = p.year.start
        self.n_days = p.year.days
        self.days = [self.start + timedelta(days=i) for i in range(self.n_days)]
        self.people = tuple(x.key for x in p.people)
        self.person = {x.key: x for x in p.people}
        self.pidx = {k: i for i, k in enumerate(self.people)}
        self.residents = [i for i, x in enumerate(p.people) if x.kind == PersonKind.RESIDENT]
        self.faculty = [i for i, x in enumerate(p.people) if x.kind == PersonKind.FACULTY]
        self.others = [i for i in range(len(self.people)) if i not in self.residents and i not in self.faculty]
        self.codes = tuple(a.code for a in p.activities)
        self.cidx = {c: i for i, c in enumerate(self.codes)}
        self.acts: list[Activity] = list(p.activities)
        self.rotations: list[Rotation] = list(p.rotations)
        self.ridx = {r.abbreviation: i for i, r in enumerate(self.rotations)}
        self.halves = self._halves()
        self.holiday = np.zeros(self.n_days, bool)
        for h in p.year.holidays:
            if self.start <= h.day <= p.year.end:
                self.holiday[(h.day - self.start).days] = True
        self.absence = self._absences()
        # whole days of approved absence (both halves): leave days for the averages
        self.leave_day = (self.absence >= 0).all(axis=2)
        self.fixed = self._fixed()

    # ----- calendar -------------------------------------------------------------------------------
    def _halves(self) -> list[HalfBlock]:
        out = []
        for b in self.program.year.blocks:
            d0 = (b.start - self.start).days
            mid = (b.midpoint - self.start).days
            d1 = (b.end - self.start).days + 1
            out.append(HalfBlock(len(out), b.number, "first_half", d0, mid))
            out.append(HalfBlock(len(out), b.number, "second_half", mid, d1))
        return out

    @cached_property
    def half_of_day(self) -> np.ndarray:
        out = np.zeros(self.n_days, np.int64)
        for hb in self.halves:
            out[hb.d0 : hb.d1] = hb.index
        return out

    def block_halves(self, number: int) -> tuple[HalfBlock, HalfBlock]:
        hs = [h for h in self.halves if h.block == number]
        return hs[0], hs[1]

    def pgy(self, p: int, day: int = 0) -> int | None:
        return self.program.people[p].pgy_on(self.days[day])

    def code(self, name: str, *fallbacks: str) -> int:
        for c in (name, *fallbacks):
            if c in self.cidx:
                return self.cidx[c]
        raise KeyError(f"the program defines none of the codes {(name, *fallbacks)}")

    def has_code(self, name: str) -> bool:
        return name in self.cidx

    # ----- people ---------------------------------------------------------------------------------
    def in_scope(self, p: int) -> bool:
        return self.scope_people is None or self.people[p] in self.scope_people

    def call_kept(self, p: int, d: int) -> bool:
        """Is a call of ``keep`` for person p on night d kept as it is: the person is out of scope, or
        the night's cells and the next day's are all locked (a repair window elsewhere)."""
        if not self.in_scope(p):
            return True
        if self.keep is None or self.keep.locked is None or not 0 <= d < self.n_days:
            return False
        return bool((self.fixed[p, d] >= 0).all() and (d + 1 >= self.n_days or (self.fixed[p, d + 1] >= 0).all()))

    def kept_row(self, p: int) -> np.ndarray | None:
        """The keep schedule's row for person p translated to this problem's codes, or None."""
        if self.keep is None or self.people[p] not in self.keep.people:
            return None
        row = self.keep.grid[self.keep.row(self.people[p])]
        tr = np.array([self.cidx.get(c, UNFILLED) for c in self.keep.codes] + [UNFILLED], dtype=np.int16)
        out = np.full((self.n_days, 2), UNFILLED, np.int16)
        off = (self.keep.start - self.start).days
        lo, hi = max(0, off), min(self.n_days, off + self.keep.days)
        if hi > lo:
            out[lo:hi] = tr[row[lo - off : hi - off]]
        return out

    def _fixed(self) -> np.ndarray:
        """Cells a run must keep: locked cells of ``keep`` and every cell of people out of scope."""
        fixed = np.full((len(self.people), self.n_days, 2), UNFILLED, np.int16)
        if self.keep is None:
            return fixed
        for p in range(len(self.people)):
            row = self.kept_row(p)
            if row is None:
                continue
            if not self.in_scope(p):
                fixed[p] = row
            elif self.keep.locked is not None and self.people[p] in self.keep.people:
                mask = np.zeros((self.n_days, 2), bool)
                lk = self.keep.locked[self.keep.row(self.people[p])]
                off = (self.keep.start - self.start).days
                lo, hi = max(0, off), min(self.n_days, off + self.keep.days)
                mask[lo:hi] = lk[lo - off : hi - off]
                fixed[p][mask] = row[mask]
        return fixed

    def _absences(self) -> np.ndarray:
        """Code of the approved absence on each cell (UNFILLED = none)."""
        out = np.full((len(self.people), self.n_days, 2), UNFILLED, np.int16)
        for a in self.program.absences:
            if a.status != AbsenceStatus.APPROVED or a.person not in self.pidx:
                continue
            code = next((c for c in ABSENCE_CODES.get(a.type, ("LV",)) if c in self.cidx), None)
            if code is None:
                continue
            p = self.pidx[a.person]
            d = a.start
            while d <= a.end:
                i = (d - self.start).days
                if 0 <= i < self.n_days:
                    for h in (0, 1):
                        if d == a.start and h == 0 and a.start_half == HalfDay.PM:
                            continue
                        if d == a.end and h == 1 and a.end_half == HalfDay.AM:
                            continue
                        out[p, i, h] = self.cidx[code]
                d += timedelta(days=1)
        return out

    def absent_days(self, p: int) -> np.ndarray:
        return (self.absence[p] >= 0).any(axis=1)

    # ----- activities -----------------------------------------------------------------------------
    @cached_property
    def counted(self) -> np.ndarray:
        return np.array(
            [
                a.counts_duty_hours and a.category not in (ActivityCategory.OFF, ActivityCategory.LEAVE)
                for a in self.acts
            ]
        )

    @cached_property
    def is_leave(self) -> np.ndarray:
        return np.array([a.category == ActivityCategory.LEAVE for a in self.acts])

    @cached_property
    def clinic_load(self) -> dict[int, dict[str, float]]:
        """Supervision load per code needing clinic supervision."""
        return {i: dict(a.supervision_load) for i, a in enumerate(self.acts) if a.supervision_load}

    @cached_property
    def provides_supervision(self) -> np.ndarray:
        return np.array([a.provides_supervision for a in self.acts])

    @cached_property
    def procedure_of(self) -> dict[int, str | None]:
        """Codes that are procedure clinics -> the procedure they need a credential for (None = any).

        A procedure clinic is a supervised activity whose load is one preceptor per resident."""
        procs = {pr.code for pr in self.program.procedures}
        out: dict[int, str | None] = {}
        for i, a in enumerate(self.acts):
            load = a.supervision_load
            if load and min(load.values()) >= 1.0:
                out[i] = a.code if a.code in procs else None
        return out

    def is_service(self, c: int) -> bool:
        """Inpatient/ER/night codes: they run on holidays (clinics, classes and admin close)."""
        a = self.acts[c]
        if a.category == ActivityCategory.CALL:
            return True
        return a.am_start < time(8, 0) or a.pm_end <= a.pm_start or a.pm_end > time(17, 0)

    def closes_on_holiday(self, c: int) -> bool:
        a = self.acts[c]
        if a.category in (ActivityCategory.OFF, ActivityCategory.LEAVE):
            return False
        return not self.is_service(c)

    # ----- clock (epoch minutes, real time, DST-exact) --------------------------------------------
    def at(self, day: int, t: time) -> int:
        key = (day, t)
        cache = self.__dict__.setdefault("_at_cache", {})
        v = cache.get(key)
        if v is None:
            d = self.start + timedelta(days=day)
            v = cache[key] = int(datetime.combine(d, t, tzinfo=self.tz).timestamp()) // 60
        return v

    @cached_property
    def midnight(self) -> np.ndarray:
        return np.array([self.at(d, time(0)) for d in range(self.n_days + 2)], np.int64)

    def span(self, day: int, start: time, end: time) -> tuple[int, int]:
        s = self.at(day, start)
        e = self.at(day + 1, end) if end <= start else self.at(day, end)
        return s, e

    def cell_span(self, day: int, c: int, half: int) -> tuple[int, int]:
        a = self.acts[c]
        return self.span(day, *a.times(HalfDay.AM if half == 0 else HalfDay.PM))

    def day_intervals(self, day: int, am: int, pm: int) -> list[tuple[int, int]]:
        """Counted intervals of one day's two cells, as the duty-period derivation builds them."""
        spans = []
        for h, c in ((0, am), (1, pm)):
            if c >= 0 and self.counted[c]:
                spans.append(list(self.cell_span(day, c, h)))
        if len(spans) == 2 and 0 <= spans[1][0] - spans[0][1] <= LUNCH_GAP_MIN:
            spans = [[spans[0][0], max(spans[0][1], spans[1][1])]]
        return [(s, e) for s, e in spans]

    def split_by_day(self, s: int, e: int, day: int) -> list[tuple[int, int]]:
        """Minutes of [s, e) on day index day, day+1, ... as (day, minutes)."""
        out = []
        d = day
        while d < self.n_days and self.midnight[d] < e:
            lo, hi = max(s, int(self.midnight[d])), min(e, int(self.midnight[d + 1]))
            if hi > lo:
                out.append((d, hi - lo))
            d += 1
        return out

    def pool_span(self, pool: CallPool, day: int) -> tuple[int, int]:
        start, end = pool.span(self.start + timedelta(days=day), self.tz)
        return int(start.timestamp()) // 60, int(end.timestamp()) // 60

    # ----- call -----------------------------------------------------------------------------------
    def pool_nights(self, pool: CallPool) -> list[int]:
        out = []
        for d in range(self.n_days):
            if self.holiday[d] and not pool.covers_holidays:
                continue
            if self.days[d].weekday() in pool.weekdays:
                out.append(d)
        return out

    def pool_members(self, pool: CallPool) -> list[int]:
        if pool.members:
            return [self.pidx[k] for k in pool.members if k in self.pidx]
        out = []
        for i, x in enumerate(self.program.people):
            if x.kind == PersonKind.RESIDENT and pool.eligible_pgy:
                if any(lv.pgy in pool.eligible_pgy for lv in x.pgy_levels):
                    out.append(i)
            elif x.kind == PersonKind.FACULTY and pool.includes_faculty:
                out.append(i)
        return out

    def resident_pools(self) -> list[CallPool]:
        return [c for c in self.program.call_pools if c.kind == CallKind.IN_HOUSE and not c.includes_faculty]

    def faculty_pools(self) -> list[CallPool]:
        return [c for c in self.program.call_pools if c.includes_faculty or c.kind == CallKind.HOME]

    def night_category(self, d: int) -> str:
        if self.holiday[d]:
            return "holiday"
        wd = self.days[d].weekday()
        return {4: "friday", 5: "saturday", 6: "sunday"}.get(wd, "weeknight")
