//! The deterministic graders for `short`, `numeric` and `choice` checks.
//!
//! The same graders judge students and validate teachers' files (each check's own answer must
//! pass), so a typo in an answer key is caught by `tutor check`, not in class.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::{Check, CheckKind};

/// What a grader decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Correct,
    Incorrect,
    /// The answer could not be read (e.g. no number in a numeric answer); say why.
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

/// Grades `response` for `check`.
pub fn grade(check: &Check, response: &str) -> Verdict {
    match check.kind {
        CheckKind::Short => grade_short(&check.answer, &check.accept, response),
        CheckKind::Numeric => {
            grade_numeric(&check.answer, check.tolerance.unwrap_or(0.0), response)
        }
        CheckKind::Choice => grade_choice(&check.choices, &check.answer, response),
        CheckKind::Text => Verdict::NeedsJudge,
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

fn grade_short(answer: &str, accept: &[String], response: &str) -> Verdict {
    let r = normalize(response);
    if r.is_empty() {
        return Verdict::Unreadable("the answer is empty".into());
    }
    let rf = fold_accents(response);
    let matches = std::iter::once(answer)
        .chain(accept.iter().map(String::as_str))
        .any(|a| normalize(a) == r || fold_accents(a) == rf);
    if matches {
        Verdict::Correct
    } else {
        Verdict::Incorrect
    }
}

/// Reads a number written as `3`, `-2.5`, `0,5`, `1/2`, `1 1/2`, `50%`, `1e3`, optionally followed
/// by a unit word (`12 cm`).
pub fn parse_number(s: &str) -> Option<f64> {
    let s: String = s.nfkc().collect::<String>().to_lowercase();
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let s = s
        .trim_matches(|c: char| "\"'“”«»".contains(c))
        .trim_end_matches(['.', '!', '?', ',', ';', ':'])
        .trim();
    // Drop trailing unit words ("12 cm", "3 apples"), but keep a mixed number's fraction.
    let mut parts: Vec<&str> = s.split(' ').collect();
    while parts.len() > 1
        && parts
            .last()
            .is_some_and(|p| p.chars().all(char::is_alphabetic))
    {
        parts.pop();
    }
    let (neg, rest) = match parts.first()?.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, parts[0]),
    };
    let value = match parts.len() {
        1 => parse_simple(rest)?,
        2 => {
            // Mixed number: whole + fraction.
            let whole: f64 = rest
                .parse()
                .ok()
                .filter(|_| rest.chars().all(|c| c.is_ascii_digit()))?;
            if !parts[1].contains('/') {
                return None;
            }
            whole + parse_simple(parts[1])?
        }
        _ => return None,
    };
    let v = if neg { -value } else { value };
    v.is_finite().then_some(v)
}

fn parse_simple(s: &str) -> Option<f64> {
    if let Some(p) = s.strip_suffix('%') {
        return parse_decimal(p).map(|v| v / 100.0);
    }
    if let Some((n, d)) = s.split_once('/') {
        let (n, d) = (parse_decimal(n)?, parse_decimal(d)?);
        return (d != 0.0).then(|| n / d);
    }
    parse_decimal(s)
}

fn parse_decimal(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() || s.starts_with('+') && s.len() == 1 {
        return None;
    }
    // "0,5" (decimal comma) but not "1,000" (thousands).
    let s = match s.split_once(',') {
        Some((a, b)) if b.len() != 3 && !b.contains(',') => format!("{a}.{b}"),
        Some(_) => s.replace(',', ""),
        None => s.to_string(),
    };
    // Digits, one decimal point, and a sign only right after an exponent `e`.
    let b = s.as_bytes();
    let ok = b.iter().enumerate().all(|(i, &c)| {
        c.is_ascii_digit()
            || c == b'.'
            || c == b'e'
            || ((c == b'-' || c == b'+') && i > 0 && b[i - 1] == b'e')
    });
    if !ok || !b.first().is_some_and(|c| c.is_ascii_digit() || *c == b'.') {
        return None;
    }
    s.parse().ok()
}

fn grade_numeric(answer: &str, tolerance: f64, response: &str) -> Verdict {
    let Some(expected) = parse_number(answer) else {
        return Verdict::Unreadable(format!("the answer key {answer:?} is not a number"));
    };
    let Some(got) = parse_number(response) else {
        return Verdict::Unreadable(
            "I could not read a number there; write it with digits, a decimal point, a fraction bar or a percent sign".into(),
        );
    };
    let slack = tolerance.max(1e-9 * expected.abs().max(1.0));
    if (got - expected).abs() <= slack {
        Verdict::Correct
    } else {
        Verdict::Incorrect
    }
}

/// The letter of choice `i` (`a`, `b`, ...).
pub fn choice_letter(i: usize) -> char {
    char::from(b'a' + (i % 26) as u8)
}

fn grade_choice(choices: &[String], answer: &str, response: &str) -> Verdict {
    let r = normalize(response);
    let r = r.trim_matches(|c| c == '(' || c == ')').trim();
    let correct = choices
        .iter()
        .position(|c| normalize(c) == normalize(answer));
    let picked = choices
        .iter()
        .position(|c| normalize(c) == r || fold_accents(c) == fold_accents(r))
        .or_else(|| {
            let mut chars = r.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii_lowercase() => {
                    let i = (c as u8 - b'a') as usize;
                    (i < choices.len()).then_some(i)
                }
                _ => None,
            }
        });
    match (picked, correct) {
        (Some(p), Some(c)) if p == c => Verdict::Correct,
        (Some(_), _) => Verdict::Incorrect,
        (None, _) => Verdict::Unreadable(format!(
            "pick one of the choices by its letter (a–{}) or its text",
            choice_letter(choices.len().saturating_sub(1))
        )),
    }
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
        ] {
            assert_eq!(parse_number(s), Some(v), "{s}");
        }
        for s in ["", "abc", "1/0", "1 2", "--1", "half"] {
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
