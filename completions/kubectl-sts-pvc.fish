# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_sts_pvc_global_optspecs
    string join \n orphans kubeconfig= context= cluster= user= n/namespace= A/all-namespaces l/selector= o/output= no-headers request-timeout= color= v/verbose h/help V/version
end

function __fish_kubectl_sts_pvc_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_sts_pvc_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_sts_pvc_using_subcommand
    set -l cmd (__fish_kubectl_sts_pvc_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_needs_command" -l kubeconfig -d 'Path to the kubeconfig file to use (otherwise $KUBECONFIG, possibly several files joined by \':\', else ~/.kube/config)' -r -F
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_needs_command" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_needs_command" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_needs_command" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_needs_command" -s n -l namespace -d 'Namespace to work in (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_needs_command" -s l -l selector -d 'Label selector for the StatefulSets (e.g. app=web,tier!=cache)' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_needs_command" -s o -l output -d 'Output format' -r -f -a "table\t'A kubectl-style table'
wide\t'The table with extra columns'
json\t'JSON with a stable schema (apiVersion/kind/items)'
yaml\t'YAML with the same schema as JSON'
name\t'One `resource/name` per line'"
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_needs_command" -l request-timeout -d 'How long to wait for a single API request (e.g. 30s, 1m; 0 = no limit)' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_needs_command" -l color -d 'When to colour the output: auto colours only a terminal; NO_COLOR always wins' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour (unless NO_COLOR is set)'
never\t'Never colour'"
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_needs_command" -l orphans -d 'List only orphaned claims; exit 0 when there are none, 1 when there are some, 2 on error'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_needs_command" -s A -l all-namespaces -d 'Work on StatefulSets of all namespaces'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_needs_command" -l no-headers -d 'Do not print table headers'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_needs_command" -s v -l verbose -d 'Log each API request (method, URL, status) to stderr; credentials are never printed'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_needs_command" -a "usage" -d 'Used / capacity / percent per claim'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_needs_command" -a "prune" -d 'Delete orphaned claims (ordinals outside [start, start+replicas))'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_needs_command" -a "resize" -d 'Grow every claim of one volumeClaimTemplate, and the template itself'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_needs_command" -a "restore" -d 'Finish an interrupted resize from its backup file'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_needs_command" -a "retention" -d 'Show the claim retention policy and each claim\'s owner references; change the policy'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand usage" -l source -d 'Where the numbers come from' -r -f -a "exec\t'`df` inside the pod (pods/exec)'
kubelet\t'The kubelet\'s stats summary through the API server\'s node proxy (nodes/proxy)'"
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand usage" -l timeout -d 'Time limit per pod (exec) or per node (kubelet), e.g. 5s, 1m' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand usage" -l kubeconfig -d 'Path to the kubeconfig file to use (otherwise $KUBECONFIG, possibly several files joined by \':\', else ~/.kube/config)' -r -F
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand usage" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand usage" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand usage" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand usage" -s n -l namespace -d 'Namespace to work in (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand usage" -s l -l selector -d 'Label selector for the StatefulSets (e.g. app=web,tier!=cache)' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand usage" -s o -l output -d 'Output format' -r -f -a "table\t'A kubectl-style table'
wide\t'The table with extra columns'
json\t'JSON with a stable schema (apiVersion/kind/items)'
yaml\t'YAML with the same schema as JSON'
name\t'One `resource/name` per line'"
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand usage" -l request-timeout -d 'How long to wait for a single API request (e.g. 30s, 1m; 0 = no limit)' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand usage" -l color -d 'When to colour the output: auto colours only a terminal; NO_COLOR always wins' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour (unless NO_COLOR is set)'
never\t'Never colour'"
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand usage" -s A -l all-namespaces -d 'Work on StatefulSets of all namespaces'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand usage" -l no-headers -d 'Do not print table headers'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand usage" -s v -l verbose -d 'Log each API request (method, URL, status) to stderr; credentials are never printed'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand usage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand prune" -l ordinal -d 'Only these ordinals (repeatable; needs one NAME)' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand prune" -l kubeconfig -d 'Path to the kubeconfig file to use (otherwise $KUBECONFIG, possibly several files joined by \':\', else ~/.kube/config)' -r -F
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand prune" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand prune" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand prune" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand prune" -s n -l namespace -d 'Namespace to work in (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand prune" -s l -l selector -d 'Label selector for the StatefulSets (e.g. app=web,tier!=cache)' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand prune" -s o -l output -d 'Output format' -r -f -a "table\t'A kubectl-style table'
wide\t'The table with extra columns'
json\t'JSON with a stable schema (apiVersion/kind/items)'
yaml\t'YAML with the same schema as JSON'
name\t'One `resource/name` per line'"
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand prune" -l request-timeout -d 'How long to wait for a single API request (e.g. 30s, 1m; 0 = no limit)' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand prune" -l color -d 'When to colour the output: auto colours only a terminal; NO_COLOR always wins' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour (unless NO_COLOR is set)'
never\t'Never colour'"
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand prune" -l yes -d 'Really delete'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand prune" -l dry-run -d 'Only print what would be deleted (the default without --yes)'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand prune" -s A -l all-namespaces -d 'Work on StatefulSets of all namespaces'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand prune" -l no-headers -d 'Do not print table headers'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand prune" -s v -l verbose -d 'Log each API request (method, URL, status) to stderr; credentials are never printed'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand resize" -l template -d 'The volumeClaimTemplate to grow' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand resize" -l size -d 'The new size (a Kubernetes quantity such as 2Gi)' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand resize" -l backup-dir -d 'Directory for backups (default: $XDG_STATE_HOME/kubectl-sts/backups)' -r -F
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand resize" -l timeout -d 'How long to wait for each step (claims to expand, the delete, pods to be adopted)' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand resize" -l kubeconfig -d 'Path to the kubeconfig file to use (otherwise $KUBECONFIG, possibly several files joined by \':\', else ~/.kube/config)' -r -F
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand resize" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand resize" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand resize" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand resize" -s n -l namespace -d 'Namespace to work in (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand resize" -s l -l selector -d 'Label selector for the StatefulSets (e.g. app=web,tier!=cache)' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand resize" -s o -l output -d 'Output format' -r -f -a "table\t'A kubectl-style table'
wide\t'The table with extra columns'
json\t'JSON with a stable schema (apiVersion/kind/items)'
yaml\t'YAML with the same schema as JSON'
name\t'One `resource/name` per line'"
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand resize" -l request-timeout -d 'How long to wait for a single API request (e.g. 30s, 1m; 0 = no limit)' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand resize" -l color -d 'When to colour the output: auto colours only a terminal; NO_COLOR always wins' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour (unless NO_COLOR is set)'
never\t'Never colour'"
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand resize" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand resize" -s A -l all-namespaces -d 'Work on StatefulSets of all namespaces'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand resize" -l no-headers -d 'Do not print table headers'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand resize" -s v -l verbose -d 'Log each API request (method, URL, status) to stderr; credentials are never printed'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand resize" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand restore" -l from -d 'The backup file printed by `resize`' -r -F
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand restore" -l backup-dir -d 'Directory for backups (default: $XDG_STATE_HOME/kubectl-sts/backups)' -r -F
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand restore" -l timeout -d 'How long to wait for each step (claims to expand, the delete, pods to be adopted)' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand restore" -l kubeconfig -d 'Path to the kubeconfig file to use (otherwise $KUBECONFIG, possibly several files joined by \':\', else ~/.kube/config)' -r -F
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand restore" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand restore" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand restore" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand restore" -s n -l namespace -d 'Namespace to work in (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand restore" -s l -l selector -d 'Label selector for the StatefulSets (e.g. app=web,tier!=cache)' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand restore" -s o -l output -d 'Output format' -r -f -a "table\t'A kubectl-style table'
wide\t'The table with extra columns'
json\t'JSON with a stable schema (apiVersion/kind/items)'
yaml\t'YAML with the same schema as JSON'
name\t'One `resource/name` per line'"
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand restore" -l request-timeout -d 'How long to wait for a single API request (e.g. 30s, 1m; 0 = no limit)' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand restore" -l color -d 'When to colour the output: auto colours only a terminal; NO_COLOR always wins' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour (unless NO_COLOR is set)'
never\t'Never colour'"
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand restore" -l dry-run -d 'Print the plan and change nothing'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand restore" -s A -l all-namespaces -d 'Work on StatefulSets of all namespaces'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand restore" -l no-headers -d 'Do not print table headers'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand restore" -s v -l verbose -d 'Log each API request (method, URL, status) to stderr; credentials are never printed'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand restore" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand retention" -l when-scaled -d 'Set whenScaled' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand retention" -l when-deleted -d 'Set whenDeleted' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand retention" -l kubeconfig -d 'Path to the kubeconfig file to use (otherwise $KUBECONFIG, possibly several files joined by \':\', else ~/.kube/config)' -r -F
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand retention" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand retention" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand retention" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand retention" -s n -l namespace -d 'Namespace to work in (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand retention" -s l -l selector -d 'Label selector for the StatefulSets (e.g. app=web,tier!=cache)' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand retention" -s o -l output -d 'Output format' -r -f -a "table\t'A kubectl-style table'
wide\t'The table with extra columns'
json\t'JSON with a stable schema (apiVersion/kind/items)'
yaml\t'YAML with the same schema as JSON'
name\t'One `resource/name` per line'"
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand retention" -l request-timeout -d 'How long to wait for a single API request (e.g. 30s, 1m; 0 = no limit)' -r
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand retention" -l color -d 'When to colour the output: auto colours only a terminal; NO_COLOR always wins' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour (unless NO_COLOR is set)'
never\t'Never colour'"
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand retention" -l dry-run -d 'Validate the change on the server without saving it'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand retention" -s A -l all-namespaces -d 'Work on StatefulSets of all namespaces'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand retention" -l no-headers -d 'Do not print table headers'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand retention" -s v -l verbose -d 'Log each API request (method, URL, status) to stderr; credentials are never printed'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand retention" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand help; and not __fish_seen_subcommand_from usage prune resize restore retention help" -f -a "usage" -d 'Used / capacity / percent per claim'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand help; and not __fish_seen_subcommand_from usage prune resize restore retention help" -f -a "prune" -d 'Delete orphaned claims (ordinals outside [start, start+replicas))'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand help; and not __fish_seen_subcommand_from usage prune resize restore retention help" -f -a "resize" -d 'Grow every claim of one volumeClaimTemplate, and the template itself'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand help; and not __fish_seen_subcommand_from usage prune resize restore retention help" -f -a "restore" -d 'Finish an interrupted resize from its backup file'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand help; and not __fish_seen_subcommand_from usage prune resize restore retention help" -f -a "retention" -d 'Show the claim retention policy and each claim\'s owner references; change the policy'
complete -c kubectl-sts-pvc -n "__fish_kubectl_sts_pvc_using_subcommand help; and not __fish_seen_subcommand_from usage prune resize restore retention help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
