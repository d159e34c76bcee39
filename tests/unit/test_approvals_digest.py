"""openclaw.approvals.digest: canonical JSON and the digest an approver signs.

Covers: canonical JSON sorts keys at every depth, has no whitespace, writes non-ASCII as
UTF-8 (ensure_ascii=False), refuses NaN/inf and non-string keys; a golden digest pins the
layout; every field of ActionRequest changes the digest while argument key order does
not; expires_at is normalised to UTC 'Z' and must carry a zone; the request is frozen,
keeps a private copy of args and refuses unknown fields; expired() is inclusive.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from openclaw.approvals.digest import ActionRequest, canonical_json, iso_utc, request_digest

BASE = dict(
    run_id="run-1",
    action_index=0,
    name="restart_deployment",
    args={"deployment": "awoooi-api", "namespace": "awoooi-prod"},
    nonce="0123456789abcdef0123456789abcdef",
    cluster="kind-dev",
    policy_version="trust-v3",
    expires_at="2030-01-01T12:00:00Z",
)
GOLDEN_BYTES = (
    b'{"action":{"args":{"deployment":"awoooi-api","namespace":"awoooi-prod"},"name":"restart_deployment"},'
    b'"action_index":0,"cluster":"kind-dev","domain":"openclaw.action-request/v1",'
    b'"expires_at":"2030-01-01T12:00:00Z","nonce":"0123456789abcdef0123456789abcdef",'
    b'"policy_version":"trust-v3","run_id":"run-1"}'
)
GOLDEN = "043e7cc2e33048ab507173a21959c459dbb5ea4e0e7d4407acdcac1e5e33463c"  # `printf %s GOLDEN_BYTES | sha256sum`


def test_canonical_json_sorted_compact_utf8():
    assert canonical_json({"b": 1, "a": {"d": [1, {"z": 0, "y": 1}], "c": None}}) == (
        b'{"a":{"c":null,"d":[1,{"y":1,"z":0}]},"b":1}'
    )
    assert canonical_json({"msg": "重啟 é"}) == '{"msg":"重啟 é"}'.encode("utf-8")
    assert canonical_json({"a": 1, "b": 2}) == canonical_json({"b": 2, "a": 1})


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), {1: "x"}, {"a": {2: 3}}, {"s": {1, 2}}, b"x"])
def test_canonical_json_refuses_what_it_cannot_carry_exactly(bad):
    with pytest.raises(ValueError, match="cannot canonicalise"):
        canonical_json(bad)


def test_golden_digest_pins_the_layout():
    # If this changes, every outstanding signature becomes invalid: bump DIGEST_DOMAIN on purpose.
    req = ActionRequest(**BASE)
    assert canonical_json(req.digest_payload()) == GOLDEN_BYTES
    assert request_digest(req) == GOLDEN


@pytest.mark.parametrize(
    "field, value",
    [
        ("run_id", "run-2"),
        ("action_index", 1),
        ("name", "scale_deployment"),
        ("args", {"deployment": "awoooi-api", "namespace": "awoooi-staging"}),
        ("args", {"deployment": "awoooi-api", "namespace": "awoooi-prod", "extra": 1}),
        ("nonce", "ffffffffffffffffffffffffffffffff"),
        ("cluster", "prod-eu"),
        ("policy_version", "trust-v4"),
        ("expires_at", "2030-01-01T12:00:01Z"),
    ],
)
def test_every_field_changes_the_digest(field, value):
    assert request_digest(ActionRequest(**{**BASE, field: value})) != GOLDEN


def test_argument_key_order_does_not_matter():
    reordered = {"namespace": "awoooi-prod", "deployment": "awoooi-api"}
    assert request_digest(ActionRequest(**{**BASE, "args": reordered})) == GOLDEN


def test_scale_to_3_and_scale_to_30_differ():
    a = ActionRequest(**{**BASE, "name": "scale_deployment", "args": {"deployment": "x", "namespace": "y", "replicas": 3}})
    b = a.model_copy(update={"args": {"deployment": "x", "namespace": "y", "replicas": 30}})
    assert request_digest(a) != request_digest(b)


@pytest.mark.parametrize(
    "value",
    [
        "2030-01-01T12:00:00Z",
        "2030-01-01T12:00:00+00:00",
        "2030-01-01T20:00:00+08:00",
        datetime(2030, 1, 1, 12, tzinfo=UTC),
        datetime(2030, 1, 1, 7, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_expires_at_is_normalised_to_utc(value):
    req = ActionRequest(**{**BASE, "expires_at": value})
    assert req.expires_at == "2030-01-01T12:00:00Z"
    assert request_digest(req) == GOLDEN


@pytest.mark.parametrize("value", ["2030-01-01T12:00:00", datetime(2030, 1, 1, 12), "tomorrow", 12])
def test_expires_at_needs_a_zone_and_a_real_time(value):
    with pytest.raises(ValidationError):
        ActionRequest(**{**BASE, "expires_at": value})


def test_iso_utc_keeps_microseconds_only_when_present():
    assert iso_utc(datetime(2030, 1, 1, 12, 0, 0, 5, tzinfo=UTC)) == "2030-01-01T12:00:00.000005Z"
    assert iso_utc(datetime(2030, 1, 1, 12, tzinfo=UTC)) == "2030-01-01T12:00:00Z"


def test_request_is_frozen_and_keeps_its_own_copy_of_args():
    args = {"deployment": "awoooi-api", "namespace": "awoooi-prod"}
    req = ActionRequest(**{**BASE, "args": args})
    args["namespace"] = "kube-system"
    assert request_digest(req) == GOLDEN
    with pytest.raises(ValidationError):
        req.name = "scale_deployment"  # type: ignore[misc]


@pytest.mark.parametrize(
    "change",
    [{"surprise": 1}, {"nonce": "short"}, {"action_index": -1}, {"action_index": "0"}, {"args": {"x": float("nan")}}],
)
def test_invalid_requests_are_refused(change):
    with pytest.raises(ValidationError):
        ActionRequest(**{**BASE, **change})


def test_expired_is_inclusive_of_the_deadline():
    req = ActionRequest(**BASE)
    deadline = datetime(2030, 1, 1, 12, tzinfo=UTC)
    assert not req.expired(deadline - timedelta(microseconds=1))
    assert req.expired(deadline)
