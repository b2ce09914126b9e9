//! Text views the contract matches on, each keeping a map back to the original bytes:
//! a folded view (lower case, no accents, every run of spaces, hyphens and underscores one
//! space) and the numbers a text mentions in any written form (digits, number words in the
//! course's language via the `text2num` crate, fractions, fraction and percent words, Unicode
//! fractions, "3 over 4").

use std::borrow::Cow;

use text2num::{
    BasicAnnotate, LangInterpreter, Language, Token, find_numbers, get_interpreter_for,
};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// A lower-case, accent-free view of a text with single spaces, and where each of its bytes
/// came from.
#[derive(Debug, Clone)]
pub struct Folded {
    pub text: String,
    /// For each byte of `text`, the start of the original character it came from.
    map: Vec<usize>,
    /// For each byte of `text`, the end of the original character it came from.
    map_end: Vec<usize>,
}

fn is_gap(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '_' | '‐' | '‑' | '–' | '—' | '·' | '*')
}

impl Folded {
    /// Folds `original`.
    pub fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut map = Vec::with_capacity(original.len());
        let mut map_end = Vec::with_capacity(original.len());
        for (i, c) in original.char_indices() {
            let end = i + c.len_utf8();
            if is_gap(c) {
                if !text.ends_with(' ') && !text.is_empty() {
                    text.push(' ');
                    map.push(i);
                    map_end.push(end);
                }
                continue;
            }
            let folded: String = c
                .to_string()
                .nfkd()
                .filter(|c| !is_combining_mark(*c))
                .flat_map(char::to_lowercase)
                .map(|c| match c {
                    '\u{2019}' | '\u{2018}' | '`' => '\'',
                    '\u{2044}' | '\u{2215}' | '÷' => '/',
                    other => other,
                })
                .collect();
            for _ in 0..folded.len() {
                map.push(i);
                map_end.push(end);
            }
            text.push_str(&folded);
        }
        Self { text, map, map_end }
    }

    /// The original byte range of the folded range `a..b`.
    pub fn original(&self, a: usize, b: usize) -> (usize, usize) {
        if self.map.is_empty() || a >= b {
            return (0, 0);
        }
        let a = a.min(self.map.len() - 1);
        let b = b.min(self.map.len()).max(a + 1);
        (self.map[a], self.map_end[b - 1])
    }
}

/// Byte ranges where `needle` occurs in `hay` on word boundaries (both already folded).
pub fn find_words(hay: &str, needle: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if needle.trim().is_empty() {
        return out;
    }
    let word = |c: char| c.is_alphanumeric();
    let mut start = 0;
    while let Some(i) = hay[start..].find(needle) {
        let a = start + i;
        let b = a + needle.len();
        let before_ok =
            !needle.starts_with(word) || hay[..a].chars().next_back().is_none_or(|c| !word(c));
        let after_ok = !needle.ends_with(word) || hay[b..].chars().next().is_none_or(|c| !word(c));
        if before_ok && after_ok {
            out.push((a, b));
        }
        start = a + hay[a..].chars().next().map_or(1, char::len_utf8);
    }
    out
}

/// The alphanumeric words of a folded text with their byte ranges.
pub fn words(folded: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in folded.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i, &folded[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, folded.len(), &folded[s..]));
    }
    out
}

/// A number mentioned in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Mention {
    /// Byte range in the original text.
    pub start: usize,
    pub end: usize,
    pub value: f64,
    /// How it was written (`digits`, `fraction`, `percent`, `words`, `fraction words`, ...).
    pub form: &'static str,
}

struct Tok {
    text: String,
    lower: String,
    nan: bool,
}

impl Token for &Tok {
    fn text(&self) -> Cow<'_, str> {
        self.text.as_str().into()
    }
    fn text_lowercase(&self) -> Cow<'_, str> {
        self.lower.as_str().into()
    }
    fn nt_separated(&self, _previous: &Self) -> bool {
        false
    }
    fn not_a_number_part(&self) -> bool {
        self.nan
    }
}

impl BasicAnnotate for Tok {
    fn text_lowercase(&self) -> &str {
        &self.lower
    }
    fn set_nan(&mut self, val: bool) {
        self.nan = val;
    }
}

/// The `text2num` interpreter for a course language code (`en`, `es-MX`, ...); English when
/// the language has none.
pub fn language(code: &str) -> Language {
    let base = code.split(['-', '_']).next().unwrap_or(code).to_lowercase();
    get_interpreter_for(&base).unwrap_or_else(Language::english)
}

