"""The compliance engine's verdict on a schedule, shared by the ACGME constraints' ``measure``."""

from __future__ import annotations

from residency.compliance.findings import Finding, Severity
from residency.compliance.of_schedule import check_schedule
from residency.domain.program import Program
from residency.domain.schedule import Schedule

_CACHE: dict[tuple, list[Finding]] = {}


def _key(program: Program, schedule: Schedule) -> tuple:
    return (id(program), id(schedule), schedule.grid.tobytes().__hash__(), hash(schedule.calls),
            hash(schedule.block_assignments))  # fmt: skip


def violations(program: Program, schedule: Schedule) -> list[Finding]:
    """Findings of severity VIOLATION (warnings such as RST-01 "should" and INFO notes excluded)."""
    key = _key(program, schedule)
    if key not in _CACHE:
        if len(_CACHE) > 8:
            _CACHE.clear()
        report = check_schedule(program, schedule)
        _CACHE[key] = [f for f in report.findings if f.severity == Severity.VIOLATION]
    return _CACHE[key]
