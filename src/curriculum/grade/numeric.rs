//! Numeric checks: one number read from the response (see [`super::number`]), compared with
//! the key within `tolerance` or `min`..`max`, converted between units of one dimension, and
//! held to `form` when the check asks for one.

use super::number::{self, Candidate, NotOne, Written, gcd};
use super::units::{self, Unit};
use super::{Graded, Verdict};
use crate::curriculum::{Check, NumberForm};

/// The key of a numeric check: its value and, if written there or declared, its unit.
pub fn key(check: &Check) -> Option<(Candidate, Option<&'static Unit>)> {
    let c = number::read_one(&check.answer, &check.language).ok()?;
    let unit = check.unit.as_deref().and_then(units::find).or(c.unit);
    Some((c, unit))
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance.max(1e-9 * b.abs().max(1.0))
}

fn value_ok(check: &Check, expected: &Candidate, got: f64, got_c: &Candidate) -> bool {
    if check.min.is_some() || check.max.is_some() {
        let lo = check.min.unwrap_or(f64::NEG_INFINITY);
        let hi = check.max.unwrap_or(f64::INFINITY);
        if got >= lo - 1e-12 && got <= hi + 1e-12 {
            return true;
        }
    }
    let tol = check.tolerance.unwrap_or(0.0);
    if close(got, expected.value, tol) {
        return true;
    }
    // "70" for a key written "70%" (and "70%" for a key written "70").
    if expected.written == Written::Percent && got_c.written != Written::Percent {
        return close(got, expected.value * 100.0, tol * 100.0);
    }
    if got_c.written == Written::Percent && expected.written != Written::Percent {
        return close(got * 100.0, expected.value, tol);
    }
    // A rounded decimal of a key that has no exact decimal: 0.33 for 1/3 (two places or more).
    if matches!(expected.written, Written::Fraction(..) | Written::Mixed(..))
        && got_c.written == Written::Decimal
        && got_c.decimals >= 2
    {
        let p = 10f64.powi(got_c.decimals as i32);
        let exact = (expected.value * p).round() / p == expected.value;
        return !exact && ((expected.value * p).round() / p - got).abs() < 0.5 / p;
    }
    false
}

fn form_ok(form: NumberForm, c: &Candidate) -> bool {
    match (form, c.written) {
        (NumberForm::Fraction, Written::Fraction(..)) => true,
        (NumberForm::Simplest, Written::Fraction(n, d)) => gcd(n, d) == 1 && d != 1,
        (NumberForm::Simplest, Written::Mixed(_, n, d)) => gcd(n, d) == 1 && n < d,
        (NumberForm::Simplest, Written::Whole) => true,
        (NumberForm::Mixed, Written::Mixed(_, n, d)) => n < d,
        (NumberForm::Mixed, Written::Whole) => true,
        (NumberForm::Decimal, Written::Decimal | Written::Whole) => true,
        (NumberForm::Percent, Written::Percent) => true,
        (NumberForm::Whole, Written::Whole) => true,
        _ => false,
    }
}

/// Grades a numeric check.
pub fn grade(check: &Check, response: &str) -> Graded {
    let Some((expected, unit)) = key(check) else {
        return Graded::unreadable(format!("the answer key {:?} is not a number", check.answer));
    };
    let got = match number::read_one(response, &check.language) {
        Ok(c) => c,
        Err(NotOne::None) => {
            return Graded::unreadable(
                "I could not read a number there; write it with digits, a decimal point, a fraction bar or a percent sign".to_string(),
            );
        }
        Err(NotOne::Several) => {
            return Graded::unreadable(
                "I see more than one number there: give just your answer".to_string(),
            );
        }
        Err(NotOne::Negated) => {
            return Graded::unreadable("tell me the number you think is right".to_string());
        }
    };
    let mut value = got.value;
    if let Some(want) = unit
        && let Some(have) = got.unit
        && have != want
    {
        match units::convert(got.value, have, want) {
            Some(v) => {
                value = v;
                if !value_ok(check, &expected, value, &got) {
                    let feedback = if value_ok(check, &expected, got.value, &got) {
                        format!(
                            "Check the unit: the question asks in {}, and {} {} is not the same as {} {}.",
                            want.symbol,
                            trim(got.value),
                            have.symbol,
                            trim(got.value),
                            want.symbol
                        )
                    } else {
                        format!(
                            "{} {} is {} {}.",
                            trim(got.value),
                            have.symbol,
                            trim(value),
                            want.symbol
                        )
                    };
                    return Graded::incorrect(feedback);
                }
            }
            None => {
                return Graded::incorrect(format!(
                    "{} measures {}, but this question asks for a {} in {}.",
                    have.symbol, have.dimension, want.dimension, want.symbol
                ));
            }
        }
    }
    if !value_ok(check, &expected, value, &got) {
        return Graded {
            verdict: Verdict::Incorrect,
            feedback: None,
        };
    }
    if let Some(form) = check.form
        && !form_ok(form, &got)
    {
        return Graded::unreadable(format!(
            "that's the right amount; now write it {}",
            form.describe()
        ));
    }
    Graded::correct()
}

/// A number without a trailing ".0".
fn trim(v: f64) -> String {
    let s = format!("{v:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}
