"""The providers of one app: a ``TracerProvider``, a ``MeterProvider``, the metrics and the handlers.

Spans go to OTLP/HTTP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or the traces endpoint) is
set, and to any exporter passed in (tests pass an ``InMemorySpanExporter``). The
providers are never set as OTel's global ones: the callback handler holds its tracer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter

from openclaw.telemetry.callbacks import TelemetryCallbackHandler
from openclaw.telemetry.langfuse import LangfuseTracing, build_langfuse
from openclaw.telemetry.metrics import Metrics
from openclaw.telemetry.options import TelemetryOptions
from openclaw.telemetry.redact import ContentPolicy

INSTRUMENTATION = "openclaw"


@dataclass
class Telemetry:
    """Everything observability needs for one app; ``callbacks`` go to ``Engine.callbacks``."""

    options: TelemetryOptions
    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    metrics: Metrics
    handler: TelemetryCallbackHandler
    langfuse: LangfuseTracing | None = None
    _closed: bool = field(default=False, repr=False)

    @property
    def callbacks(self) -> list[Any]:
        """LangChain handlers to attach to every graph run: spans/metrics, then Langfuse when on."""
        return [self.handler, *([self.langfuse.handler] if self.langfuse else [])]

    def shutdown(self) -> None:
        """Flush and stop exporters (blocking: call it off the event loop). Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.langfuse is not None:
                self.langfuse.shutdown()
        finally:
            self.tracer_provider.shutdown()
            self.meter_provider.shutdown()


def build_telemetry(
    options: TelemetryOptions,
    *,
    systems: Mapping[str, str] | None = None,
    span_exporters: Iterable[SpanExporter] = (),
    metric_readers: Iterable[MetricReader] = (),
) -> Telemetry:
    """Build the providers, the metrics and the LangChain handlers.

    ``systems`` maps LLM base URLs to provider names (for ``gen_ai.system``);
    ``span_exporters`` get every span synchronously (tests); ``metric_readers`` read the
    OTel gen_ai histograms (tests: ``InMemoryMetricReader``).
    """
    resource = Resource.create({"service.name": options.service_name})
    tracer_provider = TracerProvider(resource=resource)
    for exporter in span_exporters:
        tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    readers = list(metric_readers)
    if options.enabled and options.traces_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        tracer_provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=options.traces_endpoint, headers=dict(options.headers)))
        )
    if options.enabled and options.metrics_endpoint:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        exporter = OTLPMetricExporter(endpoint=options.metrics_endpoint, headers=dict(options.headers))
        readers.append(PeriodicExportingMetricReader(exporter, export_interval_millis=options.metric_export_interval_ms))
    meter_provider = MeterProvider(resource=resource, metric_readers=readers)
    metrics = Metrics(meter=meter_provider.get_meter(INSTRUMENTATION))
    content = ContentPolicy(capture=options.capture_content)
    handler = TelemetryCallbackHandler(
        tracer_provider.get_tracer(INSTRUMENTATION), metrics.genai, content=content, systems=systems
    )
    langfuse = None
    if options.langfuse is not None:
        langfuse = build_langfuse(options.langfuse, content=content, service_name=options.service_name)
    return Telemetry(options, tracer_provider, meter_provider, metrics, handler, langfuse)


def provider_systems(settings: Any) -> dict[str, str]:
    """Base URL → provider name from the settings, for ``gen_ai.system``."""
    return {v.base_url.rstrip("/"): name for name, v in settings.providers.items() if v.base_url}
