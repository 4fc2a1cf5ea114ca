//! Request parameters read as kube-apiserver reads them: path segments percent-decoded,
//! query booleans and integers converted like apimachinery's `runtime.Convert_Slice_string_To_*`
//! (booleans: only `0` and `false` in any case are false; integers: Go's
//! `strconv.ParseInt`, base 10), and the list/watch options validated like
//! `ValidateListOptions`.

use serde_json::json;

use crate::apiserver::errors::ApiError;

/// Decodes `%XX` escapes of one path segment (`+` stays a plus, as in Go's `PathUnescape`).
/// A malformed escape is an error naming it.
pub fn decode_path_segment(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(b) => {
                    out.push(b);
                    i += 3;
                }
                None => {
                    let end = (i + 3).min(s.len());
                    let bad = s.get(i..end).unwrap_or("%");
                    return Err(format!("invalid URL escape {bad:?}"));
                }
            }
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "the path is not valid UTF-8 once decoded".to_string())
}

/// A query boolean as apimachinery converts it: absent is false; `0` and `false` (any
/// case) are false; anything else, even empty, is true.
pub fn go_query_bool(value: Option<&str>) -> bool {
    match value {
        None => false,
        Some(v) => !(v == "0" || v.eq_ignore_ascii_case("false")),
    }
}

/// Go's `strconv.ParseInt(s, 10, 64)`, with its error text.
pub fn go_parse_int64(s: &str) -> Result<i64, String> {
    let syntax = || format!("strconv.ParseInt: parsing {s:?}: invalid syntax");
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(syntax());
    }
    s.trim_start_matches('+')
        .parse::<i64>()
        .map_err(|_| format!("strconv.ParseInt: parsing {s:?}: value out of range"))
}

/// An integer query parameter: `None` when absent, 400 BadRequest when malformed.
pub fn query_int64(value: Option<&str>) -> Result<Option<i64>, ApiError> {
    value
        .map(|v| go_parse_int64(v).map_err(ApiError::bad_request))
        .transpose()
}

/// `resourceVersionMatch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceVersionMatch {
    /// At least as new as the given version.
    NotOlderThan,
    /// Exactly the given version.
    Exact,
}

/// The list and watch options of a collection GET.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// `watch`.
    pub watch: bool,
    /// `allowWatchBookmarks`.
    pub allow_watch_bookmarks: bool,
    /// `sendInitialEvents` (`None` when absent).
    pub send_initial_events: Option<bool>,
    /// `resourceVersion` as sent (empty when absent).
    pub resource_version: String,
    /// `resourceVersionMatch`.
    pub resource_version_match: Option<ResourceVersionMatch>,
    /// `limit` (0 = no limit).
    pub limit: i64,
    /// `timeoutSeconds`.
    pub timeout_seconds: Option<i64>,
}

