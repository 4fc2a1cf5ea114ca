//! The HTTP front of the simulated API server: parses Kubernetes REST paths, applies
//! injected faults, and dispatches to discovery, CRUD, watch, exec and proxy handlers.

mod routing;

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Request, State as AxState};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};

use crate::apiserver::errors::{success_status, ApiError};
use crate::apiserver::faults::RequestInfo;
use crate::apiserver::params::ListOptions;
use crate::apiserver::tables::IncludeObject;
use crate::apiserver::{discovery, tables, watch};
use crate::machinery::api::DeleteOptions;
use crate::machinery::patch::PatchType;
use crate::machinery::resources::ResourceType;
use crate::machinery::selectors::{FieldSelector, LabelSelector};
use crate::machinery::{api, resources};
use crate::state::SharedState;

pub use routing::{parse_route, url_decode, Query, ResourcePath, Route};

/// Builds the router serving the whole API.
pub fn router(state: SharedState) -> Router {
    Router::new().fallback(handle).with_state(state)
}

/// A JSON answer.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// An error answer (a `Status` body, with `Retry-After` when set).
pub fn error_response(e: &ApiError) -> Response {
    let mut resp = json_response(
        StatusCode::from_u16(e.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        &e.to_status(),
    );
    if let Some(secs) = e.retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    resp
}

fn rbac_verb(method: &Method, path: &ResourcePath, query: &Query) -> &'static str {
    match (method.as_str(), path.sub.as_deref()) {
        ("GET", Some(_)) => "get",
        ("GET", None) if path.name.is_none() => {
            if query.flag("watch") || path.legacy_watch {
                "watch"
            } else {
                "list"
            }
        }
        ("GET", None) if path.legacy_watch => "watch",
        ("GET", None) => "get",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", None) if path.name.is_none() => "deletecollection",
        ("DELETE", _) => "delete",
        _ => "get",
    }
}

/// The second check upstream makes of a WebSocket upgrade to `pods/exec`, `attach` or
/// `portforward` (feature gate AuthorizePodWebsocketUpgradeCreatePermission, on by default
/// since 1.35): the GET handshake needs `get`, and `create` as a SPDY POST does.
fn websocket_upgrade_create(
    method: &Method,
    route: &Route,
    attrs: &crate::apiserver::auth::authz::Attributes,
) -> Option<crate::apiserver::auth::authz::Attributes> {
    let Route::Resource(p) = route else {
        return None;
    };
    let streaming = matches!(p.sub.as_deref(), Some("exec" | "attach" | "portforward"));
    (method == Method::GET && streaming && p.rt.plural == "pods").then(|| {
        let mut create = attrs.clone();
        create.verb = "create".to_string();
        create
    })
}

