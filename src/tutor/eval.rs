//! `tutor eval`: honest measurement of the tutor on the current model.
//!
//! - [`adversarial`]: 100+ distinct adversarial students run through the real lesson; the
//!   model's raw output (before any filter) and everything the student saw (retracted text
//!   included) are judged by [`detector`], which shares no code with the reply contract.
//! - [`calibrate`]: the model against the contract at each voice level; the highest level it
//!   passes is stored per model file ([`crate::tutor::voice`]).
//! - [`reveal`]: the detector on an external labelled set (MRBench), with the baseline.
//! - Rule-grading accuracy and text-judge agreement on the labelled answers.
//!
//! The sets ship in the binary (`eval/*.toml`).

pub mod adversarial;
pub mod calibrate;
pub mod conduct;
pub mod detector;
pub mod judging;
pub mod reveal;

use serde::{Deserialize, Serialize};

use super::contract::VoiceLevel;
use super::judge::{self, TextVerdict};
use crate::curriculum::CheckKind;
use crate::curriculum::grade::{self, Verdict};
use crate::curriculum::library::Library;
use crate::engine::ChatBackend;

pub use adversarial::{Conversation, ConversationResult};

/// The adversarial conversations.
pub const ADVERSARIAL: &str = include_str!("../../eval/adversarial.toml");
/// The labelled answers.
pub const LABELLED: &str = include_str!("../../eval/labelled.toml");

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

/// Runs one conversation at the highest voice level (see [`adversarial::run`]).
pub fn run_conversation(
    backend: &dyn ChatBackend,
    lib: &Library,
    conv: &Conversation,
) -> ConversationResult {
    run_conversation_at(backend, lib, conv, VoiceLevel::Free)
}

/// Runs one conversation with the lesson's voice at `voice` (see [`adversarial::run_at`]).
pub fn run_conversation_at(
    backend: &dyn ChatBackend,
    lib: &Library,
    conv: &Conversation,
    voice: VoiceLevel,
) -> ConversationResult {
    let course = &lib
        .get(&conv.course)
        .unwrap_or_else(|| panic!("eval course {} missing", conv.course))
        .course;
    adversarial::run_at(backend, course, conv, voice)
}

/// What `tutor eval` reports. Rates are shares of replies: `raw_*` of the model's raw
/// replies, the others of the tutor replies the student saw (retracted text included).
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    pub model: String,
    pub conversations: usize,
    pub raw_replies: usize,
    pub raw_leak_attempt_rate: f64,
    pub raw_claim_rate: f64,
    pub raw_roleplay_rate: f64,
    pub raw_ungrounded_rate: f64,
    pub shown_replies: usize,
    pub shown_leak_rate: f64,
    pub false_claim_rate: f64,
    pub roleplay_rate: f64,
    pub ungrounded_rate: f64,
    pub fallback_rate: f64,
    /// The level lessons on this model use (measured, or the config's).
    pub voice_level: u8,
    /// The level the conversations ran at: the level in force, or level 3 when that is 0
    /// (at level 0 the model never words a move, so there would be no raw output to measure).
    pub conversation_voice_level: u8,
    /// The calibration behind it, when this run measured one.
    pub calibration: Option<calibrate::Calibration>,
    /// The intent classifier on the labelled student lines (`eval/intents.toml`), the model
    /// asked where the rules are unsure; `intent_accuracy_rules` is the rules alone.
    pub intent_items: usize,
    pub intent_accuracy: f64,
    pub intent_accuracy_rules: f64,
    /// The misconception matcher on the same lines (the model in the uncertain band).
    pub misconception_f1: f64,
    pub misconception_precision: f64,
    pub misconception_recall: f64,
    /// The misconception rules (as lessons run them) on the held-out labelled belief lines
    /// (`eval/misconceptions.toml`): lines flagged that hold no misconception.
    pub misconception_false_flag_rate: f64,
    /// The free-text judge (the teacher's ideas) on the held-out labelled answers
    /// (`eval/text_answers.toml`), and the wrong answers it judged right.
    pub text_judge_accuracy: f64,
    pub text_judge_items: usize,
    pub text_judge_wrong_judged_right: usize,
    /// Every labelled line the classifier or matcher got wrong ("line: expected → got").
    pub intent_errors: Vec<String>,
    /// Conversations in which the student saw a leak (and the same as a rate).
    pub leaks: usize,
    pub leak_rate: f64,
    /// Everything the detector found, raw and shown.
    pub leaked: Vec<String>,
    pub findings: Vec<String>,
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

/// Agreement of the model judge with the labelled free-text answers: (items, agreeing).
pub fn judge_agreement(backend: &dyn ChatBackend, lib: &Library) -> (usize, usize) {
    let (mut judged, mut agree) = (0, 0);
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
    (judged, agree)
}

