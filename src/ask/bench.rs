//! The retrieval benchmark: questions written the way students ask them, each with the passage
//! (file + heading) that answers it, plus questions the material does not answer. Reports
//! recall@3 before the relevance rule (did retrieval find it?) and after it (would the student
//! see it?), the share of unanswerable questions answered "not in your course material", and the
//! latency of a whole answer at the default voice level.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::index::AskIndex;
use super::retrieve::search;
use super::{AskError, Outcome, answer};
use crate::curriculum::library::Library;

/// The bundled benchmark set.
pub const ASK_SET: &str = include_str!("../../eval/ask.toml");

/// A question with known source passages.
#[derive(Debug, Clone, Deserialize)]
pub struct Answerable {
    pub course: String,
    pub question: String,
    /// The passages that answer it, as `file#heading` (glossary entries: `glossary#term`).
    pub expect: Vec<String>,
}

/// A question whose answer is not in the material.
#[derive(Debug, Clone, Deserialize)]
pub struct Unanswerable {
    pub course: String,
    pub question: String,
}

/// The whole set.
#[derive(Debug, Clone, Deserialize)]
pub struct AskSet {
    pub question: Vec<Answerable>,
    pub no_answer: Vec<Unanswerable>,
}

impl AskSet {
    /// Parses a set written like `eval/ask.toml`.
    pub fn parse(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    /// The bundled set.
    pub fn bundled() -> Self {
        Self::parse(ASK_SET).expect("eval/ask.toml is valid")
    }
}

/// A question whose expected passage was not in the top 3 (or was judged irrelevant).
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    pub course: String,
    pub question: String,
    pub expected: String,
    /// The top 3 retrieved as `file#heading (coverage)`.
    pub got: Vec<String>,
}

