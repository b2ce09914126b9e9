//! A lesson on one concept: classifies and grades each student line, asks the [`Policy`] for
//! moves, and produces each move's text (the model for conversational moves, the teacher's
//! text for checks, feedback and the summary), streaming it through the answer-leak guard.
//!
//! The lesson owns no I/O: it reports [`LessonEvent`]s; the plain mode and the TUI show them and
//! save them (transcript lines, graded checks) as they happen.

use std::time::Instant;

use super::guard::Guard;
use super::judge::{self, TextVerdict};
use super::policy::{self, Move, Policy, Stage, StudentTurn};
use super::prompt;
use crate::curriculum::grade::{self, Verdict, choice_letter};
use crate::curriculum::{CheckKind, Concept, Course};
use crate::engine::{CacheSlot, ChatBackend, ChatMessage, GenEvent, GenParams, GenRequest};
use crate::srs::Rating;
use crate::store::cards::GradeSource;

/// Everything a lesson reports, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum LessonEvent {
    /// The tutor starts a reply for `mv`.
    TutorStart { mv: String },
    /// A piece of the tutor's reply (already checked by the guard).
    Token(String),
    /// The pieces shown since `TutorStart` are withdrawn (a regenerated reply follows).
    Retract,
    /// The tutor's reply is complete.
    TutorEnd { mv: String, text: String },
    /// A check is posed (show it distinctly).
    Check {
        index: usize,
        id: String,
        prompt: String,
        choices: Vec<String>,
    },
    /// The answer could not be read; nothing was graded.
    Unreadable(String),
    /// A check was graded; record it (`rating`, `source`).
    Graded {
        check_id: String,
        correct: bool,
        rating: Rating,
        source: GradeSource,
        attempts: u32,
        hints_used: u32,
        response_ms: u64,
        answer: Option<String>,
    },
    /// Feedback after a check, with the teacher's explanation.
    Feedback { correct: bool, text: String },
    /// A free-text answer could not be judged: ask the student to rate it 1–4.
    NeedSelfRating { model_answer: String },
    /// A misconception was recognised.
    Misconception { index: usize, belief: String },
    /// The end-of-lesson summary; the lesson is over.
    Summary(String),
}

/// One lesson.
pub struct Lesson {
    pub course: Course,
    pub concept: Concept,
    pub policy: Policy,
    pub guard: Guard,
    history: Vec<ChatMessage>,
    check_started: Option<Instant>,
    last_answer: Option<String>,
    awaiting_self_rating: bool,
    /// Sampling for tutor replies.
    pub params: GenParams,
    /// Tutor-reply latencies (ms to the end of each model reply), for `tutor eval`.
    pub latencies_ms: Vec<f64>,
    /// Set from another thread (Esc in the TUI) to stop the reply being generated.
    pub interrupt: crate::engine::CancelToken,
}

/// Feeds one event out.
pub type Sink<'a> = dyn FnMut(LessonEvent) + 'a;

impl Lesson {
    /// A lesson on `concept_id` of `course`.
    pub fn new(course: Course, concept_id: &str) -> Option<Self> {
        let concept = course.concept(concept_id)?.clone();
        let policy = Policy::new(
            concept.questions.len(),
            concept.checks.iter().map(|c| c.hints.len()).collect(),
        );
        let guard = Guard::new(&concept.checks);
        Some(Self {
            course,
            concept,
            policy,
            guard,
            history: Vec::new(),
            check_started: None,
            last_answer: None,
            awaiting_self_rating: false,
            params: GenParams {
                temperature: 0.6,
                max_tokens: 80,
                repeat_penalty: 1.15,
                ..GenParams::default()
            },
            latencies_ms: Vec::new(),
            interrupt: crate::engine::CancelToken::default(),
        })
    }

    /// Whether the lesson is over.
    pub fn done(&self) -> bool {
        self.policy.done()
    }

