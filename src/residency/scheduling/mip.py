"""The ``lp`` algorithm: a CP-SAT model (built by the same constraint units) translated to a MIP and
solved by HiGHS (or CBC) through PuLP. Its LP relaxation gives a lower bound.

Supported constraints: linear (one interval), bool_or, bool_and, at_most_one, exactly_one, each
optionally under enforcement literals (big-M from the variable bounds) - what the scheduling and
rostering units emit. A model using anything else raises ``ValueError``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pulp


@dataclass
class MipResult:
    status: str  # optimal | feasible | infeasible | unknown
    values: list[int] | None
    objective: float | None
    bound: float | None  # LP relaxation (or the MIP dual bound when proven optimal)
    seconds: float


KINDS = ("linear", "bool_or", "bool_and", "at_most_one", "exactly_one")
OTHER = ("bool_xor", "lin_max", "int_prod", "int_div", "int_mod", "element", "table", "automaton", "all_diff",
         "interval", "no_overlap", "cumulative", "circuit", "inverse", "reservoir")  # fmt: skip


def _lit(xs: list, i: int) -> Any:
    return xs[i] if i >= 0 else 1 - xs[-i - 1]


def _bounds(proto: Any, i: int) -> tuple[int, int]:
    dom = proto.variables[i].domain
    return int(dom[0]), int(dom[len(dom) - 1])


def translate(proto: Any, relax: bool = False) -> tuple[pulp.LpProblem, list]:
    with warnings.catch_warnings():  # PuLP 3.x deprecates LpVariable(...) in favour of a 4.0 API
        warnings.simplefilter("ignore", DeprecationWarning)
        return _translate(proto, relax)


def _translate(proto: Any, relax: bool) -> tuple[pulp.LpProblem, list]:
    prob = pulp.LpProblem("model", pulp.LpMinimize)
    xs = []
    for i in range(len(proto.variables)):
        lo, hi = _bounds(proto, i)
        cat = "Continuous" if relax else ("Binary" if (lo, hi) in ((0, 1), (0, 0), (1, 1)) else "Integer")
        x = pulp.LpVariable(f"v{i}", lowBound=lo, upBound=hi, cat=cat)
        xs.append(x)
    k = 0

    def add(expr: Any) -> None:
        nonlocal k
        prob.addConstraint(expr, f"c{k}")
        k += 1

    for ct in proto.constraints:
        kind = next((k for k in KINDS if getattr(ct, f"has_{k}")()), None)
        if kind is None:
            kind = next((k for k in OTHER if getattr(ct, f"has_{k}")()), "unknown")
        enf = list(ct.enforcement_literal)
        slack = pulp.lpSum(1 - _lit(xs, e) for e in enf) if enf else 0  # 0 when all enforced
        if kind == "linear":
            lin = ct.linear
            terms = [(int(c), int(v)) for c, v in zip(lin.coeffs, lin.vars, strict=True)]
            expr = pulp.lpSum(c * _lit(xs, v) for c, v in terms)
            dom = list(lin.domain)
            if len(dom) != 2:
                lo, hi = dom[0], dom[-1]  # holes are dropped (not emitted by our units)
            else:
                lo, hi = dom
            mn = sum(c * (_bounds(proto, v)[0] if c > 0 else _bounds(proto, v)[1]) for c, v in terms if v >= 0)
            mx = sum(c * (_bounds(proto, v)[1] if c > 0 else _bounds(proto, v)[0]) for c, v in terms if v >= 0)
            big_lo = max(0, lo - mn) if lo > -(2**62) else 0
            big_hi = max(0, mx - hi) if hi < 2**62 else 0
            if lo > -(2**62) and lo > mn:
                add(expr >= lo - big_lo * slack if enf else expr >= lo)
            if hi < 2**62 and hi < mx:
                add(expr <= hi + big_hi * slack if enf else expr <= hi)
        elif kind == "bool_or":
            add(pulp.lpSum(_lit(xs, i) for i in ct.bool_or.literals) + slack >= 1)
        elif kind == "bool_and":
            for i in ct.bool_and.literals:
                add(_lit(xs, i) + slack >= 1)
        elif kind == "at_most_one":
            add(pulp.lpSum(_lit(xs, i) for i in ct.at_most_one.literals) <= 1 + len(enf) * 0)
        elif kind == "exactly_one":
            add(pulp.lpSum(_lit(xs, i) for i in ct.exactly_one.literals) == 1)
        else:
            raise ValueError(f"the MIP translation does not support {kind} constraints")
    obj = proto.objective
    prob += pulp.lpSum(int(c) * _lit(xs, v) for c, v in zip(obj.coeffs, obj.vars, strict=True)) + obj.offset
    return prob, xs


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """HiGHS prints a banner on the C-level stdout; keep stdout clean (the CLI prints JSON there)."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


