//! `tutor bench`'s lesson scenario: the real lesson driver ([`Lesson`]) on a bundled course, with a
//! scripted student for twelve turns (talk that shows a misconception, guided questions, a wrong
//! answer, hint requests, right answers, an off-topic line, a free-text answer), through a
//! [`Recording`] backend that keeps every request's [`GenStats`] and cache slot.
//!
//! Per student turn it reports the lesson-slot prompt tokens, the tokens actually prefilled and
//! reused, the tokens *new* in that turn, and the time from the student's line to the first thing
//! shown. "New" is measured without the engine's cache logic: the lesson prompt's messages are
//! compared with the previous lesson request and its reply (whole messages first, then lines of
//! longer messages), the text that was already there is kept, and the model's tokenizer counts
//! what the rest adds. An ideal cache decodes only those tokens, whatever the prompt layout.

use std::collections::HashMap;
use std::time::Instant;

use serde::Serialize;

use crate::curriculum::library::Library;
use crate::engine::record::{Call, Recording};
use crate::engine::{CacheSlot, ChatMessage, EngineError, EngineHandle};
use crate::tutor::contract::VoiceLevel;
use crate::tutor::lesson::{Lesson, LessonEvent};

/// The bundled course and concept the scenario teaches.
pub const COURSE: &str = "fractions";
pub const CONCEPT: &str = "numerator-denominator";

/// The student's lines, one per turn (the comment says what each is meant to exercise on the
/// current lesson policy; what actually happened is in the report's `moves`).
pub const SCRIPT: [&str; 12] = [
    // warm-up talk that states the concept's misconception
    "I think the top number is the total number of parts.",
    // guided questions
    "Oh, the bottom one says how many equal pieces the whole is cut into.",
    "The 5 tells how many pieces the whole was cut into.",
    "Each piece gets smaller when the bottom number gets bigger.",
    // first check (choice): a wrong answer, a hint, the right answer
    "a",
    "hint",
    "b",
    // off topic during the second check, then wrong and right answers
    "Can we play a football game instead?",
    "6",
    "5",
    // third check (free text): a hint, then an answer in the student's own words
    "I'm stuck",
    "It is the number at the bottom that counts how many equal parts there are.",
];

/// The prefill goal of issue 12: after turn 1, prefill ≤ this × the tokens new in the turn.
pub const PREFILL_GOAL: f64 = 1.3;

/// One student turn.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TurnReport {
    pub turn: usize,
    pub student: String,
    /// The tutor's moves, in order (model replies and the teacher's own texts).
    pub moves: Vec<String>,
    pub lesson_calls: usize,
    pub aux_calls: usize,
    /// Prompt tokens of the turn's last lesson-slot request (0: no model reply this turn).
    pub prompt_tokens: usize,
    /// Tokens decoded for the turn's lesson-slot requests.
    pub prefill_tokens: usize,
    /// Tokens found in the lesson slot's cache.
    pub reused_tokens: usize,
    /// Tokens new in the turn's lesson-slot requests (see the module docs).
    pub new_tokens: usize,
    /// Tokens decoded for judge/classifier requests.
    pub aux_prefill_tokens: usize,
    /// From the student's line to the first thing shown (tutor text, a check, feedback).
    pub ttft_ms: f64,
    /// The engine's own time to first token for the turn's first lesson-slot reply.
    pub engine_ttft_ms: Option<f64>,
}

/// The whole scenario.
#[derive(Debug, Clone, Serialize)]
pub struct LessonBench {
    /// The voice level the lesson ran at.
    pub voice_level: u8,
    /// The cache was emptied before every turn.
    pub cold: bool,
    pub course: String,
    pub concept: String,
    /// The opening move (before the student says anything).
    pub open: TurnReport,
    pub turns: Vec<TurnReport>,
    /// Reused / prompt tokens over all lesson-slot requests of turns 1–12.
    pub reused_ratio: f64,
    /// Turns 2–12 with a model reply all prefilled ≤ [`PREFILL_GOAL`] × their new tokens.
    pub prefill_goal_met: bool,
    /// Peak resident memory of the process during the lesson, in MiB (None: not measurable).
    pub peak_rss_mb: Option<f64>,
}

