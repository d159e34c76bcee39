"""The HTTP service: ``create_app(settings)`` builds the FastAPI app; ``openclaw serve`` runs it on uvicorn."""

from __future__ import annotations

from openclaw.server.app import create_app

__all__ = ["create_app"]
