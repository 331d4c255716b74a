"""Decision queue, change burden, preference trails, and the full health check."""

import json
from datetime import date, timedelta

from resilience_builders import sample

from residency.compliance.findings import Finding, Severity
from residency.resilience.cognitive import ItemKind, build_queue, change_burden
from residency.resilience.demand import build_demand, scheduled_coverage
from residency.resilience.health import HealthOptions, run_health_check
from residency.resilience.stigmergy import Signal, SignalKind, SwapRequest, lay_trails, preference_weights

AS_OF = date(2025, 7, 1)


def test_resilience_decision_queue_from_real_items():
    program, schedule = sample()
    violation = Finding("WH-01", Severity.VIOLATION, "R1-01", AS_OF, AS_OF + timedelta(days=27), "81 h/week")
    cov = scheduled_coverage(build_demand(program, schedule), 0, 90)
    queue = build_queue(program, as_of=AS_OF, findings=[violation], coverage=cov, lookahead_days=90)
    kinds = queue.by_kind
    assert kinds["violation"] == 1 and kinds["leave_request"] == 2  # R3-01 vacation, F-02 conference
    assert kinds["uncovered"] == len([g for g in cov.gaps if g.day <= AS_OF + timedelta(days=90)])
    certs = [i for i in queue.items if i.kind == ItemKind.EXPIRING_CERTIFICATION]
    assert ("R2-01", AS_OF + timedelta(days=21)) in {(i.person, i.deadline) for i in certs}
    assert queue.items[0].kind == ItemKind.VIOLATION
    urgencies = [i.urgency for i in queue.items]
    assert urgencies == sorted(urgencies, reverse=True)
    # the same kind of item is more urgent when its deadline is nearer
    soon = next(i for i in certs if i.person == "R2-01")
    far = next(i for i in certs if i.deadline > soon.deadline)
    assert soon.urgency > far.urgency


def test_resilience_change_burden_grades():
    _, schedule = sample()
    assert change_burden(schedule.copy(), schedule).grade == "A"
    draft = schedule.copy()
    draft.grid[draft.row("R1-01"), 10, 0] = draft.code_index("OFF")
    b = change_burden(draft, schedule)
    assert (b.cells, b.people, b.grade) == (1, 1, "B")
    draft.grid[:, 10:20] = draft.code_index("OFF")
    assert change_burden(draft, schedule).grade == "F"


def test_resilience_avoidance_trail_lowers_the_preference_weight():
    day = date(2025, 9, 1)
    base = [Signal("R1-01", "code:FMIT", SignalKind.ACCEPTED, day, 1.0)]
    before = lay_trails(base, day + timedelta(days=10)).weight("R1-01", "code:FMIT")
    after = lay_trails(base + [Signal("R1-01", "code:FMIT", SignalKind.AVOID, day)], day + timedelta(days=10)).weight(
        "R1-01", "code:FMIT"
    )
    assert after < before
    # more avoidance only ever lowers; an avoidance of another target changes nothing here
    weights = []
    for n in range(5):
        sig = base + [Signal("R1-01", "code:FMIT", SignalKind.SWAP_AWAY, day, 0.5)] * n
        sig += [Signal("R1-01", "code:NF", SignalKind.AVOID, day)]
        weights.append(lay_trails(sig, day).weight("R1-01", "code:FMIT"))
    assert weights == sorted(weights, reverse=True) and len(set(weights)) == 5
    assert lay_trails([Signal("R1-01", "code:NF", SignalKind.AVOID, day)], day).weight("R1-01", "code:NF") < 1.0


def test_resilience_trails_evaporate_and_learn_from_the_program():
    day = date(2025, 9, 1)
    sig = [Signal("R1-01", "code:FMIT", SignalKind.AVOID, day)]
    fresh = lay_trails(sig, day).weight("R1-01", "code:FMIT")
    old = lay_trails(sig, day + timedelta(days=120)).weight("R1-01", "code:FMIT")
    assert fresh < old < 1.0
    program, schedule = sample()
    swap = SwapRequest("R2-01", date(2025, 10, 1), "AM", "FMIT", "C", at=date(2025, 9, 20))
    plain = preference_weights(program, schedule, as_of=date(2025, 10, 1))
    trails = preference_weights(program, schedule, as_of=date(2025, 10, 1), swaps=[swap])
    assert trails.weight("R2-01", "code:FMIT") < plain.weight("R2-01", "code:FMIT")
    assert trails.weight("R2-01", "code:C") > plain.weight("R2-01", "code:C")
    assert trails.weight("R2-02", "code:FMIT") == plain.weight("R2-02", "code:FMIT")
    leave = next(a for a in program.absences if a.person == "R1-02")
    target = f"date:{leave.start.isoformat()}:AM"
    assert preference_weights(program, None, as_of=leave.start).weight("R1-02", target) < 1.0


def test_resilience_full_health_check_is_json_and_tracks_previous():
    program, schedule = sample()
    options = HealthOptions(horizon_days=28)
    first = run_health_check(program, schedule, as_of=date(2025, 11, 3), options=options)
    data = first.to_dict()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text)["defense"]["level"] == first.level.label
    for key in ("utilization", "contingency", "hubs", "homeostasis", "blast_radius", "le_chatelier", "cognitive",
                "stigmergy", "fallback", "timings"):  # fmt: skip
        assert data[key] is not None, key
    assert data["contingency"]["fatal_people"] == ["F-03"]
    assert data["compliance"]["source"] == "engine"
    assert len(data["fallback"]) == 6
    draft = schedule.copy()
    draft.grid[draft.row("R1-01"), 130:133] = draft.code_index("OFF")
    second = run_health_check(
        program, draft, as_of=date(2025, 11, 3), published=schedule, previous=data, findings=[], options=options
    )
    stability = second.homeostasis.reading("stability")
    assert stability.value > 0 and stability.trend is not None and stability.trend > 0
    assert second.change_burden is not None and second.change_burden.people == 1
