//! Short answers: the response and the key are brought to one canonical form (what the check's
//! `forgive` allows: articles, plurals, case, accents, punctuation), then compared exactly, or
//! within a small edit distance for long words when typos are forgiven.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::curriculum::Forgive;

/// Articles dropped when `articles` is forgiven, per language.
fn articles(language: &str) -> &'static [&'static str] {
    match language.split(['-', '_']).next().unwrap_or("") {
        "es" => &["el", "la", "los", "las", "un", "una", "unos", "unas"],
        "fr" => &["le", "la", "les", "l", "un", "une", "des", "du"],
        "de" => &[
            "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer",
        ],
        "it" => &["il", "lo", "la", "i", "gli", "le", "l", "un", "uno", "una"],
        "pt" => &["o", "a", "os", "as", "um", "uma"],
        "nl" => &["de", "het", "een"],
        _ => &["a", "an", "the"],
    }
}

/// Phrases students put before an answer.
const LEAD_INS: &[&str] = &[
    "i think that",
    "i think it's",
    "i think it is",
    "i think they are",
    "i think",
    "i believe",
    "i guess",
    "maybe",
    "probably",
    "the answer is",
    "my answer is",
    "answer:",
    "it's",
    "it is",
    "its",
    "they are",
    "they're",
    "that's",
    "that is",
    "creo que es",
    "es",
    "c'est",
    "je pense que",
];

/// The response without lead-in phrases ("I think it's …") and trailing reasons ("… because").
pub fn strip_lead_in(response: &str) -> String {
    let mut s = response.trim().to_lowercase();
    for cut in [" because ", " since ", " porque ", " parce que ", " weil "] {
        if let Some(i) = s.find(cut) {
            s.truncate(i);
        }
    }
    loop {
        let before = s.len();
        for l in LEAD_INS {
            if let Some(rest) = s.strip_prefix(l)
                && (rest.is_empty() || rest.starts_with([' ', ',', ':']))
            {
                s = rest.trim_start_matches([' ', ',', ':']).to_string();
            }
        }
        if s.len() == before {
            break;
        }
    }
    s.trim().to_string()
}

