//! Kubernetes quantities (`resource.Quantity`): parsing `5Gi`, `1.5G`, `100m`, `1e3` with
//! upstream's errors, the canonical form the API server stores, and sums over resource maps.

use serde_json::Value;

const QUANTITY_ERR: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Format {
    BinarySI,
    DecimalSI,
    DecimalExponent,
}

fn pow_i128(base: i128, exp: u32) -> Option<i128> {
    base.checked_pow(exp)
}

/// Parses a quantity into thousandths of a unit (milli-units), rounding up like the API
/// server's `RoundUp(-3)`. Accepts `Ki Mi Gi Ti Pi Ei`, `n u m k M G T P E`, exponents
/// (`1e3`, `5E-2`) and fractions (`1.5Gi`).
pub fn parse_quantity_milli(s: &str) -> Result<i128, String> {
    parse_with_format(s).map(|(v, _)| v)
}

fn parse_with_format(s: &str) -> Result<(i128, Format), String> {
    let err = || QUANTITY_ERR.to_string();
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let num_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (num, suffix) = rest.split_at(num_end);
    if num.is_empty() || num == "." || num.matches('.').count() > 1 {
        return Err(err());
    }
    let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
    let digits = format!("{int_part}{frac_part}");
    let digits = digits.trim_start_matches('0');
    // Only ASCII digits are left, so a failed parse is an i128 overflow.
    let mantissa: i128 = if digits.is_empty() {
        0
    } else {
        digits
            .parse()
            .map_err(|_| "quantity too large".to_string())?
    };
    // value = mantissa * 10^exp10 * 2^exp2
    let mut exp10: i32 = -(frac_part.len() as i32);
    let mut exp2: u32 = 0;
    let format = match suffix {
        "" => Format::DecimalSI,
        "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" => {
            exp2 = 10 * (1 + "KMGTPE".find(&suffix[..1]).unwrap_or(0) as u32);
            Format::BinarySI
        }
        "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E" => {
            exp10 += match suffix {
                "n" => -9,
                "u" => -6,
                "m" => -3,
                "k" => 3,
                "M" => 6,
                "G" => 9,
                "T" => 12,
                "P" => 15,
                _ => 18,
            };
            Format::DecimalSI
        }
        _ if suffix.starts_with(['e', 'E']) => {
            let e: i32 = suffix[1..].parse().map_err(|_| err())?;
            // Any i32 exponent may come in: beyond ±1000 the value is out of range (or rounds
            // up to 1m), and the arithmetic below must not overflow.
            exp10 += e.clamp(-1000, 1000);
            Format::DecimalExponent
        }
        _ => return Err(err()),
    };
    // Zero is zero whatever the exponent (`0e45`): only a non-zero value can be too large.
    if mantissa == 0 {
        return Ok((0, format));
    }
    // milli = ceil(mantissa * 2^exp2 * 10^(exp10+3))
    let big = || "quantity too large".to_string();
    let m = mantissa
        .checked_mul(pow_i128(2, exp2).ok_or_else(big)?)
        .ok_or_else(big)?;
    let e = exp10 + 3;
    let milli = if e >= 0 {
        m.checked_mul(pow_i128(10, e as u32).ok_or_else(big)?)
            .ok_or_else(big)?
    } else {
        match pow_i128(10, e.unsigned_abs()) {
            Some(d) => m / d + i128::from(m % d != 0),
            None => i128::from(m != 0),
        }
    };
    Ok((if neg { -milli } else { milli }, format))
}

/// Parses a storage quantity into bytes (fractions of a byte round up). Negative
/// quantities are an error.
pub fn parse_quantity(s: &str) -> Result<u128, String> {
    let milli = parse_quantity_milli(s)?;
    if milli < 0 {
        return Err("must be greater than or equal to 0".into());
    }
    Ok(milli.unsigned_abs().div_ceil(1000))
}

/// The canonical form of a byte count, as Go's `Quantity.String()` writes a BinarySI
/// quantity: `5Mi`, `1Gi`, `1536Mi`, `1500` (values below 1024 use the decimal form, `1k`).
pub fn format_quantity_bytes(b: u128) -> String {
    let milli = i128::try_from(b)
        .unwrap_or(i128::MAX / 1000)
        .saturating_mul(1000);
    format_canonical(milli, Format::BinarySI)
}

