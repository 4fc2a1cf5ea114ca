//! Turning what a pod returned (a file's bytes or an HTTP body) into a visit count. Pure.
//!
//! `--format auto` (the default) accepts what the seeds' apps write: a single integer (the
//! count), one visit per line starting with a time or timestamp (RFC 3339, `HH:MM:SS[.ffffff]`
//! as in seed 004, `YYYY-MM-DD HH:MM:SS`, Unix seconds), or a JSON object with a numeric
//! `visits` field. Anything else is an error saying what was expected and what came back.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// How to read the content (`--format`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Format {
    /// One integer, one timestamped line per visit, or JSON with a numeric `visits` field.
    #[default]
    Auto,
    /// Exactly one integer.
    Count,
    /// Every non-empty line is one visit.
    Lines,
    /// A JSON document; the count is the number at this dotted field path.
    Json(String),
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Format::Auto),
            "count" => Ok(Format::Count),
            "lines" => Ok(Format::Lines),
            "json" => Ok(Format::Json("visits".into())),
            other => match other.strip_prefix("json:") {
                Some(field) if !field.is_empty() => Ok(Format::Json(field.to_string())),
                _ => Err(format!(
                    "invalid format {other:?}: expected auto, count, lines or json:FIELD"
                )),
            },
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Format::Auto => f.write_str("auto"),
            Format::Count => f.write_str("count"),
            Format::Lines => f.write_str("lines"),
            Format::Json(field) => write!(f, "json:{field}"),
        }
    }
}

/// When the last visit happened, as the content said it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastVisit {
    /// The time as written (trimmed), or normalised RFC 3339 for Unix seconds.
    pub text: String,
    /// The absolute instant when the content carried a date (for "5m ago").
    #[serde(skip)]
    pub at: Option<Timestamp>,
}

/// A parsed counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The number of visits.
    pub visits: u64,
    /// The last visit, when the content has one.
    pub last_visit: Option<LastVisit>,
}

/// What `format` expects, for error messages.
pub fn expectation(format: &Format) -> String {
    match format {
        Format::Auto => {
            "a single integer, one timestamp per line, or JSON with a numeric \"visits\" field"
                .into()
        }
        Format::Count => "a single integer".into(),
        Format::Lines => "text lines".into(),
        Format::Json(field) => format!("JSON with a numeric {field:?} field"),
    }
}

/// Parses `content` as `format` says. The error names what was expected and shows the start of
/// what came back; callers prefix the pod and path.
pub fn parse(content: &str, format: &Format) -> Result<Parsed, String> {
    let trimmed = content.trim();
    let result = match format {
        Format::Count => parse_integer(trimmed).map(|visits| Parsed {
            visits,
            last_visit: None,
        }),
        Format::Lines => Some(parse_lines(trimmed)),
        Format::Json(field) => parse_json(trimmed, field),
        Format::Auto => {
            if trimmed.is_empty() {
                // An app that has not been visited yet may have written nothing.
                Some(Parsed {
                    visits: 0,
                    last_visit: None,
                })
            } else if let Some(visits) = parse_integer(trimmed) {
                Some(Parsed {
                    visits,
                    last_visit: None,
                })
            } else if trimmed.starts_with('{') {
                parse_json(trimmed, "visits")
            } else if trimmed
                .lines()
                .filter(|l| !l.trim().is_empty())
                .all(|l| line_time(l).is_some())
            {
                Some(parse_lines(trimmed))
            } else {
                None
            }
        }
    };
    result.ok_or_else(|| format!("expected {}, got {}", expectation(format), preview(trimmed)))
}

/// The first bytes of `text`, quoted, for error messages.
pub fn preview(text: &str) -> String {
    if text.is_empty() {
        return "an empty file".into();
    }
    let mut cut: String = text.chars().take(40).collect();
    if cut.len() < text.len() {
        cut.push_str("...");
    }
    format!("{cut:?}")
}

fn parse_integer(text: &str) -> Option<u64> {
    let text = text.strip_prefix('+').unwrap_or(text);
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn parse_lines(text: &str) -> Parsed {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    Parsed {
        visits: lines.len() as u64,
        last_visit: lines.last().and_then(|l| line_time(l)),
    }
}

fn parse_json(text: &str, field: &str) -> Option<Parsed> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let mut at = &value;
    for part in field.split('.') {
        at = at.get(part)?;
    }
    let visits = match at {
        serde_json::Value::Number(n) => n.as_u64()?,
        serde_json::Value::String(s) => parse_integer(s.trim())?,
        _ => return None,
    };
    let last_visit = ["lastVisit", "last_visit", "last"]
        .iter()
        .find_map(|k| value.get(k)?.as_str())
        .and_then(line_time);
    Some(Parsed { visits, last_visit })
}

/// The time a visit line starts with: RFC 3339, `YYYY-MM-DD[ T]HH:MM:SS[.f]`, `HH:MM:SS[.f]`, or
/// Unix seconds (10 digits, optional fraction).
pub fn line_time(line: &str) -> Option<LastVisit> {
    let line = line.trim();
    let mut words = line.split_whitespace();
    let first = words.next()?;
    // "2024-05-01 12:00:00.5" is one time in two words.
    if let Some(second) = words.next() {
        let joined = format!("{first} {second}");
        if let Some(t) = single_time(&joined) {
            return Some(t);
        }
    }
    single_time(first)
}

