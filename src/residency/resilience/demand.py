"""What a schedule requires in each half-day and night, and who could provide it.

Every resilience analysis reads one ``Demand``, derived from a Program and a Schedule:

- **presence** ``[person, day, AM/PM]``: not inside an absence of a counted status (approved; also
  requested when ``DemandConfig.include_requested``), not on a leave-category code, and active;
- **supervision** per half-day: ``ceil(sum of Activity.supervision_load of the residents present in
  each activity, by PGY class)`` — the fractions are summed before rounding up. Residents in an
  activity whose code names a procedure (``VAS`` → procedure ``VAS``) also need a preceptor holding an
  active, supervising-level credential for it: those slots are a separate requirement
  (``supervision:VAS``) counted inside the total;
- **call** per night and pool: ``per_night`` people on every night the pool runs;
- **staffing** per day: each rotation's ``min_residents`` residents on it (night-float rotations in
  the night unit).

For each requirement the Demand knows who is *assigned* now (faculty on a code that provides
supervision, the people on call, the residents on the rotation) and who are *candidates*: people who
could take it given presence, eligibility and what they are doing — faculty on admin, education or
off time that is not protected (post-call codes, didactics) can be pulled to precept; call-pool
members present that night and the next morning, not working a night and not post-call; residents of
an eligible PGY on a flexible rotation (no minimum, leave allowed, on site) can be pulled to a
service. One person fills at most one requirement per unit (half-day or night).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from residency.domain.program import (
    AbsenceStatus,
    ActivityCategory,
    FacultyRole,
    PersonKind,
    Program,
    Rotation,
)
from residency.domain.schedule import UNFILLED, Schedule

AM, PM, NIGHT = 0, 1, 2
PERIODS = ("AM", "PM", "night")
SUPERVISION = "supervision"
EPS = 1e-9


@dataclass(frozen=True, slots=True)
class DemandConfig:
    """Policy knobs of the demand model (the ratios themselves live on the activities)."""

    pgy1_class: str = "pgy1"
    senior_class: str = "senior"
    include_requested: bool = False  # count requested (not yet approved) leave as absence
    pullable_categories: frozenset[ActivityCategory] = frozenset(
        {ActivityCategory.ADMIN, ActivityCategory.EDUCATION, ActivityCategory.OFF}
    )
    protected_codes: frozenset[str] = frozenset({"LEC"})  # never pulled (pool post-call codes are added)
    procedure_codes: Mapping[str, str] | None = None  # activity code -> procedure; None: same code
    supervising_competencies: frozenset[str] = frozenset({"independent", "trainer"})
    adjuncts_pullable: bool = False
    flexible_rotations: frozenset[str] | None = None  # None: min 0, leave allowed, on site, not NF


@dataclass(frozen=True, slots=True)
class Requirement:
    """One service's requirement in one unit: ``count`` people out of ``candidates`` (bitmasks over
    ``Demand.people``); ``assigned`` are the ones scheduled to it now."""

    service: str
    count: int
    candidates: int
    assigned: int


@dataclass(frozen=True, slots=True)
class Unit:
    day: int  # index into the schedule
    period: int  # AM, PM or NIGHT
    requirements: tuple[Requirement, ...]

    @property
    def slots(self) -> int:
        return sum(r.count for r in self.requirements)


@dataclass
class ServiceDemand:
    """One service over the whole schedule: required per unit, assigned and candidates per person."""

    service: str
    period: int | None  # NIGHT or AM for day-level services; None: both halves (array [D, 2])
    required: np.ndarray  # int [D] or [D, 2]
    assigned: np.ndarray  # bool [P, D] or [P, D, 2]
    candidates: np.ndarray  # bool [P, D] or [P, D, 2]
    aggregate: bool = True  # False for sub-requirements counted inside another (credentials)
    required_total: np.ndarray | None = None  # supervision: total incl. credentialed slots


@dataclass
class Demand:
    start: date
    days: int
    people: tuple[str, ...]
    faculty: np.ndarray  # bool [P]
    resident: np.ndarray  # bool [P]
    present: np.ndarray  # bool [P, D, 2]
    pgy: np.ndarray  # int8 [P, D], 0 = not a resident
    rotation: np.ndarray  # int16 [P, D], -1 = none
    rotations: tuple[Rotation, ...]
    supervision_load: np.ndarray  # float [D, 2]
    services: dict[str, ServiceDemand] = field(default_factory=dict)

    def day_of(self, index: int) -> date:
        return self.start + timedelta(days=index)

    def index_of(self, day: date) -> int:
        return (day - self.start).days

    def window(self, start: date | None, days: int | None) -> tuple[int, int]:
        """Clipped [first, last) day indices of a window."""
        first = 0 if start is None else max(0, self.index_of(start))
        last = self.days if days is None else min(self.days, first + days)
        return first, max(first, last)

    def bit(self, person: str) -> int:
        return 1 << self.people.index(person)

    def keys_of(self, mask: int) -> list[str]:
        return [p for i, p in enumerate(self.people) if mask >> i & 1]

    def units(self, first: int = 0, last: int | None = None) -> list[Unit]:
        """Units with at least one requirement in [first, last), in time order."""
        last = self.days if last is None else last
        span = last - first
        if span <= 0:
            return []
        per_unit: dict[tuple[int, int], list[Requirement]] = {}
        for sd in self.services.values():
            if sd.period is None:
                for h in (AM, PM):
                    _collect(per_unit, sd, sd.required[first:last, h], sd.candidates[:, first:last, h],
                             sd.assigned[:, first:last, h], first, h)  # fmt: skip
            else:
                _collect(per_unit, sd, sd.required[first:last], sd.candidates[:, first:last],
                         sd.assigned[:, first:last], first, sd.period)  # fmt: skip
        return [Unit(d, h, tuple(reqs)) for (d, h), reqs in sorted(per_unit.items())]


def _masks(matrix: np.ndarray) -> list[int]:
    """Bitmask (over axis 0) of each column of a bool [P, N] matrix."""
    if matrix.shape[1] == 0:
        return []
    packed = np.packbits(matrix, axis=0, bitorder="little")
    return [int.from_bytes(packed[:, j].tobytes(), "little") for j in range(matrix.shape[1])]


def _collect(per_unit, sd: ServiceDemand, required, candidates, assigned, first: int, period: int) -> None:
    idx = np.nonzero(required > 0)[0]
    if not len(idx):
        return
    cand = _masks(candidates[:, idx])
    asg = _masks(assigned[:, idx])
    for k, j in enumerate(idx):
        per_unit.setdefault((first + int(j), period), []).append(
            Requirement(sd.service, int(required[j]), cand[k], asg[k])
        )


def absence_statuses(include_requested: bool) -> frozenset[AbsenceStatus]:
    if include_requested:
        return frozenset({AbsenceStatus.APPROVED, AbsenceStatus.REQUESTED})
    return frozenset({AbsenceStatus.APPROVED})


def presence(
    program: Program, schedule: Schedule, statuses: Iterable[AbsenceStatus] = (AbsenceStatus.APPROVED,)
) -> np.ndarray:
    """bool [P, D, 2]: present (not absent, not on a leave code, active)."""
    statuses = frozenset(statuses)
    cats = _code_array(program, schedule, lambda a: a.category == ActivityCategory.LEAVE, False)
    present = ~cats[_grid_index(schedule)]
    flat = present.reshape(len(schedule.people), -1)
    people = {p.key: p for p in program.people}
    for a in program.absences:
        if a.status not in statuses or a.person not in schedule._row:
            continue
        first = (a.start - schedule.start).days * 2 + (1 if a.start_half.value == "PM" else 0)
        last = (a.end - schedule.start).days * 2 + (0 if a.end_half.value == "AM" else 1)
        first, last = max(first, 0), min(last, schedule.days * 2 - 1)
        if first <= last:
            flat[schedule.row(a.person), first : last + 1] = False
    for key in schedule.people:
        p = people.get(key)
        if p is None:
            continue
        r = schedule.row(key)
        if p.active_from is not None and p.active_from > schedule.start:
            present[r, : min(schedule.days, (p.active_from - schedule.start).days)] = False
        if p.active_to is not None:
            present[r, max(0, (p.active_to - schedule.start).days + 1) :] = False
    return present


def _grid_index(schedule: Schedule) -> np.ndarray:
    """The grid with UNFILLED mapped to a sentinel index ``len(codes)``."""
    g = schedule.grid.astype(np.int32)
    return np.where(g == UNFILLED, len(schedule.codes), g)


def _code_array(program: Program, schedule: Schedule, fn, default, dtype=bool) -> np.ndarray:
    acts = {a.code: a for a in program.activities}
    values = [fn(acts[c]) if c in acts else default for c in schedule.codes] + [default]
    return np.array(values, dtype=dtype)


def _pgy_matrix(program: Program, schedule: Schedule) -> np.ndarray:
    people = {p.key: p for p in program.people}
    out = np.zeros((len(schedule.people), schedule.days), dtype=np.int8)
    for r, key in enumerate(schedule.people):
        p = people.get(key)
        if p is None or p.kind != PersonKind.RESIDENT:
            continue
        for level in sorted(p.pgy_levels, key=lambda lv: lv.promotion_date):
            offset = max(0, (level.promotion_date - schedule.start).days)
            out[r, offset:] = level.pgy
    return out


def rotation_matrix(program: Program, schedule: Schedule) -> np.ndarray:
    """int16 [P, D]: index into ``program.rotations`` of each person's rotation that day, -1 = none."""
    index = {r.abbreviation: i for i, r in enumerate(program.rotations)}
    blocks = {b.number: b for b in program.year.blocks}
    out = np.full((len(schedule.people), schedule.days), -1, dtype=np.int16)
    for ba in schedule.block_assignments:
        block = blocks.get(ba.block)
        if block is None or ba.person not in schedule._row or ba.rotation not in index:
            continue
        first, last = block.start, block.end
        if ba.part == "first_half":
            last = block.midpoint - timedelta(days=1)
        elif ba.part == "second_half":
            first = block.midpoint
        a = max(0, (first - schedule.start).days)
        b = min(schedule.days, (last - schedule.start).days + 1)
        if a < b:
            out[schedule.row(ba.person), a:b] = index[ba.rotation]
    return out


