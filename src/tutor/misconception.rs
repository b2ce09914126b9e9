//! Matching a student's words to the concept's misconceptions, read both ways: "I don't think
//! bigger denominators mean bigger fractions" and "gases do have mass" do not hold the beliefs
//! "a bigger denominator means a bigger fraction" and "gases have no mass". A line holds a
//! belief when one of its clauses says one of the belief's clauses with the same polarity
//! (negations counted, "smaller" read as the opposite of "bigger"), as the student's own view:
//! a question about it, or someone else's view ("my friend thinks…", "I used to think…"), holds
//! nothing. Word overlap decides; the model (a yes/no grammar on the auxiliary cache slot) is only
//! asked in the uncertain middle band, and only when the lesson passes it in.

use super::ideas::{clauses, is_negator};
use super::judge;
use crate::ask::text::{stem, words};
use crate::curriculum::Concept;
use crate::engine::ChatBackend;

/// Phrases that put the idea at a distance from the speaker: it is reported, or denied as a
/// whole.
const DISTANCING: &[&str] = &[
    "people think",
    "some think",
    "they think",
    "others think",
    "used to think",
    "used to believe",
    "thought that",
    "i thought",
    "myth",
    "not true",
    "isnt true",
    "is false",
    "false that",
    "wrong that",
    "is wrong",
    "its wrong",
    "a mistake",
    "mix up",
    "mixup",
];

/// Words that report someone else's view ("my friend thinks").
const REPORTING: &[&str] = &["thinks", "believes", "says", "said", "claims", "reckons"];

/// Opposites: saying one where the belief says the other flips the polarity.
const OPPOSITES: &[(&str, &str)] = &[
    ("bigger", "smaller"),
    ("larger", "smaller"),
    ("big", "small"),
    ("greater", "less"),
    ("more", "less"),
    ("more", "fewer"),
    ("same", "different"),
    ("equal", "unequal"),
    ("true", "false"),
    ("heavier", "lighter"),
    ("increase", "decrease"),
    ("always", "sometimes"),
    ("likely", "unlikely"),
    ("possible", "impossible"),
    ("in", "out"),
    ("take", "give"),
    ("absorb", "reflect"),
    ("add", "multiply"),
    ("add", "keep"),
    ("add", "subtract"),
    ("equal", "different"),
    ("gain", "lose"),
    ("up", "down"),
];

const MINOR: &[&str] = &[
    "a", "an", "the", "is", "are", "was", "be", "to", "of", "and", "or", "it", "its", "that",
    "this", "i", "you", "we", "they", "my", "your", "for", "with", "as", "at", "by", "do", "does",
    "so", "if", "then", "than", "can", "just", "think", "me", "have", "has", "any", "all", "one",
    "from", "also", "really", "maybe", "probably", "guess", "yes", "yeah", "like", "um", "im",
    "would", "will", "get", "gets", "mean", "means", "make", "makes", "even", "only", "just",
];

/// The content stems of a clause, and its negation count.
fn clause_terms(c: &str) -> (Vec<String>, usize) {
    let ws = words(c);
    let neg = ws.iter().filter(|w| is_negator(w)).count();
    let mut terms: Vec<String> = ws
        .iter()
        .filter(|w| !is_negator(w) && !MINOR.contains(&w.as_str()))
        .map(|w| stem(w))
        .collect();
    terms.dedup();
    (terms, neg)
}

/// Opposites said in `student` where the belief says the other word (and not this one).
fn flips(belief: &[String], student: &[String]) -> usize {
    OPPOSITES
        .iter()
        .filter(|(a, b)| {
            let (a, b) = (stem(a), stem(b));
            (belief.contains(&a) && !belief.contains(&b) && student.contains(&b))
                || (belief.contains(&b) && !belief.contains(&a) && student.contains(&a))
        })
        .count()
}

/// Whether the line puts the idea at a distance (reports it, calls it wrong) or asks about it.
fn distanced(line: &str) -> bool {
    let l = words(line).join(" ");
    // "is a bigger denominator a bigger fraction?" asks; "maybe any two pieces are halves?"
    // still says it, tentatively.
    let asks = l.split(' ').next().is_some_and(|w| {
        [
            "is", "are", "does", "do", "can", "what", "why", "how", "which", "will", "would",
            "should", "could", "isnt", "arent", "doesnt",
        ]
        .contains(&w)
    });
    asks || DISTANCING
        .iter()
        .any(|p| format!(" {l} ").contains(&format!(" {p} ")))
        || words(line).iter().any(|w| REPORTING.contains(&w.as_str()))
}

/// How strongly `line` states `belief` as the student's own view (0..1): the share of the
/// belief's content words the line says, or 0 when a clause of the line that speaks to a clause
/// of the belief says it the other way round (an odd number of negations and opposites).
pub fn holds(belief: &str, line: &str) -> f64 {
    if distanced(line) {
        return 0.0;
    }
    let student: Vec<(Vec<String>, usize)> =
        clauses(line).iter().map(|c| clause_terms(c)).collect();
    // Bare numbers are diagnosed by the answer's own rules, not by belief words.
    if !student
        .iter()
        .flat_map(|(t, _)| t)
        .any(|w| w.chars().any(char::is_alphabetic))
    {
        return 0.0;
    }
    let mut all: Vec<String> = Vec::new();
    for bc in clauses(belief) {
        let (bt, bneg) = clause_terms(&bc);
        for (st, sneg) in &student {
            if !bt.iter().any(|w| st.contains(w)) {
                continue;
            }
            if (sneg + flips(&bt, st)) % 2 != bneg % 2 {
                return 0.0;
            }
        }
        all.extend(bt);
    }
    all.sort();
    all.dedup();
    if all.is_empty() {
        return 0.0;
    }
    let said: Vec<&String> = student.iter().flat_map(|(t, _)| t).collect();
    all.iter().filter(|w| said.contains(w)).count() as f64 / all.len() as f64
}

/// Rule score of each misconception for `line`.
pub fn scores(concept: &Concept, line: &str) -> Vec<f64> {
    concept
        .misconceptions
        .iter()
        .map(|m| holds(&m.belief, line))
        .collect()
}

/// The misconception `line` expresses, if any. A score ≥ 0.6 matches by rule; 0.34–0.6 asks
/// the model (only when one is passed in).
pub fn find(concept: &Concept, line: &str, backend: Option<&dyn ChatBackend>) -> Option<usize> {
    let (i, s) = scores(concept, line)
        .into_iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    if s >= 0.6 {
        return Some(i);
    }
    if s >= 0.34 {
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
            notes_pos: Default::default(),
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
            "a bigger denominator means a smaller fraction",
            "does a bigger denominator mean a bigger fraction?",
            "my friend thinks a bigger denominator means a bigger fraction",
        ] {
            assert_eq!(find(&c, line, None), None, "{line}");
        }
    }

    #[test]
    fn the_correct_idea_in_the_beliefs_own_words_is_not_the_belief() {
        assert_eq!(holds("Gases have no mass.", "gases have mass"), 0.0);
        assert_eq!(holds("Gases have no mass.", "gases do have mass"), 0.0);
        assert!(holds("Gases have no mass.", "i think gases have no mass") >= 0.6);
        assert!(
            holds(
                "A fraction is two separate numbers, not one amount.",
                "a fraction is just two separate numbers"
            ) >= 0.6
        );
        assert_eq!(
            holds(
                "A fraction is two separate numbers, not one amount.",
                "it is not two separate numbers, it is one amount"
            ),
            0.0
        );
    }
}
