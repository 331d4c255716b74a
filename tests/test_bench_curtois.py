"""The Curtois benchmark parser and the independent evaluator, on hand-computed cases."""

import pytest

from residency.bench.curtois import InstanceError, evaluate, load, parse, read_roster_csv, roster_csv


@pytest.fixture(scope="module")
def instance1(shared_data):
    return load(shared_data / "benchmarks" / "curtois" / "Instance1.txt")


def test_instance1_is_parsed(instance1):
    assert instance1.horizon == 14
    assert len(instance1.staff) == 8 and list(instance1.shifts) == ["D"]
    a = instance1.staff["A"]
    assert (
        a.max_shifts,
        a.max_minutes,
        a.min_minutes,
        a.max_consecutive,
        a.min_consecutive,
        a.min_days_off,
        a.max_weekends,
    ) == ({"D": 14}, 4320, 3360, 5, 2, 2, 1)
    assert instance1.days_off["A"] == frozenset({0})
    assert len(instance1.on_requests) == 21 and len(instance1.off_requests) == 5 and len(instance1.cover) == 14


def test_empty_roster_objective_by_hand(instance1):
    # on-requests unmet: A 2+2, B 5x3, C 5x1, D 2+2, F 2+2, H 5x1 = 37; no off-request broken;
    # cover 5+7+6+4+5+5+5+6+7+4+2+5+6+4 = 71 people short x 100 = 7100.
    result = evaluate(instance1, {})
    assert result.parts == {"on_requests": 37, "off_requests": 0, "cover_under": 7100, "cover_over": 0}
    assert result.objective == 7137
    # everyone is below the 3360 minimum total minutes
    assert len(result.hard_violations) == 8 and all("minutes outside" in v for v in result.hard_violations)


def test_three_shifts_for_a_by_hand(instance1):
    roster = {("A", d): "D" for d in (1, 2, 3)}
    result = evaluate(instance1, roster)
    # A's on-requests (days 2 and 3, weight 2 each) are met: 37 - 4 = 33; three fewer people short.
    assert result.parts == {"on_requests": 33, "off_requests": 0, "cover_under": 6800, "cover_over": 0}
    assert result.objective == 6833


def test_hard_rules_are_checked(instance1):
    roster = {("A", 0): "D"}  # A's day off
    roster |= {("B", d): "D" for d in range(6)}  # six in a row > max 5, and Saturday 5 worked
    roster |= {("C", 3): "D"}  # a run of one shift < min 2
    roster |= {("D", d): "D" for d in (5, 6, 12, 13)}  # two weekends > max 1
    roster |= {("E", 1): "D", ("E", 2): "D", ("E", 4): "D", ("E", 5): "D"}  # one day off between < min 2
    found = "\n".join(evaluate(instance1, roster).hard_violations)
    assert "A: works on day off 0" in found
    assert "B: 6 consecutive shifts from day 0 > 5" in found
    assert "C: 1 consecutive shifts from day 3 < 2" in found
    assert "D: 2 weekends worked > 1" in found
    assert "E: 1 consecutive days off from day 3 < 2" in found


def test_forbidden_succession(shared_data):
    inst = load(shared_data / "benchmarks" / "curtois" / "Instance2.txt")
    late = next(s for s in inst.shifts.values() if s.forbidden_next)
    banned = sorted(late.forbidden_next)[0]
    who = next(iter(inst.staff))
    found = evaluate(inst, {(who, 3): late.id, (who, 4): banned}).hard_violations
    assert any(f"{banned} on day 4 may not follow {late.id}" in v for v in found)


def test_roster_csv_round_trip():
    roster = {("A", 0): "D", ("B", 3): "E"}
    text = roster_csv(roster)
    assert text.splitlines()[0] == "staff_id,day,shift_id"
    assert read_roster_csv(text) == roster


@pytest.mark.parametrize(
    "text, line, section, words",
    [
        ("SECTION_HORIZON\nfourteen\n", 2, "SECTION_HORIZON", "whole number"),
        ("14\n", 1, None, "before the first SECTION_"),
        ("SECTION_HORIZON\n7\nSECTION_SHIFTS\nD,480,\nSECTION_STAFF\nA,D=7,1,0,5\n", 6, "SECTION_STAFF", "expected 8"),
        (
            "SECTION_HORIZON\n7\nSECTION_SHIFTS\nD,480,\nSECTION_STAFF\nA,D=7,4000,0,5,1,1,2\nSECTION_COVER\n9,D,1,100,1\n",
            8,
            "SECTION_COVER",
            "outside the horizon",
        ),
        ("SECTION_HORIZON\n7\nSECTION_SHIFTS\nD,480,X\n", 4, "SECTION_SHIFTS", "unknown shift"),
        ("SECTION_NONSENSE\n", 1, None, "unknown section"),
    ],
)
def test_malformed_files_name_line_and_section(text, line, section, words):
    with pytest.raises(InstanceError) as err:
        parse(text)
    assert err.value.line == line and err.value.section == section and words in str(err.value)