/// The single entry point of every request.
async fn handle(
    AxState(state): AxState<SharedState>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let user =
        match crate::apiserver::auth::guard::user_of(&state, &parts.headers, &parts.extensions) {
            Ok(u) => u,
            Err(e) => return error_response(&e),
        };
    let method = parts.method.clone();
    let path = parts.uri.path().to_string();
    let query = Query::parse(parts.uri.query());
    let raw_query = parts.uri.query().map(str::to_string);
    let headers = parts.headers.clone();
    let body = match axum::body::to_bytes(body, 64 << 20).await {
        Ok(b) => b,
        Err(e) => return error_response(&ApiError::bad_request(format!("reading the body: {e}"))),
    };
    // Protobuf bodies become JSON here: everything behind this point works on JSON.
    let (headers, body) = match crate::apiserver::protobuf::http::request_to_json(headers, body) {
        Ok(hb) => hb,
        Err(e) => return error_response(&e),
    };
    let wants_protobuf = crate::apiserver::protobuf::accept_prefers(
        headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    if let Some(bad) = path
        .split('/')
        .find_map(|seg| crate::apiserver::params::decode_path_segment(seg).err())
    {
        return error_response(&ApiError::bad_request(format!("invalid path: {bad}")));
    }
    let route = parse_route(&path);
    let attrs = match &route {
        Route::Resource(p) => crate::apiserver::auth::guard::resource_attributes(
            p,
            rbac_verb(&method, p, &query),
            &query,
        ),
        _ => crate::apiserver::auth::guard::path_attributes(&method, &path),
    };
    if let Err(e) = crate::apiserver::auth::guard::authorize(&state, &user, &attrs) {
        return error_response(&e);
    }
    let upgrade_create = websocket_upgrade_create(&method, &route, &attrs);
    if let Some(create) = &upgrade_create {
        if let Err(e) = crate::apiserver::auth::guard::authorize(&state, &user, create) {
            return error_response(&e);
        }
    }
    if let Route::Resource(p) = &route {
        let info = RequestInfo {
            // Faults and counts name an exec `create` however it connects (as a SPDY POST).
            verb: upgrade_create.as_ref().unwrap_or(&attrs).verb.clone(),
            resource: match &p.sub {
                Some(s) => format!("{}/{}", p.rt.plural, s),
                None => p.rt.plural.to_string(),
            },
            namespace: p.namespace.clone().unwrap_or_default(),
            name: p.name.clone().unwrap_or_default(),
        };
        let verdict = state.faults.on_request(&info);
        if !verdict.delay.is_zero() {
            tokio::time::sleep(verdict.delay).await;
        }
        if verdict.forbidden {
            return error_response(&ApiError::forbidden(
                p.rt,
                p.sub.as_deref(),
                &info.verb,
                p.name.as_deref().unwrap_or(""),
                p.namespace.as_deref().filter(|_| p.rt.namespaced),
                &user.name,
            ));
        }
        if let Some((code, retry_after)) = verdict.fail {
            let mut e = ApiError::with_code(code);
            if code == 429 {
                e.retry_after = Some(retry_after);
            }
            return error_response(&e);
        }
    }
    let mut ctx = Ctx {
        state,
        user,
        method,
        headers,
        query,
        raw_query,
        body,
    };
    match route {
        Route::Version => json_response(
            StatusCode::OK,
            &discovery::version(&ctx.state.opts.git_version),
        ),
        Route::Health => (StatusCode::OK, "ok").into_response(),
        Route::CoreVersions | Route::Groups => {
            let core = route == Route::CoreVersions;
            let accept = ctx.header(header::ACCEPT.as_str());
            match discovery::wants_aggregated(&accept) {
                Some(v) => {
                    let mut resp = json_response(StatusCode::OK, &discovery::aggregated(core, v));
                    let ct = format!(
                        "application/json;g=apidiscovery.k8s.io;v={v};as=APIGroupDiscoveryList"
                    );
                    if let Ok(hv) = HeaderValue::from_str(&ct) {
                        resp.headers_mut().insert(header::CONTENT_TYPE, hv);
                    }
                    resp
                }
                None if core => json_response(
                    StatusCode::OK,
                    &discovery::api_versions(&ctx.header("host")),
                ),
                None => json_response(StatusCode::OK, &discovery::api_group_list()),
            }
        }
        Route::Group(g) => match discovery::api_group(&g) {
            Some(v) => json_response(StatusCode::OK, &v),
            None => error_response(&ApiError::no_route(&path)),
        },
        Route::ResourceList(g) => json_response(StatusCode::OK, &discovery::resource_list(&g)),
        Route::OpenApiRoot => {
            json_response(StatusCode::OK, &crate::apiserver::openapi::root_index())
        }
        Route::OpenApiGroup(g) => {
            match crate::apiserver::openapi::document(&crate::apiserver::openapi::path_key(&g)) {
                Some(doc) => json_response(StatusCode::OK, &doc.body),
                None => error_response(&ApiError::no_route(&path)),
            }
        }
        Route::Admin(what) => match (what.as_str(), &ctx.method) {
            ("requests", &Method::GET) => json_response(
                StatusCode::OK,
                &crate::apiserver::admin::request_counts(&ctx.state.faults),
            ),
            ("faults", &Method::POST) => {
                match parse_json(&ctx.body)
                    .and_then(|v| crate::apiserver::admin::apply(&ctx.state.faults, &v))
                {
                    Ok(()) => success(),
                    Err(e) => error_response(&e),
                }
            }
            _ => error_response(&ApiError::no_route(&path)),
        },
        Route::NotFound => error_response(&ApiError::no_route(&path)),
        Route::Resource(p) => {
            let resp = match ctx.resource(p, ws.ok()).await {
                Ok(resp) => resp,
                Err(e) => error_response(&e),
            };
            if wants_protobuf {
                crate::apiserver::protobuf::http::response_to_protobuf(resp).await
            } else {
                resp
            }
        }
    }
}

/// One request's context.
struct Ctx {
    state: SharedState,
    user: crate::apiserver::auth::authn::UserInfo,
    method: Method,
    headers: HeaderMap,
    query: Query,
    raw_query: Option<String>,
    body: Bytes,
}

fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!(
            "the body of the request could not be decoded as JSON: {e}"
        ))
    })
}

