
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kubectl-sts-rollout' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kubectl-sts-rollout'
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
        'kubectl-sts-rollout' {
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Set the partition to N (pods with ordinal index >= N update) and wait for them')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each step may take')
            [CompletionResult]::new('--max-unavailable', '--max-unavailable', [CompletionResultType]::ParameterName, 'OnDelete: delete up to K pods at once (default 1)')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, '--data-check: the counter file in the container (default: discovered like sts-visits)')
            [CompletionResult]::new('--http', '--http', [CompletionResultType]::ParameterName, '--data-check: read the counter over HTTP instead ([PORT]/PATH through the pod proxy)')
            [CompletionResult]::new('--metric', '--metric', [CompletionResultType]::ParameterName, '--data-check: a Prometheus counter, NAME or ''NAME{label="value",...}'', from --http, else the prometheus.io/port|path pod annotations, else /metrics')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, '--data-check: how to read the content (auto, count, lines, json:FIELD)')
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
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Set the partition and return without waiting')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan (steps, ordinals per step, patches) and change nothing')
            [CompletionResult]::new('--rollback-on-failure', '--rollback-on-failure', [CompletionResultType]::ParameterName, 'On a failed step, run `undo --force` and wait until every pod is back')
            [CompletionResult]::new('--data-check', '--data-check', [CompletionResultType]::ParameterName, 'Read each pod''s counter before it restarts and after it is Ready again (as sts-visits does); a counter that went down fails the step. The sources (--path, --http, --metric, --format) are saved with the rollout: resume and promote reuse them')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Work on StatefulSets of all namespaces')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Work on StatefulSets of all namespaces')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Do not print table headers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request (method, URL, status) to stderr; credentials are never printed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request (method, URL, status) to stderr; credentials are never printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Strategy, partition, revisions, which revision each ordinal runs, warnings')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Change the template and roll it out in steps')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Freeze the rollout: partition = replicas, the target remembered in an annotation')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Continue a paused rollout toward its target (or to --partition N)')
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Run the next step of a staged rollout (or --full: straight to partition 0)')
            [CompletionResult]::new('undo', 'undo', [CompletionResultType]::ParameterValue, 'Restore the template of the previous (or given) revision, like kubectl rollout undo')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Revisions with number, name, change cause, images, age and the ordinals running each')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Unified diff of two revisions'' pod templates as YAML')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-sts-rollout;status' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'With -w: stop after this long')
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
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Watch: print the status again whenever it changes (until Ctrl-C)')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Watch: print the status again whenever it changes (until Ctrl-C)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Work on StatefulSets of all namespaces')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Work on StatefulSets of all namespaces')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Do not print table headers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request (method, URL, status) to stderr; credentials are never printed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request (method, URL, status) to stderr; credentials are never printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-sts-rollout;start' {
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Set a container''s image (repeatable)')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Set an environment variable (repeatable)')
            [CompletionResult]::new('--steps', '--steps', [CompletionResultType]::ParameterName, 'Pods on the new revision after each step: counts or percentages of replicas')
            [CompletionResult]::new('--change-cause', '--change-cause', [CompletionResultType]::ParameterName, 'Recorded as kubernetes.io/change-cause (default: this command line)')
            [CompletionResult]::new('--pause-between', '--pause-between', [CompletionResultType]::ParameterName, 'Wait this long between steps')
            [CompletionResult]::new('--check-http', '--check-http', [CompletionResultType]::ParameterName, 'After each new pod is Ready, GET [PORT]/PATH through the pod proxy; non-2xx fails the step')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each step may take')
            [CompletionResult]::new('--max-unavailable', '--max-unavailable', [CompletionResultType]::ParameterName, 'OnDelete: delete up to K pods at once (default 1)')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, '--data-check: the counter file in the container (default: discovered like sts-visits)')
            [CompletionResult]::new('--http', '--http', [CompletionResultType]::ParameterName, '--data-check: read the counter over HTTP instead ([PORT]/PATH through the pod proxy)')
            [CompletionResult]::new('--metric', '--metric', [CompletionResultType]::ParameterName, '--data-check: a Prometheus counter, NAME or ''NAME{label="value",...}'', from --http, else the prometheus.io/port|path pod annotations, else /metrics')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, '--data-check: how to read the content (auto, count, lines, json:FIELD)')
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
            [CompletionResult]::new('--manual', '--manual', [CompletionResultType]::ParameterName, 'Stop after each step; `promote` runs the next')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan (steps, ordinals per step, patches) and change nothing')
            [CompletionResult]::new('--rollback-on-failure', '--rollback-on-failure', [CompletionResultType]::ParameterName, 'On a failed step, run `undo --force` and wait until every pod is back')
            [CompletionResult]::new('--data-check', '--data-check', [CompletionResultType]::ParameterName, 'Read each pod''s counter before it restarts and after it is Ready again (as sts-visits does); a counter that went down fails the step. The sources (--path, --http, --metric, --format) are saved with the rollout: resume and promote reuse them')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Work on StatefulSets of all namespaces')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Work on StatefulSets of all namespaces')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Do not print table headers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request (method, URL, status) to stderr; credentials are never printed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request (method, URL, status) to stderr; credentials are never printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-sts-rollout;pause' {
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
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the patch and change nothing')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Work on StatefulSets of all namespaces')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Work on StatefulSets of all namespaces')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Do not print table headers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request (method, URL, status) to stderr; credentials are never printed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request (method, URL, status) to stderr; credentials are never printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-sts-rollout;resume' {
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Go to this partition instead')
            [CompletionResult]::new('--pause-between', '--pause-between', [CompletionResultType]::ParameterName, 'Wait this long between steps')
            [CompletionResult]::new('--check-http', '--check-http', [CompletionResultType]::ParameterName, 'After each new pod is Ready, GET [PORT]/PATH through the pod proxy; non-2xx fails the step')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each step may take')
            [CompletionResult]::new('--max-unavailable', '--max-unavailable', [CompletionResultType]::ParameterName, 'OnDelete: delete up to K pods at once (default 1)')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, '--data-check: the counter file in the container (default: discovered like sts-visits)')
            [CompletionResult]::new('--http', '--http', [CompletionResultType]::ParameterName, '--data-check: read the counter over HTTP instead ([PORT]/PATH through the pod proxy)')
            [CompletionResult]::new('--metric', '--metric', [CompletionResultType]::ParameterName, '--data-check: a Prometheus counter, NAME or ''NAME{label="value",...}'', from --http, else the prometheus.io/port|path pod annotations, else /metrics')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, '--data-check: how to read the content (auto, count, lines, json:FIELD)')
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
            [CompletionResult]::new('--manual', '--manual', [CompletionResultType]::ParameterName, 'Stop after each step; `promote` runs the next')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan (steps, ordinals per step, patches) and change nothing')
            [CompletionResult]::new('--rollback-on-failure', '--rollback-on-failure', [CompletionResultType]::ParameterName, 'On a failed step, run `undo --force` and wait until every pod is back')
            [CompletionResult]::new('--data-check', '--data-check', [CompletionResultType]::ParameterName, 'Read each pod''s counter before it restarts and after it is Ready again (as sts-visits does); a counter that went down fails the step. The sources (--path, --http, --metric, --format) are saved with the rollout: resume and promote reuse them')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Work on StatefulSets of all namespaces')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Work on StatefulSets of all namespaces')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Do not print table headers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request (method, URL, status) to stderr; credentials are never printed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request (method, URL, status) to stderr; credentials are never printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-sts-rollout;promote' {
            [CompletionResult]::new('--pause-between', '--pause-between', [CompletionResultType]::ParameterName, 'Wait this long between steps')
            [CompletionResult]::new('--check-http', '--check-http', [CompletionResultType]::ParameterName, 'After each new pod is Ready, GET [PORT]/PATH through the pod proxy; non-2xx fails the step')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each step may take')
            [CompletionResult]::new('--max-unavailable', '--max-unavailable', [CompletionResultType]::ParameterName, 'OnDelete: delete up to K pods at once (default 1)')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, '--data-check: the counter file in the container (default: discovered like sts-visits)')
            [CompletionResult]::new('--http', '--http', [CompletionResultType]::ParameterName, '--data-check: read the counter over HTTP instead ([PORT]/PATH through the pod proxy)')
            [CompletionResult]::new('--metric', '--metric', [CompletionResultType]::ParameterName, '--data-check: a Prometheus counter, NAME or ''NAME{label="value",...}'', from --http, else the prometheus.io/port|path pod annotations, else /metrics')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, '--data-check: how to read the content (auto, count, lines, json:FIELD)')
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
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'Go straight to partition 0')
            [CompletionResult]::new('--manual', '--manual', [CompletionResultType]::ParameterName, 'Stop after each step; `promote` runs the next')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan (steps, ordinals per step, patches) and change nothing')
            [CompletionResult]::new('--rollback-on-failure', '--rollback-on-failure', [CompletionResultType]::ParameterName, 'On a failed step, run `undo --force` and wait until every pod is back')
            [CompletionResult]::new('--data-check', '--data-check', [CompletionResultType]::ParameterName, 'Read each pod''s counter before it restarts and after it is Ready again (as sts-visits does); a counter that went down fails the step. The sources (--path, --http, --metric, --format) are saved with the rollout: resume and promote reuse them')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Work on StatefulSets of all namespaces')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Work on StatefulSets of all namespaces')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Do not print table headers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request (method, URL, status) to stderr; credentials are never printed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request (method, URL, status) to stderr; credentials are never printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-sts-rollout;undo' {
            [CompletionResult]::new('--to-revision', '--to-revision', [CompletionResultType]::ParameterName, 'The revision number to go back to (default: the one before the update revision)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each step may take')
            [CompletionResult]::new('--max-unavailable', '--max-unavailable', [CompletionResultType]::ParameterName, 'OnDelete: delete up to K pods at once (default 1)')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, '--data-check: the counter file in the container (default: discovered like sts-visits)')
            [CompletionResult]::new('--http', '--http', [CompletionResultType]::ParameterName, '--data-check: read the counter over HTTP instead ([PORT]/PATH through the pod proxy)')
            [CompletionResult]::new('--metric', '--metric', [CompletionResultType]::ParameterName, '--data-check: a Prometheus counter, NAME or ''NAME{label="value",...}'', from --http, else the prometheus.io/port|path pod annotations, else /metrics')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, '--data-check: how to read the content (auto, count, lines, json:FIELD)')
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
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace stuck pods and wait until every pod runs the restored revision')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan (steps, ordinals per step, patches) and change nothing')
            [CompletionResult]::new('--rollback-on-failure', '--rollback-on-failure', [CompletionResultType]::ParameterName, 'On a failed step, run `undo --force` and wait until every pod is back')
            [CompletionResult]::new('--data-check', '--data-check', [CompletionResultType]::ParameterName, 'Read each pod''s counter before it restarts and after it is Ready again (as sts-visits does); a counter that went down fails the step. The sources (--path, --http, --metric, --format) are saved with the rollout: resume and promote reuse them')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Work on StatefulSets of all namespaces')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Work on StatefulSets of all namespaces')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Do not print table headers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request (method, URL, status) to stderr; credentials are never printed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request (method, URL, status) to stderr; credentials are never printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-sts-rollout;history' {
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
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Work on StatefulSets of all namespaces')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Work on StatefulSets of all namespaces')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Do not print table headers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request (method, URL, status) to stderr; credentials are never printed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request (method, URL, status) to stderr; credentials are never printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-sts-rollout;diff' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Revision number or name (default: the current revision)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Revision number or name (default: the update revision)')
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
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Work on StatefulSets of all namespaces')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Work on StatefulSets of all namespaces')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Do not print table headers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log each API request (method, URL, status) to stderr; credentials are never printed')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log each API request (method, URL, status) to stderr; credentials are never printed')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-sts-rollout;help' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Strategy, partition, revisions, which revision each ordinal runs, warnings')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Change the template and roll it out in steps')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Freeze the rollout: partition = replicas, the target remembered in an annotation')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Continue a paused rollout toward its target (or to --partition N)')
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Run the next step of a staged rollout (or --full: straight to partition 0)')
            [CompletionResult]::new('undo', 'undo', [CompletionResultType]::ParameterValue, 'Restore the template of the previous (or given) revision, like kubectl rollout undo')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Revisions with number, name, change cause, images, age and the ordinals running each')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Unified diff of two revisions'' pod templates as YAML')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-sts-rollout;help;status' {
            break
        }
        'kubectl-sts-rollout;help;start' {
            break
        }
        'kubectl-sts-rollout;help;pause' {
            break
        }
        'kubectl-sts-rollout;help;resume' {
            break
        }
        'kubectl-sts-rollout;help;promote' {
            break
        }
        'kubectl-sts-rollout;help;undo' {
            break
        }
        'kubectl-sts-rollout;help;history' {
            break
        }
        'kubectl-sts-rollout;help;diff' {
            break
        }
        'kubectl-sts-rollout;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