def is_night_code(activity) -> bool:
    """A code whose PM part runs past midnight (NF, CALL): the person works that night."""
    return activity.pm_end <= activity.pm_start


def build_demand(program: Program, schedule: Schedule, config: DemandConfig | None = None) -> Demand:
    config = config or DemandConfig()
    P, D = len(schedule.people), schedule.days
    people = {p.key: p for p in program.people}
    kinds = [people[k].kind if k in people else None for k in schedule.people]
    faculty = np.array([k == PersonKind.FACULTY for k in kinds], dtype=bool)
    resident = np.array([k == PersonKind.RESIDENT for k in kinds], dtype=bool)
    adjunct = np.array(
        [k in people and people[k].faculty_role == FacultyRole.ADJUNCT for k in schedule.people], dtype=bool
    )
    g = _grid_index(schedule)
    present = presence(program, schedule, absence_statuses(config.include_requested))
    pgy = _pgy_matrix(program, schedule)
    rot = rotation_matrix(program, schedule)

    # --- supervision -------------------------------------------------------------------------
    load1 = _code_array(program, schedule, lambda a: a.supervision_load.get(config.pgy1_class, 0.0), 0.0, float)
    load_s = _code_array(program, schedule, lambda a: a.supervision_load.get(config.senior_class, 0.0), 0.0, float)
    provides = _code_array(program, schedule, lambda a: a.provides_supervision, False)
    protected_codes = set(config.protected_codes)
    for pool in program.call_pools:
        protected_codes.update(pool.post_call_codes)
    pullable = _code_array(
        program,
        schedule,
        lambda a: a.category in config.pullable_categories and a.code not in protected_codes,
        True,  # an unfilled cell is free time
    )
    pgy3 = pgy[:, :, None]
    res_present = present & resident[:, None, None]
    loads = np.where(pgy3 == 1, load1[g], np.where(pgy3 >= 2, load_s[g], 0.0)) * res_present
    sup_load = loads.sum(axis=0)
    sup_required = np.ceil(sup_load - EPS).astype(np.int32)
    fac_present = present & faculty[:, None, None]
    sup_assigned = fac_present & provides[g]
    may_pull = faculty & (~adjunct | config.adjuncts_pullable)
    sup_candidates = sup_assigned | (fac_present & pullable[g] & may_pull[:, None, None])

    services: dict[str, ServiceDemand] = {}
    services[SUPERVISION] = ServiceDemand(SUPERVISION, None, sup_required, sup_assigned, sup_candidates)

    proc_codes = {p.code for p in program.procedures}
    mapping = dict(config.procedure_codes) if config.procedure_codes is not None else {
        c: c for c in schedule.codes if c in proc_codes
    }  # fmt: skip
    by_proc: dict[str, list[int]] = {}
    for code, proc in mapping.items():
        if code in schedule._code:
            by_proc.setdefault(proc, []).append(schedule.code_index(code))
    cred_total = np.zeros((D, 2), dtype=np.int32)
    for proc, idx in sorted(by_proc.items()):
        in_code = np.isin(g, idx)
        required = np.ceil((loads * in_code).sum(axis=0) - EPS).astype(np.int32)
        if not required.any():
            continue
        holder = _holders(program, schedule, proc, config)
        services[f"{SUPERVISION}:{proc}"] = ServiceDemand(
            f"{SUPERVISION}:{proc}",
            None,
            required,
            sup_assigned & holder[:, :, None],
            sup_candidates & holder[:, :, None],
            aggregate=False,
        )
        cred_total += required
    # The general supervision slots are what the credentialed slots leave of the total.
    services[SUPERVISION].required = np.maximum(0, sup_required - cred_total)
    services[SUPERVISION].required_total = sup_required

    # --- call ----------------------------------------------------------------------------------
    night_code = _code_array(program, schedule, is_night_code, False)
    night_busy = night_code[g[:, :, 1]]  # [P, D]
    present_night = present[:, :, 1].copy()
    present_night[:, :-1] &= present[:, 1:, 0]
    by_pool: dict[str, np.ndarray] = {}
    for c in program.call_pools:
        by_pool.setdefault(c.name, np.zeros((P, D), dtype=bool))
    for call in schedule.calls:
        d = (call.night - schedule.start).days
        if call.pool in by_pool and call.person in schedule._row and 0 <= d < D:
            by_pool[call.pool][schedule.row(call.person), d] = True
    any_call = np.zeros((P, D), dtype=bool)
    for m in by_pool.values():
        any_call |= m
    post_call = np.zeros((P, D), dtype=bool)
    post_call[:, 1:] = any_call[:, :-1]
    weekdays = np.array([(schedule.start + timedelta(days=d)).weekday() for d in range(D)])
    holidays = {h.day for h in program.year.holidays}
    is_holiday = np.array([(schedule.start + timedelta(days=d)) in holidays for d in range(D)], dtype=bool)
    for pool in program.call_pools:
        runs = np.isin(weekdays, sorted(pool.weekdays))
        if not pool.covers_holidays:
            runs &= ~is_holiday
        required = np.where(runs, pool.per_night, 0).astype(np.int32)
        if pool.members:
            member = np.zeros((P, D), dtype=bool)
            for key in pool.members:
                if key in schedule._row:
                    member[schedule.row(key), :] = True
        else:
            member = resident[:, None] & np.isin(pgy, list(pool.eligible_pgy)) if pool.eligible_pgy else (
                resident[:, None] & np.ones((1, D), dtype=bool)
            )  # fmt: skip
            if pool.includes_faculty:
                member = member | faculty[:, None]
        assigned = by_pool[pool.name] & present_night
        candidates = assigned | (member & present_night & ~night_busy & ~post_call)
        services[f"call:{pool.name}"] = ServiceDemand(f"call:{pool.name}", NIGHT, required, assigned, candidates)

    # --- rotation minimum staffing ----------------------------------------------------------------
    rotations = program.rotations
    if config.flexible_rotations is None:
        flexible = [
            r.min_residents == 0 and r.leave_allowed and not r.off_site and not r.is_night_float for r in rotations
        ]
    else:
        flexible = [r.abbreviation in config.flexible_rotations for r in rotations]
    flexible_arr = np.array(flexible + [False], dtype=bool)  # index -1 → last: no rotation
    on_flexible = flexible_arr[rot]
    present_day = present[:, :, 0] | present[:, :, 1]
    for i, r in enumerate(rotations):
        if r.min_residents <= 0:
            continue
        period = NIGHT if r.is_night_float else AM
        here = present_night if r.is_night_float else present_day
        assigned = (rot == i) & here & resident[:, None]
        eligible = np.isin(pgy, list(r.eligible_pgy))
        candidates = assigned | (on_flexible & eligible & here & resident[:, None])
        if r.is_night_float:
            candidates &= ~any_call | assigned
        required = np.full(D, r.min_residents, dtype=np.int32)
        services[f"staffing:{r.abbreviation}"] = ServiceDemand(
            f"staffing:{r.abbreviation}", period, required, assigned, candidates
        )

    return Demand(
        start=schedule.start,
        days=D,
        people=schedule.people,
        faculty=faculty,
        resident=resident,
        present=present,
        pgy=pgy,
        rotation=rot,
        rotations=rotations,
        supervision_load=sup_load,
        services=services,
    )


