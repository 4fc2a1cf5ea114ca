//! Server-side `Table` responses: what `kubectl get` prints.
//!
//! `kubectl get` asks for `application/json;as=Table;v=v1;g=meta.k8s.io`; the API server
//! answers with a `meta.k8s.io/v1` Table whose columns and cells come from upstream's
//! printers (`pkg/printers/internalversion/printers.go`, generated with `Wide: true`, so
//! priority-1 columns are present and kubectl shows them only for `-o wide`). This module
//! reproduces those columns (names, types, formats, priorities and descriptions) and the cell
//! logic for pods, statefulsets, services, persistentvolumeclaims, persistentvolumes,
//! controllerrevisions, nodes, namespaces, events, endpoints, storageclasses, configmaps,
//! secrets and serviceaccounts; anything else gets Name and Age. Ages use upstream's
//! `duration.HumanDuration`.

use jiff::Timestamp;
use serde_json::{json, Map, Value};

/// What each row's `object` carries (`?includeObject=`; the server default is `Metadata`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IncludeObject {
    /// `object: null`.
    None,
    /// A `meta.k8s.io/v1` `PartialObjectMetadata` with the object's metadata (the default).
    #[default]
    Metadata,
    /// The whole object.
    Object,
}

impl IncludeObject {
    /// Parses the `includeObject` query parameter (`None`, `Metadata`, `Object`); absent or
    /// unknown values give the default, `Metadata`.
    pub fn from_query(value: Option<&str>) -> Self {
        match value {
            Some("None") => IncludeObject::None,
            Some("Object") => IncludeObject::Object,
            _ => IncludeObject::Metadata,
        }
    }
}

const META_NAME: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const META_CREATION: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const POD_IP: &str = "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.";
const POD_NODE: &str = "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename";
const POD_NOMINATED: &str = "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.";
const POD_READINESS_GATES: &str = "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates";
const SVC_TYPE: &str = "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. \"ClusterIP\" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is \"None\", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. \"NodePort\" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. \"LoadBalancer\" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. \"ExternalName\" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types";
const SVC_CLUSTER_IP: &str = "clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are \"None\", empty string (\"\"), or a valid IP address. Setting this to \"None\" makes a \"headless service\" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies";
const SVC_EXTERNAL_IPS: &str = "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.";
const SVC_PORTS: &str = "The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies";
const SVC_SELECTOR: &str = "Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/";
const EP_SUBSETS: &str = "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.";
const NODE_KUBELET: &str = "Kubelet Version reported by the node.";
const NODE_ADDRESSES: &str = "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";
const NODE_OS: &str =
    "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).";
const NODE_KERNEL: &str =
    "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).";
const NODE_CR: &str = "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).";
const EV_LAST: &str = "The time at which the most recent occurrence of this event was recorded.";
const EV_TYPE: &str =
    "Type of this event (Normal, Warning), new types could be added in the future";
const EV_REASON: &str = "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.";
const EV_OBJECT: &str = "The object that this event is about.";
const EV_FIELDPATH: &str = "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.";
const EV_SOURCE: &str =
    "The component reporting this event. Should be a short machine understandable string.";
const EV_MESSAGE: &str = "A human-readable description of the status of this operation.";
const EV_FIRST: &str =
    "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)";
const EV_COUNT: &str = "The number of times this event has occurred.";
const PV_CAPACITY: &str = "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity";
const PV_MODES: &str = "accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes";
const PV_RECLAIM: &str = "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming";
const PV_PHASE: &str = "phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase";
const PV_CLAIM: &str = "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding";
const PV_REASON: &str = "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.";
const PV_VOLUME_MODE: &str = "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.";
const PVC_PHASE: &str = "phase represents the current phase of PersistentVolumeClaim.";
const PVC_VOLUME: &str =
    "volumeName is the binding reference to the PersistentVolume backing this claim.";
const PVC_CAPACITY: &str = "capacity represents the actual resources of the underlying volume.";
const PVC_MODES: &str = "accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1";
const PVC_VOLUME_MODE: &str = "volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.";
const SC_PROVISIONER: &str = "provisioner indicates the type of the provisioner.";
const SC_RECLAIM: &str = "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.";
const SC_BINDING: &str = "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.";
const SC_EXPANSION: &str =
    "allowVolumeExpansion shows whether the storage class allow volume expand.";
const CR_REVISION: &str = "Revision indicates the revision of the state represented by Data.";
const CM_DATA: &str = "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.";
const SECRET_TYPE: &str = "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types";
const SECRET_DATA: &str = "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4";
const SA_SECRETS: &str = "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a \"kubernetes.io/enforce-mountable-secrets\" annotation set to \"true\". The \"kubernetes.io/enforce-mountable-secrets\" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret";

const CONTAINERS_DESC: &str = "Names of each container in the template.";
const IMAGES_DESC: &str = "Images referenced by each container in the template.";

