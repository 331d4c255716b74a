"""Enumerations that belong to the shells (the core's live in residency.domain)."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    FACULTY = "faculty"
    RESIDENT = "resident"


class HalfDayName(StrEnum):
    AM = "AM"
    PM = "PM"


class AssignmentPart(StrEnum):
    WHOLE = "whole"
    FIRST_HALF = "first_half"
    SECOND_HALF = "second_half"


class AssignmentSource(StrEnum):
    PATTERN = "pattern"
    SOLVER = "solver"
    MANUAL = "manual"
    IMPORT = "import"


class ScheduleStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"
    FALLBACK = "fallback"  # a stored fallback schedule for a named scenario, activatable


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    CANCELLING = "cancelling"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class CredentialStatus(StrEnum):
    ACTIVE = "active"
    PROVISIONAL = "provisional"
    SUSPENDED = "suspended"
    EXPIRED = "expired"


class Competency(StrEnum):
    TRAINEE = "trainee"
    SUPERVISED = "supervised"
    INDEPENDENT = "independent"
    TRAINER = "trainer"
