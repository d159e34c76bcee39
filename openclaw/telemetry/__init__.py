"""Observability: OpenTelemetry spans and metrics, Prometheus ``/metrics``, Langfuse.

:func:`build_telemetry` makes everything for one app, from the settings' ``OTEL_*`` and
``LANGFUSE_*`` variables (see :mod:`openclaw.telemetry.options`); nothing is global and
nothing is built at import time. Tests inject an ``InMemorySpanExporter`` and an
``InMemoryMetricReader``.
"""

from __future__ import annotations

from openclaw.telemetry.metrics import Metrics
from openclaw.telemetry.options import TelemetryOptions, telemetry_options
from openclaw.telemetry.tracing import Telemetry, build_telemetry

__all__ = ["Metrics", "Telemetry", "TelemetryOptions", "build_telemetry", "telemetry_options"]