fn col(name: &str, ty: &str, format: &str, priority: i64, description: &str) -> Value {
    json!({"name": name, "type": ty, "format": format, "description": description, "priority": priority})
}

fn name_col() -> Value {
    col("Name", "string", "name", 0, META_NAME)
}

fn age_col() -> Value {
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

/// Builds the Table for `items` (full objects as stored). `list_meta` is the list's
/// `metadata` (its `resourceVersion`, `continue` and `remainingItemCount` are copied).
pub fn to_table(
    resource_plural: &str,
    items: &[Value],
    now: Timestamp,
    include_object: IncludeObject,
    list_meta: &Value,
) -> Value {
    let mut meta = Map::new();
    for k in ["resourceVersion", "continue", "remainingItemCount"] {
        if let Some(v) = list_meta.get(k).filter(|v| !v.is_null() && *v != "") {
            meta.insert(k.into(), v.clone());
        }
    }
    let rows: Vec<Value> = items
        .iter()
        .map(|item| {
            let mut row = Map::new();
            row.insert("cells".into(), Value::Array(row_cells(resource_plural, item, now)));
            if resource_plural == "pods" {
                match str_at(item, "/status/phase") {
                    "Succeeded" => {
                        row.insert("conditions".into(), json!([{"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}]));
                    }
                    "Failed" => {
                        row.insert("conditions".into(), json!([{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}]));
                    }
                    _ => {}
                }
            }
            row.insert("object".into(), row_object(item, include_object));
            Value::Object(row)
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": Value::Object(meta),
        "columnDefinitions": column_definitions(resource_plural),
        "rows": rows,
    })
}

fn row_object(item: &Value, include: IncludeObject) -> Value {
    match include {
        IncludeObject::None => Value::Null,
        IncludeObject::Object => item.clone(),
        IncludeObject::Metadata => json!({
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": item.get("metadata").cloned().unwrap_or(json!({})),
        }),
    }
}

fn str_at<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

fn arr<'a>(v: &'a Value, ptr: &str) -> &'a [Value] {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn parse_ts(s: &str) -> Option<Timestamp> {
    s.parse::<Timestamp>().ok()
}

/// Upstream `translateTimestampSince`: `<unknown>` for a missing time, else the human age.
pub fn age_since(ts: Option<&str>, now: Timestamp) -> String {
    match ts.and_then(parse_ts) {
        None => "<unknown>".into(),
        Some(t) => human_duration(
            now.as_second()
                - t.as_second()
                - i64::from(now.subsec_nanosecond() < t.subsec_nanosecond()),
        ),
    }
}

/// Upstream `duration.HumanDuration` for a number of whole seconds.
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    if seconds < 0 {
        return "0s".into();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

fn age(item: &Value, now: Timestamp) -> Value {
    json!(age_since(
        item.pointer("/metadata/creationTimestamp")
            .and_then(Value::as_str),
        now
    ))
}

fn name(item: &Value) -> Value {
    json!(str_at(item, "/metadata/name"))
}

/// The cells of one row (all columns, priority-1 ones included).
pub fn row_cells(resource_plural: &str, item: &Value, now: Timestamp) -> Vec<Value> {
    match resource_plural {
        "pods" => pod_cells(item, now),
        "statefulsets" => {
            let (names, images) = container_cells(arr(item, "/spec/template/spec/containers"));
            let desired = item
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            let ready = item
                .pointer("/status/readyReplicas")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            vec![
                name(item),
                json!(format!("{ready}/{desired}")),
                age(item, now),
                json!(names),
                json!(images),
            ]
        }
        "services" => service_cells(item, now),
        "persistentvolumeclaims" => {
            let mut phase = str_at(item, "/status/phase").to_string();
            if item
                .pointer("/metadata/deletionTimestamp")
                .is_some_and(|v| !v.is_null())
            {
                phase = "Terminating".into();
            }
            let volume = str_at(item, "/spec/volumeName");
            let (capacity, modes) = if volume.is_empty() {
                (String::new(), String::new())
            } else {
                (
                    quantity_string(item.pointer("/status/capacity/storage")),
                    access_modes(arr(item, "/status/accessModes")),
                )
            };
            vec![
                name(item),
                json!(phase),
                json!(volume),
                json!(capacity),
                json!(modes),
                json!(storage_class(item)),
                json!(unset_or(str_at(item, "/spec/volumeAttributesClassName"))),
                age(item, now),
                json!(unset_or(str_at(item, "/spec/volumeMode"))),
            ]
        }
        "persistentvolumes" => {
            let mut phase = str_at(item, "/status/phase").to_string();
            if item
                .pointer("/metadata/deletionTimestamp")
                .is_some_and(|v| !v.is_null())
            {
                phase = "Terminating".into();
            }
            let claim = match item.pointer("/spec/claimRef").filter(|c| !c.is_null()) {
                Some(c) => format!("{}/{}", str_at(c, "/namespace"), str_at(c, "/name")),
                None => String::new(),
            };
            let cap = item.pointer("/spec/capacity/storage");
            vec![
                name(item),
                json!(if cap.is_some() {
                    quantity_string(cap)
                } else {
                    "0".into()
                }),
                json!(access_modes(arr(item, "/spec/accessModes"))),
                json!(str_at(item, "/spec/persistentVolumeReclaimPolicy")),
                json!(phase),
                json!(claim),
                json!(storage_class(item)),
                json!(unset_or(str_at(item, "/spec/volumeAttributesClassName"))),
                json!(str_at(item, "/status/reason")),
                age(item, now),
                json!(unset_or(str_at(item, "/spec/volumeMode"))),
            ]
        }
        "controllerrevisions" => {
            let controller = arr(item, "/metadata/ownerReferences")
                .iter()
                .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
                .map(|r| {
                    let api_version = str_at(r, "/apiVersion");
                    let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
                    let kind = str_at(r, "/kind");
                    let gk = if group.is_empty() {
                        kind.to_string()
                    } else {
                        format!("{kind}.{group}")
                    };
                    if gk.is_empty() {
                        str_at(r, "/name").to_string()
                    } else {
                        format!("{}/{}", gk.to_lowercase(), str_at(r, "/name"))
                    }
                })
                .unwrap_or_else(|| "<none>".into());
            vec![
                name(item),
                json!(controller),
                item.get("revision").cloned().unwrap_or(json!(0)),
                age(item, now),
            ]
        }
        "nodes" => node_cells(item, now),
        "namespaces" => vec![
            name(item),
            json!(str_at(item, "/status/phase")),
            age(item, now),
        ],
        "events" => event_cells(item, now),
        "endpoints" => vec![name(item), json!(format_endpoints(item)), age(item, now)],
        "storageclasses" => {
            let ann = |k: &str| {
                item.pointer("/metadata/annotations")
                    .and_then(|a| a.get(k))
                    .and_then(Value::as_str)
            };
            let default = ann("storageclass.kubernetes.io/is-default-class") == Some("true")
                || ann("storageclass.beta.kubernetes.io/is-default-class") == Some("true");
            let mut n = str_at(item, "/metadata/name").to_string();
            if default {
                n.push_str(" (default)");
            }
            let or = |p: &str, d: &str| {
                let s = str_at(item, p);
                if s.is_empty() {
                    d.to_string()
                } else {
                    s.to_string()
                }
            };
            vec![
                json!(n),
                json!(str_at(item, "/provisioner")),
                json!(or("/reclaimPolicy", "Delete")),
                json!(or("/volumeBindingMode", "Immediate")),
                json!(item
                    .get("allowVolumeExpansion")
                    .and_then(Value::as_bool)
                    .unwrap_or(false)),
                age(item, now),
            ]
        }
        "configmaps" => {
            let n = ["data", "binaryData"]
                .iter()
                .filter_map(|k| item.get(*k).and_then(Value::as_object))
                .map(Map::len)
                .sum::<usize>();
            vec![name(item), json!(n), age(item, now)]
        }
        "secrets" => {
            let n = item
                .get("data")
                .and_then(Value::as_object)
                .map_or(0, Map::len);
            vec![
                name(item),
                json!(str_at(item, "/type")),
                json!(n),
                age(item, now),
            ]
        }
        "serviceaccounts" => vec![
            name(item),
            json!(arr(item, "/secrets").len()),
            age(item, now),
        ],
        other => crate::machinery::kinds::row_cells(other, item, |i| age(i, now))
            .unwrap_or_else(|| vec![name(item), age(item, now)]),
    }
}

fn unset_or(s: &str) -> String {
    if s.is_empty() {
        "<unset>".into()
    } else {
        s.into()
    }
}

fn quantity_string(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => {
            crate::machinery::quantity::canonical_quantity(s).unwrap_or_else(|| s.clone())
        }
        Some(Value::Number(n)) => {
            crate::machinery::quantity::canonical_quantity(&n.to_string()).unwrap_or_default()
        }
        _ => "0".into(),
    }
}

/// Upstream `GetAccessModesAsString`: `RWO,ROX,RWX,RWOP` order, duplicates removed.
pub fn access_modes(modes: &[Value]) -> String {
    let has = |m: &str| modes.iter().any(|v| v.as_str() == Some(m));
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(m, _)| has(m))
    .map(|(_, s)| *s)
    .collect::<Vec<_>>()
    .join(",")
}

fn storage_class(item: &Value) -> String {
    if let Some(c) = item
        .pointer("/metadata/annotations")
        .and_then(|a| a.get("volume.beta.kubernetes.io/storage-class"))
        .and_then(Value::as_str)
    {
        return c.to_string();
    }
    str_at(item, "/spec/storageClassName").to_string()
}

fn container_cells(containers: &[Value]) -> (String, String) {
    let names: Vec<&str> = containers.iter().map(|c| str_at(c, "/name")).collect();
    let images: Vec<&str> = containers.iter().map(|c| str_at(c, "/image")).collect();
    (names.join(","), images.join(","))
}

/// `k=v,k2=v2` sorted by key, `<none>` when empty (upstream `labels.FormatLabels`).
fn format_labels(m: Option<&Value>) -> String {
    let Some(m) = m.and_then(Value::as_object).filter(|m| !m.is_empty()) else {
        return "<none>".into();
    };
    let mut pairs: Vec<String> = m
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
        .collect();
    pairs.sort();
    pairs.join(",")
}

fn pod_cells(pod: &Value, now: Timestamp) -> Vec<Value> {
    let spec = pod.get("spec").cloned().unwrap_or(json!({}));
    let status = pod.get("status").cloned().unwrap_or(json!({}));
    let init_specs = arr(&spec, "/initContainers");
    let restartable = |name: &str| {
        init_specs
            .iter()
            .any(|c| str_at(c, "/name") == name && str_at(c, "/restartPolicy") == "Always")
    };
    let total = arr(&spec, "/containers").len()
        + init_specs
            .iter()
            .filter(|c| str_at(c, "/restartPolicy") == "Always")
            .count();
    let mut ready = 0usize;
    let mut restarts: i64 = 0;
    let mut restartable_restarts: i64 = 0;
    let mut last_restart: Option<Timestamp> = None;
    let mut last_restartable_restart: Option<Timestamp> = None;
    let phase = str_at(&status, "/phase").to_string();
    let mut reason = phase.clone();
    if !str_at(&status, "/reason").is_empty() {
        reason = str_at(&status, "/reason").to_string();
    }
    let conditions = arr(&status, "/conditions");
    if conditions
        .iter()
        .any(|c| str_at(c, "/type") == "PodScheduled" && str_at(c, "/reason") == "SchedulingGated")
    {
        reason = "SchedulingGated".into();
    }
    let finished = |c: &Value| {
        c.pointer("/lastTerminationState/terminated/finishedAt")
            .and_then(Value::as_str)
            .and_then(parse_ts)
    };
    let later = |a: Option<Timestamp>, b: Option<Timestamp>| match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    };
    let mut initializing = false;
    let init_statuses = arr(&status, "/initContainerStatuses");
    let n_init = init_specs.len();
    for (i, c) in init_statuses.iter().enumerate() {
        let rc = c.get("restartCount").and_then(Value::as_i64).unwrap_or(0);
        restarts += rc;
        last_restart = later(last_restart, finished(c));
        let name = str_at(c, "/name");
        if restartable(name) {
            restartable_restarts += rc;
            last_restartable_restart = later(last_restartable_restart, finished(c));
        }
        let term = c.pointer("/state/terminated").filter(|t| !t.is_null());
        let waiting = c.pointer("/state/waiting").filter(|t| !t.is_null());
        if term.is_some_and(|t| t.get("exitCode").and_then(Value::as_i64).unwrap_or(0) == 0) {
            continue;
        }
        if restartable(name) && c.get("started").and_then(Value::as_bool) == Some(true) {
            if c.get("ready").and_then(Value::as_bool) == Some(true) {
                ready += 1;
            }
            continue;
        }
        if let Some(t) = term {
            let r = str_at(t, "/reason");
            reason = if r.is_empty() {
                let sig = t.get("signal").and_then(Value::as_i64).unwrap_or(0);
                if sig != 0 {
                    format!("Init:Signal:{sig}")
                } else {
                    format!(
                        "Init:ExitCode:{}",
                        t.get("exitCode").and_then(Value::as_i64).unwrap_or(0)
                    )
                }
            } else {
                format!("Init:{r}")
            };
        } else if let Some(w) = waiting.filter(|w| {
            let r = str_at(w, "/reason");
            !r.is_empty() && r != "PodInitializing"
        }) {
            reason = format!("Init:{}", str_at(w, "/reason"));
        } else {
            reason = format!("Init:{i}/{n_init}");
        }
        initializing = true;
        break;
    }
    let initialized = conditions
        .iter()
        .any(|c| str_at(c, "/type") == "Initialized" && str_at(c, "/status") == "True");
    if !initializing || initialized {
        restarts = restartable_restarts;
        last_restart = last_restartable_restart;
        let mut has_running = false;
        for c in arr(&status, "/containerStatuses").iter().rev() {
            restarts += c.get("restartCount").and_then(Value::as_i64).unwrap_or(0);
            last_restart = later(last_restart, finished(c));
            let waiting = c.pointer("/state/waiting").filter(|t| !t.is_null());
            let term = c.pointer("/state/terminated").filter(|t| !t.is_null());
            let running = c.pointer("/state/running").filter(|t| !t.is_null());
            if let Some(w) = waiting.filter(|w| !str_at(w, "/reason").is_empty()) {
                reason = str_at(w, "/reason").to_string();
            } else if let Some(t) = term.filter(|t| !str_at(t, "/reason").is_empty()) {
                reason = str_at(t, "/reason").to_string();
            } else if let Some(t) = term {
                let sig = t.get("signal").and_then(Value::as_i64).unwrap_or(0);
                reason = if sig != 0 {
                    format!("Signal:{sig}")
                } else {
                    format!(
                        "ExitCode:{}",
                        t.get("exitCode").and_then(Value::as_i64).unwrap_or(0)
                    )
                };
            } else if c.get("ready").and_then(Value::as_bool) == Some(true) && running.is_some() {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            let pod_ready = conditions
                .iter()
                .any(|c| str_at(c, "/type") == "Ready" && str_at(c, "/status") == "True");
            reason = if pod_ready {
                "Running".into()
            } else {
                "NotReady".into()
            };
        }
    }
    let deleting = pod
        .pointer("/metadata/deletionTimestamp")
        .is_some_and(|v| !v.is_null());
    if deleting && str_at(&status, "/reason") == "NodeLost" {
        reason = "Unknown".into();
    } else if deleting && phase != "Succeeded" && phase != "Failed" {
        reason = "Terminating".into();
    }
    let restarts_str = match last_restart {
        Some(t) if restarts != 0 => {
            format!("{restarts} ({} ago)", age_since(Some(&t.to_string()), now))
        }
        _ => restarts.to_string(),
    };
    let mut ip = arr(&status, "/podIPs")
        .first()
        .map(|p| str_at(p, "/ip").to_string())
        .unwrap_or_else(|| str_at(&status, "/podIP").to_string());
    if ip.is_empty() {
        ip = "<none>".into();
    }
    let none_if_empty = |s: &str| {
        if s.is_empty() {
            "<none>".to_string()
        } else {
            s.to_string()
        }
    };
    let gates = arr(&spec, "/readinessGates");
    let readiness = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let t = gates
            .iter()
            .filter(|g| {
                let ty = str_at(g, "/conditionType");
                conditions
                    .iter()
                    .find(|c| str_at(c, "/type") == ty)
                    .is_some_and(|c| str_at(c, "/status") == "True")
            })
            .count();
        format!("{t}/{}", gates.len())
    };
    vec![
        name(pod),
        json!(format!("{ready}/{total}")),
        json!(reason),
        json!(restarts_str),
        age(pod, now),
        json!(ip),
        json!(none_if_empty(str_at(&spec, "/nodeName"))),
        json!(none_if_empty(str_at(&status, "/nominatedNodeName"))),
        json!(readiness),
    ]
}

fn service_cells(svc: &Value, now: Timestamp) -> Vec<Value> {
    let ty = str_at(svc, "/spec/type");
    let ty = if ty.is_empty() { "ClusterIP" } else { ty };
    let cluster_ip = arr(svc, "/spec/clusterIPs")
        .first()
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| Some(str_at(svc, "/spec/clusterIP").to_string()).filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "<none>".into());
    let external: Vec<String> = arr(svc, "/spec/externalIPs")
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    let external_ip = match ty {
        "ClusterIP" | "NodePort" => {
            if external.is_empty() {
                "<none>".to_string()
            } else {
                external.join(",")
            }
        }
        "LoadBalancer" => {
            let mut lb: Vec<String> = arr(svc, "/status/loadBalancer/ingress")
                .iter()
                .filter_map(|i| {
                    let ip = str_at(i, "/ip");
                    let host = str_at(i, "/hostname");
                    if !ip.is_empty() {
                        Some(ip.to_string())
                    } else if !host.is_empty() {
                        Some(host.to_string())
                    } else {
                        None
                    }
                })
                .collect();
            lb.sort();
            lb.dedup();
            if !external.is_empty() {
                lb.extend(external);
                lb.join(",")
            } else if !lb.is_empty() {
                lb.join(",")
            } else {
                "<pending>".to_string()
            }
        }
        "ExternalName" => str_at(svc, "/spec/externalName").to_string(),
        _ => "<unknown>".to_string(),
    };
    let ports: Vec<String> = arr(svc, "/spec/ports")
        .iter()
        .map(|p| {
            let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
            let proto = str_at(p, "/protocol");
            let node_port = p.get("nodePort").and_then(Value::as_i64).unwrap_or(0);
            if node_port > 0 {
                format!("{port}:{node_port}/{proto}")
            } else {
                format!("{port}/{proto}")
            }
        })
        .collect();
    let ports = if ports.is_empty() {
        "<none>".to_string()
    } else {
        ports.join(",")
    };
    vec![
        name(svc),
        json!(ty),
        json!(cluster_ip),
        json!(external_ip),
        json!(ports),
        age(svc, now),
        json!(format_labels(svc.pointer("/spec/selector"))),
    ]
}

