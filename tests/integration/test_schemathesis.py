"""The HTTP API against its own OpenAPI document, with schemathesis (property-based, in-process ASGI).

Covers: every operation of ``GET /openapi.json``, called with generated requests that fit
the document (positive) and that break it (negative: wrong types, missing fields, bad
path and query parameters), answers without a server error (5xx) and with a status,
content type and body the document declares (schemathesis' default checks:
``not_a_server_error``, ``status_code_conformance``, ``content_type_conformance``,
``response_schema_conformance``, ``positive_data_acceptance``, ...), except that a signed
approval or rejection that fits the schema may still be refused (422/403: it must be
signed for the run in the path, by a known key): ``positive_data_acceptance`` is not
asked of those two operations. Bounded: a fixed number of examples per operation
and mode, derandomized so a run is repeatable, no per-example deadline (the machine is
shared). The app runs on the embedded defaults (rules provider, plan mode) in a temporary
home; schemathesis drives its lifespan.

(schemathesis' pytest plugin, ``@schema.parametrize()``, does not run under pytest 9, so
the test walks the operations itself with Hypothesis.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from openclaw.server import create_app
from openclaw.settings import load_settings

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")

EXAMPLES_PER_OPERATION = 25
SIGNED_BODIES = {"POST /v1/runs/{run_id}/approvals", "POST /v1/runs/{run_id}/rejections"}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> schemathesis.BaseSchema:
    home: Path = tmp_path_factory.mktemp("schemathesis-home")
    app = create_app(load_settings(environ={"OPENCLAW_HOME": str(home), "OTEL_SDK_DISABLED": "true"}))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _failure(operation: schemathesis.APIOperation, mode: GenerationMode) -> str | None:
    """The first failing example of ``operation`` in ``mode`` (shrunk by Hypothesis), or None."""

    excluded = [positive_data_acceptance] if operation.label in SIGNED_BODIES else []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(excluded_checks=excluded)

    try:
        check()
    except Unsatisfiable:  # nothing to break: no parameters and no body (GET /healthz in negative mode)
        assert mode is GenerationMode.NEGATIVE and not operation.body and not list(operation.iter_parameters())
        return None
    except Exception as exc:  # noqa: BLE001 - each operation's failure is collected and reported together
        return f"{operation.label} ({mode.value}): {exc}"
    return None


@pytest.mark.slow
@pytest.mark.timeout(900)  # a hang guard: ~20 s alone, minutes on a loaded machine
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_every_operation_conforms_to_the_openapi_document(api_schema: schemathesis.BaseSchema,
                                                          mode: GenerationMode) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.label for op in operations} >= {"POST /v1/incidents", "POST /v1/alertmanager", "GET /v1/runs",
                                               "GET /v1/runs/{run_id}", "POST /v1/runs/{run_id}/approvals",
                                               "GET /metrics", "GET /readyz"}
    failures = [failure for op in operations if (failure := _failure(op, mode)) is not None]
    assert not failures, "\n\n".join(failures)
