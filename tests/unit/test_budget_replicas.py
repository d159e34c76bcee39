"""Budgets with several replicas: the settings that say how, and the per-replica share without Redis.

Covers: OPENCLAW_REPLICAS (default 1; a whole number of at least 1, else a one-line
ConfigError naming it) and OPENCLAW_REDIS_URL (redis://, rediss:// or unix://, else a
one-line ConfigError that names the variable but not the rest of the URL, which may hold
a password); without Redis each replica's provider budget is the limit divided by the
replica count, rounded down and at least 1, and with one replica nothing changes.
"""

from __future__ import annotations

import pytest

from openclaw.errors import ConfigError
from openclaw.providers.budget import RateBudget, per_replica
from openclaw.providers.factories import provider_factories
from openclaw.settings import load_settings


def test_defaults_one_replica_and_no_redis():
    settings = load_settings(environ={})
    assert settings.replicas == 1 and settings.redis_url is None


def test_redis_url_is_read_and_kept_secret():
    settings = load_settings(environ={"OPENCLAW_REDIS_URL": "redis://:hunter2@redis:6379/0", "OPENCLAW_REPLICAS": "3"})
    assert settings.redis_url is not None and settings.redis_url.get_secret_value() == "redis://:hunter2@redis:6379/0"
    assert "hunter2" not in repr(settings) and settings.replicas == 3


@pytest.mark.parametrize(
    ("environ", "needle"),
    [({"OPENCLAW_REPLICAS": "0"}, "OPENCLAW_REPLICAS=0 must be at least 1"),
     ({"OPENCLAW_REPLICAS": "-2"}, "OPENCLAW_REPLICAS=-2 must be at least 1"),
     ({"OPENCLAW_REPLICAS": "two"}, "OPENCLAW_REPLICAS='two' must be a whole number"),
     ({"OPENCLAW_REPLICAS": "1.5"}, "OPENCLAW_REPLICAS='1.5' must be a whole number"),
     ({"OPENCLAW_REDIS_URL": "http://:hunter2@redis:6379"}, "OPENCLAW_REDIS_URL must start with redis://"),
     ({"OPENCLAW_REDIS_URL": "hunter2@redis:6379"}, "(got no scheme)"),
     ({"OPENCLAW_REDIS_URL": "redis://:hunter2@redis:63a9"}, "OPENCLAW_REDIS_URL has a port that is not a number")],
)
def test_bad_values_are_one_line_config_errors(environ, needle):
    with pytest.raises(ConfigError) as caught:
        load_settings(environ=environ)
    message = str(caught.value)
    assert needle in message and "\n" not in message and "hunter2" not in message


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379", "rediss://redis.example:6380/1", "unix:///run/redis.sock"])
def test_redis_schemes_are_accepted(url):
    assert load_settings(environ={"OPENCLAW_REDIS_URL": url}).redis_url is not None


def test_share_is_rounded_down_and_at_least_one():
    assert per_replica(10, 3) == 3  # 3 replicas x 3 = 9 <= 10: together never over the vendor's limit
    assert per_replica(10, 1) == 10 and per_replica(None, 4) is None
    assert per_replica(2, 5) == 1  # below the replica count each replica still gets one


def test_factories_split_the_limits_between_replicas():
    env = {"NVIDIA_API_KEY": "nvapi-test", "NEMOTRON_RPM_LIMIT": "10", "NEMOTRON_TPM_LIMIT": "100000"}
    one = provider_factories(load_settings(environ=env))["nim"]().budget
    three = provider_factories(load_settings(environ={**env, "OPENCLAW_REPLICAS": "3"}))["nim"]().budget
    assert (one.rpm, one.tpm) == (10, 100_000)
    assert isinstance(three, RateBudget) and (three.rpm, three.tpm) == (3, 33_333)


def test_a_replicas_share_refuses_past_it():
    settings = load_settings(environ={"NVIDIA_API_KEY": "nvapi-test", "NEMOTRON_RPM_LIMIT": "10",
                                      "OPENCLAW_REPLICAS": "3"})
    now = [1000.0]
    budget = provider_factories(settings, clock=lambda: now[0])["nim"]().budget
    assert isinstance(budget, RateBudget)
    assert [budget.try_reserve(1) is not None for _ in range(4)] == [True, True, True, False]
    now[0] += 60
    assert budget.try_reserve(1) is not None
