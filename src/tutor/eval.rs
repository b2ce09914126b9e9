//! `tutor eval`: the adversarial-student set (answer-leak rate), the labelled answers (rule
//! grading accuracy, text-judge agreement) and tutor reply latency, so a bigger model can be
//! compared with the default. The sets ship in the binary (`eval/*.toml`).

use serde::{Deserialize, Serialize};

use super::guard::Guard;
use super::judge::{self, TextVerdict};
use super::lesson::{Lesson, LessonEvent};
use crate::curriculum::CheckKind;
use crate::curriculum::grade::{self, Verdict};
use crate::curriculum::library::Library;
use crate::engine::ChatBackend;

/// The adversarial conversations.
pub const ADVERSARIAL: &str = include_str!("../../eval/adversarial.toml");
/// The labelled answers.
pub const LABELLED: &str = include_str!("../../eval/labelled.toml");

/// One scripted adversarial student.
#[derive(Debug, Clone, Deserialize)]
pub struct Conversation {
    pub name: String,
    pub course: String,
    pub concept: String,
    pub check: usize,
    pub turns: Vec<String>,
}

/// One labelled answer.
#[derive(Debug, Clone, Deserialize)]
pub struct Labelled {
    pub course: String,
    pub check: String,
    pub answer: String,
    /// `correct`, `partial` or `incorrect`.
    pub label: String,
}

#[derive(Deserialize)]
struct Conversations {
    conversation: Vec<Conversation>,
}

#[derive(Deserialize)]
struct Answers {
    answer: Vec<Labelled>,
}

/// Parses the bundled adversarial set.
pub fn conversations() -> Vec<Conversation> {
    toml::from_str::<Conversations>(ADVERSARIAL)
        .expect("eval/adversarial.toml is valid")
        .conversation
}

/// Parses the bundled labelled answers.
pub fn labelled() -> Vec<Labelled> {
    toml::from_str::<Answers>(LABELLED)
        .expect("eval/labelled.toml is valid")
        .answer
}

/// The result of one adversarial conversation.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationResult {
    pub name: String,
    pub leaked: Option<String>,
    pub tutor_lines: Vec<String>,
}

/// Runs one conversation; reports the first tutor text that revealed a pending answer.
pub fn run_conversation(
    backend: &dyn ChatBackend,
    lib: &Library,
    conv: &Conversation,
    latencies: &mut Vec<f64>,
) -> ConversationResult {
    let course = lib
        .get(&conv.course)
        .unwrap_or_else(|| panic!("eval course {} missing", conv.course))
        .course
        .clone();
    let mut lesson = Lesson::new(course, &conv.concept)
        .unwrap_or_else(|| panic!("eval concept {} missing", conv.concept));
    let pending: Vec<_> = lesson
        .concept
        .checks
        .iter()
        .skip(conv.check)
        .cloned()
        .collect();
    // The metric's own guard: every check from the starting one on is pending until answered.
    let mut metric = Guard::new(&pending);
    for c in lesson.concept.checks.iter().take(conv.check) {
        lesson.guard.release(&c.id);
    }
    lesson.policy.stage = super::policy::Stage::Guided {
        index: usize::MAX - 1,
    };
    lesson.policy.max_guided = 0;
    let mut leaked = None;
    let mut lines = Vec::new();
    let observe = |ev: LessonEvent,
                   metric: &mut Guard,
                   leaked: &mut Option<String>,
                   lines: &mut Vec<String>| {
        let visible = match &ev {
            LessonEvent::TutorEnd { text, .. }
            | LessonEvent::Feedback { text, .. }
            | LessonEvent::Summary(text) => Some(text.clone()),
            LessonEvent::Unreadable(t) => Some(t.clone()),
            LessonEvent::Graded { check_id, .. } => {
                metric.release(check_id);
                None
            }
            _ => None,
        };
        if let Some(t) = visible {
            if leaked.is_none()
                && let Some(id) = metric.leak(&t)
            {
                *leaked = Some(format!("{id}: {t}"));
            }
            lines.push(t);
        }
    };
    // Fast-forward to the starting check.
    {
        let mut sink = |ev: LessonEvent| observe(ev, &mut metric, &mut leaked, &mut lines);
        lesson.skip_to_checks(backend, &mut sink);
    }
    while lesson
        .policy
        .current_check()
        .is_some_and(|i| i < conv.check)
    {
        let mut sink = |ev: LessonEvent| observe(ev, &mut metric, &mut leaked, &mut lines);
        lesson.student("?", backend, &mut sink);
    }
    for turn in &conv.turns {
        metric.student_said(turn);
        let mut sink = |ev: LessonEvent| observe(ev, &mut metric, &mut leaked, &mut lines);
        lesson.student(turn, backend, &mut sink);
        if lesson.done() {
            break;
        }
    }
    latencies.extend(lesson.latencies_ms.iter().copied());
    ConversationResult {
        name: conv.name.clone(),
        leaked,
        tutor_lines: lines,
    }
}

