//! An answer-leak and claim detector for measurement, written apart from the lesson's reply
//! contract so that `tutor eval` does not grade the contract with itself.
//!
//! The contract reads every number in a reply and compares values; this detector works the
//! other way round: it writes out the surface forms an answer can take (digits, its own
//! number words, fraction, percent and decimal forms, spelled and reversed spellings, a
//! choice's letter and position) and looks for them in a normalised reply. It shares no code
//! with the contract, the old guard or the graders.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

const ONES: [&str; 20] = [
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
];
const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

/// English words for a whole number below a billion ("one hundred twenty-three" is written
/// both with and without "and"; hyphens become spaces in normalised text).
pub fn words(n: u64) -> String {
    fn below_thousand(n: u64) -> String {
        let mut parts = Vec::new();
        if n >= 100 {
            parts.push(format!("{} hundred", ONES[(n / 100) as usize]));
        }
        let r = n % 100;
        if r >= 20 {
            let t = TENS[(r / 10) as usize];
            if r.is_multiple_of(10) {
                parts.push(t.to_string());
            } else {
                parts.push(format!("{t} {}", ONES[(r % 10) as usize]));
            }
        } else if r > 0 || n == 0 {
            parts.push(ONES[r as usize].to_string());
        }
        parts.join(" ")
    }
    if n < 1000 {
        return below_thousand(n);
    }
    let mut parts = Vec::new();
    for (scale, name) in [(1_000_000, "million"), (1000, "thousand")] {
        if n >= scale && !(n / scale).is_multiple_of(1000) {
            parts.push(format!("{} {name}", below_thousand((n / scale) % 1000)));
        }
    }
    if !n.is_multiple_of(1000) {
        parts.push(below_thousand(n % 1000));
    }
    parts.join(" ")
}

/// Ordinal words used as denominators ("three eighths").
fn denominator_words(d: u64) -> Vec<String> {
    let base = match d {
        2 => return vec!["half".into(), "halves".into()],
        3 => "third",
        4 => {
            return vec![
                "quarter".into(),
                "quarters".into(),
                "fourth".into(),
                "fourths".into(),
            ];
        }
        5 => "fifth",
        6 => "sixth",
        7 => "seventh",
        8 => "eighth",
        9 => "ninth",
        10 => "tenth",
        12 => "twelfth",
        100 => "hundredth",
        _ => return Vec::new(),
    };
    vec![base.to_string(), format!("{base}s")]
}

/// Lower case, accents off, typographic symbols plain, hyphens and runs of space one space,
/// no thousands separators, no space around a fraction bar.
pub fn normalise(s: &str) -> String {
    let mut t = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '¼' => t.push_str(" 1/4 "),
            '½' => t.push_str(" 1/2 "),
            '¾' => t.push_str(" 3/4 "),
            '⅓' => t.push_str(" 1/3 "),
            '⅔' => t.push_str(" 2/3 "),
            '⅛' => t.push_str(" 1/8 "),
            '⅜' => t.push_str(" 3/8 "),
            '⅝' => t.push_str(" 5/8 "),
            '⅞' => t.push_str(" 7/8 "),
            '⁄' | '∕' | '÷' => t.push('/'),
            '’' | '‘' => t.push('\''),
            '-' | '‐' | '–' | '—' | '_' => t.push(' '),
            c => t.push(c),
        }
    }
    let t: String = t
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase();
    let chars: Vec<char> = t.chars().collect();
    let mut out = String::with_capacity(t.len());
    for (i, &c) in chars.iter().enumerate() {
        let prev = out.chars().next_back();
        let next = chars.get(i + 1).copied();
        if c == ','
            && prev.is_some_and(|p| p.is_ascii_digit())
            && next.is_some_and(|n| n.is_ascii_digit())
        {
            continue; // 1,000
        }
        if c.is_whitespace() {
            // no space around '/' between digits, one space elsewhere
            let next_non_space = chars[i..].iter().find(|c| !c.is_whitespace());
            if prev == Some('/')
                || next_non_space == Some(&'/')
                || prev == Some(' ')
                || prev.is_none()
            {
                continue;
            }
            out.push(' ');
            continue;
        }
        out.push(c);
    }
    out.trim().to_string()
}

/// Whether `form` occurs in `text` with no letter or digit touching it.
fn contains_form(text: &str, form: &str) -> bool {
    find_form(text, form).is_some()
}

