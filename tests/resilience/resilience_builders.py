"""Fixtures for resilience tests: the hand-made schedule lives in ``residency.sample.handmade`` so the
benchmark shares it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import lru_cache

from residency.domain.program import Absence, AbsenceStatus, AbsenceType, Program
from residency.domain.schedule import Schedule
from residency.sample import build_program
from residency.sample.handmade import realistic_schedule

__all__ = ["realistic_schedule", "sample", "with_absences"]


@lru_cache(maxsize=4)
def sample(size: str = "realistic") -> tuple[Program, Schedule]:
    """The sample program and its built schedule (cached: treat both as read-only)."""
    program = build_program(size, 0)
    return program, realistic_schedule(program)


def with_absences(program: Program, keys: list[str], start: date, end: date, status=AbsenceStatus.APPROVED) -> Program:
    extra = tuple(Absence(k, start, end, type=AbsenceType.SICK, status=status) for k in keys)
    return replace(program, absences=program.absences + extra)
