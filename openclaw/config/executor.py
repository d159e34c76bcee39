"""configs/executor.yaml: how the executor treats a configured cluster.

``mode`` is what happens to mutations when a cluster is configured (``dry_run``, the
default, or ``apply``); ``openclaw run --apply`` wins over it. With no cluster
(no KUBECONFIG, not in a pod) OpenClaw plans whatever the file says. The other
fields tune the Kubernetes executor (``openclaw.kube.executor.KubeExecutor``).

A config directory without ``executor.yaml`` gets the defaults below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from openclaw.config.loader import load_yaml

FILE_NAME = "executor.yaml"
MAX_BACKOFF_S = 10.0
"""Longest wait between two retries of one API request, in seconds (``openclaw.kube.operations``)."""


class ExecutorConfig(BaseModel):
    """The executor's knobs; every field has a default (unknown fields are refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["dry_run", "apply"] = "dry_run"
    """What mutations do when a cluster is configured: server-side dry run, or applied. --apply wins."""
    verify_timeout_s: float = Field(default=60.0, gt=0, le=3600)
    """Seconds to wait for a rollout to progress after an applied mutation."""
    poll_interval_s: float = Field(default=1.0, gt=0, le=60)
    """Seconds between two reads of the deployment while verifying a rollout."""
    log_max_bytes: int = Field(default=65536, ge=1024, le=10 * 1024 * 1024)
    """Most bytes of a pod log that get_logs keeps (the newest, from a line boundary); the server is asked for 8x."""
    lock_ttl_s: float = Field(default=300.0, gt=0, le=24 * 3600)
    """Seconds after which a per-deployment lock held by a crashed run expires (renewed before each request)."""
    lock_wait_s: float = Field(default=0.0, ge=0, le=600)
    """Seconds a mutation waits for another run's lock on the same deployment before failing (0: fail at once)."""
    max_retries: int = Field(default=3, ge=0, le=10)
    """Retries of a retryable API error (connection, 409, 429, 5xx), with bounded backoff."""
    backoff_s: float = Field(default=0.5, ge=0, le=30)
    """First backoff between retries, in seconds (it grows, bounded)."""
    request_timeout_s: float = Field(default=30.0, gt=0, le=300)
    """Seconds one API request may take."""

    def longest_step_s(self) -> float:
        """Seconds, at worst, between two renewals of a deployment's lock: one request with all its retries
        and backoffs, plus a poll interval. The executor renews the lock before each request of an apply."""
        backoffs = sum(min(MAX_BACKOFF_S, self.backoff_s * 2**i) for i in range(self.max_retries))
        return (self.max_retries + 1) * self.request_timeout_s + backoffs + self.poll_interval_s

    @model_validator(mode="after")
    def _lock_outlives_a_step(self) -> ExecutorConfig:
        step = self.longest_step_s()
        if self.lock_ttl_s <= step:
            raise ValueError(
                f"lock_ttl_s ({self.lock_ttl_s:g} s) must exceed the longest time between two renewals of the "
                f"lock, {step:g} s = (max_retries + 1) x request_timeout_s + backoffs + poll_interval_s; raise "
                "lock_ttl_s or lower max_retries / request_timeout_s")
        return self


def load_executor_config(config_dir: Path) -> tuple[ExecutorConfig, str | None]:
    """``config_dir/executor.yaml`` validated, and its sha256; defaults and None when the file is absent."""
    path = Path(config_dir) / FILE_NAME
    if not path.exists():
        return ExecutorConfig(), None
    return load_yaml(path, ExecutorConfig)