/// `text` with number words replaced by digits, and for each byte of the result the original
/// byte range it stands for.
fn digitize(original: &str, lang: &Language) -> (String, Vec<(usize, usize)>) {
    // "three-eighths" reads as "three eighths" (same length, so offsets hold).
    let spaced: String = original
        .char_indices()
        .map(|(i, c)| {
            let joins = c == '-'
                && original[..i]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphabetic)
                && original[i + 1..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphabetic);
            if joins { ' ' } else { c }
        })
        .collect();
    let text = spaced.as_str();
    // Tokens as text2num's own tokenizer cuts them: words (with '-' and '\'') and separators.
    let mut spans = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let alnum = c.is_alphanumeric();
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = chars.peek() {
            let same = if alnum {
                d.is_alphanumeric() || d == '-' || d == '\''
            } else {
                !d.is_alphanumeric()
            };
            if !same {
                break;
            }
            end = j + d.len_utf8();
            chars.next();
        }
        spans.push((i, end));
    }
    let mut toks: Vec<Tok> = spans
        .iter()
        .map(|&(a, b)| Tok {
            text: text[a..b].to_string(),
            lower: text[a..b].to_lowercase(),
            nan: false,
        })
        .collect();
    lang.basic_annotate(&mut toks);
    let found = find_numbers(toks.iter(), lang, 0.0);
    let mut out = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len());
    let mut push = |s: &str, range: (usize, usize), out: &mut String| {
        for _ in 0..s.len() {
            map.push(range);
        }
        out.push_str(s);
    };
    let mut t = 0;
    for occ in &found {
        while t < occ.start {
            let (a, b) = spans[t];
            for (k, ch) in text[a..b].char_indices() {
                push(
                    ch.encode_utf8(&mut [0; 4]),
                    (a + k, a + k + ch.len_utf8()),
                    &mut out,
                );
            }
            t += 1;
        }
        let a = spans[occ.start].0;
        let b = spans[occ.end.saturating_sub(1).max(occ.start)].1;
        // Keep the separator text2num swallowed at the end (e.g. trailing space) out of it.
        let digits = if occ.is_ordinal {
            format!(
                "{}th",
                occ.text.trim_end_matches(|c: char| !c.is_ascii_digit())
            )
        } else {
            occ.text.clone()
        };
        push(&digits, (a, b), &mut out);
        t = occ.end.max(occ.start + 1);
    }
    while t < spans.len() {
        let (a, b) = spans[t];
        for (k, ch) in text[a..b].char_indices() {
            push(
                ch.encode_utf8(&mut [0; 4]),
                (a + k, a + k + ch.len_utf8()),
                &mut out,
            );
        }
        t += 1;
    }
    (out, map)
}

fn unicode_fraction(c: char) -> Option<f64> {
    Some(match c {
        '½' => 0.5,
        '⅓' => 1.0 / 3.0,
        '⅔' => 2.0 / 3.0,
        '¼' => 0.25,
        '¾' => 0.75,
        '⅕' => 0.2,
        '⅖' => 0.4,
        '⅗' => 0.6,
        '⅘' => 0.8,
        '⅙' => 1.0 / 6.0,
        '⅚' => 5.0 / 6.0,
        '⅛' => 0.125,
        '⅜' => 0.375,
        '⅝' => 0.625,
        '⅞' => 0.875,
        '⅐' => 1.0 / 7.0,
        '⅑' => 1.0 / 9.0,
        '⅒' => 0.1,
        _ => return None,
    })
}

/// Words after a count that make it a fraction ("3 quarters", "a half"): the denominator.
fn fraction_noun(w: &str) -> Option<f64> {
    Some(match w {
        "half" | "halves" | "halfs" | "medio" | "medios" | "demi" | "demis" | "halbe" => 2.0,
        "quarter" | "quarters" | "cuarto" | "cuartos" | "quart" | "quarts" | "viertel" => 4.0,
        "tercio" | "tercios" | "tiers" | "drittel" => 3.0,
        _ => return None,
    })
}

fn percent_word(w: &str) -> bool {
    matches!(w, "percent" | "pct" | "prozent" | "porcentaje")
}

/// Parses `digits` (`12`, `0.75`, `1,000`) at the start of `s`: (value, bytes used).
fn leading_number(s: &str) -> Option<(f64, usize)> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len()
        && (b[i].is_ascii_digit()
            || (b[i] == b','
                && i + 3 < b.len() + 1
                && b.get(i + 1).is_some_and(u8::is_ascii_digit)))
    {
        i += 1;
    }
    if i == 0 {
        return None;
    }
    let mut end = i;
    if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        end = i + 1;
        while end < b.len() && b[end].is_ascii_digit() {
            end += 1;
        }
    }
    let raw = s[..end].replace(',', "");
    raw.parse().ok().map(|v| (v, end))
}

