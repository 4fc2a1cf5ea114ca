//! Kubernetes resource quantities (`5Mi`, `1G`, `1.5Gi`, `1e9`) as byte counts, and byte counts
//! back to the human units kubectl users read (`512Mi`, `1.5Gi`).

/// Parses a Kubernetes quantity into bytes (rounded up to a whole byte).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let bad = || {
        format!("invalid size {text:?}: expected a Kubernetes quantity such as 512Mi, 2Gi or 10G")
    };
    if text.is_empty() {
        return Err(bad());
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let value: f64 = number.parse().map_err(|_| bad())?;
    let multiplier: f64 = match suffix {
        "" => 1.0,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        s if s.starts_with(['e', 'E']) => {
            let exp: i32 = s[1..].parse().map_err(|_| bad())?;
            10f64.powi(exp)
        }
        _ => return Err(bad()),
    };
    let bytes = value * multiplier;
    if !bytes.is_finite() || bytes < 0.0 {
        return Err(bad());
    }
    Ok(bytes.ceil() as u64)
}

/// Formats bytes with binary units, kubectl style: `0`, `512Ki`, `5Mi`, `1.5Gi`.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
    if bytes < 1024 {
        return bytes.to_string();
    }
    let mut value = bytes as f64;
    let mut unit = "";
    for u in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = u;
    }
    if (value - value.round()).abs() < 0.05 || value >= 100.0 {
        format!("{}{unit}", value.round() as u64)
    } else {
        format!("{value:.1}{unit}")
    }
}

/// Percentage used, rounded down, as `df` prints it; `None` when the capacity is unknown.
pub fn percent(used: u64, capacity: u64) -> Option<u8> {
    (capacity > 0).then(|| ((used as u128 * 100) / capacity as u128).min(100) as u8)
}

/// A text bar `[#####.....]` of `width` cells for a percentage.
pub fn bar(percent: u8, width: usize) -> String {
    let filled = (percent as usize * width).div_ceil(100).min(width);
    format!("[{}{}]", "#".repeat(filled), ".".repeat(width - filled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_binary_decimal_and_exponent() {
        assert_eq!(parse_bytes("5Mi").unwrap(), 5 * 1024 * 1024);
        assert_eq!(parse_bytes("1Gi").unwrap(), parse_bytes("1024Mi").unwrap());
        assert_eq!(parse_bytes("1.5Gi").unwrap(), 3 * 512 * 1024 * 1024);
        assert_eq!(parse_bytes("10G").unwrap(), 10_000_000_000);
        assert_eq!(parse_bytes("1e3").unwrap(), 1000);
        assert_eq!(parse_bytes("100").unwrap(), 100);
        assert_eq!(parse_bytes("1500m").unwrap(), 2);
    }

    #[test]
    fn rejects_malformed() {
        for bad in ["", "Gi", "2GB", "two", "1.2.3Gi", "-1Gi"] {
            assert!(parse_bytes(bad).is_err(), "{bad} should fail");
        }
        assert!(parse_bytes("2GB").unwrap_err().contains("2GB"));
    }

    #[test]
    fn formats_human_units() {
        assert_eq!(format_bytes(0), "0");
        assert_eq!(format_bytes(1000), "1000");
        assert_eq!(format_bytes(5 * 1024 * 1024), "5Mi");
        assert_eq!(format_bytes(3 * 512 * 1024 * 1024), "1.5Gi");
        assert_eq!(format_bytes(12 * 1024), "12Ki");
    }

    #[test]
    fn percent_and_bar() {
        assert_eq!(percent(1, 3), Some(33));
        assert_eq!(percent(5, 0), None);
        assert_eq!(bar(50, 10), "[#####.....]");
        assert_eq!(bar(1, 10), "[#.........]");
        assert_eq!(bar(0, 4), "[....]");
        assert_eq!(bar(100, 4), "[####]");
    }
}
