"""Logs through the official Python client: the app's start-up line and one line per
request, tail_lines, timestamps, and previous=True for a container that never restarted
(400 naming it). Usage: containers_logs.py POD REQUESTS"""
import json
import os
import sys

from kubernetes import client, config
from kubernetes.client.rest import ApiException

config.load_kube_config()
ns = os.environ["STS_E2E_NAMESPACE"]
pod, requests = sys.argv[1], int(sys.argv[2])
v1 = client.CoreV1Api()

text = v1.read_namespaced_pod_log(pod, ns)
print(text)
lines = text.splitlines()
if not lines or not lines[0].startswith("visits app listening on :8080"):
    sys.exit(f"no start-up line first: {lines!r}")
gets = [l for l in lines if l.startswith('"GET / HTTP/1.1" 200')]
if len(gets) != requests:
    sys.exit(f"expected {requests} request lines, got {len(gets)}: {lines!r}")

tail = v1.read_namespaced_pod_log(pod, ns, tail_lines=1)
if tail != lines[-1] + "\n":
    sys.exit(f"tail_lines=1 gave {tail!r}, expected {lines[-1]!r}")

stamped = v1.read_namespaced_pod_log(pod, ns, timestamps=True).splitlines()
for s, plain in zip(stamped, lines):
    stamp, _, rest = s.partition(" ")
    if rest != plain or not (stamp.endswith("Z") and "T" in stamp):
        sys.exit(f"timestamped line {s!r} does not match {plain!r}")

try:
    v1.read_namespaced_pod_log(pod, ns, previous=True)
    sys.exit("previous=True on a container that never restarted succeeded")
except ApiException as e:
    want = f'previous terminated container "app" in pod "{pod}" not found'
    if e.status != 400 or json.loads(e.body)["message"] != want:
        sys.exit(f"previous=True: {e.status} {e.body}")
print("previous: 400", want)
