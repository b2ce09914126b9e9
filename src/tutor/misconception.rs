//! Matching a student's words to the concept's misconceptions, negation-aware: "I don't think
//! bigger denominators mean bigger fractions" does not hold the belief "a bigger denominator
//! means a bigger fraction". Word overlap decides clear cases; the model (a yes/no grammar on
//! the auxiliary cache slot) only decides the uncertain middle band.

use super::judge;
use super::policy::{content_words, keyword_overlap};
use crate::curriculum::Concept;
use crate::engine::ChatBackend;

/// Words and phrases that deny or distance the speaker from what follows.
const NEGATIONS: &[&str] = &[
    "not",
    "no",
    "never",
    "n't",
    "nobody",
    "nothing",
    "neither",
    "nor",
    "isnt",
    "dont",
    "doesnt",
    "arent",
    "cant",
    "wont",
    "false",
    "wrong",
    "untrue",
    "used to think",
    "people think",
    "some think",
    "myth",
];

/// Count of negation cues in `s` (lower-cased, apostrophes kept).
pub fn negations(s: &str) -> usize {
    let l = s.to_lowercase().replace('\u{2019}', "'");
    let words: Vec<&str> = l
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    let mut n = words
        .iter()
        .filter(|w| {
            NEGATIONS.contains(w)
                || w.ends_with("n't")
                || NEGATIONS.contains(&w.replace('\'', "").as_str())
        })
        .count();
    n += NEGATIONS
        .iter()
        .filter(|p| p.contains(' '))
        .map(|p| l.matches(p).count())
        .sum::<usize>();
    n
}

/// Whether the student's line keeps the belief's polarity: it adds no (odd number of)
/// negations to it. A belief that itself says "not" may be restated without it.
pub fn same_polarity(belief: &str, student: &str) -> bool {
    let (b, s) = (negations(belief), negations(student));
    s <= b || (s - b) % 2 == 0
}

/// Rule score of each misconception for `line`: overlap, zeroed when the polarity differs.
pub fn scores(concept: &Concept, line: &str) -> Vec<f64> {
    concept
        .misconceptions
        .iter()
        .map(|m| {
            // Bare numbers are diagnosed by the answer's own rules, not by belief words.
            let words = content_words(line);
            if !words.iter().any(|w| w.chars().any(char::is_alphabetic))
                || !same_polarity(&m.belief, line)
            {
                0.0
            } else {
                keyword_overlap(&m.belief, line)
            }
        })
        .collect()
}

/// The misconception `line` expresses, if any. Overlap ≥ 0.5 matches by rule; 0.25–0.5 asks
/// the model (when there is one).
pub fn find(concept: &Concept, line: &str, backend: Option<&dyn ChatBackend>) -> Option<usize> {
    let (i, s) = scores(concept, line)
        .into_iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    if s >= 0.5 {
        return Some(i);
    }
    if s >= 0.25 {
        let b = backend?;
        return judge::expresses_belief(b, &concept.misconceptions[i].belief, line)
            .filter(|&yes| yes)
            .map(|_| i);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curriculum::Misconception;

    fn concept() -> Concept {
        Concept {
            id: "c".into(),
            title: "Comparing".into(),
            requires: vec![],
            objective: "o".into(),
            notes: String::new(),
            questions: vec![],
            misconceptions: vec![Misconception {
                belief: "A bigger denominator means a bigger fraction.".into(),
                response: "r".into(),
            }],
            checks: vec![],
            tags: vec![],
            minutes: None,
            image: None,
            id_pos: Default::default(),
            requires_pos: vec![],
            questions_pos: vec![],
        }
    }

    #[test]
    fn negated_beliefs_do_not_match() {
        let c = concept();
        assert_eq!(
            find(&c, "bigger denominators mean bigger fractions", None),
            Some(0)
        );
        for line in [
            "I don't think bigger denominators mean bigger fractions",
            "a bigger denominator does not mean a bigger fraction",
            "I used to think a bigger denominator means a bigger fraction",
        ] {
            assert_eq!(find(&c, line, None), None, "{line}");
        }
    }
}
