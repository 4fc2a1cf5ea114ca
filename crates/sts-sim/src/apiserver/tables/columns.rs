//! The column definitions of each kind's Table: names, types, formats, priorities and
//! upstream's descriptions (`pkg/printers/internalversion/printers.go`).

use serde_json::{json, Value};

pub(super) const META_NAME: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
pub(super) const META_CREATION: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
pub(super) const POD_IP: &str = "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.";
pub(super) const POD_NODE: &str = "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename";
pub(super) const POD_NOMINATED: &str = "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.";
pub(super) const POD_READINESS_GATES: &str = "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates";
pub(super) const SVC_TYPE: &str = "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. \"ClusterIP\" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is \"None\", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. \"NodePort\" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. \"LoadBalancer\" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. \"ExternalName\" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types";
pub(super) const SVC_CLUSTER_IP: &str = "clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are \"None\", empty string (\"\"), or a valid IP address. Setting this to \"None\" makes a \"headless service\" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies";
pub(super) const SVC_EXTERNAL_IPS: &str = "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.";
pub(super) const SVC_PORTS: &str = "The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies";
pub(super) const SVC_SELECTOR: &str = "Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/";
pub(super) const EP_SUBSETS: &str = "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.";
pub(super) const NODE_KUBELET: &str = "Kubelet Version reported by the node.";
pub(super) const NODE_ADDRESSES: &str = "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";
pub(super) const NODE_OS: &str =
    "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).";
pub(super) const NODE_KERNEL: &str =
    "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).";
pub(super) const NODE_CR: &str = "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).";
pub(super) const EV_LAST: &str =
    "The time at which the most recent occurrence of this event was recorded.";
pub(super) const EV_TYPE: &str =
    "Type of this event (Normal, Warning), new types could be added in the future";
pub(super) const EV_REASON: &str = "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.";
pub(super) const EV_OBJECT: &str = "The object that this event is about.";
pub(super) const EV_FIELDPATH: &str = "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.";
pub(super) const EV_SOURCE: &str =
    "The component reporting this event. Should be a short machine understandable string.";
pub(super) const EV_MESSAGE: &str = "A human-readable description of the status of this operation.";
pub(super) const EV_FIRST: &str =
    "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)";
pub(super) const EV_COUNT: &str = "The number of times this event has occurred.";
pub(super) const PV_CAPACITY: &str = "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity";
pub(super) const PV_MODES: &str = "accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes";
pub(super) const PV_RECLAIM: &str = "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming";
pub(super) const PV_PHASE: &str = "phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase";
pub(super) const PV_CLAIM: &str = "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding";
pub(super) const PV_REASON: &str = "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.";
pub(super) const PV_VOLUME_MODE: &str = "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.";
pub(super) const PVC_PHASE: &str = "phase represents the current phase of PersistentVolumeClaim.";
pub(super) const PVC_VOLUME: &str =
    "volumeName is the binding reference to the PersistentVolume backing this claim.";
pub(super) const PVC_CAPACITY: &str =
    "capacity represents the actual resources of the underlying volume.";
pub(super) const PVC_MODES: &str = "accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1";
pub(super) const PVC_VOLUME_MODE: &str = "volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.";
pub(super) const SC_PROVISIONER: &str = "provisioner indicates the type of the provisioner.";
pub(super) const SC_RECLAIM: &str = "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.";
pub(super) const SC_BINDING: &str = "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.";
pub(super) const SC_EXPANSION: &str =
    "allowVolumeExpansion shows whether the storage class allow volume expand.";
pub(super) const CR_REVISION: &str =
    "Revision indicates the revision of the state represented by Data.";
pub(super) const CM_DATA: &str = "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.";
pub(super) const SECRET_TYPE: &str = "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types";
pub(super) const SECRET_DATA: &str = "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4";
pub(super) const SA_SECRETS: &str = "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a \"kubernetes.io/enforce-mountable-secrets\" annotation set to \"true\". The \"kubernetes.io/enforce-mountable-secrets\" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret";

pub(super) const CONTAINERS_DESC: &str = "Names of each container in the template.";
pub(super) const IMAGES_DESC: &str = "Images referenced by each container in the template.";

pub(super) fn col(name: &str, ty: &str, format: &str, priority: i64, description: &str) -> Value {
    json!({"name": name, "type": ty, "format": format, "description": description, "priority": priority})
}

pub(super) fn name_col() -> Value {
    col("Name", "string", "name", 0, META_NAME)
}

pub(super) fn age_col() -> Value {
    col("Age", "string", "", 0, META_CREATION)
}