/// `s` without parenthesised parts: "carbon dioxide (CO2)" → "carbon dioxide".
pub fn without_parentheses(s: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The singular of an English word, roughly (enough to match "stomata"/"stoma", "leaves"/"leaf"),
/// applied until it stops changing ("stomatas" → "stomata" → "stoma").
fn singular(w: &str) -> String {
    let once = singular_once(w);
    if once == w {
        once
    } else {
        singular_once(&once)
    }
}

fn singular_once(w: &str) -> String {
    let n = w.chars().count();
    if n <= 3 || w.chars().any(|c| c.is_ascii_digit()) {
        return w.to_string();
    }
    for (suffix, with) in [
        ("ies", "y"),
        ("ves", "f"),
        ("ata", "a"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("sses", "ss"),
        ("xes", "x"),
        ("oes", "o"),
        ("ae", "a"),
    ] {
        if let Some(stem) = w.strip_suffix(suffix) {
            return format!("{stem}{with}");
        }
    }
    if let Some(stem) = w.strip_suffix('s')
        && !w.ends_with("ss")
        && !w.ends_with("us")
        && !w.ends_with("is")
    {
        return stem.to_string();
    }
    w.to_string()
}

/// The canonical form of `s` under `forgive`.
pub fn canonical(s: &str, forgive: Forgive, language: &str) -> String {
    let mut t: String = s.nfkc().collect();
    t = t.replace(['\u{2019}', '\u{2018}', '`'], "'");
    t = tight_fractions(&t);
    if forgive.case {
        t = t.to_lowercase();
    }
    if forgive.accents {
        t = t.nfd().filter(|c| !is_combining_mark(*c)).collect();
    }
    if forgive.punctuation {
        let chars: Vec<char> = t.chars().collect();
        let mut out = String::with_capacity(t.len());
        for (i, &c) in chars.iter().enumerate() {
            let between_digits = i > 0
                && chars[i - 1].is_ascii_digit()
                && chars.get(i + 1).is_some_and(char::is_ascii_digit);
            if c == '\'' {
                // "plant's" → "plants"; "l'eau" → "l eau" (an article in French/Italian).
                if language.starts_with("fr") || language.starts_with("it") {
                    out.push(' ');
                }
            } else if (c.is_ascii_punctuation() || "“”«»¡¿–—…·".contains(c))
                && !(between_digits && matches!(c, '/' | '.' | ','))
                && !matches!(c, '%' | '+' | '°')
            {
                out.push(' ');
            } else {
                out.push(c);
            }
        }
        t = out;
    }
    let mut words: Vec<String> = t.split_whitespace().map(str::to_string).collect();
    if forgive.articles {
        let arts = articles(language);
        let kept: Vec<String> = words
            .iter()
            .filter(|w| !arts.contains(&w.to_lowercase().as_str()))
            .cloned()
            .collect();
        if !kept.is_empty() {
            words = kept;
        }
    }
    // Plural rules are English; elsewhere a final "s" is often part of the word ("adiós").
    if forgive.plurals && language.split(['-', '_']).next().unwrap_or("en") == "en" {
        words = words.iter().map(|w| singular(w)).collect();
    }
    words.join(" ")
}

/// "4 / 8" → "4/8": a fraction bar between digits loses its spaces.
fn tight_fractions(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let prev = chars[..i].iter().rev().find(|c| **c != ' ');
            let next = chars[i + 1..].iter().find(|c| **c != ' ');
            let around_bar = (prev == Some(&'/') && next.is_some_and(char::is_ascii_digit))
                || (next == Some(&'/') && prev.is_some_and(char::is_ascii_digit));
            if around_bar {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// How many typos an answer of `len` letters forgives.
pub fn typo_budget(len: usize) -> usize {
    match len {
        0..=5 => 0,
        6..=8 => 1,
        9..=14 => 2,
        _ => 3,
    }
}

/// Whether `response` matches one of `keys` under `forgive`.
pub fn matches(keys: &[&str], response: &str, forgive: Forgive, language: &str) -> bool {
    let stripped = strip_lead_in(response);
    let variants = [
        response.to_string(),
        stripped.clone(),
        without_parentheses(&stripped),
    ];
    // Typos are measured on words as written (plurals not folded), so "stomatta" is one slip
    // from "stomata".
    let as_written = Forgive {
        plurals: false,
        ..forgive
    };
    let has_digit = |s: &str| s.chars().any(|c| c.is_ascii_digit());
    keys.iter().any(|k| {
        [k.to_string(), without_parentheses(k)].iter().any(|key| {
            // A key made of punctuation ("<", "=") keeps it.
            let (forgive, as_written) = if canonical(key, forgive, language).is_empty() {
                let keep = |f: Forgive| Forgive {
                    punctuation: false,
                    ..f
                };
                (keep(forgive), keep(as_written))
            } else {
                (forgive, as_written)
            };
            let exact = canonical(key, forgive, language);
            let written = canonical(key, as_written, language);
            if exact.is_empty() {
                return false;
            }
            variants.iter().any(|v| {
                if canonical(v, forgive, language) == exact {
                    return true;
                }
                let r = canonical(v, as_written, language);
                let letters = written.chars().filter(|c| c.is_alphabetic()).count();
                forgive.typos
                    && !has_digit(&written)
                    && !has_digit(&r)
                    && !r.is_empty()
                    && strsim::damerau_levenshtein(&r, &written) <= typo_budget(letters)
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(keys: &[&str], r: &str) -> bool {
        matches(keys, r, Forgive::default(), "en")
    }

    #[test]
    fn forgives_what_a_teacher_forgives() {
        assert!(ok(&["stomata"], "the stomata"));
        assert!(ok(&["stomata"], "Stoma"));
        assert!(ok(&["leaf"], "leaves"));
        assert!(ok(&["carbon dioxide (CO2)"], "carbon dioxide"));
        assert!(ok(&["chlorophyll"], "chlorofyll"));
        assert!(ok(&["photosynthesis"], "I think it's fotosynthesis"));
        assert!(!ok(&["xylem"], "xylen"));
        assert!(!ok(&["stomata"], "not stomata"));
        assert!(!ok(&["4/8"], "4/9"));
    }

    #[test]
    fn each_forgiveness_can_be_turned_off() {
        let strict = Forgive {
            typos: false,
            case: false,
            ..Forgive::default()
        };
        assert!(!matches(&["chlorophyll"], "chlorofyll", strict, "en"));
        assert!(!matches(&["NaCl"], "nacl", strict, "en"));
        assert!(matches(&["NaCl"], "NaCl.", strict, "en"));
    }
}
