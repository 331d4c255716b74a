"""Static stability: named fallback scenarios, prepared before they are needed.

A ``Scenario`` says which people are removed, which sacrifice categories are suspended, how demand
is multiplied (per service prefix: ``"staffing"``, ``"call"``, ``"supervision"``) and whether
requested leave is cancelled. ``derive_scenario`` turns it into a modified Program (removed people
get an approved absence over the window; requested leave is dropped when cancelled) and the set of
suspended activity codes; ``assess_scenario`` says whether the program could still meet the
scenario's hard requirements on the current schedule (with the suspended time freed and anyone
eligible pulled). Generating the fallback schedule itself is the engine's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np

from residency.domain.program import (
    Absence,
    AbsenceStatus,
    AbsenceType,
    FacultyRole,
    Program,
)
from residency.domain.schedule import Schedule
from residency.resilience.demand import Demand, DemandConfig, build_demand, match_groups, unit_groups
from residency.resilience.levels import DEFAULT_THRESHOLDS, Level, Thresholds
from residency.resilience.sacrifice import (
    DEFAULT_CODE_MAP,
    SacrificeCategory,
    category_of,
    shed,
    suspended_at,
)
from residency.resilience.utilization import analyze_utilization


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    remove: tuple[str, ...] = ()
    suspended: frozenset[SacrificeCategory] = frozenset()
    demand_multipliers: dict[str, float] = field(default_factory=dict)
    cancel_requested_leave: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "remove": list(self.remove),
            "suspended": sorted(c.label for c in self.suspended),
            "demand_multipliers": dict(self.demand_multipliers),
            "cancel_requested_leave": self.cancel_requested_leave,
        }


def standard_scenarios(program: Program, ranked_faculty: list[str] | None = None) -> tuple[Scenario, ...]:
    """The six named scenarios. ``ranked_faculty`` (most critical first, e.g. from hub analysis)
    chooses who is lost; by default the non-adjunct faculty in program order."""
    ranked = ranked_faculty or [f.key for f in program.faculty() if f.faculty_role != FacultyRole.ADJUNCT]
    return (
        Scenario("one_faculty_lost", f"{ranked[0]} unavailable", remove=tuple(ranked[:1])),
        Scenario("two_faculty_lost", f"{', '.join(ranked[:2])} unavailable", remove=tuple(ranked[:2])),
        Scenario(
            "holiday_skeleton",
            "inpatient services, call and protected didactics only",
            suspended=suspended_at(4) | {SacrificeCategory.CONTINUITY_OF_CARE},
        ),
        Scenario("essential_only", "patient-safety work only", suspended=suspended_at(6)),
        Scenario(
            "mass_casualty_surge",
            "inpatient and night demand x1.5, call x2, education suspended, requested leave cancelled",
            suspended=suspended_at(4),
            demand_multipliers={"staffing": 1.5, "call": 2.0},
            cancel_requested_leave=True,
        ),
        Scenario(
            "weather_closure",
            "clinics closed; inpatient services and call run with staff who can reach the site",
            suspended=suspended_at(5),
            demand_multipliers={"staffing": 1.0},
        ),
    )


@dataclass(frozen=True, slots=True)
class ScenarioProgram:
    scenario: Scenario
    program: Program
    suspended_codes: frozenset[str]
    start: date
    days: int


def derive_scenario(program: Program, scenario: Scenario, *, start: date | None = None, days: int = 28):
    start = start or program.year.start
    end = min(program.year.end, start + timedelta(days=days - 1))
    absences = [
        a for a in program.absences if not (scenario.cancel_requested_leave and a.status == AbsenceStatus.REQUESTED)
    ]
    keys = {p.key for p in program.people}
    for key in scenario.remove:
        if key in keys:
            absences.append(
                Absence(
                    key,
                    start,
                    end,
                    type=AbsenceType.MEDICAL,
                    status=AbsenceStatus.APPROVED,
                    notes=f"scenario:{scenario.name}",
                )  # fmt: skip
            )
    codes = frozenset(a.code for a in program.activities if category_of(a, DEFAULT_CODE_MAP) in scenario.suspended)
    return ScenarioProgram(scenario, replace(program, absences=tuple(absences)), codes, start, (end - start).days + 1)


def scaled(demand: Demand, multipliers: dict[str, float]) -> Demand:
    """The demand with each service's requirement multiplied (rounded up) by the multiplier of the
    longest matching service prefix."""
    for name, sd in demand.services.items():
        best = max((p for p in multipliers if name.startswith(p)), key=len, default=None)
        if best is None or multipliers[best] == 1.0:
            continue
        m = multipliers[best]
        sd.required = _ceil(sd.required, m)
        if sd.required_total is not None:
            sd.required_total = _ceil(sd.required_total, m)
    return demand


def _ceil(arr: np.ndarray, m: float) -> np.ndarray:
    return np.ceil(arr * m - 1e-9).astype(arr.dtype)


@dataclass(frozen=True, slots=True)
class ScenarioAssessment:
    scenario: Scenario
    start: date
    days: int
    required: int
    recoverable: int  # slots that can be filled when anyone eligible is pulled
    failing_units: int
    failing_days: tuple[date, ...]
    rho: float
    level: Level

    @property
    def feasible(self) -> bool:
        return self.failing_units == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.to_dict(),
            "start": self.start.isoformat(),
            "days": self.days,
            "required": self.required,
            "recoverable": self.recoverable,
            "feasible": self.feasible,
            "failing_units": self.failing_units,
            "failing_days": [d.isoformat() for d in self.failing_days[:60]],
            "rho": round(self.rho, 4),
            "level": self.level.label,
        }


def assess_scenario(
    program: Program,
    schedule: Schedule,
    scenario: Scenario,
    *,
    start: date | None = None,
    days: int = 28,
    config: DemandConfig | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> ScenarioAssessment:
    sp = derive_scenario(program, scenario, start=start, days=days)
    draft = schedule
    if scenario.suspended:
        draft = shed(sp.program, schedule, 0, categories=scenario.suspended, start=sp.start, days=sp.days).draft
    demand = scaled(build_demand(sp.program, draft, config), scenario.demand_multipliers)
    first, last = demand.window(sp.start, sp.days)
    required = recoverable = 0
    failing, fdays = 0, set()
    for u in demand.units(first, last):
        got, _ = match_groups(unit_groups(u))
        required += u.slots
        recoverable += got
        if got < u.slots:
            failing += 1
            fdays.add(demand.day_of(u.day))
    util = analyze_utilization(
        sp.program, draft, start=sp.start, days=sp.days, thresholds=thresholds, forecast_days=0, demand=demand
    )
    return ScenarioAssessment(
        scenario, sp.start, sp.days, required, recoverable, failing, tuple(sorted(fdays)), util.rho, util.level
    )
