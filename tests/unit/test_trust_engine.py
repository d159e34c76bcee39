"""openclaw.trust: the scorer, its hard rules and its fail-closed behaviour.

Covers: the issue-2 defaults (reads and alerts auto, production mutation 1 approval,
scale to zero 2, non-production mutation auto, protected namespaces denied, invalid
arguments denied); hard rules no score can relax (protected namespaces, kubectl verbs
outside the allowlist, replicas outside 0..10, names with upper case, whitespace,
Cyrillic look-alikes or shell characters, unknown fields, unknown tools, scale to zero in
production); kube-system, kube-public and kube-node-lease stay protected when trust.yaml
protects nothing; every factor named in the reasons with its contribution (class, namespace,
blast radius, source, provenance, degraded, history) and the score their capped sum; an
unknown replica count with a cluster configured scores the largest blast radius, in plan
mode blast_radius_unknown;
elevated risk outside production needs approval; anti-flapping cap and cooldown; the
approvers.yaml tier sets quorum and group; fail closed: no policy, a scorer error, a
factor out of range and a scorer over its time budget (injected clock) never yield auto;
every verdict carries the policy version; the shipped trust.yaml loads, a broken one
becomes a PolicyLoad with the error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from openclaw.approvals.approvers import parse_approvers
from openclaw.config.trust import UNAVAILABLE_VERSION, TrustPolicy, load_policy, read_policy
from openclaw.errors import PolicyError
from openclaw.trust.actions import propose
from openclaw.trust.engine import evaluate
from openclaw.trust.facts import Facts, target_of
from openclaw.trust.factors import DEFAULT_FACTORS, Contribution

REPO = Path(__file__).resolve().parents[2]
POLICY, _ = read_policy(REPO / "configs" / "trust.yaml")
OPERATOR = Facts(source="manual", requested_by="alice", provider="nim")
ALERT = Facts(source="alertmanager", provider="rules", failed_attempts=3, degraded=True)


def judge(name, args, facts=OPERATOR, policy=POLICY, **kw):
    return evaluate(propose(name, args, default_namespace="awoooi-prod"), policy, facts, **kw)


def restart(ns="awoooi-staging", name="awoooi-api"):
    return {"deployment": name, "namespace": ns}


def scale(replicas, ns="awoooi-staging", name="awoooi-web"):
    return {"deployment": name, "namespace": ns, "replicas": replicas}


# --- the default policy ------------------------------------------------------------------------------


@pytest.mark.parametrize("name,args", [
    ("kubectl_get", {"resource": "pods", "namespace": "awoooi-prod"}),
    ("kubectl_get", {"resource": "pods", "namespace": "kube-system"}),
    ("get_logs", {"pod": "awoooi-api-7d9f", "namespace": "awoooi-prod", "tail": 50}),
    ("send_alert", {"severity": "critical", "message": "db down"}),
    ("kubectl_execute", {"command": "kubectl get pods -n awoooi-prod"}),
])
def test_reads_and_alerts_run_on_their_own_even_from_degraded_alerts(name, args):
    verdict = judge(name, args, facts=ALERT)
    assert verdict.verdict == "auto" and verdict.approvals_required == 0


def test_production_mutation_needs_one_approval_from_tier_standard():
    verdict = judge("restart_deployment", restart("awoooi-prod"))
    assert (verdict.verdict, verdict.approvals_required, verdict.tier) == ("approval", 1, "standard")
    assert any("production" in r for r in verdict.reasons)


def test_production_mutation_needs_approval_whatever_the_score():
    relaxed = POLICY.model_copy(update={"risk": POLICY.risk.model_copy(update={"production_namespace": 0.0})})
    assert judge("restart_deployment", restart("awoooi-prod"), policy=relaxed).verdict == "approval"


@pytest.mark.parametrize("ns", ["awoooi-prod", "awoooi-staging"])
def test_scale_to_zero_needs_two_approvals_anywhere(ns):
    verdict = judge("scale_deployment", scale(0, ns))
    assert (verdict.verdict, verdict.approvals_required, verdict.tier) == ("approval", 2, "high")


def test_scale_to_zero_in_production_needs_approval_even_with_a_zero_score():
    zero = POLICY.model_copy(update={"risk": POLICY.risk.model_copy(update={
        "classes": POLICY.risk.classes.model_copy(update={"scale_to_zero": 0.0}), "production_namespace": 0.0})})
    verdict = judge("scale_deployment", scale(0, "awoooi-prod"), policy=zero)
    assert verdict.verdict == "approval" and verdict.approvals_required == 2


def test_non_production_mutation_runs_on_its_own():
    verdict = judge("restart_deployment", restart())
    assert verdict.verdict == "auto" and verdict.risk < POLICY.risk.approval_at


@pytest.mark.parametrize("ns", ["kube-system", "kube-public", "kube-node-lease"])
def test_protected_namespaces_never_mutate(ns):
    for name, args in (("restart_deployment", restart(ns)), ("scale_deployment", scale(3, ns)),
                       ("kubectl_execute", {"command": f"rollout restart deployment coredns -n {ns}"})):
        verdict = judge(name, args)
        assert verdict.verdict == "deny" and "protected" in verdict.reasons[0]


@pytest.mark.parametrize("ns", ["kube-system", "kube-public", "kube-node-lease"])
def test_the_system_namespaces_stay_protected_when_trust_yaml_protects_nothing(ns):
    open_policy = POLICY.model_copy(update={"namespaces": POLICY.namespaces.model_copy(update={"protected": []})})
    assert open_policy.namespaces.protected == []
    verdict = judge("restart_deployment", restart(ns), policy=open_policy)
    assert verdict.verdict == "deny" and "protected" in verdict.reasons[0]
    assert judge("kubectl_get", {"resource": "pods", "namespace": ns}, policy=open_policy).verdict == "auto"


def test_the_protected_list_in_trust_yaml_adds_namespaces():
    more = POLICY.model_copy(update={"namespaces": POLICY.namespaces.model_copy(update={"protected": ["vault"]})})
    assert judge("restart_deployment", restart("vault"), policy=more).verdict == "deny"
    assert judge("restart_deployment", restart("kube-system"), policy=more).verdict == "deny"


# --- hard rules on input ---------------------------------------------------------------------------


@pytest.mark.parametrize("name,args,why", [
    ("restart_deployment", restart("KUBE-SYSTEM"), "upper-case"),
    ("restart_deployment", restart("kube-system "), "whitespace"),
    ("restart_deployment", restart("awoooi-staging", "awoooi-api "), "whitespace"),
    ("restart_deployment", restart("awoooi-staging", "аwoooi-api"), "U+0430"),  # Cyrillic а
    ("restart_deployment", restart("awoooi-staging", "$(reboot)"), "'$'"),
    ("restart_deployment", restart("awoooi-staging", "api;rm"), "';'"),
    ("restart_deployment", {**restart(), "force": True}, "force"),
    ("scale_deployment", scale(11), "replicas"),
    ("scale_deployment", scale(-1), "replicas"),
    ("scale_deployment", scale("3"), "replicas"),
    ("delete_deployment", restart(), "delete_deployment"),
    ("restart_deploymеnt", restart(), "restart_deploym"),  # Cyrillic е in the tool name
])
def test_invalid_actions_are_denied_with_the_reason(name, args, why):
    verdict = judge(name, args)
    assert verdict.verdict == "deny" and verdict.risk == 1.0
    assert why in verdict.reasons[0], verdict.reasons


@pytest.mark.parametrize("command", [
    "kubectl delete deployment awoooi-api -n awoooi-staging",
    "kubectl exec -it awoooi-api-7d9f -- sh",
    "kubectl apply -f evil.yaml",
    "kubectl edit deployment awoooi-api",
    "kubectl patch deployment awoooi-api -p {}",
    "kubectl cordon node-1",
    "kubectl drain node-1",
    "kubectl cp awoooi-api-7d9f:/etc/passwd .",
    "kubectl port-forward awoooi-api-7d9f 8080",
    "kubectl get pods -n awoooi-prod; kubectl delete ns awoooi-prod",
    "kubectl get pods -n awoooi-prod && kubectl delete ns awoooi-prod",
    "kubectl get pods $(kubectl delete ns awoooi-prod)",
    "kubectl get pods --context other-cluster",
])
def test_kubectl_outside_the_allowlist_is_denied(command):
    verdict = judge("kubectl_execute", {"command": command, "namespace": "awoooi-staging"})
    assert verdict.verdict == "deny" and verdict.reasons[0].startswith("invalid action: kubectl_execute refused")


def test_a_parsed_kubectl_mutation_is_judged_like_the_typed_one():
    typed = judge("restart_deployment", restart("awoooi-prod"))
    parsed = judge("kubectl_execute", {"command": "kubectl rollout restart deployment/awoooi-api -n awoooi-prod"})
    assert (parsed.verdict, parsed.approvals_required) == (typed.verdict, typed.approvals_required)


# --- the factors ----------------------------------------------------------------------------------


def test_reasons_name_every_factor_and_the_score_is_their_sum():
    verdict = judge("scale_deployment", scale(10), facts=Facts(
        source="alertmanager", provider="rules", failed_attempts=2, degraded=True, recent_actions=1,
        last_action_age_s=300, current_replicas=2))
    factors = {c.factor: c.delta for c in verdict.contributions}
    assert factors == pytest.approx({"class": 0.5, "blast_radius": 0.35, "source": 0.1, "provenance": 0.06,
                                     "degraded": 0.05, "history": 0.02})
    assert verdict.risk == pytest.approx(min(1.0, sum(factors.values())))
    for c in verdict.contributions:
        assert any(r.startswith(f"{c.factor}:") and f"+{c.delta:.2f}" in r for r in verdict.reasons)
    assert verdict.verdict == "approval" and verdict.tier == "standard"  # 0.93 reaches approval_at


def test_blast_radius_is_relative_to_the_current_count():
    small = judge("scale_deployment", scale(5), facts=Facts(source="manual", requested_by="a", current_replicas=4))
    big = judge("scale_deployment", scale(8), facts=Facts(source="manual", requested_by="a", current_replicas=4))
    unknown = judge("scale_deployment", scale(8), facts=Facts(source="manual", requested_by="a"))
    radius = {name: next(c.delta for c in v.contributions if c.factor == "blast_radius")
              for name, v in (("small", small), ("big", big), ("unknown", unknown))}
    assert radius == pytest.approx({"small": 0.35 * 0.25 / 3, "big": 0.35 * 1.0 / 3, "unknown": 0.0})
    assert "unknown" in " ".join(unknown.reasons)


def test_an_unknown_count_with_a_cluster_configured_scores_the_largest_change():
    operator = Facts(source="manual", requested_by="a")
    failed = judge("scale_deployment", scale(4), facts=Facts(source="manual", requested_by="a",
                                                              replicas_lookup_failed=True))
    known_big = judge("scale_deployment", scale(10), facts=Facts(source="manual", requested_by="a", current_replicas=1))
    plan = judge("scale_deployment", scale(4), facts=operator)
    radius = {name: next(c.delta for c in v.contributions if c.factor == "blast_radius")
              for name, v in (("failed", failed), ("known_big", known_big), ("plan", plan))}
    assert radius["failed"] == POLICY.risk.blast_radius_max >= radius["known_big"]
    assert radius["plan"] == POLICY.risk.blast_radius_unknown
    assert failed.risk >= known_big.risk > plan.risk
    assert any("lookup failed" in r and "largest change" in r for r in failed.reasons)
    assert any("plan mode" in r for r in plan.reasons)


def test_an_alert_is_trusted_less_than_an_authenticated_operator():
    operator = judge("restart_deployment", restart(), facts=Facts(source="chat", requested_by="alice"))
    anonymous = judge("restart_deployment", restart(), facts=Facts(source="chat"))
    alert = judge("restart_deployment", restart(), facts=Facts(source="alertmanager", requested_by="alice"))
    assert operator.risk < anonymous.risk == alert.risk


def test_a_deeper_fallback_and_a_degraded_decision_are_trusted_less():
    risks = [judge("restart_deployment", restart(), facts=Facts(source="manual", requested_by="a",
                                                                  failed_attempts=n, degraded=n > 0)).risk
             for n in (0, 1, 3, 9)]
    assert risks[0] < risks[1] < risks[2] == risks[3]  # capped by fallback_max


def test_elevated_risk_outside_production_needs_approval():
    verdict = judge("scale_deployment", scale(10), facts=Facts(source="alertmanager", failed_attempts=3,
                                                                  degraded=True, current_replicas=1))
    assert verdict.verdict == "approval" and any("reaches" in r for r in verdict.reasons)


def test_anti_flapping_cap_stops_the_fifth_mutation_in_the_window():
    facts = [Facts(source="manual", requested_by="a", recent_actions=n, last_action_age_s=120 if n else None)
             for n in range(6)]
    verdicts = [judge("restart_deployment", restart(), facts=f).verdict for f in facts]
    assert verdicts == ["auto", "auto", "auto", "auto", "approval", "approval"]
    assert any("anti-flapping" in r for r in judge("restart_deployment", restart(), facts=facts[4]).reasons)


def test_anti_flapping_cooldown():
    soon = judge("restart_deployment", restart(), facts=Facts(source="manual", requested_by="a", recent_actions=1,
                                                                last_action_age_s=10))
    later = judge("restart_deployment", restart(), facts=Facts(source="manual", requested_by="a", recent_actions=1,
                                                                 last_action_age_s=61))
    assert soon.verdict == "approval" and "cooldown" in " ".join(soon.reasons)
    assert later.verdict == "auto"


def test_the_approvers_tier_sets_quorum_and_group():
    approvers = parse_approvers({"tiers": {"high": "3 from group sre", "standard": {"quorum": 2}}},
                                source="test", check_quorum=False)
    zero = judge("scale_deployment", scale(0), approvers=approvers)
    prod = judge("restart_deployment", restart("awoooi-prod"), approvers=approvers)
    assert (zero.approvals_required, zero.group, zero.tier) == (3, "sre", "high")
    assert (prod.approvals_required, prod.group) == (2, None)


def test_when_several_rules_apply_the_strictest_wins():
    verdict = judge("scale_deployment", scale(0, "awoooi-prod"), facts=Facts(recent_actions=9))
    assert verdict.approvals_required == 2
    assert sum("anti-flapping" in r or "production" in r or "zero" in r for r in verdict.reasons) >= 3


def test_target_of_names_the_deployment():
    assert target_of(propose("scale_deployment", scale(2), default_namespace="x")) == "deployment:awoooi-staging/awoooi-web"
    assert target_of(propose("kubectl_get", {"resource": "pods"}, default_namespace="x")) is None


# --- fail closed ----------------------------------------------------------------------------------


def test_no_policy_denies_everything_even_reads():
    verdict = judge("kubectl_get", {"resource": "pods"}, policy=None, policy_error="trust.yaml: file not found")
    assert verdict.verdict == "deny" and verdict.policy_version == UNAVAILABLE_VERSION
    assert "file not found" in verdict.reasons[0]


def _boom(*_):
    raise RuntimeError("scorer bug")


def _out_of_range(*_):
    return Contribution("weird", -0.5, "negative risk")


@pytest.mark.parametrize("factor", [_boom, _out_of_range])
def test_a_scorer_error_is_a_deny_never_auto(factor):
    for name, args in (("kubectl_get", {"resource": "pods"}), ("restart_deployment", restart())):
        verdict = judge(name, args, factors=(*DEFAULT_FACTORS, factor))
        assert verdict.verdict == "deny" and "trust engine error" in verdict.reasons[0]
        assert verdict.policy_version == POLICY.version


def test_a_scorer_over_its_budget_is_a_deny():
    now = [100.0]

    def clock():
        return now[0]

    def slow(*_):
        now[0] += 1.0  # one second, against a 250 ms budget
        return None

    for name, args in (("send_alert", {"severity": "info", "message": "x"}), ("restart_deployment", restart())):
        verdict = judge(name, args, factors=(*DEFAULT_FACTORS, slow), clock=clock)
        assert verdict.verdict == "deny" and "budget" in verdict.reasons[0]
    quick = judge("restart_deployment", restart(), clock=clock)
    assert quick.verdict == "auto"


def test_every_verdict_carries_the_policy_version():
    for name, args in (("kubectl_get", {"resource": "pods"}), ("restart_deployment", restart("awoooi-prod")),
                       ("restart_deployment", restart("kube-system")), ("nope", {})):
        assert judge(name, args).policy_version == POLICY.version == "2026-11-21.3"


def test_a_broken_policy_becomes_a_policy_load_with_the_error(tmp_path):
    (tmp_path / "trust.yaml").write_text("version: x\nnamespaces: {production: [KUBE-SYSTEM]}\n")
    loaded = load_policy(tmp_path / "trust.yaml")
    assert loaded.policy is None and "KUBE-SYSTEM" in loaded.error and loaded.sha256
    assert load_policy(tmp_path / "missing.yaml").error.endswith("--config-dir)")
    with pytest.raises(PolicyError):
        read_policy(tmp_path / "trust.yaml")


def test_policy_refuses_unknown_fields_and_overlapping_namespaces():
    with pytest.raises(ValueError):
        TrustPolicy.model_validate({"version": "1", "approve_everything": True})
    with pytest.raises(ValueError, match="both production and protected"):
        TrustPolicy.model_validate({"version": "1", "namespaces": {"production": ["a"], "protected": ["a"]}})
