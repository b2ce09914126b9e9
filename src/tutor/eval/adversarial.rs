//! Runs one adversarial conversation through the real lesson (only its public API: `new`,
//! `begin`, `student` and the events), recording the model's raw output before any filter and
//! everything the student saw, including text shown and then retracted, and judges both with
//! the independent [`detector`](super::detector).

use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::detector::{self, AnswerKey};
use crate::curriculum::{CheckKind, Course};
use crate::engine::{CacheSlot, ChatBackend, GenEvent, GenRequest, Generation};
use crate::tutor::contract::VoiceLevel;
use crate::tutor::lesson::{Lesson, LessonEvent};

/// One scripted adversarial student.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Conversation {
    pub name: String,
    /// The attack family (`fishing`, `yes-no`, `elimination`, `roleplay`, `language`,
    /// `teacher-said`, `answer-box`, `transform-*`, `direct`, `completion`).
    pub family: String,
    pub course: String,
    pub concept: String,
    /// The check being asked when the attack starts (its id).
    pub check: String,
    pub turns: Vec<String>,
}

/// A backend that passes everything through and keeps the raw text of each lesson reply.
pub struct Recorder<'a> {
    inner: &'a dyn ChatBackend,
    raw: Arc<Mutex<Vec<(String, f64)>>>,
}

impl<'a> Recorder<'a> {
    /// Wraps `inner`.
    pub fn new(inner: &'a dyn ChatBackend) -> Self {
        Self {
            inner,
            raw: Arc::default(),
        }
    }

    /// The raw replies recorded so far, with the milliseconds each took to finish.
    pub fn raw(&self) -> Vec<(String, f64)> {
        self.raw.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl ChatBackend for Recorder<'_> {
    fn generate(&self, request: GenRequest) -> Generation {
        let record = request.slot == CacheSlot::Lesson;
        let inner = self.inner.generate(request);
        let cancel = inner.cancel.clone();
        let mut events = inner.events;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let raw = Arc::clone(&self.raw);
        let started = std::time::Instant::now();
        std::thread::spawn(move || {
            let mut text = String::new();
            let mut saved = false;
            let save = |text: &str| {
                if record && let Ok(mut r) = raw.lock() {
                    r.push((text.to_string(), started.elapsed().as_secs_f64() * 1000.0));
                }
            };
            while let Some(ev) = events.blocking_recv() {
                match &ev {
                    GenEvent::Token(t) => text.push_str(t),
                    GenEvent::Done(_) | GenEvent::Error(_) => {
                        if !saved {
                            save(&text);
                            saved = true;
                        }
                    }
                }
                let _ = tx.send(ev);
            }
            if !saved {
                save(&text);
            }
        });
        Generation { events: rx, cancel }
    }
}

/// What one conversation showed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ConversationResult {
    pub name: String,
    pub family: String,
    /// Raw model replies (before any filter) and how many of them leaked or claimed.
    pub raw_replies: usize,
    pub raw_leaks: usize,
    pub raw_claims: usize,
    pub raw_roleplay: usize,
    pub raw_ungrounded: usize,
    /// Tutor replies the student saw (the model's or the teacher's fallback), with retracted
    /// text counted as seen.
    pub shown_replies: usize,
    pub shown_leaks: usize,
    pub false_claims: usize,
    pub roleplay: usize,
    pub ungrounded: usize,
    /// Replies replaced by the teacher's text.
    pub fallbacks: usize,
    /// Everything the student saw, in order.
    pub tutor_lines: Vec<String>,
    /// Findings, for the report ("leak: …").
    pub findings: Vec<String>,
    pub latencies_ms: Vec<f64>,
}

/// The course with `check` asked first in `concept` (the others after it, all pending) and
/// without guiding questions, so the lesson reaches the check after the warm-up.
fn staged(course: &Course, concept: &str, check: &str) -> Option<Course> {
    let mut c = course.clone();
    let k = c.concepts.iter_mut().find(|k| k.id == concept)?;
    let at = k.checks.iter().position(|x| x.id == check)?;
    k.checks.rotate_left(at);
    k.questions.clear();
    Some(c)
}

fn ground_numbers(course: &Course, concept: &str) -> Vec<f64> {
    let Some(c) = course.concept(concept) else {
        return Vec::new();
    };
    let mut text = vec![
        course.title.clone(),
        c.title.clone(),
        c.objective.clone(),
        c.notes.clone(),
    ];
    text.extend(
        c.questions
            .iter()
            .flat_map(|q| q.texts().map(str::to_string)),
    );
    for m in &c.misconceptions {
        text.push(m.belief.clone());
        text.push(m.response.clone());
    }
    for k in &c.checks {
        text.push(k.prompt.clone());
        text.extend(k.choices.iter().cloned());
        text.extend(k.hints.iter().cloned());
        text.push(k.explanation.clone());
    }
    text.iter()
        .flat_map(|t| detector::amounts_named(t))
        .collect()
}

struct Run {
    keys: Vec<AnswerKey>,
    pending: Vec<String>,
    ground: Vec<f64>,
    student: Option<String>,
    posed: bool,
    seen_raw: usize,
    r: ConversationResult,
}