/// The canonical spelling the API server stores for a quantity (`1024Mi` → `1Gi`,
/// `0.5` → `500m`, `2000M` → `2G`), or `None` if it does not parse.
pub fn canonical_quantity(s: &str) -> Option<String> {
    let (milli, format) = parse_with_format(s).ok()?;
    Some(format_canonical(milli, format))
}

fn format_canonical(milli: i128, mut format: Format) -> String {
    if milli == 0 {
        return "0".into();
    }
    let sign = if milli < 0 { "-" } else { "" };
    let abs = milli.unsigned_abs();
    if format == Format::BinarySI && (abs < 1_024_000 || !abs.is_multiple_of(1000)) {
        format = Format::DecimalSI;
    }
    if format == Format::BinarySI {
        let mut n = abs / 1000;
        let mut k = 0;
        while k < 6 && n.is_multiple_of(1024) {
            n /= 1024;
            k += 1;
        }
        let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][k];
        return format!("{sign}{n}{suffix}");
    }
    // Decimal: largest exponent (multiple of 3, from -3) keeping an integer mantissa.
    let mut n = abs;
    let mut e: i32 = -3;
    while e < 18 && n.is_multiple_of(1000) {
        n /= 1000;
        e += 3;
    }
    let suffix = if format == Format::DecimalExponent {
        if e == 0 {
            String::new()
        } else {
            format!("e{e}")
        }
    } else {
        match e {
            -3 => "m",
            0 => "",
            3 => "k",
            6 => "M",
            9 => "G",
            12 => "T",
            15 => "P",
            _ => "E",
        }
        .to_string()
    };
    format!("{sign}{n}{suffix}")
}

/// Sum of the named quantity over several maps (helper for callers comparing totals).
pub fn sum_quantities<'a>(maps: impl IntoIterator<Item = &'a Value>, key: &str) -> i128 {
    maps.into_iter()
        .filter_map(|m| m.get(key).and_then(Value::as_str))
        .filter_map(|s| parse_quantity_milli(s).ok())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("1Gi").unwrap(), 1 << 30);
        assert_eq!(parse_quantity("1.5Gi").unwrap(), 1_610_612_736);
        assert_eq!(parse_quantity("500M").unwrap(), 500_000_000);
        assert_eq!(parse_quantity("1e3").unwrap(), 1000);
        assert_eq!(parse_quantity("10").unwrap(), 10);
        assert_eq!(parse_quantity("2k").unwrap(), 2000);
        assert_eq!(parse_quantity("1Ei").unwrap(), 1 << 60);
        assert!(parse_quantity("abc").is_err());
        assert!(parse_quantity("1Qi").is_err());
        assert!(parse_quantity("-1Gi").is_err());
        // Found by fuzzing: zero with an exponent beyond i128 was "too large".
        assert_eq!(parse_quantity("0e45").unwrap(), 0);
        assert_eq!(parse_quantity("0.0e2147483647").unwrap(), 0);
        assert_eq!(format_quantity_bytes(5 << 20), "5Mi");
        assert_eq!(format_quantity_bytes(1 << 30), "1Gi");
        assert_eq!(format_quantity_bytes(1_610_612_736), "1536Mi");
        assert_eq!(format_quantity_bytes(1500), "1500");
        assert_eq!(format_quantity_bytes(1000), "1k");
        assert_eq!(format_quantity_bytes(0), "0");
        assert_eq!(canonical_quantity("1024Mi").as_deref(), Some("1Gi"));
        assert_eq!(canonical_quantity("0.5").as_deref(), Some("500m"));
        assert_eq!(canonical_quantity("2000M").as_deref(), Some("2G"));
        assert_eq!(canonical_quantity("1500M").as_deref(), Some("1500M"));
        assert_eq!(canonical_quantity("100m").as_deref(), Some("100m"));
        assert_eq!(canonical_quantity("1e3").as_deref(), Some("1e3"));
        assert_eq!(canonical_quantity("5Gi").as_deref(), Some("5Gi"));
    }
}
