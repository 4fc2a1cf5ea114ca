"""The official Python client evicting pods of the 3-replica StatefulSet NAME (argv[1]):
under a PodDisruptionBudget that allows no disruption the eviction is a 429 with
upstream's message and cause; once the budget allows one, one eviction succeeds and the
next is refused again."""
import json
import os
import sys

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

NS = os.environ["STS_E2E_NAMESPACE"]
STS = sys.argv[1]
MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget."


def check(cond, what, seen):
    if not cond:
        sys.exit(f"FAIL: {what}; saw: {seen!r}")
    print(f"ok: {what}")


config.load_kube_config()
core = client.CoreV1Api()
policy = client.PolicyV1Api()


def evict(pod):
    body = client.V1Eviction(metadata=client.V1ObjectMeta(name=pod, namespace=NS))
    return core.create_namespaced_pod_eviction(pod, NS, body)


def wait_budget(cond, what):
    """Watches the budget until its status satisfies cond (20 s at most)."""
    w = watch.Watch()
    last = None
    for ev in w.stream(policy.list_namespaced_pod_disruption_budget, NS,
                       field_selector="metadata.name=budget", timeout_seconds=20):
        last = ev["object"]
        st = last.status
        if st is not None and (st.observed_generation or 0) >= last.metadata.generation and cond(st):
            w.stop()
            return st
    sys.exit(f"FAIL: timed out waiting for {what}; last status: {last and last.status}")


pdb = client.V1PodDisruptionBudget(
    metadata=client.V1ObjectMeta(name="budget"),
    spec=client.V1PodDisruptionBudgetSpec(
        min_available=3, selector=client.V1LabelSelector(match_labels={"app": STS})))
policy.create_namespaced_pod_disruption_budget(NS, pdb)
st = wait_budget(lambda s: s.expected_pods == 3 and s.current_healthy == 3, "3 healthy pods")
check((st.desired_healthy, st.disruptions_allowed) == (3, 0), "budget allows no disruption",
      (st.desired_healthy, st.disruptions_allowed))

try:
    evict(f"{STS}-0")
    sys.exit("FAIL: an eviction that breaks the budget was accepted")
except ApiException as e:
    s = json.loads(e.body)
    causes = s.get("details", {}).get("causes", [])
    check(e.status == 429 and s.get("reason") == "TooManyRequests" and s.get("message") == MESSAGE,
          "blocked eviction is 429 TooManyRequests with upstream's message", (e.status, s))
    check(causes and causes[0].get("reason") == "DisruptionBudget"
          and causes[0].get("message") == "The disruption budget budget needs 3 healthy pods and has 3 currently",
          "the 429 names the budget as its cause", causes)
pod = core.read_namespaced_pod(f"{STS}-0", NS)
check(pod.metadata.deletion_timestamp is None, "the pod is untouched", pod.metadata.deletion_timestamp)

policy.patch_namespaced_pod_disruption_budget("budget", NS, {"spec": {"minAvailable": 2}})
st = wait_budget(lambda s: s.disruptions_allowed == 1, "one allowed disruption")
evict(f"{STS}-0")
pod = core.read_namespaced_pod(f"{STS}-0", NS)
check(pod.metadata.deletion_timestamp is not None, "an allowed eviction deletes the pod",
      pod.metadata.deletion_timestamp)
now = policy.read_namespaced_pod_disruption_budget("budget", NS).status
check(now.disruptions_allowed == 0, "the eviction used up the disruption",
      (now.disruptions_allowed, now.disrupted_pods))
try:
    evict(f"{STS}-1")
    sys.exit("FAIL: a second eviction was accepted")
except ApiException as e:
    check(e.status == 429, "the next eviction is refused", e.status)
print("PASS")
