"""openclaw.approvals.quorum: counting verified decisions.

Covers: M distinct people in the group approve -> approved; the same person twice, or
two keys of one name, count once; people outside the group are ignored for approvals and
vetoes, and group None lets everyone count; one rejection ends the request by default
even when the quorum is met, a higher veto threshold needs that many distinct people,
and a person's rejection withdraws their approval; decisions over another digest are
ignored; 'missing' counts what is still needed; a quorum or veto threshold below 1 is a
PolicyError.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from openclaw.approvals.approvers import parse_approvers
from openclaw.approvals.keys import generate_keypair
from openclaw.approvals.quorum import tally
from openclaw.approvals.signing import sign_decision
from openclaw.errors import PolicyError

NOW = datetime(2030, 1, 1, 12, tzinfo=UTC)
DIGEST = "a" * 64
OTHER = "b" * 64


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    out = tmp_path_factory.mktemp("keys")
    return {name: generate_keypair(name, out) for name in ("alice", "alice2", "bob", "carol", "dave")}


@pytest.fixture(scope="module")
def config(keys):
    groups = {"alice": ["sre"], "alice2": ["sre"], "bob": ["sre"], "carol": ["sre", "dba"], "dave": ["dba"]}
    return parse_approvers(
        {
            "approvers": [
                {"name": "alice" if k == "alice2" else k, "public_key": keys[k].public_key, "groups": g}
                for k, g in groups.items()
            ]
        },
        source="test",
    )


@pytest.fixture
def d(keys, config):
    """d("bob") -> (Approver, SignedDecision) as verify_decision would hand them over."""

    def make(key, kind="approve", digest=DIGEST):
        decision = sign_decision(
            keys[key].private_path,
            kind=kind,
            run_id="run-1",
            action_index=0,
            digest=digest,
            approver="alice" if key == "alice2" else key,
            reason="no" if kind == "reject" else None,
            now=NOW,
        )
        return config.find_by_key(keys[key].fingerprint), decision

    return make


def test_quorum_of_distinct_group_members_approves(d):
    result = tally([d("alice"), d("bob")], quorum=2, group="sre", veto_threshold=1)
    assert (result.approved, result.rejected, result.counted, result.ignored, result.missing) == (
        True, False, ["alice", "bob"], [], 0
    )


def test_one_short_is_not_approved_and_says_how_many_are_missing(d):
    result = tally([d("alice")], quorum=3, group="sre", veto_threshold=1)
    assert not result.approved and not result.rejected and result.missing == 2


def test_the_same_person_twice_counts_once(d):
    result = tally([d("alice"), d("alice")], quorum=2, group="sre", veto_threshold=1)
    assert not result.approved and result.counted == ["alice"]
    assert result.ignored == [("alice", "approve already counted for this person")]


def test_a_second_key_of_the_same_person_counts_once(d):
    result = tally([d("alice"), d("alice2")], quorum=2, group="sre", veto_threshold=1)
    assert not result.approved and result.counted == ["alice"] and len(result.ignored) == 1
    assert tally([d("alice2"), d("bob")], quorum=2, group="sre", veto_threshold=1).approved


def test_people_outside_the_group_do_not_count(d):
    result = tally([d("alice"), d("dave")], quorum=2, group="sre", veto_threshold=1)
    assert not result.approved and result.counted == ["alice"]
    assert result.ignored == [("dave", "approve does not count: not in group 'sre'")]
    assert tally([d("carol"), d("dave")], quorum=2, group="dba", veto_threshold=1).approved


def test_group_none_lets_every_registered_approver_count(d):
    assert tally([d("alice"), d("dave")], quorum=2, group=None, veto_threshold=1).approved


def test_one_rejection_vetoes_by_default_even_with_quorum_met(d):
    result = tally([d("alice"), d("bob"), d("carol", "reject")], quorum=2, group="sre", veto_threshold=1)
    assert result.rejected and not result.approved and result.rejected_by == ["carol"] and result.missing == 0


def test_veto_threshold_needs_that_many_distinct_people(d):
    one = tally([d("alice"), d("bob"), d("carol", "reject")], quorum=2, group="sre", veto_threshold=2)
    assert one.approved and not one.rejected
    same_twice = tally([d("carol", "reject"), d("carol", "reject")], quorum=2, group="sre", veto_threshold=2)
    assert not same_twice.rejected and same_twice.rejected_by == ["carol"]
    two = tally([d("carol", "reject"), d("alice", "reject")], quorum=1, group="sre", veto_threshold=2)
    assert two.rejected and two.rejected_by == ["carol", "alice"]


def test_a_rejection_withdraws_the_same_persons_approval_in_any_order(d):
    for order in ([d("alice"), d("alice2", "reject")], [d("alice", "reject"), d("alice")]):
        result = tally([*order, d("bob")], quorum=2, group="sre", veto_threshold=5)
        assert result.counted == ["bob"] and not result.approved
        assert ("alice", "approve withdrawn: the same person rejected") in result.ignored


def test_vetoes_from_outside_the_group_are_ignored(d):
    result = tally([d("alice"), d("bob"), d("dave", "reject")], quorum=2, group="sre", veto_threshold=1)
    assert result.approved and not result.rejected
    assert result.ignored == [("dave", "reject does not count: not in group 'sre'")]


def test_decisions_over_another_digest_are_ignored(d):
    result = tally([d("alice"), d("bob", digest=OTHER)], quorum=2, group="sre", veto_threshold=1, digest=DIGEST)
    assert not result.approved and result.counted == ["alice"]
    assert result.ignored[0][0] == "bob" and "another digest" in result.ignored[0][1]


def test_nothing_in_nothing_out(d):
    result = tally([], quorum=1, group=None, veto_threshold=1)
    assert not result.approved and not result.rejected and result.counted == [] and result.missing == 1


@pytest.mark.parametrize("quorum, veto", [(0, 1), (-1, 1), (1, 0)])
def test_quorum_and_veto_below_one_are_refused(d, quorum, veto):
    with pytest.raises(PolicyError):
        tally([d("alice")], quorum=quorum, group=None, veto_threshold=veto)
