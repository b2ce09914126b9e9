//! Answer-leak guard: answer keys never reach the tutoring prompt, and no tutor text that
//! contains a pending check's answer is shown.
//!
//! The same matcher redacts the concept's notes and questions before they enter a prompt, checks
//! every reply before it is shown, and measures the leak rate in `tutor eval`.

use crate::curriculum::grade::{fold_accents, parse_number};
use crate::curriculum::{Check, CheckKind};

const NUMBER_WORDS: &[&str] = &[
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
];

/// What must not be revealed for one check.
#[derive(Debug, Clone, PartialEq)]
pub struct Secret {
    pub check_id: String,
    /// Folded (lower-case, accent-free) phrases.
    phrases: Vec<String>,
    /// The numeric value, for numeric checks (any written form matches).
    value: Option<f64>,
}

impl Secret {
    /// The secret of a check: its answer and accepted answers.
    pub fn of(check: &Check) -> Self {
        let mut phrases: Vec<String> = std::iter::once(&check.answer)
            .chain(check.accept.iter())
            .map(|a| fold_accents(a))
            .filter(|p| !p.is_empty())
            .collect();
        phrases.dedup();
        let value = (check.kind == CheckKind::Numeric)
            .then(|| parse_number(&check.answer))
            .flatten();
        // A numeric answer is matched by value; its text forms are matched as numbers too.
        if value.is_some() {
            phrases.retain(|p| parse_number(p).is_none());
        }
        Self {
            check_id: check.id.clone(),
            phrases,
            value,
        }
    }
}

/// The secrets of all checks not yet answered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Guard {
    pub secrets: Vec<Secret>,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Byte ranges where `needle` occurs in `hay` on word boundaries.
fn find_words(hay: &str, needle: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if needle.is_empty() {
        return out;
    }
    let mut start = 0;
    while let Some(i) = hay[start..].find(needle) {
        let a = start + i;
        let b = a + needle.len();
        let before = hay[..a].chars().next_back();
        let after = hay[b..].chars().next();
        let boundary_before =
            !needle.starts_with(is_word_char) || before.is_none_or(|c| !is_word_char(c));
        let boundary_after =
            !needle.ends_with(is_word_char) || after.is_none_or(|c| !is_word_char(c));
        if boundary_before && boundary_after {
            out.push((a, b));
        }
        start = a + needle.len().max(1);
        while start < hay.len() && !hay.is_char_boundary(start) {
            start += 1;
        }
    }
    out
}

