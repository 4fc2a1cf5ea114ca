# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_sts_rollout_global_optspecs
    string join \n partition= no-wait timeout= dry-run max-unavailable= rollback-on-failure data-check path= http= metric= format= kubeconfig= context= cluster= user= n/namespace= A/all-namespaces l/selector= o/output= no-headers request-timeout= color= v/verbose h/help V/version
end

function __fish_kubectl_sts_rollout_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_sts_rollout_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_sts_rollout_using_subcommand
    set -l cmd (__fish_kubectl_sts_rollout_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -l partition -d 'Set the partition to N (pods with ordinal index >= N update) and wait for them' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -l timeout -d 'How long each step may take' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -l max-unavailable -d 'OnDelete: delete up to K pods at once (default 1)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -l path -d '--data-check: the counter file in the container (default: discovered like sts-visits)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -l http -d '--data-check: read the counter over HTTP instead ([PORT]/PATH through the pod proxy)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -l metric -d '--data-check: a Prometheus counter, NAME or \'NAME{label="value",...}\', from --http, else the prometheus.io/port|path pod annotations, else /metrics' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -l format -d '--data-check: how to read the content (auto, count, lines, json:FIELD)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -l kubeconfig -d 'Path to the kubeconfig file to use (otherwise $KUBECONFIG, possibly several files joined by \':\', else ~/.kube/config)' -r -F
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -s n -l namespace -d 'Namespace to work in (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -s l -l selector -d 'Label selector for the StatefulSets (e.g. app=web,tier!=cache)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -s o -l output -d 'Output format' -r -f -a "table\t'A kubectl-style table'
wide\t'The table with extra columns'
json\t'JSON with a stable schema (apiVersion/kind/items)'
yaml\t'YAML with the same schema as JSON'
name\t'One `resource/name` per line'"
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -l request-timeout -d 'How long to wait for a single API request (e.g. 30s, 1m; 0 = no limit)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -l color -d 'When to colour the output: auto colours only a terminal; NO_COLOR always wins' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour (unless NO_COLOR is set)'
never\t'Never colour'"
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -l no-wait -d 'Set the partition and return without waiting'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -l dry-run -d 'Print the plan (steps, ordinals per step, patches) and change nothing'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -l rollback-on-failure -d 'On a failed step, run `undo --force` and wait until every pod is back'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -l data-check -d 'Read each pod\'s counter before it restarts and after it is Ready again (as sts-visits does); a counter that went down fails the step. The sources (--path, --http, --metric, --format) are saved with the rollout: resume and promote reuse them'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -s A -l all-namespaces -d 'Work on StatefulSets of all namespaces'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -l no-headers -d 'Do not print table headers'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -s v -l verbose -d 'Log each API request (method, URL, status) to stderr; credentials are never printed'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -a "status" -d 'Strategy, partition, revisions, which revision each ordinal runs, warnings'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -a "start" -d 'Change the template and roll it out in steps'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -a "pause" -d 'Freeze the rollout: partition = replicas, the target remembered in an annotation'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -a "resume" -d 'Continue a paused rollout toward its target (or to --partition N)'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -a "promote" -d 'Run the next step of a staged rollout (or --full: straight to partition 0)'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -a "undo" -d 'Restore the template of the previous (or given) revision, like kubectl rollout undo'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -a "history" -d 'Revisions with number, name, change cause, images, age and the ordinals running each'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -a "diff" -d 'Unified diff of two revisions\' pod templates as YAML'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand status" -l timeout -d 'With -w: stop after this long' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand status" -l kubeconfig -d 'Path to the kubeconfig file to use (otherwise $KUBECONFIG, possibly several files joined by \':\', else ~/.kube/config)' -r -F
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand status" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand status" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand status" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand status" -s n -l namespace -d 'Namespace to work in (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand status" -s l -l selector -d 'Label selector for the StatefulSets (e.g. app=web,tier!=cache)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand status" -s o -l output -d 'Output format' -r -f -a "table\t'A kubectl-style table'
wide\t'The table with extra columns'
json\t'JSON with a stable schema (apiVersion/kind/items)'
yaml\t'YAML with the same schema as JSON'
name\t'One `resource/name` per line'"
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand status" -l request-timeout -d 'How long to wait for a single API request (e.g. 30s, 1m; 0 = no limit)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand status" -l color -d 'When to colour the output: auto colours only a terminal; NO_COLOR always wins' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour (unless NO_COLOR is set)'
never\t'Never colour'"
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand status" -s w -l watch -d 'Watch: print the status again whenever it changes (until Ctrl-C)'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand status" -s A -l all-namespaces -d 'Work on StatefulSets of all namespaces'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand status" -l no-headers -d 'Do not print table headers'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand status" -s v -l verbose -d 'Log each API request (method, URL, status) to stderr; credentials are never printed'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l image -d 'Set a container\'s image (repeatable)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l env -d 'Set an environment variable (repeatable)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l steps -d 'Pods on the new revision after each step: counts or percentages of replicas' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l change-cause -d 'Recorded as kubernetes.io/change-cause (default: this command line)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l pause-between -d 'Wait this long between steps' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l check-http -d 'After each new pod is Ready, GET [PORT]/PATH through the pod proxy; non-2xx fails the step' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l timeout -d 'How long each step may take' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l max-unavailable -d 'OnDelete: delete up to K pods at once (default 1)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l path -d '--data-check: the counter file in the container (default: discovered like sts-visits)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l http -d '--data-check: read the counter over HTTP instead ([PORT]/PATH through the pod proxy)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l metric -d '--data-check: a Prometheus counter, NAME or \'NAME{label="value",...}\', from --http, else the prometheus.io/port|path pod annotations, else /metrics' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l format -d '--data-check: how to read the content (auto, count, lines, json:FIELD)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l kubeconfig -d 'Path to the kubeconfig file to use (otherwise $KUBECONFIG, possibly several files joined by \':\', else ~/.kube/config)' -r -F
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -s n -l namespace -d 'Namespace to work in (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -s l -l selector -d 'Label selector for the StatefulSets (e.g. app=web,tier!=cache)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -s o -l output -d 'Output format' -r -f -a "table\t'A kubectl-style table'
wide\t'The table with extra columns'
json\t'JSON with a stable schema (apiVersion/kind/items)'
yaml\t'YAML with the same schema as JSON'
name\t'One `resource/name` per line'"
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l request-timeout -d 'How long to wait for a single API request (e.g. 30s, 1m; 0 = no limit)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l color -d 'When to colour the output: auto colours only a terminal; NO_COLOR always wins' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour (unless NO_COLOR is set)'
never\t'Never colour'"
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l manual -d 'Stop after each step; `promote` runs the next'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l dry-run -d 'Print the plan (steps, ordinals per step, patches) and change nothing'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l rollback-on-failure -d 'On a failed step, run `undo --force` and wait until every pod is back'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l data-check -d 'Read each pod\'s counter before it restarts and after it is Ready again (as sts-visits does); a counter that went down fails the step. The sources (--path, --http, --metric, --format) are saved with the rollout: resume and promote reuse them'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -s A -l all-namespaces -d 'Work on StatefulSets of all namespaces'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -l no-headers -d 'Do not print table headers'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -s v -l verbose -d 'Log each API request (method, URL, status) to stderr; credentials are never printed'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand start" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand pause" -l kubeconfig -d 'Path to the kubeconfig file to use (otherwise $KUBECONFIG, possibly several files joined by \':\', else ~/.kube/config)' -r -F
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand pause" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand pause" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand pause" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand pause" -s n -l namespace -d 'Namespace to work in (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand pause" -s l -l selector -d 'Label selector for the StatefulSets (e.g. app=web,tier!=cache)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand pause" -s o -l output -d 'Output format' -r -f -a "table\t'A kubectl-style table'
wide\t'The table with extra columns'
json\t'JSON with a stable schema (apiVersion/kind/items)'
yaml\t'YAML with the same schema as JSON'
name\t'One `resource/name` per line'"
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand pause" -l request-timeout -d 'How long to wait for a single API request (e.g. 30s, 1m; 0 = no limit)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand pause" -l color -d 'When to colour the output: auto colours only a terminal; NO_COLOR always wins' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour (unless NO_COLOR is set)'
never\t'Never colour'"
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand pause" -l dry-run -d 'Print the patch and change nothing'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand pause" -s A -l all-namespaces -d 'Work on StatefulSets of all namespaces'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand pause" -l no-headers -d 'Do not print table headers'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand pause" -s v -l verbose -d 'Log each API request (method, URL, status) to stderr; credentials are never printed'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand pause" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -l partition -d 'Go to this partition instead' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -l pause-between -d 'Wait this long between steps' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -l check-http -d 'After each new pod is Ready, GET [PORT]/PATH through the pod proxy; non-2xx fails the step' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -l timeout -d 'How long each step may take' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -l max-unavailable -d 'OnDelete: delete up to K pods at once (default 1)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -l path -d '--data-check: the counter file in the container (default: discovered like sts-visits)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -l http -d '--data-check: read the counter over HTTP instead ([PORT]/PATH through the pod proxy)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -l metric -d '--data-check: a Prometheus counter, NAME or \'NAME{label="value",...}\', from --http, else the prometheus.io/port|path pod annotations, else /metrics' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -l format -d '--data-check: how to read the content (auto, count, lines, json:FIELD)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -l kubeconfig -d 'Path to the kubeconfig file to use (otherwise $KUBECONFIG, possibly several files joined by \':\', else ~/.kube/config)' -r -F
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -s n -l namespace -d 'Namespace to work in (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -s l -l selector -d 'Label selector for the StatefulSets (e.g. app=web,tier!=cache)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -s o -l output -d 'Output format' -r -f -a "table\t'A kubectl-style table'
wide\t'The table with extra columns'
json\t'JSON with a stable schema (apiVersion/kind/items)'
yaml\t'YAML with the same schema as JSON'
name\t'One `resource/name` per line'"
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -l request-timeout -d 'How long to wait for a single API request (e.g. 30s, 1m; 0 = no limit)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -l color -d 'When to colour the output: auto colours only a terminal; NO_COLOR always wins' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour (unless NO_COLOR is set)'
never\t'Never colour'"
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -l manual -d 'Stop after each step; `promote` runs the next'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -l dry-run -d 'Print the plan (steps, ordinals per step, patches) and change nothing'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -l rollback-on-failure -d 'On a failed step, run `undo --force` and wait until every pod is back'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -l data-check -d 'Read each pod\'s counter before it restarts and after it is Ready again (as sts-visits does); a counter that went down fails the step. The sources (--path, --http, --metric, --format) are saved with the rollout: resume and promote reuse them'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -s A -l all-namespaces -d 'Work on StatefulSets of all namespaces'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -l no-headers -d 'Do not print table headers'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -s v -l verbose -d 'Log each API request (method, URL, status) to stderr; credentials are never printed'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand resume" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -l pause-between -d 'Wait this long between steps' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -l check-http -d 'After each new pod is Ready, GET [PORT]/PATH through the pod proxy; non-2xx fails the step' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -l timeout -d 'How long each step may take' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -l max-unavailable -d 'OnDelete: delete up to K pods at once (default 1)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -l path -d '--data-check: the counter file in the container (default: discovered like sts-visits)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -l http -d '--data-check: read the counter over HTTP instead ([PORT]/PATH through the pod proxy)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -l metric -d '--data-check: a Prometheus counter, NAME or \'NAME{label="value",...}\', from --http, else the prometheus.io/port|path pod annotations, else /metrics' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -l format -d '--data-check: how to read the content (auto, count, lines, json:FIELD)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -l kubeconfig -d 'Path to the kubeconfig file to use (otherwise $KUBECONFIG, possibly several files joined by \':\', else ~/.kube/config)' -r -F
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -s n -l namespace -d 'Namespace to work in (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -s l -l selector -d 'Label selector for the StatefulSets (e.g. app=web,tier!=cache)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -s o -l output -d 'Output format' -r -f -a "table\t'A kubectl-style table'
wide\t'The table with extra columns'
json\t'JSON with a stable schema (apiVersion/kind/items)'
yaml\t'YAML with the same schema as JSON'
name\t'One `resource/name` per line'"
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -l request-timeout -d 'How long to wait for a single API request (e.g. 30s, 1m; 0 = no limit)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -l color -d 'When to colour the output: auto colours only a terminal; NO_COLOR always wins' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour (unless NO_COLOR is set)'
never\t'Never colour'"
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -l full -d 'Go straight to partition 0'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -l manual -d 'Stop after each step; `promote` runs the next'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -l dry-run -d 'Print the plan (steps, ordinals per step, patches) and change nothing'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -l rollback-on-failure -d 'On a failed step, run `undo --force` and wait until every pod is back'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -l data-check -d 'Read each pod\'s counter before it restarts and after it is Ready again (as sts-visits does); a counter that went down fails the step. The sources (--path, --http, --metric, --format) are saved with the rollout: resume and promote reuse them'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -s A -l all-namespaces -d 'Work on StatefulSets of all namespaces'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -l no-headers -d 'Do not print table headers'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -s v -l verbose -d 'Log each API request (method, URL, status) to stderr; credentials are never printed'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand promote" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -l to-revision -d 'The revision number to go back to (default: the one before the update revision)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -l timeout -d 'How long each step may take' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -l max-unavailable -d 'OnDelete: delete up to K pods at once (default 1)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -l path -d '--data-check: the counter file in the container (default: discovered like sts-visits)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -l http -d '--data-check: read the counter over HTTP instead ([PORT]/PATH through the pod proxy)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -l metric -d '--data-check: a Prometheus counter, NAME or \'NAME{label="value",...}\', from --http, else the prometheus.io/port|path pod annotations, else /metrics' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -l format -d '--data-check: how to read the content (auto, count, lines, json:FIELD)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -l kubeconfig -d 'Path to the kubeconfig file to use (otherwise $KUBECONFIG, possibly several files joined by \':\', else ~/.kube/config)' -r -F
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -s n -l namespace -d 'Namespace to work in (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -s l -l selector -d 'Label selector for the StatefulSets (e.g. app=web,tier!=cache)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -s o -l output -d 'Output format' -r -f -a "table\t'A kubectl-style table'
wide\t'The table with extra columns'
json\t'JSON with a stable schema (apiVersion/kind/items)'
yaml\t'YAML with the same schema as JSON'
name\t'One `resource/name` per line'"
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -l request-timeout -d 'How long to wait for a single API request (e.g. 30s, 1m; 0 = no limit)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -l color -d 'When to colour the output: auto colours only a terminal; NO_COLOR always wins' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour (unless NO_COLOR is set)'
never\t'Never colour'"
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -l force -d 'Replace stuck pods and wait until every pod runs the restored revision'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -l dry-run -d 'Print the plan (steps, ordinals per step, patches) and change nothing'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -l rollback-on-failure -d 'On a failed step, run `undo --force` and wait until every pod is back'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -l data-check -d 'Read each pod\'s counter before it restarts and after it is Ready again (as sts-visits does); a counter that went down fails the step. The sources (--path, --http, --metric, --format) are saved with the rollout: resume and promote reuse them'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -s A -l all-namespaces -d 'Work on StatefulSets of all namespaces'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -l no-headers -d 'Do not print table headers'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -s v -l verbose -d 'Log each API request (method, URL, status) to stderr; credentials are never printed'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand undo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand history" -l kubeconfig -d 'Path to the kubeconfig file to use (otherwise $KUBECONFIG, possibly several files joined by \':\', else ~/.kube/config)' -r -F
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand history" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand history" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand history" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand history" -s n -l namespace -d 'Namespace to work in (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand history" -s l -l selector -d 'Label selector for the StatefulSets (e.g. app=web,tier!=cache)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand history" -s o -l output -d 'Output format' -r -f -a "table\t'A kubectl-style table'
wide\t'The table with extra columns'
json\t'JSON with a stable schema (apiVersion/kind/items)'
yaml\t'YAML with the same schema as JSON'
name\t'One `resource/name` per line'"
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand history" -l request-timeout -d 'How long to wait for a single API request (e.g. 30s, 1m; 0 = no limit)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand history" -l color -d 'When to colour the output: auto colours only a terminal; NO_COLOR always wins' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour (unless NO_COLOR is set)'
never\t'Never colour'"
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand history" -s A -l all-namespaces -d 'Work on StatefulSets of all namespaces'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand history" -l no-headers -d 'Do not print table headers'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand history" -s v -l verbose -d 'Log each API request (method, URL, status) to stderr; credentials are never printed'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand diff" -l from -d 'Revision number or name (default: the current revision)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand diff" -l to -d 'Revision number or name (default: the update revision)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand diff" -l kubeconfig -d 'Path to the kubeconfig file to use (otherwise $KUBECONFIG, possibly several files joined by \':\', else ~/.kube/config)' -r -F
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand diff" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand diff" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand diff" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand diff" -s n -l namespace -d 'Namespace to work in (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand diff" -s l -l selector -d 'Label selector for the StatefulSets (e.g. app=web,tier!=cache)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand diff" -s o -l output -d 'Output format' -r -f -a "table\t'A kubectl-style table'
wide\t'The table with extra columns'
json\t'JSON with a stable schema (apiVersion/kind/items)'
yaml\t'YAML with the same schema as JSON'
name\t'One `resource/name` per line'"
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand diff" -l request-timeout -d 'How long to wait for a single API request (e.g. 30s, 1m; 0 = no limit)' -r
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand diff" -l color -d 'When to colour the output: auto colours only a terminal; NO_COLOR always wins' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour (unless NO_COLOR is set)'
never\t'Never colour'"
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand diff" -s A -l all-namespaces -d 'Work on StatefulSets of all namespaces'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand diff" -l no-headers -d 'Do not print table headers'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand diff" -s v -l verbose -d 'Log each API request (method, URL, status) to stderr; credentials are never printed'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand help; and not __fish_seen_subcommand_from status start pause resume promote undo history diff help" -f -a "status" -d 'Strategy, partition, revisions, which revision each ordinal runs, warnings'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand help; and not __fish_seen_subcommand_from status start pause resume promote undo history diff help" -f -a "start" -d 'Change the template and roll it out in steps'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand help; and not __fish_seen_subcommand_from status start pause resume promote undo history diff help" -f -a "pause" -d 'Freeze the rollout: partition = replicas, the target remembered in an annotation'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand help; and not __fish_seen_subcommand_from status start pause resume promote undo history diff help" -f -a "resume" -d 'Continue a paused rollout toward its target (or to --partition N)'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand help; and not __fish_seen_subcommand_from status start pause resume promote undo history diff help" -f -a "promote" -d 'Run the next step of a staged rollout (or --full: straight to partition 0)'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand help; and not __fish_seen_subcommand_from status start pause resume promote undo history diff help" -f -a "undo" -d 'Restore the template of the previous (or given) revision, like kubectl rollout undo'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand help; and not __fish_seen_subcommand_from status start pause resume promote undo history diff help" -f -a "history" -d 'Revisions with number, name, change cause, images, age and the ordinals running each'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand help; and not __fish_seen_subcommand_from status start pause resume promote undo history diff help" -f -a "diff" -d 'Unified diff of two revisions\' pod templates as YAML'
complete -c kubectl-sts-rollout -n "__fish_kubectl_sts_rollout_using_subcommand help; and not __fish_seen_subcommand_from status start pause resume promote undo history diff help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
