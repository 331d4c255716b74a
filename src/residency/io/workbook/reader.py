"""Read a program workbook into a ``Staging``: sheets and header rows are found by their content.

- a **block schedule** sheet has a header row of "block 1" … "block 13" labels (one block = two
  columns: a value in the second column, or two values, is a half-block split) with the blocks'
  "start - end" text in the row below; residents are rows with a name in the first column, grouped
  under "PGY n" headings, each followed by a row of free-text leave notes;
- a **block** sheet ("Block 9") has a "Date:" row with one date every two columns (AM, PM), weekday
  names above it, "Staff Call" / "Resident Call" rows, then one row per person: rotation(s) on the
  left, class and role ("R3", "PGY 3", "FAC", "ADJ"), name, then the half-day codes; tallies and
  staffing formulas are ignored;
- a **templates** sheet has an "am pm am pm …" row; each row below with a title and codes is a
  rotation pattern (4 weeks x 7 days x AM/PM), grouped under "PGY n Rotations", "Elective …" and
  "ARCHIVED …" headings (archived ones are skipped).
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from residency.domain.calendar import (
    AcademicYear,
    Block,
    HalfDay,
    LayoutError,
    check_layout,
    layout_workbook,
    us_federal_holidays,
)
from residency.domain.program import (
    PATTERN_CELLS,
    Absence,
    AbsenceStatus,
    AbsenceType,
    Activity,
    ActivityCategory,
    BlockAssignment,
    CallKind,
    CallPool,
    FacultyRole,
    Person,
    PersonKind,
    PgyLevel,
    Program,
    Rotation,
)
from residency.domain.schedule import CallAssignment
from residency.io.workbook.dates import explicit_year, parse_note, parse_span
from residency.io.workbook.matching import RotationMatcher, match_code, normalise, strip_qualifier
from residency.io.workbook.staging import Staging, WorkbookError
from residency.io.workbook.text import is_formula, name_key, ref, slug, text

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FACULTY_ROLES = {"fac", "faculty", "adj", "adjunct", "c19", "spec", "brp", "brpa", "pd", "apd", "core", "chief"}
CONTINUITY_CODES = frozenset({"C", "CV"})
STAFF_CALL_POOL = "Faculty staff call"
RESIDENT_CALL_POOL = "Resident in-house call"


def load_workbook(data: bytes):
    try:
        return openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise WorkbookError("not_a_workbook", "the file is not an Excel workbook (.xlsx)") from exc
    except Exception as exc:  # openpyxl raises many kinds on damaged files
        raise WorkbookError("not_a_workbook", f"the workbook cannot be read ({type(exc).__name__})") from exc


def weekday_of(value: str) -> int | None:
    v = value.lower()[:3]
    if v == "thu" or value.lower() == "th":
        return 3
    return WEEKDAYS.index(v) if v in WEEKDAYS else None


def _rows(ws):
    """Cell values by (row, col), merged ranges not expanded (a merged cell's value is in its first cell)."""
    return {(c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value is not None}


def classify(ws) -> tuple[str, dict]:
    """("block_schedule" | "block" | "templates" | "unrecognised", what was found)."""
    values = _rows(ws)
    by_row: dict[int, list[tuple[int, object]]] = {}
    for (r, c), v in values.items():
        by_row.setdefault(r, []).append((c, v))
    for r in sorted(by_row):
        cells = sorted(by_row[r])
        labels = [(c, re.fullmatch(r"block\s*(\d{1,2})", text(v), re.I)) for c, v in cells]
        blocks = [(c, int(m.group(1))) for c, m in labels if m]
        if len(blocks) >= 4:
            return "block_schedule", {"header_row": r, "labels": blocks}
    for r in sorted(by_row):
        cells = sorted(by_row[r])
        for c, v in cells:
            if re.fullmatch(r"dates?\s*:?", text(v), re.I):
                dates = [(cc, vv) for cc, vv in cells if cc > c and isinstance(vv, datetime | date)]
                if len(dates) >= 7:
                    return "block", {"date_row": r, "label_col": c, "dates": dates}
    for r in sorted(by_row):
        halves = [c for c, v in by_row[r] if text(v).lower() in ("am", "pm")]
        if len(halves) >= 20:
            return "templates", {"ampm_row": r, "first_col": min(halves)}
    return "unrecognised", {}


# --------------------------------------------------------------------------------------------------
# context: what the program (or the built-in catalogue) already knows


@dataclass
class Known:
    program: Program | None  # the target program as stored, None for a new one


def _catalogue(year: AcademicYear) -> tuple[tuple[Activity, ...], tuple[Rotation, ...], dict[str, str]]:
    from collections import Counter

    from residency.sample.activities import build_activities
    from residency.sample.rotations import build_rotations, templates

    counts = Counter(b.start.weekday() for b in year.blocks)
    anchor = max(counts, key=lambda k: (counts[k], -k)) if counts else 3
    titles = {t.abbreviation: t.source_title for t in templates()}
    return build_activities(), build_rotations(anchor), titles


def _anchor(year: AcademicYear) -> int:
    from collections import Counter

    counts = Counter(b.start.weekday() for b in year.blocks)
    return max(counts, key=lambda k: (counts[k], -k)) if counts else year.start.weekday()


# --------------------------------------------------------------------------------------------------


class Reader:
    def __init__(self, data: bytes, filename: str, known: Known, year_start: int | None) -> None:
        self.wb = load_workbook(data)
        self.filename = filename
        self.known = known
        self.year_hint = year_start
        self.sha = hashlib.sha256(data).hexdigest()
        self.kinds: dict[str, list] = {"block_schedule": [], "block": [], "templates": [], "unrecognised": []}
        self.sheet_rows: list[dict] = []
        for ws in self.wb.worksheets:
            kind, info = classify(ws)
            self.kinds[kind].append((ws, info))
            self.sheet_rows.append({"name": ws.title, "kind": kind})
        if not (self.kinds["block_schedule"] or self.kinds["block"] or self.kinds["templates"]):
            names = ", ".join(ws.title for ws in self.wb.worksheets)
            raise WorkbookError(
                "no_recognisable_sheet",
                f"no sheet looks like a block schedule, a block grid or rotation templates (sheets: {names})",
            )

    # ---- year ----------------------------------------------------------------------------------
    def read_year(self) -> AcademicYear:
        st = self.st_year_items = []
        known_year = self.known.program.year if self.known.program else None
        start_year = self.year_hint
        if start_year is None and self.kinds["block_schedule"]:
            ws, info = self.kinds["block_schedule"][0]
            for c in range(1, ws.max_column + 1):
                for r in (info["header_row"], info["header_row"] + 1):
                    found = explicit_year(ws.cell(r, c).value)
                    if found:
                        month, y = found
                        start_year = y if month >= 7 else y - 1
                        break
                if start_year:
                    break
        if start_year is None and known_year is not None:
            start_year = known_year.start.year
        if start_year is None and self.kinds["block"]:
            ws, info = self.kinds["block"][0]
            first = min(info["dates"])[1]
            first = first.date() if isinstance(first, datetime) else first
            start_year = first.year if first.month >= 7 else first.year - 1
            st.append(("ambiguous", "academic year taken from the block sheet's dates", ws.title))
        if start_year is None:
            raise WorkbookError("no_year", "the academic year cannot be told from the workbook: give --year")
        start = date(start_year, 7, 1)
        end = date(start_year + 1, 6, 30)
        label = f"AY{start_year}-{(start_year + 1) % 100:02d}"
        if known_year is not None and known_year.label == label:
            return known_year
        blocks = self._blocks_from_header(start, end)
        if blocks is None:
            blocks = layout_workbook(start)
            st.append(("ambiguous", "block dates not readable: the 13-block workbook layout is assumed", None))
        return AcademicYear(
            label=label,
            start=start,
            end=blocks[-1].end,
            blocks=tuple(blocks),
            holidays=tuple(us_federal_holidays(start, blocks[-1].end)),
        )

    def _blocks_from_header(self, start: date, end: date) -> list[Block] | None:
        if not self.kinds["block_schedule"]:
            return None
        ws, info = self.kinds["block_schedule"][0]
        r = info["header_row"]
        blocks = []
        seen = set()
        for c, number in info["labels"]:
            if number in seen:  # the labels start again: next year's blocks
                break
            seen.add(number)
            span = None
            for rr in (r + 1, r + 2):
                span = parse_span(ws.cell(rr, c).value, start)
                if span:
                    break
            if span is None:
                return None
            blocks.append(Block(number, span[0], span[1]))
        try:
            check_layout(start, blocks[-1].end if blocks else end, blocks)
        except LayoutError:
            return None
        if blocks[-1].end != end:
            return None
        return blocks

    # ---- the whole read --------------------------------------------------------------------------
    def stage(self) -> Staging:
        year = self.read_year()
        st = Staging(self.filename, self.sha, year, sheets=self.sheet_rows)
        self.st = st
        for status, note, sheet in self.st_year_items:
            st.add("year", status, year.label, year.label, sheet, None, note)
        st.add("year", "matched" if self.known.program else "created", year.label, year.label)
        for b in year.blocks:
            st.add("block", "matched" if self.known.program else "created", f"block {b.number}", f"{b.start}..{b.end}")
        st.program_is_new = self.known.program is None
        self._init_catalogue(year)
        for ws, _info in self.kinds["unrecognised"]:
            st.add("sheet", "skipped", ws.title, sheet=ws.title, note="not a block schedule, block grid or templates")
        for ws, info in self.kinds["templates"]:
            self.read_templates(ws, info)
        for ws, info in self.kinds["block_schedule"]:
            self.read_block_schedule(ws, info)
        for ws, info in self.kinds["block"]:
            self.read_block_sheet(ws, info)
        self._count()
        return st

    def _init_catalogue(self, year: AcademicYear) -> None:
        st = self.st
        self.matcher = RotationMatcher()
        self.catalogue_rotations: dict[str, Rotation] = {}
        prog = self.known.program
        if prog is not None:
            from residency.sample.rotations import templates

            activities, rotations = prog.activities, prog.rotations
            titles = {t.abbreviation: t.source_title for t in templates()}
            for p in prog.people:
                st.people[p.key] = p
            for pool in prog.call_pools:
                st.call_pools[pool.name] = pool
        else:
            activities, rotations, titles = _catalogue(year)
        for a in activities:
            st.activities[a.code] = a
        for r in rotations:
            self.catalogue_rotations[r.abbreviation] = r
            self.matcher.add(r.abbreviation, r.name, titles.get(r.abbreviation, ""), eligible_pgy=r.eligible_pgy)
        self.codes_lower = {c.lower(): c for c in st.activities}
        self.bs_texts: dict[tuple[str, int], tuple[str, ...]] = {}
        self.consumed: set[tuple[int, int]] = set()
        self.name_index: dict[str, list[str]] = {}
        for p in st.people.values():
            self.name_index.setdefault(name_key(p.name), []).append(p.key)

    # ---- helpers -------------------------------------------------------------------------------
    def use_rotation(self, abbr: str) -> Rotation:
        rot = self.st.rotations.get(abbr) or self.catalogue_rotations[abbr]
        self.st.rotations[abbr] = rot
        return rot

    def code(self, raw: str, sheet: str, cell: str) -> str | None:
        status, code = match_code(raw, self.codes_lower)
        if status == "created" and code not in self.st.activities:
            self.st.activities[code] = Activity(
                code=code,
                name=f"{code} (imported from {sheet}; meaning not recorded)",
                category=ActivityCategory.CLINICAL,
            )
            self.st.new_activities.append(code)
            self.codes_lower[code.lower()] = code
            self.st.add("activity", "created", raw, code, sheet, cell, "unknown code: added as a clinical activity")
        if status == "not_understood":
            return None
        return code

    def new_person_key(self, name: str, prefix: str = "") -> str:
        base = slug(f"{prefix}{name}")
        key, n = base, 2
        while key in self.st.people:
            key, n = f"{base}-{n}", n + 1
        return key[:64]

    def add_person(self, person: Person) -> None:
        self.st.people[person.key] = person
        self.st.new_people.append(person.key)
        self.name_index.setdefault(name_key(person.name), []).append(person.key)

    # ---- templates -----------------------------------------------------------------------------
    def read_templates(self, ws, info) -> None:
        st = self.st
        values = _rows(ws)
        r0, c0 = info["ampm_row"], info["first_col"]
        # weekday of the first column, from the row above the am/pm row
        first_weekday = None
        for rr in range(r0 - 1, max(r0 - 3, 0), -1):
            wd = weekday_of(text(values.get((rr, c0))))
            if wd is not None:
                first_weekday = wd
                break
        if first_weekday is None:
            first_weekday = 3
            st.add("template", "ambiguous", ws.title, sheet=ws.title, cell=ref(r0, c0), note="no weekday: Thursday")
        anchor = _anchor(st.year)
        group_pgy: tuple[int, ...] = (1, 2, 3)
        archived = False
        from residency.sample.rotations import anchor_pattern

        for r in range(r0 + 1, ws.max_row + 1):
            title = text(values.get((r, 1)))
            cells = [text(values.get((r, c0 + i))) for i in range(PATTERN_CELLS)]
            filled = sum(1 for c in cells if c)
            heading = re.search(r"PGY\s*-?\s*(\d)", title, re.I)
            if filled <= 1 and title:
                if "archiv" in title.lower():
                    archived = True
                elif heading:
                    group_pgy, archived = (int(heading.group(1)),), False
                elif "elective" in title.lower():
                    group_pgy, archived = (2, 3), False
                continue
            if not title or filled == 0:
                continue
            where = ref(r, 1)
            if archived:
                st.add("template", "skipped", title, sheet=ws.title, cell=where, note="archived")
                continue
            if filled < PATTERN_CELLS:
                fixed = _fill_gaps(cells)
                if fixed is None:
                    st.add(
                        "template",
                        "not_understood",
                        title,
                        sheet=ws.title,
                        cell=where,
                        note=f"only {filled} of {PATTERN_CELLS} half-days",
                    )
                    continue
                cells = fixed
                gap_note = f"{PATTERN_CELLS - filled} empty half-day(s) filled from the same day a week apart"
            else:
                gap_note = ""
            codes = []
            for i, raw in enumerate(cells):
                code = self.code(raw, ws.title, ref(r, c0 + i))
                codes.append(code or "OFF")
            pattern = anchor_pattern(tuple(codes), first_weekday, anchor)
            base, _q = strip_qualifier(title)
            match = self.matcher.match(title, group_pgy[0] if len(group_pgy) == 1 else None)
            exact = match.key and {normalise(title), normalise(base)} & self.matcher.candidates[match.key].names
            if match.status == "matched" and (exact or match.key not in st.new_rotations):
                self.use_rotation(match.key)
                st.add("template", "matched", title, match.key, ws.title, where, gap_note)
                continue
            abbr = _abbreviation(base, set(self.catalogue_rotations) | set(st.rotations))
            flexible = frozenset(i for i, c in enumerate(pattern) if c in CONTINUITY_CODES)
            rot = Rotation(
                name=re.sub(r"\s*\*?\s*\d{1,2}/\d{1,2}(/\d{2,4})?\s*$", "", base).strip(" *") or base,
                abbreviation=abbr,
                eligible_pgy=group_pgy,
                pattern=pattern,
                flexible=flexible,
                max_residents=None,
                is_night_float=sum(c in ("NF", "PedNF", "LDNF") for c in pattern) >= PATTERN_CELLS // 4,
            )
            st.rotations[abbr] = rot
            self.catalogue_rotations[abbr] = rot
            st.new_rotations.append(abbr)
            self.matcher.add(abbr, rot.name, title, eligible_pgy=group_pgy)
            note = "new rotation" + (f" (closest known: {match.key})" if match.key else "")
            st.add("template", "created", title, abbr, ws.title, where, "; ".join(n for n in (note, gap_note) if n))

    # ---- block schedule ------------------------------------------------------------------------
    def read_block_schedule(self, ws, info) -> None:
        st = self.st
        values = _rows(ws)
        merged_start = {}
        for mr in ws.merged_cells.ranges:
            for c in range(mr.min_col, mr.max_col + 1):
                merged_start[(mr.min_row, c)] = (mr.min_row, mr.min_col, mr.max_col)
        header = info["header_row"]
        labels = []
        seen = set()
        for c, number in info["labels"]:
            if number in seen:
                break
            seen.add(number)
            labels.append((c, number))
        last_col = labels[-1][0] + 1
        year_blocks = {b.number: b for b in st.year.blocks}
        cols = [(c, n) for c, n in labels if n in year_blocks]
        # rows that repeat the header further down end the table
        end_row = ws.max_row
        for (r, c), v in values.items():
            if r > header + 1 and c == info["labels"][0][0] and re.fullmatch(r"block\s*1", text(v), re.I):
                end_row = min(end_row, r - 1)
        pgy: int | None = None
        resident_rows: dict[int, str] = {}
        for r in range(header + 2, end_row + 1):
            row_texts = {c: text(values.get((r, c))) for c in range(1, ws.max_column + 1) if text(values.get((r, c)))}
            if not row_texts:
                continue
            heading = next((re.search(r"PGY\s*-?\s*(\d)", t, re.I) for t in row_texts.values()), None)
            if heading and len(row_texts) <= 2 and 1 not in row_texts:
                pgy = int(heading.group(1))
                continue
            name = row_texts.get(1, "")
            if name and not re.fullmatch(r"start|end", name, re.I):
                key = self._resident(name, pgy, ws.title, ref(r, 1))
                resident_rows[r] = key
                self._assignments(ws, values, merged_start, r, key, pgy, cols, year_blocks)
                extra = [c for c in row_texts if c > last_col]
                for c in extra:
                    st.add(
                        "assignment",
                        "skipped",
                        row_texts[c],
                        sheet=ws.title,
                        cell=ref(r, c),
                        note="beyond the last block of the year (next year's schedule)",
                    )
                continue
            owner = resident_rows.get(r - 1)
            for c, t in sorted(row_texts.items()):
                where = ref(r, c)
                if (r, c) in self.consumed:
                    continue
                if owner is None:
                    st.add(
                        "absence", "not_understood", t, sheet=ws.title, cell=where, note="no resident above this note"
                    )
                    continue
                block = _block_of_col(c, cols, year_blocks)
                self._leave_note(values.get((r, c)), t, owner, block, ws.title, where)

    def _resident(self, name: str, pgy: int | None, sheet: str, where: str) -> str:
        st = self.st
        keys = [k for k in self.name_index.get(name_key(name), []) if st.people[k].kind == PersonKind.RESIDENT]
        if keys:
            key = keys[0]
            person = st.people[key]
            known_pgy = person.pgy_on(st.year.start)
            if pgy is not None and known_pgy is not None and known_pgy != pgy:
                st.add("person", "ambiguous", name, key, sheet, where, f"PGY {pgy} here, PGY {known_pgy} known")
            else:
                if pgy is not None and known_pgy is None:
                    st.people[key] = replace(
                        person, pgy_levels=person.pgy_levels + (PgyLevel(st.year.label, pgy, st.year.start),)
                    )
                st.add("person", "matched", name, key, sheet, where, f"PGY {pgy}" if pgy else "")
            return key
        levels = (PgyLevel(st.year.label, pgy, st.year.start),) if pgy else ()
        person = Person(
            key=self.new_person_key(name),
            kind=PersonKind.RESIDENT,
            name=name,
            pgy_levels=levels,
        )
        self.add_person(person)
        st.add("person", "created", name, person.key, sheet, where, f"resident, PGY {pgy}" if pgy else "no PGY heading")
        if pgy is None:
            st.add("person", "ambiguous", name, person.key, sheet, where, "no PGY heading above the row")
        return person.key

    def _assignments(self, ws, values, merged, r, key, pgy, cols, year_blocks) -> None:
        st = self.st
        for c, number in cols:
            first, second = text(values.get((r, c))), text(values.get((r, c + 1)))
            merged_whole = merged.get((r, c), (0, 0, 0))[2] >= c + 1
            parts: list[tuple[str, str, int]] = []
            if first and (merged_whole or not second):
                parts.append(("whole", first, c))
            else:
                if first:
                    parts.append(("first_half", first, c))
                if second:
                    parts.append(("second_half", second, c + 1))
            if parts:
                self.bs_texts[(key, number)] = tuple(normalise(raw) for _p, raw, _c in parts)
            for part, raw, col in parts:
                where = ref(r, col)
                rot_text, dated = _split_dated(raw)
                match = self.matcher.match(rot_text, pgy)
                if match.status == "not_understood":
                    looks_like_date = parse_note(raw, st.year.start, st.year.end).verdict != "unreadable"
                    below = text(values.get((r + 1, col)))
                    swapped = self.matcher.match(below, pgy) if looks_like_date and below else None
                    if swapped is not None and swapped.status == "matched":
                        # the leave note and the rotation were typed in each other's row
                        self.consumed.add((r + 1, col))
                        self.use_rotation(swapped.key)
                        st.block_assignments.append(BlockAssignment(key, number, swapped.key, part))
                        st.add(
                            "assignment",
                            "ambiguous",
                            below,
                            swapped.key,
                            ws.title,
                            ref(r + 1, col),
                            f"block {number}: rotation typed in the leave-note row (swapped with {where})",
                        )
                        self._leave_note(values.get((r, col)), raw, key, year_blocks[number], ws.title, where, True)
                        continue
                    note = "a date in a rotation cell" if looks_like_date else "no known rotation is close"
                    if match.alternatives and not looks_like_date:
                        note += f" (closest: {', '.join(match.alternatives)})"
                    st.add("assignment", "not_understood", raw, None, ws.title, where, f"block {number}: {note}")
                    continue
                self.use_rotation(match.key)
                st.block_assignments.append(BlockAssignment(key, number, match.key, part))
                notes = [f"block {number} {part.replace('_', ' ')}"]
                if match.status == "ambiguous":
                    notes.append(f"best guess (score {match.score}; also {', '.join(match.alternatives) or '-'})")
                if dated:
                    notes.append(f"dated part {dated!r} not applied")
                _, qualifier = strip_qualifier(rot_text)
                if qualifier:
                    notes.append(f"qualifier {qualifier!r} kept only in this report")
                status = match.status
                st.add("assignment", status, raw, match.key, ws.title, where, "; ".join(notes))

    def _leave_note(
        self, value, t: str, owner: str, block: Block | None, sheet: str, where: str, doubtful: bool = False
    ) -> None:
        st = self.st
        if not re.search(r"\d", t) and self.matcher.match(t).status == "matched" and not isinstance(value, int):
            st.add("absence", "not_understood", t, None, sheet, where, "a rotation name in the leave-note row")
            return
        ctx = (block.start, block.end) if block else None
        res = parse_note(value, st.year.start, st.year.end, ctx)
        if res.verdict == "unreadable":
            st.add("absence", "not_understood", t, None, sheet, where, "; ".join(res.reasons))
            return
        kind = AbsenceType(res.kind)
        status = "ambiguous" if res.verdict == "doubtful" or doubtful else None
        if doubtful:
            res.reasons.append("leave note typed in the rotation row")
        for start, end in res.ranges:
            absence = Absence(
                person=owner,
                start=start,
                end=end,
                type=kind,
                status=AbsenceStatus.APPROVED,
                notes=f"{sheet}!{where}: {t}",
            )
            existing = self.known.program and any(
                a.person == owner and a.start == start and a.end == end and a.type == kind
                for a in self.known.program.absences
            )
            if any((a.person, a.start, a.end, a.type) == (owner, start, end, kind) for a in st.absences):
                st.add("absence", "skipped", t, f"{owner} {start}..{end}", sheet, where, "the same leave again")
                continue
            st.absences.append(absence)
            st.add(
                "absence",
                status or ("matched" if existing else "created"),
                t,
                f"{owner} {start}..{end} {kind.value}",
                sheet,
                where,
                "; ".join(res.reasons),
            )

    # ---- block sheet ---------------------------------------------------------------------------
    def read_block_sheet(self, ws, info) -> None:
        st = self.st
        values = _rows(ws)
        date_row, label_col = info["date_row"], info["label_col"]
        dcols = sorted((c, v.date() if isinstance(v, datetime) else v) for c, v in info["dates"])
        first_col, first_day = dcols[0]
        step = 2 if len(dcols) > 1 and dcols[1][0] - dcols[0][0] == 2 else 1
        day_cols = [(c, d) for c, d in dcols]
        # weekday names above the date row
        wd_match = wd_total = 0
        for c, d in day_cols:
            for rr in range(1, date_row):
                wd = weekday_of(text(values.get((rr, c))))
                if wd is not None:
                    wd_total += 1
                    wd_match += wd == d.weekday()
                    break
        shift_years = 0
        if not (st.year.start <= first_day <= st.year.end):
            for k in (1, -1, 2, -2):
                moved = _add_years(first_day, k)
                if st.year.start <= moved <= st.year.end:
                    shift_years = k
                    break
        days = []
        for c, d in day_cols:
            days.append((c, _add_years(d, shift_years) if shift_years else d))
        if shift_years:
            wd_ok = sum(
                1 for c, d in days for rr in range(1, date_row) if weekday_of(text(values.get((rr, c)))) == d.weekday()
            )
            st.add(
                "sheet",
                "ambiguous",
                text(values.get((date_row, first_col))),
                days[0][1].isoformat(),
                ws.title,
                ref(date_row, first_col),
                f"the dates are of {first_day.year}; moved {shift_years:+d} year(s) into {st.year.label}"
                + (" (the weekday names agree)" if wd_ok >= len(days) // 2 else ""),
            )
        elif wd_total and wd_match < wd_total // 2:
            st.add("sheet", "ambiguous", ws.title, None, ws.title, ref(date_row, first_col), "weekday names disagree")
        block = st.year.block_of(days[0][1])
        number = block.number if block else None
        st.sheets = [dict(s, block=number) if s["name"] == ws.title else s for s in st.sheets]
        if step == 1:
            st.add("sheet", "ambiguous", ws.title, None, ws.title, None, "one column per day: read as the AM half")
        # call rows and the first person row
        staff_call_row = resident_call_row = None
        first_person_row = date_row + 1
        for r in range(1, min(ws.max_row, date_row + 12) + 1):
            label = text(values.get((r, label_col))).lower()
            if "call" in label and "staff" in label or label in ("faculty call", "attending call"):
                staff_call_row = r
            elif "call" in label and "resident" in label:
                resident_call_row = r
            if r > date_row and re.search(r"provider|name", label):
                first_person_row = r + 1
        for r in (staff_call_row, resident_call_row):
            if r is not None:
                first_person_row = max(first_person_row, r + 1)
        # people rows
        rows = []
        for r in range(first_person_row, ws.max_row + 1):
            name = text(values.get((r, label_col)))
            left = [(c, text(values.get((r, c)))) for c in range(1, label_col)]
            left = [(c, t) for c, t in left if t]
            raw_cells = []
            for c, d in days:
                for h, col in ((HalfDay.AM, c), (HalfDay.PM, c + 1 if step == 2 else None)):
                    if col is None:
                        continue
                    raw_cells.append((d, h, col, values.get((r, col))))
            formulas = sum(1 for *_x, v in raw_cells if is_formula(v))
            filled = [(d, h, col, v) for d, h, col, v in raw_cells if text(v) and not is_formula(v)]
            if not name:
                if filled and left:
                    st.add(
                        "person",
                        "skipped",
                        " ".join(t for _, t in left),
                        None,
                        ws.title,
                        ref(r, label_col),
                        f"a row of {len(filled)} codes with no name",
                    )
                continue
            numbers = sum(1 for *_x, v in filled if isinstance(v, int | float))
            if name.endswith(":") or name.startswith("#") or formulas > len(raw_cells) // 2 or numbers:
                continue  # staffing and tally rows
            if not filled and not left:
                continue
            rows.append((r, name, left, filled))
        row_people = self._block_people(ws, rows, number, label_col)
        cell_count = 0
        for (r, _name, left, filled), key in zip(rows, row_people, strict=True):
            if key is None:
                continue
            if (
                st.people[key].kind == PersonKind.RESIDENT
                and number is not None
                and not any(b.person == key and b.block == number for b in st.block_assignments)
            ):
                self._assign_from_templates(ws, key, left, number)
            for d, h, col, v in filled:
                raw = text(v)
                code = self.code(raw, ws.title, ref(r, col))
                if code is None:
                    st.add("cell", "not_understood", raw, None, ws.title, ref(r, col), f"{key} {d} {h.value}")
                    continue
                st.cells[(key, d, h)] = code
                cell_count += 1
                st.add("cell", "matched" if code in self.known_codes() else "created", raw, code, ws.title, ref(r, col))
        # calls
        if staff_call_row is not None:
            self._calls(ws, values, staff_call_row, days, step, faculty=True)
        if resident_call_row is not None:
            self._calls(ws, values, resident_call_row, days, step, faculty=False)
        self.block_cells = getattr(self, "block_cells", {})
        self.block_cells[ws.title] = cell_count

    def known_codes(self) -> set[str]:
        if not hasattr(self, "_known_codes"):
            base = self.known.program.activities if self.known.program else _catalogue(self.st.year)[0]
            self._known_codes = {a.code for a in base}
        return self._known_codes

    def _block_people(self, ws, rows, number, label_col) -> list[str | None]:
        """Match the rows of a block sheet to people: by name (and PGY), else by the block's rotation,
        else by order within the PGY class (ambiguous), else a new person."""
        st = self.st
        out: list[str | None] = []
        taken: set[str] = set()
        pending = []
        for i, (r, name, left, _filled) in enumerate(rows):
            role = " ".join(t for _, t in left)
            pgy_m = re.search(r"PGY\s*-?\s*(\d)", role, re.I) or re.search(r"\bR(\d)\b", role)
            pgy = int(pgy_m.group(1)) if pgy_m else None
            words = {w.lower() for w in re.findall(r"[A-Za-z0-9]+", role)}
            if pgy is not None:
                kind = PersonKind.RESIDENT
            elif words & FACULTY_ROLES:
                kind = PersonKind.FACULTY
            else:
                kind = PersonKind.STAFF
            out.append(None)
            pending.append((i, r, name, left, pgy, kind, words))
        # 1. names
        rest = []
        for i, r, name, left, pgy, kind, words in pending:
            keys = [k for k in self.name_index.get(name_key(name), []) if k not in taken]
            keys = [k for k in keys if st.people[k].kind == kind]
            if kind == PersonKind.RESIDENT:
                keys = [k for k in keys if st.people[k].pgy_on(st.year.start) in (pgy, None)]
            if keys:
                out[i] = keys[0]
                taken.add(keys[0])
                st.add("person", "matched", name, keys[0], ws.title, ref(r, label_col))
            else:
                rest.append((i, r, name, left, pgy, kind, words))
        # 2. residents by the block's rotation, 3. by order within the class
        by_rotation = []
        for i, r, name, left, pgy, kind, words in rest:
            if kind != PersonKind.RESIDENT or number is None:
                by_rotation.append((i, r, name, left, pgy, kind, words, None))
                continue
            typed = [t for _c, t in left if not re.search(r"PGY|^R\d$", t, re.I)]
            wanted_text = tuple(normalise(t) for t in typed)
            wanted = set()
            for t in typed:
                m = self.matcher.match(t, pgy)
                if m.key and m.status != "not_understood":
                    wanted.add(m.key)
            cands = [
                p.key
                for p in st.people.values()
                if p.kind == PersonKind.RESIDENT
                and p.key not in taken
                and p.pgy_on(st.year.start) == pgy
                and (p.key, number) in self.bs_texts
            ]
            hits = [k for k in cands if wanted_text and self.bs_texts[(k, number)] == wanted_text]
            if len(hits) != 1:
                hits = [
                    k
                    for k in cands
                    if wanted
                    and wanted == {b.rotation for b in st.block_assignments if b.person == k and b.block == number}
                ]
            if len(hits) == 1:
                out[i] = hits[0]
                taken.add(hits[0])
                st.add(
                    "person",
                    "matched",
                    name,
                    hits[0],
                    ws.title,
                    ref(r, label_col),
                    f"named {st.people[hits[0]].name!r} elsewhere: same PGY and block {number} rotation",
                )
            else:
                by_rotation.append((i, r, name, left, pgy, kind, words, hits))
        for i, r, name, _left, pgy, kind, words, hits in by_rotation:
            where = ref(r, label_col)
            if kind == PersonKind.RESIDENT and number is not None:
                cands = [
                    p.key
                    for p in st.people.values()
                    if p.kind == PersonKind.RESIDENT
                    and p.key not in taken
                    and p.pgy_on(st.year.start) == pgy
                    and (p.key, number) in self.bs_texts
                ]
                pool = [k for k in (hits or []) if k in cands] or cands
                if pool:
                    out[i] = pool[0]
                    taken.add(pool[0])
                    st.add(
                        "person",
                        "ambiguous",
                        name,
                        pool[0],
                        ws.title,
                        where,
                        f"no resident of that name with PGY {pgy}; best guess by order in the class: "
                        f"{st.people[pool[0]].name!r} (of {len(pool)})",
                    )
                    continue
            role = None
            if kind == PersonKind.FACULTY:
                role = FacultyRole.ADJUNCT if {"adj", "adjunct"} & words else FacultyRole.CORE
            person = Person(
                key=self.new_person_key(name),
                kind=kind,
                name=name,
                pgy_levels=(PgyLevel(st.year.label, pgy, st.year.start),) if pgy else (),
                faculty_role=role,
            )
            self.add_person(person)
            taken.add(person.key)
            out[i] = person.key
            st.add("person", "created", name, person.key, ws.title, where, kind.value + (f", PGY {pgy}" if pgy else ""))
        return out

    def _assign_from_templates(self, ws, key, left, number) -> None:
        st = self.st
        texts = [(c, t) for c, t in left if not re.search(r"PGY|^R\d$|^(fac|adj|c19|spec)$", t, re.I)]
        if not texts:
            return
        pgy = st.people[key].pgy_on(st.year.start)
        found = []
        for c, t in texts[:2]:
            m = self.matcher.match(t, pgy)
            if m.status != "not_understood":
                found.append((c, t, m))
        parts = ["whole"] if len(found) == 1 else ["first_half", "second_half"]
        for (_c, t, m), part in zip(found, parts, strict=False):
            self.use_rotation(m.key)
            st.block_assignments.append(BlockAssignment(key, number, m.key, part))
            st.add("assignment", m.status, t, m.key, ws.title, None, f"block {number} {part} (from the block sheet)")

    def _calls(self, ws, values, r, days, step, *, faculty: bool) -> None:
        st = self.st
        kind = PersonKind.FACULTY if faculty else PersonKind.RESIDENT
        pool = self._pool(faculty)
        people = [p for p in st.people.values() if p.kind == kind]
        for c, d in days:
            raw = text(values.get((r, c))) or (text(values.get((r, c + 1))) if step == 2 else "")
            if not raw:
                continue
            where = ref(r, c)
            keys = [k for k in self.name_index.get(name_key(raw), []) if st.people[k].kind == kind]
            note = ""
            if not keys:
                # "E" for "Faculty E": a name whose last word is what was typed
                nk = name_key(raw)
                keys = [p.key for p in people if name_key(p.name).split()[-1:] == [nk] and " " not in nk]
                note = "matched on the last word of the name" if len(keys) == 1 else ""
            if len(keys) != 1:
                why = "a code, not a person" if match_code(raw, self.codes_lower)[0] == "matched" else "no such person"
                if len(keys) > 1:
                    why = "several people have that name"
                st.add("call", "not_understood", raw, None, ws.title, where, f"{d} {pool.name}: {why}")
                continue
            st.calls.append(CallAssignment(keys[0], d, pool.name))
            st.add("call", "matched" if not note else "ambiguous", raw, keys[0], ws.title, where, note or str(d))

    def _pool(self, faculty: bool) -> CallPool:
        st = self.st
        for pool in st.call_pools.values():
            if pool.includes_faculty == faculty and (faculty or pool.kind == CallKind.IN_HOUSE):
                return pool
        for pool in st.call_pools.values():
            if pool.includes_faculty == faculty:
                return pool
        from datetime import time

        if faculty:
            pool = CallPool(
                STAFF_CALL_POOL,
                CallKind.HOME,
                includes_faculty=True,
                shift_start=time(17, 0),
                shift_end=time(7, 0),
                post_call_codes=("PCAT", "DO"),
            )
        else:
            pool = CallPool(
                RESIDENT_CALL_POOL,
                CallKind.IN_HOUSE,
                eligible_pgy=(2, 3),
                shift_start=time(17, 0),
                shift_end=time(7, 0),
                post_call_codes=("PC",),
            )
        st.call_pools[pool.name] = pool
        st.new_call_pools.append(pool.name)
        st.add("call_pool", "created", pool.name, pool.name)
        return pool

    # ---- counts --------------------------------------------------------------------------------
    def _count(self) -> None:
        st = self.st
        residents = [p for p in st.people.values() if p.kind == PersonKind.RESIDENT]
        by_pgy: dict[str, int] = {}
        for p in residents:
            pgy = p.pgy_on(st.year.start)
            by_pgy[str(pgy)] = by_pgy.get(str(pgy), 0) + 1
        templates = [i for i in st.items if i.kind == "template"]
        notes = [i for i in st.items if i.kind == "absence"]
        note_cells = {i.cell for i in notes}
        understood_cells = {i.cell for i in notes if i.status in ("created", "matched", "ambiguous", "skipped")}
        st.counts = {
            "sheets": {k: len(v) for k, v in self.kinds.items()},
            "blocks": len(st.year.blocks),
            "people": len(st.people),
            "residents_by_pgy": dict(sorted(by_pgy.items())),
            "faculty": sum(p.kind == PersonKind.FACULTY for p in st.people.values()),
            "staff": sum(p.kind == PersonKind.STAFF for p in st.people.values()),
            "templates": len(templates),
            "templates_read": sum(i.status in ("created", "matched") for i in templates),
            "templates_archived": sum(i.status == "skipped" for i in templates),
            "rotations_used": len(st.rotations),
            "rotations_new": len(st.new_rotations),
            "activities_new": len(st.new_activities),
            "block_assignments": len(st.block_assignments),
            "half_block_splits": sum(b.part != "whole" for b in st.block_assignments) // 2,
            "half_day_cells": len(st.cells),
            "half_day_cells_by_sheet": dict(getattr(self, "block_cells", {})),
            "calls": len(st.calls),
            "leave_notes": len(note_cells),
            "leave_notes_understood": len(understood_cells),
            "absences": len(st.absences),
        }


def _fill_gaps(cells: list[str]) -> list[str] | None:
    """Fill empty half-days from the same half-day one week before or after; None if too sparse."""
    if sum(1 for c in cells if c) < PATTERN_CELLS - 14:
        return None
    out = list(cells)
    for i, c in enumerate(out):
        if c:
            continue
        for k in (14, -14, 28, -28, 42, -42):
            j = i + k
            if 0 <= j < PATTERN_CELLS and cells[j]:
                out[i] = cells[j]
                break
        else:
            return None
    return out


def _abbreviation(title: str, taken: set[str]) -> str:
    clean = re.sub(r"\s*\*?\s*\d{1,2}/\d{1,2}(/\d{2,4})?\s*", " ", title)
    clean = re.sub(r"[^A-Za-z0-9]+", "-", clean).strip("-").upper()[:24] or "ROT"
    abbr, n = clean, 2
    while abbr in taken:
        abbr, n = f"{clean}-{n}", n + 1
    return abbr


_DATED = re.compile(
    r"^(.*?)[\s/]*((?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*\d.*)$",
    re.I,
)


def _split_dated(raw: str) -> tuple[str, str]:
    """("NF Oct 23 - Oct 30") -> ("NF", "Oct 23 - Oct 30"); a rotation typed with a date range."""
    m = _DATED.match(raw)
    if m and m.group(1).strip(" /"):
        return m.group(1).strip(" /"), m.group(2).strip()
    return raw, ""


def _block_of_col(c: int, cols: list[tuple[int, int]], blocks: dict[int, Block]) -> Block | None:
    for col, number in cols:
        if col <= c <= col + 1:
            return blocks[number]
    return None


def _add_years(d: date, k: int) -> date:
    try:
        return d.replace(year=d.year + k)
    except ValueError:  # 29 February
        return d.replace(year=d.year + k, day=28)


def stage_workbook(
    data: bytes | Path, filename: str | None = None, *, program: Program | None = None, year: int | None = None
) -> Staging:
    """Read a workbook (bytes or a path) into a staging report; nothing is written."""
    if isinstance(data, Path):
        filename = filename or data.name
        data = data.read_bytes()
    reader = Reader(data, filename or "workbook.xlsx", Known(program), year)
    return reader.stage()
