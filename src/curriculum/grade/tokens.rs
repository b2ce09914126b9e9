//! The number tokenizer: digits with their separators (`1 000`, `1.000,5`), ordinals as words,
//! signs, fraction bars, percent signs and exponents; and the value of a digit token under a
//! language's separator rules.

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    /// Digits with their separators as written, e.g. "1,000.5".
    Num(String),
    Word(String),
    Slash,
    Percent,
    Sign(bool),
    Equals,
    Space,
    Other(char),
}

pub(super) fn tokenize(s: &str) -> Vec<Tok> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let digit = |j: usize| chars.get(j).is_some_and(char::is_ascii_digit);
    while i < chars.len() {
        let c = chars[i];
        let starts_num = c.is_ascii_digit() || (matches!(c, '.' | ',') && digit(i + 1));
        if starts_num {
            let mut t = String::new();
            while i < chars.len() {
                let c = chars[i];
                if c.is_ascii_digit() || (matches!(c, '.' | ',') && digit(i + 1)) {
                    t.push(c);
                    i += 1;
                } else if matches!(c, ' ' | '\'')
                    && !t.is_empty()
                    && group_of_three(&chars, i + 1)
                    && leading_group_ok(&t)
                {
                    // "1 000", "1'000": a thousands separator only before exactly 3 digits.
                    t.push(' ');
                    i += 1;
                } else {
                    break;
                }
            }
            // Ordinals ("3rd", "4ths") are words, not numbers.
            if let Some((word, next)) = ordinal(&chars, i, &t) {
                out.push(Tok::Word(word));
                i = next;
                continue;
            }
            // Scientific notation: 1e3, 2.5e-4, 3×10^8, 3 x 10^8.
            if let Some((exp, next)) = exponent(&chars, i) {
                t.push('e');
                t.push_str(&exp);
                i = next;
            }
            out.push(Tok::Num(t));
            continue;
        }
        if c.is_alphabetic() || c == '°' {
            let mut w = String::new();
            while i < chars.len()
                && (chars[i].is_alphabetic() || chars[i] == '°' || chars[i] == '\'')
            {
                w.push(chars[i]);
                i += 1;
            }
            // "1st", "3rd": digits already emitted; ordinal suffixes attach to a number.
            out.push(Tok::Word(w));
            continue;
        }
        out.push(match c {
            '/' => Tok::Slash,
            '%' | '‰' => Tok::Percent,
            '-' | '+'
                if i == 0 && {
                    let mut j = i + 1;
                    while chars.get(j) == Some(&' ') {
                        j += 1;
                    }
                    digit(j) && j > i + 1
                } =>
            {
                // "- 3" at the very start: a sign with a space.
                while chars.get(i + 1) == Some(&' ') {
                    i += 1;
                }
                Tok::Sign(c == '-')
            }
            '-' | '+'
                if (digit(i + 1) || (matches!(chars.get(i + 1), Some('.')) && digit(i + 2)))
                    && (i == 0
                        || chars[i - 1].is_whitespace()
                        || matches!(chars[i - 1], '(' | '=' | ':' | '"' | '\'')) =>
            {
                Tok::Sign(c == '-')
            }
            '=' | '≈' => Tok::Equals,
            c if c.is_whitespace() => Tok::Space,
            c => Tok::Other(c),
        });
        i += 1;
    }
    out
}

/// An ordinal suffix right after integer digits `t`: "3rd", "4ths".
fn ordinal(chars: &[char], i: usize, t: &str) -> Option<(String, usize)> {
    if !is_integer_token(t) {
        return None;
    }
    let mut j = i;
    let mut w = String::new();
    while chars.get(j).is_some_and(|c| c.is_ascii_alphabetic()) {
        w.push(chars[j]);
        j += 1;
    }
    matches!(
        w.as_str(),
        "st" | "nd" | "rd" | "th" | "sts" | "nds" | "rds" | "ths"
    )
    .then(|| (format!("{t}{w}"), j))
}

/// Whether `chars[j..]` is exactly three digits followed by a non-digit.
fn group_of_three(chars: &[char], j: usize) -> bool {
    (j..j + 3).all(|k| chars.get(k).is_some_and(char::is_ascii_digit))
        && !chars.get(j + 3).is_some_and(|c| c.is_ascii_digit())
        && !matches!(chars.get(j + 3), Some('/'))
}