/// Why the scenario could not run.
#[derive(Debug, thiserror::Error)]
pub enum LessonBenchError {
    #[error("the bundled course {c:?} has no concept {k:?}", c = COURSE, k = CONCEPT)]
    NoCourse,
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Runs the scenario on `engine` (a model must be loaded); clears its cache first.
/// The lesson runs at `voice`; with `cold` the cache is emptied before every turn.
pub fn run(
    engine: &EngineHandle,
    voice: VoiceLevel,
    cold: bool,
) -> Result<LessonBench, LessonBenchError> {
    let course = Library::load(None, &[])
        .get(COURSE)
        .map(|e| e.course.clone())
        .ok_or(LessonBenchError::NoCourse)?;
    let mut lesson = Lesson::new(course, CONCEPT).ok_or(LessonBenchError::NoCourse)?;
    lesson.voice = voice;
    engine.clear_cache();
    reset_peak_rss();
    let backend = Recording::new(engine.clone());
    let mut steps = Vec::with_capacity(SCRIPT.len() + 1);
    steps.push(step(&backend, 0, "", |sink| lesson.begin(&backend, sink)));
    for (i, line) in SCRIPT.iter().enumerate() {
        if cold {
            engine.clear_cache();
        }
        steps.push(step(&backend, i + 1, line, |sink| {
            lesson.student(line, &backend, sink)
        }));
    }
    let peak_rss_mb = peak_rss_mb();
    let calls = backend.calls();
    let mut reports = Vec::with_capacity(steps.len());
    let mut prev_lesson: Option<&Call> = None;
    for (k, s) in steps.iter().enumerate() {
        let end = steps.get(k + 1).map_or(calls.len(), |n| n.first_call);
        let mut r = s.report.clone();
        for c in &calls[s.first_call..end] {
            let Some(stats) = &c.stats else { continue };
            if c.slot == CacheSlot::Aux {
                r.aux_calls += 1;
                r.aux_prefill_tokens += stats.prefill_tokens;
                continue;
            }
            r.lesson_calls += 1;
            r.prompt_tokens = stats.prompt_tokens;
            r.prefill_tokens += stats.prefill_tokens;
            r.reused_tokens += stats.reused_tokens;
            r.engine_ttft_ms.get_or_insert(stats.ttft_ms);
            r.new_tokens += new_tokens(engine, prev_lesson, c)?;
            prev_lesson = Some(c);
        }
        reports.push(r);
    }
    let open = reports.remove(0);
    let (reused, prompt) = reports.iter().fold((0, 0), |(a, b), t| {
        (a + t.reused_tokens, b + t.prefill_tokens + t.reused_tokens)
    });
    let prefill_goal_met = reports.iter().skip(1).all(|t| {
        t.lesson_calls == 0 || t.prefill_tokens as f64 <= PREFILL_GOAL * t.new_tokens as f64
    });
    Ok(LessonBench {
        voice_level: voice.as_u8(),
        cold,
        course: COURSE.into(),
        concept: CONCEPT.into(),
        open,
        turns: reports,
        reused_ratio: if prompt == 0 {
            0.0
        } else {
            reused as f64 / prompt as f64
        },
        prefill_goal_met,
        peak_rss_mb,
    })
}

struct Step {
    first_call: usize,
    report: TurnReport,
}

/// Runs one turn, timing the first visible output and noting the moves.
fn step(
    backend: &Recording<EngineHandle>,
    turn: usize,
    line: &str,
    f: impl FnOnce(&mut dyn FnMut(LessonEvent)),
) -> Step {
    let first_call = backend.len();
    let started = Instant::now();
    let mut first = None;
    let mut moves = Vec::new();
    let mut sink = |ev: LessonEvent| {
        let shown = match &ev {
            LessonEvent::TutorStart { mv } => {
                moves.push(mv.clone());
                false
            }
            LessonEvent::Check { .. } => {
                moves.push("pose-check".into());
                true
            }
            LessonEvent::Feedback { .. } => {
                moves.push("feedback".into());
                true
            }
            LessonEvent::Summary(_) => {
                moves.push("summarize".into());
                true
            }
            LessonEvent::Token(_)
            | LessonEvent::NeedSelfRating { .. }
            | LessonEvent::Unreadable(_) => true,
            LessonEvent::Retract
            | LessonEvent::TutorEnd { .. }
            | LessonEvent::Graded { .. }
            | LessonEvent::Misconception { .. } => false,
        };
        if shown && first.is_none() {
            first = Some(started.elapsed().as_secs_f64() * 1000.0);
        }
    };
    f(&mut sink);
    Step {
        first_call,
        report: TurnReport {
            turn,
            student: line.to_string(),
            moves,
            ttft_ms: first.unwrap_or_else(|| started.elapsed().as_secs_f64() * 1000.0),
            ..TurnReport::default()
        },
    }
}

/// The tokens of `call`'s prompt that were neither in the previous lesson request nor in its
/// reply: the prompt's token count minus that of the prompt with only the old text left.
fn new_tokens(
    engine: &EngineHandle,
    prev: Option<&Call>,
    call: &Call,
) -> Result<usize, EngineError> {
    let total = engine.count_prompt_tokens(call.messages.clone())?;
    let Some(prev) = prev else {
        return Ok(total);
    };
    let old = old_part(&prev.messages, &prev.text, &call.messages);
    let kept = engine.count_prompt_tokens(old)?;
    Ok(total.saturating_sub(kept))
}

/// `messages` with everything that is new since `prev_messages` + `prev_reply` removed: a message
/// equal to an earlier one (or to a prefix of the previous reply) stays whole; in a longer message
/// only the lines seen before stay; a one-line message never seen before goes. Old text is
/// counted as often as it was there: a line seen once and now present twice (a check posed
/// again) is old once and new once, since a cache can only reuse what it holds.
fn old_part(
    prev_messages: &[ChatMessage],
    prev_reply: &str,
    messages: &[ChatMessage],
) -> Vec<ChatMessage> {
    let mut unmatched: Vec<&ChatMessage> = prev_messages.iter().collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for l in prev_messages
        .iter()
        .flat_map(|m| m.content.lines())
        .chain(prev_reply.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        *seen.entry(l).or_default() += 1;
    }
    let reply = prev_reply.trim();
    // Whole messages first, so that their lines are not also spent on partial matches.
    let whole: Vec<bool> = messages
        .iter()
        .map(|m| {
            if let Some(i) = unmatched.iter().position(|p| *p == m) {
                unmatched.remove(i);
                return true;
            }
            let content = m.content.trim();
            m.role == crate::engine::Role::Assistant
                && !content.is_empty()
                && reply.starts_with(content)
        })
        .collect();
    for m in messages.iter().zip(&whole).filter(|(_, w)| **w) {
        for l in m.0.content.lines().map(str::trim) {
            if let Some(n) = seen.get_mut(l) {
                *n = n.saturating_sub(1);
            }
        }
    }
    let mut out = Vec::new();
    for (m, whole) in messages.iter().zip(whole) {
        if whole {
            out.push(m.clone());
            continue;
        }
        if m.content.trim().lines().count() < 2 {
            continue;
        }
        let kept: Vec<&str> = m
            .content
            .lines()
            .filter(|l| match seen.get_mut(l.trim()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    true
                }
                _ => false,
            })
            .collect();
        if !kept.is_empty() {
            out.push(ChatMessage {
                role: m.role,
                content: kept.join("\n"),
            });
        }
    }
    out
}

