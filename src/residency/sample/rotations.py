"""Rotations of the sample programs, built from the workbook templates shipped in ``data/``.

``data/templates.json`` is produced by ``scripts/extract_templates.py``; this module adds what the
workbook does not say (eligibility where the template's group heading is too narrow, capacity,
leave, off-site, half-block, night-float flags) and re-anchors the patterns to the weekday the
program's blocks start on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from residency.domain.program import PATTERN_CELLS, Rotation

CONTINUITY_CODES = frozenset({"C", "CV"})


@dataclass(frozen=True, slots=True)
class Template:
    abbreviation: str
    name: str
    source_row: int
    source_title: str
    group_pgy: tuple[int, ...]
    pattern: tuple[str, ...]  # anchored on ``anchor_weekday``


@dataclass(frozen=True, slots=True)
class Rules:
    """What the sample program decides about a rotation (the workbook only gives its pattern)."""

    max_residents: int
    eligible_pgy: tuple[int, ...] | None = None  # None = the template's group heading
    min_residents: int = 0
    inpatient: bool = False  # inpatient services keep no flexible continuity clinic
    leave_allowed: bool = True
    off_site: bool = False
    half_block_allowed: bool = False
    is_night_float: bool = False


# Capacities are per block for a class of six residents (the "realistic" program).
RULES: dict[str, Rules] = {
    # PGY-1
    "FMO": Rules(6, leave_allowed=False),
    "FMC1": Rules(2),
    "FMIT1": Rules(2, inpatient=True, leave_allowed=False, half_block_allowed=True),
    "ICU": Rules(1, inpatient=True, leave_allowed=False),
    "KAP": Rules(1, inpatient=True, leave_allowed=False),
    "LND": Rules(1, inpatient=True, leave_allowed=False),
    "IMW": Rules(2, inpatient=True, leave_allowed=False),
    "MSK": Rules(1),
    "NBN": Rules(1, inpatient=True, leave_allowed=False),
    "PEDC": Rules(1),
    "PEDW": Rules(1, inpatient=True, leave_allowed=False, half_block_allowed=True),
    "PNF": Rules(1, inpatient=True, leave_allowed=False, half_block_allowed=True, is_night_float=True),
    # PGY-2 (some shared with PGY-3)
    "FMIT2": Rules(2, eligible_pgy=(2, 3), min_residents=1, inpatient=True, leave_allowed=False),
    "FMC": Rules(3, eligible_pgy=(2, 3)),
    "CARD": Rules(1, half_block_allowed=True),
    "EM": Rules(1),
    "GYN": Rules(1),
    "LDNF": Rules(1, inpatient=True, leave_allowed=False, is_night_float=True),
    "PEDSP": Rules(1),
    "PROC": Rules(2, eligible_pgy=(1, 2, 3)),
    "SM": Rules(2, eligible_pgy=(2, 3)),
    "SURG": Rules(1),
    # PGY-3
    "GER": Rules(1),
    "MEDSEL": Rules(1),
    "NF": Rules(
        2,
        eligible_pgy=(1, 2, 3),
        min_residents=1,
        inpatient=True,
        leave_allowed=False,
        half_block_allowed=True,
        is_night_float=True,
    ),
    "NICU": Rules(1, inpatient=True, leave_allowed=False, half_block_allowed=True),
    "PEDER": Rules(1),
    "HILO": Rules(1, leave_allowed=False, off_site=True),
    "PSY": Rules(1, half_block_allowed=True),
    "DERM": Rules(1, eligible_pgy=(2, 3), half_block_allowed=True),
    # electives
    "ELEC": Rules(3, eligible_pgy=(2, 3)),
}


@lru_cache(maxsize=1)
def _load() -> tuple[int, tuple[Template, ...]]:
    text = resources.files("residency.sample").joinpath("data/templates.json").read_text(encoding="utf-8")
    data = json.loads(text)
    templates = []
    for t in data["templates"]:
        pattern = tuple(code for week in t["weeks"] for code in week)
        if len(pattern) != PATTERN_CELLS:
            raise ValueError(f"template {t['abbreviation']}: {len(pattern)} cells")
        templates.append(
            Template(
                abbreviation=t["abbreviation"],
                name=t["name"],
                source_row=t["source_row"],
                source_title=t["source_title"],
                group_pgy=tuple(t["group_pgy"]),
                pattern=pattern,
            )
        )
    return int(data["anchor_weekday"]), tuple(templates)


def templates() -> tuple[Template, ...]:
    return _load()[1]


def anchor_pattern(pattern: tuple[str, ...], from_weekday: int, to_weekday: int) -> tuple[str, ...]:
    """Re-anchor a pattern whose day 0 is ``from_weekday`` so that day 0 is ``to_weekday``.

    Each week is rotated on its own, so weekend cells stay on weekends, Wednesday didactics stay on
    Wednesdays and the two halves of a half-block template stay in their half.
    """
    shift = (to_weekday - from_weekday) % 7
    if not shift:
        return tuple(pattern)
    out = []
    for week in range(len(pattern) // 14):
        for day in range(7):
            src = week * 14 + ((day + shift) % 7) * 2
            out += [pattern[src], pattern[src + 1]]
    return tuple(out)


def build_rotations(
    anchor_weekday: int, abbreviations: list[str] | None = None, scale: int = 1
) -> tuple[Rotation, ...]:
    """Rotations in template order (or in ``abbreviations`` order), capacities multiplied by ``scale``."""
    source_weekday, all_templates = _load()
    by_abbr = {t.abbreviation: t for t in all_templates}
    chosen = abbreviations if abbreviations is not None else [t.abbreviation for t in all_templates]
    rotations = []
    for abbr in chosen:
        t, rules = by_abbr[abbr], RULES[abbr]
        pattern = anchor_pattern(t.pattern, source_weekday, anchor_weekday)
        flexible = frozenset()
        if not (rules.inpatient or rules.is_night_float or rules.off_site):
            flexible = frozenset(i for i, code in enumerate(pattern) if code in CONTINUITY_CODES)
        rotations.append(
            Rotation(
                name=t.name,
                abbreviation=abbr,
                eligible_pgy=rules.eligible_pgy or t.group_pgy,
                pattern=pattern,
                flexible=flexible,
                min_residents=rules.min_residents * scale,
                max_residents=rules.max_residents * scale,
                leave_allowed=rules.leave_allowed,
                off_site=rules.off_site,
                half_block_allowed=rules.half_block_allowed,
                is_night_float=rules.is_night_float,
            )
        )
    return tuple(rotations)
