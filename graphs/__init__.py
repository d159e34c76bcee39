"""Graph assembly only: nodes and routers live in ``openclaw.nodes``."""