fn list_kind(rt: &ResourceType) -> String {
    format!("{}List", rt.kind)
}

impl Ctx {
    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }

    fn wants_table(&self) -> bool {
        let accept = self.header(header::ACCEPT.as_str());
        accept
            .split(',')
            .next()
            .is_some_and(|first| first.contains("as=Table"))
    }

    fn include_object(&self) -> IncludeObject {
        match self.query.get("includeObject") {
            Some("None") => IncludeObject::None,
            Some("Object") => IncludeObject::Object,
            _ => IncludeObject::Metadata,
        }
    }

    fn one(&self, status: StatusCode, rt: &ResourceType, obj: &Value) -> Response {
        if self.wants_table() && self.method == Method::GET {
            let t = tables::to_table(
                rt.plural,
                std::slice::from_ref(obj),
                jiff::Timestamp::now(),
                self.include_object(),
                &json!({"resourceVersion": obj["metadata"]["resourceVersion"]}),
            );
            return json_response(status, &t);
        }
        json_response(status, obj)
    }

    /// Serves a resource path after checking a write's fields against the kind's schema
    /// (`fieldValidation`); Warn-mode findings become `Warning` headers.
    async fn resource(
        &mut self,
        p: ResourcePath,
        ws: Option<WebSocketUpgrade>,
    ) -> Result<Response, ApiError> {
        let checked = crate::apiserver::openapi::unknown_fields::check_write(
            p.rt,
            p.sub.as_deref(),
            &self.method,
            &self.header(header::CONTENT_TYPE.as_str()),
            &self.body,
            self.query.get("fieldValidation"),
        )?;
        if let Some(body) = checked.pruned_body {
            self.body = body.into();
        }
        let mut resp = self.dispatch_resource(p, ws).await?;
        for w in checked.warnings {
            if let Ok(v) = HeaderValue::from_str(&w) {
                resp.headers_mut().append(header::WARNING, v);
            }
        }
        Ok(resp)
    }

    async fn dispatch_resource(
        &self,
        p: ResourcePath,
        ws: Option<WebSocketUpgrade>,
    ) -> Result<Response, ApiError> {
        let rt = p.rt;
        let ns = if rt.namespaced {
            p.namespace.clone().unwrap_or_default()
        } else {
            String::new()
        };
        if rt.namespaced && p.name.is_some() && p.namespace.is_none() {
            return Err(ApiError::no_route(
                "namespaced object addressed without a namespace",
            ));
        }
        let dry = self.query.dry_run();
        let st = &self.state;
        match (&p.name, p.sub.as_deref()) {
            (Some(name), Some("exec")) => {
                let Some(ws) = ws else {
                    return Err(ApiError::bad_request("Upgrade request required"));
                };
                let params = crate::apiserver::exec::ExecParams::from_query(
                    self.raw_query.as_deref().unwrap_or(""),
                );
                crate::apiserver::exec::exec(st.clone(), ns, name.clone(), params, ws).await
            }
            (Some(name), Some("portforward")) => crate::apiserver::portforward::portforward(
                st.clone(),
                ns,
                name.clone(),
                self.raw_query.as_deref().unwrap_or(""),
                ws,
            ),
            (Some(name), Some("proxy")) => {
                let q = self.raw_query.as_deref();
                match rt.plural {
                    "pods" => {
                        crate::apiserver::proxy::proxy_pod(st, &ns, name, &p.rest, &self.method, q)
                            .await
                    }
                    "services" => {
                        crate::apiserver::proxy::proxy_service(
                            st,
                            &ns,
                            name,
                            &p.rest,
                            &self.method,
                            q,
                        )
                        .await
                    }
                    _ => {
                        crate::apiserver::proxy::proxy_node(st, name, &p.rest, &self.method, q)
                            .await
                    }
                }
            }
            (Some(name), Some("log")) => self.log(ns, name),
            (Some(name), Some("eviction")) if self.method == Method::POST => {
                let body = parse_json(&self.body)?;
                let status = crate::apiserver::eviction::evict(st, &ns, name, &body, dry)?;
                Ok(json_response(StatusCode::CREATED, &status))
            }
            (Some(name), Some("scale")) => {
                let out = match self.method {
                    Method::GET => {
                        let obj = st
                            .store
                            .get(rt, &ns, name)
                            .ok_or_else(|| ApiError::not_found(rt, name))?;
                        api::scale_of(&obj)
                    }
                    Method::PUT => api::update_scale(
                        st,
                        rt,
                        &ns,
                        name,
                        None,
                        Some(parse_json(&self.body)?),
                        dry,
                    )?,
                    Method::PATCH => {
                        let kind = self.patch_type()?;
                        api::update_scale(st, rt, &ns, name, Some((kind, &self.body)), None, dry)?
                    }
                    _ => {
                        return Err(ApiError::method_not_allowed(
                            "scale accepts GET, PUT and PATCH",
                        ))
                    }
                };
                Ok(json_response(StatusCode::OK, &out))
            }
            (Some(name), sub) => self.object(rt, &ns, name, sub, dry).await,
            (None, _) => {
                self.collection(
                    rt,
                    p.namespace.as_deref().filter(|_| rt.namespaced),
                    &p,
                    dry,
                )
                .await
            }
        }
    }

    /// `GET .../pods/NAME/log` (see [`crate::apiserver::logs`]); `follow` streams.
    fn log(&self, ns: String, name: &str) -> Result<Response, ApiError> {
        let pairs = self.query.pairs().map(|(k, v)| (k.as_str(), v.as_str()));
        let params = crate::apiserver::logs::LogParams::from_pairs(pairs, jiff::Timestamp::now())?;
        let answer = crate::apiserver::logs::read(&self.state, &ns, name, &params)?;
        let text_plain = [(header::CONTENT_TYPE, "text/plain")];
        let Some(key) = answer.follow else {
            return Ok((StatusCode::OK, text_plain, answer.text).into_response());
        };
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        let first = Bytes::from(answer.text);
        let state = self.state.clone();
        let pod = name.to_string();
        tokio::spawn(async move {
            if !first.is_empty() && tx.send(first).await.is_err() {
                return;
            }
            crate::apiserver::logs::follow(state, ns, pod, key, params.timestamps, tx).await;
        });
        Ok((StatusCode::OK, text_plain, stream_body(rx)).into_response())
    }

    fn patch_type(&self) -> Result<PatchType, ApiError> {
        let ct = self.header(header::CONTENT_TYPE.as_str());
        PatchType::from_content_type(&ct).ok_or_else(|| {
            let mut e =
                ApiError::bad_request(format!("the server does not support the patch type {ct:?}"));
            e.code = 415;
            e.reason = "UnsupportedMediaType";
            e
        })
    }

    async fn object(
        &self,
        rt: &'static ResourceType,
        ns: &str,
        name: &str,
        sub: Option<&str>,
        dry: bool,
    ) -> Result<Response, ApiError> {
        let st = &self.state;
        match self.method {
            Method::GET => {
                let obj = st
                    .store
                    .get(rt, ns, name)
                    .ok_or_else(|| ApiError::not_found(rt, name))?;
                Ok(self.one(StatusCode::OK, rt, &obj))
            }
            Method::PUT => {
                let obj = api::update(st, rt, ns, name, sub, parse_json(&self.body)?, dry)?;
                Ok(json_response(StatusCode::OK, &obj))
            }
            Method::PATCH => {
                let kind = self.patch_type()?;
                if kind == PatchType::Apply && sub.is_none() {
                    let (obj, created) = api::server_side_apply(
                        st,
                        rt,
                        ns,
                        name,
                        &self.body,
                        self.query.get("fieldManager"),
                        self.query.flag("force"),
                        dry,
                    )?;
                    let code = if created {
                        StatusCode::CREATED
                    } else {
                        StatusCode::OK
                    };
                    return Ok(json_response(code, &obj));
                }
                let obj = api::patch(st, rt, ns, name, sub, kind, &self.body, dry)?;
                Ok(json_response(StatusCode::OK, &obj))
            }
            Method::DELETE => {
                let mut opts = DeleteOptions::from_body(&self.body)?;
                if let Some(p) = self.query.get("propagationPolicy") {
                    opts.propagation = Some(p.to_string());
                }
                if let Some(g) =
                    crate::apiserver::params::query_int64(self.query.get("gracePeriodSeconds"))?
                {
                    opts.grace_period_seconds = Some(g);
                }
                opts.dry_run |= dry;
                let obj = api::delete(st, rt, ns, name, &opts)?;
                let still_there = st.store.get(rt, ns, name).is_some();
                Ok(json_response(
                    if still_there {
                        StatusCode::ACCEPTED
                    } else {
                        StatusCode::OK
                    },
                    &obj,
                ))
            }
            _ => Err(ApiError::method_not_allowed(format!(
                "{} is not allowed on an object",
                self.method
            ))),
        }
    }

    fn selectors(&self, rt: &ResourceType) -> Result<(LabelSelector, FieldSelector), ApiError> {
        let labels = match self.query.get("labelSelector") {
            Some(s) => LabelSelector::parse(s).map_err(ApiError::bad_request)?,
            None => LabelSelector::everything(),
        };
        let fields_str = self.query.get("fieldSelector").unwrap_or("");
        let fields = FieldSelector::parse(fields_str).map_err(ApiError::bad_request)?;
        fields
            .validate_for(rt.plural)
            .map_err(ApiError::bad_request)?;
        Ok((labels, fields))
    }

    async fn collection(
        &self,
        rt: &'static ResourceType,
        ns: Option<&str>,
        p: &ResourcePath,
        dry: bool,
    ) -> Result<Response, ApiError> {
        let st = &self.state;
        if resources::create_only(rt) {
            if self.method != Method::POST {
                return Err(ApiError::method_not_allowed(format!(
                    "{} accepts only POST",
                    rt.qualified()
                )));
            }
            if rt.kind == "SelfSubjectReview" {
                let review = crate::apiserver::auth::authz::who_am_i(
                    rt,
                    &self.user,
                    parse_json(&self.body)?,
                )?;
                return Ok(json_response(StatusCode::CREATED, &review));
            }
            let review = crate::apiserver::auth::authz::review_with(
                rt,
                &|attrs| crate::apiserver::auth::rbac::authorize(st, &self.user, attrs),
                &|ns| crate::apiserver::auth::rbac::rules_review(st, &self.user, ns),
                parse_json(&self.body)?,
            )?;
            return Ok(json_response(StatusCode::CREATED, &review));
        }
        match self.method {
            Method::GET => {
                let (labels, fields) = self.selectors(rt)?;
                let mut list_opts = ListOptions::parse(|k| self.query.get(k))?;
                list_opts.watch |= p.legacy_watch;
                if list_opts.watch {
                    let mut since = list_opts.resource_version_number()?;
                    if list_opts.send_initial_events == Some(false) && since.is_none() {
                        // `sendInitialEvents=false` without a version: changes from now on only.
                        since = Some(st.store.resource_version());
                    }
                    let opts = watch::WatchOptions {
                        rt,
                        namespace: ns.map(str::to_string),
                        labels,
                        fields,
                        resource_version: since,
                        timeout: list_opts
                            .timeout_seconds
                            .filter(|t| *t > 0)
                            .map(|t| Duration::from_secs(t as u64))
                            .unwrap_or(Duration::from_secs(1800)),
                        bookmarks: list_opts.allow_watch_bookmarks,
                        send_initial_events: list_opts.send_initial_events == Some(true),
                        table: self.wants_table().then(|| self.include_object()),
                    };
                    return watch::serve(st.clone(), opts);
                }
                list_opts.check_list_version(st.store.resource_version())?;
                self.list(rt, ns, &labels, &fields, list_opts.limit)
            }
            Method::POST => {
                let body = parse_json(&self.body)?;
                let obj = api::create(st, rt, ns.unwrap_or(""), body, dry)?;
                Ok(json_response(StatusCode::CREATED, &obj))
            }
            Method::DELETE => {
                let (labels, fields) = self.selectors(rt)?;
                let opts = DeleteOptions::from_body(&self.body)?;
                let (items, rv) = st.store.list(rt, ns);
                let mut deleted = Vec::new();
                for obj in items.iter().filter(|o| selected(o, &labels, &fields)) {
                    let name = obj["metadata"]["name"].as_str().unwrap_or("");
                    let o_ns = obj["metadata"]["namespace"].as_str().unwrap_or("");
                    if let Ok(d) = api::delete(st, rt, o_ns, name, &opts) {
                        deleted.push((*d).clone());
                    }
                }
                let _ = dry;
                Ok(json_response(
                    StatusCode::OK,
                    &json!({"kind": list_kind(rt), "apiVersion": rt.api_version(), "metadata": {"resourceVersion": rv.to_string()}, "items": deleted}),
                ))
            }
            _ => Err(ApiError::method_not_allowed(format!(
                "{} is not allowed on a collection",
                self.method
            ))),
        }
    }

    fn list(
        &self,
        rt: &'static ResourceType,
        ns: Option<&str>,
        labels: &LabelSelector,
        fields: &FieldSelector,
        limit: i64,
    ) -> Result<Response, ApiError> {
        let (items, rv) = self.state.store.list(rt, ns);
        let selected_items: Vec<Value> = items
            .iter()
            .filter(|o| selected(o, labels, fields))
            .map(|o| (**o).clone())
            .collect();
        let offset: usize = match self.query.get("continue").filter(|c| !c.is_empty()) {
            Some(token) => token
                .strip_prefix("offset-")
                .and_then(|t| t.parse().ok())
                .ok_or_else(|| {
                    ApiError::bad_request(format!("invalid continue token {token:?}"))
                })?,
            None => 0,
        };
        let limit: usize = usize::try_from(limit)
            .ok()
            .filter(|l| *l > 0)
            .unwrap_or(usize::MAX);
        let total = selected_items.len();
        let page: Vec<Value> = selected_items
            .into_iter()
            .skip(offset)
            .take(limit)
            .collect();
        let next = offset.saturating_add(page.len());
        let mut meta = json!({"resourceVersion": rv.to_string()});
        if next < total {
            meta["continue"] = json!(format!("offset-{next}"));
            meta["remainingItemCount"] = json!(total - next);
        }
        if self.wants_table() {
            let t = tables::to_table(
                rt.plural,
                &page,
                jiff::Timestamp::now(),
                self.include_object(),
                &meta,
            );
            return Ok(json_response(StatusCode::OK, &t));
        }
        Ok(json_response(
            StatusCode::OK,
            &json!({"kind": list_kind(rt), "apiVersion": rt.api_version(), "metadata": meta, "items": page}),
        ))
    }
}

