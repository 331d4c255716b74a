"""Compliance of a Schedule: derive its duty periods and evaluate them with the program's settings."""

from __future__ import annotations

from datetime import date

from residency.compliance.config import EngineConfig
from residency.compliance.engine import evaluate
from residency.compliance.findings import Report
from residency.compliance.windows import Mode
from residency.domain.duty_periods import DutyData, derive
from residency.domain.program import Program
from residency.domain.schedule import Schedule


def config_for(program: Program, data: DutyData, mode: Mode | str = Mode.ACGME) -> EngineConfig:
    """ACGME-mode windows are rotation segments, and a year's first blocks start on its first day: they
    need nothing from before it. Rolling and calendar-month windows that reach back before the year
    are reported INSUFFICIENT_HISTORY."""
    mode = Mode(mode)
    return EngineConfig(
        history_complete=mode == Mode.ACGME,
        mode=Mode(mode),
        timezone=program.year.timezone,
        people=dict(data.people),
        missing_data=dict(data.missing_data),
        history_start=program.year.start,
    )


def check_schedule(
    program: Program,
    schedule: Schedule,
    mode: Mode | str = Mode.ACGME,
    start: date | None = None,
    end: date | None = None,
) -> Report:
    data = derive(program, schedule)
    config = config_for(program, data, mode)
    return evaluate(data.periods, config, start or program.year.start, end or program.year.end)
