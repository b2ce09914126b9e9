//! `tutor eval --reveal-set FILE`: the detector against an external benchmark nobody here
//! wrote. Each JSONL line has a tutor `response`, the problem's `ground_truth_final_line` and
//! a human label `reveals_answer` (`No` / `Yes …`); MRBench V2 (CC BY-SA 4.0) is the intended
//! file. Lines without a known answer are skipped.
//!
//! A tutor reveals the answer when it states the final number as a result, or states a final
//! result of its own (a wrong one counts too). Numbers already said in the conversation (the
//! problem, the student's work) are only a reveal when the sentence concludes with them ("so",
//! "total", "=", "must", ...).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::detector::{find_form, normalise, number_forms, numbers_named};

/// Reading the set failed.
#[derive(Debug, thiserror::Error)]
pub enum RevealError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path}:{line}: not a reveal-set line ({message}); each line must be a JSON object with `response`, `ground_truth_final_line` and `reveals_answer`"
    )]
    Parse {
        path: String,
        line: usize,
        message: String,
    },
}

#[derive(Deserialize)]
struct Line {
    response: String,
    #[serde(default)]
    ground_truth_final_line: Option<String>,
    reveals_answer: String,
    #[serde(default)]
    conversation_history: Option<String>,
}

/// Precision and recall of "reveals the answer".
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Scores {
    pub items: usize,
    pub positives: usize,
    pub true_pos: usize,
    pub false_pos: usize,
    pub false_neg: usize,
    pub precision: f64,
    pub recall: f64,
}

impl Scores {
    fn from_counts(items: usize, positives: usize, tp: usize, fp: usize) -> Self {
        let fneg = positives - tp;
        Self {
            items,
            positives,
            true_pos: tp,
            false_pos: fp,
            false_neg: fneg,
            precision: if tp + fp == 0 {
                0.0
            } else {
                tp as f64 / (tp + fp) as f64
            },
            recall: if positives == 0 {
                0.0
            } else {
                tp as f64 / positives as f64
            },
        }
    }
}

/// The detector's scores and the baseline's ("the final number appears in the reply").
#[derive(Debug, Clone, Serialize)]
pub struct RevealReport {
    pub file: String,
    pub skipped_no_answer: usize,
    pub detector: Scores,
    pub baseline: Scores,
}

const CONCLUDES: &[&str] = &[
    "so ",
    "therefore",
    "thus",
    "total",
    "answer",
    "must ",
    "should ",
    "would ",
    "actually",
    "making",
    "which means",
    "gives",
    "give ",
    " get ",
    "=",
    "equals",
    "correct",
    "need to",
    "needs to",
    "in all",
    "altogether",
    "leaves",
    "result",
];
const FINAL_CLAIMS: &[&str] = &[
    "total to ",
    "totals to ",
    "final answer is ",
    "the answer is ",
    "right answer is ",
    "correct answer is ",
    "right answer of ",
    "correct answer of ",
    "correct total of ",
    "total would be ",
    "total should be ",
    "total will be ",
    "total cost would be ",
    "total amount would be ",
    "should actually be ",
];

/// The sentence of `t` around byte `at`.
fn sentence_at(t: &str, at: usize) -> &str {
    let start = [". ", "? ", "! "]
        .iter()
        .filter_map(|p| t[..at].rfind(p).map(|i| i + 2))
        .max()
        .unwrap_or(0);
    let end = [". ", "? ", "! "]
        .iter()
        .filter_map(|p| t[at..].find(p).map(|i| at + i + 1))
        .min()
        .unwrap_or(t.len());
    &t[start..end]
}

fn final_value(line: &str) -> Option<f64> {
    numbers_named(line).into_iter().last()
}

/// Whether `reply` reveals the answer `value` in a conversation where `context` (the problem
/// and the student's work) was already said.
pub fn reveals(reply: &str, value: f64, context: &str) -> bool {
    let t = normalise(reply);
    let given = numbers_named(context);
    let in_problem = given.iter().any(|g| (g - value).abs() < 1e-9);
    for form in number_forms(value) {
        let mut from = 0;
        while let Some(i) = find_form(&t[from..], &form) {
            let at = from + i;
            let s = sentence_at(&t, at);
            if !in_problem || CONCLUDES.iter().any(|c| s.contains(c)) {
                return true;
            }
            from = at + form.len();
        }
    }
    // A final result stated outright, right or wrong, outside a question.
    for c in FINAL_CLAIMS {
        let mut from = 0;
        while let Some(i) = t[from..].find(c) {
            let at = from + i;
            let rest = t[at + c.len()..].trim_start_matches(['$', '£', '€', ' ']);
            let s = sentence_at(&t, at);
            if rest.starts_with(|c: char| c.is_ascii_digit()) && !s.trim_end().ends_with('?') {
                return true;
            }
            from = at + c.len();
        }
    }
    // "... 4 boxes in total."
    let mut from = 0;
    while let Some(i) = t[from..].find(" in total") {
        let at = from + i;
        let head: Vec<&str> = t[..at].split_whitespace().rev().take(3).collect();
        if head
            .iter()
            .any(|w| w.starts_with(|c: char| c.is_ascii_digit()))
            && !sentence_at(&t, at).trim_end().ends_with('?')
        {
            return true;
        }
        from = at + 9;
    }
    false
}

/// The baseline the issue names: the final number appears in the reply.
pub fn baseline(reply: &str, value: f64) -> bool {
    numbers_named(reply)
        .iter()
        .any(|v| (v - value).abs() < 1e-9)
}

/// Runs the detector and the baseline over the set in `path`.
pub fn run(path: &Path) -> Result<RevealReport, RevealError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| RevealError::Read {
        path: name.clone(),
        source,
    })?;
    let (mut items, mut positives, mut skipped) = (0, 0, 0);
    let (mut tp, mut fp, mut btp, mut bfp) = (0, 0, 0, 0);
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let l: Line = serde_json::from_str(raw).map_err(|e| RevealError::Parse {
            path: name.clone(),
            line: i + 1,
            message: e.to_string(),
        })?;
        let Some(value) = l.ground_truth_final_line.as_deref().and_then(final_value) else {
            skipped += 1;
            continue;
        };
        // What was already said before the reply (the problem and the student's work).
        let problem = l.conversation_history.unwrap_or_default();
        let truth = l.reveals_answer.trim_start().starts_with("Yes");
        items += 1;
        positives += usize::from(truth);
        let got = reveals(&l.response, value, &problem);
        tp += usize::from(got && truth);
        fp += usize::from(got && !truth);
        let b = baseline(&l.response, value);
        btp += usize::from(b && truth);
        bfp += usize::from(b && !truth);
    }
    Ok(RevealReport {
        file: name,
        skipped_no_answer: skipped,
        detector: Scores::from_counts(items, positives, tp, fp),
        baseline: Scores::from_counts(items, positives, btp, bfp),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stated_result_reveals_a_number_from_the_problem_does_not() {
        let problem = "Elliott had 2,000 steps left to take. How many steps did he jog?";
        assert!(!reveals(
            "Remember that Elliott still had 2,000 steps left after his jog.",
            2000.0,
            problem
        ));
        assert!(reveals(
            "So he must have done 2,000 steps during his jog.",
            2000.0,
            problem
        ));
        assert!(reveals(
            "The jog was 2000 steps.",
            2000.0,
            "How many steps?"
        ));
        assert!(reveals(
            "Add them and it totals to 75 haircuts.",
            79.0,
            "How many haircuts?"
        ));
        assert!(!reveals(
            "What do you get when you add them?",
            79.0,
            "How many haircuts?"
        ));
    }
}
