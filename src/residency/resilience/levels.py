"""Utilization levels and their thresholds (configurable).

GREEN < 70 % <= YELLOW < 80 % <= ORANGE < 90 % <= RED < 95 % <= BLACK, by default. A utilization
ρ is required capacity / available capacity; ρ > 1 means the requirement cannot be met at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

RHO_CAP = 10.0  # ρ reported when something is required and nobody is available (keeps JSON finite)


class Level(IntEnum):
    GREEN = 0
    YELLOW = 1
    ORANGE = 2
    RED = 3
    BLACK = 4

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Lower bounds of YELLOW, ORANGE, RED and BLACK, as fractions."""

    yellow: float = 0.70
    orange: float = 0.80
    red: float = 0.90
    black: float = 0.95

    def __post_init__(self) -> None:
        if not 0 < self.yellow <= self.orange <= self.red <= self.black:
            raise ValueError("thresholds must satisfy 0 < yellow <= orange <= red <= black")

    def level(self, rho: float) -> Level:
        if rho >= self.black:
            return Level.BLACK
        if rho >= self.red:
            return Level.RED
        if rho >= self.orange:
            return Level.ORANGE
        if rho >= self.yellow:
            return Level.YELLOW
        return Level.GREEN

    def to_dict(self) -> dict[str, Any]:
        return {"yellow": self.yellow, "orange": self.orange, "red": self.red, "black": self.black}


DEFAULT_THRESHOLDS = Thresholds()


def rho_of(required: float, available: float) -> float:
    """Required / available, 0 when nothing is required, ``RHO_CAP`` when nobody is available."""
    if required <= 0:
        return 0.0
    if available <= 0:
        return RHO_CAP
    return min(RHO_CAP, required / available)
