"""Homeostasis, blast radius and Le Chatelier."""

from datetime import date

import pytest
from resilience_builders import sample

from residency.resilience.blast_radius import Incident, analyze_blast_radius, spread
from residency.resilience.homeostasis import (
    DEFAULT_SETPOINTS,
    allostatic_load,
    analyze_homeostasis,
    read,
)
from residency.resilience.le_chatelier import Stress, analyze_stress, water_fill, weeks_until

AS_OF = date(2025, 11, 3)
SP = {s.name: s for s in DEFAULT_SETPOINTS}


def test_resilience_setpoint_readings_and_trends():
    assert read(1.0, SP["coverage"]).status == "ok"
    low = read(0.95, SP["coverage"])
    assert low.status == "low" and low.action and low.deviation == pytest.approx(-0.05)
    assert read(0.92, SP["utilization"]).status == "high"
    assert read(0.30, SP["utilization"]).status == "low"
    rising = read(0.8, SP["utilization"], history=[0.5, 0.6, 0.7])
    assert rising.direction == "rising" and rising.trend == pytest.approx(0.1)
    assert read(0.6, SP["utilization"], history=[0.6, 0.6]).direction == "steady"
    assert read(3, SP["compliance"]).status == "high"
    result = analyze_homeostasis({"coverage": 0.9, "stability": 0.0})
    assert [r.name for r in result.out_of_band] == ["coverage"]


def test_resilience_allostatic_load_counts_nights_calls_and_changes():
    program, schedule = sample()
    first = (AS_OF - schedule.start).days
    loads = {a.person: a for a in allostatic_load(program, schedule, first, first + 28)}
    nf = next(b.person for b in schedule.block_assignments if b.rotation == "NF" and b.block == 5)
    assert loads[nf].nights > 10
    callers = {c.person for c in schedule.calls if c.night.weekday() in (4, 5, 6) and c.night >= AS_OF}
    assert any(loads[p].weekend_calls for p in callers if p in loads)
    draft = schedule.copy()
    draft.grid[draft.row("R1-01"), first : first + 3] = draft.code_index("OFF")
    changed = {a.person: a for a in allostatic_load(program, draft, first, first + 28, published=schedule)}
    assert changed["R1-01"].changes_absorbed == 6 and changed["R1-02"].changes_absorbed == 0


def test_resilience_blast_radius_contained_versus_borrowing():
    program, schedule = sample()
    result = analyze_blast_radius(program, schedule, start=AS_OF, days=28)
    names = [z.name for z in result.zones]
    assert {"inpatient", "nights", "outpatient", "faculty"} <= set(names)
    inpatient = result.zone("inpatient")
    big = spread(result.zones, Incident("inpatient", lost=int(inpatient.people)))
    assert big.contained_breach and big.shortfall > 0
    assert big.borrowed and big.borrowed[0][0] == "outpatient"  # the least protected lends first
    assert "faculty" not in big.affected  # faculty do not staff resident services
    assert big.radius >= 2
    small = spread(result.zones, Incident("inpatient", lost=1))
    assert not small.contained_breach and small.radius == 1
    assert result.zone("off_site").borrow_limit == 0


def test_resilience_water_fill_and_weeks_to_limit():
    assert water_fill([40, 60, 70], 30) == [65, 65, 70]
    assert sum(water_fill([50, 50], 10)) == 110
    assert weeks_until(70, 80) is None
    assert weeks_until(70, 90) == 3  # ((4-w)*70 + w*90)/4 > 80  <=>  w > 2
    assert weeks_until(78, 100) == 1
    assert weeks_until(85, 90) == 0


def test_resilience_le_chatelier_shifts_load_to_the_remaining_residents():
    program, schedule = sample()
    seniors = [p.key for p in program.residents() if (p.pgy_on(AS_OF) or 0) >= 2]
    mild = analyze_stress(program, schedule, Stress(lost=(seniors[0],)), start=AS_OF)
    absorbed = sum(s.absorbed for s in mild.shifts if s.kind == "resident")
    assert absorbed == pytest.approx(mild.displaced_hours["resident"])
    assert seniors[0] not in {s.person for s in mild.shifts}
    severe = analyze_stress(program, schedule, Stress(lost=tuple(seniors[:8])), start=AS_OF)
    assert severe.weeks_to_limit is not None and severe.first_to_limit in severe.over_limit
    surge = analyze_stress(program, schedule, Stress(surge={"resident": 1.2}), start=AS_OF)
    assert surge.displaced_hours["resident"] > 0 and surge.displaced_hours["faculty"] == 0
