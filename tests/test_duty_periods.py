"""Duty periods derived from a schedule, checked against hand-computed intervals."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from residency.compliance.of_schedule import check_schedule
from residency.domain.calendar import AcademicYear, Block, HalfDay
from residency.domain.duty import DutyKind
from residency.domain.duty_periods import derive
from residency.domain.program import (
    Activity,
    ActivityCategory,
    BlockAssignment,
    CallKind,
    CallPool,
    Person,
    PersonKind,
    PgyLevel,
    Program,
    Rotation,
)
from residency.domain.schedule import CallAssignment, Schedule

TZ = ZoneInfo("America/New_York")
START = date(2025, 7, 1)


def _program(off_site: bool = False) -> Program:
    year = AcademicYear(
        "AY", START, START + timedelta(days=27), "America/New_York", (Block(1, START, START + timedelta(days=27)),)
    )
    acts = (
        Activity("C", "Clinic", ActivityCategory.CLINICAL),
        Activity("LEC", "Lecture", ActivityCategory.EDUCATION, pm_start=time(13), pm_end=time(17)),
        Activity("W", "Weekend", ActivityCategory.OFF, counts_duty_hours=False),
        Activity("LV", "Leave", ActivityCategory.LEAVE, counts_duty_hours=False),
        Activity("TDY", "Away", ActivityCategory.LEAVE, counts_duty_hours=False),
        Activity(
            "NF",
            "Night float",
            ActivityCategory.CLINICAL,
            am_start=time(0),
            am_end=time(7),
            pm_start=time(19),
            pm_end=time(0),
        ),
        Activity("PC", "Post call", ActivityCategory.OFF, counts_duty_hours=False),
    )
    rot = Rotation("Clinic", "CLN", (1, 2), ("C",) * 56, off_site=off_site)
    person = Person("R1", PersonKind.RESIDENT, "Ann", pgy_levels=(PgyLevel("AY", 2, START),))
    faculty = Person("F1", PersonKind.FACULTY, "Dr F")
    pool = CallPool("IH", CallKind.IN_HOUSE, (2,), shift_start=time(7), shift_end=time(7), post_call_codes=("PC",))
    return Program("T", year, (person, faculty), acts, (rot,), call_pools=(pool,))


def _schedule(program: Program, fill: str = "W") -> Schedule:
    s = Schedule.empty(program)
    s.grid[:] = s.code_index(fill)
    s.block_assignments = (BlockAssignment("R1", 1, "CLN"),)
    return s


def _at(day: date, hh: int) -> datetime:
    return datetime.combine(day, time(hh), tzinfo=TZ)


def test_clinic_day_is_one_period_across_lunch():
    program = _program()
    s = _schedule(program)
    s.set("R1", START, HalfDay.AM, "C")
    s.set("R1", START, HalfDay.PM, "C")
    periods = derive(program, s).periods
    assert [(p.start, p.end, p.kind) for p in periods] == [(_at(START, 8), _at(START, 17), DutyKind.WORK)]
    assert periods[0].minutes == 9 * 60
    assert periods[0].rotation == "CLN B1"
    assert periods[0].pgy == 2


def test_faculty_are_not_evaluated():
    program = _program()
    s = _schedule(program, "C")
    assert {p.person_id for p in derive(program, s).periods} == {"R1"}


def test_whole_leave_day_covers_midnight_to_midnight_and_half_leave_keeps_its_hours():
    program = _program()
    s = _schedule(program)
    day2 = START + timedelta(days=1)
    s.set("R1", START, HalfDay.AM, "LV")
    s.set("R1", START, HalfDay.PM, "LV")
    s.set("R1", day2, HalfDay.AM, "LV")
    s.set("R1", day2, HalfDay.PM, "C")
    periods = sorted(derive(program, s).periods, key=lambda p: p.start)
    assert (periods[0].start, periods[0].end, periods[0].kind) == (_at(START, 0), _at(day2, 0), DutyKind.LEAVE)
    assert (periods[1].start, periods[1].end, periods[1].kind) == (_at(day2, 8), _at(day2, 12), DutyKind.LEAVE)
    assert (periods[2].start, periods[2].end, periods[2].kind) == (_at(day2, 13), _at(day2, 17), DutyKind.WORK)


def test_call_assignment_uses_pool_times():
    program = _program()
    s = _schedule(program)
    s.calls = (CallAssignment("R1", START, "IH"),)
    (period,) = derive(program, s).periods
    assert (period.start, period.end, period.kind) == (
        _at(START, 7),
        _at(START + timedelta(days=1), 7),
        DutyKind.CALL_IN_HOUSE,
    )


def test_night_codes_join_across_midnight():
    program = _program()
    s = _schedule(program)
    day2 = START + timedelta(days=1)
    s.set("R1", START, HalfDay.PM, "NF")
    s.set("R1", day2, HalfDay.AM, "NF")
    periods = sorted(derive(program, s).periods, key=lambda p: p.start)
    assert [(p.start, p.end) for p in periods] == [(_at(START, 19), _at(day2, 0)), (_at(day2, 0), _at(day2, 7))]


def test_off_site_days_without_hours_are_missing_data_not_leave():
    program = _program(off_site=True)
    s = _schedule(program, "TDY")
    data = derive(program, s)
    assert data.periods == ()
    assert data.missing_data == {"R1": ((START, START + timedelta(days=27)),)}


@pytest.mark.parametrize("clinic_days_per_week, expect_violation", [(6, False), (7, True)])
def test_checked_schedule_reports_days_off(clinic_days_per_week, expect_violation):
    program = _program()
    s = _schedule(program)
    for i in range(28):
        if i % 7 < clinic_days_per_week:
            for half in HalfDay:
                s.set("R1", START + timedelta(days=i), half, "C")
    report = check_schedule(program, s)
    rules = {f.rule for f in report.violations}
    assert ("OFF-01" in rules) is expect_violation
    assert np.all(s.grid >= 0)


def test_call_over_the_autumn_clock_change_keeps_its_24_real_hours():
    program = _program()
    s = _schedule(program)
    night = date(2025, 11, 1)  # clocks go back at 02:00 on 2 November
    program = Program(
        program.name,
        AcademicYear(
            "AY",
            date(2025, 10, 1),
            date(2025, 11, 28),
            "America/New_York",
            (Block(1, date(2025, 10, 1), date(2025, 11, 28)),),
        ),
        program.people,
        program.activities,
        program.rotations,
        call_pools=program.call_pools,
    )
    s = _schedule(program)
    s.calls = (CallAssignment("R1", night, "IH"),)
    (period,) = derive(program, s).periods
    assert period.minutes == 24 * 60
    assert period.end == datetime(2025, 11, 2, 6, 0, tzinfo=TZ)  # 06:00 EST, not 07:00
    assert not [f for f in check_schedule(program, s).findings if f.rule.startswith("LEN")]


def test_range_ending_inside_a_night_float_run_is_evaluated():
    """Regression: a report for one block whose night-float shifts run past its last day raised
    IndexError (NF-01 looked up the limits of a day beyond the evaluated range)."""
    from residency.sample import build_program
    from schedule_helpers import pattern_schedule

    program = build_program("realistic")
    schedule = pattern_schedule(program, "PNF")  # pediatric night float all year
    block = program.year.blocks[0]
    report = check_schedule(program, schedule, start=block.start, end=block.end)
    assert report.end == block.end and report.by_person
