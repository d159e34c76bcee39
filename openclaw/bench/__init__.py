"""Benchmarks behind ``openclaw bench``: they print figures, they never assert timings."""