/// A space-grouped number starts with 1–3 digits ("1 000"), and each later group has 3.
fn leading_group_ok(t: &str) -> bool {
    let first = t.split(' ').next().unwrap_or("");
    !t.contains(['.', ',']) && (1..=3).contains(&first.len()) && !t.starts_with('0')
}

/// An exponent right after a number: `e-4`, `×10^8`, ` x 10^8`, `*10**8`. Returns it and where
/// reading continues.
fn exponent(chars: &[char], i: usize) -> Option<(String, usize)> {
    let read_int = |mut j: usize| {
        let mut s = String::new();
        if matches!(chars.get(j), Some('-' | '+')) {
            s.push(chars[j]);
            j += 1;
        }
        let start = s.len();
        while chars.get(j).is_some_and(char::is_ascii_digit) {
            s.push(chars[j]);
            j += 1;
        }
        (s.len() > start && !chars.get(j).is_some_and(|c| c.is_alphanumeric())).then_some((s, j))
    };
    if matches!(chars.get(i), Some('e' | 'E')) {
        return read_int(i + 1);
    }
    let mut j = i;
    while chars.get(j) == Some(&' ') {
        j += 1;
    }
    if !matches!(chars.get(j), Some('×' | 'x' | '*' | '·')) {
        return None;
    }
    j += 1;
    while chars.get(j) == Some(&' ') {
        j += 1;
    }
    if chars.get(j) != Some(&'1') || chars.get(j + 1) != Some(&'0') {
        return None;
    }
    j += 2;
    match chars.get(j) {
        Some('^') => read_int(j + 1),
        Some('*') if chars.get(j + 1) == Some(&'*') => read_int(j + 2),
        _ => None,
    }
}

/// The value of a digit token under the language's separator rules, and its decimals.
pub(super) fn token_value(t: &str, comma_decimal: bool) -> Option<(f64, usize, bool)> {
    let (mant, exp) = match t.split_once('e') {
        Some((m, e)) => (m, Some(e.parse::<i32>().ok()?)),
        None => (t, None),
    };
    let mant = mant.replace(' ', "");
    let commas = mant.matches(',').count();
    let dots = mant.matches('.').count();
    let groups_ok = |s: &str, sep: char| {
        let mut parts = s.split(sep);
        let first = parts.next().unwrap_or("");
        (1..=3).contains(&first.len())
            && !first.starts_with('0')
            && parts.all(|p| p.len() == 3 && p.chars().all(|c| c.is_ascii_digit()))
    };
    // (integer digits, fraction digits)
    let (int, frac): (String, String) = match (commas, dots) {
        (0, 0) => (mant.clone(), String::new()),
        (0, 1) | (1, 0) => {
            let sep = if commas == 1 { ',' } else { '.' };
            let (a, b) = mant.split_once(sep)?;
            let thousands_sep = if comma_decimal { '.' } else { ',' };
            if sep == thousands_sep && b.len() == 3 && groups_ok(&mant, sep) {
                (format!("{a}{b}"), String::new())
            } else {
                (a.to_string(), b.to_string())
            }
        }
        (_, 0) | (0, _) => {
            let sep = if commas > 0 { ',' } else { '.' };
            if !groups_ok(&mant, sep) {
                return None;
            }
            (mant.replace(sep, ""), String::new())
        }
        _ => {
            // Both: the last one is the decimal mark.
            let (dec, th) = if mant.rfind(',') > mant.rfind('.') {
                (',', '.')
            } else {
                ('.', ',')
            };
            let (a, b) = mant.rsplit_once(dec)?;
            if b.contains(th) || !groups_ok(a, th) {
                return None;
            }
            (a.replace(th, ""), b.to_string())
        }
    };
    if frac.contains([',', '.']) || int.contains([',', '.']) {
        return None;
    }
    let decimals = frac.len();
    let text = format!(
        "{}.{}",
        if int.is_empty() { "0" } else { &int },
        if frac.is_empty() { "0" } else { &frac }
    );
    let mut v: f64 = text.parse().ok()?;
    if let Some(e) = exp {
        v *= 10f64.powi(e);
    }
    Some((v, decimals, exp.is_some()))
}

pub(super) fn is_integer_token(t: &str) -> bool {
    !t.is_empty() && t.chars().all(|c| c.is_ascii_digit())
}
