//! Small text helpers shared by retrieval, trimming, grounding and withholding: words, content
//! words (no stopwords), a light English stemmer, sentences, and numbers written in a passage.

use std::collections::BTreeSet;

use crate::curriculum::grade::parse_number;

/// Words that carry no topic: question words, articles, pronouns, auxiliaries and fillers
/// students type ("again", "please").
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "after",
    "again",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "being",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "done",
    "for",
    "from",
    "get",
    "gets",
    "got",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "him",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "just",
    "know",
    "me",
    "mean",
    "means",
    "meant",
    "my",
    "need",
    "of",
    "on",
    "one",
    "or",
    "our",
    "please",
    "really",
    "say",
    "she",
    "should",
    "so",
    "some",
    "tell",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "thing",
    "things",
    "this",
    "those",
    "to",
    "too",
    "up",
    "us",
    "use",
    "used",
    "very",
    "was",
    "we",
    "were",
    "what",
    "whats",
    "when",
    "where",
    "which",
    "who",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "called",
    "actually",
    "explain",
    "work",
    "works",
    "way",
    "make",
    "makes",
    "like",
    "s",
    "t",
    "don",
    "doesn",
    "isn",
    "aren",
    "sir",
    "miss",
    "ok",
    "okay",
    "hey",
    "hi",
    "wait",
    "still",
    "exactly",
    "kind",
    "sort",
    "bit",
    "lot",
    "lots",
    "many",
    "much",
    "same",
    "more",
    "most",
    "other",
    "each",
    "every",
    "something",
    "someone",
    "anything",
    "everything",
    "ever",
    "does",
    "got",
    "want",
    "let",
    "see",
    "why",
    "go",
    "going",
    "come",
    "comes",
    "put",
    "take",
    "takes",
    "give",
    "gives",
    "dont",
    "doesnt",
    "didnt",
    "isnt",
    "arent",
    "cant",
    "wont",
    "wouldnt",
    "shouldnt",
    "couldnt",
    "im",
    "ive",
    "youre",
    "theres",
    "thats",
];

/// Whether `w` (lower case) is a stopword.
pub fn is_stopword(w: &str) -> bool {
    STOPWORDS.contains(&w)
}

/// Lower-case alphanumeric words (apostrophes dropped: "what's" → "whats").
pub fn words(s: &str) -> Vec<String> {
    s.to_lowercase()
        .replace(['\'', '\u{2019}'], "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// A light suffix-stripping stemmer (plurals, -ing, -ed, -ly), enough to match "leaves"/"leaf",
/// "denominators"/"denominator", "simplifying"/"simplify".
pub fn stem(w: &str) -> String {
    let w = w.to_lowercase();
    if w.len() <= 3 || w.chars().any(|c| c.is_ascii_digit()) {
        return w;
    }
    for (suffix, repl) in [
        ("ves", "f"),
        ("ies", "y"),
        ("ying", "y"),
        ("ing", ""),
        ("ied", "y"),
        ("sses", "ss"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("xes", "x"),
        ("ed", ""),
        ("ly", ""),
    ] {
        if let Some(base) = w.strip_suffix(suffix)
            && base.len() >= 3
        {
            return format!("{base}{repl}");
        }
    }
    if let Some(base) = w.strip_suffix('s')
        && !base.ends_with('s')
        && !base.ends_with('u')
        && !base.ends_with('i')
        && base.len() >= 3
    {
        return base.to_string();
    }
    w
}

/// The stems of the content words of `s` (no stopwords), in order, without repeats.
pub fn content_stems(s: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    words(s)
        .into_iter()
        .filter(|w| !is_stopword(w))
        .map(|w| stem(&w))
        .filter(|w| seen.insert(w.clone()))
        .collect()
}

/// The content words of `s` as written (lower case), in order, without repeats.
pub fn content_words(s: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    words(s)
        .into_iter()
        .filter(|w| !is_stopword(w) && seen.insert(w.clone()))
        .collect()
}

/// The sentences of `s` (split after `.`, `!`, `?` or `:` followed by white space, and at line
/// breaks that start a list item), trimmed, non-empty.
pub fn sentences(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == '\n' {
            let rest: String = chars[i + 1..].iter().take(3).collect();
            let rest = rest.trim_start();
            if rest.starts_with("- ") || rest.starts_with("* ") {
                push_sentence(&mut out, &mut cur);
                continue;
            }
            cur.push(' ');
            continue;
        }
        cur.push(c);
        let next_space = chars.get(i + 1).is_none_or(|n| n.is_whitespace());
        if matches!(c, '.' | '!' | '?') && next_space {
            push_sentence(&mut out, &mut cur);
        }
    }
    push_sentence(&mut out, &mut cur);
    out
}

fn push_sentence(out: &mut Vec<String>, cur: &mut String) {
    let t = cur.split_whitespace().collect::<Vec<_>>().join(" ");
    let t = t.trim_start_matches(['-', '*', ' ']).trim().to_string();
    if !t.is_empty() {
        out.push(t);
    }
    cur.clear();
}

/// Number words up to twelve and a few fraction words, as values.
const NUMBER_WORDS: &[(&str, f64)] = &[
    ("zero", 0.0),
    ("one", 1.0),
    ("two", 2.0),
    ("three", 3.0),
    ("four", 4.0),
    ("five", 5.0),
    ("six", 6.0),
    ("seven", 7.0),
    ("eight", 8.0),
    ("nine", 9.0),
    ("ten", 10.0),
    ("eleven", 11.0),
    ("twelve", 12.0),
    ("half", 0.5),
];

/// Every number written in `s`: digits (`3`, `0.25`, `3/4`, `25%`) and number words.
pub fn numbers(s: &str) -> Vec<f64> {
    let mut out = Vec::new();
    for tok in s.split(|c: char| c.is_whitespace() || "(),;:=+×÷<>\"'".contains(c)) {
        let tok = tok.trim_matches(|c: char| ".!?".contains(c));
        if tok.is_empty() {
            continue;
        }
        if tok.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            if let Some(v) = parse_number(tok) {
                out.push(v);
            }
            // "3/4" also contains the whole numbers 3 and 4 as written.
            if tok.contains('/') {
                out.extend(tok.split('/').filter_map(|p| p.parse::<f64>().ok()));
            }
        } else {
            let lw = tok.to_lowercase();
            if let Some((_, v)) = NUMBER_WORDS.iter().find(|(w, _)| *w == lw) {
                out.push(*v);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_join_plurals_and_forms() {
        assert_eq!(stem("leaves"), stem("leaf"));
        assert_eq!(stem("denominators"), stem("denominator"));
        assert_eq!(stem("simplifying"), stem("simplify"));
        assert_eq!(stem("glass"), "glass");
        assert_eq!(stem("stomata"), "stomata");
    }

    #[test]
    fn sentences_keep_decimals_and_split_lists() {
        let s = sentences("A half is 0.5 of it. Next one!\n- first item\n- second item");
        assert_eq!(
            s,
            [
                "A half is 0.5 of it.",
                "Next one!",
                "first item",
                "second item"
            ]
        );
    }

    #[test]
    fn numbers_in_words_and_digits() {
        let n = numbers("Three thirds make 3/3 = 1, and 25% of it.");
        assert!(n.contains(&3.0) && n.contains(&1.0) && n.contains(&0.25));
        assert!(numbers("no numbers here").is_empty());
    }

    #[test]
    fn content_words_drop_question_words() {
        assert_eq!(
            content_stems("What's a denominator again?"),
            vec!["denominator".to_string()]
        );
    }
}
