"""Duty periods derived from a schedule: the one bridge between what was planned and what the
compliance engine checks.

Rules of the derivation (see docs/compliance.md):
- Residents only; other learners and faculty are not subject to the ACGME resident rules.
- Each half-day whose activity counts toward duty hours becomes an interval with the activity's real
  start and end (an end at or before the start is on the next day). When both halves of a day are
  counted and the lunch gap between them is at most ``LUNCH_GAP_MIN``, the morning runs on to the
  afternoon: a resident on site 08:00-17:00 works 9 hours, not 8 in two periods.
- Overnight call comes from call assignments with the pool's shift times (in-house → call_in_house,
  home → call_home, night float → night_float). Grid cells of the call category that a call
  assignment already covers are not counted twice.
- A day whose two halves are both leave is a leave day from local midnight to midnight; a half-day of
  leave is a leave period with that half's times (a partial leave day stays in the averages).
- Off-site rotation days with no counted activity are days without data (edge case 18), never zero
  hours.
- The rotation segment label is ``"<rotation> B<block>"`` (with ``/1`` or ``/2`` for half-blocks), so
  ACGME-mode averaging follows block assignments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from residency.domain.calendar import HalfDay
from residency.domain.duty import DutyKind, DutyPeriod, PersonFlag, PersonInfo
from residency.domain.program import (
    Activity,
    ActivityCategory,
    CallKind,
    Person,
    PersonKind,
    Program,
    Rotation,
)
from residency.domain.schedule import UNFILLED, Schedule

LUNCH_GAP_MIN = 120

_CALL_KIND = {
    CallKind.IN_HOUSE: DutyKind.CALL_IN_HOUSE,
    CallKind.HOME: DutyKind.CALL_HOME,
    CallKind.NIGHT_FLOAT: DutyKind.NIGHT_FLOAT,
}


@dataclass(frozen=True)
class DutyData:
    periods: tuple[DutyPeriod, ...]
    people: dict[str, PersonInfo]
    missing_data: dict[str, tuple[tuple[date, date], ...]] = field(default_factory=dict)


def _at(day: date, t: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, t, tzinfo=tz)


def _span(day: date, start: time, end: time, tz: ZoneInfo) -> tuple[datetime, datetime]:
    end_day = day + timedelta(days=1) if end <= start else day
    return _at(day, start, tz), _at(end_day, end, tz)


def person_info(person: Person) -> PersonInfo:
    levels = tuple(sorted((lv.promotion_date, lv.pgy) for lv in person.pgy_levels))
    return PersonInfo(person.key, person.name, levels, person.moonlighting_approved, person.j1_visa)


def _flags(person: Person) -> frozenset[str]:
    flags = set()
    if person.j1_visa:
        flags.add(PersonFlag.J1.value)
    if person.moonlighting_approved:
        flags.add(PersonFlag.MOONLIGHTING_APPROVED.value)
    return frozenset(flags)


def rotation_by_day(program: Program, schedule: Schedule, person: str) -> list[tuple[str, Rotation | None]]:
    """(segment label, rotation) for each day of the schedule."""
    rotations = {r.abbreviation: r for r in program.rotations}
    blocks = {b.number: b for b in program.year.blocks}
    days: list[tuple[str, Rotation | None]] = [("", None)] * schedule.days
    for ba in schedule.block_assignments:
        if ba.person != person or ba.block not in blocks:
            continue
        block = blocks[ba.block]
        first, last, suffix = block.start, block.end, ""
        if ba.part == "first_half":
            last, suffix = block.midpoint - timedelta(days=1), "/1"
        elif ba.part == "second_half":
            first, suffix = block.midpoint, "/2"
        label = f"{ba.rotation} B{ba.block}{suffix}"
        for i in range((last - first).days + 1):
            idx = (first - schedule.start).days + i
            if 0 <= idx < schedule.days:
                days[idx] = (label, rotations.get(ba.rotation))
    return days


def _is_night(activity: Activity) -> bool:
    return activity.pm_end <= activity.pm_start or activity.am_start < time(5, 0)


def derive(program: Program, schedule: Schedule) -> DutyData:
    tz = ZoneInfo(program.year.timezone)
    activities = [program.activity(code) for code in schedule.codes]
    pools = {p.name: p for p in program.call_pools}
    people = {p.key: p for p in program.people}
    periods: list[DutyPeriod] = []
    infos: dict[str, PersonInfo] = {}
    missing: dict[str, tuple[tuple[date, date], ...]] = {}
    calls_by_person: dict[str, list] = {}
    for call in schedule.calls:
        calls_by_person.setdefault(call.person, []).append(call)

    for key in schedule.people:
        person = people[key]
        if person.kind != PersonKind.RESIDENT:
            continue
        infos[key] = person_info(person)
        flags = _flags(person)
        row = schedule.row(key)
        segments = rotation_by_day(program, schedule, key)
        call_spans = []
        for call in calls_by_person.get(key, ()):
            pool = pools[call.pool]
            start, end = pool.span(call.night, tz)
            call_spans.append((start, end))
            periods.append(
                DutyPeriod(
                    key,
                    start,
                    end,
                    _CALL_KIND[pool.kind],
                    person.name,
                    person.pgy_on(call.night),
                    segments[schedule.day_index(call.night)][0] if schedule.start <= call.night <= schedule.end else "",
                    "call",
                    flags,
                )
            )
        missing_days: list[date] = []
        for d_idx, day in enumerate(schedule.dates()):
            label, rotation = segments[d_idx]
            pgy = person.pgy_on(day)
            cells = []
            for h in (0, 1):
                value = int(schedule.grid[row, d_idx, h])
                cells.append(None if value == UNFILLED else activities[value])
            leave = [a is not None and a.category == ActivityCategory.LEAVE for a in cells]
            if all(leave):
                if rotation is not None and rotation.off_site and not any(a.counts_duty_hours for a in cells):
                    missing_days.append(day)
                    continue
                start = _at(day, time(0), tz)
                periods.append(
                    DutyPeriod(
                        key,
                        start,
                        _at(day + timedelta(days=1), time(0), tz),
                        DutyKind.LEAVE,
                        person.name,
                        pgy,
                        label,
                        cells[0].code,
                        flags,
                    )
                )
                continue
            spans = []
            for h, activity in enumerate(cells):
                if activity is None:
                    continue
                half = HalfDay.AM if h == 0 else HalfDay.PM
                start, end = _span(day, *activity.times(half), tz)
                if leave[h]:
                    periods.append(
                        DutyPeriod(key, start, end, DutyKind.LEAVE, person.name, pgy, label, activity.code, flags)
                    )
                    continue
                if not activity.counts_duty_hours or activity.category == ActivityCategory.OFF:
                    continue
                if activity.category == ActivityCategory.CALL and any(
                    cs <= start and end <= ce for cs, ce in call_spans
                ):
                    continue
                spans.append([start, end, activity])
            if len(spans) == 2:
                gap = (spans[1][0] - spans[0][1]).total_seconds() / 60
                if 0 <= gap <= LUNCH_GAP_MIN:
                    spans[0][1] = spans[1][0]
                    if _kind(spans[0][2], rotation) == _kind(spans[1][2], rotation):
                        spans = [[spans[0][0], spans[1][1], spans[0][2]]]
            for start, end, activity in spans:
                periods.append(
                    DutyPeriod(
                        key, start, end, _kind(activity, rotation), person.name, pgy, label, activity.code, flags
                    )
                )
        if missing_days:
            missing[key] = _ranges(missing_days)
    return DutyData(tuple(periods), infos, missing)


def _kind(activity: Activity, rotation: Rotation | None) -> DutyKind:
    if activity.category == ActivityCategory.EDUCATION:
        return DutyKind.EDUCATION
    if activity.category == ActivityCategory.CALL:
        return DutyKind.CALL_IN_HOUSE
    if rotation is not None and rotation.is_night_float and _is_night(activity):
        return DutyKind.NIGHT_FLOAT
    return DutyKind.WORK


def _ranges(days: list[date]) -> tuple[tuple[date, date], ...]:
    ranges: list[list[date]] = []
    for day in sorted(days):
        if ranges and (day - ranges[-1][1]).days == 1:
            ranges[-1][1] = day
        else:
            ranges.append([day, day])
    return tuple((a, b) for a, b in ranges)
