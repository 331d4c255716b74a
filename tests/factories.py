"""Valid payloads for every API resource, and the parent rows they need (created through the API)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

API = "/api/v1"
TEST_SECRET = "test-secret-" + "x" * 40  # the conftest's settings


@pytest.fixture(scope="module")
def app(database_url: str):
    """One app per test module (building one costs ~0.2 s); the conftest truncates tables per test."""
    from residency.api.app import create_app
    from residency.config import Settings

    return create_app(
        Settings(DATABASE_URL=database_url, SECRET_KEY=TEST_SECRET, RESIDENCY_ENV="development", LOG_LEVEL="WARNING")
    )


@pytest.fixture(scope="module", autouse=True)
def cheap_argon2():
    """Still argon2, with the smallest cost, so that creating a user takes ms, not 90 ms."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    from residency.auth import passwords

    saved = passwords._hasher
    passwords._hasher = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    yield
    passwords._hasher = saved


PATTERN_CELLS = 56
_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


class Builder:
    """Creates parent rows lazily (once each) as a coordinator of one program."""

    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers
        self._cache: dict[str, int] = {}

    def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        r = self.client.post(API + path, json=payload, headers=self.headers)
        assert r.status_code == 201, (path, r.status_code, r.text)
        return r.json()

    def _once(self, key: str, make: Callable[[], int]) -> int:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def year(self) -> int:
        return self._once("year", lambda: self.post("/academic-years", PAYLOADS["academic_year"](self))["id"])

    def block(self) -> int:
        return self._once("block", lambda: self.post("/blocks", PAYLOADS["block"](self))["id"])

    def person(self) -> int:
        return self._once("person", lambda: self.post("/people", PAYLOADS["person"](self))["id"])

    def activity_code(self) -> str:
        self.activity()
        return self._code

    def activity(self) -> int:
        def make() -> int:
            body = self.post("/activities", PAYLOADS["activity"](self))
            self._code = body["code"]
            return body["id"]

        return self._once("activity", make)

    def rotation(self) -> int:
        def make() -> int:
            body = self.post("/rotations", PAYLOADS["rotation"](self))
            self._abbreviation = body["abbreviation"]
            return body["id"]

        return self._once("rotation", make)

    def rotation_abbreviation(self) -> str:
        self.rotation()
        return self._abbreviation

    def call_pool(self) -> int:
        return self._once("call_pool", lambda: self.post("/call-pools", PAYLOADS["call_pool"](self))["id"])

    def procedure(self) -> int:
        return self._once("procedure", lambda: self.post("/procedures", PAYLOADS["procedure"](self))["id"])

    def certification_type(self) -> int:
        return self._once(
            "certification_type", lambda: self.post("/certification-types", PAYLOADS["certification_type"](self))["id"]
        )

    def schedule(self) -> int:
        return self._once("schedule", lambda: self.post("/schedules", PAYLOADS["schedule"](self))["id"])


Payload = Callable[[Builder], dict[str, Any]]