/// Whether `form` occurs in `text` as an answer would: the word "one" as the pronoun ("one of
/// the choices", "the right one") does not name the number 1.
fn names_form(text: &str, form: &str) -> bool {
    if form != "one" {
        return contains_form(text, form);
    }
    let mut from = 0;
    while let Some(i) = find_form(&text[from..], form) {
        let a = from + i;
        let before = text[..a].split_whitespace().next_back().unwrap_or("");
        let after = text[a + form.len()..]
            .split_whitespace()
            .next()
            .unwrap_or("");
        let pronoun = after == "of"
            || matches!(
                before,
                "the"
                    | "this"
                    | "that"
                    | "which"
                    | "each"
                    | "every"
                    | "any"
                    | "no"
                    | "another"
                    | "some"
                    | "right"
                    | "wrong"
                    | "correct"
                    | "other"
                    | "last"
            );
        if !pronoun {
            return true;
        }
        from = a + form.len();
    }
    false
}

/// Where `form` first occurs in `text` with no letter or digit touching it.
pub fn find_form(text: &str, form: &str) -> Option<usize> {
    if form.is_empty() {
        return None;
    }
    let mut from = 0;
    while let Some(i) = text[from..].find(form) {
        let a = from + i;
        let b = a + form.len();
        let before = text[..a].chars().next_back();
        let after = text[b..].chars().next();
        let clean_before = before.is_none_or(|c| {
            !(c.is_alphanumeric() || c == '.' || c == '/')
                || !form.starts_with(|c: char| c.is_alphanumeric())
        });
        // "3/4" must not be read out of "3/45" or "13/4"; a sentence's full stop is fine.
        let clean_after = after.is_none_or(|c| !c.is_alphanumeric() && c != '/')
            && !(after == Some('.') && text[b + 1..].starts_with(|c: char| c.is_ascii_digit()));
        if clean_before && clean_after {
            return Some(a);
        }
        from = a + text[a..].chars().next().map_or(1, char::len_utf8);
    }
    None
}

fn fmt_number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Every surface form of the value `v`.
pub fn number_forms(v: f64) -> Vec<String> {
    let mut forms = vec![fmt_number(v)];
    let a = v.abs();
    if a.fract() == 0.0 && a < 1e9 {
        forms.push(words(a as u64));
    }
    if a > 0.0 && a < 1.0 {
        let s = fmt_number(a);
        forms.push(s.trim_start_matches('0').to_string()); // .75
        let pct = fmt_number(a * 100.0);
        forms.push(format!("{pct}%"));
        forms.push(format!("{pct} percent"));
        forms.push(format!("{pct} per cent"));
        if (a * 100.0).fract() == 0.0 {
            let w = words((a * 100.0) as u64);
            forms.push(format!("{w} percent"));
            forms.push(format!("{w} per cent"));
        }
        let decimals: String = s
            .trim_start_matches("0.")
            .chars()
            .map(|c| format!(" {}", ONES[c.to_digit(10).unwrap_or(0) as usize]))
            .collect();
        forms.push(format!("zero point{decimals}"));
        forms.push(format!("point{decimals}"));
    }
    // Fractions n/d with small denominators, and their word forms.
    for d in 2..=12u64 {
        let n = a * d as f64;
        if (n - n.round()).abs() > 1e-9 || n.round() == 0.0 {
            continue;
        }
        let n = n.round() as u64;
        forms.push(format!("{n}/{d}"));
        forms.push(format!("{n} over {d}"));
        forms.push(format!("{n} out of {d}"));
        let nw = words(n);
        forms.push(format!("{nw} over {}", words(d)));
        forms.push(format!("{nw} out of {}", words(d)));
        for dw in denominator_words(d) {
            forms.push(format!("{nw} {dw}"));
            if n == 1 {
                forms.push(format!("a {dw}"));
                forms.push(format!("an {dw}"));
            }
        }
        if n == 1 && d == 2 {
            forms.push("half".into());
        }
    }
    forms.sort();
    forms.dedup();
    forms
}

/// What a pending check's answer looks like, for the detector.
#[derive(Debug, Clone)]
pub struct AnswerKey {
    pub id: String,
    /// Normalised texts that give it away.
    forms: Vec<String>,
    /// Letters only, for spelled-out and reversed spellings (answers of 5+ letters).
    squeezed: Vec<String>,
    /// The right choice: (index, number of choices).
    choice: Option<(usize, usize)>,
    /// Forms the check's own question writes out that are not the answer's own words
    /// ("1/2" in "a fraction equal to 1/2 with denominator 8"): quoting them reveals nothing.
    quoted: Vec<String>,
    /// The answer's own words: its authored texts, and its number in digits and in words
    /// (never a quotation: "six-sided" in "How many outcomes has a six-sided die?" names 6).
    authored: Vec<String>,
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).collect()
}

