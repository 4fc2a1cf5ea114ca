//! API semantics on top of the store, shared by the HTTP handlers and the controllers:
//! defaulting, validation, the `status` and `scale` subresources, patches, preconditions,
//! graceful deletion and propagation policies.

use serde_json::{json, Value};

use crate::apiserver::errors::ApiError;
use crate::machinery::patch::{apply_patch, PatchError, PatchType};
use crate::machinery::resources::{self, ResourceType};
use crate::machinery::store::Obj;
use crate::machinery::{defaults, typecheck, validation};
use crate::state::State;

/// Finalizer the API server puts on every claim (kubernetes.io/pvc-protection).
pub const PVC_PROTECTION: &str = "kubernetes.io/pvc-protection";
/// Finalizer the API server puts on every volume.
pub const PV_PROTECTION: &str = "kubernetes.io/pv-protection";
/// Finalizer of a foreground deletion.
pub const FOREGROUND: &str = "foregroundDeletion";

/// Options of a DELETE (`meta/v1 DeleteOptions` plus the query's `dryRun`).
#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    /// `Background` (default), `Foreground` or `Orphan`.
    pub propagation: Option<String>,
    /// Overrides the pod's `terminationGracePeriodSeconds`.
    pub grace_period_seconds: Option<i64>,
    /// Precondition on the uid.
    pub precondition_uid: Option<String>,
    /// Precondition on the resourceVersion.
    pub precondition_rv: Option<String>,
    /// Validate only.
    pub dry_run: bool,
}

impl DeleteOptions {
    /// Reads a `DeleteOptions` body (empty body = defaults).
    pub fn from_body(body: &[u8]) -> Result<Self, ApiError> {
        if body.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(Self::default());
        }
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("invalid DeleteOptions: {e}")))?;
        // `{"gracePeriodSeconds": "x"}` must not read as "no options" (and delete at once).
        typecheck::type_errors::<k8s_openapi::apimachinery::pkg::apis::meta::v1::DeleteOptions>(&v)
            .map_err(ApiError::bad_request)?;
        let mut o = Self {
            propagation: v["propagationPolicy"].as_str().map(str::to_string),
            grace_period_seconds: v["gracePeriodSeconds"].as_i64(),
            precondition_uid: v["preconditions"]["uid"].as_str().map(str::to_string),
            precondition_rv: v["preconditions"]["resourceVersion"]
                .as_str()
                .map(str::to_string),
            dry_run: v["dryRun"].as_array().is_some_and(|a| !a.is_empty()),
        };
        if o.propagation.is_none() && v["orphanDependents"] == json!(true) {
            o.propagation = Some("Orphan".into());
        }
        Ok(o)
    }
}

fn bad_patch(rt: &ResourceType, name: &str, e: PatchError) -> ApiError {
    match e {
        PatchError::TestFailed(msg) => ApiError::invalid(rt, name, msg, Value::Null),
        PatchError::Invalid(msg) => ApiError::bad_request(msg),
    }
}

fn invalid(rt: &ResourceType, e: validation::Invalid) -> ApiError {
    let causes: Vec<Value> = e
        .causes
        .iter()
        .map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field}))
        .collect();
    if e.code == 403 {
        let mut err = ApiError::invalid(rt, &e.name, e.message(), Value::Array(causes));
        err.code = 403;
        err.reason = "Forbidden";
        return err;
    }
    ApiError::invalid(rt, &e.name, e.message(), Value::Array(causes))
}

fn ns_key(rt: &ResourceType, ns: &str) -> String {
    if rt.namespaced {
        ns.to_string()
    } else {
        String::new()
    }
}

