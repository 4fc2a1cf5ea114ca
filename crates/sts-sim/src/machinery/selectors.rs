//! Label and field selectors for list and watch requests.
//!
//! [`LabelSelector`] parses the `labelSelector` query parameter with the same
//! grammar, validation and error wording as upstream
//! `k8s.io/apimachinery/pkg/labels` (`unable to parse requirement: ...`), and
//! can also be built from a `metav1.LabelSelector` object (`matchLabels` /
//! `matchExpressions`) as found in workload specs. [`FieldSelector`] parses the
//! `fieldSelector` parameter like `k8s.io/apimachinery/pkg/fields` and
//! evaluates it against an untyped object by dotted path; [`supported`] and
//! [`unsupported_field_error`] reproduce the per-resource field label
//! whitelist of the real API server. Error strings are meant to be returned
//! verbatim as the message of a `400 BadRequest` status.

use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt;

// ---------------------------------------------------------------------------
// Label selectors
// ---------------------------------------------------------------------------

/// A label selector operator (`k8s.io/apimachinery/pkg/selection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `key=value`
    Equals,
    /// `key==value`
    DoubleEquals,
    /// `key!=value`; also true when the key is absent.
    NotEquals,
    /// `key in (a,b)`
    In,
    /// `key notin (a,b)`; also true when the key is absent.
    NotIn,
    /// `key`
    Exists,
    /// `!key`
    DoesNotExist,
    /// `key>n` (integer comparison)
    GreaterThan,
    /// `key<n` (integer comparison)
    LessThan,
}

/// One ANDed term of a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The label key.
    pub key: String,
    /// How the label value is compared.
    pub operator: Operator,
    /// The values (sorted, de-duplicated when parsed from a string).
    pub values: Vec<String>,
}

impl Requirement {
    /// Validates and builds a requirement like upstream `labels.NewRequirement`
    /// (errors are worded and aggregated the same way).
    pub fn new(key: &str, operator: Operator, values: Vec<String>) -> Result<Self, String> {
        let mut errs: Vec<String> = Vec::new();
        if let Some(e) = validate_label_key(key, "key") {
            errs.push(e);
        }
        match operator {
            Operator::In | Operator::NotIn if values.is_empty() => errs.push(format!(
                "values: Invalid value: {}: for 'in', 'notin' operators, values set can't be empty",
                go_string_slice(&values)
            )),
            Operator::Equals | Operator::DoubleEquals | Operator::NotEquals
                if values.len() != 1 =>
            {
                errs.push(format!(
                    "values: Invalid value: {}: exact-match compatibility requires one single value",
                    go_string_slice(&values)
                ))
            }
            Operator::Exists | Operator::DoesNotExist if !values.is_empty() => errs.push(format!(
                "values: Invalid value: {}: values set must be empty for exists and does not exist",
                go_string_slice(&values)
            )),
            Operator::GreaterThan | Operator::LessThan => {
                if values.len() != 1 {
                    errs.push(format!(
                        "values: Invalid value: {}: for 'Gt', 'Lt' operators, exactly one value is required",
                        go_string_slice(&values)
                    ));
                }
                for (i, v) in values.iter().enumerate() {
                    if v.parse::<i64>().is_err() {
                        errs.push(format!(
                            "values[{i}]: Invalid value: {v:?}: for 'Gt', 'Lt' operators, the value must be an integer"
                        ));
                    }
                }
            }
            _ => {}
        }
        for (i, v) in values.iter().enumerate() {
            let msgs = label_value_errors(v);
            if !msgs.is_empty() {
                errs.push(format!(
                    "values[{i}][{key}]: Invalid value: {v:?}: {}",
                    msgs.join("; ")
                ));
            }
        }
        if errs.is_empty() {
            Ok(Requirement {
                key: key.to_string(),
                operator,
                values,
            })
        } else {
            Err(aggregate(errs))
        }
    }

    /// Whether the requirement holds for the given labels.
    pub fn matches(&self, labels: &Map<String, Value>) -> bool {
        let value = labels.get(&self.key).map(label_string);
        let has = |v: &str| self.values.iter().any(|x| x == v);
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => {
                value.is_some_and(|v| has(&v))
            }
            Operator::NotIn | Operator::NotEquals => value.is_none_or(|v| !has(&v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let Some(actual) = value.and_then(|v| v.parse::<i64>().ok()) else {
                    return false;
                };
                let Some(limit) = self.values.first().and_then(|v| v.parse::<i64>().ok()) else {
                    return false;
                };
                if self.operator == Operator::GreaterThan {
                    actual > limit
                } else {
                    actual < limit
                }
            }
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.operator == Operator::DoesNotExist {
            f.write_str("!")?;
        }
        f.write_str(&self.key)?;
        let op = match self.operator {
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::In => " in ",
            Operator::NotIn => " notin ",
            Operator::GreaterThan => ">",
            Operator::LessThan => "<",
            Operator::Exists | Operator::DoesNotExist => return Ok(()),
        };
        f.write_str(op)?;
        let mut values = self.values.clone();
        values.sort();
        let joined = values.join(",");
        if matches!(self.operator, Operator::In | Operator::NotIn) {
            write!(f, "({joined})")
        } else {
            f.write_str(&joined)
        }
    }
}

/// A parsed label selector: the AND of its requirements.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
    nothing: bool,
}

impl LabelSelector {
    /// Parses the `labelSelector` query syntax (`a=b,c!=d,e in (x,y),!f,g`).
    /// An empty or blank string selects everything.
    pub fn parse(s: &str) -> Result<Self, String> {
        let tokens = lex(s);
        let mut parser = Parser { tokens, pos: 0 };
        let mut requirements = parser.parse()?;
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(LabelSelector {
            requirements,
            nothing: false,
        })
    }

    /// The selector that matches every object.
    pub fn everything() -> Self {
        LabelSelector::default()
    }

    /// The selector that matches no object (a `null` `metav1.LabelSelector`).
    pub fn nothing() -> Self {
        LabelSelector {
            requirements: Vec::new(),
            nothing: true,
        }
    }

