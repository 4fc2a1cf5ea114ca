//! The one parser of duration flags (`--timeout`, `--interval`, `--request-timeout`, ...).
//!
//! The grammar is jiff's "friendly" duration format (`30s`, `1m30s`, `1.5h`, `250ms`, `1h 30m`),
//! plus kubectl's bare seconds (`30`). Nothing goes through floats, and every value is bounded by
//! [`MAX_DURATION`], the largest duration kubectl itself accepts (Go's `time.Duration`), so no
//! flag can make a later `Instant + Duration` or timer overflow.

use std::time::Duration;

use jiff::SignedDuration;

/// The largest duration a flag accepts: Go's `time.Duration` maximum (`2562047h47m16s`, about
/// 292 years), rounded down to whole seconds.
pub const MAX_DURATION: Duration = Duration::from_secs(i64::MAX as u64 / 1_000_000_000);

/// Parses a duration flag value; errors say what is wrong and what is allowed.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration: expected e.g. 30s, 5m, 1h30m or 250ms".into());
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<u64>() {
            Ok(secs) if secs <= MAX_DURATION.as_secs() => Ok(Duration::from_secs(secs)),
            _ => Err(out_of_range(text)),
        };
    }
    if text.starts_with('-') || text.ends_with("ago") {
        return Err(format!("invalid duration {text:?}: must not be negative"));
    }
    let signed: SignedDuration = match text.parse() {
        Ok(d) => d,
        Err(_) if has_oversized_integer(text) => return Err(out_of_range(text)),
        Err(e) => {
            return Err(format!(
                "invalid duration {text:?}: expected e.g. 30s, 5m, 1h30m or 250ms ({e})"
            ))
        }
    };
    let duration = Duration::try_from(signed)
        .map_err(|_| format!("invalid duration {text:?}: must not be negative"))?;
    if duration > MAX_DURATION {
        return Err(out_of_range(text));
    }
    Ok(duration)
}

/// Prints a duration the way [`parse`] reads it back (`1h30m`, `250ms`, `0s`).
pub fn format(duration: Duration) -> String {
    let signed = SignedDuration::try_from(duration).unwrap_or(SignedDuration::MAX);
    format!("{signed:#}").replace(' ', "")
}

fn out_of_range(text: &str) -> String {
    format!(
        "duration {text:?} is out of range: the largest allowed is {}",
        format(MAX_DURATION)
    )
}

/// Whether an integer part in `text` has more digits than any duration could use, which is
/// what jiff reports as "number too big".
fn has_oversized_integer(text: &str) -> bool {
    let mut integers = Vec::new();
    let mut run = String::new();
    let mut in_fraction = false;
    for c in text.chars() {
        match c {
            '0'..='9' if !in_fraction => run.push(c),
            '0'..='9' => {}
            _ => {
                integers.push(std::mem::take(&mut run));
                in_fraction = c == '.';
            }
        }
    }
    integers.push(run);
    integers
        .iter()
        .any(|digits| !digits.is_empty() && digits.parse::<i64>().is_err())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn kubectl_spellings() {
        assert_eq!(parse("30").unwrap(), Duration::from_secs(30));
        assert_eq!(parse("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse("1.5h").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse("2h").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse("0").unwrap(), Duration::ZERO);
        assert_eq!(parse("0s").unwrap(), Duration::ZERO);
    }

    #[test]
    fn rejects_garbage_and_negatives() {
        for bad in ["", "5x", "m", "1.2.3s", "-1s", "1h ago", "1d", "1s1m"] {
            assert!(parse(bad).is_err(), "{bad:?} should fail");
        }
        assert!(parse("-1s").unwrap_err().contains("negative"));
    }

    #[test]
    fn out_of_range_names_the_largest_value() {
        for big in [
            "18446744073709551616s",
            "99999999999999999999h",
            "18446744073709551616",
            "2562048h",
            "9223372036854775807s",
        ] {
            let err = parse(big).unwrap_err();
            assert!(err.contains("out of range"), "{big}: {err}");
            assert!(err.contains("2562047h47m16s"), "{big}: {err}");
        }
        assert_eq!(parse(&format(MAX_DURATION)).unwrap(), MAX_DURATION);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn never_panics(text in "\\PC{0,40}") {
            let _ = parse(&text);
        }

        #[test]
        fn never_panics_on_duration_like_text(text in "[0-9.]{1,25}(ns|us|µs|ms|s|m|h| |[a-z]{1,3}){0,4}") {
            if let Ok(d) = parse(&text) {
                prop_assert!(d <= MAX_DURATION);
            }
        }

        #[test]
        fn accepted_values_are_bounded(secs in any::<u64>(), nanos in 0u32..1_000_000_000) {
            let d = Duration::new(secs, nanos);
            let printed = format!("{}s{}ns", secs, nanos);
            match parse(&printed) {
                Ok(parsed) => {
                    prop_assert_eq!(parsed, d);
                    prop_assert!(parsed <= MAX_DURATION);
                }
                Err(e) => prop_assert!(e.contains("out of range") || d > MAX_DURATION, "{}", e),
            }
        }

        #[test]
        fn print_then_parse_round_trips(secs in 0..=MAX_DURATION.as_secs(), nanos in 0u32..1_000_000_000) {
            let d = Duration::new(secs, nanos).min(MAX_DURATION);
            prop_assert_eq!(parse(&format(d)).unwrap(), d);
        }
    }
}
