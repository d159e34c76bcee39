"""Replaying recorded runs: bundles, deterministic re-runs, what-if runs and forks."""
