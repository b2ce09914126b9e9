//! The deterministic graders for every check kind but `text` (judged on the teacher's ideas by
//! the lesson, unless the response is its model answer or one of its `accept` answers).
//!
//! The same graders judge students and validate teachers' files (each check's own answer must
//! pass), so a typo in an answer key is caught by `tutor check`, not in class.
//!
//! - [`number`]: reading numbers in every common written form (its tokenizer in `tokens`);
//!   [`units`]: unit conversion.
//! - [`numeric`], [`short`], [`choice`], [`kinds`] (true/false, cloze, ordering): the graders.
//! - [`labelled`]: the labelled grading set (`eval/grading.toml`) and its accuracy.

pub mod choice;
pub mod kinds;
pub mod labelled;
pub mod number;
pub mod numeric;
pub mod short;
mod tokens;
pub mod units;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::{Check, CheckKind};

pub use labelled::{LabelledReport, labelled_set_accuracy};
pub use number::parse_number;

/// What a grader decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Correct,
    Incorrect,
    /// The answer could not be read (e.g. no number in a numeric answer, two different
    /// answers, the right value in the wrong form); say why. Costs no attempt.
    Unreadable(String),
    /// A free-text answer: the model judge (or the student) decides.
    NeedsJudge,
}

impl Verdict {
    /// Whether the answer counts as right.
    pub fn is_correct(&self) -> bool {
        matches!(self, Self::Correct)
    }
}

/// A verdict with what to tell the student about it (a wrong unit, a chosen option's feedback).
#[derive(Debug, Clone, PartialEq)]
pub struct Graded {
    pub verdict: Verdict,
    /// Shown with an incorrect verdict; from the teacher's file or the grader's own reasoning,
    /// never from the model.
    pub feedback: Option<String>,
}

impl Graded {
    fn correct() -> Self {
        Self {
            verdict: Verdict::Correct,
            feedback: None,
        }
    }

    fn incorrect(feedback: String) -> Self {
        Self {
            verdict: Verdict::Incorrect,
            feedback: Some(feedback),
        }
    }

    fn unreadable(why: String) -> Self {
        Self {
            verdict: Verdict::Unreadable(why),
            feedback: None,
        }
    }
}

/// Grades `response` for `check`.
pub fn grade(check: &Check, response: &str) -> Verdict {
    grade_full(check, response).verdict
}

/// Grades `response` for `check`, with feedback for the student.
pub fn grade_full(check: &Check, response: &str) -> Graded {
    // Nothing but spaces or end punctuation ("...") is no answer ("<" still is one).
    if normalize(response).is_empty() {
        return Graded::unreadable("the answer is empty".into());
    }
    match check.kind {
        CheckKind::Short => {
            let keys: Vec<&str> = std::iter::once(check.answer.as_str())
                .chain(check.accept.iter().map(String::as_str))
                .collect();
            if short::matches(&keys, response, check.forgive, &check.language) {
                Graded::correct()
            } else {
                Graded {
                    verdict: Verdict::Incorrect,
                    feedback: None,
                }
            }
        }
        CheckKind::Numeric => numeric::grade(check, response),
        CheckKind::Choice => choice::grade(check, response),
        CheckKind::TrueFalse => kinds::grade_truefalse(check, response),
        CheckKind::Cloze => kinds::grade_cloze(check, response),
        CheckKind::Ordering => kinds::grade_ordering(check, response),
        CheckKind::Text => {
            // The teacher's own model answer and accepted answers always count as right.
            let keys: Vec<&str> = std::iter::once(check.answer.as_str())
                .chain(check.accept.iter().map(String::as_str))
                .filter(|k| !k.trim().is_empty())
                .collect();
            let strict = super::Forgive {
                typos: false,
                ..Default::default()
            };
            if !keys.is_empty() && short::matches(&keys, response, strict, &check.language) {
                Graded::correct()
            } else {
                Graded {
                    verdict: Verdict::NeedsJudge,
                    feedback: None,
                }
            }
        }
    }
}

/// Lower-case, NFKC, no surrounding quotes/space/end punctuation, single spaces.
pub fn normalize(s: &str) -> String {
    let s: String = s.nfkc().collect::<String>().to_lowercase();
    let s = s.replace(['\u{2019}', '\u{2018}', '`'], "'");
    let words: Vec<&str> = s.split_whitespace().collect();
    let joined = words.join(" ");
    joined
        .trim_matches(|c: char| "\"'“”«».,!?;:¡¿".contains(c) || c.is_whitespace())
        .to_string()
}

/// [`normalize`] without accents (é → e), for lenient matching.
pub fn fold_accents(s: &str) -> String {
    normalize(s)
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .collect()
}

/// The letter of choice `i` (`a`, `b`, ...).
pub fn choice_letter(i: usize) -> char {
    char::from(b'a' + (i % 26) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_many_forms() {
        for (s, v) in [
            ("3", 3.0),
            (" -2.5 ", -2.5),
            ("0,5", 0.5),
            ("1/2", 0.5),
            ("1 1/2", 1.5),
            ("50%", 0.5),
            ("1,000", 1000.0),
            ("12 cm", 12.0),
            ("3 apples", 3.0),
            ("1e3", 1000.0),
            ("half", 0.5),
        ] {
            assert_eq!(parse_number(s), Some(v), "{s}");
        }
        for s in ["", "abc", "1/0", "1 2", "--1"] {
            assert_eq!(parse_number(s), None, "{s}");
        }
    }

    #[test]
    fn normalize_is_forgiving_about_form() {
        assert_eq!(normalize("  Photo   SYNTHESIS. "), "photo synthesis");
        assert_eq!(normalize("“Chlorophyll”"), "chlorophyll");
        assert_eq!(fold_accents("Adiós"), "adios");
        assert_eq!(normalize("ｆｕｌｌｗｉｄｔｈ"), "fullwidth");
    }
}
