"""Residency Scheduler: builds and guards the schedules of medical residency programs."""

__version__ = "0.1.0"