fn single_time(word: &str) -> Option<LastVisit> {
    let word = word.trim_end_matches([',', ';']);
    if let Ok(ts) = word.parse::<Timestamp>() {
        return Some(LastVisit {
            text: word.to_string(),
            at: Some(ts),
        });
    }
    let colons = word.bytes().filter(|b| *b == b':').count();
    if colons >= 1 && word.contains('-') {
        if let Ok(dt) = word.parse::<jiff::civil::DateTime>() {
            return Some(LastVisit {
                text: word.to_string(),
                at: dt
                    .to_zoned(jiff::tz::TimeZone::UTC)
                    .ok()
                    .map(|z| z.timestamp()),
            });
        }
    }
    if colons == 2
        && word.len() >= 8
        && !word.contains('-')
        && word.parse::<jiff::civil::Time>().is_ok()
    {
        return Some(LastVisit {
            text: word.to_string(),
            at: None,
        });
    }
    let (int, frac) = word.split_once('.').unwrap_or((word, ""));
    if int.len() == 10
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
    {
        let secs: i64 = int.parse().ok()?;
        let ts = Timestamp::from_second(secs).ok()?;
        return Some(LastVisit {
            text: ts.to_string(),
            at: Some(ts),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auto(text: &str) -> Result<Parsed, String> {
        parse(text, &Format::Auto)
    }

    #[test]
    fn formats_parse_from_flags() {
        assert_eq!("auto".parse::<Format>().unwrap(), Format::Auto);
        assert_eq!("count".parse::<Format>().unwrap(), Format::Count);
        assert_eq!("lines".parse::<Format>().unwrap(), Format::Lines);
        assert_eq!(
            "json:stats.visits".parse::<Format>().unwrap(),
            Format::Json("stats.visits".into())
        );
        assert!("json:".parse::<Format>().is_err());
        assert!("xml".parse::<Format>().unwrap_err().contains("json:FIELD"));
        assert_eq!(Format::Json("a".into()).to_string(), "json:a");
    }

    #[test]
    fn one_integer_is_the_count() {
        assert_eq!(auto("38\n").unwrap().visits, 38);
        assert_eq!(auto("  5 ").unwrap().visits, 5);
        assert_eq!(auto("").unwrap().visits, 0);
        assert_eq!(parse("13", &Format::Count).unwrap().visits, 13);
        assert!(parse("", &Format::Count).is_err());
        assert!(parse("-3", &Format::Count).is_err());
    }

    #[test]
    fn seed_004_time_of_day_lines() {
        let log = "17:36:47.511070\n17:36:48.645548\n18:24:43.809137\n\n18:24:44.970476\n";
        let p = auto(log).unwrap();
        assert_eq!(p.visits, 4);
        let last = p.last_visit.unwrap();
        assert_eq!(last.text, "18:24:44.970476");
        assert_eq!(last.at, None);
    }

    #[test]
    fn rfc3339_and_datetime_lines() {
        let log = "2024-05-01T12:00:00Z GET /\n2024-05-01T12:00:05.25+02:00 GET /\n";
        let p = auto(log).unwrap();
        assert_eq!(p.visits, 2);
        let last = p.last_visit.unwrap();
        assert_eq!(last.text, "2024-05-01T12:00:05.25+02:00");
        assert_eq!(
            last.at.unwrap(),
            "2024-05-01T10:00:05.25Z".parse::<Timestamp>().unwrap()
        );
        let p = auto("2024-05-01 12:00:00.123456\n2024-05-01 12:00:01.5\n").unwrap();
        assert_eq!(p.visits, 2);
        assert_eq!(p.last_visit.unwrap().text, "2024-05-01 12:00:01.5");
    }

    #[test]
    fn unix_seconds_lines() {
        let p = auto("1714564800\n1714564801.5\n").unwrap();
        assert_eq!(p.visits, 2);
        assert_eq!(p.last_visit.unwrap().text, "2024-05-01T12:00:01Z");
        // A single integer is a count, even if it looks like a time.
        assert_eq!(auto("1714564800").unwrap().visits, 1714564800);
    }

    #[test]
    fn json_bodies() {
        assert_eq!(auto(r#"{"visits": 7, "pod": "app-0"}"#).unwrap().visits, 7);
        let p = auto(r#"{"visits": 2, "lastVisit": "2024-05-01T12:00:00Z"}"#).unwrap();
        assert_eq!(p.last_visit.unwrap().text, "2024-05-01T12:00:00Z");
        let f = Format::Json("stats.total".into());
        assert_eq!(parse(r#"{"stats":{"total":"9"}}"#, &f).unwrap().visits, 9);
        let err = parse(r#"{"stats":{}}"#, &f).unwrap_err();
        assert!(err.contains("numeric \"stats.total\""), "{err}");
        assert!(auto(r#"{"visits": "many"}"#).is_err());
    }

    #[test]
    fn lines_format_counts_anything() {
        let p = parse("a\nb\n\nc\n", &Format::Lines).unwrap();
        assert_eq!(p.visits, 3);
        assert_eq!(p.last_visit, None);
        assert_eq!(parse("", &Format::Lines).unwrap().visits, 0);
    }

    #[test]
    fn garbage_says_what_was_expected() {
        let err = auto("hello world\nthis is not a counter").unwrap_err();
        assert!(err.starts_with("expected a single integer"), "{err}");
        assert!(
            err.contains("\"hello world\\nthis is not a counter\""),
            "{err}"
        );
        let long = "x".repeat(100);
        assert!(auto(&long).unwrap_err().ends_with("...\""));
        assert!(parse("12 13", &Format::Count)
            .unwrap_err()
            .contains("a single integer"));
        // A time-like word must really be a time.
        assert!(auto("99:99:99\n").is_err());
        assert!(auto("12:00\n").is_err());
    }
}
