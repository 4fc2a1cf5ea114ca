"""Pod and service proxy through the official Python client, over HTTPS with verification.

Usage: network_proxy.py APP SERVICE_VISITS OTHER_CA_FILE

Checks what a user of the client would: the kubeconfig's server is https and the client
verifies it (by 127.0.0.1 and by localhost); connect_get_namespaced_pod_proxy_with_path("APP-1:8080", ...) reaches that pod
(the client percent-encodes the colon); the service proxy reaches every Ready pod; a
configuration trusting another CA is refused. Prints one JSON line with what it saw.
"""

import json
import os
import re
import sys

import urllib3
from kubernetes import client, config


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    app, service_visits, other_ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    ns = os.environ["STS_E2E_NAMESPACE"]
    config.load_kube_config()
    conf = client.Configuration.get_default_copy()
    if not conf.host.startswith("https://"):
        fail(f"the kubeconfig's server is not https: {conf.host}")
    if not conf.verify_ssl:
        fail("the client does not verify the server certificate")
    core = client.CoreV1Api()

    # The certificate names localhost too: the same client, verifying, by that name.
    local = client.Configuration.get_default_copy()
    local.host = conf.host.replace("127.0.0.1", "localhost")
    local_pods = client.CoreV1Api(client.ApiClient(local)).list_namespaced_pod(ns)
    if len(local_pods.items) != 3:
        fail(f"{local.host} listed {len(local_pods.items)} pods, not 3")

    # Pod proxy: three visits to APP-1 on its port 8080, then its count.
    pod = f"{app}-1"
    for _ in range(3):
        page = core.connect_get_namespaced_pod_proxy_with_path(f"{pod}:8080", ns, "")
        if f"Hello from {pod}!" not in page:
            fail(f"pod proxy to {pod}:8080 answered {page!r}")
    pod_count = core.connect_get_namespaced_pod_proxy_with_path(f"{pod}:8080", ns, "visits")

    # Service proxy: which pod answered each visit.
    served = []
    for _ in range(service_visits):
        page = core.connect_get_namespaced_service_proxy_with_path(f"{app}-web:http", ns, "")
        match = re.search(r"Hello from ([a-z0-9-]+)!", page)
        if not match:
            fail(f"service proxy answered {page!r}")
        served.append(match.group(1))

    # A configuration that trusts another cluster's CA must refuse this server.
    wrong = client.Configuration.get_default_copy()
    wrong.ssl_ca_cert = other_ca
    wrong.retries = False
    refused = None
    try:
        client.CoreV1Api(client.ApiClient(wrong)).list_namespaced_pod(ns)
    except (client.exceptions.ApiException, urllib3.exceptions.HTTPError) as e:
        # The client reports a TLS failure as ApiException(status=0, reason=SSLError...).
        if "CERTIFICATE_VERIFY_FAILED" not in str(e):
            fail(f"refused, but not for the certificate: {e}")
        refused = "CERTIFICATE_VERIFY_FAILED"
    if refused is None:
        fail("a client trusting another CA reached the server")

    print(json.dumps({"host": conf.host, "localhost": local.host, "podCount": pod_count.strip(),
                      "served": served, "wrongCa": refused}))


if __name__ == "__main__":
    main()
