"""The MIP translation of a CP-SAT model (the ``lp`` algorithm) has the same optimum as CP-SAT on
random small models using every construct the layers emit: linear constraints over literals (also
negated ones), enforcement literals, clauses, implications, at-most-one, exactly-one."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from residency.scheduling.mip import solve_model


@st.composite
def models(draw):
    m = cp_model.CpModel()
    n = draw(st.integers(3, 7))
    xs = [m.NewBoolVar(f"x{i}") for i in range(n)]
    k = m.NewIntVar(0, 4, "k")
    lit = st.builds(lambda i, neg: xs[i].Not() if neg else xs[i], st.integers(0, n - 1), st.booleans())
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["linear", "enforced", "or", "and", "amo", "eo"]))
        lits = draw(st.lists(lit, min_size=1, max_size=4))
        if kind == "linear":
            coefs = draw(st.lists(st.integers(-3, 3), min_size=len(lits), max_size=len(lits)))
            m.Add(sum(c * x for c, x in zip(coefs, lits, strict=True)) <= draw(st.integers(-1, 4)))
        elif kind == "enforced":
            m.Add(sum(lits) + k >= draw(st.integers(1, 5))).OnlyEnforceIf(draw(lit))
        elif kind == "or":
            m.AddBoolOr(lits)
        elif kind == "and":
            m.AddBoolAnd(lits).OnlyEnforceIf(draw(lit))
        elif kind == "amo":
            m.AddAtMostOne(lits)
        else:
            m.AddExactlyOne(lits)
    weights = draw(st.lists(st.integers(-5, 5), min_size=n, max_size=n))
    m.Minimize(sum(w * x for w, x in zip(weights, xs, strict=True)) + draw(st.integers(-2, 2)) * k)
    return m


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_mip_translation_has_the_cpsat_optimum(model):
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status = solver.Solve(model)
    res = solve_model(model, 30.0)  # returns as soon as proven; the limit only matters on a loaded machine
    if status == cp_model.INFEASIBLE:
        assert res.values is None
        return
    assert status == cp_model.OPTIMAL
    assert res.status == "optimal", res
    assert abs(res.objective - solver.ObjectiveValue()) < 1e-6
    # the MIP's values are a solution of the CP-SAT model
    check = cp_model.CpSolver()
    proto = model.Proto()
    proto.solution_hint.vars.extend(range(len(res.values)))
    proto.solution_hint.values.extend(res.values)
    check.parameters.fix_variables_to_their_hinted_value = True
    assert check.Solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def test_mip_dual_bound_includes_the_objective_constant():
    # minimise 7 + 3 * (1 - x) + y with x + y >= 1: optimum 7 (x = 1, y = 0); the constant 7 + 3 is
    # not sent to HiGHS, so its raw dual bound is 7 - 10 = -3
    m = cp_model.CpModel()
    x, y = m.NewBoolVar("x"), m.NewBoolVar("y")
    m.AddBoolOr([x, y])
    m.Minimize(7 + 3 * x.Not() + y)
    from residency.scheduling.mip import _quiet, _solver, dual_bound, translate

    mip, _xs = translate(m.Proto())
    with _quiet():
        mip.solve(_solver(10.0))
    assert dual_bound(mip) == 7.0
    assert solve_model(m, 10.0).bound == 7.0