    /// Builds a selector from a `metav1.LabelSelector` JSON object
    /// (`{"matchLabels": {...}, "matchExpressions": [{key, operator, values}]}`),
    /// like upstream `metav1.LabelSelectorAsSelector`: `null` matches nothing,
    /// an empty selector matches everything.
    pub fn from_match(sel: &Value) -> Result<Self, String> {
        let obj = match sel {
            Value::Null => return Ok(LabelSelector::nothing()),
            Value::Object(o) => o,
            other => {
                return Err(format!(
                    "invalid label selector: expected an object, got {other}"
                ))
            }
        };
        let mut requirements = Vec::new();
        match obj.get("matchLabels") {
            None | Some(Value::Null) => {}
            Some(Value::Object(ml)) => {
                for (k, v) in ml {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        Value::Null => String::new(),
                        other => {
                            return Err(format!("matchLabels[{k}]: expected a string, got {other}"))
                        }
                    };
                    requirements.push(Requirement::new(k, Operator::Equals, vec![v])?);
                }
            }
            Some(other) => return Err(format!("matchLabels: expected an object, got {other}")),
        }
        match obj.get("matchExpressions") {
            None | Some(Value::Null) => {}
            Some(Value::Array(exprs)) => {
                for expr in exprs {
                    let key = expr.get("key").and_then(Value::as_str).unwrap_or("");
                    let op_name = expr.get("operator").and_then(Value::as_str).unwrap_or("");
                    let op = match op_name {
                        "In" => Operator::In,
                        "NotIn" => Operator::NotIn,
                        "Exists" => Operator::Exists,
                        "DoesNotExist" => Operator::DoesNotExist,
                        other => {
                            return Err(format!("{other:?} is not a valid label selector operator"))
                        }
                    };
                    let values: Vec<String> = match expr.get("values") {
                        Some(Value::Array(vs)) => vs
                            .iter()
                            .map(|v| {
                                v.as_str()
                                    .map(str::to_string)
                                    .unwrap_or_else(|| v.to_string())
                            })
                            .collect(),
                        _ => Vec::new(),
                    };
                    requirements.push(Requirement::new(key, op, values)?);
                }
            }
            Some(other) => return Err(format!("matchExpressions: expected a list, got {other}")),
        }
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(LabelSelector {
            requirements,
            nothing: false,
        })
    }

    /// Builds the selector of a Service's `spec.selector` (a plain label map), like
    /// upstream `labels.SelectorFromSet`: every pair must be equal; an empty map selects
    /// everything (callers that treat "no selector" as "select nothing", as the endpoints
    /// controller and the service proxy do, check for emptiness first). Keys and values are
    /// not validated, as upstream's `SelectorFromSet` does not.
    pub fn from_set(set: &Map<String, Value>) -> Self {
        let mut requirements: Vec<Requirement> = set
            .iter()
            .map(|(key, value)| Requirement {
                key: key.clone(),
                operator: Operator::Equals,
                values: vec![label_string(value)],
            })
            .collect();
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        LabelSelector {
            requirements,
            nothing: false,
        }
    }

    /// Whether the labels (a `metadata.labels` map) satisfy every requirement.
    pub fn matches(&self, labels: &Map<String, Value>) -> bool {
        !self.nothing && self.requirements.iter().all(|r| r.matches(labels))
    }

    /// Matches a `metadata.labels` value (anything but an object counts as no labels).
    pub fn matches_labels(&self, labels: &Value) -> bool {
        match labels {
            Value::Object(labels) => self.matches(labels),
            _ => self.matches(&Map::new()),
        }
    }

    /// Matches against `metadata.labels` of an object (absent labels = empty).
    pub fn matches_object(&self, obj: &Value) -> bool {
        self.matches_labels(&obj["metadata"]["labels"])
    }

    /// True when the selector does not restrict anything.
    pub fn is_everything(&self) -> bool {
        !self.nothing && self.requirements.is_empty()
    }

    /// The requirements, sorted by key.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }
}

impl fmt::Display for LabelSelector {
    /// Upstream's canonical string form (e.g. for `status.selector` of `/scale`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

/// Whether a `metav1.LabelSelector` object (`matchLabels` + `matchExpressions`) selects
/// `labels` (a `metadata.labels` value): the one matcher behind StatefulSet pod and revision
/// ownership, PodDisruptionBudget coverage and StatefulSet validation. As upstream's
/// `LabelSelectorAsSelector`, a `null` selector selects nothing, `{}` everything, and a
/// selector that does not convert (an unknown operator, an invalid key or value) selects
/// nothing, as the controllers skip an object whose selector fails to convert.
pub fn selector_matches(selector: &Value, labels: &Value) -> bool {
    LabelSelector::from_match(selector).is_ok_and(|s| s.matches_labels(labels))
}

/// Whether a Service's `spec.selector` map selects `labels` (see [`LabelSelector::from_set`]).
pub fn set_matches(set: &Map<String, Value>, labels: &Value) -> bool {
    LabelSelector::from_set(set).matches_labels(labels)
}

fn label_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Go's `%#v` of a `[]string`, as used in upstream validation messages.
fn go_string_slice(values: &[String]) -> String {
    if values.is_empty() {
        return "[]string(nil)".to_string();
    }
    let inner: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    format!("[]string{{{}}}", inner.join(", "))
}

/// `utilerrors.NewAggregate(...).Error()`.
fn aggregate(errs: Vec<String>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for e in errs {
        if !seen.contains(&e) {
            seen.push(e);
        }
    }
    if seen.len() == 1 {
        seen.remove(0)
    } else {
        format!("[{}]", seen.join(", "))
    }
}

const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME_ERR: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_ERR: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_ERR: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    let mut s = format!("{msg} (e.g. ");
    for (i, e) in examples.iter().enumerate() {
        if i > 0 {
            s.push_str(" or ");
        }
        s.push_str(&format!("'{e}', "));
    }
    s.push_str(&format!("regex used for validation is '{fmt}')"));
    s
}