    /// Opens the lesson (the warm-up move).
    pub fn begin(&mut self, backend: &dyn ChatBackend, sink: &mut Sink<'_>) {
        let mv = self.policy.start();
        self.perform(&mv, backend, sink);
    }

    /// Skips the talk and starts with the checks (for review-style lessons and evaluation).
    pub fn skip_to_checks(&mut self, backend: &dyn ChatBackend, sink: &mut Sink<'_>) {
        self.policy.stage = Stage::Guided {
            index: usize::MAX - 1,
        };
        self.policy.max_guided = 0;
        let moves = self.policy.on_turn(&StudentTurn::Said {
            misconception: None,
        });
        for mv in moves {
            self.perform(&mv, backend, sink);
        }
    }

    fn topic_words(&self) -> Vec<String> {
        let mut w = policy::content_words(&self.concept.title);
        w.extend(policy::content_words(&self.concept.objective));
        w.extend(policy::content_words(&self.course.title));
        w
    }

    fn match_misconception(&self, backend: &dyn ChatBackend, line: &str) -> Option<usize> {
        let scored = self
            .concept
            .misconceptions
            .iter()
            .enumerate()
            .map(|(i, m)| (i, policy::keyword_overlap(&m.belief, line)))
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
        match scored {
            (i, s) if s >= 0.5 => Some(i),
            (i, s) if s >= 0.25 => {
                judge::expresses_belief(backend, &self.concept.misconceptions[i].belief, line)
                    .filter(|&yes| yes)
                    .map(|_| i)
            }
            _ => None,
        }
    }

    /// Handles one line from the student.
    pub fn student(&mut self, line: &str, backend: &dyn ChatBackend, sink: &mut Sink<'_>) {
        let line = line.trim();
        if line.is_empty() || self.done() {
            return;
        }
        self.history.push(ChatMessage::user(line));
        if self.awaiting_self_rating {
            let Some(rating) = line.parse::<u8>().ok().and_then(Rating::from_u8) else {
                sink(LessonEvent::Unreadable(
                    "Rate your answer from 1 (not at all) to 4 (easy).".into(),
                ));
                return;
            };
            self.awaiting_self_rating = false;
            let correct = rating != Rating::Again;
            return self.conclude_check(
                correct,
                Some(rating),
                GradeSource::SelfRated,
                backend,
                sink,
            );
        }
        let turn = match self.policy.stage {
            Stage::Check { index } => match policy::classify(line, &self.topic_words()) {
                Some(t) => t,
                None => {
                    let check = &self.concept.checks[index];
                    self.last_answer = Some(line.to_string());
                    match grade::grade(check, line) {
                        Verdict::Correct => StudentTurn::Answered {
                            correct: true,
                            misconception: None,
                        },
                        Verdict::Incorrect => {
                            let m = self.match_misconception(backend, line);
                            StudentTurn::Answered {
                                correct: false,
                                misconception: m,
                            }
                        }
                        Verdict::Unreadable(why) => {
                            sink(LessonEvent::Unreadable(why));
                            return;
                        }
                        Verdict::NeedsJudge => match judge::judge_text(backend, check, line) {
                            Some(j) => {
                                if j.verdict == TextVerdict::Partial {
                                    // Partly right: it counts, but as a hard recall.
                                    return self.conclude_check(
                                        true,
                                        Some(Rating::Hard),
                                        GradeSource::Judge,
                                        backend,
                                        sink,
                                    );
                                }
                                if j.verdict == TextVerdict::Correct {
                                    StudentTurn::Answered {
                                        correct: true,
                                        misconception: None,
                                    }
                                } else {
                                    StudentTurn::Answered {
                                        correct: false,
                                        misconception: self.match_misconception(backend, line),
                                    }
                                }
                            }
                            None => {
                                self.awaiting_self_rating = true;
                                sink(LessonEvent::NeedSelfRating {
                                    model_answer: check.answer.clone(),
                                });
                                return;
                            }
                        },
                    }
                }
            },
            _ => match policy::classify(line, &self.topic_words()) {
                Some(StudentTurn::OffTopic) => StudentTurn::OffTopic,
                _ => StudentTurn::Said {
                    misconception: self.match_misconception(backend, line),
                },
            },
        };
        self.guard.student_said(line);
        if let StudentTurn::Said {
            misconception: Some(i),
        }
        | StudentTurn::Answered {
            misconception: Some(i),
            ..
        } = turn
        {
            sink(LessonEvent::Misconception {
                index: i,
                belief: self.concept.misconceptions[i].belief.clone(),
            });
        }
        let source = match self
            .policy
            .current_check()
            .map(|i| self.concept.checks[i].kind)
        {
            Some(CheckKind::Text) => GradeSource::Judge,
            _ => GradeSource::Rule,
        };
        let moves = self.policy.on_turn(&turn);
        self.run_moves(moves, source, backend, sink);
    }

