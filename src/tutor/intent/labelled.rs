//! The labelled student lines (`eval/intents.toml`) and the scores of the intent classifier
//! and the misconception matcher on them: `intent_accuracy` and `misconception_f1`.

use serde::{Deserialize, Serialize};

use super::{Context, Intent, classify, classify_model, extract_answer, topic_words};
use crate::curriculum::library::Library;
use crate::engine::ChatBackend;
use crate::tutor::{feedback, misconception};

/// One labelled line of `eval/intents.toml`.
#[derive(Debug, Clone, Deserialize)]
pub struct LabelledLine {
    pub line: String,
    pub course: String,
    pub concept: String,
    /// `warm-up`, `guided` or `check`.
    pub context: String,
    /// The pending check's id (when `context = "check"`).
    #[serde(default)]
    pub check: Option<String>,
    pub intent: Intent,
    /// The misconception (index in the concept) the line expresses, if any.
    #[serde(default)]
    pub misconception: Option<usize>,
}

#[derive(Deserialize)]
struct LabelledFile {
    item: Vec<LabelledLine>,
}

/// The labelled student lines (bundled from `eval/intents.toml`).
pub fn labelled_lines() -> Vec<LabelledLine> {
    toml::from_str::<LabelledFile>(include_str!("../../../eval/intents.toml"))
        .map(|f| f.item)
        .unwrap_or_else(|e| panic!("eval/intents.toml: {e}"))
}

/// Scores of the classifier and the misconception matcher on the labelled lines.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LabelledScores {
    pub items: usize,
    /// Share of lines whose intent the rules alone get right.
    pub intent_accuracy_rules: f64,
    /// Share right when the model labels the lines the rules are not confident about
    /// (equal to the rules' figure without a model).
    pub intent_accuracy: f64,
    pub misconception_precision: f64,
    pub misconception_recall: f64,
    pub misconception_f1: f64,
    /// "line: expected → got" for every miss.
    pub errors: Vec<String>,
}

/// Scores intents and misconception matches over `eval/intents.toml` (courses from `lib`);
/// with a backend, the model is asked where the rules are unsure, and for misconception
/// matches in the uncertain band.
pub fn labelled_accuracy(lib: &Library, backend: Option<&dyn ChatBackend>) -> LabelledScores {
    let items = labelled_lines();
    let mut s = LabelledScores {
        items: items.len(),
        ..Default::default()
    };
    let (mut rules_right, mut right) = (0usize, 0usize);
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    for it in &items {
        let Some(concept) = lib
            .get(&it.course)
            .and_then(|e| e.course.concept(&it.concept))
        else {
            s.errors.push(format!(
                "{}: unknown concept {}/{}",
                it.line, it.course, it.concept
            ));
            continue;
        };
        let check = it
            .check
            .as_deref()
            .and_then(|id| concept.checks.iter().find(|c| c.id == id));
        let ctx = match (it.context.as_str(), check) {
            ("check", Some(c)) => Context::Check(c),
            _ => Context::Talk,
        };
        let topic = topic_words(concept);
        let r = classify(&it.line, ctx, &topic);
        let mut got = r.intent;
        if r.intent == it.intent {
            rules_right += 1;
        }
        if !r.confident
            && let Some(b) = backend
            && let Some(m) = classify_model(b, concept, &it.line, ctx)
        {
            got = m;
        }
        if got == it.intent {
            right += 1;
        } else {
            s.errors.push(format!(
                "{:?} [{}]: {} → {}",
                it.line,
                it.context,
                it.intent.label(),
                got.label()
            ));
        }
        let found = match ctx {
            // As in a lesson: a wrong answer's diagnosis names its misconception first.
            Context::Check(c) if it.intent == Intent::Attempt => {
                let (answer, _) = extract_answer(&it.line, c);
                let wrong = !crate::curriculum::grade::grade(c, &answer).is_correct()
                    && !crate::curriculum::grade::grade(c, &it.line).is_correct();
                let diag = wrong
                    .then(|| feedback::diagnose(c, &answer))
                    .flatten()
                    .and_then(|d| d.misconception);
                if wrong {
                    diag.or_else(|| misconception::find(concept, &it.line, backend))
                } else {
                    None
                }
            }
            _ => misconception::find(concept, &it.line, backend),
        };
        match (it.misconception, found) {
            (Some(e), Some(f)) if e == f => tp += 1,
            (e, Some(f)) => {
                fp += 1;
                if e.is_some() {
                    fn_ += 1;
                }
                s.errors
                    .push(format!("{:?}: misconception {e:?} → {f}", it.line));
            }
            (Some(e), None) => {
                fn_ += 1;
                s.errors
                    .push(format!("{:?}: misconception {e} → none", it.line));
            }
            (None, None) => {}
        }
    }
    let n = items.len().max(1) as f64;
    s.intent_accuracy_rules = rules_right as f64 / n;
    s.intent_accuracy = right as f64 / n;
    s.misconception_precision = if tp + fp == 0 {
        1.0
    } else {
        tp as f64 / (tp + fp) as f64
    };
    s.misconception_recall = if tp + fn_ == 0 {
        1.0
    } else {
        tp as f64 / (tp + fn_) as f64
    };
    let (p, r) = (s.misconception_precision, s.misconception_recall);
    s.misconception_f1 = if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    };
    s
}