fn is_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && (b[b.len() - 1].is_ascii_lowercase() || b[b.len() - 1].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// `validation.IsQualifiedName`.
fn qualified_name_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                if prefix.len() > 253 {
                    errs.push("prefix part must be no more than 253 characters".to_string());
                }
                if !prefix.split('.').all(is_dns1123_label) {
                    errs.push(format!(
                        "prefix part {}",
                        regex_error(
                            DNS1123_SUBDOMAIN_ERR,
                            DNS1123_SUBDOMAIN_FMT,
                            &["example.com"]
                        )
                    ));
                }
            }
            *name
        }
        _ => {
            errs.push(format!(
                "a qualified name {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, &["MyName", "my.name", "123-abc"])
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > 63 {
        errs.push("name part must be no more than 63 characters".to_string());
    }
    if !is_qualified_name_part(name) {
        errs.push(format!(
            "name part {}",
            regex_error(
                QUALIFIED_NAME_ERR,
                QUALIFIED_NAME_FMT,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    errs
}

/// `validation.IsValidLabelValue`.
fn label_value_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push("must be no more than 63 characters".to_string());
    }
    if !value.is_empty() && !is_qualified_name_part(value) {
        errs.push(regex_error(
            LABEL_VALUE_ERR,
            &format!("({QUALIFIED_NAME_FMT})?"),
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// `field.Invalid(path, key, ...)` for a bad label key; `path` is `<nil>` in
/// the string parser and `key` in `NewRequirement`.
fn validate_label_key(key: &str, path: &str) -> Option<String> {
    let errs = qualified_name_errors(key);
    (!errs.is_empty()).then(|| format!("{path}: Invalid value: {key:?}: {}", errs.join("; ")))
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    EndOfString,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

fn is_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_special(c: char) -> bool {
    matches!(c, '=' | '!' | '(' | ')' | ',' | '>' | '<')
}

fn keyword(s: &str) -> Option<Token> {
    Some(match s {
        ")" => Token::ClosedPar,
        "," => Token::Comma,
        "!" => Token::DoesNotExist,
        "==" => Token::DoubleEquals,
        "=" => Token::Equals,
        ">" => Token::GreaterThan,
        "in" => Token::In,
        "<" => Token::LessThan,
        "!=" => Token::NotEquals,
        "notin" => Token::NotIn,
        "(" => Token::OpenPar,
        _ => return None,
    })
}

/// Upstream's lexer: identifiers run until whitespace or a special symbol;
/// special symbols are matched greedily (`!=`, `==`).
fn lex(s: &str) -> Vec<(Token, String)> {
    let chars: Vec<char> = s.chars().collect();
    let mut pos = 0;
    let mut out = Vec::new();
    loop {
        while pos < chars.len() && is_whitespace(chars[pos]) {
            pos += 1;
        }
        if pos >= chars.len() {
            out.push((Token::EndOfString, String::new()));
            return out;
        }
        if is_special(chars[pos]) {
            let mut buf = String::new();
            let mut last: Option<(Token, String)> = None;
            while pos < chars.len() && is_special(chars[pos]) {
                buf.push(chars[pos]);
                match keyword(&buf) {
                    Some(t) => {
                        last = Some((t, buf.clone()));
                        pos += 1;
                    }
                    None => break,
                }
            }
            // Every single special character is a token, so `last` is set.
            out.extend(last);
        } else {
            let start = pos;
            while pos < chars.len() && !is_special(chars[pos]) && !is_whitespace(chars[pos]) {
                pos += 1;
            }
            let lit: String = chars[start..pos].iter().collect();
            let tok = match lit.as_str() {
                "in" => Token::In,
                "notin" => Token::NotIn,
                _ => Token::Identifier,
            };
            out.push((tok, lit));
        }
    }
}

struct Parser {
    tokens: Vec<(Token, String)>,
    pos: usize,
}

/// In a value context `in`/`notin` are plain identifiers.
fn as_value(tok: Token) -> Token {
    match tok {
        Token::In | Token::NotIn => Token::Identifier,
        t => t,
    }
}

impl Parser {
    fn lookahead(&self) -> (Token, String) {
        let (t, l) = &self.tokens[self.pos.min(self.tokens.len() - 1)];
        (as_value(t.clone()), l.clone())
    }

    fn consume_raw(&mut self) -> (Token, String) {
        let item = self.tokens[self.pos.min(self.tokens.len() - 1)].clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        item
    }

    fn consume(&mut self) -> (Token, String) {
        let (t, l) = self.consume_raw();
        (as_value(t), l)
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, String> {
        let mut reqs = Vec::new();
        loop {
            let (tok, lit) = self.lookahead();
            match tok {
                Token::Identifier | Token::DoesNotExist => {
                    let r = self
                        .parse_requirement()
                        .map_err(|e| format!("unable to parse requirement: {e}"))?;
                    reqs.push(r);
                    let (t, l) = self.consume();
                    match t {
                        Token::EndOfString => return Ok(reqs),
                        Token::Comma => {
                            let (t2, l2) = self.lookahead();
                            if t2 != Token::Identifier && t2 != Token::DoesNotExist {
                                return Err(format!(
                                    "found '{l2}', expected: identifier after ','"
                                ));
                            }
                        }
                        _ => return Err(format!("found '{l}', expected: ',' or 'end of string'")),
                    }
                }
                Token::EndOfString => return Ok(reqs),
                _ => {
                    return Err(format!(
                        "found '{lit}', expected: !, identifier, or 'end of string'"
                    ))
                }
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement, String> {
        let (key, op) = self.parse_key_and_infer_operator()?;
        if let Some(op) = op {
            return Requirement::new(&key, op, Vec::new());
        }
        let op = self.parse_operator()?;
        let values = match op {
            Operator::In | Operator::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        Requirement::new(&key, op, values.into_iter().collect())
    }

    fn parse_key_and_infer_operator(&mut self) -> Result<(String, Option<Operator>), String> {
        let (mut tok, mut lit) = self.consume();
        let mut op = None;
        if tok == Token::DoesNotExist {
            op = Some(Operator::DoesNotExist);
            (tok, lit) = self.consume();
        }
        if tok != Token::Identifier {
            return Err(format!("found '{lit}', expected: identifier"));
        }
        if let Some(e) = validate_label_key(&lit, "<nil>") {
            return Err(e);
        }
        // `!key` is always DoesNotExist; anything after it (e.g. `!a=b`) is
        // then rejected by the caller as upstream does.
        let (next, _) = self.lookahead();
        if op.is_none() && (next == Token::EndOfString || next == Token::Comma) {
            op = Some(Operator::Exists);
        }
        Ok((lit, op))
    }

    fn parse_operator(&mut self) -> Result<Operator, String> {
        let (tok, lit) = self.consume_raw();
        Ok(match tok {
            Token::In => Operator::In,
            Token::Equals => Operator::Equals,
            Token::DoubleEquals => Operator::DoubleEquals,
            Token::GreaterThan => Operator::GreaterThan,
            Token::LessThan => Operator::LessThan,
            Token::NotIn => Operator::NotIn,
            Token::NotEquals => Operator::NotEquals,
            _ => {
                return Err(format!(
                    "found '{lit}', expected: in, notin, =, ==, !=, gt, lt"
                ))
            }
        })
    }

    fn parse_values(&mut self) -> Result<BTreeSet<String>, String> {
        let (tok, lit) = self.consume();
        if tok != Token::OpenPar {
            return Err(format!("found '{lit}' expected: '('"));
        }
        let (tok, lit) = self.lookahead();
        match tok {
            Token::Identifier | Token::Comma => {
                let s = self.parse_identifiers_list()?;
                let (t, _) = self.consume();
                if t != Token::ClosedPar {
                    return Err(format!("found '{lit}', expected: ')'"));
                }
                Ok(s)
            }
            Token::ClosedPar => {
                self.consume();
                Ok(BTreeSet::from([String::new()]))
            }
            _ => Err(format!("found '{lit}', expected: ',', ')' or identifier")),
        }
    }

    fn parse_identifiers_list(&mut self) -> Result<BTreeSet<String>, String> {
        let mut s = BTreeSet::new();
        loop {
            let (tok, lit) = self.consume();
            match tok {
                Token::Identifier => {
                    s.insert(lit);
                    let (t2, l2) = self.lookahead();
                    match t2 {
                        Token::Comma => continue,
                        Token::ClosedPar => return Ok(s),
                        _ => return Err(format!("found '{l2}', expected: ',' or ')'")),
                    }
                }
                Token::Comma => {
                    if s.is_empty() {
                        s.insert(String::new());
                    }
                    let (t2, _) = self.lookahead();
                    if t2 == Token::ClosedPar {
                        s.insert(String::new());
                        return Ok(s);
                    }
                    if t2 == Token::Comma {
                        self.consume();
                        s.insert(String::new());
                    }
                }
                _ => return Err(format!("found '{lit}', expected: ',', or identifier")),
            }
        }
    }

    fn parse_exact_value(&mut self) -> Result<BTreeSet<String>, String> {
        let (tok, _) = self.lookahead();
        if tok == Token::EndOfString || tok == Token::Comma {
            return Ok(BTreeSet::from([String::new()]));
        }
        let (tok, lit) = self.consume();
        if tok == Token::Identifier {
            Ok(BTreeSet::from([lit]))
        } else {
            Err(format!("found '{lit}', expected: identifier"))
        }
    }
}

// ---------------------------------------------------------------------------
// Field selectors
// ---------------------------------------------------------------------------

/// One term of a field selector: `field=value`, `field==value` or `field!=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRequirement {
    /// The field label, a dotted path such as `spec.nodeName`.
    pub field: String,
    /// The (unescaped) value compared against.
    pub value: String,
    /// `true` for `!=`.
    pub not_equal: bool,
}

/// A parsed field selector: the AND of its terms.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldSelector {
    terms: Vec<FieldRequirement>,
}

impl FieldSelector {
    /// Parses the `fieldSelector` query syntax like upstream
    /// `fields.ParseSelector`: comma-separated terms, values may escape `\`,
    /// `,` and `=` with a backslash. No whitespace trimming is done.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut parts = split_terms(s);
        parts.sort();
        let mut terms = Vec::new();
        for part in parts {
            if part.is_empty() {
                continue;
            }
            let Some((lhs, op, rhs)) = split_term(&part) else {
                return Err(format!(
                    "invalid selector: '{s}'; can't understand '{part}'"
                ));
            };
            let value = unescape_value(rhs)?;
            terms.push(FieldRequirement {
                field: lhs.to_string(),
                value,
                not_equal: op == "!=",
            });
        }
        Ok(FieldSelector { terms })
    }

    /// The selector that matches every object.
    pub fn everything() -> Self {
        FieldSelector::default()
    }

    /// Whether the object satisfies every term; a missing field reads as `""`
    /// (see [`field_value`]).
    pub fn matches(&self, obj: &Value) -> bool {
        self.terms.iter().all(|t| {
            let actual = field_value(obj, &t.field);
            (actual == t.value) != t.not_equal
        })
    }

    /// The parsed terms.
    pub fn terms(&self) -> &[FieldRequirement] {
        &self.terms
    }

    /// True when the selector does not restrict anything.
    pub fn is_everything(&self) -> bool {
        self.terms.is_empty()
    }

    /// Checks every field against [`supported`] for `resource_plural`; the
    /// error is upstream's message for the first unsupported field.
    pub fn validate_for(&self, resource_plural: &str) -> Result<(), String> {
        match self
            .terms
            .iter()
            .find(|t| !supported(resource_plural, &t.field))
        {
            Some(t) => Err(unsupported_field_error(resource_plural, &t.field)),
            None => Ok(()),
        }
    }

    /// The value an `=`/`==` term requires for `field`, if any (e.g. to
    /// serve `metadata.name=x` watches efficiently).
    pub fn requires_exact_match(&self, field: &str) -> Option<&str> {
        self.terms
            .iter()
            .find(|t| t.field == field && !t.not_equal)
            .map(|t| t.value.as_str())
    }
}

impl fmt::Display for FieldSelector {
    /// Canonical form with escaped values, terms joined by `,`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            let escaped = t
                .value
                .replace('\\', "\\\\")
                .replace(',', "\\,")
                .replace('=', "\\=");
            let op = if t.not_equal { "!=" } else { "=" };
            write!(f, "{}{op}{escaped}", t.field)?;
        }
        Ok(())
    }
}

/// Splits on commas not escaped by a backslash.
fn split_terms(s: &str) -> Vec<String> {
    if s.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut cur = String::new();
    let mut in_slash = false;
    for c in s.chars() {
        if in_slash {
            in_slash = false;
            cur.push(c);
        } else if c == '\\' {
            in_slash = true;
            cur.push(c);
        } else if c == ',' {
            terms.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    terms.push(cur);
    terms
}

/// Finds the first operator (`!=`, `==`, `=` tried in that order at each position).
fn split_term(term: &str) -> Option<(&str, &str, &str)> {
    for (i, _) in term.char_indices() {
        let rest = &term[i..];
        for op in ["!=", "==", "="] {
            if rest.starts_with(op) {
                return Some((&term[..i], op, &term[i + op.len()..]));
            }
        }
    }
    None
}

fn unescape_value(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut in_slash = false;
    for c in s.chars() {
        if in_slash {
            match c {
                '\\' | ',' | '=' => out.push(c),
                _ => {
                    return Err(format!(
                        "invalid field selector: invalid escape sequence: \\{c}"
                    ))
                }
            }
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            // Go prints the rune with %v, i.e. as its code point number.
            ',' | '=' => {
                return Err(format!(
                    "invalid field selector: unescaped character in value: {}",
                    c as u32
                ))
            }
            _ => out.push(c),
        }
    }
    if in_slash {
        return Err("invalid field selector: invalid escape sequence: \\".to_string());
    }
    Ok(out)
}

fn scalar_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn dotted<'a>(obj: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(obj, |cur, seg| cur.get(seg))
}

/// The string value upstream's `GetAttrs` would expose for a field label:
/// a dotted path into the object, with `""` for missing fields, `"false"` for
/// unset boolean fields (`spec.hostNetwork`, `spec.unschedulable`), `"0"` for
/// unset counters (`status.replicas`, `status.successful`), `status.podIP`
/// taken from `status.podIPs[0]`, and the event aliases (`source` =
/// `source.component`, `reportingComponent`, `involvedObject.*`, also
/// accepting the `events.k8s.io` names `regarding`, `deprecatedSource`,
/// `reportingController`).
pub fn field_value(obj: &Value, field: &str) -> String {
    let direct = |p: &str| scalar_string(dotted(obj, p));
    let found = match field {
        "status.podIP" => obj
            .pointer("/status/podIPs/0/ip")
            .and_then(|v| scalar_string(Some(v)))
            .or_else(|| direct("status.podIP")),
        "source" => direct("source.component").or_else(|| direct("deprecatedSource.component")),
        "reportingComponent" => {
            direct("reportingComponent").or_else(|| direct("reportingController"))
        }
        f if f.starts_with("involvedObject.") => {
            direct(f).or_else(|| direct(&format!("regarding.{}", &f["involvedObject.".len()..])))
        }
        f => direct(f),
    };
    found.unwrap_or_else(|| match field {
        "spec.hostNetwork" | "spec.unschedulable" => "false".to_string(),
        "status.replicas" | "status.successful" => "0".to_string(),
        _ => String::new(),
    })
}

/// Whether upstream accepts `field` in a field selector for `resource_plural`
/// (e.g. `pods`, `events`). Unknown resources accept `metadata.name` and
/// `metadata.namespace` only.
pub fn supported(resource_plural: &str, field: &str) -> bool {
    let meta = matches!(field, "metadata.name" | "metadata.namespace");
    match resource_plural {
        "pods" => {
            meta || matches!(
                field,
                "spec.nodeName"
                    | "spec.restartPolicy"
                    | "spec.schedulerName"
                    | "spec.serviceAccountName"
                    | "spec.hostNetwork"
                    | "status.phase"
                    | "status.podIP"
                    | "status.nominatedNodeName"
            )
        }
        "events" => {
            meta || matches!(
                field,
                "involvedObject.kind"
                    | "involvedObject.namespace"
                    | "involvedObject.name"
                    | "involvedObject.uid"
                    | "involvedObject.apiVersion"
                    | "involvedObject.resourceVersion"
                    | "involvedObject.fieldPath"
                    | "reason"
                    | "reportingComponent"
                    | "source"
                    | "type"
            )
        }
        "nodes" => matches!(field, "metadata.name" | "spec.unschedulable"),
        "namespaces" => matches!(field, "metadata.name" | "status.phase"),
        "persistentvolumes" => field == "metadata.name",
        "secrets" => meta || field == "type",
        "replicationcontrollers" | "replicasets" => meta || field == "status.replicas",
        "jobs" => meta || field == "status.successful",
        "certificatesigningrequests" => matches!(field, "metadata.name" | "spec.signerName"),
        _ => meta,
    }
}

/// The message upstream returns (in a `400 BadRequest`) for a field selector
/// on an unsupported field; the wording depends on the resource.
pub fn unsupported_field_error(resource_plural: &str, field: &str) -> String {
    let kind = match resource_plural {
        "endpoints" => Some("Endpoints"),
        "resourcequotas" => Some("ResourceQuota"),
        "persistentvolumeclaims" => Some("PersistentVolumeClaim"),
        "services" => Some("Service"),
        "serviceaccounts" => Some("ServiceAccount"),
        "configmaps" => Some("ConfigMap"),
        "jobs" => Some("Job"),
        "cronjobs" => Some("CronJob"),
        _ => None,
    };
    if let Some(kind) = kind {
        return format!("field label {field:?} not supported for {kind:?}");
    }
    match resource_plural {
        "pods" | "nodes" | "namespaces" | "persistentvolumes" | "events" | "secrets"
        | "replicationcontrollers" => format!("field label not supported: {field}"),
        _ => format!(
            "{field:?} is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // ----- the one matcher for selector objects and Service maps ----------------------

    /// Moved from the StatefulSet controller's own copy, assertions unchanged.
    #[test]
    fn selectors_match_labels_and_expressions() {
        let labels = json!({"app": "web", "tier": "db"});
        assert!(selector_matches(
            &json!({"matchLabels": {"app": "web"}}),
            &labels
        ));
        assert!(!selector_matches(
            &json!({"matchLabels": {"app": "api"}}),
            &labels
        ));
        let exprs = json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["db"]},
            {"key": "x", "operator": "DoesNotExist"}]});
        assert!(selector_matches(&exprs, &labels));
    }

    #[test]
    fn selector_object_operators() {
        let labels = json!({"app": "web", "tier": "db"});
        let expr = |op: &str, key: &str, values: &[&str]| json!({"matchExpressions": [{"key": key, "operator": op, "values": values}]});
        assert!(selector_matches(
            &expr("In", "tier", &["db", "cache"]),
            &labels
        ));
        assert!(!selector_matches(&expr("In", "tier", &["cache"]), &labels));
        assert!(!selector_matches(&expr("In", "zone", &["a"]), &labels));
        assert!(selector_matches(
            &expr("NotIn", "tier", &["cache"]),
            &labels
        ));
        assert!(!selector_matches(&expr("NotIn", "tier", &["db"]), &labels));
        // NotIn holds for an absent key, as upstream.
        assert!(selector_matches(&expr("NotIn", "zone", &["a"]), &labels));
        assert!(selector_matches(&expr("Exists", "app", &[]), &labels));
        assert!(!selector_matches(&expr("Exists", "zone", &[]), &labels));
        assert!(selector_matches(
            &expr("DoesNotExist", "zone", &[]),
            &labels
        ));
        assert!(!selector_matches(
            &expr("DoesNotExist", "app", &[]),
            &labels
        ));
        // matchLabels and matchExpressions are ANDed.
        let both = json!({"matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["cache"]}]});
        assert!(!selector_matches(&both, &labels));
    }

    /// Where the four former copies disagreed: the controller's and validation's copies let a
    /// `null` selector match everything and matched an invalid key; all now follow upstream's
    /// `LabelSelectorAsSelector`.
    #[test]
    fn selector_object_edge_cases_follow_upstream() {
        let labels = json!({"app": "web"});
        assert!(
            !selector_matches(&Value::Null, &labels),
            "null selects nothing"
        );
        assert!(
            selector_matches(&json!({}), &labels),
            "{{}} selects everything"
        );
        assert!(
            selector_matches(&json!({}), &Value::Null),
            "even an unlabelled object"
        );
        let unknown_op =
            json!({"matchExpressions": [{"key": "app", "operator": "Gt", "values": ["1"]}]});
        assert!(!selector_matches(&unknown_op, &labels));
        let bad_key = json!({"matchLabels": {"-app": "web"}});
        assert!(!selector_matches(&bad_key, &json!({"-app": "web"})));
        // A null matchLabels value is the empty string (Go's map[string]string decoding),
        // so it does not match an absent label.
        assert!(!selector_matches(
            &json!({"matchLabels": {"zone": null}}),
            &labels
        ));
        assert!(selector_matches(
            &json!({"matchLabels": {"zone": null}}),
            &json!({"zone": ""})
        ));
    }

    /// The Service form (`spec.selector` map): the proxy's copy refused an empty map and the
    /// endpoints controller's accepted it; `set_matches` is upstream's `SelectorFromSet`
    /// (empty selects everything) and both callers keep their "no selector, no endpoints" check.
    #[test]
    fn service_selector_map() {
        let labels = json!({"app": "web", "tier": "db"});
        let set = |v: Value| v.as_object().cloned().unwrap();
        assert!(set_matches(&set(json!({"app": "web"})), &labels));
        assert!(set_matches(
            &set(json!({"app": "web", "tier": "db"})),
            &labels
        ));
        assert!(!set_matches(
            &set(json!({"app": "web", "tier": "cache"})),
            &labels
        ));
        assert!(!set_matches(&set(json!({"zone": "a"})), &labels));
        assert!(set_matches(&Map::new(), &labels));
        assert!(!set_matches(&set(json!({"app": "web"})), &Value::Null));
        assert_eq!(
            LabelSelector::from_set(&set(json!({"b": "2", "a": "1"}))).to_string(),
            "a=1,b=2"
        );
    }

    fn labels(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn sel(s: &str) -> LabelSelector {
        LabelSelector::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn equality_operators() {
        let l = labels(json!({"app": "web", "tier": "fe"}));
        assert!(sel("app=web").matches(&l));
        assert!(sel("app==web").matches(&l));
        assert!(!sel("app=db").matches(&l));
        assert!(sel("app!=db").matches(&l));
        assert!(!sel("app!=web").matches(&l));
        // != matches when the key is absent.
        assert!(sel("missing!=x").matches(&l));
        assert!(!sel("missing=x").matches(&l));
        // Empty value.
        assert!(sel("missing!=").matches(&l));
        assert!(sel("e=").matches(&labels(json!({"e": ""}))));
        assert!(!sel("e=").matches(&l));
    }

    #[test]
    fn set_operators() {
        let l = labels(json!({"env": "prod", "tier": "fe"}));
        assert!(sel("env in (prod,staging)").matches(&l));
        assert!(!sel("env in (dev)").matches(&l));
        assert!(!sel("missing in (a)").matches(&l));
        assert!(sel("env notin (dev,qa)").matches(&l));
        assert!(!sel("env notin (prod)").matches(&l));
        // notin matches when absent.
        assert!(sel("missing notin (a)").matches(&l));
        // `in`/`notin` are valid values and keys in a value context.
        assert!(sel("x in (in,notin)").matches(&labels(json!({"x": "notin"}))));
        // Empty value sets.
        let r = sel("x in ()");
        assert_eq!(r.requirements()[0].values, vec![String::new()]);
        assert_eq!(sel("x in (a,,b)").requirements()[0].values, ["", "a", "b"]);
        assert_eq!(sel("x in (,a)").requirements()[0].values, ["", "a"]);
    }

    #[test]
    fn exists_operators() {
        let l = labels(json!({"app": "web"}));
        assert!(sel("app").matches(&l));
        assert!(!sel("nope").matches(&l));
        assert!(sel("!nope").matches(&l));
        assert!(!sel("!app").matches(&l));
        assert!(sel("app, !nope").matches(&l));
    }

    #[test]
    fn numeric_operators() {
        let l = labels(json!({"n": "5"}));
        assert!(sel("n>3").matches(&l));
        assert!(!sel("n>5").matches(&l));
        assert!(sel("n<6").matches(&l));
        assert!(!sel("m<6").matches(&l));
        assert!(!sel("n>3").matches(&labels(json!({"n": "x"}))));
        assert!(LabelSelector::parse("n>x")
            .unwrap_err()
            .contains("the value must be an integer"));
    }

    #[test]
    fn and_whitespace_and_everything() {
        let l = labels(json!({"a": "1", "b": "2"}));
        assert!(sel("  a = 1 ,  b in ( 2 , 3 ) ").matches(&l));
        assert!(!sel("a=1,b=3").matches(&l));
        assert!(sel("").matches(&l));
        assert!(sel("   ").is_everything());
        assert!(LabelSelector::everything().matches(&Map::new()));
        assert!(!LabelSelector::nothing().matches(&l));
    }

    #[test]
    fn display_is_canonical() {
        assert_eq!(
            sel("z=1,a in (y,x),!b,c,d!=2,e==3").to_string(),
            "a in (x,y),!b,c,d!=2,e==3,z=1"
        );
        assert_eq!(sel("x notin (b,a)").to_string(), "x notin (a,b)");
    }

    #[test]
    fn parse_errors() {
        assert_eq!(
            LabelSelector::parse("app:monolith").unwrap_err(),
            "unable to parse requirement: <nil>: Invalid value: \"app:monolith\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        );
        assert_eq!(
            LabelSelector::parse("a b").unwrap_err(),
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"
        );
        assert_eq!(
            LabelSelector::parse("a=b,").unwrap_err(),
            "found '', expected: identifier after ','"
        );
        assert_eq!(
            LabelSelector::parse("a=b c").unwrap_err(),
            "found 'c', expected: ',' or 'end of string'"
        );
        assert_eq!(
            LabelSelector::parse("=a").unwrap_err(),
            "found '=', expected: !, identifier, or 'end of string'"
        );
        assert_eq!(
            LabelSelector::parse("a in b").unwrap_err(),
            "unable to parse requirement: found 'b' expected: '('"
        );
        assert_eq!(
            LabelSelector::parse("a in (b c)").unwrap_err(),
            "unable to parse requirement: found 'c', expected: ',' or ')'"
        );
        assert_eq!(
            LabelSelector::parse("a in (b").unwrap_err(),
            "unable to parse requirement: found '', expected: ',' or ')'"
        );
        assert_eq!(
            LabelSelector::parse("a==(").unwrap_err(),
            "unable to parse requirement: found '(', expected: identifier"
        );
        assert_eq!(
            LabelSelector::parse("!a=b").unwrap_err(),
            "found '=', expected: ',' or 'end of string'"
        );
        assert_eq!(
            LabelSelector::parse("!=a").unwrap_err(),
            "found '!=', expected: !, identifier, or 'end of string'"
        );
        assert_eq!(
            LabelSelector::parse("a=b/c").unwrap_err(),
            "unable to parse requirement: values[0][a]: Invalid value: \"b/c\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        );
        assert!(LabelSelector::parse("a/b/c=d")
            .unwrap_err()
            .starts_with("unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist"));
        assert!(LabelSelector::parse("Bad.Prefix/x")
            .unwrap_err()
            .contains("prefix part a lowercase RFC 1123 subdomain"));
        let long = "k".repeat(64);
        assert!(LabelSelector::parse(&long)
            .unwrap_err()
            .contains("name part must be no more than 63 characters"));
    }

    #[test]
    fn prefixed_keys() {
        let l = labels(json!({"app.kubernetes.io/name": "web"}));
        assert!(sel("app.kubernetes.io/name=web").matches(&l));
        assert!(sel("app.kubernetes.io/name in (web, db)").matches(&l));
    }

    #[test]
    fn from_match_selector() {
        let s = LabelSelector::from_match(&json!({
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["fe", "be"]},
                {"key": "env", "operator": "NotIn", "values": ["dev"]},
                {"key": "track", "operator": "Exists"},
                {"key": "legacy", "operator": "DoesNotExist"}
            ]
        }))
        .unwrap();
        assert!(s.matches(&labels(json!({"app":"web","tier":"fe","track":"x"}))));
        assert!(!s.matches(&labels(
            json!({"app":"web","tier":"fe","track":"x","legacy":"y"})
        )));
        assert!(!s.matches(&labels(
            json!({"app":"web","tier":"fe","track":"x","env":"dev"})
        )));
        assert!(!s.matches(&labels(json!({"app":"web","tier":"zz","track":"x"}))));
        assert_eq!(
            s.to_string(),
            "app=web,env notin (dev),!legacy,tier in (be,fe),track"
        );

        assert!(LabelSelector::from_match(&json!({}))
            .unwrap()
            .is_everything());
        assert!(!LabelSelector::from_match(&Value::Null)
            .unwrap()
            .matches(&Map::new()));
        assert_eq!(
            LabelSelector::from_match(
                &json!({"matchExpressions":[{"key":"a","operator":"Gt","values":["1"]}]})
            )
            .unwrap_err(),
            "\"Gt\" is not a valid label selector operator"
        );
        assert_eq!(
            LabelSelector::from_match(&json!({"matchExpressions":[{"key":"a","operator":"In","values":[]}]}))
                .unwrap_err(),
            "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"
        );
        assert_eq!(
            LabelSelector::from_match(&json!({"matchExpressions":[{"key":"a","operator":"Exists","values":["x"]}]}))
                .unwrap_err(),
            "values: Invalid value: []string{\"x\"}: values set must be empty for exists and does not exist"
        );
        assert!(
            LabelSelector::from_match(&json!({"matchLabels":{"bad key":"v"}}))
                .unwrap_err()
                .starts_with("key: Invalid value: \"bad key\": name part must consist")
        );
    }

    #[test]
    fn matches_object_labels() {
        let pod = json!({"metadata": {"name": "p", "labels": {"app": "web"}}});
        assert!(sel("app=web").matches_object(&pod));
        assert!(sel("!x").matches_object(&json!({"metadata": {}})));
        assert!(!sel("app").matches_object(&json!({})));
    }

    fn pod() -> Value {
        json!({
            "metadata": {"name": "web-0", "namespace": "default"},
            "spec": {"nodeName": "node-1", "restartPolicy": "Always", "serviceAccountName": "default"},
            "status": {"phase": "Running", "podIP": "10.0.0.5", "podIPs": [{"ip": "10.0.0.5"}]}
        })
    }

    #[test]
    fn field_selectors_on_pods() {
        let p = pod();
        let fs = |s: &str| FieldSelector::parse(s).unwrap();
        assert!(fs("metadata.name=web-0").matches(&p));
        assert!(fs("metadata.name==web-0,metadata.namespace=default").matches(&p));
        assert!(!fs("metadata.name=web-1").matches(&p));
        assert!(fs("spec.nodeName=node-1").matches(&p));
        assert!(fs("status.phase!=Pending").matches(&p));
        assert!(!fs("status.phase!=Running").matches(&p));
        assert!(fs("status.podIP=10.0.0.5").matches(&p));
        // Missing fields compare as "".
        assert!(fs("spec.schedulerName=").matches(&p));
        assert!(fs("status.nominatedNodeName!=x").matches(&p));
        // Unset booleans compare as "false".
        assert!(fs("spec.hostNetwork=false").matches(&p));
        assert!(fs("").matches(&p));
        assert!(fs("").is_everything());
        // Unscheduled pods: spec.nodeName= (what the scheduler watches).
        assert!(fs("spec.nodeName=").matches(&json!({"metadata": {"name": "x"}})));
        assert_eq!(
            fs("metadata.name=web-0").requires_exact_match("metadata.name"),
            Some("web-0")
        );
        assert_eq!(
            fs("metadata.name!=web-0").requires_exact_match("metadata.name"),
            None
        );
    }

    #[test]
    fn field_selector_parse_errors_and_escapes() {
        assert_eq!(
            FieldSelector::parse("metadata.name").unwrap_err(),
            "invalid selector: 'metadata.name'; can't understand 'metadata.name'"
        );
        assert_eq!(
            FieldSelector::parse("a=b=c").unwrap_err(),
            "invalid field selector: unescaped character in value: 61"
        );
        assert_eq!(
            FieldSelector::parse("a=b\\x").unwrap_err(),
            "invalid field selector: invalid escape sequence: \\x"
        );
        let fs = FieldSelector::parse("metadata.name=a\\,b\\=c").unwrap();
        assert_eq!(fs.terms()[0].value, "a,b=c");
        assert!(fs.matches(&json!({"metadata": {"name": "a,b=c"}})));
        assert_eq!(fs.to_string(), "metadata.name=a\\,b\\=c");
        // Empty terms are skipped.
        assert_eq!(FieldSelector::parse("a=1,,b!=2").unwrap().terms().len(), 2);
    }

    #[test]
    fn field_selectors_on_events() {
        let ev = json!({
            "metadata": {"name": "e1", "namespace": "default"},
            "involvedObject": {"kind": "Pod", "name": "web-0", "uid": "u-1"},
            "reason": "Scheduled", "type": "Normal",
            "source": {"component": "default-scheduler"},
            "reportingComponent": "default-scheduler"
        });
        let fs = |s: &str| FieldSelector::parse(s).unwrap();
        assert!(fs("involvedObject.name=web-0,involvedObject.kind=Pod").matches(&ev));
        assert!(fs("involvedObject.uid=u-1").matches(&ev));
        assert!(fs("type=Normal,reason=Scheduled").matches(&ev));
        assert!(fs("source=default-scheduler").matches(&ev));
        assert!(fs("reportingComponent=default-scheduler").matches(&ev));
        assert!(!fs("type=Warning").matches(&ev));
        let new_style = json!({"regarding": {"name": "web-0"}, "reportingController": "kubelet"});
        assert!(fs("involvedObject.name=web-0,reportingComponent=kubelet").matches(&new_style));
    }

    #[test]
    fn supported_fields() {
        for f in [
            "metadata.name",
            "metadata.namespace",
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ] {
            assert!(supported("pods", f), "{f}");
        }
        assert!(!supported("pods", "spec.containers"));
        for f in [
            "involvedObject.name",
            "involvedObject.kind",
            "involvedObject.uid",
            "reason",
            "source",
            "type",
            "reportingComponent",
        ] {
            assert!(supported("events", f), "{f}");
        }
        assert!(supported("statefulsets", "metadata.name"));
        assert!(!supported("statefulsets", "spec.replicas"));
        assert!(!supported("nodes", "metadata.namespace"));
        assert!(supported("secrets", "type"));

        assert_eq!(
            unsupported_field_error("pods", "spec.x"),
            "field label not supported: spec.x"
        );
        assert_eq!(
            unsupported_field_error("statefulsets", "spec.x"),
            "\"spec.x\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
        );
        assert_eq!(
            unsupported_field_error("services", "spec.x"),
            "field label \"spec.x\" not supported for \"Service\""
        );
        let fs = FieldSelector::parse("metadata.name=a,spec.bad=1").unwrap();
        assert_eq!(
            fs.validate_for("pods").unwrap_err(),
            "field label not supported: spec.bad"
        );
        assert!(FieldSelector::parse("spec.nodeName=n")
            .unwrap()
            .validate_for("pods")
            .is_ok());
    }
}
