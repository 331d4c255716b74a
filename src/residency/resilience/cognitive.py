"""Cognitive load: the coordinator's decision queue, and the change burden of a draft.

The queue is built from real items:
- pending leave requests (``Absence.status == requested``), due before the leave starts;
- compliance findings (``Finding`` objects from the compliance engine), due at once;
- uncovered units (scheduled people do not fill a requirement), due on their day;
- procedure credentials and certifications expiring within the look-ahead (or already expired).

Each item gets an urgency = weight of its kind × (1 + 3 / (1 + days_left / 7)), so a near deadline
triples the weight and a far one leaves it; overdue items count as due today. The queue is sorted by
urgency, then deadline.

The change burden of a draft against the published schedule counts changed cells, people, calls and
days, and grades it A (nothing) … F (too many people to brief).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from residency.compliance.findings import Finding, Report, Severity, Status
from residency.domain.program import AbsenceStatus, Program
from residency.domain.schedule import Schedule
from residency.resilience.demand import Coverage
from residency.resilience.homeostasis import changed_cells


class ItemKind(StrEnum):
    VIOLATION = "violation"
    UNCOVERED = "uncovered"
    EXPIRING_CREDENTIAL = "expiring_credential"
    EXPIRING_CERTIFICATION = "expiring_certification"
    LEAVE_REQUEST = "leave_request"
    WARNING = "warning"


WEIGHTS = {
    ItemKind.VIOLATION: 100.0,
    ItemKind.UNCOVERED: 80.0,
    ItemKind.EXPIRING_CREDENTIAL: 50.0,
    ItemKind.EXPIRING_CERTIFICATION: 40.0,
    ItemKind.LEAVE_REQUEST: 30.0,
    ItemKind.WARNING: 20.0,
}


@dataclass(frozen=True, slots=True)
class DecisionItem:
    kind: ItemKind
    title: str
    deadline: date
    urgency: float
    person: str | None = None
    ref: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "title": self.title,
            "person": self.person,
            "deadline": self.deadline.isoformat(),
            "urgency": round(self.urgency, 2),
            "ref": self.ref,
        }


@dataclass(frozen=True, slots=True)
class DecisionQueue:
    as_of: date
    items: tuple[DecisionItem, ...]

    @property
    def by_kind(self) -> dict[str, int]:
        return dict(Counter(i.kind.value for i in self.items))

    @property
    def load(self) -> float:
        """Total urgency: a single number for the coordinator's load."""
        return sum(i.urgency for i in self.items)

    def to_dict(self, limit: int = 50) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "total": len(self.items),
            "by_kind": self.by_kind,
            "load": round(self.load, 1),
            "items": [i.to_dict() for i in self.items[:limit]],
        }


def urgency(kind: ItemKind, deadline: date, as_of: date) -> float:
    days_left = max(0, (deadline - as_of).days)
    return WEIGHTS[kind] * (1 + 3 / (1 + days_left / 7))


def build_queue(
    program: Program,
    *,
    as_of: date,
    findings: Report | Iterable[Finding] | None = None,
    coverage: Coverage | None = None,
    lookahead_days: int = 90,
    max_findings: int = 200,
) -> DecisionQueue:
    items: list[DecisionItem] = []
    horizon = as_of + timedelta(days=lookahead_days)
    for a in program.absences:
        if a.status == AbsenceStatus.REQUESTED and a.end >= as_of:
            deadline = max(as_of, a.start - timedelta(days=1))
            items.append(
                DecisionItem(
                    ItemKind.LEAVE_REQUEST,
                    f"{a.type.value} request {a.start.isoformat()}..{a.end.isoformat()}",
                    deadline,
                    urgency(ItemKind.LEAVE_REQUEST, deadline, as_of),
                    a.person,
                    {"start": a.start.isoformat(), "end": a.end.isoformat(), "type": a.type.value},
                )
            )
    if findings is not None:
        listed = findings.findings if isinstance(findings, Report) else list(findings)
        for f in listed[:max_findings]:
            if f.status not in (Status.FAIL, Status.DATA_ERROR):
                continue
            kind = ItemKind.VIOLATION if f.severity == Severity.VIOLATION else ItemKind.WARNING
            items.append(
                DecisionItem(
                    kind,
                    f"{f.rule}: {f.message}",
                    as_of,
                    urgency(kind, as_of, as_of),
                    f.person_id,
                    {"rule": f.rule, "start": f.start.isoformat(), "end": f.end.isoformat()},
                )
            )
    if coverage is not None:
        for g in coverage.gaps:
            if as_of <= g.day <= horizon:
                items.append(
                    DecisionItem(
                        ItemKind.UNCOVERED,
                        f"{g.day.isoformat()} {g.period}: {', '.join(g.services)} short by {g.missing}",
                        g.day,
                        urgency(ItemKind.UNCOVERED, g.day, as_of),
                        None,
                        {"day": g.day.isoformat(), "period": g.period, "services": list(g.services)},
                    )
                )
    for c in program.credentials:
        if c.expires is not None and c.expires <= horizon and c.status == "active":
            items.append(
                DecisionItem(
                    ItemKind.EXPIRING_CREDENTIAL,
                    f"{c.procedure} credential {'expired' if c.expires < as_of else 'expires'} {c.expires.isoformat()}",
                    c.expires,
                    urgency(ItemKind.EXPIRING_CREDENTIAL, c.expires, as_of),
                    c.person,
                    {"procedure": c.procedure, "expires": c.expires.isoformat()},
                )
            )
    for c in program.certifications:
        if c.expires <= horizon:
            items.append(
                DecisionItem(
                    ItemKind.EXPIRING_CERTIFICATION,
                    f"{c.certification} {'expired' if c.expires < as_of else 'expires'} {c.expires.isoformat()}",
                    c.expires,
                    urgency(ItemKind.EXPIRING_CERTIFICATION, c.expires, as_of),
                    c.person,
                    {"certification": c.certification, "expires": c.expires.isoformat()},
                )
            )
    items.sort(key=lambda i: (-i.urgency, i.deadline, i.kind.value, i.person or ""))
    return DecisionQueue(as_of, tuple(items))


@dataclass(frozen=True, slots=True)
class ChangeBurden:
    cells: int
    people: int
    calls: int
    days: int
    grade: str
    changed_people: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "cells": self.cells,
            "people": self.people,
            "calls": self.calls,
            "days": self.days,
            "grade": self.grade,
            "changed_people": list(self.changed_people),
        }


# (grade, max people, max cells): the first row the change fits in
GRADES: Sequence[tuple[str, int, int]] = (("A", 0, 0), ("B", 2, 10), ("C", 5, 40), ("D", 10, 120))


def change_burden(draft: Schedule, published: Schedule, grades: Sequence[tuple[str, int, int]] = GRADES):
    cells = changed_cells(draft, published)
    per_person = cells.sum(axis=(1, 2))
    old = {(c.person, c.night, c.pool) for c in published.calls}
    new = {(c.person, c.night, c.pool) for c in draft.calls}
    call_changes = old ^ new
    changed = {draft.people[r] for r, n in enumerate(per_person) if n} | {p for p, _, _ in call_changes}
    days = set(map(int, cells.any(axis=(0, 2)).nonzero()[0])) | {(n - draft.start).days for _, n, _ in call_changes}
    n_cells = int(cells.sum())
    grade = "F"
    for g, max_people, max_cells in grades:
        if len(changed) <= max_people and n_cells + len(call_changes) <= max_cells:
            grade = g
            break
    return ChangeBurden(n_cells, len(changed), len(call_changes), len(days), grade, tuple(sorted(changed)))
