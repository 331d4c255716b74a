"""The full health check: every analysis, cheapest first, into one typed, JSON-serialisable report.

Order: demand → hubs → utilization (+ 90-day forecast) and scheduled coverage → compliance (unless
findings are given) → cognitive queue → homeostasis and allostatic load → blast radius →
Le Chatelier (loss of the most central faculty member) → stigmergy → N-1 / N-2 contingency over the
horizon → defense level and actions (which reads the measurements above) → a preview of the
load-shedding level the defense chose → the six fallback scenarios. ``timings`` records each stage.

``previous`` (an earlier report, or its ``to_dict()``) gives the homeostasis trends and the defense
level the new one is compared with; a level change is returned as an event for the shell to store.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from residency.compliance.findings import Finding, Report
from residency.compliance.of_schedule import check_schedule
from residency.domain.program import Program
from residency.domain.schedule import Schedule
from residency.resilience.blast_radius import BlastRadiusResult, analyze_blast_radius
from residency.resilience.cognitive import ChangeBurden, DecisionQueue, build_queue, change_burden
from residency.resilience.contingency import ContingencyResult, analyze_contingency
from residency.resilience.defense import DefenseDecision, DefenseLevel, DefensePolicy, Measurements, decide
from residency.resilience.demand import DemandConfig, build_demand, scheduled_coverage
from residency.resilience.fallback import ScenarioAssessment, assess_scenario, standard_scenarios
from residency.resilience.homeostasis import (
    DEFAULT_SETPOINTS,
    HomeostasisResult,
    Setpoint,
    allostatic_load,
    analyze_homeostasis,
    measure_stability,
    workload_balance,
)
from residency.resilience.hubs import HubResult, analyze_hubs
from residency.resilience.le_chatelier import Equilibrium, Stress, analyze_stress
from residency.resilience.levels import DEFAULT_THRESHOLDS, Thresholds
from residency.resilience.sacrifice import SheddingResult, shed
from residency.resilience.stigmergy import Signal, SwapRequest, Trails, preference_weights
from residency.resilience.utilization import UtilizationResult, analyze_utilization


@dataclass(frozen=True, slots=True)
class HealthOptions:
    horizon_days: int = 28
    forecast_days: int = 90
    contingency_days: int | None = None  # None: the same horizon
    n2: bool = True
    scenarios: bool = True
    thresholds: Thresholds = DEFAULT_THRESHOLDS
    demand: DemandConfig = field(default_factory=DemandConfig)
    policy: DefensePolicy = field(default_factory=DefensePolicy)
    setpoints: tuple[Setpoint, ...] = DEFAULT_SETPOINTS


@dataclass(frozen=True, slots=True)
class HealthReport:
    program: str
    as_of: date
    horizon_days: int
    defense: DefenseDecision
    utilization: UtilizationResult
    coverage: dict[str, Any]
    hubs: HubResult
    contingency: ContingencyResult
    homeostasis: HomeostasisResult
    blast_radius: BlastRadiusResult
    equilibrium: Equilibrium | None
    queue: DecisionQueue
    change_burden: ChangeBurden | None
    trails: Trails
    shedding_preview: SheddingResult | None
    scenarios: tuple[ScenarioAssessment, ...]
    compliance: dict[str, Any]
    timings: dict[str, float]

    @property
    def level(self) -> DefenseLevel:
        return self.defense.level

    def to_dict(self) -> dict[str, Any]:
        return {
            "program": self.program,
            "as_of": self.as_of.isoformat(),
            "horizon_days": self.horizon_days,
            "defense": self.defense.to_dict(),
            "utilization": self.utilization.to_dict(),
            "coverage": self.coverage,
            "hubs": self.hubs.to_dict(),
            "contingency": self.contingency.to_dict(),
            "homeostasis": self.homeostasis.to_dict(),
            "blast_radius": self.blast_radius.to_dict(),
            "le_chatelier": self.equilibrium.to_dict() if self.equilibrium else None,
            "cognitive": {
                "queue": self.queue.to_dict(),
                "change_burden": self.change_burden.to_dict() if self.change_burden else None,
            },
            "stigmergy": self.trails.to_dict(limit=30),
            "sacrifice": self.shedding_preview.to_dict() if self.shedding_preview else None,
            "fallback": [s.to_dict() for s in self.scenarios],
            "compliance": self.compliance,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }


def _history(previous: HealthReport | Mapping[str, Any] | Iterable | None) -> tuple[dict[str, list[float]], Any]:
    """Homeostasis values of earlier checks (oldest first) and the latest defense level."""
    if previous is None:
        return {}, None
    items = list(previous) if isinstance(previous, list | tuple) else [previous]
    hist: dict[str, list[float]] = {}
    level = None
    for item in items:
        d = item.to_dict() if isinstance(item, HealthReport) else item
        for k, v in d.get("homeostasis", {}).get("values", {}).items():
            hist.setdefault(k, []).append(float(v))
        level = d.get("defense", {}).get("level", level)
    return hist, DefenseLevel[level.upper()] if isinstance(level, str) else level


def run_health_check(
    program: Program,
    schedule: Schedule,
    *,
    as_of: date | None = None,
    published: Schedule | None = None,
    previous: HealthReport | Mapping[str, Any] | list | None = None,
    findings: Report | Iterable[Finding] | None = None,
    run_compliance: bool = True,
    swaps: Iterable[SwapRequest] = (),
    stated: Iterable[Signal] = (),
    options: HealthOptions = HealthOptions(),
) -> HealthReport:
    timings: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[name] = now - clock[0]
        clock[0] = now

    as_of = as_of or schedule.start
    horizon = options.horizon_days
    demand = build_demand(program, schedule, options.demand)
    first, last = demand.window(as_of, horizon)
    lap("demand")

    hubs = analyze_hubs(program, schedule, as_of=as_of)
    lap("hubs")

    util = analyze_utilization(
        program,
        schedule,
        start=as_of,
        days=horizon,
        thresholds=options.thresholds,
        config=options.demand,
        forecast_days=options.forecast_days,
        demand=demand,
    )
    cov = scheduled_coverage(demand, first, last)
    lap("utilization")

    report = None
    if findings is None and run_compliance:
        report = check_schedule(program, schedule)
        findings = report
    elif isinstance(findings, Report):
        report = findings
    listed = list(findings.findings if isinstance(findings, Report) else (findings or ()))
    window_end = demand.day_of(last - 1) if last > first else as_of
    in_window = [f for f in listed if _day(f.start) <= window_end and _day(f.end) >= as_of]
    violations = sum(1 for f in in_window if f.severity.value == "violation" and f.status.value == "FAIL")
    compliance = {
        "source": "engine" if report is not None and findings is report else "given" if listed else "none",
        "findings": len(listed),
        "in_horizon": len(in_window),
        "violations_in_horizon": violations,
    }
    lap("compliance")

    queue = build_queue(program, as_of=as_of, findings=in_window, coverage=cov, lookahead_days=options.forecast_days)
    burden = change_burden(schedule, published) if published is not None else None
    lap("cognitive")

    history, previous_level = _history(previous)
    values = {
        "coverage": cov.ratio,
        "utilization": util.rho,
        "workload_balance": workload_balance(program, schedule, first, last),
        "compliance": float(violations),
        "stability": measure_stability(schedule, published, first, last),
    }
    allo = allostatic_load(program, schedule, first, last, published)
    homeo = analyze_homeostasis(values, history=history, setpoints=options.setpoints, allostatic=allo)
    lap("homeostasis")

    blast = analyze_blast_radius(program, schedule, start=as_of, days=horizon, demand=demand)
    lap("blast_radius")

    fac_hubs = [h.person for h in hubs.people if h.kind == "faculty"]
    eq = analyze_stress(program, schedule, Stress(lost=(fac_hubs[0],)), start=as_of, days=horizon) if fac_hubs else None
    lap("le_chatelier")

    trails = preference_weights(program, schedule, as_of=as_of, swaps=swaps, stated=stated)
    lap("stigmergy")

    contingency = analyze_contingency(
        program,
        schedule,
        start=as_of,
        days=options.contingency_days or horizon,
        n2=options.n2,
        demand=demand,
    )
    lap("contingency")

    call_short = tuple(sorted({s[len("call:") :] for g in cov.gaps for s in g.services if s.startswith("call:")}))
    absent_fac = int((~demand.present[demand.faculty, first:last].any(axis=2)).all(axis=1).sum()) if last > first else 0
    measurements = Measurements(
        utilization=util.level,
        rho=util.rho,
        coverage=cov.ratio,
        uncovered_units=len(cov.gaps),
        uncovered_days=tuple(sorted({g.day for g in cov.gaps})),
        call_short=call_short,
        fatal_single_losses=contingency.fatal_people,
        absent_faculty=absent_fac,
        bottleneck=util.bottleneck,
    )
    defense = decide(measurements, previous=previous_level, at=as_of, policy=options.policy)
    lap("defense")

    shedding = None
    for action in defense.actions:
        if action.kind.value == "apply_load_shedding":
            shedding = shed(program, schedule, int(action.params["level"]), start=as_of, days=horizon)
    scenarios: tuple[ScenarioAssessment, ...] = ()
    if options.scenarios:
        scenarios = tuple(
            assess_scenario(program, schedule, s, start=as_of, days=horizon, config=options.demand)
            for s in standard_scenarios(program, fac_hubs or None)
        )
    lap("sacrifice_and_fallback")

    return HealthReport(
        program=program.name,
        as_of=as_of,
        horizon_days=last - first,
        defense=defense,
        utilization=util,
        coverage={
            "required": cov.required,
            "filled": cov.filled,
            "ratio": round(cov.ratio, 4),
            "gaps": len(cov.gaps),
            "by_service": cov.by_service(),
        },
        hubs=hubs,
        contingency=contingency,
        homeostasis=homeo,
        blast_radius=blast,
        equilibrium=eq,
        queue=queue,
        change_burden=burden,
        trails=trails,
        shedding_preview=shedding,
        scenarios=scenarios,
        compliance=compliance,
        timings=timings,
    )


def _day(x) -> date:
    return x.date() if hasattr(x, "date") and callable(x.date) else x