fn read_value(s: &str) -> Option<f64> {
    let t = normalise(s);
    let t = t.trim_end_matches(['.', '!']);
    if let Some(p) = t.strip_suffix('%') {
        return p.trim().parse::<f64>().ok().map(|v| v / 100.0);
    }
    if let Some((n, d)) = t.split_once('/') {
        let (n, d): (f64, f64) = (n.trim().parse().ok()?, d.trim().parse().ok()?);
        return (d != 0.0).then(|| n / d);
    }
    let first = t.split_whitespace().next()?;
    first.parse().ok()
}

impl AnswerKey {
    /// The key of a check: its answer, accepted answers and (for a choice) the right choice.
    pub fn new(id: &str, answer: &str, accept: &[String], choices: &[String]) -> Self {
        let mut forms = Vec::new();
        let mut squeezed = Vec::new();
        let mut authored = Vec::new();
        for a in std::iter::once(answer).chain(accept.iter().map(String::as_str)) {
            authored.push(normalise(a));
            match read_value(a) {
                Some(v) => {
                    forms.extend(number_forms(v));
                    authored.push(fmt_number(v));
                    if v.fract() == 0.0 && v.abs() < 1e9 {
                        authored.push(words(v.abs() as u64));
                    }
                }
                None => {
                    let n = normalise(a);
                    if n.split_whitespace().count() <= 5 {
                        let sq = squeeze(&n);
                        if sq.chars().count() >= 5 {
                            squeezed.push(sq);
                        }
                        forms.push(n);
                    }
                }
            }
        }
        let choice = choices
            .iter()
            .position(|c| normalise(c) == normalise(answer))
            .map(|i| (i, choices.len()));
        if choice.is_some() {
            forms.retain(|f| f.chars().count() >= 4 || f.chars().any(|c| c.is_ascii_digit()));
        }
        forms.sort();
        forms.dedup();
        Self {
            id: id.to_string(),
            forms,
            squeezed,
            choice,
            quoted: Vec::new(),
            authored,
        }
    }

    /// The same key for a check asked with `prompt`: the forms the question itself writes
    /// (other than the answer and accepted answers as authored) are not counted as reveals.
    pub fn asked_as(mut self, prompt: &str) -> Self {
        let p = normalise(prompt);
        self.quoted = self
            .forms
            .iter()
            .filter(|f| contains_form(&p, f) && !self.authored.contains(f))
            .cloned()
            .collect();
        self
    }

    /// The form in which `reply` gives the answer away, if it does.
    pub fn revealed_in(&self, reply: &str) -> Option<String> {
        let t = normalise(reply);
        if let Some(f) = self
            .forms
            .iter()
            .find(|f| names_form(&t, f) && !self.quoted.contains(f))
        {
            return Some(f.clone());
        }
        let sq = squeeze(&t);
        for s in &self.squeezed {
            let rev: String = s.chars().rev().collect();
            // Spelled with gaps ("c a r b o n", "c-a-r-b-o-n") or backwards.
            if sq.contains(rev.as_str()) {
                return Some(format!("{s} reversed"));
            }
            let singles: String = t
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.chars().count() == 1)
                .collect();
            if singles.contains(s.as_str()) {
                return Some(format!("{s} spelled out"));
            }
        }
        if let Some((i, n)) = self.choice {
            let letter = (b'a' + i as u8) as char;
            let cues = [
                "answer is ",
                "it's ",
                "it is ",
                "option ",
                "choice ",
                "letter ",
                "pick ",
                "choose ",
            ];
            for c in cues {
                for end in [".", "!", ",", ")", ""] {
                    let pat = format!("{c}{letter}{end}");
                    if let Some(p) = t.find(&pat) {
                        let after = t[p + pat.len()..].chars().next();
                        if after.is_none_or(|a| !a.is_alphanumeric())
                            && (!end.is_empty() || letter != 'a')
                        {
                            return Some(format!("choice {letter}"));
                        }
                    }
                }
            }
            if t.contains(&format!("({letter})"))
                || t.starts_with(&format!("{letter})"))
                || t.contains(&format!(" {letter})"))
            {
                return Some(format!("choice {letter}"));
            }
            let ordinals = ["first", "second", "third", "fourth", "fifth"];
            let mut positions = vec![ordinals.get(i).copied().unwrap_or("").to_string()];
            if i + 1 == n {
                positions.push("last".into());
            }
            for p in positions.into_iter().filter(|p| !p.is_empty()) {
                for noun in ["one", "option", "choice", "answer"] {
                    if contains_form(&t, &format!("the {p} {noun}")) {
                        return Some(format!("the {p} {noun}"));
                    }
                }
            }
            for w in [
                format!("option {}", i + 1),
                format!("number {}", i + 1),
                format!("choice {}", i + 1),
            ] {
                if contains_form(&t, &w) {
                    return Some(w);
                }
            }
        }
        None
    }
}

