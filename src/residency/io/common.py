"""What the exports share: who comes first, which rotation a day belongs to, what kind a code is."""

from __future__ import annotations

from datetime import date, time

from residency.domain.calendar import Block
from residency.domain.program import Activity, ActivityCategory, Person, PersonKind, Program
from residency.domain.schedule import UNFILLED, Schedule

HALVES = ("AM", "PM")
NIGHT_CODES = frozenset({"NF", "PedNF", "LDNF", "CALL"})
HOLIDAY_CODES = frozenset({"FED", "HOL"})
# Kinds of code the block sheet colours, with their fill colours (ARGB without '#').
KIND_COLOURS = {
    "absence": "F4CCCC",
    "off": "EEEEEE",
    "holiday": "FFE599",
    "inpatient": "C9DAF8",
    "night": "B4A7D6",
    "clinic": "D9EAD3",
    "other": "FFFFFF",
}


def code_kind(activity: Activity) -> str:
    """absence | off | holiday | inpatient | night | clinic | other."""
    if activity.category == ActivityCategory.LEAVE:
        return "absence"
    if activity.code in HOLIDAY_CODES:
        return "holiday"
    if activity.category == ActivityCategory.OFF:
        return "off"
    if activity.code in NIGHT_CODES or activity.category == ActivityCategory.CALL or activity.pm_start >= time(18, 0):
        return "night"
    if activity.category == ActivityCategory.CLINICAL and activity.am_start < time(8, 0):
        return "inpatient"
    if activity.supervision_load or activity.provides_supervision or activity.code.upper().startswith("C"):
        return "clinic"
    return "other"


def ordered_people(program: Program, day: date) -> list[Person]:
    """Residents by PGY (senior first), then faculty, then everyone else; by name within a group."""

    def rank(p: Person) -> tuple:
        if p.kind == PersonKind.RESIDENT:
            return (0, -(p.pgy_on(day) or 0), p.name)
        if p.kind == PersonKind.FACULTY:
            return (1, 0, p.name)
        return (2, 0, p.name)

    return sorted(program.people, key=rank)


def rotation_on(schedule: Schedule, blocks: tuple[Block, ...], person: str, day: date) -> str | None:
    """The rotation ``person`` is on on ``day`` (block assignments, half-blocks honoured)."""
    block = next((b for b in blocks if b.contains(day)), None)
    if block is None:
        return None
    second = day >= block.midpoint
    found = None
    for a in schedule.block_assignments:
        if a.person != person or a.block != block.number:
            continue
        if a.part == "whole":
            found = found or a.rotation
        elif (a.part == "second_half") == second:
            return a.rotation
    return found


def rotations_in_block(schedule: Schedule, person: str, number: int) -> tuple[str | None, str | None]:
    """(first column, second column) of a person's block cell: whole -> (rot, None)."""
    whole = first = second = None
    for a in schedule.block_assignments:
        if a.person == person and a.block == number:
            if a.part == "whole":
                whole = a.rotation
            elif a.part == "first_half":
                first = a.rotation
            else:
                second = a.rotation
    if first or second:
        return first, second
    return whole, None


def cell(schedule: Schedule, row: int, d: int, h: int) -> str | None:
    v = int(schedule.grid[row, d, h])
    return None if v == UNFILLED else schedule.codes[v]
