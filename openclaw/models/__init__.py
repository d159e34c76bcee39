"""Pydantic models at the trust boundaries: incidents, tools, actions, run results."""
