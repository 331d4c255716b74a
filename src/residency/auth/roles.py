"""Who may do what. Every route names one of these policies; nothing is implicit."""

from __future__ import annotations

from enum import StrEnum

from residency.store.enums import Role


class Access(StrEnum):
    ANY = "any"  # every signed-in user of the program
    STAFF = "staff"  # admin, coordinator, faculty
    COORDINATOR = "coordinator"  # admin, coordinator
    ADMIN = "admin"
    NONE = "none"


_ALLOWED: dict[Access, frozenset[str]] = {
    Access.ANY: frozenset(Role),
    Access.STAFF: frozenset({Role.ADMIN, Role.COORDINATOR, Role.FACULTY}),
    Access.COORDINATOR: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Access.ADMIN: frozenset({Role.ADMIN}),
    Access.NONE: frozenset(),
}


def allows(access: Access, role: str) -> bool:
    return role in _ALLOWED[access]
