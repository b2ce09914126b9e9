//! The smaller kinds: true/false, cloze (several blanks) and ordering.

use super::choice;
use super::number;
use super::short;
use super::{Graded, Verdict, choice_letter, normalize};
use crate::curriculum::Check;

const TRUE_WORDS: &[&str] = &[
    "true",
    "t",
    "yes",
    "y",
    "right",
    "correct",
    "verdadero",
    "verdad",
    "sí",
    "si",
    "vrai",
    "oui",
    "wahr",
    "richtig",
    "ja",
    "vero",
    "verdadeiro",
    "sim",
    "waar",
];
const FALSE_WORDS: &[&str] = &[
    "false",
    "f",
    "no",
    "n",
    "wrong",
    "incorrect",
    "falso",
    "faux",
    "non",
    "falsch",
    "nein",
    "onwaar",
    "nee",
    "não",
    "nao",
];

/// Reads true/false words (of several languages); `None` when neither or both.
pub fn truth(s: &str) -> Option<bool> {
    let s = short::strip_lead_in(s);
    let s = normalize(&s);
    let words: Vec<&str> = s
        .split(|c: char| !c.is_alphanumeric() && c != 'í' && c != 'ã')
        .filter(|w| !w.is_empty())
        .collect();
    let t = words.iter().any(|w| TRUE_WORDS.contains(w));
    let f = words.iter().any(|w| FALSE_WORDS.contains(w));
    let short_enough =
        words.len() <= 3 && !words.iter().any(|w| matches!(*w, "not" | "nicht" | "pas"));
    match (t, f) {
        (true, false) if short_enough => Some(true),
        (false, true) if short_enough => Some(false),
        _ => None,
    }
}

/// Grades a true/false check.
pub fn grade_truefalse(check: &Check, response: &str) -> Graded {
    let Some(want) = truth(&check.answer) else {
        return Graded::unreadable(format!(
            "the answer key {:?} is not true or false",
            check.answer
        ));
    };
    match truth(response) {
        Some(got) if got == want => Graded::correct(),
        Some(_) => Graded {
            verdict: Verdict::Incorrect,
            feedback: None,
        },
        None => Graded::unreadable("answer true or false".to_string()),
    }
}

/// How many `___` blanks a prompt has.
pub fn blank_count(prompt: &str) -> usize {
    let mut n = 0;
    let mut run = 0;
    for c in prompt.chars().chain(std::iter::once(' ')) {
        if c == '_' {
            run += 1;
        } else {
            if run >= 3 {
                n += 1;
            }
            run = 0;
        }
    }
    n
}

/// A response split into one part per blank: by new lines, semicolons, commas or "1) … 2) …".
fn split_parts(response: &str, want: usize) -> Vec<String> {
    let clean = |v: Vec<&str>| -> Vec<String> {
        v.into_iter()
            .map(|p| {
                let p = p.trim();
                // "1) x", "2. x", "(1) x"
                let p = p.trim_start_matches('(');
                let digits = p.chars().take_while(char::is_ascii_digit).count();
                let marker =
                    p[digits..].starts_with([')', '.', ':']) && p[digits + 1..].starts_with(' ');
                if digits > 0 && marker {
                    p[digits + 1..].trim().to_string()
                } else {
                    p.to_string()
                }
            })
            .filter(|p| !p.is_empty())
            .collect()
    };
    if want == 1 {
        return vec![response.trim().to_string()];
    }
    // "1) x 2) y": numbered parts on one line.
    let numbered: Vec<&str> = split_numbered(response);
    if numbered.len() == want {
        return numbered.iter().map(|p| p.trim().to_string()).collect();
    }
    for sep in ['\n', ';', '|', ','] {
        let parts = clean(response.split(sep).collect());
        if parts.len() == want {
            return parts;
        }
    }
    clean(response.split(" and ").collect())
}

/// Splits "1) x 2) y" at each "N)" marker.
fn split_numbered(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut cuts = Vec::new();
    for i in 0..b.len() {
        let at_start = i == 0 || b[i - 1] == b' ' || b[i - 1] == b'\n';
        if at_start && b[i].is_ascii_digit() && b.get(i + 1) == Some(&b')') {
            cuts.push(i);
        }
    }
    if cuts.len() < 2 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (n, &c) in cuts.iter().enumerate() {
        let end = cuts.get(n + 1).copied().unwrap_or(s.len());
        out.push(s[c + 2..end].trim());
    }
    out
}