    fn conclude_check(
        &mut self,
        correct: bool,
        rating: Option<Rating>,
        source: GradeSource,
        backend: &dyn ChatBackend,
        sink: &mut Sink<'_>,
    ) {
        let Some(index) = self.policy.current_check() else {
            return;
        };
        self.policy.attempts = self.policy.attempts.max(1);
        let forced = rating;
        let moves = if correct {
            self.policy.on_turn(&StudentTurn::Answered {
                correct: true,
                misconception: None,
            })
        } else {
            self.policy.on_turn(&StudentTurn::GaveUp)
        };
        // A self/partial rating overrides the rule-derived one for this check.
        self.run_moves_with(moves, source, forced.map(|r| (index, r)), backend, sink);
    }

    fn run_moves(
        &mut self,
        moves: Vec<Move>,
        source: GradeSource,
        backend: &dyn ChatBackend,
        sink: &mut Sink<'_>,
    ) {
        self.run_moves_with(moves, source, None, backend, sink);
    }

    fn run_moves_with(
        &mut self,
        moves: Vec<Move>,
        source: GradeSource,
        forced: Option<(usize, Rating)>,
        backend: &dyn ChatBackend,
        sink: &mut Sink<'_>,
    ) {
        for mv in moves {
            if let Move::Feedback { check, correct } = mv {
                let result = self.policy.results.last().cloned().unwrap_or_default();
                let response_ms = self
                    .check_started
                    .map_or(0, |t| t.elapsed().as_millis() as u64);
                let rating = match forced {
                    Some((i, r)) if i == check => r,
                    _ => Rating::from_outcome(
                        correct,
                        result.attempts.max(1),
                        result.hints_used,
                        response_ms,
                    ),
                };
                let c = &self.concept.checks[check];
                sink(LessonEvent::Graded {
                    check_id: c.id.clone(),
                    correct,
                    rating,
                    source,
                    attempts: result.attempts.max(1),
                    hints_used: result.hints_used,
                    response_ms,
                    answer: self.last_answer.take(),
                });
                self.guard.release(&c.id.clone());
            }
            self.perform(&mv, backend, sink);
        }
    }

    fn summary_so_far(&self) -> String {
        let mut parts = Vec::new();
        match self.policy.stage {
            Stage::WarmUp => parts.push("just started".to_string()),
            Stage::Guided { index } => parts.push(format!("guided question {}", index + 1)),
            Stage::Check { index } => parts.push(format!(
                "working on check {} of {}",
                index + 1,
                self.concept.checks.len()
            )),
            Stage::Done => parts.push("finished".to_string()),
        }
        let right = self.policy.results.iter().filter(|r| r.correct).count();
        if !self.policy.results.is_empty() {
            parts.push(format!(
                "{right} of {} checks right",
                self.policy.results.len()
            ));
        }
        if self.policy.hints_used > 0 {
            parts.push(format!(
                "{} hints used on this check",
                self.policy.hints_used
            ));
        }
        parts.join("; ")
    }

