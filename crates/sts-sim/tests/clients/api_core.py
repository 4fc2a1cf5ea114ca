"""The official Python client against a cluster with a 3-replica StatefulSet NAME (argv[1]):
list, get, the three patch types, scale, watch from a resourceVersion (the client sends
watch=True), 409 on a stale update and 404 as a Status."""
import json
import os
import sys

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

NS = os.environ["STS_E2E_NAMESPACE"]
STS = sys.argv[1]


def check(cond, what, seen):
    if not cond:
        sys.exit(f"FAIL: {what}; saw: {seen!r}")
    print(f"ok: {what}")


def status_of(e):
    try:
        return json.loads(e.body)
    except (TypeError, ValueError):
        return {"unparsed": e.body}


config.load_kube_config()
core = client.CoreV1Api()
apps = client.AppsV1Api()

pods = core.list_namespaced_pod(NS, label_selector=f"app={STS}")
names = sorted(p.metadata.name for p in pods.items)
check(names == [f"{STS}-{i}" for i in range(3)], "list pods by label", names)
check(all(p.status.phase == "Running" for p in pods.items), "listed pods are Running",
      [p.status.phase for p in pods.items])

sts = apps.read_namespaced_stateful_set(STS, NS)
check(sts.spec.replicas == 3 and sts.status.ready_replicas == 3, "get statefulset",
      (sts.spec.replicas, sts.status.ready_replicas))

cm = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-cm"), data={"a": "1"})
core.create_namespaced_config_map(NS, cm)
# A dict body goes as a strategic merge patch, a list as a JSON patch.
core.patch_namespaced_config_map("py-cm", NS, {"data": {"b": "2"}})
got = core.read_namespaced_config_map("py-cm", NS).data
check(got == {"a": "1", "b": "2"}, "strategic merge patch adds a key", got)
core.patch_namespaced_config_map("py-cm", NS, [{"op": "replace", "path": "/data/a", "value": "10"}])
got = core.read_namespaced_config_map("py-cm", NS).data
check(got == {"a": "10", "b": "2"}, "JSON patch replaces a key", got)
merge_client = client.ApiClient()
merge_client.set_default_header("Content-Type", "application/merge-patch+json")
client.CoreV1Api(merge_client).patch_namespaced_config_map("py-cm", NS, {"data": {"b": None}})
got = core.read_namespaced_config_map("py-cm", NS).data
check(got == {"a": "10"}, "merge patch removes a key with null", got)

apps.patch_namespaced_stateful_set_scale(STS, NS, {"spec": {"replicas": 4}})
scale = apps.read_namespaced_stateful_set_scale(STS, NS)
check(scale.spec.replicas == 4, "scale subresource sets replicas", scale.spec.replicas)
check(apps.read_namespaced_stateful_set(STS, NS).spec.replicas == 4, "scale shows in the spec",
      apps.read_namespaced_stateful_set(STS, NS).spec.replicas)
apps.patch_namespaced_stateful_set_scale(STS, NS, {"spec": {"replicas": 3}})

rv = core.read_namespaced_config_map("py-cm", NS).metadata.resource_version
core.patch_namespaced_config_map("py-cm", NS, {"data": {"c": "3"}})
w = watch.Watch()
events = []
for ev in w.stream(core.list_namespaced_config_map, NS, resource_version=rv,
                   field_selector="metadata.name=py-cm", timeout_seconds=20):
    events.append((ev["type"], dict(ev["object"].data or {})))
    w.stop()
check(events[:1] == [("MODIFIED", {"a": "10", "c": "3"})],
      "watch from a resourceVersion replays the change after it", events)

stale = core.read_namespaced_config_map("py-cm", NS)
core.patch_namespaced_config_map("py-cm", NS, {"data": {"d": "4"}})
stale.data["e"] = "5"
try:
    core.replace_namespaced_config_map("py-cm", NS, stale)
    sys.exit("FAIL: a stale update was accepted")
except ApiException as e:
    s = status_of(e)
    check(e.status == 409 and s.get("reason") == "Conflict"
          and "the object has been modified" in s.get("message", ""),
          "stale update is a 409 Conflict Status", (e.status, s))
got = core.read_namespaced_config_map("py-cm", NS).data
check("e" not in got and got.get("d") == "4", "the stale update lost nothing", got)

try:
    core.read_namespaced_pod("no-such-pod", NS)
    sys.exit("FAIL: a missing pod was found")
except ApiException as e:
    s = status_of(e)
    check(e.status == 404 and s.get("kind") == "Status" and s.get("reason") == "NotFound"
          and s.get("message") == 'pods "no-such-pod" not found'
          and s.get("details", {}).get("name") == "no-such-pod",
          "missing pod is a 404 NotFound Status", (e.status, s))
print("PASS")
