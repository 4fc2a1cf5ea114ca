
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kubectl-sts-visits' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kubectl-sts-visits'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kubectl-sts-visits' {
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'The counter file inside the container (absolute path; read literally, no shell)')
            [CompletionResult]::new('--http', '--http', [CompletionResultType]::ParameterName, 'Read the counter over HTTP through the pod proxy: [PORT]/PATH, e.g. 8080/visits')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Container to read in (default: the kubectl.kubernetes.io/default-container annotation, else the first container)')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'Container to read in (default: the kubectl.kubernetes.io/default-container annotation, else the first container)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How to read the content: auto (one integer, one timestamp per line, or JSON with a numeric "visits"), count, lines, or json:FIELD')
            [CompletionResult]::new('--metric', '--metric', [CompletionResultType]::ParameterName, 'Read a Prometheus counter: NAME or ''NAME{label="value",...}'' (summed over the matching series), from --http, else the prometheus.io/port|path pod annotations, else /metrics')
            [CompletionResult]::new('--debug-image', '--debug-image', [CompletionResultType]::ParameterName, 'Image of the ephemeral debug container and of --offline reader pods')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Row order within each StatefulSet')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many pods to read at once')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-pod time limit (e.g. 5s, 1m)')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between refreshes with --watch')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (otherwise $KUBECONFIG, possibly several files joined by '':'', else ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to work in (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to work in (default: the context''s namespace, else "default")')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector for the StatefulSets (e.g. app=web,tier!=cache)')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector for the StatefulSets (e.g. app=web,tier!=cache)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single API request (e.g. 30s, 1m; 0 = no limit)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto colours only a terminal; NO_COLOR always wins')
            [CompletionResult]::new('--allow-debug', '--allow-debug', [CompletionResultType]::ParameterName, 'Allow adding an ephemeral debug container to pods whose image has no `cat`')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Read the claims of pods that are not running through a short-lived reader pod')
            [CompletionResult]::new('--include-orphans', '--include-orphans', [CompletionResultType]::ParameterName, 'Also read the claims of scaled-down ordinals through reader pods (implies --offline for them); their rows have status "scaled down"')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Refresh until Ctrl-C: in place on a terminal (with the change and rate per ordinal), one JSON line per refresh otherwise. Exits 1 when the StatefulSet does not exist or is deleted; retries transient API errors with backoff')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Refresh until Ctrl-C: in place on a terminal (with the change and rate per ordinal), one JSON line per refresh otherwise. Exits 1 when the StatefulSet does not exist or is deleted; retries transient API errors with backoff')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Work on StatefulSets of all namespaces')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Work on StatefulSets of all namespaces')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Do not print table headers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request (method, URL, status) to stderr; credentials are never printed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request (method, URL, status) to stderr; credentials are never printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