/// Fills what the server owns on a new object: initial status, cluster IPs, finalizers.
fn prepare_for_create(state: &State, rt: &ResourceType, obj: &mut Value) {
    match rt.plural {
        "pods" => {
            obj["status"] = json!({"phase": "Pending", "qosClass": "BestEffort"});
        }
        "statefulsets" => {
            obj["status"] = json!({"replicas": 0, "availableReplicas": 0});
        }
        "persistentvolumeclaims" => {
            obj["status"] = json!({"phase": "Pending"});
            add_finalizer(obj, PVC_PROTECTION);
        }
        "persistentvolumes" => {
            if obj["status"]["phase"].is_null() {
                obj["status"] = json!({"phase": "Pending"});
            }
            add_finalizer(obj, PV_PROTECTION);
        }
        "namespaces" => {
            obj["status"] = json!({"phase": "Active"});
        }
        "services" => {
            let headless = obj["spec"]["clusterIP"] == "None";
            let has_ip = obj["spec"]["clusterIP"]
                .as_str()
                .is_some_and(|ip| !ip.is_empty());
            if !headless && !has_ip && obj["spec"]["type"] != "ExternalName" {
                let n = state.store.list(&resources::SERVICES, None).0.len() as u32 + 1;
                let ip = defaults::allocate_cluster_ip(n);
                obj["spec"]["clusterIP"] = json!(ip);
                obj["spec"]["clusterIPs"] = json!([ip]);
            } else if headless {
                obj["spec"]["clusterIPs"] = json!(["None"]);
            }
            let needs_node_port = matches!(
                obj["spec"]["type"].as_str(),
                Some("NodePort" | "LoadBalancer")
            );
            if needs_node_port {
                if let Some(ports) = obj["spec"]["ports"].as_array_mut() {
                    let mut taken: Vec<u16> = ports
                        .iter()
                        .filter_map(|p| p["nodePort"].as_u64())
                        .filter_map(|n| u16::try_from(n).ok())
                        .collect();
                    for p in ports.iter_mut().filter(|p| p["nodePort"].is_null()) {
                        let port = crate::runtime::nodeports::allocate(state, &taken);
                        taken.push(port);
                        p["nodePort"] = json!(port);
                    }
                }
            }
            if obj["status"].is_null() {
                obj["status"] = json!({"loadBalancer": {}});
            }
        }
        _ => {}
    }
}

/// Adds a finalizer if missing.
pub fn add_finalizer(obj: &mut Value, finalizer: &str) {
    let mut list = obj["metadata"]["finalizers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if !list.iter().any(|f| f == finalizer) {
        list.push(json!(finalizer));
    }
    obj["metadata"]["finalizers"] = Value::Array(list);
}

/// Removes a finalizer; returns whether it was there.
pub fn remove_finalizer(obj: &mut Value, finalizer: &str) -> bool {
    let Some(list) = obj["metadata"]["finalizers"].as_array_mut() else {
        return false;
    };
    let before = list.len();
    list.retain(|f| f != finalizer);
    let changed = list.len() != before;
    if list.is_empty() {
        if let Some(m) = obj["metadata"].as_object_mut() {
            m.remove("finalizers");
        }
    }
    changed
}

fn check_kind(rt: &ResourceType, obj: &Value) -> Result<(), ApiError> {
    if let Some(kind) = obj["kind"].as_str() {
        if !kind.is_empty() && kind != rt.kind {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({}) does not match the expected API version ({})",
                obj["apiVersion"].as_str().unwrap_or(""),
                rt.api_version()
            )));
        }
    }
    Ok(())
}

/// Marks a [`write_with`] of a server-side apply, whose `managedFields` are kept.
const APPLY: &str = "\0apply";

