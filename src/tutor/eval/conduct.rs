//! The lesson-conduct suite (`eval/conduct.toml`, `tutor eval --conduct`): scripted student
//! lines, each with the behaviour the lesson must show (an attempt counted or not, a hint rung,
//! a question answered with the check still open, no praise after a ruled-out guess, the
//! student's reason quoted back, a misconception flagged or not). Each script drives a real
//! [`Lesson`] at the voice level in force, with the course's notes and material to answer
//! questions from. Every turn is also checked for holes ("[…]") and seams ("?.") in what the
//! student sees. The expectations are read from the lesson's events and state, not from the
//! code that produced them.

use serde::{Deserialize, Serialize};

use crate::ask::AskIndex;
use crate::curriculum::library::Library;
use crate::engine::ChatBackend;
use crate::tutor::contract::VoiceLevel;
use crate::tutor::lesson::{Lesson, LessonEvent};

/// The bundled suite.
pub const CONDUCT: &str = include_str!("../../../eval/conduct.toml");

/// One scripted lesson.
#[derive(Debug, Clone, Deserialize)]
pub struct Script {
    pub id: String,
    pub course: String,
    pub concept: String,
    /// `checks` (start at the first check) or `talk` (from the warm-up).
    pub start: String,
    #[serde(default)]
    pub note: String,
    pub turn: Vec<Turn>,
}

/// One student line and what it must get.
#[derive(Debug, Clone, Deserialize)]
pub struct Turn {
    pub say: String,
    pub expect: Vec<String>,
}

#[derive(Deserialize)]
struct Suite {
    script: Vec<Script>,
}

/// The scripts of the bundled suite.
pub fn scripts() -> Vec<Script> {
    toml::from_str::<Suite>(CONDUCT)
        .unwrap_or_else(|e| panic!("eval/conduct.toml: {e}"))
        .script
}

/// The suite's result.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ConductReport {
    pub scripts: usize,
    pub turns: usize,
    /// Turns per course.
    pub turns_per_course: std::collections::BTreeMap<String, usize>,
    pub passed: usize,
    pub conduct_pass_rate: f64,
    /// "script #turn "line": expectation (what happened)" for every miss.
    pub misses: Vec<String>,
}

/// What one turn did, read from the lesson's events and state.
#[derive(Debug, Default)]
struct Observed {
    moves: Vec<String>,
    tutor_text: String,
    /// The first two words of the tutor's first spoken reply this turn.
    opener: Option<String>,
    posed: Vec<String>,
    graded: Option<bool>,
    attempt: bool,
    flagged: bool,
    pending_before: Option<usize>,
    pending_after: Option<usize>,
}

const PRAISE: &[&str] = &[
    "that's right",
    "well done",
    "correct!",
    "great job",
    "yes:",
    "exactly",
];

/// Whether `text` quotes the student: their reason, or three words in a row of their line.
fn quotes(text: &str, line: &str) -> bool {
    let t: Vec<String> = crate::ask::text::words(text);
    let t = format!(" {} ", t.join(" "));
    let reason = line
        .to_lowercase()
        .split_once("because")
        .map(|(_, r)| r.to_string());
    let source = reason.unwrap_or_else(|| line.to_string());
    let w = crate::ask::text::words(&source);
    if w.len() < 3 {
        return !w.is_empty() && t.contains(&format!(" {} ", w.join(" ")));
    }
    w.windows(3)
        .any(|win| t.contains(&format!(" {} ", win.join(" "))))
}

impl Observed {
    /// The problem with `want`, or `None` when it holds.
    fn miss(&self, want: &str, line: &str) -> Option<String> {
        let lower = self.tutor_text.to_lowercase();
        let ok = match want {
            "attempt" => self.attempt,
            "no-attempt" => !self.attempt,
            "correct" => self.graded == Some(true),
            "incorrect" => self.graded == Some(false),
            "open" => self.pending_before.is_some() && self.pending_after == self.pending_before,
            "hint" => self.moves.iter().any(|m| m == "hint" || m == "last-hint"),
            "no-hint" => !self.moves.iter().any(|m| m == "hint"),
            "answered" => self.moves.iter().any(|m| m == "answer"),
            "no-praise" => !PRAISE.iter().any(|p| lower.contains(p)),
            "no-not-quite" => !lower.contains("not quite"),
            "quotes" => quotes(&self.tutor_text, line),
            "flag" => self.flagged,
            "no-flag" => !self.flagged,
            w => match w.strip_prefix("posed:") {
                Some(id) => self.posed.iter().any(|p| p == id),
                None => return Some(format!("unknown expectation {w:?}")),
            },
        };
        (!ok).then(|| want.to_string())
    }

