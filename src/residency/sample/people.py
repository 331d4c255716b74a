"""People of the sample programs: fake names from a seeded ``random.Random``, faculty roles, caps."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from residency.domain.program import FacultyRole, Person, PersonKind, PgyLevel

FIRST_NAMES = (
    "Avery", "Blake", "Camila", "Dana", "Elena", "Farah", "Gabriel", "Hana", "Isaac", "Jordan",
    "Kai", "Leilani", "Mateo", "Nadia", "Owen", "Priya", "Quinn", "Rosa", "Samir", "Tessa",
    "Umar", "Vera", "Wesley", "Ximena", "Yusuf", "Zoe", "Aiko", "Bruno", "Chloe", "Diego",
    "Esther", "Felix", "Grace", "Hiro", "Ines", "Jonah", "Keanu", "Lena", "Malia", "Noah",
)  # fmt: skip
LAST_NAMES = (
    "Akana", "Baker", "Castillo", "Dubois", "Eriksen", "Fujita", "Garcia", "Haddad", "Ito", "Jensen",
    "Kahale", "Lopez", "Moreau", "Nakamura", "Okafor", "Patel", "Quintero", "Rossi", "Sato", "Tanaka",
    "Usman", "Vargas", "Walker", "Xu", "Yamamoto", "Zielinski", "Alvarez", "Brennan", "Chen", "Da Silva",
    "Edwards", "Fonoti", "Gupta", "Hoffman", "Iwasaki", "Kealoha", "Lindqvist", "Mahoe", "Nguyen", "Ortiz",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class FacultySeat:
    role: FacultyRole
    clinic_cap_week: int
    procedures: tuple[str, ...]
    fte: float = 1.0


# The ten faculty of the realistic program. ``build_faculty`` repeats this list for the large
# program; the small one takes seats 0, 1, 2 and 7. Seat 2 is the only vasectomy credential
# holder in every size: a single point of failure on purpose.
FACULTY_SEATS = (
    FacultySeat(FacultyRole.PROGRAM_DIRECTOR, 2, ("COLPO", "IUD", "NEXP", "EMB", "SKIN")),
    FacultySeat(FacultyRole.ASSOCIATE_PD, 3, ("COLPO", "IUD", "NEXP", "JOINT", "SKIN")),
    FacultySeat(FacultyRole.CORE, 4, ("VAS", "IUD", "SKIN")),
    FacultySeat(FacultyRole.CORE, 4, ("COLPO", "IUD", "NEXP", "EMB")),
    FacultySeat(FacultyRole.CORE, 4, ("JOINT", "SKIN", "OMT")),
    FacultySeat(FacultyRole.CORE, 4, ("IUD", "NEXP", "SKIN")),
    FacultySeat(FacultyRole.CORE, 4, ("EMB", "COLPO")),
    FacultySeat(FacultyRole.SPORTS_MEDICINE, 4, ("JOINT", "OMT", "SKIN")),
    FacultySeat(FacultyRole.ADJUNCT, 2, ("SKIN",), fte=0.2),
    FacultySeat(FacultyRole.ADJUNCT, 2, ("JOINT",), fte=0.2),
)
SMALL_SEATS = (0, 1, 2, 7)
SINGLE_HOLDER_PROCEDURE = "VAS"


class NameMaker:
    """Unique "First Last" names and example.org emails, in a seeded order."""

    def __init__(self, seed: int) -> None:
        pairs = [(f, last) for f in FIRST_NAMES for last in LAST_NAMES]
        random.Random(f"names:{seed}").shuffle(pairs)
        self._pairs = iter(pairs)

    def next(self) -> tuple[str, str]:
        first, last = next(self._pairs)
        local = f"{first}.{last}".lower().replace(" ", "")
        return f"{first} {last}", f"{local}@example.org"


def resident_key(pgy: int, number: int) -> str:
    return f"R{pgy}-{number:02d}"


def faculty_key(number: int) -> str:
    return f"F-{number:02d}"


def build_residents(names: NameMaker, per_pgy: int, pgys: tuple[int, ...], start: date, year_label: str):
    people = []
    for pgy in pgys:
        for n in range(1, per_pgy + 1):
            name, email = names.next()
            people.append(
                Person(
                    key=resident_key(pgy, n),
                    kind=PersonKind.RESIDENT,
                    name=name,
                    email=email,
                    pgy_levels=(PgyLevel(year_label, pgy, start),),
                    active_from=start,
                )
            )
    return people


def faculty_seats(size: str) -> list[tuple[FacultySeat, int]]:
    """(seat, copy) pairs: copy 0 is the realistic ten, copies 1.. repeat them for the large program.

    In later copies the program director's seat becomes a core seat (one program, one PD) and the
    vasectomy credential is left out (it stays a single point of failure).
    """
    if size == "small":
        return [(FACULTY_SEATS[i], 0) for i in SMALL_SEATS]
    copies = 3 if size == "large" else 1
    seats = []
    for copy in range(copies):
        for seat in FACULTY_SEATS:
            if copy:
                role = FacultyRole.CORE if seat.role == FacultyRole.PROGRAM_DIRECTOR else seat.role
                procs = tuple(p for p in seat.procedures if p != SINGLE_HOLDER_PROCEDURE)
                seat = FacultySeat(role, seat.clinic_cap_week, procs, seat.fte)
            seats.append((seat, copy))
    return seats


def build_faculty(names: NameMaker, seats: list[tuple[FacultySeat, int]], start: date) -> list[Person]:
    people = []
    for n, (seat, _copy) in enumerate(seats, start=1):
        name, email = names.next()
        people.append(
            Person(
                key=faculty_key(n),
                kind=PersonKind.FACULTY,
                name=f"Dr. {name}",
                email=email,
                faculty_role=seat.role,
                clinic_cap_week=seat.clinic_cap_week,
                clinic_cap_block=seat.clinic_cap_week * 4,
                fte=seat.fte,
                active_from=start,
            )
        )
    return people
