//! Choice checks: which options a response picks. Letters (`b`, `b)`, `b.`, `(b)`, `option b`),
//! the text with or without its letter (`b) 3/4`), a number in another form (`.75` for
//! `0.75`), the check's `accept` spellings, and several picks (`a, c`) when a check has several
//! right answers. A one-letter response that is both a letter and another option's text is
//! ambiguous and asked again.

use super::number;
use super::short;
use super::{Graded, Verdict, normalize};
use crate::curriculum::{Check, Forgive};

/// What one piece of a response names.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Pick {
    One(usize),
    Ambiguous,
    Nothing,
}

const LETTER_WORDS: &[&str] = &[
    "option", "choice", "answer", "letter", "opción", "opcion", "réponse", "antwort",
];

/// The option a letter names, what follows it, and whether the letter was marked (`b)`, `b.`,
/// `(b)`, `option b`): "b) 3/4" → (1, "3/4", true).
fn letter_prefix(s: &str, n: usize) -> Option<(usize, &str, bool)> {
    let mut s = s.trim();
    let mut worded = false;
    for w in LETTER_WORDS {
        if let Some(rest) = s.strip_prefix(w)
            && rest.starts_with(' ')
        {
            s = rest.trim_start();
            worded = true;
            break;
        }
    }
    let paren = s.starts_with('(');
    let s = s.strip_prefix('(').unwrap_or(s);
    let mut chars = s.char_indices();
    let (_, c) = chars.next()?;
    if !c.is_ascii_lowercase() {
        return None;
    }
    let i = (c as u8 - b'a') as usize;
    if i >= n {
        return None;
    }
    let rest = &s[c.len_utf8()..];
    let (marked, rest) = match rest.chars().next() {
        None => (false, ""),
        Some(')' | '.' | ':') => (true, &rest[1..]),
        Some(' ') if !paren => (false, rest),
        _ => return None,
    };
    if paren && !marked && !rest.is_empty() {
        return None;
    }
    Some((i, rest.trim(), marked || paren || worded))
}

fn by_text(item: &str, check: &Check) -> Pick {
    let choices = &check.choices;
    let exact: Vec<usize> = (0..choices.len())
        .filter(|&i| choices[i].trim() == item.trim())
        .collect();
    if let [i] = exact[..] {
        return Pick::One(i);
    }
    let forgive = Forgive {
        typos: false,
        ..Forgive::default()
    };
    let lang = check.language.as_str();
    let r = normalize(item);
    let same: Vec<usize> = (0..choices.len())
        .filter(|&i| {
            normalize(&choices[i]) == r
                || short::canonical(&choices[i], forgive, lang)
                    == short::canonical(item, forgive, lang)
        })
        .collect();
    match same[..] {
        [i] => return Pick::One(i),
        [_, _, ..] => return Pick::Ambiguous,
        [] => {}
    }
    // `accept`: other spellings of the right choice.
    let correct = correct_indices(check);
    if let Some(&first) = correct.first()
        && check
            .accept
            .iter()
            .any(|a| short::canonical(a, forgive, lang) == short::canonical(item, forgive, lang))
    {
        return Pick::One(first);
    }
    // The same number in another form: ".75" for "0.75", "3/4" for "0.75" (one number only).
    let one_number = number::candidates(&number::prepare(item, lang), lang).len() == 1;
    if one_number && let Ok(v) = number::read_one(item, lang) {
        let equal: Vec<usize> = (0..choices.len())
            .filter(|&i| {
                number::read_one(&choices[i], lang).is_ok_and(|c| {
                    c.unit == v.unit && (c.value - v.value).abs() <= 1e-9 * c.value.abs().max(1.0)
                })
            })
            .collect();
        match equal[..] {
            [i] => return Pick::One(i),
            [_, _, ..] => return Pick::Ambiguous,
            [] => {}
        }
    }
    Pick::Nothing
}