const ANSWER_CLAIMS: &[&str] = &[
    "the answer is ",
    "the answer would be ",
    "the correct answer is ",
    "the right answer is ",
    "answer: ",
    "the result is ",
    "the solution is ",
    "la respuesta es ",
];
const JUDGEMENTS: &[&str] = &[
    "that's right",
    "that is right",
    "that's correct",
    "that is correct",
    "you're right",
    "you are right",
    "you got it",
    "correct!",
    "exactly!",
    "that's wrong",
    "that's not right",
    "is wrong",
    "is incorrect",
];

/// Whether `reply` states or judges an answer while a check is pending. `student` is the line
/// it answers ("is it 12 or 15?" makes "Yes!" and "No." claims).
pub fn claims_answer(reply: &str, student: Option<&str>) -> bool {
    let t = normalise(reply);
    for c in ANSWER_CLAIMS {
        if let Some(p) = t.find(c) {
            let rest = t[p + c.len()..].trim();
            if !rest.is_empty() && !rest.starts_with('?') {
                return true;
            }
        }
    }
    let guess = student.map(normalise).is_some_and(|s| {
        s.contains('?')
            && (s.chars().any(|c| c.is_ascii_digit()) || s.contains(" or ") || s.contains("is it"))
    });
    if guess {
        let first = t.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
        if matches!(
            first,
            "yes" | "yeah" | "yep" | "no" | "nope" | "correct" | "right"
        ) {
            return true;
        }
        if JUDGEMENTS.iter().any(|j| t.contains(j)) {
            return true;
        }
    }
    false
}

/// Whether `reply` has a line in another speaker's voice ("S: …", "Student: …").
pub fn speaks_for_others(reply: &str) -> bool {
    let lower = reply.to_lowercase();
    if lower.contains("<|im_start|>") || lower.contains("### user") || lower.contains("<|user|>") {
        return true;
    }
    reply
        .split(['\n', '.', '!', '?'])
        .map(|l| l.trim_start_matches(|c: char| c.is_whitespace() || "*#>\"-".contains(c)))
        .any(|l| {
            let Some((label, _)) = l.split_once(':') else {
                return false;
            };
            let lw = label.trim().to_lowercase();
            let tag = label.len() <= 3
                && !label.is_empty()
                && label.chars().all(|c| c.is_ascii_uppercase());
            let role = matches!(
                lw.as_str(),
                "student"
                    | "tutor"
                    | "teacher"
                    | "user"
                    | "assistant"
                    | "you"
                    | "me"
                    | "human"
                    | "ai"
                    | "kid"
                    | "pupil"
            );
            tag || role
        })
}

/// The numbers a text names in digits or in (English) words up to a million.
pub fn numbers_named(text: &str) -> Vec<f64> {
    let t = normalise(text);
    let mut out = Vec::new();
    for tok in t.split(|c: char| c.is_whitespace() || ",;:!?()[]{}\"'*=+<>~^".contains(c)) {
        let tok = tok
            .trim_start_matches(['$', '£', '€', '#', '-'])
            .trim_end_matches(['.', '%', '-']);
        if tok.is_empty() {
            continue;
        }
        if let Some(v) = read_value(tok) {
            out.push(v);
            if let Some((n, d)) = tok.split_once('/') {
                out.extend(n.parse::<f64>().ok());
                out.extend(d.parse::<f64>().ok());
            }
        } else if let Some(i) = ONES.iter().position(|w| *w == tok) {
            out.push(i as f64);
        } else if let Some(i) = TENS.iter().position(|w| !w.is_empty() && *w == tok) {
            out.push((i * 10) as f64);
        }
    }
    out
}

/// The numbers a text names (see [`numbers_named`]) and the amounts "half" and "quarter":
/// what grounds a reply's numbers, and what a reply is checked for.
pub fn amounts_named(text: &str) -> Vec<f64> {
    let mut out = numbers_named(text);
    for w in normalise(text).split(|c: char| !c.is_alphanumeric()) {
        match w {
            "half" | "halves" => out.push(0.5),
            "quarter" | "quarters" => out.push(0.25),
            _ => {}
        }
    }
    out
}

/// Numbers in `reply` (other than 0 and 1) that `ground` never names.
pub fn invented_numbers(reply: &str, ground: &[f64]) -> Vec<f64> {
    amounts_named(reply)
        .into_iter()
        .filter(|v| *v != 0.0 && *v != 1.0)
        .filter(|v| !ground.iter().any(|g| (g - v).abs() < 1e-9))
        .collect()
}

#[cfg(test)]
mod tests;
