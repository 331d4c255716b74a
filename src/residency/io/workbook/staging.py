"""What an import would write, before anything is written: the staging report.

Every thing read from the workbook is an ``Item`` marked
- ``created``: new to the program (a person, a rotation, an activity code, an absence),
- ``matched``: the program (or the built-in catalogue) already knows it,
- ``ambiguous``: read with a best guess that a person should check (applied as guessed),
- ``not_understood``: not applied,
- ``skipped``: deliberately left out (archived templates, rows with no name, blocks of another year),
with the sheet and cell it came from.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from residency.domain.calendar import AcademicYear, HalfDay
from residency.domain.program import Absence, Activity, BlockAssignment, CallPool, Person, Rotation
from residency.domain.schedule import CallAssignment

STATUSES = ("created", "matched", "ambiguous", "not_understood", "skipped")
PROBLEMS = ("ambiguous", "not_understood")


class WorkbookError(Exception):
    """The file cannot be imported at all (not a workbook, nothing recognisable)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class Item:
    kind: str  # sheet | year | block | person | template | rotation | assignment | absence | cell | call | activity
    status: str
    text: str
    value: str | None = None
    sheet: str | None = None
    cell: str | None = None
    note: str = ""

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "status": self.status,
            "text": self.text,
            "value": self.value,
            "sheet": self.sheet,
            "cell": self.cell,
            "note": self.note,
        }


@dataclass
class Staging:
    filename: str
    sha256: str
    year: AcademicYear
    sheets: list[dict] = field(default_factory=list)
    people: dict[str, Person] = field(default_factory=dict)  # every person the import refers to
    new_people: list[str] = field(default_factory=list)
    activities: dict[str, Activity] = field(default_factory=dict)  # code -> activity, known + new
    new_activities: list[str] = field(default_factory=list)
    rotations: dict[str, Rotation] = field(default_factory=dict)  # abbreviation -> rotation used
    new_rotations: list[str] = field(default_factory=list)
    call_pools: dict[str, CallPool] = field(default_factory=dict)
    new_call_pools: list[str] = field(default_factory=list)
    block_assignments: list[BlockAssignment] = field(default_factory=list)
    cells: dict[tuple[str, date, HalfDay], str] = field(default_factory=dict)
    calls: list[CallAssignment] = field(default_factory=list)
    absences: list[Absence] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    program_is_new: bool = True

    def add(self, kind: str, status: str, text: object, value: object = None, sheet=None, cell=None, note="") -> Item:
        item = Item(kind, status, str(text), None if value is None else str(value), sheet, cell, note)
        self.items.append(item)
        return item

    def problems(self) -> list[Item]:
        return [i for i in self.items if i.status in PROBLEMS]

    def summary(self) -> dict[str, dict[str, int]]:
        out: dict[str, Counter] = {}
        for i in self.items:
            out.setdefault(i.kind, Counter())[i.status] += 1
        return {k: dict(sorted(v.items())) for k, v in sorted(out.items())}

    def report(self, *, cell_items: bool = False) -> dict:
        """The staging report as JSON-ready data. Half-day cells are summarised (only their problems
        are listed) unless ``cell_items``."""
        items = [i for i in self.items if cell_items or i.kind != "cell" or i.status in PROBLEMS]
        return {
            "file": self.filename,
            "sha256": self.sha256,
            "academic_year": {
                "label": self.year.label,
                "start": self.year.start.isoformat(),
                "end": self.year.end.isoformat(),
                "blocks": [
                    {"number": b.number, "start": b.start.isoformat(), "end": b.end.isoformat()}
                    for b in self.year.blocks
                ],
            },
            "program_is_new": self.program_is_new,
            "sheets": self.sheets,
            "counts": self.counts,
            "summary": self.summary(),
            "problems": [i.to_dict() for i in self.problems()],
            "items": [i.to_dict() for i in items],
        }
