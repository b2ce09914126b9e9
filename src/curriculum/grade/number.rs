//! Reading numbers the way students write them: signs (incl. U+2212), thousands separators and
//! decimal marks by course language, fractions (`3 / 4`, `¾`), mixed numbers, percent (sign and
//! words), number words (via `text2num`, 8 languages), scientific notation and units.
//!
//! The tokenizer and the expression reader are hand-written: `text2num` turns number *words*
//! into digits, but no crate reads "1 1/2", "¾", "0,125" by locale, "70 percent" or "57 kg"
//! together, and the rules below (what makes two candidates, when a comma is a decimal mark)
//! are the grading policy itself, so they are kept here, small and tested.

use unicode_normalization::UnicodeNormalization;

use super::tokens::{Tok, is_integer_token, token_value, tokenize};
use super::units::{self, Unit};

/// How a number was written (for `form = "..."` rules).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Written {
    Whole,
    Decimal,
    /// `n/d`.
    Fraction(i64, i64),
    /// `w n/d`.
    Mixed(i64, i64, i64),
    Percent,
    Scientific,
}

/// One number found in a response.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub value: f64,
    pub written: Written,
    /// Digits after the decimal mark (0 for whole numbers and fractions).
    pub decimals: usize,
    pub unit: Option<&'static Unit>,
    /// A unit-like word that is not a known unit (e.g. "apples").
    pub other_word: Option<String>,
    /// Said to be wrong ("not 3", "3 is wrong").
    pub negated: bool,
}

/// Whether the language writes `0,5` (decimal comma) and `1.000` (thousands dot).
pub fn decimal_comma(language: &str) -> bool {
    let l = language.to_lowercase();
    let base = l.split(['-', '_']).next().unwrap_or("");
    !matches!(base, "en" | "ja" | "zh" | "ko" | "he" | "th" | "hi" | "")
}

/// `text2num`'s interpreter for the language, if it has one.
fn words_language(language: &str) -> Option<text2num::Language> {
    let l = language.to_lowercase();
    Some(match l.split(['-', '_']).next().unwrap_or("") {
        "en" => text2num::Language::english(),
        "es" => text2num::Language::spanish(),
        "fr" => text2num::Language::french(),
        "de" => text2num::Language::german(),
        "it" => text2num::Language::italian(),
        "nl" => text2num::Language::dutch(),
        "pt" => text2num::Language::portugese(),
        _ => return None,
    })
}

const UNICODE_FRACTIONS: &[(char, &str)] = &[
    ('½', "1/2"),
    ('⅓', "1/3"),
    ('⅔', "2/3"),
    ('¼', "1/4"),
    ('¾', "3/4"),
    ('⅕', "1/5"),
    ('⅖', "2/5"),
    ('⅗', "3/5"),
    ('⅘', "4/5"),
    ('⅙', "1/6"),
    ('⅚', "5/6"),
    ('⅐', "1/7"),
    ('⅛', "1/8"),
    ('⅜', "3/8"),
    ('⅝', "5/8"),
    ('⅞', "7/8"),
    ('⅑', "1/9"),
    ('⅒', "1/10"),
];

/// Words meaning "percent", after lower-casing.
const PERCENT_WORDS: &[&str] = &[
    "percent",
    "per cent",
    "pct",
    "por ciento",
    "pour cent",
    "prozent",
    "per cento",
    "procent",
    "por cento",
];

/// Fraction words: (word, denominator); plural forms are handled by stripping an "s".
const FRACTION_WORDS: &[(&str, i64)] = &[
    ("half", 2),
    ("halve", 2),
    ("third", 3),
    ("3rd", 3),
    ("quarter", 4),
    ("fourth", 4),
    ("4th", 4),
    ("fifth", 5),
    ("5th", 5),
    ("sixth", 6),
    ("6th", 6),
    ("seventh", 7),
    ("7th", 7),
    ("eighth", 8),
    ("8th", 8),
    ("ninth", 9),
    ("9th", 9),
    ("tenth", 10),
    ("10th", 10),
    ("hundredth", 100),
    ("100th", 100),
];

const NEGATORS_BEFORE: &[&str] = &[
    "not", "no", "isn't", "isnt", "never", "nicht", "pas", "nunca",
];
const NEGATORS_AFTER: &[&str] = &[
    "is wrong",
    "is not",
    "isn't",
    "isnt",
    "is incorrect",
    "wrong",
    "incorrect",
    "is false",
];

