"""N-1 and N-2: the planted single point of failure, and an independent max-flow cross-check."""

from dataclasses import replace
from datetime import date

import networkx as nx
from resilience_builders import sample

from residency.domain.program import ProcedureCredential
from residency.resilience.contingency import analyze_contingency
from residency.resilience.demand import build_demand

START = date(2025, 11, 3)  # after F-03's deployment, before the VAS credential expires


def test_resilience_n1_flags_the_only_vasectomy_faculty():
    program, schedule = sample()
    result = analyze_contingency(program, schedule, start=START, days=56, n2=False)
    impact = result.impact_of("F-03")
    assert impact.fatal and impact.services == ("supervision:VAS",)
    vas_days = {
        schedule.start.__class__.fromordinal(schedule.start.toordinal() + d)
        for d in range((START - schedule.start).days, (START - schedule.start).days + 56)
        if (schedule.grid[:, d] == schedule.code_index("VAS")).any()
    }
    assert set(impact.days) <= vas_days and impact.days
    assert result.fatal_people == ("F-03",)


def test_resilience_more_vasectomy_holders_remove_the_single_point_of_failure():
    program, schedule = sample()
    # some half-days have two residents in the vasectomy clinic, and holders may be on the ward:
    # credential the core faculty
    keys = ("F-04", "F-05", "F-06", "F-07", "F-08")
    extra = tuple(ProcedureCredential(k, "VAS", issued=date(2024, 1, 1), expires=date(2027, 1, 1)) for k in keys)
    program = replace(program, credentials=program.credentials + extra)
    result = analyze_contingency(program, schedule, start=START, days=56, n2=False)
    assert "F-03" not in result.fatal_people


def _feasible_by_flow(unit, removed: set[int]) -> int:
    """Slots filled in one unit, by networkx maximum flow (independent of match_groups)."""
    g = nx.DiGraph()
    for k, r in enumerate(unit.requirements):
        g.add_edge("s", ("req", k), capacity=r.count)
        mask, i = r.candidates, 0
        while mask:
            if mask & 1 and i not in removed:
                g.add_edge(("req", k), ("p", i), capacity=1)
                g.add_edge(("p", i), "t", capacity=1)
            mask >>= 1
            i += 1
    if "t" not in g:
        return 0
    return int(nx.maximum_flow_value(g, "s", "t"))


def test_resilience_n2_agrees_with_brute_force_max_flow():
    program, schedule = sample()
    days = 14
    result = analyze_contingency(program, schedule, start=START, days=days)
    assert result.pairs_total == 45 and result.pairs_pruned + 0 <= result.pairs_total
    demand = build_demand(program, schedule)
    first, last = demand.window(START, days)
    units = demand.units(first, last)
    faculty = [i for i, f in enumerate(demand.faculty) if f]
    base = [_feasible_by_flow(u, set()) for u in units]
    single = {i: {k for k, u in enumerate(units) if _feasible_by_flow(u, {i}) < base[k]} for i in faculty}
    expected = {}
    for a in faculty:
        for b in faculty:
            if a < b:
                broken = {k for k, u in enumerate(units) if _feasible_by_flow(u, {a, b}) < base[k]}
                new = broken - single[a] - single[b]
                if new:
                    expected[(demand.people[a], demand.people[b])] = {
                        (demand.day_of(units[k].day), units[k].period) for k in new
                    }
    got = {i.people: {(f.day, ["AM", "PM", "night"].index(f.period)) for f in i.failures} for i in result.n2}
    assert got == expected
    for i in faculty:
        impact = result.impact_of(demand.people[i])
        assert {(f.day, ["AM", "PM", "night"].index(f.period)) for f in impact.failures} == {
            (demand.day_of(units[k].day), units[k].period) for k in single[i]
        }


def test_resilience_n2_prunes_pairs_that_never_overlap():
    program, schedule = sample()
    result = analyze_contingency(program, schedule, start=START, days=7, people=[])
    assert result.pairs_pruned > 0
    assert result.pairs_pruned + len({p for i in result.n2 for p in [i.people]}) <= result.pairs_total
