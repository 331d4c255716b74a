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


def translate(proto: Any, relax: bool = False) -> tuple[pulp.LpProblem, list]:
    with warnings.catch_warnings():  # PuLP 3.x deprecates LpVariable(...) in favour of a 4.0 API
        warnings.simplefilter("ignore", DeprecationWarning)
        return _translate(proto, relax)


def _translate(proto: Any, relax: bool) -> tuple[pulp.LpProblem, list]:
    """Each constraint's expression is built as one coefficient map (``LpAffineExpression`` from a
    dict), not by operator overloading: on the large program's block layer (50k variables, 57k
    constraints) that is the difference between 12 s and about 2."""
    prob = pulp.LpProblem("model", pulp.LpMinimize)
    lows, highs, xs = [], [], []
    for i, var in enumerate(proto.variables):
        dom = var.domain
        lo, hi = int(dom[0]), int(dom[len(dom) - 1])
        lows.append(lo)
        highs.append(hi)
        cat = "Continuous" if relax else ("Binary" if lo >= 0 and hi <= 1 else "Integer")
        xs.append(pulp.LpVariable(f"v{i}", lowBound=lo, upBound=hi, cat=cat))
    k = 0

    def expr(pairs: list[tuple[int, int]]) -> tuple[dict, int]:
        """sum c * lit for (c, lit) (a negative literal -i-1 means 1 - x_i): coefficients, constant."""
        coef: dict[Any, int] = {}
        const = 0
        for c, v in pairs:
            if v >= 0:
                coef[xs[v]] = coef.get(xs[v], 0) + c
            else:
                x = xs[-v - 1]
                coef[x] = coef.get(x, 0) - c
                const += c
        return coef, const

    def add(coef: dict, const: int, sense: int, rhs: float) -> None:
        nonlocal k
        prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(coef, constant=const), sense, f"c{k}", rhs))
        k += 1

    for ct in proto.constraints:
        kind = next((k for k in KINDS if getattr(ct, f"has_{k}")()), None)
        if kind is None:
            kind = next((k for k in OTHER if getattr(ct, f"has_{k}")()), "unknown")
        enf = list(ct.enforcement_literal)
        # slack = sum(1 - e) over the enforcement literals: 0 when all hold
        slack = [(1, -e - 1) for e in enf]
        if kind == "linear":
            lin = ct.linear
            terms, shift = [], 0
            for c, v in zip(lin.coeffs, lin.vars, strict=True):
                c, v = int(c), int(v)
                if v < 0:  # c * (1 - x): a constant and -c * x
                    shift += c
                    c, v = -c, -v - 1
                terms.append((c, v))
            dom = list(lin.domain)
            lo, hi = (dom[0], dom[-1]) if len(dom) != 2 else dom  # holes are dropped (not emitted by our units)
            lo, hi = lo - shift if lo > -(2**62) else lo, hi - shift if hi < 2**62 else hi
            mn = sum(c * (lows[v] if c > 0 else highs[v]) for c, v in terms)
            mx = sum(c * (highs[v] if c > 0 else lows[v]) for c, v in terms)
            if lo > -(2**62) and lo > mn:
                big = max(0, lo - mn)
                coef, const = expr(terms + [(big, s) for _c, s in slack])
                add(coef, const, pulp.LpConstraintGE, lo)
            if hi < 2**62 and hi < mx:
                big = max(0, mx - hi)
                coef, const = expr(terms + [(-big, s) for _c, s in slack])
                add(coef, const, pulp.LpConstraintLE, hi)
        elif kind == "bool_or":
            coef, const = expr([(1, int(i)) for i in ct.bool_or.literals] + slack)
            add(coef, const, pulp.LpConstraintGE, 1)
        elif kind == "bool_and":
            for i in ct.bool_and.literals:
                coef, const = expr([(1, int(i))] + slack)
                add(coef, const, pulp.LpConstraintGE, 1)
        elif kind == "at_most_one":
            coef, const = expr([(1, int(i)) for i in ct.at_most_one.literals])
            add(coef, const, pulp.LpConstraintLE, 1)
        elif kind == "exactly_one":
            coef, const = expr([(1, int(i)) for i in ct.exactly_one.literals])
            add(coef, const, pulp.LpConstraintEQ, 1)
        else:
            raise ValueError(f"the MIP translation does not support {kind} constraints")
    obj = proto.objective
    coef, const = expr([(int(c), int(v)) for c, v in zip(obj.coeffs, obj.vars, strict=True)])
    prob += pulp.LpAffineExpression(coef, constant=const + obj.offset)
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
        # no thread count for HiGHS: its scheduler is global and takes the first count a process
        # asks for; a later solve asking another one ends without a solution (seen in the tests:
        # a one-thread solve after a two-thread one came back 'unknown')
        return _HighsWithStart(start=start if not relax else None, msg=False, timeLimit=max(1.0, time_limit),
                               mip=not relax, log_to_console=False, output_flag=False)  # fmt: skip
    return pulp.PULP_CBC_CMD(msg=False, timeLimit=max(1, int(time_limit)), threads=threads, mip=not relax)


