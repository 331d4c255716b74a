"""Shared fixtures of the roster benchmark tests: a one-person week small enough to enumerate."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from residency.bench.curtois import parse
from residency.bench.curtois_model import to_spec
from residency.scheduling.roster import colgen
from residency.scheduling.roster.spec import OFF

WEEK = """SECTION_HORIZON
7

SECTION_SHIFTS
D,480,
N,600,D

SECTION_STAFF
A,D=7|N=2,3000,1400,3,2,2,1

SECTION_DAYS_OFF
A,2

SECTION_SHIFT_ON_REQUESTS
A,0,D,2

SECTION_SHIFT_OFF_REQUESTS
A,3,N,1

SECTION_COVER
0,D,1,100,1
1,N,1,100,1
"""


@pytest.fixture(scope="module")
def week_text() -> str:
    return WEEK


@pytest.fixture(scope="module")
def week():
    spec = to_spec(parse(WEEK, "week"))
    master = colgen.Master(spec)
    pricer = colgen.Pricer(spec, 0, *master.costs[0])
    rows = [np.array(r, dtype=np.int32) for r in itertools.product([OFF, 0, 1], repeat=spec.horizon)]
    return spec, pricer, [r for r in rows if pricer.legal(r)]
