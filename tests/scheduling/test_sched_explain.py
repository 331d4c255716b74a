"""A program whose hard constraints cannot all hold fails with a plain-words explanation."""

from __future__ import annotations

from dataclasses import replace

from residency.domain.program import BlockAssignment, CurriculumRequirement
from residency.scheduling.solve import generate


def _with_rotation(program, abbreviation, **changes):
    rotations = tuple(replace(r, **changes) if r.abbreviation == abbreviation else r for r in program.rotations)
    return replace(program, rotations=rotations)


def test_sched_explain_demand_over_capacity(small_program):
    # three interns must each do 2 blocks of FMIT1, which holds one resident: 6 resident-blocks > 4
    program = _with_rotation(small_program, "FMIT1", max_residents=1)
    curriculum = tuple(
        CurriculumRequirement(1, c.name, c.rotations, 2, None) if c.rotations == ("FMIT1",) else c
        for c in program.curriculum
    )
    program = replace(program, curriculum=curriculum)
    result = generate(program, time_limit=5.0)
    assert result.status == "infeasible"
    exp = result.explanation
    assert exp is not None and exp.layer == "blocks"
    text = str(exp)
    assert "FMIT1" in text and "blocks 1-4" in text and "at most 1" in text
    assert any("max_residents" in r for r in exp.relax)
    assert exp.core, "the solver's conflicting set is reported too"
    assert any(item["constraint"] in ("BLK-CAP", "BLK-CURR") for item in exp.core)


def test_sched_explain_locks_over_capacity(small_program):
    locks = tuple(BlockAssignment(k, 2, "FMIT1") for k in ("R1-01", "R1-02", "R1-03"))
    program = replace(small_program, block_assignments=locks)
    result = generate(program, time_limit=5.0)
    assert result.status == "infeasible"
    reasons = " ".join(result.explanation.reasons)
    assert "block 2: 3 PGY-1 resident(s) are locked on FMIT1, FMIT1 holds at most 2" in reasons


def test_sched_explain_core_only(small_program):
    # no counting argument catches this one: R1-02 has approved leave in block 2 but no PGY-1 rotation allows it
    program = small_program
    for abbr in ("FMC1", "NF", "PROC"):
        program = _with_rotation(program, abbr, leave_allowed=False)
    result = generate(program, time_limit=5.0)
    assert result.status == "infeasible"
    assert any(item["constraint"] == "BLK-LEAVE" for item in result.explanation.core)
    assert any("R1-02" in item["text"] for item in result.explanation.core)