def dual_bound(mip: pulp.LpProblem) -> float | None:
    """HiGHS's own dual bound of the MIP (it may get further than the relaxation), or None (CBC, an
    older HiGHS, no bound yet). PuLP does not hand the objective's constant to HiGHS, so it is added
    here: without it the bound of a model whose objective has one (negated literals, offsets) was
    too low - negative on four Curtois instances."""
    try:
        dual = float(mip.solverModel.getInfo().mip_dual_bound)
    except Exception:  # noqa: BLE001
        return None
    if abs(dual) >= 1e30:
        return None
    return dual + float(mip.objective.constant or 0)


def solve_model(model: Any, time_limit: float, hints: list[int] | None = None, threads: int = 1) -> MipResult:
    """Relaxation (bound) then the MIP, within ``time_limit`` seconds overall."""
    t0 = time.monotonic()
    proto = model.Proto()
    mip, xs = translate(proto)
    # the relaxation: the same problem with every variable continuous for a moment (one translation)
    cats = [x.cat for x in xs]
    for x in xs:
        x.cat = pulp.LpContinuous
    with _quiet():
        mip.solve(_solver(max(1.0, 0.2 * time_limit), relax=True, threads=threads))
    bound = pulp.value(mip.objective) if getattr(mip, "sol_status", None) == pulp.LpSolutionOptimal else None
    for x, cat in zip(xs, cats, strict=True):
        x.cat = cat
    left = max(1.0, time_limit - (time.monotonic() - t0))
    with _quiet():
        status = mip.solve(_solver(left, threads=threads, start=hints))
    name = pulp.LpStatus[status]
    sol = mip.sol_status if hasattr(mip, "sol_status") else None
    dual = dual_bound(mip)
    if dual is not None:
        bound = dual if bound is None else max(bound, dual)
    values = None
    if sol in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        # a variable in no constraint and not in the objective is not sent to the solver: any value
        # of its domain will do, the lower bound is taken
        values = [round(x.varValue) if x.varValue is not None else int(x.lowBound) for x in xs]
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


# share of a layer's budget asked of HiGHS: it overruns its time limit on the large program's MIPs
# (the residents layer: 27 s for 19 s asked, the block layer 3.7 s for 2.5 s), and the CP-SAT check
# after it needs a moment; at 0.9 the lp run of `large` took 72-85 s for a 60 s limit
LAYER_SHARE = 0.65


def solve_via_mip(model: Any, ctx: Any, budget: float) -> tuple[Any, Any, bool] | None:
    """The ``lp`` algorithm for one CP-SAT layer model: MIP through PuLP/HiGHS, then the MIP's values
    fixed as CP-SAT hints and checked by CP-SAT (which gives the solver-like result the layers read).
    None when the model cannot be translated or the MIP finds nothing: the caller falls back to CP-SAT."""
    from ortools.sat.python import cp_model

    from residency.scheduling.lns import Incumbent

    try:
        proto = model.Proto()
        start = None  # a full hint (the greedy solution of the layer, see scheduling/warm.py) is the MIP start
        if len(proto.solution_hint.vars) == len(proto.variables):
            start = [0] * len(proto.variables)
            for i, val in zip(proto.solution_hint.vars, proto.solution_hint.values, strict=True):
                start[i] = int(val)
        res = solve_model(model, max(1.0, budget * LAYER_SHARE), hints=start, threads=max(1, ctx.workers))
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