/// Server-side apply (`PATCH` with `application/apply-patch+yaml`): creates the object
/// when missing, otherwise merges the configuration with field ownership.
#[allow(clippy::too_many_arguments)]
pub fn server_side_apply(
    state: &State,
    rt: &'static ResourceType,
    ns: &str,
    name: &str,
    body: &[u8],
    manager: Option<&str>,
    force: bool,
    dry_run: bool,
) -> Result<(Obj, bool), ApiError> {
    let manager = crate::machinery::apply::require_manager(manager)?;
    let mut config = crate::machinery::apply::parse_config(body)?;
    check_kind(rt, &config)?;
    match config["metadata"]["name"].as_str() {
        Some(n) if n == name => {}
        Some(n) => {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({n}) does not match the name on the URL ({name})"
            )))
        }
        None => {
            if !config["metadata"].is_object() {
                config["metadata"] = json!({});
            }
            config["metadata"]["name"] = json!(name);
        }
    }
    let req = crate::machinery::apply::ApplyRequest { manager, force };
    if state.store.get(rt, &ns_key(rt, ns), name).is_none() {
        let obj = crate::machinery::apply::apply(rt, None, &config, &req)?;
        return create_object(state, rt, ns, obj, dry_run, true).map(|o| (o, true));
    }
    let written = write_with(state, rt, ns, name, Some(APPLY), dry_run, |current| {
        let mut next = crate::machinery::apply::apply(rt, Some(current), &config, &req)?;
        if rt.has_status() {
            next["status"] = current["status"].clone();
        }
        Ok(next)
    })?;
    Ok((written, false))
}

/// Creates an object as a POST would.
pub fn create(
    state: &State,
    rt: &'static ResourceType,
    ns: &str,
    obj: Value,
    dry_run: bool,
) -> Result<Obj, ApiError> {
    create_object(state, rt, ns, obj, dry_run, false)
}

fn create_object(
    state: &State,
    rt: &'static ResourceType,
    ns: &str,
    mut obj: Value,
    dry_run: bool,
    keep_managed_fields: bool,
) -> Result<Obj, ApiError> {
    check_kind(rt, &obj)?;
    if !obj.is_object() {
        return Err(ApiError::bad_request(
            "the body of the request was not a JSON object",
        ));
    }
    typecheck::check_body(rt, &obj)?;
    if let Some(body_ns) = obj["metadata"]["namespace"].as_str() {
        if rt.namespaced && !body_ns.is_empty() && body_ns != ns {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
    }
    if let Some(m) = obj["metadata"].as_object_mut() {
        for f in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
            "selfLink",
        ] {
            m.remove(f);
        }
        if !keep_managed_fields {
            m.remove("managedFields");
        }
    }
    if rt.namespaced {
        crate::controllers::namespace::check_accepts_content(state, ns)?;
    }
    defaults::apply_defaults(rt.plural, &mut obj);
    prepare_for_create(state, rt, &mut obj);
    validation::validate_create(rt.plural, &obj).map_err(|e| invalid(rt, e))?;
    if dry_run {
        if state
            .store
            .get(
                rt,
                &ns_key(rt, ns),
                obj["metadata"]["name"].as_str().unwrap_or(""),
            )
            .is_some()
        {
            return Err(ApiError::already_exists(
                rt,
                obj["metadata"]["name"].as_str().unwrap_or(""),
            ));
        }
        return Ok(std::sync::Arc::new(obj));
    }
    state.store.create(rt, &ns_key(rt, ns), obj)
}

fn storage_class_allows_expansion(state: &State, pvc: &Value) -> Option<bool> {
    let sc = pvc["spec"]["storageClassName"].as_str()?;
    let obj = state.store.get(&resources::STORAGECLASSES, "", sc)?;
    Some(obj["allowVolumeExpansion"].as_bool().unwrap_or(false))
}

