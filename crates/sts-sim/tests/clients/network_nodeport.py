"""A NodePort Service reached on 127.0.0.1:<nodePort> with Python's own HTTP client.

Usage: network_nodeport.py URL VISITS

GETs URL VISITS times (urllib, a new connection each time, as a browser reload would) and
prints one JSON line: which pod answered each visit. Fails on any answer but 200 from the app.
"""

import json
import re
import sys
import urllib.request


def main():
    url, visits = sys.argv[1], int(sys.argv[2])
    served = []
    for _ in range(visits):
        with urllib.request.urlopen(url, timeout=10) as resp:
            body = resp.read().decode()
            if resp.status != 200:
                print(f"FAIL: {url} answered {resp.status}: {body!r}", file=sys.stderr)
                sys.exit(1)
        match = re.search(r"Hello from ([a-z0-9-]+)!", body)
        if not match:
            print(f"FAIL: {url} answered {body!r}", file=sys.stderr)
            sys.exit(1)
        served.append(match.group(1))
    print(json.dumps({"served": served}))


if __name__ == "__main__":
    main()
