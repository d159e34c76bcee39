"""openclaw.models.kubectl.parse_kubectl: kubectl command lines mapped onto typed tools, or refused.

Covers: every accepted verb and its argument forms (aliases, TYPE/NAME, -n/--namespace/-n=X/-nX,
-A for get, --tail/-c/-p/--previous for logs, --replicas for scale, optional leading ``kubectl``;
the evidence kinds: statefulsets, daemonsets, replicasets, jobs, hpa, pvc, pv, quota); refusals for
verbs outside the allowlist (the verb is named), shell syntax, identity/cluster flags, unknown
flags, unsupported resources, malformed arguments and names that fail RFC 1123 validation
(each refusal's message is checked); that accepted args pass validate_tool_args.
"""

from __future__ import annotations

import pytest

from openclaw.models.kubectl import ALLOWED_VERBS, KubectlRefused, ParsedCommand, parse_kubectl
from openclaw.models.tools import validate_tool_args

NS = "awoooi-prod"

ACCEPTED = [
    ("kubectl get pods", "kubectl_get", {"resource": "pods", "namespace": NS}, "get"),
    ("get pods -n awoooi-prod", "kubectl_get", {"resource": "pods", "namespace": NS}, "get"),
    ("kubectl get po -n staging", "kubectl_get", {"resource": "pods", "namespace": "staging"}, "get"),
    ("kubectl get pod --namespace staging", "kubectl_get", {"resource": "pods", "namespace": "staging"}, "get"),
    ("kubectl get pods --namespace=staging", "kubectl_get", {"resource": "pods", "namespace": "staging"}, "get"),
    ("kubectl get pods -n=staging", "kubectl_get", {"resource": "pods", "namespace": "staging"}, "get"),
    ("kubectl get pods -nstaging", "kubectl_get", {"resource": "pods", "namespace": "staging"}, "get"),
    ("kubectl -n staging get pods", "kubectl_get", {"resource": "pods", "namespace": "staging"}, "get"),
    ("kubectl get deploy", "kubectl_get", {"resource": "deployments", "namespace": NS}, "get"),
    ("kubectl get deployments awoooi-api", "kubectl_get",
     {"resource": "deployments", "name": "awoooi-api", "namespace": NS}, "get"),
    ("kubectl get deployment/awoooi-api", "kubectl_get",
     {"resource": "deployments", "name": "awoooi-api", "namespace": NS}, "get"),
    ("kubectl get deployments.apps awoooi-api", "kubectl_get",
     {"resource": "deployments", "name": "awoooi-api", "namespace": NS}, "get"),
    ("kubectl get svc", "kubectl_get", {"resource": "services", "namespace": NS}, "get"),
    ("kubectl get service/awoooi-api", "kubectl_get",
     {"resource": "services", "name": "awoooi-api", "namespace": NS}, "get"),
    ("kubectl get no", "kubectl_get", {"resource": "nodes", "namespace": NS}, "get"),
    ("kubectl get nodes node-1", "kubectl_get", {"resource": "nodes", "name": "node-1", "namespace": NS}, "get"),
    ("kubectl get ev", "kubectl_get", {"resource": "events", "namespace": NS}, "get"),
    ("kubectl get events -o wide", "kubectl_get", {"resource": "events", "namespace": NS}, "get"),
    ("kubectl get pods -owide", "kubectl_get", {"resource": "pods", "namespace": NS}, "get"),
    ("kubectl get pods -A", "kubectl_get", {"resource": "pods"}, "get"),
    ("kubectl get pods --all-namespaces", "kubectl_get", {"resource": "pods"}, "get"),
    ("kubectl get PODS", "kubectl_get", {"resource": "pods", "namespace": NS}, "get"),
    ("kubectl describe pod awoooi-api-7d9f8c6b5-x2x9q", "kubectl_get",
     {"resource": "pods", "name": "awoooi-api-7d9f8c6b5-x2x9q", "namespace": NS}, "describe"),
    ("kubectl describe deploy/awoooi-web -n web", "kubectl_get",
     {"resource": "deployments", "name": "awoooi-web", "namespace": "web"}, "describe"),
    ("kubectl describe nodes", "kubectl_get", {"resource": "nodes", "namespace": NS}, "describe"),
    ("kubectl top pods", "kubectl_get", {"resource": "pods", "namespace": NS}, "top"),
    ("kubectl top nodes", "kubectl_get", {"resource": "nodes", "namespace": NS}, "top"),
    ("kubectl top pod awoooi-api-1 -n x", "kubectl_get",
     {"resource": "pods", "name": "awoooi-api-1", "namespace": "x"}, "top"),
    ("kubectl rollout status deployment/awoooi-api", "kubectl_get",
     {"resource": "deployments", "name": "awoooi-api", "namespace": NS}, "rollout status"),
    ("kubectl rollout status deploy awoooi-api -n x", "kubectl_get",
     {"resource": "deployments", "name": "awoooi-api", "namespace": "x"}, "rollout status"),
    ("kubectl logs awoooi-api-7d9f8c6b5-x2x9q", "get_logs",
     {"pod": "awoooi-api-7d9f8c6b5-x2x9q", "namespace": NS}, "logs"),
    ("kubectl logs awoooi-api-1 --tail=30", "get_logs", {"pod": "awoooi-api-1", "namespace": NS, "tail": 30}, "logs"),
    ("kubectl logs awoooi-api-1 --tail 30", "get_logs", {"pod": "awoooi-api-1", "namespace": NS, "tail": 30}, "logs"),
    ("kubectl logs pod/awoooi-api-1 -c app", "get_logs",
     {"pod": "awoooi-api-1", "namespace": NS, "container": "app"}, "logs"),
    ("kubectl logs awoooi-api-1 --container=app --tail=5 -n x", "get_logs",
     {"pod": "awoooi-api-1", "namespace": "x", "tail": 5, "container": "app"}, "logs"),
    ("kubectl rollout restart deployment awoooi-api", "restart_deployment",
     {"deployment": "awoooi-api", "namespace": NS}, "rollout restart"),
    ("kubectl rollout restart deployment/awoooi-api -n awoooi-staging", "restart_deployment",
     {"deployment": "awoooi-api", "namespace": "awoooi-staging"}, "rollout restart"),
    ("rollout restart deploy/awoooi-worker", "restart_deployment",
     {"deployment": "awoooi-worker", "namespace": NS}, "rollout restart"),
    ("kubectl scale deployment awoooi-web --replicas=3", "scale_deployment",
     {"deployment": "awoooi-web", "namespace": NS, "replicas": 3}, "scale"),
    ("kubectl scale deployment/awoooi-web --replicas 0 -n x", "scale_deployment",
     {"deployment": "awoooi-web", "namespace": "x", "replicas": 0}, "scale"),
    ("kubectl scale --replicas=10 deploy/awoooi-web", "scale_deployment",
     {"deployment": "awoooi-web", "namespace": NS, "replicas": 10}, "scale"),
    ("kubectl logs awoooi-api-1 --previous", "get_logs",
     {"pod": "awoooi-api-1", "namespace": NS, "previous": True}, "logs"),
    ("kubectl logs awoooi-web-1 -p -c web --tail=50", "get_logs",
     {"pod": "awoooi-web-1", "namespace": NS, "previous": True, "container": "web", "tail": 50}, "logs"),
    ("kubectl logs awoooi-api-1 --previous=false", "get_logs", {"pod": "awoooi-api-1", "namespace": NS}, "logs"),
    ("kubectl get sts", "kubectl_get", {"resource": "statefulsets", "namespace": NS}, "get"),
    ("kubectl get statefulset.apps/db -n data", "kubectl_get",
     {"resource": "statefulsets", "name": "db", "namespace": "data"}, "get"),
    ("kubectl get ds -n kube-system", "kubectl_get", {"resource": "daemonsets", "namespace": "kube-system"}, "get"),
    ("kubectl get rs awoooi-api-7d4b9c8f6", "kubectl_get",
     {"resource": "replicasets", "name": "awoooi-api-7d4b9c8f6", "namespace": NS}, "get"),
    ("kubectl describe job/nightly-backup", "kubectl_get",
     {"resource": "jobs", "name": "nightly-backup", "namespace": NS}, "describe"),
    ("kubectl get hpa awoooi-api", "kubectl_get",
     {"resource": "horizontalpodautoscalers", "name": "awoooi-api", "namespace": NS}, "get"),
    ("kubectl get pvc", "kubectl_get", {"resource": "persistentvolumeclaims", "namespace": NS}, "get"),
    ("kubectl get pv pvc-123", "kubectl_get",
     {"resource": "persistentvolumes", "name": "pvc-123", "namespace": NS}, "get"),
    ("kubectl describe quota", "kubectl_get", {"resource": "resourcequotas", "namespace": NS}, "describe"),
    ("  kubectl   get   pods  ", "kubectl_get", {"resource": "pods", "namespace": NS}, "get"),
    ("kubectl get pods 'awoooi-api-1'", "kubectl_get",
     {"resource": "pods", "name": "awoooi-api-1", "namespace": NS}, "get"),
]