/// Lower-cased, NFKC text with Unicode fractions, minus signs, odd spaces and percent words
/// made plain, and number words turned into digits.
pub fn prepare(text: &str, language: &str) -> String {
    let mut s = String::with_capacity(text.len() + 8);
    let mut prev: Option<char> = None;
    for c in text.chars() {
        if let Some((_, f)) = UNICODE_FRACTIONS.iter().find(|(u, _)| *u == c) {
            if prev.is_some_and(|p| p.is_ascii_digit()) {
                s.push(' ');
            }
            s.push_str(f);
        } else {
            s.push(match c {
                '\u{2212}' | '\u{2013}' | '\u{2012}' | '\u{FE63}' | '\u{FF0D}' => '-',
                '\u{2044}' | '\u{2215}' | '÷' => '/',
                '\u{00A0}' | '\u{202F}' | '\u{2009}' | '\u{2007}' => ' ',
                '\u{066B}' => '.',
                _ => c,
            });
        }
        prev = Some(c);
    }
    let mut s: String = s.nfkc().collect::<String>().to_lowercase();
    s = s.replace(['\u{2019}', '\u{2018}'], "'");
    for w in PERCENT_WORDS {
        s = replace_word(&s, w, "%");
    }
    for (w, with) in [
        ("and a half", "1/2"),
        ("and a quarter", "1/4"),
        ("and one half", "1/2"),
    ] {
        s = replace_word(&s, w, with);
    }
    if let Some(lang) = words_language(language)
        && s.chars().any(char::is_alphabetic)
    {
        // "a half" / "one half" → keep as words for the fraction reader; everything else
        // (cardinals, "three point five") becomes digits.
        s = text2num::replace_numbers_in_text(&s, &lang, 0.0);
    }
    // "minus 3", "negative 3" (after the words became digits).
    for w in ["minus ", "negative "] {
        s = s.replace(w, "-");
    }
    s
}

