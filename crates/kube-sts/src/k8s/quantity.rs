//! Kubernetes resource quantities (`5Mi`, `1G`, `1.5Gi`, `1e9`) as byte counts, and byte counts
//! back to the human units kubectl users read (`512Mi`, `1.5Gi`).

/// The largest byte count a quantity may have: Kubernetes reads storage sizes as an int64
/// (`Quantity.Value()`, CSI's `capacity_bytes`), so anything larger cannot be provisioned.
pub const MAX_BYTES: u64 = i64::MAX as u64;

/// Parses a Kubernetes quantity into bytes (rounded up to a whole byte), exactly: integer
/// arithmetic, no floats, and values above [`MAX_BYTES`] are an error.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let bad = || {
        format!("invalid size {text:?}: expected a Kubernetes quantity such as 512Mi, 2Gi or 10G")
    };
    let too_large = || {
        format!(
            "size {text:?} is too large: the largest size Kubernetes accepts is {MAX_BYTES} bytes (just under 8Ei)"
        )
    };
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let split = unsigned
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(unsigned.len());
    let (number, suffix) = unsigned.split_at(split);
    let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
    if (int_part.is_empty() && frac_part.is_empty()) || frac_part.contains('.') {
        return Err(bad());
    }
    let (exp2, suffix_exp10) = suffix_exponents(suffix).ok_or_else(bad)?;
    let digits = format!("{int_part}{frac_part}");
    let digits = digits.trim_start_matches('0');
    if negative && !digits.is_empty() {
        return Err(format!("invalid size {text:?}: must not be negative"));
    }
    // value = mantissa * 2^exp2 * 10^exp10
    let exp10 = i64::from(suffix_exp10) - frac_part.len() as i64;
    if digits.is_empty() {
        return Ok(0);
    }
    // Only ASCII digits are left: a failed parse is an overflow. The API server computes in
    // i128, so a mantissa beyond that is too large for it whatever the exponent.
    let mantissa = digits
        .parse::<i128>()
        .ok()
        .and_then(|m| u128::try_from(m).ok())
        .ok_or_else(too_large)?;
    let scaled = mantissa.checked_shl(exp2).filter(|v| v >> exp2 == mantissa);
    let scaled = scaled.ok_or_else(too_large)?;
    let bytes = if exp10 >= 0 {
        u32::try_from(exp10)
            .ok()
            .and_then(|e| 10u128.checked_pow(e))
            .and_then(|f| scaled.checked_mul(f))
            .ok_or_else(too_large)?
    } else {
        match u32::try_from(-exp10)
            .ok()
            .and_then(|e| 10u128.checked_pow(e))
        {
            Some(divisor) => scaled.div_ceil(divisor),
            None => 1, // a positive value smaller than any byte rounds up to one
        }
    };
    u64::try_from(bytes)
        .ok()
        .filter(|b| *b <= MAX_BYTES)
        .ok_or_else(too_large)
}

/// The binary (power of two) and decimal (power of ten) exponents a quantity suffix stands for.
fn suffix_exponents(suffix: &str) -> Option<(u32, i32)> {
    Some(match suffix {
        "" => (0, 0),
        "Ki" => (10, 0),
        "Mi" => (20, 0),
        "Gi" => (30, 0),
        "Ti" => (40, 0),
        "Pi" => (50, 0),
        "Ei" => (60, 0),
        "n" => (0, -9),
        "u" => (0, -6),
        "m" => (0, -3),
        "k" => (0, 3),
        "M" => (0, 6),
        "G" => (0, 9),
        "T" => (0, 12),
        "P" => (0, 15),
        "E" => (0, 18),
        s if s.starts_with(['e', 'E']) => (0, s[1..].parse().ok()?),
        _ => return None,
    })
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
    use proptest::prelude::*;

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
    fn refuses_sizes_above_what_kubernetes_accepts() {
        for big in [
            "99999999999999999999Ei",
            "8Ei",
            "1e19",
            "9223372036854775808",
            "1e2147483647",
        ] {
            let err = parse_bytes(big).unwrap_err();
            assert!(
                err.contains("too large") && err.contains("8Ei"),
                "{big}: {err}"
            );
        }
        assert_eq!(parse_bytes("9223372036854775807").unwrap(), MAX_BYTES);
        assert_eq!(parse_bytes("1e-2147483648").unwrap(), 1);
        assert_eq!(parse_bytes("0.0").unwrap(), 0);
        assert_eq!(parse_bytes("0e45").unwrap(), 0);
        assert_eq!(parse_bytes("-0").unwrap(), 0);
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

    /// Quantity-shaped text: a sign, digits with dots, and a suffix from the grammar's alphabet.
    fn quantity_text() -> impl Strategy<Value = String> {
        let suffix = prop_oneof![
            Just(String::new()),
            "(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)",
            "[eE][+-]?[0-9]{1,11}",
            "[a-zA-Z]{1,3}",
        ];
        ("[+-]?", "[0-9]{0,40}", "(\\.[0-9]{0,12})?", suffix)
            .prop_map(|(sign, int, frac, suffix)| format!("{sign}{int}{frac}{suffix}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn never_panics(text in "\\PC{0,40}") {
            let _ = parse_bytes(&text);
        }

        #[test]
        fn accepted_sizes_are_bounded(text in quantity_text()) {
            if let Ok(bytes) = parse_bytes(&text) {
                prop_assert!(bytes <= MAX_BYTES);
            }
        }

        #[test]
        fn agrees_with_the_simulator(text in quantity_text()) {
            let ours = parse_bytes(&text);
            let sim = sts_sim::machinery::quantity::parse_quantity(&text);
            match (&ours, &sim) {
                (Ok(b), Ok(s)) => prop_assert_eq!(u128::from(*b), *s),
                (Ok(b), Err(e)) => prop_assert!(false, "we read {} bytes, the API refuses: {}", b, e),
                (Err(_), Ok(s)) => prop_assert!(*s > u128::from(MAX_BYTES), "the API reads {} bytes, we refuse: {:?}", s, ours),
                (Err(_), Err(_)) => {}
            }
        }

        #[test]
        fn print_then_parse_round_trips(bytes in 0..=MAX_BYTES) {
            // format_bytes rounds for humans (at most 5% off); what it prints reads back.
            let printed = format_bytes(bytes);
            match parse_bytes(&printed) {
                Ok(parsed) => prop_assert!(parsed.abs_diff(bytes) <= bytes / 20 + 1, "{} -> {} -> {}", bytes, printed, parsed),
                Err(e) => prop_assert!(bytes > MAX_BYTES / 20 * 19, "{} -> {}: {}", bytes, printed, e),
            }
            let exact = format!("{bytes}");
            prop_assert_eq!(parse_bytes(&exact).unwrap(), bytes);
            let sim_canonical = sts_sim::machinery::quantity::format_quantity_bytes(u128::from(bytes));
            prop_assert_eq!(parse_bytes(&sim_canonical).unwrap(), bytes);
        }
    }
}