def _holders(program: Program, schedule: Schedule, procedure: str, config: DemandConfig) -> np.ndarray:
    """bool [P, D]: holds an active, supervising-level credential for ``procedure`` that day."""
    out = np.zeros((len(schedule.people), schedule.days), dtype=bool)
    for c in program.credentials:
        if c.procedure != procedure or c.person not in schedule._row:
            continue
        if c.status != "active" or c.competency not in config.supervising_competencies:
            continue
        a = 0 if c.issued is None else max(0, (c.issued - schedule.start).days)
        b = schedule.days if c.expires is None else min(schedule.days, (c.expires - schedule.start).days + 1)
        if a < b:
            out[schedule.row(c.person), a:b] = True
    return out


def ceil_load(x: float) -> int:
    return math.ceil(x - EPS)


def _bits(mask: int):
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


@lru_cache(maxsize=200_000)
def match_groups(groups: tuple[tuple[int, int], ...], prefer: int = 0) -> tuple[int, tuple[int, ...]]:
    """Maximum b-matching of requirement groups ``(count, candidate mask)`` to people (bit indices),
    each person used once. Returns (slots filled, person bit index per slot or -1), slots listed
    group by group. People in ``prefer`` are tried first (the ones scheduled now), so the matching
    stays close to the schedule. Kuhn's augmenting paths; graphs are tiny (a unit has a handful of
    slots and at most a few dozen candidates), and results are memoised by the exact graph."""
    slots = [mask for count, mask in groups for _ in range(count)]
    order = sorted(range(len(slots)), key=lambda s: slots[s].bit_count())
    owner: dict[int, int] = {}

    def candidates(s: int) -> list[int]:
        m = slots[s]
        return list(_bits(m & prefer)) + list(_bits(m & ~prefer))

    def augment(s: int, seen: set[int]) -> bool:
        for p in candidates(s):
            if p in seen:
                continue
            seen.add(p)
            if p not in owner or augment(owner[p], seen):
                owner[p] = s
                return True
        return False

    filled = sum(1 for s in order if augment(s, set()))
    who = [-1] * len(slots)
    for p, s in owner.items():
        who[s] = p
    return filled, tuple(who)