# A valid create payload per resource name (each call gives unique keys where the table has them).
PAYLOADS: dict[str, Payload] = {
    "academic_year": lambda b: {"label": f"Y{_n()}", "start_date": "2025-07-01", "end_date": "2026-06-30"},
    "block": lambda b: {
        "academic_year_id": b.year(),
        "number": _n(),
        "start_date": "2025-07-01",
        "end_date": "2025-07-28",
    },
    "holiday": lambda b: {"academic_year_id": b.year(), "day": f"2025-07-{_n() % 28 + 1:02d}", "name": "Holiday"},
    "person": lambda b: {"key": f"P{_n()}", "kind": "resident", "name": "Ann Resident", "email": "ann@example.org"},
    "pgy_level": lambda b: {
        "person_id": b.person(),
        "academic_year_id": b.year(),
        "pgy": 1,
        "promotion_date": "2025-07-01",
    },
    "activity": lambda b: {"code": f"C{_n()}", "name": "Clinic", "category": "clinical"},
    "rotation": lambda b: {
        "name": "Inpatient",
        "abbreviation": f"R{_n()}",
        "eligible_pgy": [1, 2],
        "pattern": [b.activity_code()] * PATTERN_CELLS,
        "flexible": [0, 1],
    },
    "curriculum_requirement": lambda b: {
        "pgy": 1,
        "name": "Inpatient months",
        "rotations": [b.rotation_abbreviation()],
        "min_blocks": 1.0,
        "max_blocks": 3.0,
    },
    "call_pool": lambda b: {
        "name": f"Pool {_n()}",
        "kind": "in_house",
        "eligible_pgy": [1],
        "post_call_codes": [b.activity_code()],
        "weekdays": [0, 1, 2],
    },
    "backup_activation": lambda b: {
        "call_pool_id": b.call_pool(),
        "start_date": "2025-09-01",
        "end_date": "2025-09-28",
    },
    "absence": lambda b: {
        "person_id": b.person(),
        "start_date": "2025-08-04",
        "end_date": "2025-08-08",
        "type": "vacation",
    },
    "procedure": lambda b: {"code": f"PR{_n()}", "name": "Colonoscopy"},
    "procedure_credential": lambda b: {
        "person_id": b.person(),
        "procedure_id": b.procedure(),
        "issued": "2025-01-01",
        "expires": "2027-01-01",
    },
    "certification_type": lambda b: {"name": f"BLS{_n()}", "renewal_months": 24},
    "person_certification": lambda b: {
        "person_id": b.person(),
        "certification_type_id": b.certification_type(),
        "issued": "2025-01-01",
        "expires": "2027-01-01",
    },
    "schedule_run": lambda b: {"academic_year_id": b.year(), "algorithm": "greedy", "seed": 7},
    "schedule": lambda b: {"academic_year_id": b.year(), "name": f"Draft {_n()}"},
    "block_assignment": lambda b: {
        "schedule_id": b.schedule(),
        "person_id": b.person(),
        "block_id": b.block(),
        "rotation_id": b.rotation(),
    },
    "half_day_assignment": lambda b: {
        "schedule_id": b.schedule(),
        "person_id": b.person(),
        "day": f"2025-09-{_n() % 28 + 1:02d}",
        "half": "AM",
        "activity_id": b.activity(),
    },
    "call_assignment": lambda b: {
        "schedule_id": b.schedule(),
        "person_id": b.person(),
        "call_pool_id": b.call_pool(),
        "night": f"2025-10-{_n() % 28 + 1:02d}",
    },
}

# A valid partial update per resource.
PATCHES: dict[str, dict[str, Any]] = {
    "academic_year": {"timezone": "America/Chicago"},
    "block": {"end_date": "2025-07-27"},
    "holiday": {"name": "Renamed"},
    "person": {"name": "Anne Resident"},
    "pgy_level": {"pgy": 2},
    "activity": {"name": "Continuity clinic"},
    "rotation": {"name": "Inpatient medicine", "max_residents": 4},
    "curriculum_requirement": {"min_blocks": 2.0},
    "call_pool": {"per_night": 2},
    "absence": {"notes": "beach"},
    "backup_activation": {"end_date": "2025-10-05"},
    "procedure": {"name": "Upper endoscopy"},
    "procedure_credential": {"status": "suspended"},
    "certification_type": {"renewal_months": 12},
    "person_certification": {"expires": "2028-01-01"},
    "schedule_run": {"seed": 11},
    "schedule": {"name": "Renamed draft"},
    "block_assignment": {"locked": True},
    "half_day_assignment": {"locked": True, "override_reason": "swap"},
    "call_assignment": {"locked": True},
}


def create(b: Builder, path: str, name: str, **overrides: Any) -> dict[str, Any]:
    return b.post(path, PAYLOADS[name](b) | overrides)
