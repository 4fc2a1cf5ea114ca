//! Ages the way kubectl prints them (`45s`, `5m`, `3h`, `12d`), ported from
//! `k8s.io/apimachinery/pkg/util/duration.HumanDuration`.

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

/// The age of an object created at `created`, seen at `now`; `<unknown>` without a timestamp.
pub fn age(created: Option<&Time>, now: Timestamp) -> String {
    match created {
        Some(Time(t)) => human_duration(now.as_second() - t.as_second()),
        None => "<unknown>".into(),
    }
}

/// kubectl's `HumanDuration` over whole seconds.
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
    let hours = minutes / 60;
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
        let d = (hours / 24) % 365;
        return if d == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{d}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_kubectl() {
        assert_eq!(human_duration(-5), "<invalid>");
        assert_eq!(human_duration(0), "0s");
        assert_eq!(human_duration(119), "119s");
        assert_eq!(human_duration(125), "2m5s");
        assert_eq!(human_duration(300), "5m");
        assert_eq!(human_duration(3 * 3600), "3h");
        assert_eq!(human_duration(3 * 3600 + 120), "3h2m");
        assert_eq!(human_duration(30 * 3600), "30h");
        assert_eq!(human_duration(3 * 86400 + 3600), "3d1h");
        assert_eq!(human_duration(12 * 86400), "12d");
        assert_eq!(human_duration(800 * 86400), "2y70d");
        assert_eq!(human_duration(9 * 365 * 86400), "9y");
    }

    #[test]
    fn age_from_timestamp() {
        let now: Timestamp = "2024-01-01T01:00:00Z".parse().unwrap();
        let created = Time("2024-01-01T00:55:00Z".parse().unwrap());
        assert_eq!(age(Some(&created), now), "5m");
        assert_eq!(age(None, now), "<unknown>");
    }
}