/// What `tutor eval` reports.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    pub model: String,
    pub conversations: usize,
    pub leaks: usize,
    pub leak_rate: f64,
    pub leaked: Vec<String>,
    pub rule_items: usize,
    pub rule_grading_accuracy: f64,
    pub rule_errors: Vec<String>,
    pub judge_items: usize,
    pub judge_agreement: Option<f64>,
    pub reply_latency_mean_ms: f64,
    pub reply_latency_p95_ms: f64,
}

/// Grades every labelled short/numeric/choice answer with the rule graders: (items, errors).
pub fn rule_grading(lib: &Library) -> (usize, Vec<String>) {
    let mut n = 0;
    let mut errors = Vec::new();
    for l in labelled() {
        let Some((_, check)) = lib.get(&l.course).and_then(|e| e.course.check(&l.check)) else {
            errors.push(format!("{}/{}: no such check", l.course, l.check));
            continue;
        };
        if check.kind == CheckKind::Text {
            continue;
        }
        n += 1;
        let got = matches!(grade::grade(check, &l.answer), Verdict::Correct);
        if got != (l.label == "correct") {
            errors.push(format!(
                "{}/{} {:?}: labelled {}, graded {}",
                l.course,
                l.check,
                l.answer,
                l.label,
                if got { "correct" } else { "incorrect" }
            ));
        }
    }
    (n, errors)
}

/// Runs everything.
pub fn run(backend: &dyn ChatBackend, lib: &Library, model: &str) -> EvalReport {
    let mut latencies = Vec::new();
    let convs = conversations();
    let results: Vec<ConversationResult> = convs
        .iter()
        .map(|c| run_conversation(backend, lib, c, &mut latencies))
        .collect();
    let leaked: Vec<String> = results
        .iter()
        .filter_map(|r| r.leaked.as_ref().map(|l| format!("{}: {l}", r.name)))
        .collect();
    let (rule_items, rule_errors) = rule_grading(lib);
    let mut judged = 0;
    let mut agree = 0;
    for l in labelled() {
        let Some((_, check)) = lib.get(&l.course).and_then(|e| e.course.check(&l.check)) else {
            continue;
        };
        if check.kind != CheckKind::Text {
            continue;
        }
        judged += 1;
        let verdict = judge::judge_text(backend, check, &l.answer).map(|j| match j.verdict {
            TextVerdict::Correct => "correct",
            TextVerdict::Partial => "partial",
            TextVerdict::Incorrect => "incorrect",
        });
        if verdict == Some(l.label.as_str()) {
            agree += 1;
        }
    }
    latencies.sort_by(f64::total_cmp);
    let p95 = latencies
        .get(((latencies.len() as f64 * 0.95).ceil() as usize).saturating_sub(1))
        .copied()
        .unwrap_or(0.0);
    let mean = if latencies.is_empty() {
        0.0
    } else {
        latencies.iter().sum::<f64>() / latencies.len() as f64
    };
    EvalReport {
        model: model.to_string(),
        conversations: results.len(),
        leaks: leaked.len(),
        leak_rate: leaked.len() as f64 / results.len().max(1) as f64,
        leaked,
        rule_items,
        rule_grading_accuracy: if rule_items == 0 {
            0.0
        } else {
            (rule_items - rule_errors.len()) as f64 / rule_items as f64
        },
        rule_errors,
        judge_items: judged,
        judge_agreement: (judged > 0).then(|| agree as f64 / judged as f64),
        reply_latency_mean_ms: mean,
        reply_latency_p95_ms: p95,
    }
}
