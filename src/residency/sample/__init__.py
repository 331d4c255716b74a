"""Deterministic sample programs (small, realistic, large) for tests, demos and benchmarks."""

from residency.sample.programs import SIZES, build_program

__all__ = ["SIZES", "build_program"]
