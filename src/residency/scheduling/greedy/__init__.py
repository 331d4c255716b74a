"""The ``greedy`` algorithm: a fast constructive heuristic per layer (no CP-SAT), see driver.py."""
