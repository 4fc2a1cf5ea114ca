//! Kubernetes REST paths read as kube-apiserver reads them: which [`Route`] a path is (group,
//! version, namespace, resource, name, subresource), the query string, percent-decoding.

use crate::machinery::resources;
use crate::machinery::resources::ResourceType;

/// A parsed request path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/version`.
    Version,
    /// `/healthz`, `/livez`, `/readyz`.
    Health,
    /// `/api`.
    CoreVersions,
    /// `/apis`.
    Groups,
    /// `/apis/<group>`.
    Group(String),
    /// `/api/v1`, `/apis/<group>/v1`.
    ResourceList(String),
    /// A resource path.
    Resource(ResourcePath),
    /// `/openapi/v3`.
    OpenApiRoot,
    /// `/openapi/v3/api/v1`, `/openapi/v3/apis/<group>/v1`.
    OpenApiGroup(String),
    /// `/sts-sim/...`: the simulator's admin endpoint.
    Admin(String),
    /// Nothing is served here.
    NotFound,
}

/// A path to a collection, an object, or one of its subresources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePath {
    /// The resource type.
    pub rt: &'static ResourceType,
    /// Namespace in the path, if any.
    pub namespace: Option<String>,
    /// Object name, if any.
    pub name: Option<String>,
    /// Subresource, if any.
    pub sub: Option<String>,
    /// Whatever follows the subresource (proxy paths), without the leading slash.
    pub rest: String,
    /// Addressed through the legacy `/watch/` prefix.
    pub legacy_watch: bool,
}

/// Parses a request path.
pub fn parse_route(path: &str) -> Route {
    let trimmed = path.trim_start_matches('/');
    let segs: Vec<&str> = trimmed.split('/').collect();
    match segs.as_slice() {
        ["version"] | ["version", ""] => return Route::Version,
        ["healthz"] | ["livez"] | ["readyz"] => return Route::Health,
        ["api"] | ["api", ""] => return Route::CoreVersions,
        ["apis"] | ["apis", ""] => return Route::Groups,
        ["api", "v1"] | ["api", "v1", ""] => return Route::ResourceList(String::new()),
        ["openapi", "v3"] => return Route::OpenApiRoot,
        ["sts-sim", what] => return Route::Admin(what.to_string()),
        ["openapi", "v3", "api", "v1"] => return Route::OpenApiGroup(String::new()),
        ["openapi", "v3", "apis", g, "v1"] if resources::GROUPS.contains(g) => {
            return Route::OpenApiGroup(g.to_string())
        }
        ["apis", g] | ["apis", g, ""] => return Route::Group(g.to_string()),
        ["apis", g, "v1"] | ["apis", g, "v1", ""] if resources::GROUPS.contains(g) => {
            return Route::ResourceList(g.to_string())
        }
        _ => {}
    }
    let (group, rest_start) = match segs.as_slice() {
        ["api", "v1", ..] => ("", 2),
        ["apis", g, "v1", ..] if resources::GROUPS.contains(g) => (*g, 3),
        _ => return Route::NotFound,
    };
    // Object names and namespaces are percent-decoded; a proxy's rest stays as sent.
    let decoded: Vec<String> = segs
        .iter()
        .map(|s| crate::apiserver::params::decode_path_segment(s).unwrap_or_else(|_| s.to_string()))
        .collect();
    let decoded_rest: Vec<&str> = decoded[rest_start..].iter().map(String::as_str).collect();
    let raw_rest: Vec<&str> = segs[rest_start..].to_vec();
    let (mut r, mut raw) = (decoded_rest, raw_rest);
    let legacy_watch = r.first() == Some(&"watch");
    if legacy_watch {
        r.remove(0);
        raw.remove(0);
    }
    let (namespace, r, raw) = if r.len() >= 3
        && r[0] == "namespaces"
        && resources::lookup(group, r[2]).is_some_and(|rt| rt.namespaced)
    {
        (Some(r[1].to_string()), r[2..].to_vec(), raw[2..].to_vec())
    } else {
        (None, r, raw)
    };
    let Some(rt) = r.first().and_then(|p| resources::lookup(group, p)) else {
        return Route::NotFound;
    };
    let name = r.get(1).filter(|s| !s.is_empty()).map(|s| s.to_string());
    let sub = r.get(2).filter(|s| !s.is_empty()).map(|s| s.to_string());
    if let Some(s) = &sub {
        if !rt.subresources.contains(&s.as_str()) {
            return Route::NotFound;
        }
    }
    let rest = if raw.len() > 3 {
        raw[3..].join("/")
    } else {
        String::new()
    };
    Route::Resource(ResourcePath {
        rt,
        namespace,
        name,
        sub,
        rest,
        legacy_watch,
    })
}

/// Parsed query string (repeated keys keep every value).
#[derive(Debug, Default, Clone)]
pub struct Query(pub(super) Vec<(String, String)>);

impl Query {
    /// Parses `a=b&c=d`, URL-decoding keys and values.
    pub fn parse(q: Option<&str>) -> Self {
        let Some(q) = q else { return Query(Vec::new()) };
        Query(
            q.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (url_decode(k), url_decode(v))
                })
                .collect(),
        )
    }

    /// First value of a key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every (key, value) pair, in order.
    pub fn pairs(&self) -> impl Iterator<Item = &(String, String)> {
        self.0.iter()
    }

    /// Whether a boolean flag is set, as apimachinery converts query booleans.
    pub fn flag(&self, key: &str) -> bool {
        crate::apiserver::params::go_query_bool(self.get(key))
    }

    /// Whether `dryRun=All` was asked.
    pub fn dry_run(&self) -> bool {
        self.get("dryRun").is_some_and(|v| !v.is_empty())
    }
}

/// Decodes `%XX` escapes and `+` as space.
pub fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 3 <= bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
