"""Hub analysis, the sacrifice hierarchy and the fallback scenarios."""

from dataclasses import replace
from datetime import date

from resilience_builders import sample

from residency.domain.program import AbsenceStatus, ProcedureCredential
from residency.resilience.fallback import assess_scenario, derive_scenario, standard_scenarios
from residency.resilience.hubs import analyze_hubs
from residency.resilience.sacrifice import (
    SacrificeCategory,
    category_of,
    hierarchy,
    shed,
    suspended_at,
)

AS_OF = date(2025, 11, 3)


def test_resilience_hubs_flag_the_only_vasectomy_faculty():
    program, schedule = sample()
    result = analyze_hubs(program, schedule, as_of=AS_OF)
    spof = {c.name: c.holders for c in result.single_points_of_failure}
    assert spof == {"procedure:VAS": ("F-03",)}
    assert result.hub("F-03").sole_holder_of == ("procedure:VAS",)
    rec = next(r for r in result.cross_training if r.capability == "procedure:VAS")
    assert rec.candidates and "F-03" not in rec.candidates
    adjuncts = {p.key for p in program.faculty() if p.faculty_role and p.faculty_role.value == "adjunct"}
    assert not adjuncts & set(rec.candidates)
    assert result.people[0].score >= result.people[-1].score


def test_resilience_hubs_react_to_a_second_holder_and_to_expiry():
    program, schedule = sample()
    extra = ProcedureCredential("F-04", "VAS", issued=date(2024, 1, 1), expires=date(2027, 1, 1))
    two = analyze_hubs(replace(program, credentials=program.credentials + (extra,)), schedule, as_of=AS_OF)
    assert not two.single_points_of_failure
    # F-03's credential expires on 2026-01-01: afterwards nobody holds it (not a SPOF: a gap)
    later = analyze_hubs(program, schedule, as_of=date(2026, 2, 1))
    assert all(c.name != "procedure:VAS" for c in later.capabilities)


def test_resilience_sacrifice_levels_never_shed_patient_safety():
    assert suspended_at(0) == frozenset()
    assert suspended_at(1) == {SacrificeCategory.OPTIONAL_EDUCATION}
    assert suspended_at(2) == {SacrificeCategory.OPTIONAL_EDUCATION, SacrificeCategory.ADMINISTRATION}
    assert SacrificeCategory.PATIENT_SAFETY not in suspended_at(99)
    assert len(suspended_at(6)) == 6
    program, _ = sample()
    h = hierarchy(program)
    assert "FMIT" in h["patient_safety"] and "AT" in h["patient_safety"] and "CALL" in h["patient_safety"]
    assert "C" in h["continuity_of_care"] and "ADM" in h["administration"] and "LEC" in h["acgme_requirements"]
    assert category_of(program.activity("W")) is None and category_of(program.activity("LV")) is None


def test_resilience_shedding_frees_time_and_lists_what_was_given_up():
    program, schedule = sample()
    result = shed(program, schedule, 2, start=AS_OF, days=14)
    given = {(g.category, g.code) for g in result.given_up}
    assert (SacrificeCategory.ADMINISTRATION, "ADM") in given
    assert all(g.category >= SacrificeCategory.ADMINISTRATION for g in result.given_up)
    first = (AS_OF - schedule.start).days
    changed = result.draft.grid != schedule.grid
    assert changed[:, first : first + 14].sum() == result.cells_changed > 0
    assert not changed[:, :first].any() and not changed[:, first + 14 :].any()
    assert (result.draft.grid[changed] == -1).all()
    assert (schedule.grid == sample()[1].grid).all()  # the published schedule is untouched
    # suspending continuity clinic removes the supervision it needed
    deep = shed(program, schedule, 5, start=AS_OF, days=14)
    assert deep.supervision_slots_after < deep.supervision_slots_before
    fmit = schedule.code_index("FMIT")
    assert ((schedule.grid == fmit) == (deep.draft.grid == fmit)).all()


def test_resilience_fallback_scenarios_are_defined_and_derivable():
    program, schedule = sample()
    scenarios = {s.name: s for s in standard_scenarios(program, ["F-03", "F-01"])}
    assert set(scenarios) == {
        "one_faculty_lost", "two_faculty_lost", "holiday_skeleton", "essential_only", "mass_casualty_surge",
        "weather_closure",
    }  # fmt: skip
    sp = derive_scenario(program, scenarios["two_faculty_lost"], start=AS_OF, days=28)
    added = [a for a in sp.program.absences if a.notes == "scenario:two_faculty_lost"]
    assert {a.person for a in added} == {"F-03", "F-01"} and all(a.status == AbsenceStatus.APPROVED for a in added)
    surge = derive_scenario(program, scenarios["mass_casualty_surge"], start=AS_OF)
    assert not [a for a in surge.program.absences if a.status == AbsenceStatus.REQUESTED]
    assert "C" in derive_scenario(program, scenarios["essential_only"]).suspended_codes
    assert "FMIT" not in derive_scenario(program, scenarios["essential_only"]).suspended_codes


def test_resilience_fallback_assessment_reacts_to_the_scenario():
    program, schedule = sample()
    scenarios = {s.name: s for s in standard_scenarios(program, ["F-03", "F-01"])}
    one = assess_scenario(program, schedule, scenarios["one_faculty_lost"], start=AS_OF)
    two = assess_scenario(program, schedule, scenarios["two_faculty_lost"], start=AS_OF)
    essential = assess_scenario(program, schedule, scenarios["essential_only"], start=AS_OF)
    surge = assess_scenario(program, schedule, scenarios["mass_casualty_surge"], start=AS_OF)
    assert two.rho >= one.rho
    assert not one.feasible  # losing F-03 leaves the vasectomy clinic without a preceptor
    assert essential.feasible and essential.required < one.required
    assert surge.required > essential.required