/// Whether an object passes label and field selectors.
pub fn selected(obj: &Value, labels: &LabelSelector, fields: &FieldSelector) -> bool {
    let empty = serde_json::Map::new();
    let l = obj["metadata"]["labels"].as_object().unwrap_or(&empty);
    labels.matches(l) && fields.matches(obj)
}

/// A plain `Success` status answer.
pub fn success() -> Response {
    json_response(StatusCode::OK, &success_status())
}

/// A streaming body from a receiver of chunks.
pub fn stream_body(rx: tokio::sync::mpsc::Receiver<Bytes>) -> Body {
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<Bytes, std::io::Error>(chunk), rx))
    });
    Body::from_stream(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(path: &str) -> ResourcePath {
        match parse_route(path) {
            Route::Resource(p) => p,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn parses_namespaced_and_cluster_paths() {
        let p = res("/apis/apps/v1/namespaces/prod/statefulsets/web/scale");
        assert_eq!(p.rt.plural, "statefulsets");
        assert_eq!(p.namespace.as_deref(), Some("prod"));
        assert_eq!(p.name.as_deref(), Some("web"));
        assert_eq!(p.sub.as_deref(), Some("scale"));
        let p = res("/api/v1/namespaces/prod");
        assert_eq!(p.rt.plural, "namespaces");
        assert_eq!(p.name.as_deref(), Some("prod"));
        let p = res("/api/v1/namespaces/default/pods/web-0:8080/proxy/visits/x");
        assert_eq!(p.name.as_deref(), Some("web-0:8080"));
        assert_eq!(p.rest, "visits/x");
        let p = res("/api/v1/pods");
        assert_eq!(p.namespace, None);
        let p = res("/api/v1/nodes/node-1/proxy/stats/summary");
        assert_eq!(p.rest, "stats/summary");
        let p = res("/api/v1/watch/namespaces/default/pods");
        assert!(p.legacy_watch);
        assert_eq!(parse_route("/apis/batch/v1/jobs"), Route::NotFound);
        assert_eq!(
            parse_route("/api/v1/namespaces/default/pods/x/bogus"),
            Route::NotFound
        );
        assert_eq!(
            parse_route("/apis/apps/v1"),
            Route::ResourceList("apps".into())
        );
    }

    #[test]
    fn query_decoding_keeps_repeats() {
        let q = Query::parse(Some("command=cat&command=%2Fdata%2Fa%20b%3B&container=app"));
        let cmds: Vec<&str> =
            q.0.iter()
                .filter(|(k, _)| k == "command")
                .map(|(_, v)| v.as_str())
                .collect();
        assert_eq!(cmds, vec!["cat", "/data/a b;"]);
        assert_eq!(url_decode("a+b%zz"), "a b%zz");
    }
}
