//! Rule (a): a pending check's answer must not appear in any form its own grader would
//! accept, nor transformed: other number forms (words, fraction and percent words, Unicode
//! fractions, "3 over 4"), reversed, spaced, hyphenated or letter-by-letter spellings, and for
//! a choice check its letter ("it's b", "(b)") or position ("the second one").

use text2num::Language;

use super::text::{Folded, find_words, mentions, same, words};
use crate::curriculum::grade::{choice_letter, fold_accents, parse_number};
use crate::curriculum::{Check, CheckKind};

/// What must not be revealed for one check.
#[derive(Debug, Clone)]
pub struct Secret {
    pub check_id: String,
    /// Folded phrases the grader accepts (answer, accepted answers, the right choice's text).
    phrases: Vec<String>,
    /// The same phrases with only their letters and digits, for spaced, hyphenated,
    /// letter-by-letter and reversed spellings (only those of 4+ characters).
    compact: Vec<String>,
    /// The answer's value, when it is a number in any of its accepted forms.
    value: Option<f64>,
    /// For a numeric check with a tolerance or a min/max: every value its grader accepts.
    range: Option<(f64, f64)>,
    /// For a choice check: (index of the right choice, number of choices).
    choice: Option<(usize, usize)>,
    /// Numbers as the check's own prompt writes them ("1/2" in "a fraction equal to 1/2
    /// with denominator 8"), compacted: quoting the question gives nothing away, even when
    /// the answer has the same value ("4/8"). Never an accepted answer's own form.
    prompt_forms: Vec<String>,
}

/// A number's surface text, compacted for comparison ("1 / 2" and "1/2" alike).
fn surface(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase()
}

/// The phrase whose compact form is `c` (to tell "carbondioxide" from "oxygen" itself).
fn p_first<'a>(phrases: &'a [String], c: &str) -> &'a str {
    phrases
        .iter()
        .find(|p| compact(p) == c)
        .map_or("", String::as_str)
}

/// The number a whole accepted phrase gives, as the grader reads it; not for a name with
/// digits glued after letters ("CO2", "H2O"), which is text to protect, not a value.
fn number(phrase: &str) -> Option<f64> {
    let glued = phrase
        .chars()
        .zip(phrase.chars().skip(1))
        .any(|(a, b)| a.is_alphabetic() && b.is_ascii_digit());
    if glued { None } else { parse_number(phrase) }
}

fn compact(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).collect()
}

