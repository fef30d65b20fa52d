"""Benchmarks measured through a real browser (python -m tests.perf.appbench)."""
