"""The demand model: supervision ratio summed before rounding, credentials, presence, matching."""

from dataclasses import replace
from datetime import date

import numpy as np
from resilience_builders import sample, with_absences

from residency.domain.calendar import HalfDay
from residency.domain.program import AbsenceStatus
from residency.domain.schedule import Schedule
from residency.resilience.demand import (
    SUPERVISION,
    DemandConfig,
    build_demand,
    duty_minutes,
    match_groups,
    presence,
    scheduled_coverage,
)
from residency.sample import build_program

DAY = date(2025, 7, 2)  # a Wednesday in the small program's year


def _clinic_day(program, cells: dict[str, str]) -> Schedule:
    s = Schedule.empty(program)
    s.grid[:] = s.code_index("W")
    for key, code in cells.items():
        s.set(key, DAY, HalfDay.AM, code)
    return s


def test_resilience_supervision_fractions_are_summed_before_rounding():
    program = build_program("small", 0)
    # one intern (0.5) + one senior (0.25) = 0.75 -> one preceptor, not two
    s = _clinic_day(program, {"R1-01": "C", "R2-01": "C"})
    d = build_demand(program, s)
    assert d.services[SUPERVISION].required_total[0 + 1, 0] == 1
    # three interns (1.5) + two seniors (0.5) + one resident in the procedure clinic (1.0) = 3.0
    s = _clinic_day(program, {"R1-01": "C", "R1-02": "C", "R1-03": "C", "R2-01": "C", "R3-01": "C", "R2-02": "PR"})
    d = build_demand(program, s)
    assert d.supervision_load[1, 0] == 3.0
    assert d.services[SUPERVISION].required_total[1, 0] == 3


def test_resilience_procedure_clinic_needs_a_credentialed_preceptor():
    program = build_program("small", 0)
    s = _clinic_day(program, {"R2-01": "VAS", "F-01": "AT", "F-02": "AT"})
    d = build_demand(program, s)
    vas = d.services["supervision:VAS"]
    assert vas.required[1, 0] == 1
    assert not vas.assigned[:, 1, 0].any()  # F-01, F-02 precept but hold no VAS credential
    assert [d.people[i] for i in np.nonzero(vas.candidates[:, 1, 0])[0]] == ["F-03"]
    (gap,) = [g for g in scheduled_coverage(d, 1, 2).gaps if g.period == "AM"]
    assert "supervision:VAS" in gap.services and SUPERVISION not in gap.services
    s.set("F-02", DAY, HalfDay.AM, "ADM")
    s.set("F-03", DAY, HalfDay.AM, "AT")
    (gap,) = [g for g in scheduled_coverage(build_demand(program, s), 1, 2).gaps if g.period == "AM"]
    assert not any(x.startswith(SUPERVISION) for x in gap.services)  # only rotation staffing is left


def test_resilience_presence_counts_requested_leave_only_when_asked():
    program, schedule = sample()
    start, end = date(2025, 11, 10), date(2025, 11, 12)
    program = with_absences(program, ["F-05"], start, end, status=AbsenceStatus.REQUESTED)
    row, d0 = schedule.row("F-05"), (start - schedule.start).days
    assert presence(program, schedule)[row, d0].all()
    statuses = (AbsenceStatus.APPROVED, AbsenceStatus.REQUESTED)
    assert not presence(program, schedule, statuses)[row, d0 : d0 + 3].any()
    d = build_demand(program, schedule, DemandConfig(include_requested=True))
    assert not d.services[SUPERVISION].candidates[row, d0].any()


def test_resilience_half_day_absence_boundaries():
    program, schedule = sample()
    a = next(a for a in program.absences if a.person == "R3-04")  # PM of the first day .. AM of the last
    schedule = schedule.copy()
    row, first, last = schedule.row("R3-04"), (a.start - schedule.start).days, (a.end - schedule.start).days
    schedule.grid[row, first : last + 1] = schedule.code_index("C")  # the grid itself shows no leave
    p = presence(program, schedule)
    assert p[row, first, 0] and not p[row, first, 1]
    assert not p[row, last, 0] and p[row, last, 1]


def test_resilience_match_groups_is_a_maximum_b_matching():
    # persons 0..2; group A needs 2 of {0,1}, group B needs 1 of {1,2}: feasible (0,1 | 2)
    assert match_groups(((2, 0b011), (1, 0b110)))[0] == 3
    # group B needs 1 of {1}: A and B compete for person 1
    assert match_groups(((2, 0b011), (1, 0b010)))[0] == 2


def test_resilience_duty_minutes_count_work_not_leave():
    program, schedule = sample()
    minutes = duty_minutes(program, schedule)
    a = next(a for a in program.absences if a.person == "R1-02")
    assert minutes[schedule.row("R1-02"), (a.start - schedule.start).days] == 0
    assert minutes.max() <= 24 * 60 + 14 * 60  # a day's work plus an overnight call at most
    assert replace(program) == program
