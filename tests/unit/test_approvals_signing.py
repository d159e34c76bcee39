"""openclaw.approvals.signing: signed decisions and their verification.

Covers: a signed approval verifies (also after a JSON round trip, as the HTTP API gets
it) and returns the registered entry; each refusal has its one-line reason: unknown key,
bad signature (any field altered, another key claiming a fingerprint, garbage base64),
key name mismatch, requester approving (case-insensitive), other run, other action,
other digest (action A vs B), expired approval, expired request, signed_at in the
future; approvals need no reason and rejections need one; ttl must be positive;
unknown JSON fields are refused.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from openclaw.approvals.approvers import parse_approvers
from openclaw.approvals.digest import ActionRequest, request_digest
from openclaw.approvals.keys import generate_keypair
from openclaw.approvals.signing import SignedDecision, sign_decision, signing_payload, verify_decision
from openclaw.errors import ApprovalRefused, UsageError

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
REQ_A = ActionRequest(
    run_id="run-1",
    action_index=0,
    name="restart_deployment",
    args={"deployment": "awoooi-api", "namespace": "awoooi-prod"},
    nonce="0123456789abcdef0123456789abcdef",
    cluster="kind-dev",
    policy_version="v1",
    expires_at=NOW + timedelta(hours=1),
)
REQ_B = REQ_A.model_copy(update={"name": "scale_deployment", "args": {"deployment": "awoooi-api", "namespace": "awoooi-prod", "replicas": 0}})
DIGEST_A = request_digest(REQ_A)
DIGEST_B = request_digest(REQ_B)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    out = tmp_path_factory.mktemp("keys")
    return {name: generate_keypair(name, out) for name in ("alice", "bob", "mallory")}


@pytest.fixture(scope="module")
def config(keys):
    return parse_approvers(
        {
            "approvers": [
                {"name": "alice", "public_key": keys["alice"].public_key, "groups": ["sre"]},
                {"name": "bob", "public_key": keys["bob"].public_key, "groups": ["sre"]},
            ],
            "tiers": {"high": "2 from group sre"},
        },
        source="test",
    )


def sign(keys, who="alice", *, approver=None, kind="approve", digest=DIGEST_A, reason=None, ttl_s=600, now=NOW, **kw):
    return sign_decision(
        keys[who].private_path,
        kind=kind,
        run_id=kw.get("run_id", "run-1"),
        action_index=kw.get("action_index", 0),
        digest=digest,
        approver=approver or who,
        reason=reason,
        ttl_s=ttl_s,
        now=now,
    )


def verify(decision, config, *, digest=DIGEST_A, run_id="run-1", action_index=0, requester="carol", now=NOW, request_expires_at=REQ_A.expires_at):
    return verify_decision(
        decision,
        config,
        expected_digest=digest,
        run_id=run_id,
        action_index=action_index,
        requester=requester,
        now=now,
        request_expires_at=request_expires_at,
    )


def test_a_valid_approval_verifies_and_names_the_registered_entry(keys, config):
    decision = sign(keys)
    assert decision.kind == "approve" and decision.reason is None
    assert decision.key_fingerprint == keys["alice"].fingerprint
    assert decision.signed_at == "2030-01-01T12:00:00Z" and decision.expires_at == "2030-01-01T12:10:00Z"
    approver = verify(decision, config)
    assert approver.name == "alice" and approver.groups == ["sre"]


def test_json_round_trip_as_the_http_api_receives_it(keys, config):
    wire = sign(keys, "bob").model_dump_json()
    assert verify(SignedDecision.model_validate_json(wire), config).name == "bob"


def test_a_valid_rejection_verifies(keys, config):
    decision = sign(keys, "bob", kind="reject", reason="not during the release freeze")
    assert verify(decision, config).name == "bob"


def test_unknown_key_is_refused(keys, config):
    with pytest.raises(ApprovalRefused, match=re.escape(f"key {keys['mallory'].fingerprint} is not registered")):
        verify(sign(keys, "mallory"), config)


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "reject", "reason": "flipped"},
        {"digest": DIGEST_B},
        {"run_id": "run-2"},
        {"action_index": 1},
        {"expires_at": "2031-01-01T00:00:00Z"},
        {"signed_at": "2030-01-01T11:00:00Z"},
        {"approver": "bob"},
    ],
)
def test_any_altered_field_breaks_the_signature(keys, config, change):
    forged = SignedDecision.model_validate({**sign(keys).model_dump(), **change})
    with pytest.raises(ApprovalRefused, match="bad signature"):
        verify(forged, config, digest=forged.digest, run_id=forged.run_id, action_index=forged.action_index)


def test_another_key_cannot_borrow_a_registered_fingerprint(keys, config):
    mallory = sign(keys, "mallory", approver="alice")
    forged = mallory.model_copy(update={"key_fingerprint": keys["alice"].fingerprint})
    with pytest.raises(ApprovalRefused, match="bad signature"):
        verify(forged, config)


def test_garbage_signature_is_a_bad_signature(keys, config):
    forged = sign(keys).model_copy(update={"signature": "%%%not-base64%%%"})
    with pytest.raises(ApprovalRefused, match="bad signature"):
        verify(forged, config)


def test_signing_payload_excludes_only_the_signature(keys):
    decision = sign(keys)
    assert signing_payload(decision) == signing_payload(decision.model_copy(update={"signature": "x"}))
    assert signing_payload(decision) != signing_payload(decision.model_copy(update={"run_id": "run-2"}))
    assert signing_payload(decision).startswith(b"openclaw.decision/v1\n{")


def test_key_name_mismatch_is_refused(keys, config):
    with pytest.raises(ApprovalRefused, match="registered to 'bob', not 'alice'"):
        verify(sign(keys, "bob", approver="alice"), config)


@pytest.mark.parametrize("requester", ["alice", "ALICE", " Alice "])
def test_the_requester_cannot_approve(keys, config, requester):
    with pytest.raises(ApprovalRefused, match="'alice' requested this action"):
        verify(sign(keys), config, requester=requester)


def test_no_requester_means_anyone_registered_may_approve(keys, config):
    assert verify(sign(keys), config, requester=None).name == "alice"


def test_a_signature_over_action_a_never_counts_for_action_b(keys, config):
    with pytest.raises(ApprovalRefused, match="signed digest .* the action changed"):
        verify(sign(keys, digest=DIGEST_A), config, digest=DIGEST_B)


def test_a_signature_for_another_run_or_action_is_refused(keys, config):
    with pytest.raises(ApprovalRefused, match="signed for run 'run-1', not run 'run-2'"):
        verify(sign(keys), config, run_id="run-2")
    with pytest.raises(ApprovalRefused, match="signed for action 0, not action 1"):
        verify(sign(keys), config, action_index=1)


def test_expired_approval_is_refused_at_and_after_its_deadline(keys, config):
    decision = sign(keys, ttl_s=60)
    assert verify(decision, config, now=NOW + timedelta(seconds=59)).name == "alice"
    for late in (timedelta(seconds=60), timedelta(minutes=5)):
        with pytest.raises(ApprovalRefused, match="signed decision expired at 2030-01-01T12:01:00Z; sign it again"):
            verify(decision, config, now=NOW + late)


def test_expired_request_is_refused_even_with_a_fresh_approval(keys, config):
    late = NOW + timedelta(hours=2)
    decision = sign(keys, now=late)
    with pytest.raises(ApprovalRefused, match="approval request expired at 2030-01-01T13:00:00Z"):
        verify(decision, config, now=late)


def test_signed_in_the_future_is_refused(keys, config):
    decision = sign(keys, now=NOW + timedelta(hours=1), ttl_s=3600)
    with pytest.raises(ApprovalRefused, match="in the future"):
        verify(decision, config, request_expires_at=None)


def test_refusals_are_one_line_usage_errors(keys, config):
    with pytest.raises(UsageError) as err:
        verify(sign(keys, "mallory"), config)
    assert "\n" not in str(err.value)


def test_reason_rules_and_ttl(keys):
    with pytest.raises(UsageError, match="a rejection needs a reason"):
        sign(keys, kind="reject")
    with pytest.raises(UsageError, match="an approval carries no reason"):
        sign(keys, reason="because")
    with pytest.raises(UsageError, match="ttl_s must be positive"):
        sign(keys, ttl_s=0)
    with pytest.raises(UsageError, match="digest"):
        sign(keys, digest="not-a-digest")


def test_unknown_fields_and_kinds_are_refused(keys):
    data = sign(keys).model_dump()
    with pytest.raises(ValidationError):
        SignedDecision.model_validate({**data, "extra": 1})
    with pytest.raises(ValidationError):
        SignedDecision.model_validate({**data, "kind": "maybe"})


def test_naive_now_is_a_programming_error(keys, config):
    with pytest.raises(ValueError, match="aware"):
        verify(sign(keys), config, now=datetime(2030, 1, 1, 12))