/// The benchmark's numbers (keys as `tutor eval` reports them).
#[derive(Debug, Clone, Serialize)]
pub struct AskBenchReport {
    pub ask_questions: usize,
    /// Expected passage among the top 3 retrieved, before the relevance rule.
    pub ask_recall_at_3: f64,
    /// Expected passage among the top 3 *and* judged relevant (shown to the student).
    pub ask_answered_recall_at_3: f64,
    pub ask_recall_at_1: f64,
    /// Answerable questions wrongly answered "not in your course material".
    pub ask_false_no_answer_rate: f64,
    pub ask_no_answer_questions: usize,
    /// Unanswerable questions correctly answered "not in your course material".
    pub ask_no_answer_accuracy: f64,
    pub ask_latency_p50_ms: f64,
    pub ask_latency_p95_ms: f64,
    pub misses: Vec<Miss>,
    /// Unanswerable questions that got an answer, with the passage shown.
    pub false_answers: Vec<Miss>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

/// Runs `set` against the courses of `lib`, indexing their material into `index` first.
pub fn run_set(
    set: &AskSet,
    lib: &Library,
    index: &mut AskIndex,
) -> Result<AskBenchReport, AskError> {
    let mut courses: Vec<&str> = set
        .question
        .iter()
        .map(|q| q.course.as_str())
        .chain(set.no_answer.iter().map(|q| q.course.as_str()))
        .collect();
    courses.sort_unstable();
    courses.dedup();
    for c in &courses {
        if let Some(e) = lib.get(c) {
            index.ensure_entry(e)?;
        }
    }
    let describe = |hits: &[super::retrieve::Hit]| -> Vec<String> {
        hits.iter()
            .take(3)
            .map(|h| {
                format!(
                    "{}#{} ({:.2})",
                    h.passage.file, h.passage.heading, h.coverage
                )
            })
            .collect()
    };
    let mut latencies = Vec::new();
    let (mut at3, mut shown3, mut at1, mut false_none) = (0, 0, 0, 0);
    let mut misses = Vec::new();
    for q in &set.question {
        let Some(entry) = lib.get(&q.course) else {
            continue;
        };
        let hits = search(index, &q.course, &q.question, 3)?;
        let is_expected = |h: &super::retrieve::Hit| {
            q.expect.iter().any(|e| {
                e.split_once('#').is_some_and(|(file, heading)| {
                    h.passage.file == file && h.passage.heading.eq_ignore_ascii_case(heading)
                })
            })
        };
        let found = hits.iter().any(is_expected);
        at3 += usize::from(found);
        at1 += usize::from(hits.first().is_some_and(is_expected));
        shown3 += usize::from(hits.iter().any(|h| is_expected(h) && h.relevant()));
        let t = Instant::now();
        let a = answer(index, &entry.course, &q.question, &[], 0, None)?;
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        false_none += usize::from(a.outcome == Outcome::NotInMaterial);
        if !found || !hits.iter().any(|h| is_expected(h) && h.relevant()) {
            misses.push(Miss {
                course: q.course.clone(),
                question: q.question.clone(),
                expected: q.expect.join(" or "),
                got: describe(&hits),
            });
        }
    }
    let mut none_right = 0;
    let mut false_answers = Vec::new();
    for q in &set.no_answer {
        let Some(entry) = lib.get(&q.course) else {
            continue;
        };
        let t = Instant::now();
        let a = answer(index, &entry.course, &q.question, &[], 0, None)?;
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        if a.outcome == Outcome::NotInMaterial {
            none_right += 1;
        } else {
            let hits = search(index, &q.course, &q.question, 3)?;
            false_answers.push(Miss {
                course: q.course.clone(),
                question: q.question.clone(),
                expected: "not in the material".into(),
                got: describe(&hits),
            });
        }
    }
    latencies.sort_by(f64::total_cmp);
    let n = set.question.len();
    Ok(AskBenchReport {
        ask_questions: n,
        ask_recall_at_3: ratio(at3, n),
        ask_answered_recall_at_3: ratio(shown3, n),
        ask_recall_at_1: ratio(at1, n),
        ask_false_no_answer_rate: ratio(false_none, n),
        ask_no_answer_questions: set.no_answer.len(),
        ask_no_answer_accuracy: ratio(none_right, set.no_answer.len()),
        ask_latency_p50_ms: percentile(&latencies, 0.5),
        ask_latency_p95_ms: percentile(&latencies, 0.95),
        misses,
        false_answers,
    })
}

/// The bundled set against `lib` (normally the bundled courses), on an in-memory index.
pub fn run(lib: &Library) -> Result<AskBenchReport, AskError> {
    let mut index = AskIndex::in_memory()?;
    run_set(&AskSet::bundled(), lib, &mut index)
}

impl AskBenchReport {
    /// A short human-readable summary.
    pub fn render_plain(&self) -> String {
        let mut out = format!(
            "ask benchmark: {} questions, {} without an answer in the material\n\
             recall@3 {:.3} (shown to the student: {:.3}), recall@1 {:.3}\n\
             answerable questions told \"not in your material\": {:.3}\n\
             no-answer accuracy {:.3}\n\
             answer latency p50 {:.1} ms, p95 {:.1} ms (voice 0, no model)\n",
            self.ask_questions,
            self.ask_no_answer_questions,
            self.ask_recall_at_3,
            self.ask_answered_recall_at_3,
            self.ask_recall_at_1,
            self.ask_false_no_answer_rate,
            self.ask_no_answer_accuracy,
            self.ask_latency_p50_ms,
            self.ask_latency_p95_ms,
        );
        for m in &self.misses {
            out.push_str(&format!(
                "miss [{}] {:?}: expected {}, got {}\n",
                m.course,
                m.question,
                m.expected,
                m.got.join(" | ")
            ));
        }
        for m in &self.false_answers {
            out.push_str(&format!(
                "answered but not in material [{}] {:?}: {}\n",
                m.course,
                m.question,
                m.got.join(" | ")
            ));
        }
        out
    }
}
