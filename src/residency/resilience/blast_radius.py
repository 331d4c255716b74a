"""Blast radius: zones, and how far an incident in one zone spreads.

A zone is a service or site with its people over a window. Resident zones group rotations
(``inpatient``: no leave allowed, on site, not night float; ``nights``: night-float rotations;
``outpatient``: the rest on site; ``off_site``), each with the residents on them (average present per
day) and a hard floor (the rotations' ``min_residents``). The ``faculty`` zone holds the faculty,
with the average supervision + staff-call slots per weekday as its floor.

An incident removes people from a zone (or adds demand). *Contained*, the zone absorbs it from its
own surplus, and any shortfall stays a breach of that zone. *With borrowing*, the zone borrows from
other zones of the same kind in priority order (lowest-priority lender first: outpatient before
inpatient), each lending at most its ``borrow_limit`` (by default half its surplus, never below its
floor; off-site zones never lend). Every lender is an affected zone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from residency.domain.program import Program
from residency.domain.schedule import Schedule
from residency.resilience.demand import Demand, DemandConfig, build_demand

PRIORITY = {"inpatient": 1, "nights": 1, "faculty": 1, "outpatient": 3, "off_site": 9}


@dataclass(frozen=True, slots=True)
class Zone:
    name: str
    kind: str  # "resident" | "faculty"
    members: tuple[str, ...]
    people: float  # average present per day
    floor: float  # hard requirement per day
    priority: int  # lower = protected more, lends last
    borrow_limit: int
    can_lend: bool = True

    @property
    def surplus(self) -> float:
        return self.people - self.floor

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "members": len(self.members),
            "people": round(self.people, 2),
            "floor": round(self.floor, 2),
            "surplus": round(self.surplus, 2),
            "priority": self.priority,
            "borrow_limit": self.borrow_limit,
            "can_lend": self.can_lend,
        }


@dataclass(frozen=True, slots=True)
class Incident:
    zone: str
    lost: int = 0  # people removed
    surge: float = 0.0  # extra people required

    def to_dict(self) -> dict[str, Any]:
        return {"zone": self.zone, "lost": self.lost, "surge": self.surge}


@dataclass(frozen=True, slots=True)
class Spread:
    incident: Incident
    shortfall: float  # what the zone cannot cover from its own surplus
    contained_breach: bool
    borrowed: tuple[tuple[str, int], ...]  # (lender, people)
    uncovered_after_borrowing: float

    @property
    def affected(self) -> tuple[str, ...]:
        return (self.incident.zone, *(z for z, n in self.borrowed if n))

    @property
    def radius(self) -> int:
        return len(self.affected)

    def to_dict(self) -> dict[str, Any]:
        return {
            "incident": self.incident.to_dict(),
            "shortfall": round(self.shortfall, 2),
            "contained_breach": self.contained_breach,
            "borrowed": [{"zone": z, "people": n} for z, n in self.borrowed],
            "uncovered_after_borrowing": round(self.uncovered_after_borrowing, 2),
            "affected": list(self.affected),
            "radius": self.radius,
        }


@dataclass(frozen=True, slots=True)
class BlastRadiusResult:
    zones: tuple[Zone, ...]
    spreads: tuple[Spread, ...]

    def zone(self, name: str) -> Zone:
        return next(z for z in self.zones if z.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {"zones": [z.to_dict() for z in self.zones], "incidents": [s.to_dict() for s in self.spreads]}


def _zone_of(rotation) -> str:
    if rotation.off_site:
        return "off_site"
    if rotation.is_night_float:
        return "nights"
    if not rotation.leave_allowed:
        return "inpatient"
    return "outpatient"


def build_zones(demand: Demand, first: int, last: int, lend_share: float = 0.5) -> tuple[Zone, ...]:
    days = max(1, last - first)
    present = demand.present[:, first:last].any(axis=2)  # [P, d]
    rot = demand.rotation[:, first:last]
    zone_names = [_zone_of(r) for r in demand.rotations]
    zones = []
    for name in ("inpatient", "nights", "outpatient", "off_site"):
        idx = [i for i, z in enumerate(zone_names) if z == name]
        if not idx:
            continue
        on = np.isin(rot, idx) & demand.resident[:, None]
        members = tuple(k for k, m in zip(demand.people, on.any(axis=1), strict=True) if m)
        people = float((on & present).sum() / days)
        floor = float(sum(demand.rotations[i].min_residents for i in idx))
        zones.append(_zone(name, "resident", members, people, floor, lend_share))
    fac = demand.faculty
    weekday = [(demand.day_of(d)).weekday() < 5 for d in range(first, last)]
    wd = np.array(weekday, dtype=bool)
    slots = np.zeros(last - first)
    for sd in demand.services.values():
        if not sd.aggregate or sd.service.startswith("staffing"):
            continue
        req = sd.required_total if sd.required_total is not None else sd.required
        req = req[first:last]
        slots += req.max(axis=1) if req.ndim == 2 else req
    floor = float(slots[wd].mean()) if wd.any() else float(slots.mean() if len(slots) else 0.0)
    fpresent = present[fac]
    people = float(fpresent[:, wd].sum() / max(1, wd.sum())) if wd.any() else float(fpresent.sum() / days)
    members = tuple(k for k, f in zip(demand.people, fac, strict=True) if f)
    zones.append(_zone("faculty", "faculty", members, people, floor, lend_share))
    return tuple(zones)


def _zone(name: str, kind: str, members, people: float, floor: float, share: float) -> Zone:
    can_lend = name != "off_site"
    limit = max(0, math.floor((people - floor) * share)) if can_lend else 0
    return Zone(name, kind, members, people, floor, PRIORITY.get(name, 5), limit, can_lend)


def spread(zones: Sequence[Zone], incident: Incident) -> Spread:
    by_name = {z.name: z for z in zones}
    z = by_name[incident.zone]
    shortfall = max(0.0, incident.lost + incident.surge - max(0.0, z.surplus))
    borrowed: list[tuple[str, int]] = []
    remaining = shortfall
    lenders = sorted(
        (o for o in zones if o.name != z.name and o.kind == z.kind and o.can_lend and o.borrow_limit > 0),
        key=lambda o: (-o.priority, -o.surplus, o.name),
    )
    for o in lenders:
        if remaining <= 1e-9:
            break
        n = min(o.borrow_limit, math.ceil(remaining - 1e-9))
        borrowed.append((o.name, n))
        remaining -= n
    return Spread(incident, shortfall, shortfall > 1e-9, tuple(borrowed), max(0.0, remaining))


def analyze_blast_radius(
    program: Program,
    schedule: Schedule,
    *,
    start: date | None = None,
    days: int = 28,
    incidents: Sequence[Incident] | None = None,
    lend_share: float = 0.5,
    config: DemandConfig | None = None,
    demand: Demand | None = None,
) -> BlastRadiusResult:
    """Zones over the window and the spread of each incident (default: every zone loses a quarter
    of its people, at least one)."""
    demand = demand or build_demand(program, schedule, config)
    first, last = demand.window(start, days)
    zones = build_zones(demand, first, last, lend_share)
    if incidents is None:
        incidents = [Incident(z.name, lost=max(1, math.ceil(z.people / 4))) for z in zones if z.name != "off_site"]
    return BlastRadiusResult(zones, tuple(spread(zones, i) for i in incidents))


__all__ = ["BlastRadiusResult", "Incident", "Spread", "Zone", "analyze_blast_radius", "spread"]