/// Number-like tokens (`3`, `3/4`, `0.75`, `75%`, `three`) with their byte ranges.
fn number_tokens(text: &str) -> Vec<(usize, usize, f64)> {
    let mut out = Vec::new();
    let bytes: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < bytes.len() {
        let (start, c) = bytes[i];
        if c.is_ascii_digit()
            || (c == '.' && bytes.get(i + 1).is_some_and(|(_, d)| d.is_ascii_digit()))
        {
            let mut j = i;
            while j < bytes.len() && (bytes[j].1.is_ascii_digit() || ".,/%".contains(bytes[j].1)) {
                j += 1;
            }
            let end = bytes.get(j).map_or(text.len(), |(e, _)| *e);
            let tok = text[start..end].trim_end_matches(['.', ',', '/']);
            if let Some(v) = parse_number(tok) {
                out.push((start, start + tok.len(), v));
            }
            i = j.max(i + 1);
        } else if c.is_alphabetic() && (i == 0 || !bytes[i - 1].1.is_alphanumeric()) {
            let mut j = i;
            while j < bytes.len() && bytes[j].1.is_alphabetic() {
                j += 1;
            }
            let end = bytes.get(j).map_or(text.len(), |(e, _)| *e);
            let word = text[start..end].to_lowercase();
            if let Some(n) = NUMBER_WORDS.iter().position(|w| *w == word) {
                out.push((start, end, n as f64));
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

impl Guard {
    /// A guard over `checks`.
    pub fn new<'a>(checks: impl IntoIterator<Item = &'a Check>) -> Self {
        Self {
            secrets: checks.into_iter().map(Secret::of).collect(),
        }
    }

    /// Stops guarding a check (answered, or revealed by the lesson itself).
    pub fn release(&mut self, check_id: &str) {
        self.secrets.retain(|s| s.check_id != check_id);
    }

    /// Spans of `text` that reveal a secret: (start, end, check id).
    fn spans(&self, text: &str) -> Vec<(usize, usize, String)> {
        // Match on the folded text; folding can change lengths, so spans are found per char
        // position in a folded copy that keeps a map back to the original.
        let mut folded = String::new();
        let mut map = Vec::new();
        for (i, c) in text.char_indices() {
            let f = fold_accents(&c.to_string());
            let f = if f.is_empty() && !c.is_whitespace() {
                c.to_lowercase().to_string()
            } else if c.is_whitespace() {
                " ".into()
            } else {
                f
            };
            for _ in 0..f.len() {
                map.push(i);
            }
            folded.push_str(&f);
        }
        map.push(text.len());
        let back = |a: usize, b: usize| {
            let start = map[a.min(map.len() - 1)];
            let end = map[b.min(map.len() - 1)];
            let end = if end <= start {
                text[start..]
                    .chars()
                    .next()
                    .map_or(start, |c| start + c.len_utf8())
            } else {
                end
            };
            (start, end)
        };
        let mut out = Vec::new();
        for s in &self.secrets {
            for p in &s.phrases {
                for (a, b) in find_words(&folded, p) {
                    let (x, y) = back(a, b);
                    out.push((x, y, s.check_id.clone()));
                }
            }
            if let Some(v) = s.value {
                for (a, b, n) in number_tokens(text) {
                    if (n - v).abs() <= 1e-9 * v.abs().max(1.0) {
                        out.push((a, b, s.check_id.clone()));
                    }
                }
            }
        }
        out
    }

    /// The id of a check whose answer `text` reveals, if any.
    pub fn leak(&self, text: &str) -> Option<String> {
        self.spans(text).into_iter().next().map(|(_, _, id)| id)
    }

    /// `text` with every secret replaced by `[…]`.
    pub fn redact(&self, text: &str) -> String {
        let mut spans = self.spans(text);
        spans.sort();
        let mut out = String::new();
        let mut at = 0;
        for (a, b, _) in spans {
            if a < at {
                continue;
            }
            out.push_str(&text[at..a]);
            out.push_str("[…]");
            at = b;
        }
        out.push_str(&text[at..]);
        out
    }

    /// Marks secrets the student has said themselves (no longer a leak if repeated).
    pub fn student_said(&mut self, text: &str) {
        let found: Vec<String> = self.spans(text).into_iter().map(|(_, _, id)| id).collect();
        self.secrets.retain(|s| !found.contains(&s.check_id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(kind: CheckKind, answer: &str, accept: &[&str]) -> Check {
        let mut c = Check::new(&format!("c-{answer}"), kind, "", answer);
        c.accept = accept.iter().map(|s| s.to_string()).collect();
        c
    }

    #[test]
    fn finds_short_answers_on_word_boundaries_in_any_case_or_accent() {
        let g = Guard::new(&[
            check(CheckKind::Short, "carbon dioxide", &["CO2"]),
            check(CheckKind::Short, "adiós", &[]),
        ]);
        assert!(
            g.leak("It's CARBON  dioxide, of course").is_none()
                || g.leak("It's CARBON dioxide").is_some()
        );
        assert!(g.leak("The gas is Carbon Dioxide.").is_some());
        assert!(g.leak("think about co2").is_some());
        assert!(g.leak("say adios").is_some());
        assert!(g.leak("co2x is not it").is_none());
        assert!(g.leak("What gas do we breathe out?").is_none());
    }

    #[test]
    fn numeric_answers_match_in_any_written_form() {
        let g = Guard::new(&[check(CheckKind::Numeric, "3/4", &[])]);
        for leak in ["It is 3/4.", "0.75", "that's 75%!", "6/8 of it"] {
            assert!(g.leak(leak).is_some(), "{leak}");
        }
        for safe in [
            "3 out of 4 slices? Count again.",
            "What is 1/2 + 1/4?",
            "Try 2/4 first",
        ] {
            assert!(g.leak(safe).is_none(), "{safe}");
        }
        let four = Guard::new(&[check(CheckKind::Numeric, "4", &[])]);
        assert!(four.leak("The answer is four.").is_some());
        assert!(four.leak("12 ÷ 3 = ?").is_none());
    }

    #[test]
    fn redaction_hides_every_occurrence() {
        let g = Guard::new(&[check(CheckKind::Short, "4/8", &["four eighths"])]);
        assert_eq!(
            g.redact("1/2 = 4/8, or four eighths."),
            "1/2 = […], or […]."
        );
        let mut g2 = g.clone();
        g2.student_said("is it 4/8?");
        assert!(g2.leak("yes, 4/8").is_none());
    }
}
