//! Separate judging calls (fresh conversation, never the tutoring one), with output constrained
//! by GBNF grammars: free-text answers against the model answer and rubric, and yes/no
//! misconception matches.

use super::ideas::IdeaVerdict;
use crate::curriculum::{Check, Concept};
use crate::engine::{CacheSlot, ChatBackend, ChatMessage, GenParams, GenRequest};

/// The judge's verdict on a free-text answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TextVerdict {
    Correct,
    Partial,
    Incorrect,
}

/// A judged answer: the verdict and the rubric points it misses.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Judgement {
    pub verdict: TextVerdict,
    pub missing: Vec<String>,
}

/// `verdict: correct|partial|incorrect` then `missing: none` or rubric numbers.
pub const VERDICT_GRAMMAR: &str = r#"root ::= "verdict: " verdict "\nmissing: " missing
verdict ::= "correct" | "partial" | "incorrect"
missing ::= "none" | num ("," num)*
num ::= [1-9]"#;

const YES_NO_GRAMMAR: &str = r#"root ::= "yes" | "no""#;

/// Parses the judge's constrained output.
pub fn parse_verdict(out: &str, rubric: &[String]) -> Option<Judgement> {
    let mut lines = out.lines();
    let verdict = match lines.next()?.strip_prefix("verdict: ")?.trim() {
        "correct" => TextVerdict::Correct,
        "partial" => TextVerdict::Partial,
        "incorrect" => TextVerdict::Incorrect,
        _ => return None,
    };
    let missing = lines
        .next()
        .and_then(|l| l.strip_prefix("missing: "))
        .map(|m| {
            m.split(',')
                .filter_map(|n| n.trim().parse::<usize>().ok())
                .filter_map(|n| rubric.get(n.wrapping_sub(1)).cloned())
                .collect()
        })
        .unwrap_or_default();
    Some(Judgement { verdict, missing })
}

/// Judges a free-text answer on the teacher's own terms, with no model: the model answer and
/// accepted answers are right; a stated misconception is wrong; otherwise the check's `ideas`
/// decide (all said = right, half = partial, a denied one = wrong). `None` when the check has
/// no ideas to judge by.
pub fn by_ideas(concept: &Concept, check: &Check, answer: &str) -> Option<TextVerdict> {
    if crate::curriculum::grade::grade(check, answer).is_correct() {
        return Some(TextVerdict::Correct);
    }
    if super::misconception::find(concept, answer, None).is_some() {
        return Some(TextVerdict::Incorrect);
    }
    if check.ideas.is_empty() {
        return None;
    }
    Some(
        match super::ideas::judge_sided(&check.ideas, answer, &check.answer) {
            IdeaVerdict::Right => TextVerdict::Correct,
            IdeaVerdict::Partial => TextVerdict::Partial,
            IdeaVerdict::Wrong => TextVerdict::Incorrect,
        },
    )
}

/// Judges a free-text answer; `None` when the model fails (the student then rates themselves).
pub fn judge_text(backend: &dyn ChatBackend, check: &Check, answer: &str) -> Option<Judgement> {
    let rubric: String = check
        .rubric
        .iter()
        .enumerate()
        .map(|(i, r)| format!("{}. {r}\n", i + 1))
        .collect();
    let user = format!(
        "Question: {}\nModel answer: {}\nKey points:\n{}Student answer: {}\n\n\
         Is the student's answer correct, partial or incorrect compared with the model answer? \
         List the numbers of key points it misses, or none.",
        check.prompt,
        check.answer,
        if rubric.is_empty() {
            "(none)\n".to_string()
        } else {
            rubric
        },
        answer.trim()
    );
    let req = GenRequest {
        messages: vec![
            ChatMessage::system("You are a fair teacher marking a student's short answer."),
            ChatMessage::user(user),
        ],
        params: GenParams {
            grammar: Some(VERDICT_GRAMMAR.into()),
            ..GenParams::greedy(24)
        },
        slot: CacheSlot::Aux,
    };
    match backend.generate(req).wait() {
        Ok((text, _)) => parse_verdict(&text, &check.rubric),
        Err(e) => {
            tracing::warn!(error = %e, "text judge failed");
            None
        }
    }
}

/// Whether the student's words express `belief` (the model's constrained yes/no).
pub fn expresses_belief(backend: &dyn ChatBackend, belief: &str, student: &str) -> Option<bool> {
    let req = GenRequest {
        messages: vec![
            ChatMessage::system(
                "You decide whether a student's words show a particular wrong idea. Answer yes or no.",
            ),
            ChatMessage::user(format!(
                "Wrong idea: {belief}\nStudent said: {student}\nDoes the student show this wrong idea?"
            )),
        ],
        params: GenParams {
            grammar: Some(YES_NO_GRAMMAR.into()),
            ..GenParams::greedy(2)
        },
        slot: CacheSlot::Aux,
    };
    backend
        .generate(req)
        .wait()
        .ok()
        .map(|(t, _)| t.trim() == "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_constrained_output() {
        let rubric = vec!["a".to_string(), "b".to_string()];
        let j = parse_verdict("verdict: partial\nmissing: 2", &rubric).unwrap();
        assert_eq!(
            j,
            Judgement {
                verdict: TextVerdict::Partial,
                missing: vec!["b".into()]
            }
        );
        assert_eq!(
            parse_verdict("verdict: correct\nmissing: none", &rubric)
                .unwrap()
                .missing
                .len(),
            0
        );
        assert!(parse_verdict("verdict: maybe", &rubric).is_none());
        assert_eq!(
            parse_verdict("verdict: incorrect\nmissing: 1,9", &rubric)
                .unwrap()
                .missing,
            vec!["a".to_string()]
        );
    }
}
