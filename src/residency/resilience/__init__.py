"""Resilience analyses over a Program and a Schedule (pure: no I/O, no database).

from residency.resilience import run_health_check
report = run_health_check(program, schedule, as_of=date(2025, 11, 3))
report.level                      # DefenseLevel
report.defense.actions            # Action descriptors for the shells to execute
report.to_dict()                  # JSON-serialisable

See docs/resilience.md for what each analysis measures.
"""

from residency.resilience.blast_radius import Incident, analyze_blast_radius
from residency.resilience.cognitive import build_queue, change_burden
from residency.resilience.contingency import analyze_contingency
from residency.resilience.defense import Action, ActionKind, DefenseLevel, Measurements, decide
from residency.resilience.demand import DemandConfig, build_demand, scheduled_coverage
from residency.resilience.fallback import Scenario, assess_scenario, derive_scenario, standard_scenarios
from residency.resilience.health import HealthOptions, HealthReport, run_health_check
from residency.resilience.homeostasis import allostatic_load, analyze_homeostasis
from residency.resilience.hubs import analyze_hubs
from residency.resilience.le_chatelier import Stress, analyze_stress
from residency.resilience.levels import Level, Thresholds
from residency.resilience.sacrifice import SacrificeCategory, shed, suspended_at
from residency.resilience.stigmergy import Signal, SignalKind, SwapRequest, lay_trails, preference_weights
from residency.resilience.utilization import analyze_utilization

__all__ = [
    "Action",
    "ActionKind",
    "DefenseLevel",
    "DemandConfig",
    "HealthOptions",
    "HealthReport",
    "Incident",
    "Level",
    "Measurements",
    "SacrificeCategory",
    "Scenario",
    "Signal",
    "SignalKind",
    "Stress",
    "SwapRequest",
    "Thresholds",
    "allostatic_load",
    "analyze_blast_radius",
    "analyze_contingency",
    "analyze_homeostasis",
    "analyze_hubs",
    "analyze_stress",
    "analyze_utilization",
    "assess_scenario",
    "build_demand",
    "build_queue",
    "change_burden",
    "decide",
    "derive_scenario",
    "lay_trails",
    "preference_weights",
    "run_health_check",
    "scheduled_coverage",
    "shed",
    "standard_scenarios",
    "suspended_at",
]
