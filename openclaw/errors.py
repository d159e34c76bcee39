"""The one exception tree of OpenClaw.

Third-party exceptions (openai, ollama, httpx, kubernetes, sqlite3) are converted
into these at the boundary that calls the library, always with ``raise ... from exc``;
nothing else in the code base catches or raises library exceptions::

    OpenClawError                       every error OpenClaw raises on purpose
    ├── UsageError                      bad command-line use or input (exit code 2)
    │   ├── InputError                  an incident file that cannot be read or validated
    │   ├── ConfigError                 a config file or field that is missing or invalid
    │   │   └── PolicyError             configs/trust.yaml or approvers.yaml is invalid
    │   ├── RunNotFound                 no run with that id in the store
    │   └── ApprovalRefused             a signature that does not count (unknown key, requester, expired, ...)
    ├── ProviderError                   one LLM attempt failed; ``outcome`` is the attempts[] value
    │   ├── ProviderUnavailable         no credentials / not configured          outcome=unavailable
    │   ├── ProviderTimeout             no answer within the attempt timeout     outcome=timeout
    │   ├── ProviderRateLimited         HTTP 429 (``retry_after`` seconds)       outcome=rate_limited
    │   ├── ProviderServerError         HTTP 5xx                                 outcome=server_error
    │   ├── ProviderAuthError           HTTP 401/403                             outcome=auth_error
    │   ├── ProviderConnectionError     refused, reset, DNS                      outcome=connection_error
    │   ├── ProviderInvalidOutput       unknown tool, bad JSON, schema break     outcome=invalid_output
    │   ├── CircuitOpen                 the breaker is open                      outcome=circuit_open
    │   └── BudgetExceeded              over the RPM/TPM budget                  outcome=budget_exceeded
    ├── KubeError                       a Kubernetes API call failed (``status``, ``retryable``)
    │   ├── KubeUnreachable             no connection to the API server          retryable
    │   ├── KubeAuthError               401/403: credentials or RBAC
    │   ├── KubeNotFound                404: the target does not exist
    │   ├── KubeConflict                409: changed underneath us               retryable
    │   ├── KubeInvalid                 422: the API server refused the object
    │   ├── KubeThrottled               429                                      retryable
    │   └── KubeServerError             5xx                                      retryable
    ├── NotifyError                     a Telegram call failed (``retry_after``)
    ├── ExecutionError                  the executor refused or could not run an action
    └── StoreError                      the run store or audit log cannot be used

Retry policy lives in the types: ``retryable`` says whether the same call may be
tried again, ``retry_after`` (seconds, or None) how long to wait first.
"""

from __future__ import annotations


class OpenClawError(Exception):
    """Base of every error OpenClaw raises on purpose."""

    retryable: bool = False

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message


# --- usage -----------------------------------------------------------------------------


class UsageError(OpenClawError):
    """Bad command-line use or input; the CLI prints one line and exits 2."""


class InputError(UsageError):
    """An incident (file, JSON or HTTP body) that cannot be read or validated."""


class ConfigError(UsageError):
    """A config file or field that is missing or invalid; the message names both."""


class PolicyError(ConfigError):
    """The trust policy or the approvers file is invalid."""


class RunNotFound(UsageError):
    """No run with that id in the store."""


class ApprovalRefused(UsageError):
    """A signed approval or rejection that does not count, with the reason."""


# --- providers -------------------------------------------------------------------------


class ProviderError(OpenClawError):
    """One LLM attempt failed. ``outcome`` is the value recorded in ``attempts``."""

    outcome: str = "server_error"


class ProviderUnavailable(ProviderError):
    outcome = "unavailable"


class ProviderTimeout(ProviderError):
    outcome = "timeout"
    retryable = True


class ProviderRateLimited(ProviderError):
    outcome = "rate_limited"
    retryable = True


class ProviderServerError(ProviderError):
    outcome = "server_error"
    retryable = True


class ProviderAuthError(ProviderError):
    outcome = "auth_error"


class ProviderConnectionError(ProviderError):
    outcome = "connection_error"
    retryable = True


class ProviderInvalidOutput(ProviderError):
    outcome = "invalid_output"


class CircuitOpen(ProviderError):
    outcome = "circuit_open"


class BudgetExceeded(ProviderError):
    outcome = "budget_exceeded"


# --- kubernetes ------------------------------------------------------------------------


class KubeError(OpenClawError):
    """A Kubernetes API call failed. ``status`` is the HTTP status, when there was one."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, retry_after=retry_after)
        self.status = status


class KubeUnreachable(KubeError):
    retryable = True


class KubeAuthError(KubeError):
    pass


class KubeNotFound(KubeError):
    pass


class KubeConflict(KubeError):
    retryable = True


class KubeInvalid(KubeError):
    pass


class KubeThrottled(KubeError):
    retryable = True


class KubeServerError(KubeError):
    retryable = True


# --- the rest --------------------------------------------------------------------------


class NotifyError(OpenClawError):
    """A notification (Telegram) could not be delivered."""


class ExecutionError(OpenClawError):
    """The executor refused an action or could not carry it out."""


class StoreError(OpenClawError):
    """The run store, checkpoint database or audit log cannot be used."""