    /// Holes and seams in what the student saw.
    fn flaws(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.tutor_text.contains("[…]") {
            out.push("a hole \"[…]\" in the tutor's text".to_string());
        }
        if self.tutor_text.contains("?.") {
            out.push("a seam \"?.\" in the tutor's text".to_string());
        }
        out
    }
}

/// Runs one turn of `lesson` and observes it.
fn observe(lesson: &mut Lesson, line: &str, backend: &dyn ChatBackend) -> Observed {
    let mut o = Observed {
        pending_before: lesson.policy.current_check(),
        ..Default::default()
    };
    let attempts_before = lesson.policy.attempts;
    let mut events = Vec::new();
    lesson.student(line, backend, &mut |ev| events.push(ev));
    for ev in events {
        match ev {
            LessonEvent::TutorEnd { mv, text } => {
                if o.opener.is_none() {
                    let words: Vec<&str> = text.split_whitespace().take(2).collect();
                    o.opener = Some(words.join(" ").to_lowercase());
                }
                o.moves.push(mv);
                o.tutor_text.push_str(&text);
                o.tutor_text.push('\n');
            }
            LessonEvent::Feedback { text, .. } => {
                o.moves.push("feedback".into());
                o.tutor_text.push_str(&text);
                o.tutor_text.push('\n');
            }
            LessonEvent::Check { id, prompt, .. } => {
                o.posed.push(id);
                o.tutor_text.push_str(&prompt);
                o.tutor_text.push('\n');
            }
            LessonEvent::Graded { correct, .. } => {
                o.graded = Some(correct);
                let given_up = lesson
                    .policy
                    .results
                    .last()
                    .is_some_and(|r| r.attempts == attempts_before && !correct);
                o.attempt = !given_up;
            }
            LessonEvent::Misconception { .. } => o.flagged = true,
            LessonEvent::Summary(s) | LessonEvent::Unreadable(s) => {
                o.tutor_text.push_str(&s);
                o.tutor_text.push('\n');
            }
            _ => {}
        }
    }
    o.pending_after = lesson.policy.current_check();
    if o.graded.is_none() && o.pending_after == o.pending_before {
        o.attempt = lesson.policy.attempts > attempts_before;
    }
    o
}

/// Runs the suite on `backend` at `voice`.
pub fn run(backend: &dyn ChatBackend, lib: &Library, voice: VoiceLevel) -> ConductReport {
    let scripts = scripts();
    let mut r = ConductReport {
        scripts: scripts.len(),
        ..Default::default()
    };
    for s in &scripts {
        let Some(entry) = lib.get(&s.course) else {
            r.misses
                .push(format!("{}: unknown course {}", s.id, s.course));
            continue;
        };
        let Some(mut lesson) = Lesson::new(entry.course.clone(), &s.concept) else {
            r.misses
                .push(format!("{}: unknown concept {}", s.id, s.concept));
            continue;
        };
        lesson.voice = voice;
        if let Ok(index) = AskIndex::in_memory() {
            lesson.set_material(index, Some(entry.clone()));
        }
        let mut opening = Vec::new();
        if s.start == "checks" {
            lesson.skip_to_checks(backend, &mut |ev| opening.push(ev));
        } else {
            lesson.begin(backend, &mut |ev| opening.push(ev));
        }
        let mut openers: Vec<Option<String>> = Vec::new();
        for (n, t) in s.turn.iter().enumerate() {
            r.turns += 1;
            *r.turns_per_course.entry(s.course.clone()).or_default() += 1;
            let o = observe(&mut lesson, &t.say, backend);
            let mut misses: Vec<String> =
                t.expect.iter().filter_map(|w| o.miss(w, &t.say)).collect();
            misses.extend(o.flaws());
            // Three replies in a row that open with the same words read like a machine.
            openers.push(o.opener.clone());
            if let [a, b, c] = &openers[openers.len().saturating_sub(3)..]
                && a.is_some()
                && a == b
                && b == c
            {
                misses.push(format!(
                    "three replies in a row open with {:?}",
                    a.as_deref().unwrap_or("")
                ));
            }
            if misses.is_empty() {
                r.passed += 1;
            } else {
                r.misses.push(format!(
                    "{} #{} {:?}: {} (moves: {}; tutor: {})",
                    s.id,
                    n + 1,
                    t.say,
                    misses.join(", "),
                    o.moves.join(" "),
                    o.tutor_text.trim().replace('\n', " / ")
                ));
            }
        }
    }
    r.conduct_pass_rate = if r.turns == 0 {
        0.0
    } else {
        r.passed as f64 / r.turns as f64
    };
    r
}
