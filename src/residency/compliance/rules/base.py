"""What every rule sees: one person's timeline, the limits in force per day, the evaluation range."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from residency.compliance.config import EngineConfig
from residency.compliance.findings import Finding, Severity, Status
from residency.compliance.packs import Limits
from residency.compliance.timeline import PersonTimeline
from residency.compliance.windows import WindowStats
from residency.domain.duty import DutyPeriod


@dataclass(frozen=True)
class Rule:
    """One named rule: its identity, its legal source and the function that evaluates it."""

    id: str
    title: str
    citation: str
    severity: Severity
    scope: str  # "window" (averaged, §5) or "period" (per period, gap or shift)
    evaluate: Callable[..., list[Finding]] = field(repr=False)
    strength: str = "must"  # must | should | monitor
    effective_from: date = date(2003, 7, 1)
    effective_to: date | None = None


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str,
    *,
    title: str,
    citation: str,
    severity: Severity,
    scope: str,
    strength: str = "must",
    effective_from: date = date(2003, 7, 1),
) -> Callable[[Callable[..., list[Finding]]], Callable[..., list[Finding]]]:
    def register(fn: Callable[..., list[Finding]]) -> Callable[..., list[Finding]]:
        RULES[rule_id] = Rule(rule_id, title, citation, severity, scope, fn, strength, effective_from)
        return fn

    return register


@dataclass
class PersonContext:
    tl: PersonTimeline
    config: EngineConfig
    day_limits: list[Limits]  # the limits in force on each grid day
    r0: int  # evaluation range as grid day indices [r0, r1)
    r1: int
    rules: frozenset[str]

    def limits_at(self, t: int) -> Limits:
        d = min(max(int(self.tl.grid.day_of(t)), 0), len(self.day_limits) - 1)
        return self.day_limits[d]

    def in_range(self, t: int) -> bool:
        return self.r0 <= int(self.tl.grid.day_of(t)) < self.r1

    def finding(
        self,
        rule_id: str,
        start: Any,
        end: Any,
        message: str,
        values: dict[str, Any] | None = None,
        periods: tuple[DutyPeriod, ...] = (),
        severity: Severity | None = None,
        status: Status = Status.FAIL,
        tags: tuple[str, ...] = (),
    ) -> Finding:
        r = RULES[rule_id]
        if isinstance(start, int | np.integer):
            start = self.tl.grid.local(int(start))
        if isinstance(end, int | np.integer):
            end = self.tl.grid.local(int(end))
        return Finding(
            rule=rule_id,
            severity=severity or r.severity,
            person_id=self.tl.person_id,
            person_name=self.tl.name,
            start=start,
            end=end,
            message=message,
            status=status,
            citation=r.citation,
            values=values or {},
            tags=tags,
            periods=periods,
        )


@dataclass
class WindowInput:
    """Per-window sums plus which windows are evaluable and reportable."""

    stats: WindowStats
    evaluable: np.ndarray  # bool per window: enough data and history
    report: np.ndarray  # bool per window: overlaps the evaluation range

    def candidates(self) -> np.ndarray:
        return np.flatnonzero(self.evaluable & self.report)


def hours(minutes: int) -> float:
    return round(minutes / 60, 2)


def hm(minutes: int) -> str:
    sign = "-" if minutes < 0 else ""
    m = abs(int(minutes))
    return f"{sign}{m // 60}:{m % 60:02d}"