/// Grades one blank: a short answer (alternatives split by `|`), or a number when the key is one.
fn blank_ok(check: &Check, key: &str, part: &str) -> bool {
    let alts: Vec<&str> = key.split('|').map(str::trim).collect();
    if short::matches(&alts, part, check.forgive, &check.language) {
        return true;
    }
    alts.iter().any(|a| {
        match (
            number::read_one(a, &check.language),
            number::read_one(part, &check.language),
        ) {
            (Ok(x), Ok(y)) => (x.value - y.value).abs() <= 1e-9 * x.value.abs().max(1.0),
            _ => false,
        }
    })
}

/// Grades a cloze check.
pub fn grade_cloze(check: &Check, response: &str) -> Graded {
    let n = check.blanks.len();
    let parts = split_parts(response, n);
    if parts.len() != n {
        return Graded::unreadable(format!(
            "fill in all {n} blanks, in order, separated by commas (or one per line)"
        ));
    }
    let right = check
        .blanks
        .iter()
        .zip(&parts)
        .filter(|(k, p)| blank_ok(check, k, p))
        .count();
    if right == n {
        Graded::correct()
    } else {
        Graded {
            verdict: Verdict::Incorrect,
            feedback: Some(format!("{right} of the {n} blanks are right.")),
        }
    }
}

/// The options an ordering check shows (shuffled by [`Check::for_student`], else as written).
fn shown(check: &Check) -> &[String] {
    if check.choices.len() == check.items.len() {
        &check.choices
    } else {
        &check.items
    }
}

/// Grades an ordering check: letters of the shown options, or their texts, in order.
pub fn grade_ordering(check: &Check, response: &str) -> Graded {
    let shown_opts = shown(check);
    let n = shown_opts.len();
    let r = response.trim().to_lowercase();
    let seps = |c: char| matches!(c, ',' | ';' | '>' | '\n' | '→' | '<') || c.is_whitespace();
    let letters: Vec<&str> = r
        .split(|c: char| seps(c) || c == '-')
        .map(|w| w.trim_matches(['(', ')', '.']))
        .filter(|w| !w.is_empty())
        .collect();
    let as_letters = |ws: &[&str]| -> Option<Vec<usize>> {
        ws.iter()
            .map(|w| {
                let mut cs = w.chars();
                match (cs.next(), cs.next()) {
                    (Some(c), None)
                        if c.is_ascii_lowercase() && ((c as u8 - b'a') as usize) < n =>
                    {
                        Some((c as u8 - b'a') as usize)
                    }
                    _ => None,
                }
            })
            .collect()
    };
    let order: Option<Vec<usize>> = as_letters(&letters)
        .filter(|v| v.len() == n)
        .or_else(|| {
            // "cab": letters run together.
            let compact: Vec<String> = r
                .chars()
                .filter(|c| !seps(*c) && *c != '-')
                .map(String::from)
                .collect();
            let refs: Vec<&str> = compact.iter().map(String::as_str).collect();
            as_letters(&refs).filter(|v| v.len() == n)
        })
        .or_else(|| {
            // The texts, separated by commas, ">" or new lines.
            let parts: Vec<&str> = response
                .split([',', ';', '>', '\n', '→'])
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect();
            let mut probe = check.clone();
            probe.choices = shown_opts.to_vec();
            probe.answers.clear();
            probe.accept.clear();
            let idx: Vec<usize> = parts
                .iter()
                .filter_map(|p| choice::option_index(&probe, p))
                .collect();
            (idx.len() == n && parts.len() == n).then_some(idx)
        });
    let Some(order) = order else {
        return Graded::unreadable(format!(
            "write the {n} letters in order, e.g. \"{}\"",
            (0..n)
                .map(choice_letter)
                .map(String::from)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };
    let mut seen = order.clone();
    seen.sort_unstable();
    seen.dedup();
    if seen.len() != n {
        return Graded::unreadable("use each letter once".to_string());
    }
    let given: Vec<&String> = order.iter().map(|&i| &shown_opts[i]).collect();
    if given.iter().zip(&check.items).all(|(g, k)| *g == k) {
        Graded::correct()
    } else {
        let right = given
            .iter()
            .zip(&check.items)
            .filter(|(g, k)| **g == *k)
            .count();
        Graded {
            verdict: Verdict::Incorrect,
            feedback: Some(format!("{right} of the {n} are in the right place.")),
        }
    }
}
