"""The constraint catalogue: each constraint one named unit.

A constraint has an ``id``, a ``layer`` (the solver layer whose model it is encoded in), hard or soft
with a ``weight``, ``encode(model, problem, v)`` that adds it to that layer's CP-SAT model (soft ones
return their penalty terms) and ``measure(problem, schedule)`` that counts its violations on any
schedule, whoever made it. The same list drives the solver, the objective breakdown and the score of
a hand-edited schedule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from residency.domain.schedule import Schedule
    from residency.scheduling.problem import Problem


@dataclass(frozen=True, slots=True)
class Breach:
    constraint: str
    message: str
    person: str | None = None
    day: date | None = None
    amount: float = 1.0


# A penalty term of a soft constraint: (coefficient, CP-SAT linear expression or variable).
Term = tuple[int, Any]


class Constraint:
    id: ClassVar[str]
    title: ClassVar[str]
    layer: ClassVar[str]  # blocks | residents | faculty | clinic | grid
    hard: ClassVar[bool] = True
    weight: ClassVar[int] = 0

    def encode(self, model: Any, problem: Problem, v: Any) -> list[Term]:
        return []

    def measure(self, problem: Problem, schedule: Schedule) -> list[Breach]:
        return []

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "layer": self.layer,
            "hard": self.hard,
            "weight": self.weight,
            "doc": (type(self).__doc__ or "").strip(),
        }


CATALOGUE: dict[str, Constraint] = {}


def constraint(cls: type[Constraint]) -> type[Constraint]:
    """Register a constraint class (one instance) in the catalogue under its id."""
    if cls.id in CATALOGUE:
        raise ValueError(f"duplicate constraint id {cls.id}")
    CATALOGUE[cls.id] = cls()
    return cls


def of_layer(layer: str) -> list[Constraint]:
    _load()
    return [c for c in CATALOGUE.values() if c.layer == layer]


def all_constraints() -> list[Constraint]:
    _load()
    return list(CATALOGUE.values())


def _load() -> None:
    import residency.scheduling.constraints  # noqa: F401  (registers the catalogue)


def measure_all(problem: Problem, schedule: Schedule, ids: Callable[[str], bool] | None = None) -> dict[str, list]:
    """Breaches of every constraint (or those whose id passes ``ids``) on ``schedule``."""
    out = {}
    for c in all_constraints():
        if ids is None or ids(c.id):
            out[c.id] = c.measure(problem, schedule)
    return out


def score(problem: Problem, schedule: Schedule) -> dict[str, dict[str, Any]]:
    """Per constraint: breach count, penalty (weight x amount for soft ones), hard or soft."""
    out = {}
    for cid, breaches in measure_all(problem, schedule).items():
        c = CATALOGUE[cid]
        amount = sum(b.amount for b in breaches)
        out[cid] = {
            "hard": c.hard,
            "breaches": len(breaches),
            "penalty": 0 if c.hard else round(c.weight * amount, 3),
        }
    return out
