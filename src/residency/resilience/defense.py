"""Defense in depth: five levels chosen from measured coverage and utilization, with the actions
the shells execute.

| level | when (first match from the top)                                   | actions                         |
|-------|-------------------------------------------------------------------|---------------------------------|
| 5 EMERGENCY   | utilization BLACK, or coverage < 90 %                     | + fallback schedule, shed 4     |
| 4 CONTAINMENT | utilization RED, or coverage < 95 %                       | + backup call pool, shed 2      |
| 3 SAFETY_SYSTEMS | utilization ORANGE, or coverage < 99 %, or call short  | + open a repair draft           |
| 2 CONTROL     | utilization YELLOW, any uncovered unit, or a fatal N-1 loss | alert                          |
| 1 PREVENTION  | otherwise                                                 | none (monitor)                  |

The pure part returns ``Action`` descriptors; the shells execute them (send the alert, open an
incremental repair draft (``residency.repairs``), activate the backup pool (``backup.py``), apply the
load-shedding level, activate the fallback schedule) and persist ``LevelChange`` events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum, StrEnum
from typing import Any

from residency.resilience.levels import Level


class DefenseLevel(IntEnum):
    PREVENTION = 1
    CONTROL = 2
    SAFETY_SYSTEMS = 3
    CONTAINMENT = 4
    EMERGENCY = 5

    @property
    def label(self) -> str:
        return self.name.lower()


class ActionKind(StrEnum):
    ALERT = "alert"
    OPEN_REPAIR_DRAFT = "open_repair_draft"
    ACTIVATE_BACKUP_CALL_POOL = "activate_backup_call_pool"
    APPLY_LOAD_SHEDDING = "apply_load_shedding"
    ACTIVATE_FALLBACK = "activate_fallback"


@dataclass(frozen=True, slots=True)
class Action:
    kind: ActionKind
    reason: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "reason": self.reason, "params": self.params}


@dataclass(frozen=True, slots=True)
class DefensePolicy:
    """Coverage floors of levels 3, 4 and 5 and the load-shedding levels applied at 4 and 5."""

    safety_coverage: float = 0.99
    containment_coverage: float = 0.95
    emergency_coverage: float = 0.90
    containment_shedding: int = 2
    emergency_shedding: int = 4


@dataclass(frozen=True, slots=True)
class Measurements:
    """What the level is chosen from (all taken over the same horizon)."""

    utilization: Level
    rho: float
    coverage: float  # scheduled slots filled / slots required, 0..1
    uncovered_units: int = 0
    uncovered_days: tuple[date, ...] = ()
    call_short: tuple[str, ...] = ()  # call pools with an unfilled night
    fatal_single_losses: tuple[str, ...] = ()  # people whose loss breaks coverage (N-1)
    absent_faculty: int = 0
    bottleneck: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "utilization": self.utilization.label,
            "rho": round(self.rho, 4),
            "coverage": round(self.coverage, 4),
            "uncovered_units": self.uncovered_units,
            "uncovered_days": [d.isoformat() for d in self.uncovered_days],
            "call_short": list(self.call_short),
            "fatal_single_losses": list(self.fatal_single_losses),
            "absent_faculty": self.absent_faculty,
            "bottleneck": self.bottleneck,
        }


@dataclass(frozen=True, slots=True)
class LevelChange:
    previous: DefenseLevel | None
    level: DefenseLevel
    at: datetime | date | None
    reasons: tuple[str, ...]

    @property
    def escalation(self) -> bool:
        return self.previous is None or self.level > self.previous

    def to_dict(self) -> dict[str, Any]:
        return {
            "previous": self.previous.label if self.previous else None,
            "level": self.level.label,
            "at": self.at.isoformat() if self.at else None,
            "reasons": list(self.reasons),
            "escalation": self.escalation,
        }


@dataclass(frozen=True, slots=True)
class DefenseDecision:
    level: DefenseLevel
    reasons: tuple[str, ...]
    actions: tuple[Action, ...]
    measurements: Measurements
    change: LevelChange | None = None  # set when the level differs from the previous one

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level.label,
            "level_number": int(self.level),
            "reasons": list(self.reasons),
            "actions": [a.to_dict() for a in self.actions],
            "measurements": self.measurements.to_dict(),
            "change": self.change.to_dict() if self.change else None,
        }


def choose_level(m: Measurements, policy: DefensePolicy = DefensePolicy()) -> tuple[DefenseLevel, tuple[str, ...]]:
    cov = f"coverage {m.coverage:.1%}"
    util = f"utilization {m.rho:.0%} ({m.utilization.label}, bottleneck {m.bottleneck})"
    if m.utilization >= Level.BLACK or m.coverage < policy.emergency_coverage:
        why = [util] if m.utilization >= Level.BLACK else []
        why += [cov] if m.coverage < policy.emergency_coverage else []
        return DefenseLevel.EMERGENCY, tuple(why)
    if m.utilization >= Level.RED or m.coverage < policy.containment_coverage:
        why = [util] if m.utilization >= Level.RED else []
        why += [cov] if m.coverage < policy.containment_coverage else []
        return DefenseLevel.CONTAINMENT, tuple(why)
    if m.utilization >= Level.ORANGE or m.coverage < policy.safety_coverage or m.call_short:
        why = [util] if m.utilization >= Level.ORANGE else []
        why += [cov] if m.coverage < policy.safety_coverage else []
        why += [f"call short: {', '.join(m.call_short)}"] if m.call_short else []
        return DefenseLevel.SAFETY_SYSTEMS, tuple(why)
    if m.utilization >= Level.YELLOW or m.uncovered_units or m.fatal_single_losses:
        why = [util] if m.utilization >= Level.YELLOW else []
        why += [f"{m.uncovered_units} uncovered units"] if m.uncovered_units else []
        if m.fatal_single_losses:
            why.append(f"single points of failure: {', '.join(m.fatal_single_losses)}")
        return DefenseLevel.CONTROL, tuple(why)
    return DefenseLevel.PREVENTION, (f"{util}; {cov}",)


def actions_for(level: DefenseLevel, m: Measurements, policy: DefensePolicy = DefensePolicy()) -> tuple[Action, ...]:
    out: list[Action] = []
    if level >= DefenseLevel.CONTROL:
        severity = {2: "info", 3: "warning", 4: "critical", 5: "emergency"}[int(level)]
        out.append(
            Action(
                ActionKind.ALERT,
                f"defense level {level.label}",
                {"severity": severity, "audience": "coordinators" if level < 4 else "program_leadership"},
            )
        )
    if level >= DefenseLevel.SAFETY_SYSTEMS and (m.uncovered_units or m.coverage < 1.0 or m.call_short):
        out.append(
            Action(
                ActionKind.OPEN_REPAIR_DRAFT,
                f"{m.uncovered_units} uncovered units",
                {"days": [d.isoformat() for d in m.uncovered_days]},
            )
        )
    if level >= DefenseLevel.CONTAINMENT and (m.call_short or (m.bottleneck or "").startswith("call:")):
        pools = list(m.call_short)
        if not pools and m.bottleneck:
            pools = [m.bottleneck[len("call:") :]]
        out.append(Action(ActionKind.ACTIVATE_BACKUP_CALL_POOL, "call coverage under stress", {"pools": pools}))
    if level == DefenseLevel.CONTAINMENT:
        out.append(
            Action(
                ActionKind.APPLY_LOAD_SHEDDING,
                "free time for coverage",
                {"level": policy.containment_shedding},
            )
        )
    if level == DefenseLevel.EMERGENCY:
        out.append(
            Action(ActionKind.APPLY_LOAD_SHEDDING, "free time for coverage", {"level": policy.emergency_shedding})
        )
        scenario = "two_faculty_lost" if m.absent_faculty >= 2 else "essential_only"
        out.append(Action(ActionKind.ACTIVATE_FALLBACK, "capacity below the safe minimum", {"scenario": scenario}))
    return tuple(out)


def decide(
    m: Measurements,
    *,
    previous: DefenseLevel | None = None,
    at: datetime | date | None = None,
    policy: DefensePolicy = DefensePolicy(),
) -> DefenseDecision:
    level, reasons = choose_level(m, policy)
    change = LevelChange(previous, level, at, reasons) if previous != level else None
    return DefenseDecision(level, reasons, actions_for(level, m, policy), m, change)
