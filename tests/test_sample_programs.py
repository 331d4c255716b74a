"""The deterministic sample programs (residency.sample)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from importlib import resources

import pytest

from residency.domain.calendar import HalfDay, check_layout
from residency.domain.program import PATTERN_CELLS, ActivityCategory, FacultyRole, PersonKind
from residency.sample import SIZES, build_program
from residency.sample.rotations import anchor_pattern

EXPECTED = {
    # size: residents per PGY, faculty, rotations, blocks
    "small": (3, 4, 6, 4),
    "realistic": (6, 10, 31, 13),
    "large": (18, 30, 31, 13),
}


@pytest.fixture(scope="module", params=sorted(SIZES))
def program(request):
    return build_program(request.param)


def _size(program) -> str:
    return program.name.rsplit("(", 1)[1].rstrip(")")


def test_counts_per_size(program):
    per_pgy, faculty, rotations, blocks = EXPECTED[_size(program)]
    start = program.year.start
    assert Counter(p.pgy_on(start) for p in program.residents()) == {1: per_pgy, 2: per_pgy, 3: per_pgy}
    assert len(program.faculty()) == faculty
    assert len(program.rotations) == rotations
    assert len(program.year.blocks) == blocks


def test_large_program_has_54_residents_and_one_program_director():
    large = build_program("large")
    assert len(large.residents()) == 54
    assert sum(p.faculty_role == FacultyRole.PROGRAM_DIRECTOR for p in large.faculty()) == 1
    realistic = build_program("realistic")
    for rot in large.rotations:
        assert rot.max_residents == 3 * realistic.rotation(rot.abbreviation).max_residents


def test_unknown_size_is_rejected():
    with pytest.raises(ValueError, match="unknown sample size"):
        build_program("huge")


@pytest.mark.parametrize("size", sorted(SIZES))
def test_same_size_and_seed_give_equal_programs(size):
    assert build_program(size, seed=7) == build_program(size, seed=7)


@pytest.mark.parametrize("size", sorted(SIZES))
def test_another_seed_changes_names_not_counts(size):
    a, b = build_program(size, seed=0), build_program(size, seed=1)
    assert [p.key for p in a.people] == [p.key for p in b.people]
    assert [p.name for p in a.people] != [p.name for p in b.people]
    for attr in ("activities", "rotations", "curriculum", "call_pools", "absences", "credentials"):
        assert getattr(a, attr) == getattr(b, attr), attr
    assert len(a.certifications) == len(b.certifications)


def test_people_have_unique_keys_names_and_example_emails(program):
    keys = [p.key for p in program.people]
    assert len(set(keys)) == len(keys)
    assert len({p.name for p in program.people}) == len(keys)
    assert all(p.email.endswith("@example.org") for p in program.people)
    assert program.residents()[0].key == "R1-01"
    assert program.faculty()[0].key == "F-01"


def test_every_pattern_code_is_an_activity(program):
    codes = {a.code for a in program.activities}
    assert len(codes) == len(program.activities)
    for rot in program.rotations:
        assert len(rot.pattern) == PATTERN_CELLS
        assert set(rot.pattern) <= codes, (rot.abbreviation, set(rot.pattern) - codes)
        for code in program.call_pools[-1].post_call_codes + program.call_pools[0].post_call_codes:
            assert code in codes


def test_flexible_cells_are_continuity_clinic_on_outpatient_rotations(program):
    for rot in program.rotations:
        assert all(rot.pattern[i] in ("C", "CV") for i in rot.flexible)
        if rot.is_night_float or not rot.leave_allowed:
            assert not rot.flexible, rot.abbreviation
    assert any(rot.flexible for rot in program.rotations)


def test_activity_catalogue_flags():
    p = build_program("small")
    assert p.activity("C").supervision_load == {"pgy1": 0.5, "senior": 0.25}
    assert p.activity("CV").supervision_load == {"pgy1": 0.5, "senior": 0.25}
    assert p.activity("PR").supervision_load == {"pgy1": 1.0, "senior": 1.0}
    assert p.activity("VAS").supervision_load == {"pgy1": 1.0, "senior": 1.0}
    assert {a.code for a in p.activities if a.provides_supervision} == {"AT", "PCAT"}
    for code in ("W", "OFF", "PC", "FED", "HOL", "LV", "TDY", "DEP", "CONF"):
        assert not p.activity(code).counts_duty_hours, code
    assert p.activity("LEC").category == ActivityCategory.EDUCATION
    assert p.activity("NF").times(HalfDay.PM)[0].hour == 19
    assert p.activity("FMIT").times(HalfDay.AM)[0].hour == 7


def test_shipped_templates_cover_the_workbook_codes_of_block_9():
    """Every code the extraction normalised exists; the template file is self-consistent."""
    data = json.loads(resources.files("residency.sample").joinpath("data/templates.json").read_text())
    codes = {a.code for a in build_program("small").activities}
    for t in data["templates"]:
        assert len(t["weeks"]) == 4 and all(len(w) == 14 for w in t["weeks"])
        assert {c for w in t["weeks"] for c in w} <= codes
        assert all("\xa0" not in c and c == c.strip() for w in t["weeks"] for c in w)


def test_every_curriculum_rotation_exists_and_is_eligible(program):
    by_abbr = {r.abbreviation: r for r in program.rotations}
    for req in program.curriculum:
        for abbr in req.rotations:
            assert abbr in by_abbr, (req.name, abbr)
            assert req.pgy in by_abbr[abbr].eligible_pgy, (req.name, abbr)


def test_curriculum_fits_in_the_year(program):
    blocks = len(program.year.blocks)
    for pgy in (1, 2, 3):
        assert sum(r.min_blocks for r in program.curriculum if r.pgy == pgy) <= blocks


def test_rotation_capacity_suffices(program):
    blocks = len(program.year.blocks)
    residents = program.residents()
    start = program.year.start
    per_pgy = Counter(p.pgy_on(start) for p in residents)
    # each class fits in its eligible rotations, and everyone fits at once
    for pgy, n in per_pgy.items():
        capacity = sum(r.max_residents for r in program.rotations if pgy in r.eligible_pgy)
        assert capacity * blocks >= n * blocks
    assert sum(r.max_residents for r in program.rotations) >= len(residents)
    # each rotation can host the blocks the curriculum requires on it, and its own minimum
    demand = Counter()
    for req in program.curriculum:
        if len(req.rotations) == 1:
            demand[req.rotations[0]] += per_pgy[req.pgy] * req.min_blocks
    for rot in program.rotations:
        assert demand[rot.abbreviation] <= rot.max_residents * blocks, rot.abbreviation
        assert rot.min_residents <= rot.max_residents
        eligible = sum(per_pgy[p] for p in rot.eligible_pgy)
        assert rot.min_residents <= eligible


def test_layout_tiles_the_year(program):
    year = program.year
    check_layout(year.start, year.end, list(year.blocks))
    if _size(program) == "small":
        assert all(b.days == 28 for b in year.blocks)
    else:
        assert [b.days for b in year.blocks][:2] == [30, 28]
        assert year.end == date(2026, 6, 30)
        assert {h.name for h in year.holidays} >= {"Independence Day", "Thanksgiving Day", "Juneteenth"}


def test_single_holder_procedure_exists(program):
    holders = Counter(c.procedure for c in program.credentials if c.status == "active")
    procedures = {p.code for p in program.procedures}
    assert set(holders) <= procedures
    singles = [code for code, n in holders.items() if n == 1]
    assert "VAS" in singles
    if _size(program) != "small":  # four faculty leave other procedures with one holder too
        assert singles == ["VAS"]


def test_certifications_some_expire_soon(program):
    start = program.year.start
    soon = [c for c in program.certifications if c.expires <= start + timedelta(days=60)]
    assert 1 <= len(soon) <= 3
    assert {c.certification for c in program.certifications} <= {t.name for t in program.certification_types}


def test_call_pools_and_absences(program):
    pools = {p.name: p for p in program.call_pools}
    staff = pools["Faculty staff call"]
    assert staff.post_call_codes == ("PCAT", "DO") and staff.weekdays == frozenset({6, 0, 1, 2, 3})
    adjuncts = {p.key for p in program.faculty() if p.faculty_role == FacultyRole.ADJUNCT}
    assert staff.members and not set(staff.members) & adjuncts
    keys = {p.key for p in program.people}
    assert all(a.person in keys for a in program.absences)
    assert {a.status for a in program.absences} >= {"approved", "requested"}
    assert any(a.type == "deployment" for a in program.absences)
    assert all(program.year.start <= a.start <= a.end <= program.year.end for a in program.absences)


def test_interns_are_locked_on_orientation_in_block_one():
    p = build_program("realistic")
    interns = {r.key for r in p.residents() if r.pgy_on(p.year.start) == 1}
    assert {(a.person, a.block, a.rotation) for a in p.block_assignments} == {(k, 1, "FMO") for k in interns}
    assert all(r.kind == PersonKind.RESIDENT for r in p.residents())


def test_patterns_are_anchored_on_the_blocks_start_weekday():
    realistic = build_program("realistic")  # blocks 2-13 start on Thursdays, as in the workbook
    fmc = realistic.rotation("FMC1")
    assert fmc.code_on(2, HalfDay.AM) == "W" and fmc.code_on(3, HalfDay.PM) == "W"  # Sat, Sun
    assert fmc.code_on(6, HalfDay.PM) == "LEC"  # Wednesday afternoon didactics
    small = build_program("small")  # blocks start on Tuesday 1 July 2025
    fmc = small.rotation("FMC1")
    assert fmc.code_on(4, HalfDay.AM) == "W" and fmc.code_on(5, HalfDay.PM) == "W"
    assert fmc.code_on(1, HalfDay.PM) == "LEC"
    cells = tuple(str(i) for i in range(PATTERN_CELLS))
    assert anchor_pattern(anchor_pattern(cells, 3, 1), 1, 3) == cells