fn pick(item: &str, check: &Check) -> Pick {
    let n = check.choices.len();
    let item = item.trim();
    if item.is_empty() {
        return Pick::Nothing;
    }
    let lower = item.to_lowercase();
    let text = by_text(item, check);
    if let Some((i, rest, marked)) = letter_prefix(&lower, n) {
        if rest.is_empty() {
            // A bare letter that is also another option's text is ambiguous, unless written
            // as "option b" / "b)".
            let bare = lower.trim().chars().count() == 1;
            return match text {
                Pick::One(j) if bare && j != i => Pick::Ambiguous,
                _ => Pick::One(i),
            };
        }
        // "a quarter": an unmarked "a" may be an article; the whole text decides.
        if !marked && let Pick::One(_) = text {
            return text;
        }
        // "b) 3/4": the letter and the text must agree.
        match by_text(rest, check) {
            Pick::One(j) if j == i => return Pick::One(i),
            Pick::One(_) | Pick::Ambiguous if text != Pick::One(i) => return Pick::Ambiguous,
            _ => {}
        }
    }
    if text != Pick::Nothing {
        return text;
    }
    let stripped = short::strip_lead_in(item);
    if stripped != lower && !stripped.is_empty() {
        return pick(&stripped, check);
    }
    Pick::Nothing
}

/// The one option `item` names (by letter or text), if exactly one.
pub fn option_index(check: &Check, item: &str) -> Option<usize> {
    match pick(item, check) {
        Pick::One(i) => Some(i),
        _ => None,
    }
}

/// The indices of the right options among the shown `choices`.
pub fn correct_indices(check: &Check) -> Vec<usize> {
    let mut out: Vec<usize> = check
        .correct_choices()
        .iter()
        .filter_map(|a| {
            let exact = check.choices.iter().position(|c| c == a);
            exact.or_else(|| {
                check
                    .choices
                    .iter()
                    .position(|c| normalize(c) == normalize(a))
            })
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Splits a response naming several options: "a, c", "a and c", "a c".
fn pieces(response: &str) -> Vec<String> {
    let mut s = response.to_lowercase();
    for sep in [" and ", " & ", " + ", ";", " y ", " et ", " und ", " e "] {
        s = s.replace(sep, ",");
    }
    let parts: Vec<String> = s
        .split(',')
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() == 1 {
        let words: Vec<&str> = parts[0].split_whitespace().collect();
        if words.len() > 1
            && words
                .iter()
                .all(|w| w.trim_matches(['(', ')', '.']).chars().count() == 1)
        {
            return words.iter().map(|w| (*w).to_string()).collect();
        }
    }
    parts
}

/// Grades a choice check.
pub fn grade(check: &Check, response: &str) -> Graded {
    // Names no letter: "(a–c)" would read as naming option c, a pending answer's letter.
    let ask = || "pick one of the choices by its letter or its text".to_string();
    let correct = correct_indices(check);
    let several = correct.len() > 1;
    let mut picked: Vec<usize> = match pick(response, check) {
        Pick::One(i) => vec![i],
        Pick::Ambiguous => {
            return Graded::unreadable(format!(
                "that could mean more than one choice; write it as \"option x\" or type the whole choice ({})",
                ask()
            ));
        }
        Pick::Nothing => {
            let parts = pieces(response);
            if parts.len() < 2 {
                return Graded::unreadable(ask());
            }
            let mut out = Vec::new();
            for p in &parts {
                match pick(p, check) {
                    Pick::One(i) => out.push(i),
                    _ => return Graded::unreadable(ask()),
                }
            }
            out
        }
    };
    picked.sort_unstable();
    picked.dedup();
    if picked.len() > 1 && !several {
        return Graded::unreadable("pick just one choice".to_string());
    }
    if picked == correct {
        return Graded::correct();
    }
    let feedback = picked
        .iter()
        .filter(|i| !correct.contains(i))
        .find_map(|&i| {
            check
                .choice_feedback
                .get(i)
                .filter(|f| !f.trim().is_empty())
                .cloned()
        })
        .or_else(|| {
            (several && picked.iter().all(|i| correct.contains(i)))
                .then(|| "Those are right, but there are more: pick all that apply.".to_string())
        });
    Graded {
        verdict: Verdict::Incorrect,
        feedback,
    }
}
