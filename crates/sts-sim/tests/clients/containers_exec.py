"""Exec through the official Python client's stream API: the exit code of a failing command,
its stdout and stderr apart, and a shell fed commands on stdin (v4 protocol, text frames).
Usage: containers_exec.py POD"""
import os
import sys

from kubernetes import client, config
from kubernetes.stream import stream

config.load_kube_config()
ns = os.environ["STS_E2E_NAMESPACE"]
pod = sys.argv[1]
v1 = client.CoreV1Api()


def check(what, got, want):
    print(f"{what}: {got!r}")
    if got != want:
        sys.exit(f"{what}: expected {want!r}, got {got!r}")


resp = stream(v1.connect_get_namespaced_pod_exec, pod, ns,
              command=["sh", "-c", "echo visible; echo complaint >&2; exit 3"],
              stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False)
resp.run_forever(timeout=20)
check("exit code", resp.returncode, 3)
check("stdout", resp.read_stdout(), "visible\n")
check("stderr", resp.read_stderr(), "complaint\n")

ok = stream(v1.connect_get_namespaced_pod_exec, pod, ns, command=["cat", "/data/visits"],
            stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False)
ok.run_forever(timeout=20)
check("exit code of cat", ok.returncode, 0)
visits = ok.read_stdout()

shell = stream(v1.connect_get_namespaced_pod_exec, pod, ns, command=["sh"],
               stderr=True, stdin=True, stdout=True, tty=False, _preload_content=False)
shell.write_stdin("echo typed on stdin; cat /data/visits\n")
out = ""
while shell.is_open() and not out.endswith(visits):
    shell.update(timeout=20)
    got = shell.read_stdout()
    if not got:
        break
    out += got
check("shell output", out, "typed on stdin\n" + visits)
shell.write_stdin("exit 7\n")
shell.run_forever(timeout=20)
check("shell exit code", shell.returncode, 7)