fn list_options_invalid(causes: Vec<(String, String)>) -> ApiError {
    let message = format!(
        "ListOptions.meta.k8s.io \"\" is invalid: {}",
        causes
            .iter()
            .map(|(f, m)| format!("{f}: {m}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut e = ApiError::bad_request(message);
    e.code = 422;
    e.reason = "Invalid";
    e.details = Some(json!({
        "group": "meta.k8s.io",
        "kind": "ListOptions",
        "causes": causes.iter().map(|(f, m)| json!({"reason": if m.starts_with("Forbidden") { "FieldValueForbidden" } else { "FieldValueNotSupported" }, "message": m, "field": f})).collect::<Vec<_>>(),
    }));
    e
}

impl ListOptions {
    /// Reads and validates the options from a query's `get`.
    pub fn parse<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Self, ApiError> {
        let match_value = get("resourceVersionMatch").filter(|v| !v.is_empty());
        let resource_version_match = match match_value {
            Some("NotOlderThan") => Some(ResourceVersionMatch::NotOlderThan),
            Some("Exact") => Some(ResourceVersionMatch::Exact),
            _ => None,
        };
        let opts = ListOptions {
            watch: go_query_bool(get("watch")),
            allow_watch_bookmarks: go_query_bool(get("allowWatchBookmarks")),
            send_initial_events: get("sendInitialEvents").map(|v| go_query_bool(Some(v))),
            resource_version: get("resourceVersion").unwrap_or("").to_string(),
            resource_version_match,
            limit: query_int64(get("limit"))?.unwrap_or(0),
            timeout_seconds: query_int64(get("timeoutSeconds"))?,
        };
        let has_continue = get("continue").is_some_and(|c| !c.is_empty());
        let mut causes: Vec<(String, String)> = Vec::new();
        let forbid = |causes: &mut Vec<(String, String)>, field: &str, why: &str| {
            causes.push((field.to_string(), format!("Forbidden: {why}")));
        };
        // As apimachinery's ValidateListOptions / validateWatchOptions.
        if opts.watch {
            if opts.send_initial_events.is_some()
                && opts.resource_version_match != Some(ResourceVersionMatch::NotOlderThan)
            {
                forbid(
                    &mut causes,
                    "resourceVersionMatch",
                    "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                );
            }
            if let Some(m) = match_value {
                if opts.send_initial_events.is_none() {
                    forbid(
                        &mut causes,
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
                    );
                }
                if has_continue {
                    forbid(
                        &mut causes,
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden when continue is provided",
                    );
                }
                if m != "NotOlderThan" {
                    causes.push((
                        "resourceVersionMatch".to_string(),
                        format!("Unsupported value: {m:?}: supported values: \"NotOlderThan\""),
                    ));
                }
            }
        } else {
            if let Some(m) = match_value {
                if opts.resource_version.is_empty() {
                    forbid(
                        &mut causes,
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden unless resourceVersion is provided",
                    );
                }
                if has_continue {
                    forbid(
                        &mut causes,
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden when continue is provided",
                    );
                }
                if m == "Exact" && opts.resource_version == "0" {
                    forbid(
                        &mut causes,
                        "resourceVersionMatch",
                        "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
                    );
                }
                if resource_version_match.is_none() {
                    causes.push((
                        "resourceVersionMatch".to_string(),
                        format!("Unsupported value: {m:?}: supported values: \"Exact\", \"NotOlderThan\", \"\""),
                    ));
                }
            }
            if opts.send_initial_events.is_some() {
                forbid(
                    &mut causes,
                    "sendInitialEvents",
                    "sendInitialEvents is forbidden for list",
                );
            }
        }
        if !causes.is_empty() {
            return Err(list_options_invalid(causes));
        }
        Ok(opts)
    }

    /// The `resourceVersion` as a number (`None` when absent or `0`); malformed is a 400.
    pub fn resource_version_number(&self) -> Result<Option<u64>, ApiError> {
        if self.resource_version.is_empty() {
            return Ok(None);
        }
        self.resource_version
            .parse::<u64>()
            .map(|rv| Some(rv).filter(|rv| *rv > 0))
            .map_err(|_| {
                ApiError::bad_request(format!(
                    "resourceVersion: Invalid value: {:?}: must be a non-negative integer",
                    self.resource_version
                ))
            })
    }

    /// Checks a list's `resourceVersion` against the store's current one, as far as a
    /// store without history can: `Exact` only for the current version, `NotOlderThan`
    /// only up to it.
    pub fn check_list_version(&self, current: u64) -> Result<(), ApiError> {
        let Some(rv) = self.resource_version_number()? else {
            return Ok(());
        };
        match self.resource_version_match {
            Some(ResourceVersionMatch::Exact) if rv < current => Err(ApiError::gone(rv)),
            _ if rv > current => {
                let mut e = ApiError::timeout(format!(
                    "Timeout: Too large resource version: {rv}, current: {current}"
                ));
                e.details = Some(
                    json!({"causes": [{"reason": "ResourceVersionTooLarge", "message": format!("Too large resource version")}], "retryAfterSeconds": 1}),
                );
                Err(e)
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(q: &[(&str, &str)]) -> Result<ListOptions, ApiError> {
        ListOptions::parse(|k| q.iter().find(|(n, _)| *n == k).map(|(_, v)| *v))
    }

    #[test]
    fn booleans_follow_apimachinery() {
        for t in ["1", "t", "T", "TRUE", "true", "True", ""] {
            assert!(go_query_bool(Some(t)), "{t}");
        }
        for f in ["0", "false", "False", "FALSE", "fAlSe"] {
            assert!(!go_query_bool(Some(f)), "{f}");
        }
        assert!(!go_query_bool(None));
    }

    #[test]
    fn integers_follow_parse_int() {
        assert_eq!(go_parse_int64("+12"), Ok(12));
        assert_eq!(go_parse_int64("-3"), Ok(-3));
        assert_eq!(
            go_parse_int64("1_000").unwrap_err(),
            "strconv.ParseInt: parsing \"1_000\": invalid syntax"
        );
        assert!(go_parse_int64("99999999999999999999")
            .unwrap_err()
            .ends_with("value out of range"));
        let e = parse(&[("limit", "ten")]).unwrap_err();
        assert_eq!(e.code, 400);
        assert_eq!(
            e.message,
            "strconv.ParseInt: parsing \"ten\": invalid syntax"
        );
    }

    #[test]
    fn list_options_are_validated_like_upstream() {
        let e = parse(&[("resourceVersionMatch", "Exact")]).unwrap_err();
        assert_eq!(e.code, 422);
        assert!(e
            .message
            .contains("resourceVersionMatch is forbidden unless resourceVersion is provided"));
        let e = parse(&[
            ("resourceVersionMatch", "Sometime"),
            ("resourceVersion", "1"),
        ])
        .unwrap_err();
        assert!(e.message.contains("Unsupported value: \"Sometime\""));
        let e = parse(&[("watch", "1"), ("sendInitialEvents", "true")]).unwrap_err();
        assert!(e
            .message
            .contains("sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
        let e = parse(&[("sendInitialEvents", "true")]).unwrap_err();
        assert!(e
            .message
            .contains("sendInitialEvents is forbidden for list"));
        // client-go's first streaming list has no resourceVersion.
        assert!(parse(&[
            ("watch", "True"),
            ("sendInitialEvents", "true"),
            ("allowWatchBookmarks", "1"),
            ("resourceVersionMatch", "NotOlderThan"),
            ("resourceVersion", "")
        ])
        .is_ok());
        let ok = parse(&[
            ("watch", "True"),
            ("sendInitialEvents", "true"),
            ("allowWatchBookmarks", "1"),
            ("resourceVersionMatch", "NotOlderThan"),
            ("resourceVersion", "0"),
        ])
        .unwrap();
        assert!(ok.watch && ok.allow_watch_bookmarks && ok.send_initial_events == Some(true));
        let exact = parse(&[("resourceVersionMatch", "Exact"), ("resourceVersion", "5")]).unwrap();
        assert_eq!(exact.check_list_version(9).unwrap_err().code, 410);
        assert!(exact.check_list_version(5).is_ok());
        let newer = parse(&[("resourceVersion", "50")]).unwrap();
        assert_eq!(newer.check_list_version(9).unwrap_err().code, 504);
    }

    #[test]
    fn path_segments_decode_escapes_only() {
        assert_eq!(decode_path_segment("web-1%3A8080").unwrap(), "web-1:8080");
        assert_eq!(decode_path_segment("a+b").unwrap(), "a+b");
        assert!(decode_path_segment("bad%zz").unwrap_err().contains("%zz"));
        assert!(decode_path_segment("end%4").is_err());
    }

    proptest! {
        #[test]
        fn path_decoding_never_panics(s in "\\PC*") {
            let _ = decode_path_segment(&s);
        }

        #[test]
        fn parse_int_agrees_with_rust_on_digits(n in any::<i64>()) {
            prop_assert_eq!(go_parse_int64(&n.to_string()), Ok(n));
        }

        #[test]
        fn list_options_never_panic(k in "[a-zA-Z]{1,24}", v in "\\PC{0,12}") {
            let _ = parse(&[(k.as_str(), v.as_str())]);
            let _ = parse(&[("resourceVersion", v.as_str()), ("resourceVersionMatch", "Exact")])
                .map(|o| o.check_list_version(3));
        }
    }
}