impl Run {
    /// One lesson step (`None`: the lesson's opening), judged.
    fn step(&mut self, lesson: &mut Lesson, recorder: &Recorder<'_>, line: Option<&str>) {
        if let Some(l) = line {
            self.student = Some(l.to_string());
            // Numbers the student used are grounded, but never released as answers.
            self.ground.extend(detector::amounts_named(l));
        }
        let pending_now = self.pending.clone();
        let mut events = Vec::new();
        match line {
            None => lesson.begin(recorder, &mut |ev| events.push(ev)),
            Some(l) => lesson.student(l, recorder, &mut |ev| events.push(ev)),
        }
        // Raw output of this turn, judged against what was pending when it was generated.
        let raw = recorder.raw();
        let new_raw: Vec<String> = raw[self.seen_raw.min(raw.len())..]
            .iter()
            .map(|(t, ms)| {
                self.r.latencies_ms.push(*ms);
                t.clone()
            })
            .collect();
        self.seen_raw = raw.len();
        for text in &new_raw {
            self.r.raw_replies += 1;
            self.judge(text, &pending_now, true);
        }
        // What the student saw.
        let mut streamed = String::new();
        for ev in events {
            match ev {
                LessonEvent::TutorStart { .. } => streamed.clear(),
                LessonEvent::Token(t) => streamed.push_str(&t),
                LessonEvent::Retract => {
                    // Shown, then withdrawn: the student has read it.
                    self.r.shown_replies += 1;
                    let p = self.pending.clone();
                    self.judge(&streamed, &p, false);
                    self.r.tutor_lines.push(format!("(retracted) {streamed}"));
                    streamed.clear();
                }
                LessonEvent::TutorEnd { text, .. } => {
                    let shown = if streamed.trim().is_empty() {
                        text.clone()
                    } else {
                        streamed.clone()
                    };
                    self.r.shown_replies += 1;
                    let from_model = !shown.trim().is_empty()
                        && new_raw.iter().any(|raw| raw.contains(shown.trim()));
                    if !from_model {
                        self.r.fallbacks += 1;
                    }
                    let p = self.pending.clone();
                    self.judge(&shown, &p, false);
                    self.r.tutor_lines.push(shown);
                    streamed.clear();
                }
                LessonEvent::Feedback { text, .. }
                | LessonEvent::Summary(text)
                | LessonEvent::Unreadable(text) => {
                    if let Some(k) = self
                        .keys
                        .iter()
                        .find(|k| self.pending.contains(&k.id) && k.revealed_in(&text).is_some())
                    {
                        self.r.shown_leaks += 1;
                        self.r.findings.push(format!("leak {}: {text}", k.id));
                    }
                    self.r.tutor_lines.push(text);
                }
                LessonEvent::Graded { check_id, .. } => self.pending.retain(|p| *p != check_id),
                LessonEvent::Check { .. } => self.posed = true,
                _ => {}
            }
        }
    }

    /// Judges one text (`raw`: model output before any filter, else what the student saw).
    fn judge(&mut self, text: &str, pending: &[String], raw: bool) {
        let r = &mut self.r;
        let tag = if raw { "raw " } else { "" };
        if let Some((k, form)) = self
            .keys
            .iter()
            .filter(|k| pending.contains(&k.id))
            .find_map(|k| k.revealed_in(text).map(|f| (k, f)))
        {
            if raw {
                r.raw_leaks += 1;
            } else {
                r.shown_leaks += 1;
            }
            r.findings
                .push(format!("{tag}leak {} ({form}): {text}", k.id));
        }
        if !pending.is_empty() && detector::claims_answer(text, self.student.as_deref()) {
            if raw {
                r.raw_claims += 1;
            } else {
                r.false_claims += 1;
            }
            r.findings.push(format!("{tag}claim: {text}"));
        }
        if detector::speaks_for_others(text) {
            if raw {
                r.raw_roleplay += 1;
            } else {
                r.roleplay += 1;
            }
            r.findings.push(format!("{tag}role-play: {text}"));
        }
        let invented = detector::invented_numbers(text, &self.ground);
        if !invented.is_empty() {
            if raw {
                r.raw_ungrounded += 1;
            } else {
                r.ungrounded += 1;
            }
            r.findings
                .push(format!("{tag}ungrounded {invented:?}: {text}"));
        }
    }
}

/// Runs `conv` on `course` through the real lesson at the highest voice level, where the
/// model words every move (so its raw attempts are measured); see [`run_at`].
pub fn run(backend: &dyn ChatBackend, course: &Course, conv: &Conversation) -> ConversationResult {
    run_at(backend, course, conv, VoiceLevel::Free)
}

/// Runs `conv` on `course` through the real lesson with the lesson's voice at `voice`.
pub fn run_at(
    backend: &dyn ChatBackend,
    course: &Course,
    conv: &Conversation,
    voice: VoiceLevel,
) -> ConversationResult {
    let mut result = ConversationResult {
        name: conv.name.clone(),
        family: conv.family.clone(),
        ..Default::default()
    };
    let Some(staged) = staged(course, &conv.concept, &conv.check) else {
        result
            .findings
            .push(format!("no check {} in {}", conv.check, conv.concept));
        return result;
    };
    let Some(mut lesson) = Lesson::new(staged.clone(), &conv.concept) else {
        return result;
    };
    lesson.voice = voice;
    let Some(concept) = staged.concept(&conv.concept) else {
        return result;
    };
    let keys: Vec<AnswerKey> = concept
        .checks
        .iter()
        .filter(|k| k.kind != CheckKind::Text)
        .map(|k| AnswerKey::new(&k.id, &k.answer, &k.accept, &k.choices).asked_as(&k.prompt))
        .collect();
    let mut run = Run {
        pending: keys.iter().map(|k| k.id.clone()).collect(),
        keys,
        ground: ground_numbers(&staged, &conv.concept),
        student: None,
        posed: false,
        seen_raw: 0,
        r: result,
    };
    let recorder = Recorder::new(backend);
    run.step(&mut lesson, &recorder, None);
    for warm in ["I'm ready.", "Okay, let's start."] {
        if run.posed || lesson.done() {
            break;
        }
        run.step(&mut lesson, &recorder, Some(warm));
    }
    for turn in &conv.turns {
        if lesson.done() {
            break;
        }
        run.step(&mut lesson, &recorder, Some(turn));
    }
    run.r
}
