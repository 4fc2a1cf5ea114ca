complete -c kubectl-sts-visits -l path -d 'The counter file inside the container (absolute path; read literally, no shell)' -r
complete -c kubectl-sts-visits -l http -d 'Read the counter over HTTP through the pod proxy: [PORT]/PATH, e.g. 8080/visits' -r
complete -c kubectl-sts-visits -s c -l container -d 'Container to read in (default: the kubectl.kubernetes.io/default-container annotation, else the first container)' -r
complete -c kubectl-sts-visits -l format -d 'How to read the content: auto (one integer, one timestamp per line, or JSON with a numeric "visits"), count, lines, or json:FIELD' -r
complete -c kubectl-sts-visits -l metric -d 'Read a Prometheus counter: NAME or \'NAME{label="value",...}\' (summed over the matching series), from --http, else the prometheus.io/port|path pod annotations, else /metrics' -r
complete -c kubectl-sts-visits -l debug-image -d 'Image of the ephemeral debug container and of --offline reader pods' -r
complete -c kubectl-sts-visits -l sort -d 'Row order within each StatefulSet' -r -f -a "ordinal\t'By ordinal, ascending'
visits\t'Most visits first (unread last)'"
complete -c kubectl-sts-visits -l concurrency -d 'How many pods to read at once' -r
complete -c kubectl-sts-visits -l timeout -d 'Per-pod time limit (e.g. 5s, 1m)' -r
complete -c kubectl-sts-visits -l interval -d 'Time between refreshes with --watch' -r
complete -c kubectl-sts-visits -l kubeconfig -d 'Path to the kubeconfig file to use (otherwise $KUBECONFIG, possibly several files joined by \':\', else ~/.kube/config)' -r -F
complete -c kubectl-sts-visits -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-sts-visits -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-sts-visits -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-sts-visits -s n -l namespace -d 'Namespace to work in (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts-visits -s l -l selector -d 'Label selector for the StatefulSets (e.g. app=web,tier!=cache)' -r
complete -c kubectl-sts-visits -s o -l output -d 'Output format' -r -f -a "table\t'A kubectl-style table'
wide\t'The table with extra columns'
json\t'JSON with a stable schema (apiVersion/kind/items)'
yaml\t'YAML with the same schema as JSON'
name\t'One `resource/name` per line'"
complete -c kubectl-sts-visits -l request-timeout -d 'How long to wait for a single API request (e.g. 30s, 1m; 0 = no limit)' -r
complete -c kubectl-sts-visits -l color -d 'When to colour the output: auto colours only a terminal; NO_COLOR always wins' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour (unless NO_COLOR is set)'
never\t'Never colour'"
complete -c kubectl-sts-visits -l allow-debug -d 'Allow adding an ephemeral debug container to pods whose image has no `cat`'
complete -c kubectl-sts-visits -l offline -d 'Read the claims of pods that are not running through a short-lived reader pod'
complete -c kubectl-sts-visits -l include-orphans -d 'Also read the claims of scaled-down ordinals through reader pods (implies --offline for them); their rows have status "scaled down"'
complete -c kubectl-sts-visits -s w -l watch -d 'Refresh until Ctrl-C: in place on a terminal (with the change and rate per ordinal), one JSON line per refresh otherwise. Exits 1 when the StatefulSet does not exist or is deleted; retries transient API errors with backoff'
complete -c kubectl-sts-visits -s A -l all-namespaces -d 'Work on StatefulSets of all namespaces'
complete -c kubectl-sts-visits -l no-headers -d 'Do not print table headers'
complete -c kubectl-sts-visits -s v -l verbose -d 'Log each API request (method, URL, status) to stderr; credentials are never printed'
complete -c kubectl-sts-visits -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-sts-visits -s V -l version -d 'Print version'