@pytest.mark.parametrize(("command", "tool", "args", "verb"), ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_accepted_forms(command: str, tool: str, args: dict, verb: str) -> None:
    parsed = parse_kubectl(command, default_namespace=NS)
    assert parsed == ParsedCommand(tool=tool, args=args, verb=verb)
    validate_tool_args(parsed.tool, parsed.args)


REFUSED = [
    ("kubectl delete ns prod", "kubectl delete is not allowed"),
    ("kubectl delete pod awoooi-api-1", "kubectl delete is not allowed"),
    ("kubectl exec -it awoooi-api-1 -- sh", "kubectl exec is not allowed"),
    ("kubectl apply -f x.yaml", "kubectl apply is not allowed"),
    ("kubectl edit deployment awoooi-api", "kubectl edit is not allowed"),
    ("kubectl patch deployment awoooi-api -p x", "kubectl patch is not allowed"),
    ("kubectl cordon node-1", "kubectl cordon is not allowed"),
    ("kubectl drain node-1", "kubectl drain is not allowed"),
    ("kubectl uncordon node-1", "kubectl uncordon is not allowed"),
    ("kubectl cp a b", "kubectl cp is not allowed"),
    ("kubectl port-forward pod/a 8080:80", "kubectl port-forward is not allowed"),
    ("kubectl attach a", "kubectl attach is not allowed"),
    ("kubectl run x --image=busybox", "kubectl run is not allowed"),
    ("kubectl create deployment x --image=y", "kubectl create is not allowed"),
    ("kubectl replace -f x", "kubectl replace is not allowed"),
    ("kubectl label pod a x=y", "kubectl label is not allowed"),
    ("kubectl annotate pod a x=y", "kubectl annotate is not allowed"),
    ("kubectl taint nodes n k=v:NoSchedule", "kubectl taint is not allowed"),
    ("kubectl set image deploy/a a=b", "kubectl set is not allowed"),
    ("kubectl proxy", "kubectl proxy is not allowed"),
    ("kubectl auth can-i delete pods", "kubectl auth is not allowed"),
    ("kubectl certificate approve x", "kubectl certificate is not allowed"),
    ("kubectl config use-context prod", "kubectl config is not allowed"),
    ("kubectl debug node/n -it --image=x", "kubectl debug is not allowed"),
    ("kubectl expose deploy a --port=80", "kubectl expose is not allowed"),
    ("kubectl autoscale deploy a --max=5", "kubectl autoscale is not allowed"),
    ("kubectl rollout undo deployment/awoooi-api", "kubectl rollout undo is not allowed"),
    ("kubectl rollout pause deployment/awoooi-api", "kubectl rollout pause is not allowed"),
    ("kubectl rollout resume deployment/awoooi-api", "kubectl rollout resume is not allowed"),
    ("kubectl rollout history deployment/awoooi-api", "kubectl rollout history is not allowed"),
    ("kubectl rollout", "needs a sub-command"),
    ("kubectl", "no kubectl verb"),
    ("", "no kubectl verb"),
    ("kubectl get pods; rm -rf /", "';'"),
    ("kubectl get pods | grep api", "pipe"),
    ("kubectl get pods && kubectl delete ns prod", "'&&'"),
    ("kubectl get pods & sleep 1", "'&'"),
    ("kubectl get pods $(rm -rf /)", "command substitution"),
    ("kubectl get pods `id`", "backtick"),
    ("kubectl get pods > /tmp/x", "redirection"),
    ("kubectl get pods < /tmp/x", "redirection"),
    ("kubectl get pods\nkubectl delete ns prod", "several lines"),
    ("kubectl get pods ${HOME}", "variable expansion"),
    ("kubectl get pods kubectl delete ns x", "more than one kubectl command"),
    ("kubectl get pods --kubeconfig /etc/k", "--kubeconfig changes the cluster or identity"),
    ("kubectl get pods --context prod", "--context changes the cluster or identity"),
    ("kubectl --server https://x get pods", "--server changes the cluster or identity"),
    ("kubectl get pods --token abc", "--token changes the cluster or identity"),
    ("kubectl get pods --as system:admin", "--as changes the cluster or identity"),
    ("kubectl get pods --insecure-skip-tls-verify", "--insecure-skip-tls-verify changes"),
    ("kubectl logs awoooi-api-1 -A", "the flag -A is not accepted"),
    ("kubectl rollout restart deployment/x --all-namespaces", "the flag --all-namespaces is not accepted"),
    ("kubectl get pods -w", "the flag -w is not accepted"),
    ("kubectl get pods -l app=x", "the flag -l is not accepted"),
    ("kubectl logs awoooi-api-1 -f", "the flag -f is not accepted"),
    ("kubectl logs awoooi-api-1 --previous=maybe", "--previous takes no value"),
    ("kubectl get pv -w", "the flag -w is not accepted"),
    ("kubectl get cronjobs", "not supported"),
    ("kubectl get pods -n a -n b", "several namespaces"),
    ("kubectl get pods -A -n x", "contradict"),
    ("kubectl get pods -n", "the flag -n needs a value"),
    ("kubectl get secrets", "kubectl get secrets is not supported"),
    ("kubectl get configmaps", "not supported"),
    ("kubectl get pods,svc", "one resource type at a time"),
    ("kubectl get secret/db-password", "the resource type 'secret' is not supported"),
    ("kubectl get", "needs a resource type"),
    ("kubectl get pods a b", "at most one name"),
    ("kubectl top deployments", "kubectl top works on pods or nodes"),
    ("kubectl logs deploy/awoooi-api", "name the pod itself"),
    ("kubectl logs", "exactly one pod name"),
    ("kubectl logs a b", "exactly one pod name"),
    ("kubectl logs awoooi-api-1 --tail=abc", "--tail must be a whole number"),
    ("kubectl logs awoooi-api-1 --tail=-1", "tail: Input should be greater than or equal to 1"),
    ("kubectl logs awoooi-api-1 -- extra", "arguments after '--'"),
    ("kubectl rollout restart statefulset/db", "only accepted for deployments, not 'statefulset'"),
    ("kubectl rollout restart daemonset x", "only accepted for deployments"),
    ("kubectl rollout restart deployment", "needs exactly one deployment"),
    ("kubectl rollout restart deployment a b", "needs exactly one deployment"),
    ("kubectl scale deployment awoooi-web", "needs --replicas=N"),
    ("kubectl scale deployment awoooi-web --replicas=11", "replicas: Input should be less than or equal to 10"),
    ("kubectl scale deployment awoooi-web --replicas=-1", "replicas: Input should be greater than or equal to 0"),
    ("kubectl scale deployment awoooi-web --replicas=three", "--replicas must be a whole number"),
    ("kubectl scale deployment awoooi-web --replicas=3 --current-replicas=2", "--current-replicas is not accepted"),
    ("kubectl get pods -n KUBE-SYSTEM", "upper-case letters"),
    ("kubectl rollout restart deployment/Awoooi-API", "upper-case letters"),
    ("kubectl rollout restart deployment/\u0430pi", "non-ASCII character"),
    ("kubectl get pods -n \u043aube-system", "non-ASCII character"),
    ("kubectl get pods 'awoooi api'", "contains the character ' '"),
    ("kubectl get pods \"a", "cannot be split into words"),
    ("kubectl get pods " + "a" * 600, "the limit is 512"),
    ("kubectl get pods -n " + "a" * 70, "the limit is 63"),
    ("kubectl get pods \x00", "control character"),
]


@pytest.mark.parametrize(("command", "why"), REFUSED, ids=[c[0][:60] for c in REFUSED])
def test_refused_forms_say_why(command: str, why: str) -> None:
    with pytest.raises(KubectlRefused) as info:
        parse_kubectl(command, default_namespace=NS)
    message = str(info.value)
    assert why in message
    assert "\n" not in message


def test_refusal_lists_the_allowed_verbs() -> None:
    with pytest.raises(KubectlRefused) as info:
        parse_kubectl("kubectl delete ns prod", default_namespace=NS)
    for verb in ALLOWED_VERBS:
        assert verb in str(info.value)


def test_refusal_is_a_value_error_and_keeps_the_validation_cause() -> None:
    with pytest.raises(ValueError) as info:
        parse_kubectl("kubectl get pods -n KUBE-SYSTEM", default_namespace=NS)
    assert info.value.__cause__ is not None


def test_default_namespace_is_used_and_may_itself_be_refused() -> None:
    assert parse_kubectl("get pods", default_namespace="team-a").args["namespace"] == "team-a"
    with pytest.raises(KubectlRefused, match="upper-case"):
        parse_kubectl("get pods", default_namespace="Team-A")


def test_non_string_is_refused() -> None:
    with pytest.raises(KubectlRefused, match="must be a string"):
        parse_kubectl(None, default_namespace=NS)  # type: ignore[arg-type]