    /// Shows the checks' choices in `student`'s stable shuffled order (see
    /// [`crate::curriculum::Check::for_student`]); call once, right after [`Lesson::new`].
    pub fn for_student(mut self, student: &str) -> Self {
        for c in &mut self.concept.checks {
            *c = c.for_student(student);
        }
        self
    }

    /// Produces the text of one move.
    fn perform(&mut self, mv: &Move, backend: &dyn ChatBackend, sink: &mut Sink<'_>) {
        match mv {
            Move::PoseCheck { index } => {
                let c = &self.concept.checks[*index];
                let mut text = c.display_prompt();
                for (i, ch) in c.choices.iter().enumerate() {
                    text.push_str(&format!("\n  {}) {ch}", choice_letter(i)));
                }
                self.check_started = Some(Instant::now());
                self.history.push(ChatMessage::assistant(text.clone()));
                sink(LessonEvent::Check {
                    index: *index,
                    id: c.id.clone(),
                    prompt: c.display_prompt(),
                    choices: c.choices.clone(),
                });
            }
            Move::Feedback { check, correct } => {
                let c = &self.concept.checks[*check];
                let head = if *correct {
                    "That's right, well done!"
                } else {
                    "Not quite this time, and that's okay."
                };
                let body = if c.explanation.is_empty() {
                    format!("The answer: {}.", c.answer)
                } else {
                    c.explanation.clone()
                };
                // This check is answered; the explanation must not give away a later one.
                let text = format!("{head} {}", self.guard.redact(&body));
                self.history.push(ChatMessage::assistant(text.clone()));
                sink(LessonEvent::Feedback {
                    correct: *correct,
                    text,
                });
            }
            Move::Summarize => sink(LessonEvent::Summary(self.summary())),
            _ => {
                let text = self.model_move(mv, backend, sink);
                self.history.push(ChatMessage::assistant(text));
            }
        }
    }

    /// The end-of-lesson summary.
    pub fn summary(&self) -> String {
        let results = &self.policy.results;
        let right: Vec<&str> = results
            .iter()
            .filter(|r| r.correct)
            .map(|r| self.concept.checks[r.index].id.as_str())
            .collect();
        let wrong: Vec<&str> = results
            .iter()
            .filter(|r| !r.correct)
            .map(|r| self.concept.checks[r.index].id.as_str())
            .collect();
        let mut s = format!(
            "Lesson summary: {}. You answered {} of {} checks correctly.",
            self.concept.title,
            right.len(),
            results.len()
        );
        if !wrong.is_empty() {
            s.push_str(&format!(" To review soon: {}.", wrong.join(", ")));
        }
        if !self.policy.misconceptions_met.is_empty() {
            let beliefs: Vec<&str> = self
                .policy
                .misconceptions_met
                .iter()
                .map(|&i| self.concept.misconceptions[i].belief.as_str())
                .collect();
            s.push_str(&format!(" Ideas we worked on: {}", beliefs.join("; ")));
        }
        s
    }

    /// The teacher's own words for a move, used when the model's reply cannot be shown.
    fn fallback(&self, mv: &Move) -> String {
        let text = match mv {
            Move::WarmUp => format!(
                "Let's start {}. What do you already know about it?",
                self.concept.title.to_lowercase()
            ),
            Move::AskGuiding { index } => self
                .concept
                .questions
                .get(*index)
                .cloned()
                .unwrap_or_default(),
            Move::Hint { check, rung } => self.concept.checks[*check]
                .hints
                .get(*rung)
                .cloned()
                .unwrap_or_default(),
            Move::Probe { .. } => {
                "Not quite yet. How did you work that out? Try once more.".to_string()
            }
            Move::AddressMisconception { index } => {
                format!(
                    "Let's look at that idea again: {}",
                    self.concept.misconceptions[*index].response
                )
            }
            Move::Redirect => format!("Let's get back to {}.", self.concept.title.to_lowercase()),
            _ => String::new(),
        };
        self.guard.redact(&text)
    }