/// Every number `text` mentions, with its value, in the language `lang`.
pub fn mentions(text: &str, lang: &Language) -> Vec<Mention> {
    let (dig, map) = digitize(text, lang);
    let lower = dig.to_lowercase();
    // `to_lowercase` may change lengths for some scripts; fall back to the original then.
    let s = if lower.len() == dig.len() {
        lower
    } else {
        dig.clone()
    };
    let orig = |a: usize, b: usize| -> (usize, usize) {
        if map.is_empty() || a >= b {
            return (0, 0);
        }
        (
            map[a.min(map.len() - 1)].0,
            map[(b - 1).min(map.len() - 1)].1,
        )
    };
    let mut out = Vec::new();
    let mut i = 0;
    let prev_word = |at: usize| -> &str {
        let head = s[..at].trim_end();
        let start = head.rfind(|c: char| !c.is_alphanumeric()).map_or(0, |p| {
            p + head[p..].chars().next().map_or(1, char::len_utf8)
        });
        &head[start..]
    };
    while i < s.len() {
        let c = s[i..].chars().next().unwrap_or(' ');
        if let Some(v) = unicode_fraction(c) {
            let (a, b) = orig(i, i + c.len_utf8());
            out.push(Mention {
                start: a,
                end: b,
                value: v,
                form: "unicode fraction",
            });
            i += c.len_utf8();
            continue;
        }
        let starts_word = i == 0
            || !s[..i]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric);
        if c.is_ascii_digit() && starts_word {
            let Some((n, used)) = leading_number(&s[i..]) else {
                i += 1;
                continue;
            };
            let mut end = i + used;
            let mut value = n;
            let mut form = "digits";
            let rest = &s[end..];
            // Ordinal suffix right after the digits: a rank, or a denominator after a count.
            let suffix_len = rest
                .char_indices()
                .take_while(|(_, ch)| ch.is_alphabetic() || "ᵒˢᵉʳᵃ".contains(*ch))
                .last()
                .map_or(0, |(k, ch)| k + ch.len_utf8());
            let suffix = &rest[..suffix_len];
            let is_ordinal = matches!(
                suffix,
                "th" | "ths"
                    | "st"
                    | "sts"
                    | "nd"
                    | "nds"
                    | "rd"
                    | "rds"
                    | "ᵒ"
                    | "ᵒˢ"
                    | "o"
                    | "os"
                    | "e"
                    | "es"
                    | "eme"
                    | "emes"
                    | "er"
                    | "tel"
            ) || suffix.starts_with('ᵒ');
            if is_ordinal {
                // A lone ordinal ("the 3rd one") is a rank; "a 3rd" is a fraction.
                let pw = prev_word(i);
                let (a, b) = orig(i, end + suffix_len);
                if matches!(pw, "a" | "an" | "one" | "un" | "una" | "ein" | "eine") && n >= 2.0 {
                    out.push(Mention {
                        start: a,
                        end: b,
                        value: 1.0 / n,
                        form: "fraction words",
                    });
                } else {
                    out.push(Mention {
                        start: a,
                        end: b,
                        value: n,
                        form: "ordinal",
                    });
                }
                i = end + suffix_len;
                continue;
            }
            // What follows: a fraction bar, "over", "out of", a percent sign or word, an
            // ordinal denominator ("3 8ths"), or a fraction noun ("3 quarters").
            let after = rest.trim_start();
            let gap = rest.len() - after.len();
            let take_word = |t: &str| -> (String, usize) {
                let w: String = t.chars().take_while(|ch| ch.is_alphanumeric()).collect();
                let len = w.len();
                (w, len)
            };
            if after.starts_with('%') {
                value = n / 100.0;
                form = "percent";
                end += gap + 1;
            } else if let Some(den) = after.strip_prefix('/') {
                let den_txt = den.trim_start();
                if let Some((d, used_d)) = leading_number(den_txt)
                    && d != 0.0
                {
                    value = n / d;
                    form = "fraction";
                    end += gap + 1 + (den.len() - den_txt.len()) + used_d;
                }
            } else {
                let (w, wl) = take_word(after);
                let mut consumed = 0;
                let mut handled = false;
                if percent_word(&w) || w == "per" || w == "por" || w == "pour" {
                    let tail = after[wl..].trim_start();
                    let (w2, w2l) = take_word(tail);
                    if percent_word(&w) {
                        consumed = gap + wl;
                        handled = true;
                    } else if matches!(w2.as_str(), "cent" | "ciento" | "100") {
                        consumed = gap + wl + (after.len() - wl - tail.len()) + w2l;
                        handled = true;
                    }
                    if handled {
                        value = n / 100.0;
                        form = "percent words";
                    }
                } else if w == "over" || w == "sobre" || w == "sur" || w == "out" || w == "divided"
                {
                    let mut tail = after[wl..].trim_start();
                    let mut extra = after.len() - wl - tail.len();
                    if w == "out" || w == "divided" {
                        let (w2, w2l) = take_word(tail);
                        if matches!(w2.as_str(), "of" | "by") {
                            let t2 = tail[w2l..].trim_start();
                            extra += tail.len() - t2.len();
                            tail = t2;
                        } else {
                            tail = "";
                        }
                    }
                    if let Some((d, used_d)) = leading_number(tail)
                        && d != 0.0
                    {
                        value = n / d;
                        form = "fraction words";
                        consumed = gap + wl + extra + used_d;
                        handled = true;
                    }
                } else if let Some(d) = fraction_noun(&w) {
                    value = n / d;
                    form = "fraction words";
                    consumed = gap + wl;
                    handled = true;
                } else if let Some((d, used_d)) = leading_number(after) {
                    // "3 8ths": a count followed by an ordinal denominator.
                    let dsuffix: String = after[used_d..]
                        .chars()
                        .take_while(|ch| ch.is_alphabetic() || "ᵒˢ".contains(*ch))
                        .collect();
                    let ordinal = matches!(dsuffix.as_str(), "th" | "ths" | "rd" | "rds")
                        || dsuffix.starts_with('ᵒ');
                    if ordinal && d >= 2.0 {
                        // Also report the count itself ("3 thirds" names 3).
                        let (a, b) = orig(i, i + used);
                        out.push(Mention {
                            start: a,
                            end: b,
                            value: n,
                            form: "count",
                        });
                        value = n / d;
                        form = "fraction words";
                        consumed = gap + used_d + dsuffix.len();
                        handled = true;
                    }
                }
                if handled {
                    end += consumed;
                }
            }
            let (a, b) = orig(i, end);
            out.push(Mention {
                start: a,
                end: b,
                value,
                form,
            });
            i = end;
            continue;
        }
        if c.is_alphabetic() && starts_word {
            let w: String = s[i..]
                .chars()
                .take_while(|ch| ch.is_alphanumeric())
                .collect();
            let pw = prev_word(i);
            let article = matches!(pw, "a" | "an" | "one" | "un" | "una" | "ein" | "eine" | "1");
            if matches!(
                w.as_str(),
                "half" | "medio" | "mitad" | "moitie" | "moitié" | "halb" | "halbe"
            ) {
                let (a, b) = orig(i, i + w.len());
                out.push(Mention {
                    start: a,
                    end: b,
                    value: 0.5,
                    form: "fraction words",
                });
            } else if article && matches!(w.as_str(), "quarter" | "cuarto" | "quart" | "viertel") {
                let (a, b) = orig(i, i + w.len());
                out.push(Mention {
                    start: a,
                    end: b,
                    value: 0.25,
                    form: "fraction words",
                });
            }
            i += w.len().max(1);
            continue;
        }
        i += c.len_utf8();
    }
    out
}