class _HighsWithStart(pulp.HiGHS):
    """pulp.HiGHS (the highspy API) that hands HiGHS a MIP start before solving."""

    def __init__(self, start: list[int] | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.start = start

    def callSolver(self, lp: Any) -> None:  # noqa: N802 (PuLP API)
        if self.start is not None:
            import highspy

            cols = [0.0] * lp.solverModel.getNumCol()
            for var in lp.variables():
                cols[var.index] = float(self.start[int(var.name[1:])])
            sol = highspy.HighsSolution()
            sol.col_value = cols
            sol.value_valid = True
            lp.solverModel.setSolution(sol)
        lp.solverModel.run()


def _solver(time_limit: float, relax: bool = False, threads: int = 1, start: list[int] | None = None):
    if "HiGHS" in pulp.listSolvers(onlyAvailable=True):
        return _HighsWithStart(start=start if not relax else None,msg=False, timeLimit=max(1.0, time_limit), threads=threads, mip=not relax,
                          log_to_console=False, output_flag=False)  # fmt: skip
    return pulp.PULP_CBC_CMD(msg=False, timeLimit=max(1, int(time_limit)), threads=threads, mip=not relax)


def solve_model(model: Any, time_limit: float, hints: list[int] | None = None, threads: int = 1) -> MipResult:
    """Relaxation (bound) then the MIP, within ``time_limit`` seconds overall."""
    t0 = time.monotonic()
    proto = model.Proto()
    lp, _ = translate(proto, relax=True)
    with _quiet():
        lp.solve(_solver(max(1.0, 0.2 * time_limit), relax=True, threads=threads))
    bound = pulp.value(lp.objective) if getattr(lp, "sol_status", None) == pulp.LpSolutionOptimal else None
    mip, xs = translate(proto)
    left = max(1.0, time_limit - (time.monotonic() - t0))
    with _quiet():
        status = mip.solve(_solver(left, threads=threads, start=hints))
    name = pulp.LpStatus[status]
    sol = mip.sol_status if hasattr(mip, "sol_status") else None
    try:  # HiGHS's own dual bound of the MIP, when it got further than the relaxation
        dual = float(mip.solverModel.getInfo().mip_dual_bound)
        if abs(dual) < 1e30:
            bound = dual if bound is None else max(bound, dual)
    except Exception:  # noqa: BLE001 (CBC, or an older HiGHS: keep the LP bound)
        pass
    values = None
    if sol in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible) and all(x.varValue is not None for x in xs):
        values = [round(x.varValue) for x in xs]
    if values is None:
        return MipResult("infeasible" if name == "Infeasible" else "unknown", None, None, bound,
                         time.monotonic() - t0)  # fmt: skip
    obj = sum(int(c) * (values[v] if v >= 0 else 1 - values[-v - 1])
              for c, v in zip(proto.objective.coeffs, proto.objective.vars, strict=True)) + proto.objective.offset  # fmt: skip
    optimal = name == "Optimal" and sol == pulp.LpSolutionOptimal
    if bound is not None and bound > obj:
        bound = obj
    return MipResult("optimal" if optimal else "feasible", values, obj, obj if optimal else bound,
                     time.monotonic() - t0)  # fmt: skip


def solve_via_mip(model: Any, ctx: Any, budget: float) -> tuple[Any, Any, bool] | None:
    """The ``lp`` algorithm for one CP-SAT layer model: MIP through PuLP/HiGHS, then the MIP's values
    fixed as CP-SAT hints and checked by CP-SAT (which gives the solver-like result the layers read).
    None when the model cannot be translated or the MIP finds nothing: the caller falls back to CP-SAT."""
    from ortools.sat.python import cp_model

    from residency.scheduling.lns import Incumbent

    try:
        res = solve_model(model, max(1.0, budget * 0.9), threads=max(1, ctx.workers))
    except ValueError as exc:
        ctx.notes.append(f"lp: layer {ctx.layer} solved by CP-SAT ({exc})")
        return None
    if res.values is None:
        ctx.notes.append(f"lp: the MIP of layer {ctx.layer} found no solution ({res.status}); CP-SAT used")
        return None
    proto = model.Proto()
    proto.solution_hint.vars.clear()
    proto.solution_hint.values.clear()
    proto.solution_hint.vars.extend(range(len(res.values)))
    proto.solution_hint.values.extend(res.values)
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = max(5.0, 0.1 * budget)
    status = solver.Solve(model)
    proto.solution_hint.vars.clear()
    proto.solution_hint.values.clear()
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        ctx.notes.append(f"lp: the MIP solution of layer {ctx.layer} was rejected by CP-SAT; CP-SAT used")
        return None
    bound = res.bound if res.bound is not None else solver.ObjectiveValue()
    return (cp_model.OPTIMAL if res.status == "optimal" else cp_model.FEASIBLE), Incumbent(solver, bound), True
