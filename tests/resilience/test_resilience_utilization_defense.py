"""Utilization levels and forecast, and the defense level they drive: a cluster of absences raises both."""

import json
from datetime import date, timedelta

import pytest
from resilience_builders import sample, with_absences

from residency.domain.program import AbsenceStatus
from residency.resilience.defense import (
    ActionKind,
    DefenseLevel,
    Measurements,
    choose_level,
    decide,
)
from residency.resilience.health import HealthOptions, run_health_check
from residency.resilience.levels import Level, Thresholds, rho_of
from residency.resilience.utilization import analyze_utilization

AS_OF = date(2025, 11, 3)
CLUSTER = ["F-01", "F-02", "F-04", "F-05", "F-06", "F-07"]
WEEK2 = (AS_OF + timedelta(days=7), AS_OF + timedelta(days=11))  # Monday-Friday of the second week


@pytest.mark.parametrize(
    ("rho", "level"),
    [(0.0, Level.GREEN), (0.6999, Level.GREEN), (0.70, Level.YELLOW), (0.80, Level.ORANGE), (0.90, Level.RED),
     (0.9499, Level.RED), (0.95, Level.BLACK), (3.0, Level.BLACK)],
)  # fmt: skip
def test_resilience_level_thresholds(rho, level):
    assert Thresholds().level(rho) == level


def test_resilience_thresholds_are_configurable_and_checked():
    assert Thresholds(yellow=0.5, orange=0.6, red=0.7, black=0.8).level(0.65) == Level.ORANGE
    with pytest.raises(ValueError):
        Thresholds(yellow=0.9, orange=0.8)
    assert rho_of(0, 0) == 0.0 and rho_of(2, 0) == 10.0 and rho_of(1, 4) == 0.25


def test_resilience_cluster_of_absences_raises_utilization():
    program, schedule = sample()
    before = analyze_utilization(program, schedule, start=AS_OF, days=28)
    stressed = with_absences(program, CLUSTER, *WEEK2)
    after = analyze_utilization(stressed, schedule, start=AS_OF, days=28)
    assert before.level == Level.GREEN
    assert after.weekly[1].rho > before.weekly[1].rho + 0.3
    assert after.level >= Level.ORANGE and after.bottleneck == "supervision"
    assert after.weekly[0].rho == pytest.approx(before.weekly[0].rho)  # the other weeks are untouched
    assert after.service("supervision").buffer < before.service("supervision").buffer
    json.dumps(after.to_dict(), allow_nan=False)


def test_resilience_forecast_includes_requested_leave():
    program, schedule = sample()
    requested = with_absences(program, CLUSTER, *WEEK2, status=AbsenceStatus.REQUESTED)
    result = analyze_utilization(requested, schedule, start=AS_OF, days=28, forecast_days=90)
    f = result.forecast
    assert f.days == 90 and len(f.approved) == len(f.with_requested) == 13
    assert f.with_requested[1].rho > f.approved[1].rho + 0.3
    assert result.weekly[1].rho == pytest.approx(f.approved[1].rho)  # requested leave is not in the present
    assert f.worst.start == AS_OF + timedelta(days=7)


def test_resilience_choose_level_table():
    calm = Measurements(Level.GREEN, 0.4, 1.0)
    assert choose_level(calm)[0] == DefenseLevel.PREVENTION
    assert choose_level(Measurements(Level.GREEN, 0.4, 1.0, fatal_single_losses=("F-03",)))[0] == DefenseLevel.CONTROL
    assert choose_level(Measurements(Level.YELLOW, 0.75, 1.0))[0] == DefenseLevel.CONTROL
    assert choose_level(Measurements(Level.GREEN, 0.4, 0.985))[0] == DefenseLevel.SAFETY_SYSTEMS
    assert choose_level(Measurements(Level.RED, 0.92, 1.0))[0] == DefenseLevel.CONTAINMENT
    assert choose_level(Measurements(Level.GREEN, 0.5, 0.85))[0] == DefenseLevel.EMERGENCY
    assert choose_level(Measurements(Level.BLACK, 1.2, 1.0))[0] == DefenseLevel.EMERGENCY


def test_resilience_defense_actions_are_wired_to_the_product():
    m = Measurements(
        Level.BLACK, 1.5, 0.8, uncovered_units=9, uncovered_days=(AS_OF,), call_short=("Faculty staff call",),
        absent_faculty=3,
    )  # fmt: skip
    d = decide(m, previous=DefenseLevel.CONTROL, at=AS_OF)
    kinds = [a.kind for a in d.actions]
    assert kinds[0] == ActionKind.ALERT
    for kind in (ActionKind.OPEN_REPAIR_DRAFT, ActionKind.ACTIVATE_BACKUP_CALL_POOL, ActionKind.APPLY_LOAD_SHEDDING,
                 ActionKind.ACTIVATE_FALLBACK):  # fmt: skip
        assert kind in kinds
    fallback = next(a for a in d.actions if a.kind == ActionKind.ACTIVATE_FALLBACK)
    assert fallback.params["scenario"] == "two_faculty_lost"
    assert d.change is not None and d.change.escalation and d.change.previous == DefenseLevel.CONTROL
    assert decide(m, previous=DefenseLevel.EMERGENCY).change is None  # no change, no event
    assert decide(Measurements(Level.GREEN, 0.3, 1.0)).actions == ()


def test_resilience_cluster_of_absences_raises_the_defense_level():
    program, schedule = sample()
    options = HealthOptions(n2=False, scenarios=False)
    before = run_health_check(program, schedule, as_of=AS_OF, run_compliance=False, options=options)
    stressed = with_absences(program, CLUSTER, *WEEK2)
    after = run_health_check(stressed, schedule, as_of=AS_OF, run_compliance=False, previous=before, options=options)
    assert after.level > before.level
    assert after.level >= DefenseLevel.CONTAINMENT
    assert after.defense.change is not None and after.defense.change.previous == before.level
    assert any(a.kind == ActionKind.APPLY_LOAD_SHEDDING for a in after.defense.actions)
    assert after.shedding_preview is not None and after.shedding_preview.cells_changed > 0