/// Whether two numbers are the same value.
pub fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(s: &str) -> Vec<f64> {
        mentions(s, &language("en"))
            .into_iter()
            .map(|m| m.value)
            .collect()
    }

    #[test]
    fn numbers_in_words_digits_fractions_and_percents() {
        for (text, v) in [
            ("It is three quarters of it", 0.75),
            ("seventy percent", 0.7),
            ("70 %", 0.7),
            ("¾ of the bar", 0.75),
            ("3 / 4", 0.75),
            ("3 over 4", 0.75),
            ("three out of four", 0.75),
            ("three eighths of the pizza", 0.375),
            ("three-eighths", 0.375),
            ("nine hundred ninety-nine thousand", 999_000.0),
            ("one million", 1_000_000.0),
            ("a third", 1.0 / 3.0),
            ("zero point seven five", 0.75),
            ("it is 0.75", 0.75),
            ("twenty-one", 21.0),
        ] {
            let got = values(text);
            assert!(got.iter().any(|g| same(*g, v)), "{text}: {got:?}");
        }
        // "thirds" alone names a rank, not a count of 3.
        let thirds = mentions("How many thirds make one whole", &language("en"));
        assert!(
            thirds
                .iter()
                .all(|m| m.form == "ordinal" || !same(m.value, 3.0)),
            "{thirds:?}"
        );
    }

    #[test]
    fn spans_map_back_to_the_original() {
        let t = "So it is three quarters, Maya.";
        let m = mentions(t, &language("en"));
        let q = m.iter().find(|m| same(m.value, 0.75)).unwrap();
        assert_eq!(&t[q.start..q.end], "three quarters");
        let f = Folded::new("Carbon--Dióxido  gas");
        assert_eq!(f.text, "carbon dioxido gas");
        let (a, b) = f.original(7, 14);
        assert_eq!(&"Carbon--Dióxido  gas"[a..b], "Dióxido");
    }
}
