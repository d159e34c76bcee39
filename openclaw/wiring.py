"""Settings in, collaborators out: the one place that builds providers, executor and notifier."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from openclaw.engine import Engine
from openclaw.providers.recording import recording_transports
from openclaw.nodes.dispatch import ActionRunner
from openclaw.notify.telegram import TelegramNotifier
from openclaw.providers.registry import ProviderRegistry
from openclaw.settings import Settings
from openclaw.storage import open_storage
from openclaw.storage.ports import Storage


def build_registry(settings: Settings, **options: Any) -> ProviderRegistry:
    """The providers the settings allow: real LangChain clients for every vendor whose credentials are set.

    ``options`` go to :func:`openclaw.providers.factories.provider_factories`
    (``transports`` per vendor for recording/replay, ``clock``, ``on_exchange``).
    """
    from openclaw.providers.factories import provider_factories

    return ProviderRegistry(settings, provider_factories(settings, **options))


def build_notifier(settings: Settings) -> TelegramNotifier:
    """The Telegram notifier from TELEGRAM_BOT_TOKEN/CHAT_ID/API_BASE_URL; without a token alerts are planned."""
    tg = settings.telegram
    token = tg.bot_token.get_secret_value() if tg.bot_token else None
    return TelegramNotifier(token=token, chat_id=tg.chat_id, base_url=tg.api_base_url)


def build_action_runner(settings: Settings, storage: Storage) -> ActionRunner:
    """The executor the settings call for; close it with ``ActionRunner.close()``.

    No cluster (no KUBECONFIG, not in a pod): plan mode, whatever configs/executor.yaml says.
    Otherwise connect (ConfigError for a bad kubeconfig or context) and dry-run mutations, or
    apply them with ``--apply`` or ``mode: apply`` in executor.yaml. Every mode gets the
    Telegram notifier and the idempotency ledger of ``storage``; mutations hold a per-deployment
    lock there.
    """
    from openclaw.config.executor import load_executor_config

    config, _ = load_executor_config(settings.config_dir)
    notifier = build_notifier(settings)
    ledger = storage.ledger
    if settings.mode == "plan":  # no cluster: the kubernetes client is not even imported
        return ActionRunner(mode="plan", notifier=notifier, ledger=ledger, log_max_bytes=config.log_max_bytes)
    from openclaw.kube.access import connect
    from openclaw.kube.executor import KubeExecutor

    kube = settings.kube
    cluster = connect(kubeconfig=kube.kubeconfig, context=kube.context, in_cluster=kube.in_cluster)
    if cluster is None:  # settings.mode said a cluster is configured; connect() agrees unless both are unset
        return ActionRunner(mode="plan", notifier=notifier, ledger=ledger, log_max_bytes=config.log_max_bytes)
    executor = KubeExecutor(
        cluster,
        verify_timeout_s=config.verify_timeout_s,
        poll_interval_s=config.poll_interval_s,
        log_max_bytes=config.log_max_bytes,
        max_retries=config.max_retries,
        backoff_s=config.backoff_s,
        request_timeout_s=config.request_timeout_s,
        locks=storage.locks,
        lock_ttl_s=config.lock_ttl_s,
        lock_wait_s=config.lock_wait_s,
    )
    mode = "apply" if kube.apply or config.mode == "apply" else "dry_run"
    return ActionRunner(mode=mode, kube=executor, notifier=notifier, identity=cluster.identity, ledger=ledger,
                        log_max_bytes=config.log_max_bytes)


@asynccontextmanager
async def open_engine(
    settings: Settings, *, registry: ProviderRegistry | None = None, callbacks: list[Any] | None = None
) -> AsyncIterator[Engine]:
    """An entered Engine with the storage, providers and executor the settings call for; the cluster and the
    storage are closed on exit."""
    storage = open_storage(settings)
    try:
        runner = build_action_runner(settings, storage)
        try:
            registry = registry or build_registry(settings, transports=recording_transports())
            async with Engine(settings, registry=registry, executor=runner, callbacks=callbacks,
                              storage=storage) as engine:
                yield engine
        finally:
            runner.close()
    finally:
        storage.close()


def default_model(settings: Settings, configs, provider: str) -> str:
    """The model a provider uses for tool calling when none is named: its first entry in the routes."""
    from openclaw.config.routing import with_model_overrides

    if provider == "rules":
        return "embedded"
    for task in ("tool_calling", "k8s_operation", "general_chat", "incident_analysis", "code_generation"):
        chain = with_model_overrides(configs.routing.routes[task].chain, settings.model_overrides())
        for ref in chain:
            if ref.provider == provider:
                return ref.model
    return "default"