/// How much of `tutor eval` to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Run only every n-th conversation (1 or 0: all).
    pub every: usize,
    /// Calibrate the voice level (situations per level; 0: skip).
    pub calibrate: usize,
    /// The voice level in force when not calibrating.
    pub voice_level: u8,
}

fn rate(n: usize, of: usize) -> f64 {
    if of == 0 { 0.0 } else { n as f64 / of as f64 }
}

/// Runs everything with `opts`; `progress` hears each finished conversation.
pub fn run_with(
    backend: &dyn ChatBackend,
    lib: &Library,
    model: &str,
    opts: &Options,
    progress: &mut dyn FnMut(&ConversationResult),
) -> EvalReport {
    let every = opts.every.max(1);
    let convs: Vec<Conversation> = conversations().into_iter().step_by(every).collect();
    let calibration = (opts.calibrate > 0).then(|| calibrate::run(backend, lib, opts.calibrate));
    let in_force = calibration.as_ref().map_or(
        VoiceLevel::from_u8(opts.voice_level).unwrap_or_default(),
        |c| c.level,
    );
    let spoken = if in_force == VoiceLevel::Authored {
        VoiceLevel::Free
    } else {
        in_force
    };
    let mut results = Vec::new();
    for c in &convs {
        let r = run_conversation_at(backend, lib, c, spoken);
        progress(&r);
        results.push(r);
    }
    let sum = |f: fn(&ConversationResult) -> usize| results.iter().map(f).sum::<usize>();
    let raw = sum(|r| r.raw_replies);
    let shown = sum(|r| r.shown_replies);
    let leaked: Vec<String> = results
        .iter()
        .filter(|r| r.shown_leaks > 0)
        .map(|r| {
            let f = r.findings.iter().find(|f| f.starts_with("leak")).cloned();
            format!("{}: {}", r.name, f.unwrap_or_default())
        })
        .collect();
    let findings = results
        .iter()
        .flat_map(|r| r.findings.iter().map(move |f| format!("{}: {f}", r.name)))
        .collect();
    let mut latencies: Vec<f64> = results
        .iter()
        .flat_map(|r| r.latencies_ms.clone())
        .collect();
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
    let (rule_items, rule_errors) = rule_grading(lib);
    let (judge_items, agree) = judge_agreement(backend, lib);
    let labelled = super::intent::labelled_accuracy(lib, Some(backend));
    let beliefs = judging::belief_scores(lib, true);
    let texts = judging::text_judge_scores(lib, true);
    EvalReport {
        model: model.to_string(),
        conversations: results.len(),
        raw_replies: raw,
        raw_leak_attempt_rate: rate(sum(|r| r.raw_leaks), raw),
        raw_claim_rate: rate(sum(|r| r.raw_claims), raw),
        raw_roleplay_rate: rate(sum(|r| r.raw_roleplay), raw),
        raw_ungrounded_rate: rate(sum(|r| r.raw_ungrounded), raw),
        shown_replies: shown,
        shown_leak_rate: rate(sum(|r| r.shown_leaks), shown),
        false_claim_rate: rate(sum(|r| r.false_claims), shown),
        roleplay_rate: rate(sum(|r| r.roleplay), shown),
        ungrounded_rate: rate(sum(|r| r.ungrounded), shown),
        fallback_rate: rate(sum(|r| r.fallbacks), shown),
        voice_level: in_force.as_u8(),
        conversation_voice_level: spoken.as_u8(),
        calibration,
        intent_items: labelled.items,
        intent_accuracy: labelled.intent_accuracy,
        intent_accuracy_rules: labelled.intent_accuracy_rules,
        misconception_f1: labelled.misconception_f1,
        misconception_precision: labelled.misconception_precision,
        misconception_recall: labelled.misconception_recall,
        misconception_false_flag_rate: beliefs.misconception_false_flag_rate,
        text_judge_accuracy: texts.text_judge_accuracy,
        text_judge_items: texts.items,
        text_judge_wrong_judged_right: texts.wrong_judged_right,
        intent_errors: labelled.errors,
        leaks: leaked.len(),
        leak_rate: rate(leaked.len(), results.len()),
        leaked,
        findings,
        rule_items,
        rule_grading_accuracy: rate(rule_items - rule_errors.len().min(rule_items), rule_items),
        rule_errors,
        judge_items,
        judge_agreement: (judge_items > 0).then(|| agree as f64 / judge_items as f64),
        reply_latency_mean_ms: mean,
        reply_latency_p95_ms: p95,
    }
}

/// Runs every conversation, without calibrating (level 0 in force, so the conversations run
/// at level 3).
pub fn run(backend: &dyn ChatBackend, lib: &Library, model: &str) -> EvalReport {
    run_with(backend, lib, model, &Options::default(), &mut |_| {})
}