impl Secret {
    /// The secret of `check`; `lang` reads number words.
    pub fn of(check: &Check, lang: &Language) -> Self {
        let mut accepted: Vec<String> = std::iter::once(check.answer.clone())
            .chain(check.accept.iter().cloned())
            .collect();
        let mut choice = None;
        if check.kind == CheckKind::Choice {
            let right = fold_accents(&check.answer);
            if let Some(i) = check.choices.iter().position(|c| fold_accents(c) == right) {
                choice = Some((i, check.choices.len()));
            }
        }
        if check.kind == CheckKind::Text {
            // A model answer sentence is not said word for word; its short accepted forms are.
            accepted.retain(|a| a.split_whitespace().count() <= 4);
        }
        let value = accepted.iter().find_map(|a| number(a)).or_else(|| {
            accepted.iter().find_map(|a| {
                let m = mentions(a, lang);
                (m.len() == 1).then(|| m[0].value)
            })
        });
        let mut phrases: Vec<String> = accepted
            .iter()
            .map(|a| Folded::new(&fold_accents(a)).text)
            .filter(|p| !p.trim().is_empty())
            .collect();
        // A choice's text is protected when it is distinctive; its letter and position always.
        if check.kind == CheckKind::Choice {
            phrases.retain(|p| p.chars().count() >= 4);
        }
        // A numeric answer is matched by value; its text forms are matched as numbers.
        if value.is_some() {
            phrases.retain(|p| number(p).is_none() && mentions(p, lang).is_empty());
        }
        phrases.sort();
        phrases.dedup();
        let mut compact_forms: Vec<String> = phrases
            .iter()
            .map(|p| compact(p))
            .filter(|c| c.chars().count() >= 4)
            .collect();
        compact_forms.dedup();
        let authored: Vec<String> = accepted
            .iter()
            .flat_map(|a| {
                let whole = surface(a);
                mentions(a, lang)
                    .into_iter()
                    .map(|m| surface(&a[m.start..m.end]))
                    .chain(std::iter::once(whole))
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut prompt_forms: Vec<String> = mentions(&check.prompt, lang)
            .into_iter()
            .filter(|m| m.form != "ordinal")
            .map(|m| &check.prompt[m.start..m.end])
            // Never a form the grader would take as the answer ("six" of "six-sided" when
            // the answer is 6).
            .filter(|raw| !crate::curriculum::grade::grade(check, raw).is_correct())
            .map(surface)
            .filter(|f| !authored.contains(f))
            .collect();
        prompt_forms.sort();
        prompt_forms.dedup();
        let range = match (check.kind, value) {
            (CheckKind::Numeric, _) if check.min.is_some() || check.max.is_some() => Some((
                check.min.unwrap_or(f64::NEG_INFINITY),
                check.max.unwrap_or(f64::INFINITY),
            )),
            (CheckKind::Numeric, Some(v)) => check.tolerance.map(|t| (v - t.abs(), v + t.abs())),
            _ => None,
        };
        Self {
            check_id: check.id.clone(),
            range,
            phrases,
            compact: compact_forms,
            value,
            choice,
            prompt_forms,
        }
    }
}

/// One place where a reply reveals a secret.
#[derive(Debug, Clone, PartialEq)]
pub struct LeakSpan {
    pub start: usize,
    pub end: usize,
    pub check_id: String,
    pub form: String,
}

const ORDINALS: &[&str] = &[
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
];
const POSITION_NOUNS: &[&str] = &["one", "option", "choice", "answer", "choices", "options"];
const LETTER_CUES: &[&str] = &[
    "option", "choice", "answer", "letter", "is", "it's", "its", "pick", "choose", "select",
    "with", "try", "say", "probably", "be", "s",
];

/// Every place in `text` that reveals one of `secrets`.
pub fn leaks(secrets: &[Secret], text: &str, lang: &Language) -> Vec<LeakSpan> {
    let folded = Folded::new(text);
    let f = folded.text.as_str();
    let ws = words(f);
    let nums = mentions(text, lang);
    let mut out = Vec::new();
    for s in secrets {
        let mut push = |a: usize, b: usize, form: &str, orig: bool| {
            let (start, end) = if orig { (a, b) } else { folded.original(a, b) };
            out.push(LeakSpan {
                start,
                end,
                check_id: s.check_id.clone(),
                form: form.to_string(),
            });
        };
        for p in &s.phrases {
            for (a, b) in find_words(f, p) {
                push(a, b, "text", false);
            }
        }
        // Spaced, hyphenated, letter-by-letter or reversed: consecutive words whose letters
        // together spell the answer (or spell it backwards).
        for c in &s.compact {
            let rev: String = c.chars().rev().collect();
            for i in 0..ws.len() {
                let mut joined = String::new();
                for j in i..ws.len().min(i + 40) {
                    joined.push_str(ws[j].2);
                    if joined.len() > c.len() + rev.len() {
                        break;
                    }
                    let (a, b) = (ws[i].0, ws[j].1);
                    if joined == *c && (j > i || ws[i].2 != p_first(&s.phrases, c)) {
                        push(a, b, "spelled out", false);
                    } else if joined == rev || (j > i && joined.contains(rev.as_str())) {
                        push(a, b, "reversed", false);
                    } else if j > i
                        && ws[i..=j].iter().all(|w| w.2.chars().count() == 1)
                        && joined.contains(c.as_str())
                    {
                        push(a, b, "letter by letter", false);
                    }
                }
            }
        }
        if let Some(v) = s.value {
            for m in nums.iter().filter(|m| m.form != "ordinal") {
                let in_range = s
                    .range
                    .is_some_and(|(lo, hi)| m.value >= lo - 1e-9 && m.value <= hi + 1e-9);
                let hit = same(m.value, v) || in_range || (v < 0.0 && same(m.value, -v));
                if hit && !s.prompt_forms.contains(&surface(&text[m.start..m.end])) {
                    push(m.start, m.end, m.form, true);
                }
            }
            // Digits spelled one by one ("1 - 2") or reversed ("21" for 12).
            let digits = format!("{}", v.abs());
            if v.fract() == 0.0 && digits.len() >= 2 {
                let rev: String = digits.chars().rev().collect();
                for i in 0..ws.len() {
                    let mut joined = String::new();
                    for j in i..ws.len().min(i + digits.len()) {
                        if !ws[j].2.chars().all(|c| c.is_ascii_digit()) {
                            break;
                        }
                        joined.push_str(ws[j].2);
                        if j > i && joined == digits {
                            push(ws[i].0, ws[j].1, "digits spelled out", false);
                        }
                        if joined == rev && rev != digits {
                            push(ws[i].0, ws[j].1, "reversed digits", false);
                        }
                    }
                }
            }
        }
        if let Some((right, n)) = s.choice {
            let letter = choice_letter(right).to_string();
            for (k, (a, b, w)) in ws.iter().enumerate() {
                let prev = k.checked_sub(1).map(|p| ws[p].2);
                let next_char = f[*b..].chars().next();
                let prev_char = f[..*a].chars().next_back();
                if *w == letter {
                    let cued = prev.is_some_and(|p| LETTER_CUES.contains(&p));
                    let bracketed = next_char == Some(')') || prev_char == Some('(');
                    let ends = next_char.is_none_or(|c| ".!?,;:'\"".contains(c));
                    let lone = !matches!(letter.as_str(), "a" | "i");
                    if bracketed || (cued && (ends || lone)) || (lone && ends) {
                        push(*a, *b, "choice letter", false);
                    }
                }
                // Positions: "the second one", "option 2", "number two", "the last one".
                let ordinal = ORDINALS.iter().position(|o| o == w);
                let next = ws.get(k + 1).map(|x| x.2);
                let noun_follows = next.is_some_and(|x| POSITION_NOUNS.contains(&x));
                if ordinal == Some(right) && (noun_follows || prev == Some("the")) {
                    push(*a, *b, "choice position", false);
                }
                if *w == "last" && right + 1 == n && (noun_follows || prev == Some("the")) {
                    push(*a, *b, "choice position", false);
                }
                if *w == "middle" && n == 3 && right == 1 && noun_follows {
                    push(*a, *b, "choice position", false);
                }
                let pos = format!("{}", right + 1);
                if (*w == pos || w.trim_end_matches(['s', 't', 'n', 'd', 'r', 'h']) == pos)
                    && prev.is_some_and(|p| matches!(p, "option" | "choice" | "number" | "answer"))
                {
                    push(*a, *b, "choice position", false);
                }
                if w.ends_with("th") || w.ends_with("st") || w.ends_with("nd") || w.ends_with("rd")
                {
                    let digits = w.trim_end_matches(char::is_alphabetic);
                    if digits == pos && (noun_follows || prev == Some("the")) {
                        push(*a, *b, "choice position", false);
                    }
                }
            }
        }
    }
    out.sort_by_key(|l| (l.start, l.end));
    out
}

/// `text` with every span of `spans` (sorted by start) replaced by `[…]`, overlaps merged.
pub fn redact_spans(text: &str, spans: &[LeakSpan]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut open: Option<(usize, usize)> = None;
    let flush = |span: (usize, usize), at: &mut usize, out: &mut String| {
        out.push_str(&text[*at..span.0]);
        out.push_str("[…]");
        *at = span.1;
    };
    for l in spans {
        match open {
            Some((a, b)) if l.start < b => open = Some((a, b.max(l.end))),
            Some(span) => {
                flush(span, &mut at, &mut out);
                open = Some((l.start.max(at), l.end.max(at)));
            }
            None => open = Some((l.start.max(at), l.end.max(at))),
        }
    }
    if let Some(span) = open {
        flush(span, &mut at, &mut out);
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tutor::contract::text::language;

    fn check(kind: CheckKind, answer: &str, accept: &[&str], choices: &[&str]) -> Check {
        let mut c = Check::new(&format!("c-{answer}"), kind, "", answer);
        c.accept = accept.iter().map(|s| s.to_string()).collect();
        c.choices = choices.iter().map(|s| s.to_string()).collect();
        c
    }

    fn leaked(c: &Check, text: &str) -> bool {
        let en = language("en");
        !leaks(&[Secret::of(c, &en)], text, &en).is_empty()
    }

    #[test]
    fn short_answers_in_transformed_spellings() {
        let c = check(CheckKind::Short, "carbon dioxide", &["CO2"], &[]);
        for t in [
            "It's CARBON  dioxide, of course",
            "carbon-dioxide",
            "c a r b o n d i o x i d e",
            "C-A-R-B-O-N D-I-O-X-I-D-E",
            "Read this backwards: edixoid nobrac",
            "think about co2",
            "carbondioxide",
        ] {
            assert!(leaked(&c, t), "{t}");
        }
        for t in [
            "What gas do we breathe out?",
            "co2x is not it",
            "a carbon atom",
        ] {
            assert!(!leaked(&c, t), "{t}");
        }
    }

    #[test]
    fn numeric_answers_in_every_number_form() {
        let c = check(CheckKind::Numeric, "3/4", &[], &[]);
        for t in [
            "It is 3/4.",
            "0.75",
            "that's 75%!",
            "6/8 of it",
            "three quarters",
            "three-fourths",
            "seventy-five percent",
            "¾",
            "3 / 4",
            "3 over 4",
            "three out of four",
            "zero point seven five",
        ] {
            assert!(leaked(&c, t), "{t}");
        }
        for t in [
            "What is 1/2 + 1/4?",
            "Try 2/4 first",
            "count the 3 pieces and the 4 pieces",
        ] {
            assert!(!leaked(&c, t), "{t}");
        }
        let big = check(CheckKind::Numeric, "1200000", &[], &[]);
        assert!(leaked(&big, "one million two hundred thousand"));
        let twelve = check(CheckKind::Numeric, "12", &[], &[]);
        assert!(leaked(&twelve, "twelve"));
        assert!(leaked(&twelve, "1 2"));
        assert!(leaked(&twelve, "it is 21 backwards"));
        assert!(!leaked(&twelve, "What is 3 times 4?"));
    }

    #[test]
    fn choice_letters_and_positions() {
        let c = check(
            CheckKind::Choice,
            "Equal parts",
            &[],
            &["Any parts", "Equal parts", "Big parts"],
        );
        for t in [
            "It's b.",
            "The answer is (b)",
            "b) of course",
            "Pick b",
            "the second one",
            "the middle one",
            "option 2",
            "equal parts!",
        ] {
            assert!(leaked(&c, t), "{t}");
        }
        for t in [
            "It's a good question.",
            "the first one is tempting",
            "Look at each option.",
        ] {
            assert!(!leaked(&c, t), "{t}");
        }
        let first = check(CheckKind::Choice, "Yes", &[], &["Yes", "No"]);
        assert!(leaked(&first, "it's a."));
        assert!(leaked(&first, "the first one"));
        assert!(!leaked(&first, "it's a tricky one"));
    }
}
