"""Public rostering benchmarks: instance parsers and evaluators that are independent of our models."""