/// Replaces whole-word occurrences of `word` (which may contain spaces).
fn replace_word(s: &str, word: &str, with: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(word) {
        let before_ok = rest[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let after = &rest[i + word.len()..];
        let after_ok = after.chars().next().is_none_or(|c| !c.is_alphanumeric());
        out.push_str(&rest[..i]);
        if before_ok && after_ok {
            out.push_str(with);
        } else {
            out.push_str(word);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Every number written in `text` (already [`prepare`]d), in order.
pub fn candidates(prepared: &str, language: &str) -> Vec<Candidate> {
    let comma = decimal_comma(language);
    let toks = tokenize(prepared);
    let mut out = Vec::new();
    let next_solid = |mut j: usize| {
        while matches!(toks.get(j), Some(Tok::Space)) {
            j += 1;
        }
        j
    };
    let mut i = 0;
    while i < toks.len() {
        let start = i;
        let mut neg = false;
        if let Tok::Sign(n) = toks[i] {
            if matches!(toks.get(i + 1), Some(Tok::Num(_))) {
                neg = n;
                i += 1;
            } else {
                i += 1;
                continue;
            }
        }
        let word_fraction = |j: usize| -> Option<i64> {
            match toks.get(j) {
                Some(Tok::Word(w)) => {
                    let w = w.strip_suffix('s').unwrap_or(w);
                    FRACTION_WORDS
                        .iter()
                        .find(|(f, _)| *f == w)
                        .map(|(_, d)| *d)
                }
                _ => None,
            }
        };
        let Some(Tok::Num(t)) = toks.get(i) else {
            // "a half", "a quarter", "half": fraction words without a digit.
            if let Some(d) = word_fraction(i) {
                let after_article = start > 0
                    && matches!(toks.get(start.saturating_sub(2)), Some(Tok::Word(a)) if a == "a" || a == "an");
                let alone = toks.iter().filter(|t| !matches!(t, Tok::Space)).count() == 1;
                if after_article || alone {
                    out.push(Candidate {
                        value: 1.0 / d as f64,
                        written: Written::Fraction(1, d),
                        decimals: 0,
                        unit: None,
                        other_word: None,
                        negated: false,
                    });
                }
            }
            i += 1;
            continue;
        };
        if start > 0 && matches!(toks[start - 1], Tok::Other('-' | '+')) {
            // "3-4", "--1": a dash glued to a number makes the reading unclear.
            out.push(Candidate {
                value: f64::NAN,
                written: Written::Whole,
                decimals: 0,
                unit: None,
                other_word: None,
                negated: false,
            });
        }
        let Some((mut value, decimals, sci)) = token_value(t, comma) else {
            i += 1;
            continue;
        };
        let mut written = if sci {
            Written::Scientific
        } else if decimals > 0 {
            Written::Decimal
        } else {
            Written::Whole
        };
        let mut j = next_solid(i + 1);
        // Fraction "3/4", "3 / 4".
        if matches!(toks.get(j), Some(Tok::Slash)) {
            let k = next_solid(j + 1);
            if let Some(Tok::Num(d)) = toks.get(k)
                && let Some((dv, _, false)) = token_value(d, comma)
            {
                if dv == 0.0 {
                    i = k + 1;
                    continue;
                }
                written = match (is_integer_token(t), is_integer_token(d)) {
                    (true, true) => {
                        Written::Fraction(t.parse().unwrap_or(0), d.parse().unwrap_or(1))
                    }
                    _ => Written::Decimal,
                };
                value /= dv;
                j = next_solid(k + 1);
            }
        } else if matches!(toks.get(i + 1), Some(Tok::Space))
            && is_integer_token(t)
            && let Some(Tok::Num(n)) = toks.get(j)
            && is_integer_token(n)
            && matches!(toks.get(next_solid(j + 1)), Some(Tok::Slash))
        {
            // Mixed number "1 1/2": whole, space, proper fraction.
            let s = next_solid(j + 1);
            let k = next_solid(s + 1);
            if let Some(Tok::Num(d)) = toks.get(k)
                && is_integer_token(d)
            {
                let (w, nn, dd): (i64, i64, i64) = (
                    t.parse().unwrap_or(0),
                    n.parse().unwrap_or(0),
                    d.parse().unwrap_or(0),
                );
                if dd > 0 {
                    value = w as f64 + nn as f64 / dd as f64;
                    written = Written::Mixed(w, nn, dd);
                    j = next_solid(k + 1);
                }
            }
        } else if let Some(d) = word_fraction(j) {
            // "3 quarters", "1 half", "2 3rds".
            if decimals == 0 && !sci {
                let n = value as i64;
                value /= d as f64;
                written = Written::Fraction(n, d);
                j = next_solid(j + 1);
            }
        }
        if matches!(toks.get(j), Some(Tok::Percent)) {
            value /= 100.0;
            written = Written::Percent;
            j = next_solid(j + 1);
        }
        let mut unit = None;
        let mut other_word = None;
        if let Some(Tok::Word(w)) = toks.get(j) {
            // "5 km", "5 square", "2 m/s" (first unit only).
            let two = match (toks.get(j + 1), toks.get(j + 2)) {
                (Some(Tok::Space), Some(Tok::Word(w2))) => Some(format!("{w} {w2}")),
                _ => None,
            };
            if let Some(u) = two.as_deref().and_then(units::find) {
                unit = Some(u);
                j += 3;
            } else if let Some(u) = units::find(w) {
                unit = Some(u);
                j += 1;
            } else if !matches!(w.as_str(), "st" | "nd" | "rd" | "th") {
                other_word = Some(w.clone());
            }
        }
        if neg {
            value = -value;
        }
        let negated = negated_before(&toks, start) || negated_after(&toks, j);
        if value.is_finite() {
            out.push(Candidate {
                value,
                written,
                decimals,
                unit,
                other_word,
                negated,
            });
        }
        i = j.max(i + 1);
    }
    out
}

fn words_before(toks: &[Tok], start: usize, n: usize) -> Vec<&str> {
    toks[..start]
        .iter()
        .rev()
        .filter_map(|t| match t {
            Tok::Word(w) => Some(Some(w.as_str())),
            Tok::Space => None,
            _ => Some(None),
        })
        .take(n)
        .map_while(|w| w)
        .collect()
}

fn negated_before(toks: &[Tok], start: usize) -> bool {
    words_before(toks, start, 2)
        .iter()
        .any(|w| NEGATORS_BEFORE.contains(w))
}

fn negated_after(toks: &[Tok], j: usize) -> bool {
    let rest: String = toks[j.min(toks.len())..]
        .iter()
        .take(8)
        .map(|t| match t {
            Tok::Word(w) => w.clone(),
            Tok::Space => " ".into(),
            Tok::Num(_) => "#".into(),
            _ => "|".into(),
        })
        .collect();
    let rest = rest.trim_start();
    NEGATORS_AFTER.iter().any(|n| {
        rest.strip_prefix(n)
            .is_some_and(|r| r.is_empty() || !r.starts_with(char::is_alphanumeric))
    })
}

/// The part of a response that holds the answer: before "because …", after the last "=".
pub fn answer_part(prepared: &str) -> &str {
    let mut s = prepared;
    for w in [
        " because ",
        " since ",
        " as ",
        " porque ",
        " weil ",
        " parce que ",
        " perché ",
        " so that ",
    ] {
        if let Some(i) = s.find(w) {
            s = &s[..i];
        }
    }
    match s.rfind(['=', '≈']) {
        Some(i) => {
            let after = &s[i + s[i..].chars().next().map_or(1, char::len_utf8)..];
            if after.chars().any(|c| c.is_ascii_digit()) {
                after
            } else {
                s
            }
        }
        None => s,
    }
}

/// Reads `text` as one number (English separators), as the old API did: `None` when there is
/// no number or more than one different number.
pub fn parse_number(text: &str) -> Option<f64> {
    read_one(text, "en").ok().map(|c| c.value)
}

/// Why a response does not hold exactly one number.
#[derive(Debug, Clone, PartialEq)]
pub enum NotOne {
    None,
    Several,
    Negated,
}

/// The single number a response gives, by the rules in the module docs.
pub fn read_one(text: &str, language: &str) -> Result<Candidate, NotOne> {
    let prepared = prepare(text, language);
    let part = answer_part(&prepared);
    let mut cands = candidates(part, language);
    if cands.is_empty() && part.len() != prepared.len() {
        cands = candidates(&prepared, language);
    }
    let Some(first) = cands.first().cloned() else {
        return Err(NotOne::None);
    };
    if cands.iter().any(|c| {
        c.value.is_nan() || (c.value - first.value).abs() > 1e-12 * first.value.abs().max(1.0)
    }) {
        return Err(NotOne::Several);
    }
    if cands.iter().any(|c| c.negated) {
        return Err(NotOne::Negated);
    }
    // Prefer the reading with a unit, if any copy has one.
    Ok(cands
        .iter()
        .find(|c| c.unit.is_some())
        .cloned()
        .unwrap_or(first))
}

/// Greatest common divisor.
pub fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a.abs() } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str, lang: &str) -> Option<f64> {
        read_one(s, lang).ok().map(|c| c.value)
    }

    #[test]
    fn separators_follow_the_language() {
        assert_eq!(one("1,000", "en"), Some(1000.0));
        assert_eq!(one("1 000", "en"), Some(1000.0));
        assert_eq!(one("1.000", "de"), Some(1000.0));
        assert_eq!(one("0,125", "en"), Some(0.125));
        assert_eq!(one("0,125", "de"), Some(0.125));
        assert_eq!(one("1,5", "es"), Some(1.5));
        assert_eq!(one("1.234,5", "de"), Some(1234.5));
        assert_eq!(one("1,234.5", "en"), Some(1234.5));
        assert_eq!(one("1,500", "de"), Some(1.5));
    }

    #[test]
    fn written_forms() {
        for (s, v) in [
            ("−3", -3.0),
            ("+6", 6.0),
            ("3 / 4", 0.75),
            ("¾", 0.75),
            ("1½", 1.5),
            ("1 1/2", 1.5),
            ("70 %", 0.7),
            ("70 percent", 0.7),
            (".75", 0.75),
            ("2.5e-3", 0.0025),
            ("3 × 10^2", 300.0),
            ("x = 15", 15.0),
            ("I think 10", 10.0),
            ("I think it's 3/4 because 3 of the 4 parts are shaded", 0.75),
        ] {
            assert_eq!(one(s, "en"), Some(v), "{s}");
        }
        assert_eq!(read_one("3 or 4", "en"), Err(NotOne::Several));
        assert_eq!(read_one("3 is wrong", "en"), Err(NotOne::Negated));
        assert_eq!(read_one("not 3", "en"), Err(NotOne::Negated));
    }
}
