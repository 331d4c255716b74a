"""The CP-SAT model of a ``RosterSpec``: variables, every unit encoded, objective = sum of the soft
units' terms. ``keys`` names each decision variable's (person, day) for the LNS driver."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from residency.scheduling.catalogue import Term
from residency.scheduling.roster.spec import OFF, RosterSpec
from residency.scheduling.roster.units import UNITS


@dataclass
class RosterVars:
    x: dict[tuple[int, int, int], Any] = field(default_factory=dict)  # (p, d, s) -> BoolVar (allowed only)
    work: list[list[Any]] = field(default_factory=list)  # [p][d] BoolVar
    by_person: list[list[tuple[tuple[int, int, int], Any]]] = field(default_factory=list)
    under: dict[tuple[int, int], Any] = field(default_factory=dict)
    terms: dict[str, list[Term]] = field(default_factory=dict)

    def keys(self) -> list[tuple[int, int, float]]:
        """(proto variable index, person, day / horizon) of every decision variable (x and work)."""
        h = max(1, len(self.work[0]) if self.work else 1)
        out = [(x.Index(), p, d / h) for (p, d, _s), x in self.x.items()]
        out += [(w.Index(), p, d / h) for p, row in enumerate(self.work) for d, w in enumerate(row)]
        return out


def build(spec: RosterSpec, units: list[str] | None = None) -> tuple[cp_model.CpModel, RosterVars]:
    model = cp_model.CpModel()
    v = RosterVars()
    for p in range(spec.n_people):
        row = []
        v.by_person.append([])
        for d in range(spec.horizon):
            w = model.NewBoolVar(f"work_{p}_{d}")
            row.append(w)
            for s in range(spec.n_shifts):
                if spec.allowed(p, d, s):
                    x = model.NewBoolVar(f"x_{p}_{d}_{s}")
                    v.x[(p, d, s)] = x
                    v.by_person[p].append(((p, d, s), x))
        v.work.append(row)
    for uid, u in UNITS.items():
        if units is not None and uid not in units:
            continue
        terms = u.encode(model, spec, v)
        if terms:
            v.terms[uid] = terms
    expr = [u_w * c * x for uid, ts in v.terms.items() for c, x in ts for u_w in (UNITS[uid].weight,)]
    model.Minimize(sum(expr))
    return model, v


def hint(model: cp_model.CpModel, v: RosterVars, roster: np.ndarray) -> None:
    """Solution hints for the decision variables from a roster (auxiliaries are left to presolve)."""
    model.ClearHints()
    for (p, d, s), x in v.x.items():
        model.AddHint(x, int(roster[p, d] == s))
    for p, row in enumerate(v.work):
        for d, w in enumerate(row):
            model.AddHint(w, int(roster[p, d] != OFF))


def roster_of(values: Any, spec: RosterSpec, v: RosterVars) -> np.ndarray:
    """The roster from a full solution vector (``CpSolverResponse.solution``)."""
    out = spec.empty()
    for (p, d, s), x in v.x.items():
        if values[x.Index()]:
            out[p, d] = s
    return out
