//! Mistake-aware feedback: what is wrong with a wrong answer, without the right one.
//!
//! The teacher's `[[concept.check.wrong]]` entries come first (their feedback, and the
//! misconception they show); then numeric slip rules (reciprocal, sign, a factor of 10/100/1000,
//! a unit factor). A [`Diagnosis`] is shown as is (authored voice) or handed to the model to
//! word; it never contains the answer.

use crate::curriculum::grade::parse_number;
use crate::curriculum::wrong;
use crate::curriculum::{Check, CheckKind};

/// A typical numeric slip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Slip {
    /// The answer is upside down (1/x).
    Reciprocal,
    /// The sign is wrong.
    Sign,
    /// Off by a factor of 10, 100 or 1000 (place value, decimal point, percent).
    PlaceValue,
    /// Off by a unit factor (60, 24, 12, 7).
    Unit,
}

impl Slip {
    /// What to tell the student (says what to look at, never the answer).
    pub fn feedback(self) -> &'static str {
        match self {
            Self::Reciprocal => {
                "Look at your answer again: it seems to be upside down. Which number belongs on top, and which on the bottom?"
            }
            Self::Sign => "Check the sign of your answer: should it be more or less than zero?",
            Self::PlaceValue => {
                "Your digits look right, but check the size: is the decimal point (or the place value) where it should be?"
            }
            Self::Unit => {
                "Check the units: your answer looks like it is in a different unit from the one asked for."
            }
        }
    }
}

/// What is wrong with an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnosis {
    /// Words for the student (the teacher's feedback, or a slip rule's).
    pub text: String,
    /// The misconception this answer shows, if the teacher linked one.
    pub misconception: Option<usize>,
    /// The slip rule that fired, if any.
    pub slip: Option<Slip>,
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// The numeric slip that turns `expected` into `got`, if any.
pub fn slip(expected: f64, got: f64) -> Option<Slip> {
    if close(expected, got) {
        return None;
    }
    if expected != 0.0 && got != 0.0 && close(expected * got, 1.0) {
        return Some(Slip::Reciprocal);
    }
    if expected != 0.0 && close(-expected, got) {
        return Some(Slip::Sign);
    }
    for f in [10.0, 100.0, 1000.0] {
        if close(expected * f, got) || close(expected / f, got) {
            return Some(Slip::PlaceValue);
        }
    }
    for f in [60.0, 24.0, 12.0, 7.0] {
        if close(expected * f, got) || close(expected / f, got) {
            return Some(Slip::Unit);
        }
    }
    None
}

/// What is wrong with `answer` to `check` (already graded wrong), if it is recognised.
pub fn diagnose(check: &Check, answer: &str) -> Option<Diagnosis> {
    if let Some(w) = wrong::matching(check, answer) {
        return Some(Diagnosis {
            text: w.feedback.clone(),
            misconception: w.misconception,
            slip: None,
        });
    }
    let numeric = matches!(check.kind, CheckKind::Numeric | CheckKind::Short);
    let expected = parse_number(&check.answer).filter(|_| numeric)?;
    let got = parse_number(answer)?;
    let s = slip(expected, got)?;
    Some(Diagnosis {
        text: s.feedback().to_string(),
        misconception: None,
        slip: Some(s),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slips_are_recognised_and_other_answers_are_not() {
        assert_eq!(slip(0.75, 4.0 / 3.0), Some(Slip::Reciprocal));
        assert_eq!(slip(-3.0, 3.0), Some(Slip::Sign));
        assert_eq!(slip(0.25, 25.0), Some(Slip::PlaceValue));
        assert_eq!(slip(2.0, 120.0), Some(Slip::Unit));
        assert_eq!(slip(4.0, 3.0), None);
        assert_eq!(slip(4.0, 4.0), None);
        let c = Check::new("x", CheckKind::Numeric, "3/4 as a fraction?", "3/4");
        let d = diagnose(&c, "4/3").unwrap();
        assert_eq!(d.slip, Some(Slip::Reciprocal));
        assert!(!d.text.contains("3/4") && !d.text.contains("0.75"));
        assert!(diagnose(&c, "5/7").is_none());
    }
}