/// Resets the process's peak resident memory (Linux: `5` to /proc/self/clear_refs), so the peak
/// read afterwards is the lesson's.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's peak resident memory in MiB: the `VmHWM` line of /proc/self/status (a single
/// "name: value kB" field of the kernel's, read directly rather than through a crate).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_part_keeps_repeated_messages_and_old_lines_only() {
        let sys_before = ChatMessage::system("Rules: ask.\nNotes: halves.\nLesson so far: start");
        let sys_now = ChatMessage::system("Rules: ask.\nNotes: halves.\nLesson so far: check 1");
        let prev = vec![sys_before, ChatMessage::user("hint")];
        let now = vec![
            sys_now,
            ChatMessage::user("hint"),
            ChatMessage::assistant("What is the bottom number?"),
            ChatMessage::user("hint"),
        ];
        let old = old_part(&prev, "What is the bottom number? It is", &now);
        assert_eq!(
            old,
            vec![
                ChatMessage::system("Rules: ask.\nNotes: halves."),
                ChatMessage::user("hint"),
                ChatMessage::assistant("What is the bottom number?"),
            ]
        );
    }

    #[test]
    fn a_line_seen_once_is_old_only_once() {
        let check = "Which number is the denominator?\nA) 3\nB) 5";
        let prev = vec![
            ChatMessage::system("Rules: ask."),
            ChatMessage::assistant(check),
        ];
        let now = vec![
            ChatMessage::system("Rules: ask."),
            ChatMessage::assistant(check),
            ChatMessage::user("football?"),
            ChatMessage::assistant(format!("Let's stay on fractions.\n{check}")),
        ];
        let old = old_part(&prev, "", &now);
        assert_eq!(
            old,
            vec![
                ChatMessage::system("Rules: ask."),
                ChatMessage::assistant(check),
            ]
        );
    }

    #[test]
    fn peak_rss_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            let mb = peak_rss_mb().expect("VmHWM in /proc/self/status");
            assert!(mb > 1.0 && mb < 1.0e6, "{mb}");
        }
    }
}
