//! Interim selectors until the full module lands.
use serde_json::{Map, Value};
/// Label selector.
#[derive(Debug, Clone, Default)]
pub struct LabelSelector {
    reqs: Vec<(String, String)>,
}
impl LabelSelector {
    /// Parses.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("unable to parse requirement: {part}"))?;
            reqs.push((
                k.trim().to_string(),
                v.trim_start_matches('=').trim().to_string(),
            ));
        }
        Ok(Self { reqs })
    }
    /// Everything.
    pub fn everything() -> Self {
        Self::default()
    }
    /// Matches.
    pub fn matches(&self, labels: &Map<String, Value>) -> bool {
        self.reqs
            .iter()
            .all(|(k, v)| labels.get(k).and_then(|x| x.as_str()) == Some(v.as_str()))
    }
}
/// Field selector.
#[derive(Debug, Clone, Default)]
pub struct FieldSelector {
    reqs: Vec<(String, String)>,
}
impl FieldSelector {
    /// Parses.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("invalid selector: {part}"))?;
            reqs.push((
                k.trim().to_string(),
                v.trim_start_matches('=').trim().to_string(),
            ));
        }
        Ok(Self { reqs })
    }
    /// Matches.
    pub fn matches(&self, obj: &Value) -> bool {
        self.reqs.iter().all(|(k, v)| {
            let mut cur = obj;
            for p in k.split('.') {
                cur = &cur[p];
            }
            cur.as_str().unwrap_or("") == v
        })
    }
}
/// Supported fields.
pub fn supported(_plural: &str, _field: &str) -> bool {
    true
}