def unit_groups(unit: Unit, removed: int = 0, assigned_only: bool = False) -> tuple[tuple[int, int], ...]:
    if assigned_only:
        return tuple((r.count, r.assigned & ~removed) for r in unit.requirements)
    return tuple((r.count, r.candidates & ~removed) for r in unit.requirements)


def short_services(unit: Unit, who: tuple[int, ...]) -> tuple[str, ...]:
    """Services of a unit left with an empty slot by a matching."""
    out, k = [], 0
    for r in unit.requirements:
        if any(p < 0 for p in who[k : k + r.count]):
            out.append(r.service)
        k += r.count
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Gap:
    """A unit whose scheduled people do not fill its requirements."""

    day: date
    period: str
    services: tuple[str, ...]
    missing: int


@dataclass(frozen=True, slots=True)
class Coverage:
    required: int  # slots over the window
    filled: int  # slots the people scheduled now fill (maximum matching of assigned people)
    gaps: tuple[Gap, ...]

    @property
    def ratio(self) -> float:
        return 1.0 if not self.required else self.filled / self.required

    def by_service(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for g in self.gaps:
            for s in g.services:
                out[s] = out.get(s, 0) + 1
        return out


def scheduled_coverage(demand: Demand, first: int = 0, last: int | None = None) -> Coverage:
    """How much of the requirement the schedule as it stands fills (no one pulled)."""
    required = filled = 0
    gaps = []
    for u in demand.units(first, last):
        got, who = match_groups(unit_groups(u, assigned_only=True))
        required += u.slots
        filled += got
        if got < u.slots:
            gaps.append(Gap(demand.day_of(u.day), PERIODS[u.period], short_services(u, who), u.slots - got))
    return Coverage(required, filled, tuple(gaps))


def _minutes(a, b) -> int:
    m = (b.hour * 60 + b.minute) - (a.hour * 60 + a.minute)
    return m if m > 0 else m + 24 * 60


def duty_minutes(program: Program, schedule: Schedule) -> np.ndarray:
    """int [P, D]: scheduled duty minutes per person per day — each half-day whose code counts
    toward duty hours (not off, not leave) for its real length, plus in-house and night-float call
    shifts on the night they start (home call is not counted, as in the compliance engine)."""

    def length(pm: bool):
        def fn(a) -> int:
            if not a.counts_duty_hours or a.category in (ActivityCategory.OFF, ActivityCategory.LEAVE):
                return 0
            return _minutes(a.pm_start, a.pm_end) if pm else _minutes(a.am_start, a.am_end)

        return fn

    am = _code_array(program, schedule, length(False), 0, np.int32)
    pm = _code_array(program, schedule, length(True), 0, np.int32)
    g = _grid_index(schedule)
    out = am[g[:, :, 0]] + pm[g[:, :, 1]]
    pools = {p.name: p for p in program.call_pools}
    for call in schedule.calls:
        pool = pools.get(call.pool)
        d = (call.night - schedule.start).days
        if pool is None or pool.kind.value == "home" or call.person not in schedule._row or not 0 <= d < schedule.days:
            continue
        out[schedule.row(call.person), d] += _minutes(pool.shift_start, pool.shift_end)
    return out