/// Turns the submitted object into the one to store, following subresource rules.
fn merge_for_update(
    rt: &ResourceType,
    sub: Option<&str>,
    current: &Value,
    mut submitted: Value,
) -> Result<Value, ApiError> {
    match sub {
        Some("status") => {
            let mut next = current.clone();
            next["status"] = submitted["status"].take();
            Ok(next)
        }
        Some("ephemeralcontainers") => {
            let mut next = current.clone();
            let old = current["spec"]["ephemeralContainers"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let new = submitted["spec"]["ephemeralContainers"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for o in &old {
                let same = new.iter().find(|n| n["name"] == o["name"]);
                if same != Some(o) {
                    return Err(ApiError::invalid(
                        rt,
                        current["metadata"]["name"].as_str().unwrap_or(""),
                        format!(
                            "Pod \"{}\" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers \"{}\" may not be changed",
                            current["metadata"]["name"].as_str().unwrap_or(""),
                            o["name"].as_str().unwrap_or("")
                        ),
                        Value::Null,
                    ));
                }
            }
            next["spec"]["ephemeralContainers"] = Value::Array(new);
            Ok(next)
        }
        None | Some("") => {
            if rt.has_status() {
                submitted["status"] = current["status"].clone();
            }
            Ok(submitted)
        }
        Some(other) => Err(ApiError::method_not_allowed(format!(
            "the subresource {other} does not accept updates"
        ))),
    }
}

/// Replaces an object as a PUT would (with `sub` = `status` or `ephemeralcontainers`).
pub fn update(
    state: &State,
    rt: &'static ResourceType,
    ns: &str,
    name: &str,
    sub: Option<&str>,
    obj: Value,
    dry_run: bool,
) -> Result<Obj, ApiError> {
    check_kind(rt, &obj)?;
    typecheck::check_body(rt, &obj)?;
    if let Some(body_name) = obj["metadata"]["name"].as_str() {
        if body_name != name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
    }
    let expected = obj["metadata"]["resourceVersion"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    write_with(state, rt, ns, name, sub, dry_run, |current| {
        if let Some(rv) = &expected {
            if current["metadata"]["resourceVersion"].as_str() != Some(rv) {
                return Err(ApiError::conflict(rt, name));
            }
        }
        merge_for_update(rt, sub, current, obj)
    })
}

/// Applies a patch as a PATCH would.
#[allow(clippy::too_many_arguments)]
pub fn patch(
    state: &State,
    rt: &'static ResourceType,
    ns: &str,
    name: &str,
    sub: Option<&str>,
    kind: PatchType,
    body: &[u8],
    dry_run: bool,
) -> Result<Obj, ApiError> {
    write_with(state, rt, ns, name, sub, dry_run, |current| {
        let patched = apply_patch(kind, current, body).map_err(|e| bad_patch(rt, name, e))?;
        typecheck::check_patched(rt, &patched)?;
        if let Some(rv) = patched["metadata"]["resourceVersion"].as_str() {
            if !rv.is_empty() && current["metadata"]["resourceVersion"].as_str() != Some(rv) {
                return Err(ApiError::conflict(rt, name));
            }
        }
        merge_for_update(rt, sub, current, patched)
    })
}

/// Validates and stores a change computed from the current object.
fn write_with<F>(
    state: &State,
    rt: &'static ResourceType,
    ns: &str,
    name: &str,
    sub: Option<&str>,
    dry_run: bool,
    compute: F,
) -> Result<Obj, ApiError>
where
    F: FnOnce(&Value) -> Result<Value, ApiError>,
{
    let key_ns = ns_key(rt, ns);
    // Read what validation needs before taking the store's lock inside `modify`.
    let ctx = validation::UpdateContext {
        storage_class_allows_expansion: match (rt.plural, state.store.get(rt, &key_ns, name)) {
            ("persistentvolumeclaims", Some(claim)) => {
                storage_class_allows_expansion(state, &claim)
            }
            _ => None,
        },
    };
    let mut result_if_dry: Option<Value> = None;
    let written = state.store.modify(rt, &key_ns, name, |cur| {
        let mut next = compute(cur)?;
        if let Some(m) = next["metadata"].as_object_mut() {
            m.remove("selfLink");
            // Go's ObjectMeta drops empty labels/annotations maps (omitempty).
            m.retain(|k, v| {
                !(matches!(k.as_str(), "labels" | "annotations")
                    && v.as_object().is_some_and(|o| o.is_empty()))
            });
        }
        // Field ownership is the server's: an apply computed it, other writes keep it.
        let applied = sub == Some(APPLY) && next["metadata"].get("managedFields").is_some();
        if !applied {
            match cur["metadata"].get("managedFields") {
                Some(mf) if next["metadata"].is_object() => {
                    next["metadata"]["managedFields"] = mf.clone();
                }
                _ => {
                    if let Some(m) = next["metadata"].as_object_mut() {
                        m.remove("managedFields");
                    }
                }
            }
        }
        let sub = sub.filter(|s| *s != APPLY);
        defaults::apply_defaults(rt.plural, &mut next);
        // The ephemeralcontainers subresource may change only that list, which
        // `merge_for_update` already guards; pod-spec immutability applies to the rest.
        let mut compared = next.clone();
        if sub == Some("ephemeralcontainers") {
            compared["spec"]["ephemeralContainers"] = cur["spec"]["ephemeralContainers"].clone();
            if compared["spec"]["ephemeralContainers"].is_null() {
                if let Some(spec) = compared["spec"].as_object_mut() {
                    spec.remove("ephemeralContainers");
                }
            }
        }
        validation::validate_update(rt.plural, cur, &compared, &ctx).map_err(|e| invalid(rt, e))?;
        if dry_run {
            result_if_dry = Some(next);
            return Ok(false);
        }
        *cur = next;
        Ok(true)
    })?;
    Ok(match result_if_dry {
        Some(v) => std::sync::Arc::new(v),
        None => written,
    })
}

/// Changes only the status of an object (for controllers); no-op when unchanged.
pub fn write_status<F>(
    state: &State,
    rt: &'static ResourceType,
    ns: &str,
    name: &str,
    change: F,
) -> Result<Obj, ApiError>
where
    F: FnOnce(&mut Value),
{
    state.store.modify(rt, &ns_key(rt, ns), name, |cur| {
        let before = cur["status"].clone();
        change(&mut cur["status"]);
        Ok(cur["status"] != before)
    })
}

/// The `autoscaling/v1 Scale` view of a StatefulSet.
pub fn scale_of(obj: &Value) -> Value {
    let labels = obj["spec"]["selector"]["matchLabels"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let selector = labels
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
        .collect::<Vec<_>>()
        .join(",");
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": obj["metadata"]["name"],
            "namespace": obj["metadata"]["namespace"],
            "uid": obj["metadata"]["uid"],
            "resourceVersion": obj["metadata"]["resourceVersion"],
            "creationTimestamp": obj["metadata"]["creationTimestamp"],
        },
        "spec": {"replicas": obj["spec"]["replicas"].as_i64().unwrap_or(1)},
        "status": {"replicas": obj["status"]["replicas"].as_i64().unwrap_or(0), "selector": selector},
    })
}

/// Writes the `scale` subresource: only `spec.replicas` of the submitted Scale counts.
pub fn update_scale(
    state: &State,
    rt: &'static ResourceType,
    ns: &str,
    name: &str,
    patch: Option<(PatchType, &[u8])>,
    put: Option<Value>,
    dry_run: bool,
) -> Result<Value, ApiError> {
    let obj = write_with(state, rt, ns, name, Some("scale"), dry_run, |current| {
        let scale = scale_of(current);
        let new_scale = match (&patch, &put) {
            (Some((kind, body)), _) => {
                apply_patch(*kind, &scale, body).map_err(|e| bad_patch(rt, name, e))?
            }
            (None, Some(v)) => v.clone(),
            (None, None) => scale,
        };
        typecheck::check_scale(&new_scale)?;
        if let Some(rv) = new_scale["metadata"]["resourceVersion"].as_str() {
            if !rv.is_empty() && current["metadata"]["resourceVersion"].as_str() != Some(rv) {
                return Err(ApiError::conflict(rt, name));
            }
        }
        let replicas = new_scale["spec"]["replicas"].as_i64().unwrap_or(0);
        let mut next = current.clone();
        next["spec"]["replicas"] = json!(replicas);
        Ok(next)
    })?;
    Ok(scale_of(&obj))
}

/// Ids of objects that name `owner_uid` among their owner references, of every type.
pub fn dependents_of(state: &State, owner_uid: &str) -> Vec<(&'static ResourceType, Obj)> {
    let mut out = Vec::new();
    for rt in resources::ALL.iter().copied() {
        for obj in state.store.list(rt, None).0 {
            let owned = obj["metadata"]["ownerReferences"]
                .as_array()
                .is_some_and(|refs| refs.iter().any(|r| r["uid"] == owner_uid));
            if owned {
                out.push((rt, obj));
            }
        }
    }
    out
}

/// Removes owner references to `owner_uid` from every dependent (the Orphan policy).
pub fn orphan_dependents(state: &State, owner_uid: &str) {
    for (rt, obj) in dependents_of(state, owner_uid) {
        let ns = obj["metadata"]["namespace"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let name = obj["metadata"]["name"].as_str().unwrap_or("").to_string();
        let _ = state.store.modify(rt, &ns, &name, |cur| {
            if let Some(refs) = cur["metadata"]["ownerReferences"].as_array_mut() {
                refs.retain(|r| r["uid"] != owner_uid);
                if refs.is_empty() {
                    if let Some(m) = cur["metadata"].as_object_mut() {
                        m.remove("ownerReferences");
                    }
                }
            }
            Ok(true)
        });
    }
}

/// Deletes an object as a DELETE would: preconditions, graceful pod deletion, finalizers
/// and the propagation policy. Returns the object as it stands after the call.
pub fn delete(
    state: &State,
    rt: &'static ResourceType,
    ns: &str,
    name: &str,
    opts: &DeleteOptions,
) -> Result<Obj, ApiError> {
    let key_ns = ns_key(rt, ns);
    let current = state
        .store
        .get(rt, &key_ns, name)
        .ok_or_else(|| ApiError::not_found(rt, name))?;
    let meta = &current["metadata"];
    if let Some(uid) = &opts.precondition_uid {
        if meta["uid"].as_str() != Some(uid) {
            return Err(ApiError::conflict(rt, name));
        }
    }
    if let Some(rv) = &opts.precondition_rv {
        if meta["resourceVersion"].as_str() != Some(rv) {
            return Err(ApiError::conflict(rt, name));
        }
    }
    if opts.dry_run {
        return Ok(current);
    }
    let uid = meta["uid"].as_str().unwrap_or("").to_string();
    let policy = opts.propagation.as_deref().unwrap_or("Background");
    match policy {
        "Orphan" => orphan_dependents(state, &uid),
        "Foreground" | "Background" => {}
        other => {
            return Err(ApiError::bad_request(format!(
                "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"{other}\": supported values: \"Foreground\", \"Background\", \"Orphan\""
            )))
        }
    }
    if rt.plural == "namespaces" {
        return crate::controllers::namespace::begin_deletion(state, name);
    }
    let has_finalizers = meta["finalizers"].as_array().is_some_and(|a| !a.is_empty());
    if rt.plural == "pods" {
        let grace = opts
            .grace_period_seconds
            .or_else(|| current["spec"]["terminationGracePeriodSeconds"].as_i64())
            .unwrap_or(30);
        let scheduled = current["spec"]["nodeName"]
            .as_str()
            .is_some_and(|n| !n.is_empty());
        let finished = matches!(
            current["status"]["phase"].as_str(),
            Some("Succeeded" | "Failed")
        );
        if grace > 0 && scheduled && !finished {
            let fin = (policy == "Foreground").then_some(FOREGROUND);
            return state.store.mark_deleted(rt, &key_ns, name, grace, fin);
        }
        if !has_finalizers && policy != "Foreground" {
            return state.store.remove(rt, &key_ns, name);
        }
    }
    if policy == "Foreground" {
        return state
            .store
            .mark_deleted(rt, &key_ns, name, 0, Some(FOREGROUND));
    }
    if has_finalizers {
        return state.store.mark_deleted(rt, &key_ns, name, 0, None);
    }
    let removed = state.store.remove(rt, &key_ns, name);
    if policy == "Orphan" {
        // A controller running concurrently may have adopted a dependent between the first
        // orphaning and the removal (upstream's orphan finalizer closes that window): strip
        // again, so the garbage collector never takes an orphaned pod for a dependent.
        orphan_dependents(state, &uid);
    }
    removed
}