fn node_cells(node: &Value, now: Timestamp) -> Vec<Value> {
    let mut status: Vec<String> = Vec::new();
    if let Some(c) = arr(node, "/status/conditions")
        .iter()
        .rev()
        .find(|c| str_at(c, "/type") == "Ready")
    {
        status.push(if str_at(c, "/status") == "True" {
            "Ready".into()
        } else {
            "NotReady".into()
        });
    }
    if status.is_empty() {
        status.push("Unknown".into());
    }
    if node.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true) {
        status.push("SchedulingDisabled".into());
    }
    let mut roles: Vec<String> = node
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|l| {
            l.iter()
                .filter_map(|(k, v)| {
                    if let Some(r) = k.strip_prefix("node-role.kubernetes.io/") {
                        (!r.is_empty()).then(|| r.to_string())
                    } else if k == "kubernetes.io/role" {
                        v.as_str().filter(|v| !v.is_empty()).map(str::to_string)
                    } else {
                        None
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    roles.sort();
    roles.dedup();
    let roles = if roles.is_empty() {
        "<none>".to_string()
    } else {
        roles.join(",")
    };
    let addr = |ty: &str| {
        arr(node, "/status/addresses")
            .iter()
            .find(|a| str_at(a, "/type") == ty)
            .map(|a| str_at(a, "/address").to_string())
            .unwrap_or_else(|| "<none>".into())
    };
    let info = |k: &str| {
        let s = str_at(node, &format!("/status/nodeInfo/{k}"));
        if s.is_empty() {
            "<unknown>".to_string()
        } else {
            s.to_string()
        }
    };
    vec![
        name(node),
        json!(status.join(",")),
        json!(roles),
        age(node, now),
        json!(str_at(node, "/status/nodeInfo/kubeletVersion")),
        json!(addr("InternalIP")),
        json!(addr("ExternalIP")),
        json!(info("osImage")),
        json!(info("kernelVersion")),
        json!(info("containerRuntimeVersion")),
    ]
}

fn event_cells(ev: &Value, now: Timestamp) -> Vec<Value> {
    let ts = |p: &str| {
        ev.pointer(p)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let first = match ts("/firstTimestamp") {
        Some(t) => age_since(Some(t), now),
        None => age_since(ts("/eventTime"), now),
    };
    let mut last = match ts("/lastTimestamp") {
        Some(t) => age_since(Some(t), now),
        None => first.clone(),
    };
    let mut count = ev.get("count").and_then(Value::as_i64).unwrap_or(0);
    if let Some(series) = ev.get("series").filter(|s| !s.is_null()) {
        last = age_since(series.get("lastObservedTime").and_then(Value::as_str), now);
        count = series.get("count").and_then(Value::as_i64).unwrap_or(0);
    } else if count == 0 {
        count = 1;
    }
    let kind = str_at(ev, "/involvedObject/kind").to_lowercase();
    let obj_name = str_at(ev, "/involvedObject/name");
    let target = if obj_name.is_empty() {
        kind
    } else {
        format!("{kind}/{obj_name}")
    };
    let component = [
        str_at(ev, "/source/component"),
        str_at(ev, "/reportingComponent"),
    ]
    .into_iter()
    .find(|s| !s.is_empty())
    .unwrap_or("");
    let host = [str_at(ev, "/source/host"), str_at(ev, "/reportingInstance")]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or("");
    let source = if host.is_empty() {
        component.to_string()
    } else {
        format!("{component}, {host}")
    };
    vec![
        json!(last),
        json!(str_at(ev, "/type")),
        json!(str_at(ev, "/reason")),
        json!(target),
        json!(str_at(ev, "/involvedObject/fieldPath")),
        json!(source),
        json!(str_at(ev, "/message").trim()),
        json!(first),
        json!(count),
        name(ev),
    ]
}

/// Upstream `formatEndpoints`: up to three `ip:port` entries, then `+ N more...`.
fn format_endpoints(ep: &Value) -> String {
    let subsets = arr(ep, "/subsets");
    if subsets.is_empty() {
        return "<none>".into();
    }
    let max = 3;
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0usize;
    for ss in subsets {
        let addrs = arr(ss, "/addresses");
        let ports = arr(ss, "/ports");
        if ports.is_empty() {
            count += addrs.len();
            for a in addrs {
                if list.len() == max {
                    more = true;
                    break;
                }
                list.push(str_at(a, "/ip").to_string());
            }
            continue;
        }
        for p in ports {
            count += addrs.len();
            let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
            for a in addrs {
                if list.len() == max {
                    more = true;
                    break;
                }
                let ip = str_at(a, "/ip");
                if ip.contains(':') {
                    list.push(format!("[{ip}]:{port}"));
                } else {
                    list.push(format!("{ip}:{port}"));
                }
            }
        }
    }
    let ret = list.join(",");
    if more {
        format!("{ret} + {} more...", count - max)
    } else {
        ret
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-03-01T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn human_durations() {
        assert_eq!(human_duration(31), "31s");
        assert_eq!(human_duration(119), "119s");
        assert_eq!(human_duration(8 * 60 + 25), "8m25s");
        assert_eq!(human_duration(42 * 60 + 10), "42m");
        assert_eq!(human_duration(5 * 3600 + 7 * 60), "5h7m");
        assert_eq!(human_duration(4 * 86400 + 19 * 3600), "4d19h");
        assert_eq!(human_duration(11 * 86400 + 3600), "11d");
        assert_eq!(human_duration(-5), "<invalid>");
    }

    #[test]
    fn running_pod_row() {
        let pod = json!({
            "metadata": {"name": "web-0", "namespace": "default", "creationTimestamp": "2026-03-01T11:51:35Z"},
            "spec": {"containers": [{"name": "app", "image": "nginx"}], "nodeName": "node-1"},
            "status": {"phase": "Running", "podIP": "10.244.0.5", "podIPs": [{"ip": "10.244.0.5"}],
                "conditions": [{"type": "Ready", "status": "True"}],
                "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0,
                    "state": {"running": {"startedAt": "2026-03-01T11:51:40Z"}}}]}
        });
        let t = to_table(
            "pods",
            &[pod],
            now(),
            IncludeObject::Metadata,
            &json!({"resourceVersion": "42"}),
        );
        assert_eq!(t["kind"], "Table");
        assert_eq!(t["metadata"]["resourceVersion"], "42");
        assert_eq!(t["columnDefinitions"].as_array().unwrap().len(), 9);
        assert_eq!(t["columnDefinitions"][5]["priority"], 1);
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "web-0",
                "1/1",
                "Running",
                "0",
                "8m25s",
                "10.244.0.5",
                "node-1",
                "<none>",
                "<none>"
            ])
        );
        assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
        assert_eq!(t["rows"][0]["object"]["metadata"]["name"], "web-0");
    }

    #[test]
    fn terminating_pod_row() {
        let pod = json!({
            "metadata": {"name": "web-1", "creationTimestamp": "2026-02-24T17:00:00Z",
                         "deletionTimestamp": "2026-03-01T11:59:50Z"},
            "spec": {"containers": [{"name": "app"}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "app", "ready": true,
                "state": {"running": {}}}]}
        });
        let cells = row_cells("pods", &pod, now());
        assert_eq!(cells[1], "1/1");
        assert_eq!(cells[2], "Terminating");
        assert_eq!(cells[4], "4d19h");
        assert_eq!(cells[5], "<none>");
    }

    #[test]
    fn crashloop_pod_row() {
        let pod = json!({
            "metadata": {"name": "web-2", "creationTimestamp": "2026-02-18T12:00:00Z"},
            "spec": {"containers": [{"name": "app"}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "app", "ready": false,
                "restartCount": 8,
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastTerminationState": {"terminated": {"exitCode": 1, "reason": "Error",
                    "finishedAt": "2026-03-01T11:11:00Z"}}}]}
        });
        let cells = row_cells("pods", &pod, now());
        assert_eq!(
            cells[..5],
            [
                json!("web-2"),
                json!("0/1"),
                json!("CrashLoopBackOff"),
                json!("8 (49m ago)"),
                json!("11d")
            ]
        );
        let done = json!({"metadata": {"name": "j"}, "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Succeeded", "containerStatuses": [{"name": "a", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}});
        let t = to_table("pods", &[done], now(), IncludeObject::None, &json!({}));
        assert_eq!(t["rows"][0]["cells"][2], "Completed");
        assert_eq!(t["rows"][0]["conditions"][0]["reason"], "Succeeded");
        assert_eq!(t["rows"][0]["object"], Value::Null);
    }

    #[test]
    fn bound_pvc_row() {
        let pvc = json!({
            "metadata": {"name": "data-web-0", "creationTimestamp": "2026-03-01T11:59:29Z"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                     "storageClassName": "standard", "volumeName": "pvc-1234", "volumeMode": "Filesystem"},
            "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1024Mi"}}
        });
        assert_eq!(
            row_cells("persistentvolumeclaims", &pvc, now()),
            vec![
                json!("data-web-0"),
                json!("Bound"),
                json!("pvc-1234"),
                json!("1Gi"),
                json!("RWO"),
                json!("standard"),
                json!("<unset>"),
                json!("31s"),
                json!("Filesystem")
            ]
        );
        let pending =
            json!({"metadata": {"name": "p"}, "spec": {}, "status": {"phase": "Pending"}});
        let cells = row_cells("persistentvolumeclaims", &pending, now());
        assert_eq!(cells[3], "");
        assert_eq!(cells[7], "<unknown>");
    }

    #[test]
    fn load_balancer_service_row() {
        let svc = json!({
            "metadata": {"name": "web", "creationTimestamp": "2026-03-01T11:18:00Z"},
            "spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.20", "clusterIPs": ["10.96.0.20"],
                     "ports": [{"port": 8080, "nodePort": 30967, "protocol": "TCP"}],
                     "selector": {"app": "web"}},
            "status": {"loadBalancer": {}}
        });
        assert_eq!(
            row_cells("services", &svc, now()),
            vec![
                json!("web"),
                json!("LoadBalancer"),
                json!("10.96.0.20"),
                json!("<pending>"),
                json!("8080:30967/TCP"),
                json!("42m"),
                json!("app=web")
            ]
        );
        let headless = json!({"metadata": {"name": "h"}, "spec": {"clusterIP": "None", "clusterIPs": ["None"], "ports": [{"port": 80, "protocol": "TCP"}]}});
        let cells = row_cells("services", &headless, now());
        assert_eq!(cells[1], "ClusterIP");
        assert_eq!(cells[2], "None");
        assert_eq!(cells[3], "<none>");
        assert_eq!(cells[6], "<none>");
    }

    #[test]
    fn other_rows() {
        let sts = json!({"metadata": {"name": "web"}, "spec": {"replicas": 3,
            "template": {"spec": {"containers": [{"name": "app", "image": "nginx:1"}, {"name": "side", "image": "busybox"}]}}},
            "status": {"readyReplicas": 2}});
        assert_eq!(
            row_cells("statefulsets", &sts, now())[..2],
            [json!("web"), json!("2/3")]
        );
        assert_eq!(row_cells("statefulsets", &sts, now())[3], "app,side");
        let cr = json!({"metadata": {"name": "web-7c6d8f9b5", "ownerReferences": [{"apiVersion": "apps/v1",
            "kind": "StatefulSet", "name": "web", "controller": true}]}, "revision": 2});
        assert_eq!(
            row_cells("controllerrevisions", &cr, now())[..3],
            [
                json!("web-7c6d8f9b5"),
                json!("statefulset.apps/web"),
                json!(2)
            ]
        );
        let pv = json!({"metadata": {"name": "pvc-1"}, "spec": {"capacity": {"storage": "5Gi"},
            "accessModes": ["ReadWriteOnce"], "persistentVolumeReclaimPolicy": "Delete",
            "claimRef": {"namespace": "default", "name": "data-web-0"}, "storageClassName": "standard",
            "volumeMode": "Filesystem"}, "status": {"phase": "Bound"}});
        assert_eq!(
            row_cells("persistentvolumes", &pv, now()),
            vec![
                json!("pvc-1"),
                json!("5Gi"),
                json!("RWO"),
                json!("Delete"),
                json!("Bound"),
                json!("default/data-web-0"),
                json!("standard"),
                json!("<unset>"),
                json!(""),
                json!("<unknown>"),
                json!("Filesystem")
            ]
        );
        let sc = json!({"metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "rancher.io/local-path", "allowVolumeExpansion": true});
        assert_eq!(
            row_cells("storageclasses", &sc, now())[..5],
            [
                json!("standard (default)"),
                json!("rancher.io/local-path"),
                json!("Delete"),
                json!("Immediate"),
                json!(true)
            ]
        );
        let ev = json!({"metadata": {"name": "web-0.1"}, "type": "Normal", "reason": "Scheduled",
            "involvedObject": {"kind": "Pod", "name": "web-0"}, "message": "ok ",
            "lastTimestamp": "2026-03-01T11:59:00Z", "firstTimestamp": "2026-03-01T11:58:00Z",
            "source": {"component": "default-scheduler"}});
        assert_eq!(
            row_cells("events", &ev, now()),
            vec![
                json!("60s"),
                json!("Normal"),
                json!("Scheduled"),
                json!("pod/web-0"),
                json!(""),
                json!("default-scheduler"),
                json!("ok"),
                json!("2m"),
                json!(1),
                json!("web-0.1")
            ]
        );
        let ep = json!({"metadata": {"name": "web"}, "subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"},
            {"ip": "10.0.0.3"}, {"ip": "10.0.0.4"}], "ports": [{"port": 80}]}]});
        assert_eq!(
            row_cells("endpoints", &ep, now())[1],
            "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more..."
        );
        let node = json!({"metadata": {"name": "n1", "labels": {"node-role.kubernetes.io/control-plane": ""}},
            "status": {"conditions": [{"type": "Ready", "status": "True"}], "nodeInfo": {"kubeletVersion": "v1.36.0"}}});
        assert_eq!(
            row_cells("nodes", &node, now())[..5],
            [
                json!("n1"),
                json!("Ready"),
                json!("control-plane"),
                json!("<unknown>"),
                json!("v1.36.0")
            ]
        );
        let ns = json!({"metadata": {"name": "default"}, "status": {"phase": "Active"}});
        assert_eq!(row_cells("namespaces", &ns, now())[1], "Active");
        let other = json!({"metadata": {"name": "x", "creationTimestamp": "2026-03-01T11:59:00Z"}});
        assert_eq!(
            row_cells("leases", &other, now()),
            vec![json!("x"), json!("60s")]
        );
        let full = to_table(
            "leases",
            std::slice::from_ref(&other),
            now(),
            IncludeObject::Object,
            &json!({}),
        );
        assert_eq!(full["rows"][0]["object"], other);
        assert_eq!(IncludeObject::from_query(None), IncludeObject::Metadata);
        assert_eq!(
            IncludeObject::from_query(Some("Object")),
            IncludeObject::Object
        );
    }
}
