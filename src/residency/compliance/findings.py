"""Findings, reports and the diff of two reports.

A finding is identified by a stable key (rule, person, start, end, status) so that two reports of
the same schedule before and after an edit can be compared: what the edit creates, clears or changes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from residency.domain.duty import DutyPeriod


class Severity(StrEnum):
    VIOLATION = "violation"
    WARNING = "warning"
    INFO = "info"


class Status(StrEnum):
    FAIL = "FAIL"  # the rule's predicate is false
    NOTE = "NOTE"  # informational (e.g. a logged self-initiated stay)
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"  # too few non-leave days to average
    INSUFFICIENT_HISTORY = "INSUFFICIENT_HISTORY"  # the window needs days before the data starts
    DATA_ERROR = "DATA_ERROR"  # the input contradicts itself (overlaps)


# Tags that qualify a finding without changing its key.
STRICT_ONLY = "STRICT_ONLY"  # found by rolling mode only, not by ACGME (by-rotation) averaging
Q3_BOUNDARY = "Q3_BOUNDARY"  # a literal q3 pattern: ceil(days/3) calls, every gap >= 3 days
PROVISIONAL = "PROVISIONAL"  # numbers computed on incomplete history


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    person_id: str
    start: date | datetime
    end: date | datetime  # windows: last day inclusive; periods: exclusive instant
    message: str
    status: Status = Status.FAIL
    citation: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    periods: tuple[DutyPeriod, ...] = ()  # the duty periods that caused it
    person_name: str = ""

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.rule, self.person_id, self.start.isoformat(), self.end.isoformat(), self.status.value)

    def with_tags(self, *tags: str) -> Finding:
        return replace(self, tags=tuple(dict.fromkeys(self.tags + tags)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "status": self.status.value,
            "person_id": self.person_id,
            "person_name": self.person_name,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "citation": self.citation,
            "values": self.values,
            "tags": list(self.tags),
            "message": self.message,
            "periods": [
                {"start": p.start.isoformat(), "end": p.end.isoformat(), "kind": p.kind.value, "activity": p.activity}
                for p in self.periods
            ],
        }


def _sort_key(f: Finding) -> tuple:
    start = f.start if isinstance(f.start, datetime) else datetime(f.start.year, f.start.month, f.start.day)
    return (f.person_id, start.replace(tzinfo=None), f.rule, f.status.value)


@dataclass(frozen=True, slots=True)
class Report:
    """All findings of one evaluation, grouped by person so one person can be replaced."""

    by_person: dict[str, tuple[Finding, ...]]
    mode: str = "acgme"
    start: date | None = None
    end: date | None = None

    @property
    def findings(self) -> list[Finding]:
        out = [f for pid in sorted(self.by_person) for f in self.by_person[pid]]
        return sorted(out, key=_sort_key)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.VIOLATION]

    @property
    def has_violations(self) -> bool:
        return any(f.severity == Severity.VIOLATION for fs in self.by_person.values() for f in fs)

    def replace_person(self, person_id: str, findings: list[Finding] | tuple[Finding, ...]) -> Report:
        people = dict(self.by_person)
        people[person_id] = tuple(findings)
        return replace(self, by_person=people)

    def summary(self) -> dict[str, Any]:
        findings = self.findings
        by_rule: dict[str, dict[str, int]] = {}
        for f in findings:
            by_rule.setdefault(f.rule, Counter())[f.severity.value] += 1
        return {
            "mode": self.mode,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "people": len(self.by_person),
            "total": len(findings),
            "by_severity": dict(Counter(f.severity.value for f in findings)),
            "by_status": dict(Counter(f.status.value for f in findings)),
            "by_rule": {rule: dict(c) for rule, c in sorted(by_rule.items())},
        }

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary(), "findings": [f.to_dict() for f in self.findings]}


@dataclass(frozen=True, slots=True)
class ReportDiff:
    created: tuple[Finding, ...]
    cleared: tuple[Finding, ...]
    changed: tuple[tuple[Finding, Finding], ...]  # (before, after) with the same key

    @property
    def empty(self) -> bool:
        return not (self.created or self.cleared or self.changed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "created": [f.to_dict() for f in self.created],
            "cleared": [f.to_dict() for f in self.cleared],
            "changed": [{"before": a.to_dict(), "after": b.to_dict()} for a, b in self.changed],
        }


def diff_findings(before: list[Finding], after: list[Finding]) -> ReportDiff:
    old = {f.key: f for f in before}
    new = {f.key: f for f in after}
    created = tuple(sorted((new[k] for k in new.keys() - old.keys()), key=_sort_key))
    cleared = tuple(sorted((old[k] for k in old.keys() - new.keys()), key=_sort_key))
    changed = tuple(
        (old[k], new[k])
        for k in sorted(old.keys() & new.keys())
        if (old[k].severity, old[k].values, old[k].tags) != (new[k].severity, new[k].values, new[k].tags)
    )
    return ReportDiff(created, cleared, changed)


def diff(before: Report, after: Report) -> ReportDiff:
    return diff_findings(before.findings, after.findings)
