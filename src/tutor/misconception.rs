//! Matching a student's words to the concept's misconceptions, read both ways: "I don't think
//! bigger denominators mean bigger fractions" and "gases do have mass" do not hold the beliefs
//! "a bigger denominator means a bigger fraction" and "gases have no mass". A line holds a
//! belief when one of its clauses says one of the belief's clauses with the same polarity
//! (negations counted, "smaller" read as the opposite of "bigger"), as the student's own view:
//! a question about it, or someone else's view ("my friend thinks…", "I used to think…"), holds
//! nothing. Word overlap decides; the model (a yes/no grammar on the auxiliary cache slot) is only
//! asked in the uncertain middle band, and only when the lesson passes it in.

use super::ideas::{belief_clauses as clauses, is_negator};
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
    ("smaller", "same"),
    ("bigger", "same"),
    ("change", "same"),
    ("change", "keep"),
    ("numerator", "denominator"),
    ("top", "bottom"),
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
    // "is a bigger denominator a bigger fraction?" and "for A and B do you add them?" ask;
    // "maybe any two pieces are halves?" still says it, tentatively.
    let hedged = [
        "maybe",
        "i think",
        "i guess",
        "probably",
        "perhaps",
        "i believe",
        "so i",
    ]
    .iter()
    .any(|h| format!(" {l} ").contains(&format!(" {h} ")));
    let inverted = line.trim_end().ends_with('?')
        && !hedged
        && [
            " do you ",
            " does ",
            " is it ",
            " are they ",
            " can you ",
            " should ",
        ]
        .iter()
        .any(|p| format!(" {l} ").contains(p));
    let asks = inverted
        || l.split(' ').next().is_some_and(|w| {
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
    holds_beside(belief, line, &[])
}

/// [`holds`], where `correct` are the stems of the concept's right answers and expected ideas:
/// a clause that puts one of them in the belief's place ("the oxygen comes from water" for
/// "the oxygen comes from carbon dioxide") states the right idea, not the belief.
pub fn holds_beside(belief: &str, line: &str, correct: &[String]) -> f64 {
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
        // The student clauses that speak most to this clause of the belief must say it the
        // same way round.
        let hits = |st: &[String]| bt.iter().filter(|w| st.contains(w)).count();
        let most = student.iter().map(|(st, _)| hits(st)).max().unwrap_or(0);
        for (st, sneg) in &student {
            if most > 0 && hits(st) == most && (sneg + flips(&bt, st)) % 2 != bneg % 2 {
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
    // One clause must say the belief, and say little else: a student who explains the right
    // idea uses the belief's words among many others ("the denominator is the total number of
    // parts and the numerator is how many we have").
    let mut hits: Vec<&String> = Vec::new();
    for (st, _) in &student {
        let extras: Vec<&String> = st.iter().filter(|w| !all.contains(w)).collect();
        if extras.iter().any(|w| correct.contains(w)) && st.iter().any(|w| all.contains(w)) {
            return 0.0;
        }
        if extras.len() <= 2 {
            hits.extend(all.iter().filter(|w| st.contains(w)));
        }
    }
    hits.sort();
    hits.dedup();
    // Letters and numbers alone ("P(not A) is 1/P(A)") are too little to go on.
    let words = hits
        .iter()
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 3)
        .count();
    if words < 2 {
        return 0.0;
    }
    hits.len() as f64 / all.len() as f64
}

/// The rule score from which a line holds a belief (tuned on the `tune` split of
/// `eval/misconceptions.toml` only).
const THRESHOLD: f64 = 0.6;

/// The stems of the concept's right answers and expected ideas (single words only).
fn correct_terms(concept: &Concept) -> Vec<String> {
    let mut texts: Vec<&str> = Vec::new();
    for k in &concept.checks {
        texts.push(&k.answer);
        texts.extend(k.accept.iter().map(String::as_str));
        texts.extend(k.ideas.iter().flatten().map(String::as_str));
    }
    for q in &concept.questions {
        texts.extend(q.expect.iter().flatten().map(String::as_str));
    }
    let mut out: Vec<String> = texts
        .iter()
        .flat_map(|t| clause_terms(t).0)
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 3)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Rule score of each misconception for `line`.
pub fn scores(concept: &Concept, line: &str) -> Vec<f64> {
    let correct = correct_terms(concept);
    concept
        .misconceptions
        .iter()
        .map(|m| {
            // A belief's own words are never evidence of the right idea.
            let (own, _) = clause_terms(&m.belief);
            let beside: Vec<String> = correct
                .iter()
                .filter(|w| !own.contains(w))
                .cloned()
                .collect();
            holds_beside(&m.belief, line, &beside)
        })
        .collect()
}

/// The misconception `line` expresses, if any. A score ≥ [`THRESHOLD`] matches by rule;
/// 0.34 up to it asks the model (only when one is passed in).
pub fn find(concept: &Concept, line: &str, backend: Option<&dyn ChatBackend>) -> Option<usize> {
    let (i, s) = scores(concept, line)
        .into_iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    if s >= THRESHOLD {
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
        // The negation of a consequence ("or it won't work") is not the belief's "not".
        assert_eq!(
            holds(
                "The jumps on a number line do not need to be equal.",
                "the jumps on the number line need to be equal or it wont work"
            ),
            0.0
        );
        assert_eq!(holds("Gases have no mass.", "gases do have mass"), 0.0);
        assert!(holds("Gases have no mass.", "i think gases have no mass") >= 0.7);
        assert!(
            holds(
                "A fraction is two separate numbers, not one amount.",
                "a fraction is just two separate numbers"
            ) >= 0.7
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
