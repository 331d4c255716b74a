"""A plain hand-made schedule for tests that need one without running the solver."""

from datetime import timedelta

from residency.domain.calendar import HalfDay
from residency.domain.program import BlockAssignment, PersonKind, Program
from residency.domain.schedule import CallAssignment, Schedule


def pattern_schedule(program: Program, rotation: str = "FMC1") -> Schedule:
    """Every resident on ``rotation``'s pattern all year, faculty on W; one in-house call a week for
    the first PGY-2 or PGY-3 resident."""
    rot = program.rotation(rotation)
    s = Schedule.empty(program)
    blocks = []
    for person in program.people:
        for block in program.year.blocks:
            if person.kind == PersonKind.RESIDENT:
                blocks.append(BlockAssignment(person.key, block.number, rot.abbreviation))
            for i, day in enumerate(block.dates()):
                for half in HalfDay:
                    code = rot.code_on(i, half) if person.kind == PersonKind.RESIDENT else "W"
                    s.set(person.key, day, half, code)
    s.block_assignments = tuple(blocks)
    senior = next(p for p in program.residents() if (p.pgy_on(program.year.start) or 0) >= 2)
    pool = next(p for p in program.call_pools if p.kind.value == "in_house" and 0 in p.weekdays)
    first_monday = program.year.start + timedelta(days=(7 - program.year.start.weekday()) % 7)
    s.calls = tuple(CallAssignment(senior.key, first_monday + timedelta(days=7 * w), pool.name) for w in range(3))
    return s
