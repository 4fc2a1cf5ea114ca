//! The `--data-check` sources as saved in the rollout annotation, so that `resume` and
//! `promote` (often in another terminal) read counters the same way without retyping
//! `--path`, `--http`, `--metric`, `--format` or `-c`. Saved as the flags' text; loading
//! parses each one again with the flags' own parsers, so an edited annotation is refused with
//! the flag and the fix named, never trusted.

use serde::{Deserialize, Serialize};

use super::state::STATE_ANNOTATION;
use crate::visits::metrics::MetricSelector;
use crate::visits::parse::Format;
use crate::visits::source::{HttpSource, SourceRequest};

/// A saved `--data-check` value that its flag's parser refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidSavedFlag {
    /// The flag (`--metric`).
    pub flag: &'static str,
    /// Why the value is refused.
    pub problem: String,
}

impl std::fmt::Display for InvalidSavedFlag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the data check saved in annotation {STATE_ANNOTATION} has an invalid {}: {}; pass the data check again (--data-check with --path, --http or --metric) to replace it",
            self.flag, self.problem
        )
    }
}

impl std::error::Error for InvalidSavedFlag {}

/// Where `--data-check` reads each pod's counter, as the flags spelled it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedDataCheck {
    /// `--path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `--http` (`[PORT]/PATH`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<String>,
    /// `--metric` (`NAME{label="value",...}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// `--format`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// `-c/--container`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
}

impl SavedDataCheck {
    /// What to save for `request`.
    pub fn from_request(request: &SourceRequest) -> SavedDataCheck {
        SavedDataCheck {
            path: request.path.clone(),
            http: request.http.as_ref().map(|h| h.to_string()),
            metric: request.metric.as_ref().map(|m| m.to_string()),
            format: request.format.as_ref().map(|f| f.to_string()),
            container: request.container.clone(),
        }
    }

    /// The request saved here, each value parsed as its flag would be.
    pub fn to_request(&self) -> Result<SourceRequest, InvalidSavedFlag> {
        let bad = |flag: &'static str, problem: String| InvalidSavedFlag { flag, problem };
        if self.path.is_some() && self.http.is_some() {
            return Err(bad("--path", "--path and --http are both set".into()));
        }
        if let Some(path) = &self.path {
            if !path.starts_with('/') {
                return Err(bad("--path", format!("{path:?} is not an absolute path")));
            }
        }
        let http = self
            .http
            .as_deref()
            .map(|h| h.parse::<HttpSource>().map_err(|e| bad("--http", e)))
            .transpose()?;
        let metric = self
            .metric
            .as_deref()
            .map(|m| m.parse::<MetricSelector>().map_err(|e| bad("--metric", e)))
            .transpose()?;
        let format = self
            .format
            .as_deref()
            .map(|f| f.parse::<Format>().map_err(|e| bad("--format", e)))
            .transpose()?;
        if let Some(c) = &self.container {
            if c.is_empty() || c.len() > 253 || c.chars().any(|ch| ch.is_whitespace()) {
                return Err(bad("--container", format!("{c:?} is not a container name")));
            }
        }
        Ok(SourceRequest {
            path: self.path.clone(),
            http,
            container: self.container.clone(),
            format,
            metric,
        })
    }

    /// How the saved check reads, for messages (`--metric visits_total`).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = &self.path {
            parts.push(format!("--path {p}"));
        }
        if let Some(h) = &self.http {
            parts.push(format!("--http {h}"));
        }
        if let Some(m) = &self.metric {
            parts.push(format!("--metric '{m}'"));
        }
        if let Some(f) = &self.format {
            parts.push(format!("--format {f}"));
        }
        if let Some(c) = &self.container {
            parts.push(format!("-c {c}"));
        }
        if parts.is_empty() {
            "discovery".into()
        } else {
            parts.join(" ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn round_trips_every_source() {
        let request = SourceRequest {
            path: None,
            http: Some("8080/metrics".parse().unwrap()),
            container: Some("app".into()),
            format: None,
            metric: Some(r#"http_requests_total{code="200"}"#.parse().unwrap()),
        };
        let saved = SavedDataCheck::from_request(&request);
        let json = serde_json::to_string(&saved).unwrap();
        assert_eq!(
            json,
            r#"{"http":"8080/metrics","metric":"http_requests_total{code=\"200\"}","container":"app"}"#
        );
        let back: SavedDataCheck = serde_json::from_str(&json).unwrap();
        assert_eq!(back.to_request().unwrap(), request);
        assert_eq!(
            back.describe(),
            r#"--http 8080/metrics --metric 'http_requests_total{code="200"}' -c app"#
        );
        let file = SourceRequest {
            path: Some("/data/visits".into()),
            format: Some(Format::Lines),
            ..Default::default()
        };
        assert_eq!(
            SavedDataCheck::from_request(&file).to_request().unwrap(),
            file
        );
        assert_eq!(SavedDataCheck::default().describe(), "discovery");
    }

    #[test]
    fn edited_values_are_refused_with_the_flag_named() {
        let bad = |s: SavedDataCheck| s.to_request().unwrap_err().to_string();
        let e = bad(SavedDataCheck {
            metric: Some("1bad".into()),
            ..Default::default()
        });
        assert!(
            e.contains("invalid --metric") && e.contains(STATE_ANNOTATION),
            "{e}"
        );
        let e = bad(SavedDataCheck {
            http: Some("99999/x".into()),
            ..Default::default()
        });
        assert!(e.contains("invalid --http"), "{e}");
        let e = bad(SavedDataCheck {
            path: Some("visits".into()),
            ..Default::default()
        });
        assert!(e.contains("absolute path"), "{e}");
        let e = bad(SavedDataCheck {
            format: Some("xml".into()),
            ..Default::default()
        });
        assert!(e.contains("invalid --format"), "{e}");
    }

    fn opt(re: &'static str) -> impl Strategy<Value = Option<String>> {
        proptest::option::of(re)
    }

    proptest! {
        #[test]
        fn any_annotation_text_is_parsed_or_refused(text in "\\PC{0,120}") {
            if let Ok(saved) = serde_json::from_str::<SavedDataCheck>(&text) {
                let _ = saved.to_request();
            }
        }

        #[test]
        fn any_saved_values_are_parsed_or_refused(
            path in opt("\\PC{0,20}"),
            http in opt("\\PC{0,20}"),
            metric in opt("\\PC{0,30}"),
            format in opt("\\PC{0,12}"),
            container in opt("\\PC{0,12}"),
        ) {
            let saved = SavedDataCheck { path, http, metric, format, container };
            if let Ok(request) = saved.to_request() {
                // What loads saves back to something that loads the same.
                let again = SavedDataCheck::from_request(&request).to_request();
                prop_assert_eq!(again, Ok(request));
            }
        }
    }
}