/// The column definitions of the Table for a resource (plural).
pub fn column_definitions(resource_plural: &str) -> Vec<Value> {
    match resource_plural {
        "pods" => vec![
            name_col(),
            col("Ready", "string", "", 0, "The aggregate readiness state of this pod for accepting traffic."),
            col("Status", "string", "", 0, "The aggregate status of the containers in this pod."),
            col("Restarts", "string", "", 0, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
            age_col(),
            col("IP", "string", "", 1, POD_IP),
            col("Node", "string", "", 1, POD_NODE),
            col("Nominated Node", "string", "", 1, POD_NOMINATED),
            col("Readiness Gates", "string", "", 1, POD_READINESS_GATES),
        ],
        "statefulsets" => vec![
            name_col(),
            col("Ready", "string", "", 0, "Number of the pod with ready state"),
            age_col(),
            col("Containers", "string", "", 1, CONTAINERS_DESC),
            col("Images", "string", "", 1, IMAGES_DESC),
        ],
        "services" => vec![
            name_col(),
            col("Type", "string", "", 0, SVC_TYPE),
            col("Cluster-IP", "string", "", 0, SVC_CLUSTER_IP),
            col("External-IP", "string", "", 0, SVC_EXTERNAL_IPS),
            col("Port(s)", "string", "", 0, SVC_PORTS),
            age_col(),
            col("Selector", "string", "", 1, SVC_SELECTOR),
        ],
        "persistentvolumeclaims" => vec![
            name_col(),
            col("Status", "string", "", 0, PVC_PHASE),
            col("Volume", "string", "", 0, PVC_VOLUME),
            col("Capacity", "string", "", 0, PVC_CAPACITY),
            col("Access Modes", "string", "", 0, PVC_MODES),
            col("StorageClass", "string", "", 0, "StorageClass of the pvc"),
            col("VolumeAttributesClass", "string", "", 0, "VolumeAttributesClass of the pvc"),
            age_col(),
            col("VolumeMode", "string", "", 1, PVC_VOLUME_MODE),
        ],
        "persistentvolumes" => vec![
            name_col(),
            col("Capacity", "string", "", 0, PV_CAPACITY),
            col("Access Modes", "string", "", 0, PV_MODES),
            col("Reclaim Policy", "string", "", 0, PV_RECLAIM),
            col("Status", "string", "", 0, PV_PHASE),
            col("Claim", "string", "", 0, PV_CLAIM),
            col("StorageClass", "string", "", 0, "StorageClass of the pv"),
            col("VolumeAttributesClass", "string", "", 0, "VolumeAttributesClass of the pv"),
            col("Reason", "string", "", 0, PV_REASON),
            age_col(),
            col("VolumeMode", "string", "", 1, PV_VOLUME_MODE),
        ],
        "controllerrevisions" => vec![
            name_col(),
            col("Controller", "string", "", 0, "Controller of the object"),
            col("Revision", "string", "", 0, CR_REVISION),
            age_col(),
        ],
        "nodes" => vec![
            name_col(),
            col("Status", "string", "", 0, "The status of the node"),
            col("Roles", "string", "", 0, "The roles of the node"),
            age_col(),
            col("Version", "string", "", 0, NODE_KUBELET),
            col("Internal-IP", "string", "", 1, NODE_ADDRESSES),
            col("External-IP", "string", "", 1, NODE_ADDRESSES),
            col("OS-Image", "string", "", 1, NODE_OS),
            col("Kernel-Version", "string", "", 1, NODE_KERNEL),
            col("Container-Runtime", "string", "", 1, NODE_CR),
        ],
        "namespaces" => vec![
            name_col(),
            col("Status", "string", "", 0, "The status of the namespace"),
            age_col(),
        ],
        "events" => vec![
            col("Last Seen", "string", "", 0, EV_LAST),
            col("Type", "string", "", 0, EV_TYPE),
            col("Reason", "string", "", 0, EV_REASON),
            col("Object", "string", "", 0, EV_OBJECT),
            col("Subobject", "string", "", 1, EV_FIELDPATH),
            col("Source", "string", "", 1, EV_SOURCE),
            col("Message", "string", "", 0, EV_MESSAGE),
            col("First Seen", "string", "", 1, EV_FIRST),
            col("Count", "string", "", 1, EV_COUNT),
            col("Name", "string", "name", 1, META_NAME),
        ],
        "endpoints" => vec![name_col(), col("Endpoints", "string", "", 0, EP_SUBSETS), age_col()],
        "storageclasses" => vec![
            name_col(),
            col("Provisioner", "string", "", 0, SC_PROVISIONER),
            col("ReclaimPolicy", "string", "", 0, SC_RECLAIM),
            col("VolumeBindingMode", "string", "", 0, SC_BINDING),
            col("AllowVolumeExpansion", "string", "", 0, SC_EXPANSION),
            age_col(),
        ],
        "configmaps" => vec![name_col(), col("Data", "string", "", 0, CM_DATA), age_col()],
        "secrets" => vec![
            name_col(),
            col("Type", "string", "", 0, SECRET_TYPE),
            col("Data", "string", "", 0, SECRET_DATA),
            age_col(),
        ],
        "serviceaccounts" => vec![name_col(), col("Secrets", "string", "", 0, SA_SECRETS), age_col()],
        other => crate::machinery::kinds::column_definitions(other)
            .unwrap_or_else(|| vec![name_col(), age_col()]),
    }
}