    /// Generates a conversational move through the guard: streamed, re-generated once with a
    /// stricter instruction on a leak, then replaced by the teacher's text.
    fn model_move(&mut self, mv: &Move, backend: &dyn ChatBackend, sink: &mut Sink<'_>) -> String {
        let name = mv.name().to_string();
        self.interrupt.reset();
        sink(LessonEvent::TutorStart { mv: name.clone() });
        let Some(instr) = prompt::instruction(&self.concept, mv, &self.guard) else {
            return String::new();
        };
        for strict in [false, true] {
            let msgs = prompt::build(
                &self.course,
                &self.concept,
                &self.guard,
                &self.summary_so_far(),
                &self.history,
                &instr,
                strict,
            );
            let started = Instant::now();
            match self.stream_guarded(backend, msgs, sink) {
                Ok(text) if !text.trim().is_empty() => {
                    self.latencies_ms
                        .push(started.elapsed().as_secs_f64() * 1000.0);
                    sink(LessonEvent::TutorEnd {
                        mv: name,
                        text: text.clone(),
                    });
                    return text;
                }
                Ok(_) => tracing::info!("empty tutor reply; retrying"),
                Err(shown) => {
                    tracing::warn!(strict, "tutor reply would reveal an answer; regenerating");
                    if shown {
                        sink(LessonEvent::Retract);
                    }
                }
            }
        }
        let text = self.fallback(mv);
        sink(LessonEvent::Token(text.clone()));
        sink(LessonEvent::TutorEnd {
            mv: name,
            text: text.clone(),
        });
        text
    }

    /// Streams a reply, emitting only text the guard has checked. `Err(shown)` on a leak
    /// (`shown`: whether some pieces were already emitted).
    fn stream_guarded(
        &self,
        backend: &dyn ChatBackend,
        messages: Vec<ChatMessage>,
        sink: &mut Sink<'_>,
    ) -> Result<String, bool> {
        const HOLD: usize = 12;
        let mut generation = backend.generate(GenRequest {
            messages,
            params: self.params.clone(),
            slot: CacheSlot::Lesson,
        });
        let mut text = String::new();
        let mut shown = 0usize;
        while let Some(ev) = generation.events.blocking_recv() {
            if self.interrupt.is_cancelled() {
                // The student stopped the reply: keep what was checked and shown so far.
                generation.cancel.cancel();
                while generation.events.blocking_recv().is_some() {}
                text.truncate(shown);
                if text.trim().is_empty() {
                    text = "…".into();
                }
                break;
            }
            match ev {
                GenEvent::Token(t) => {
                    text.push_str(&t);
                    if self.guard.leak(&text).is_some() {
                        generation.cancel.cancel();
                        while generation.events.blocking_recv().is_some() {}
                        return Err(shown > 0);
                    }
                    if let Some(q) = text.find('?') {
                        // One question per turn: stop at the first question mark.
                        text.truncate(q + 1);
                        generation.cancel.cancel();
                        while generation.events.blocking_recv().is_some() {}
                        break;
                    }
                    let mut safe = text.len().saturating_sub(HOLD);
                    while !text.is_char_boundary(safe) {
                        safe -= 1;
                    }
                    if safe > shown {
                        sink(LessonEvent::Token(text[shown..safe].to_string()));
                        shown = safe;
                    }
                }
                GenEvent::Done(_) => break,
                GenEvent::Error(e) => {
                    tracing::warn!(error = %e, "tutor reply failed");
                    break;
                }
            }
        }
        if self.guard.leak(&text).is_some() {
            return Err(shown > 0);
        }
        // Trailing whitespace is all that is trimmed, so the shown prefix stays a prefix.
        let end = text.trim_end().len().max(shown);
        if end > shown {
            sink(LessonEvent::Token(text[shown..end].to_string()));
        }
        Ok(text[..end].trim_start().to_string())
    }
}
