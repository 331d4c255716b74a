"""The constraint catalogue, one module per family; importing this package registers them all."""

from residency.scheduling.constraints import acgme, blocks, call, clinic, faculty, grid, preference, repair  # noqa: F401
