"""Utilization: required capacity against available capacity, per half-day, day, week and service.

For each service of the Demand (supervision, credentialed supervision, each call pool, each rotation
with a minimum), in each unit where something is required:
``required`` = people needed, ``available`` = people who could do it (presence after absences,
eligibility, not protected). ρ = required / available summed over a period's units (the ratio of
sums, so an idle weekend does not dilute a busy week). The level of a period is that of its
bottleneck: the highest ρ among the aggregate services (credentialed sub-requirements such as
``supervision:VAS`` are reported but do not set the level — their ρ is 100 % whenever a single holder
exists, which is a hub/contingency finding, not load). The horizon's ρ is its worst week.

The forecast looks ``forecast_days`` ahead twice: with approved leave only, and with approved and
requested leave, so a coordinator sees what granting the pending requests would do.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import numpy as np

from residency.domain.program import Program
from residency.domain.schedule import Schedule
from residency.resilience.demand import PERIODS, SUPERVISION, Demand, DemandConfig, ServiceDemand, build_demand
from residency.resilience.levels import DEFAULT_THRESHOLDS, Level, Thresholds, rho_of


@dataclass(frozen=True, slots=True)
class ServiceLoad:
    service: str
    required: int  # person-slots over the period
    available: int  # person-slots that could be filled, over the units with a requirement
    rho: float
    level: Level
    peak_rho: float  # worst single unit
    peak_day: date | None
    peak_period: str | None
    aggregate: bool = True

    @property
    def buffer(self) -> int:
        """People-slots to spare over the period (negative: short)."""
        return self.available - self.required

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "required": self.required,
            "available": self.available,
            "rho": round(self.rho, 4),
            "level": self.level.label,
            "buffer": self.buffer,
            "peak_rho": round(self.peak_rho, 4),
            "peak_day": self.peak_day.isoformat() if self.peak_day else None,
            "peak_period": self.peak_period,
            "aggregate": self.aggregate,
        }


@dataclass(frozen=True, slots=True)
class PeriodLoad:
    start: date
    days: int
    rho: float
    level: Level
    bottleneck: str | None
    services: tuple[ServiceLoad, ...]

    @property
    def buffer(self) -> float:
        return 1.0 - self.rho

    def to_dict(self, detail: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "start": self.start.isoformat(),
            "days": self.days,
            "rho": round(self.rho, 4),
            "level": self.level.label,
            "buffer": round(self.buffer, 4),
            "bottleneck": self.bottleneck,
        }
        if detail:
            out["services"] = [s.to_dict() for s in self.services]
        return out


@dataclass(frozen=True, slots=True)
class Forecast:
    start: date
    days: int
    approved: tuple[PeriodLoad, ...]  # weekly, approved leave only
    with_requested: tuple[PeriodLoad, ...]  # weekly, approved and requested leave

    @property
    def worst(self) -> PeriodLoad | None:
        return max(self.with_requested, key=lambda w: w.rho, default=None)

    def to_dict(self) -> dict[str, Any]:
        worst = self.worst
        return {
            "start": self.start.isoformat(),
            "days": self.days,
            "approved": [w.to_dict(detail=False) for w in self.approved],
            "with_requested": [w.to_dict(detail=False) for w in self.with_requested],
            "worst": worst.to_dict(detail=False) if worst else None,
        }


@dataclass(frozen=True, slots=True)
class UtilizationResult:
    start: date
    days: int
    thresholds: Thresholds
    rho: float  # the worst week's bottleneck ρ
    level: Level
    bottleneck: str | None
    services: tuple[ServiceLoad, ...]  # over the whole horizon
    daily: tuple[PeriodLoad, ...]
    weekly: tuple[PeriodLoad, ...]
    forecast: Forecast | None = None

    @property
    def buffer(self) -> float:
        return 1.0 - self.rho

    def service(self, name: str) -> ServiceLoad:
        return next(s for s in self.services if s.service == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "days": self.days,
            "thresholds": self.thresholds.to_dict(),
            "rho": round(self.rho, 4),
            "level": self.level.label,
            "buffer": round(self.buffer, 4),
            "bottleneck": self.bottleneck,
            "services": [s.to_dict() for s in self.services],
            "daily": [d.to_dict(detail=False) for d in self.daily],
            "weekly": [w.to_dict() for w in self.weekly],
            "forecast": self.forecast.to_dict() if self.forecast else None,
        }


@dataclass(frozen=True, slots=True)
class _Series:
    """Per-day required/available of one service, and its worst unit each day."""

    service: str
    aggregate: bool
    required: np.ndarray  # [D]
    available: np.ndarray  # [D]
    unit_rho: np.ndarray  # [D] worst unit that day
    unit_period: np.ndarray  # [D] period index of that unit


def _series(sd: ServiceDemand) -> _Series:
    required = sd.required_total if sd.required_total is not None else sd.required
    avail = sd.candidates.sum(axis=0)
    if sd.period is None:  # [D, 2]
        req2 = required.astype(float)
        av2 = np.where(required > 0, avail, 0).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            unit = np.where(req2 > 0, np.where(av2 > 0, req2 / np.maximum(av2, 1), 10.0), 0.0)
        worst = unit.argmax(axis=1)
        return _Series(
            sd.service,
            sd.aggregate,
            req2.sum(axis=1),
            av2.sum(axis=1),
            np.minimum(unit.max(axis=1), 10.0),
            worst,
        )
    req = required.astype(float)
    av = np.where(required > 0, avail, 0).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = np.where(req > 0, np.where(av > 0, req / np.maximum(av, 1), 10.0), 0.0)
    return _Series(sd.service, sd.aggregate, req, av, np.minimum(unit, 10.0), np.full(len(req), sd.period))


def _period(series: list[_Series], demand: Demand, first: int, last: int, th: Thresholds) -> PeriodLoad:
    loads = []
    for s in series:
        req = int(s.required[first:last].sum())
        av = int(s.available[first:last].sum())
        rho = rho_of(req, av)
        if last > first and req:
            k = int(s.unit_rho[first:last].argmax())
            peak, pday, pper = float(s.unit_rho[first + k]), demand.day_of(first + k), PERIODS[s.unit_period[first + k]]
        else:
            peak, pday, pper = 0.0, None, None
        loads.append(ServiceLoad(s.service, req, av, rho, th.level(rho), peak, pday, pper, s.aggregate))
    agg = [x for x in loads if x.aggregate and x.required]
    top = max(agg, key=lambda x: x.rho, default=None)
    rho = top.rho if top else 0.0
    return PeriodLoad(
        demand.day_of(first), last - first, rho, th.level(rho), top.service if top else None, tuple(loads)
    )


def _weeks(series, demand, first, last, th) -> tuple[PeriodLoad, ...]:
    return tuple(_period(series, demand, a, min(a + 7, last), th) for a in range(first, last, 7))


def load_series(demand: Demand) -> list[_Series]:
    return [_series(sd) for sd in demand.services.values()]


def analyze_utilization(
    program: Program,
    schedule: Schedule,
    *,
    start: date | None = None,
    days: int = 28,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    config: DemandConfig | None = None,
    forecast_days: int = 90,
    demand: Demand | None = None,
) -> UtilizationResult:
    """Utilization over ``days`` from ``start`` (default: the schedule's first day), plus a forecast
    of ``forecast_days`` from the same day (0 = none)."""
    config = config or DemandConfig()
    demand = demand or build_demand(program, schedule, config)
    first, last = demand.window(start, days)
    series = load_series(demand)
    daily = tuple(_period(series, demand, d, d + 1, thresholds) for d in range(first, last))
    weekly = _weeks(series, demand, first, last, thresholds)
    total = _period(series, demand, first, last, thresholds)
    worst = max(weekly, key=lambda w: w.rho, default=total)
    forecast = None
    if forecast_days > 0:
        f_first, f_last = demand.window(demand.day_of(first), forecast_days)
        approved_cfg = _with(config, include_requested=False)
        requested_cfg = _with(config, include_requested=True)
        approved = demand if not config.include_requested else build_demand(program, schedule, approved_cfg)
        requested = build_demand(program, schedule, requested_cfg) if not config.include_requested else demand
        forecast = Forecast(
            demand.day_of(f_first),
            f_last - f_first,
            _weeks(load_series(approved), approved, f_first, f_last, thresholds),
            _weeks(load_series(requested), requested, f_first, f_last, thresholds),
        )
    return UtilizationResult(
        start=demand.day_of(first),
        days=last - first,
        thresholds=thresholds,
        rho=worst.rho,
        level=thresholds.level(worst.rho),
        bottleneck=worst.bottleneck,
        services=total.services,
        daily=daily,
        weekly=weekly,
        forecast=forecast,
    )


def _with(config: DemandConfig, **changes) -> DemandConfig:
    return replace(config, **changes)


def supervision_table(demand: Demand, first: int, last: int) -> list[dict[str, Any]]:
    """Every half-day with clinic supervision: load, preceptors needed, scheduled and available."""
    sd = demand.services[SUPERVISION]
    total = sd.required_total if sd.required_total is not None else sd.required
    rows = []
    for d in range(first, last):
        for h in (0, 1):
            if total[d, h] <= 0:
                continue
            rows.append(
                {
                    "day": (demand.start + timedelta(days=d)).isoformat(),
                    "period": PERIODS[h],
                    "load": round(float(demand.supervision_load[d, h]), 2),
                    "required": int(total[d, h]),
                    "scheduled": int(sd.assigned[:, d, h].sum()),
                    "available": int(sd.candidates[:, d, h].sum()),
                }
            )
    return rows
