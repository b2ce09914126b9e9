//! Numbers as GIFT writes them, in exact decimal arithmetic: a margin `value:tolerance`, and a
//! range `a..b` as its midpoint with half its width (so `3.141..3.142` is `3.1415 ± 0.0005`).

use super::NumValue;

/// The answer and tolerance for a number: a range `a..b` becomes its midpoint with half its
/// width (exact decimal arithmetic, so `3.141..3.142` is `3.1415 ± 0.0005`).
pub(crate) fn number_with_tolerance(v: &NumValue) -> Option<(String, Option<f64>)> {
    match v {
        NumValue::Exact { value, tolerance } => {
            let tol = match tolerance {
                Some(t) => Some(t.parse::<f64>().ok()?.abs()),
                None => None,
            };
            Some((value.clone(), tol.filter(|t| *t > 0.0)))
        }
        NumValue::Range { min, max } => {
            let (a, b) = (Decimal::parse(min), Decimal::parse(max));
            match (a, b) {
                (Some(a), Some(b)) => {
                    let (lo, hi) = if a.le(&b) { (a, b) } else { (b, a) };
                    let (mid, half) = lo.mid_half(&hi);
                    Some((mid, Some(half.parse().ok()?)))
                }
                _ => {
                    let (a, b): (f64, f64) = (min.parse().ok()?, max.parse().ok()?);
                    Some((format!("{}", (a + b) / 2.0), Some((b - a).abs() / 2.0)))
                }
            }
        }
    }
}

/// A decimal number as an integer mantissa and a count of decimals.
#[derive(Debug, Clone, Copy)]
struct Decimal {
    mantissa: i128,
    scale: u32,
}

impl Decimal {
    fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (neg, digits) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if int.is_empty() && frac.is_empty()
            || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit())
            || int.len() + frac.len() > 30
        {
            return None;
        }
        let m: i128 = format!("{int}{frac}").parse().ok()?;
        Some(Self {
            mantissa: if neg { -m } else { m },
            scale: frac.len() as u32,
        })
    }

    fn at(&self, scale: u32) -> i128 {
        self.mantissa * 10i128.pow(scale - self.scale)
    }

    fn le(&self, o: &Self) -> bool {
        let s = self.scale.max(o.scale);
        self.at(s) <= o.at(s)
    }

    /// (midpoint, half the distance) of `self..=hi`, as decimal text.
    fn mid_half(&self, hi: &Self) -> (String, String) {
        let s = self.scale.max(hi.scale);
        let (a, b) = (self.at(s), hi.at(s));
        // (a + b) / 2 and (b - a) / 2 exactly: multiply by 5, one more decimal.
        (fmt_dec((a + b) * 5, s + 1), fmt_dec((b - a) * 5, s + 1))
    }
}

fn fmt_dec(m: i128, scale: u32) -> String {
    let neg = m < 0;
    let digits = m.unsigned_abs().to_string();
    let scale = scale as usize;
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    let frac = frac.trim_end_matches('0');
    let body = if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    };
    if neg && body != "0" {
        format!("-{body}")
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_become_midpoint_and_half_width_exactly() {
        let r = |a: &str, b: &str| {
            number_with_tolerance(&NumValue::Range {
                min: a.into(),
                max: b.into(),
            })
            .unwrap()
        };
        assert_eq!(r("1", "5"), ("3".to_string(), Some(2.0)));
        assert_eq!(r("3.141", "3.142"), ("3.1415".to_string(), Some(0.0005)));
        assert_eq!(r("-3.142", "-3.141"), ("-3.1415".to_string(), Some(0.0005)));
        assert_eq!(r("-5", "5"), ("0".to_string(), Some(5.0)));
    }
}
