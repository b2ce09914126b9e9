//! A lesson on one concept: reads each student line ([`intent`](super::intent)), grades answer
//! attempts and diagnoses wrong ones ([`feedback`](super::feedback)), matches misconceptions
//! ([`misconception`](super::misconception)), asks the [`Policy`] for moves, and speaks each
//! move ([`speak`]) at the lesson's [`VoiceLevel`]: the teacher's words ([`authored`]), or model
//! words checked by the [`ReplyContract`]. [`summary`] writes the end-of-lesson summary.
//!
//! The lesson owns no I/O: it reports [`LessonEvent`]s. The [`service`](super::service) saves
//! them and is what the plain mode and the TUI drive.

pub mod authored;
pub mod material;
mod reading;
pub mod speak;
pub mod summary;

use std::time::Instant;

use super::contract::{ContractInput, ReplyContract, VoiceLevel};
use super::guard::Guard;
use super::policy::{Move, Policy, Stage, StudentTurn};
use super::prompt::{self, Conversation};
use crate::curriculum::{CheckKind, Concept, Course};
use crate::engine::{ChatBackend, GenParams};
use crate::srs::Rating;
use crate::store::cards::GradeSource;

pub use speak::ReplyTrace;

/// Everything a lesson reports, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum LessonEvent {
    /// The tutor starts a reply for `mv`.
    TutorStart { mv: String },
    /// A piece of the tutor's reply (already checked by the reply contract).
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
    /// The checks still pending (answered checks are released).
    pub guard: Guard,
    /// How much the model may say (set by the front ends from the model's calibration).
    pub voice: VoiceLevel,
    /// Ask the model to label lines the rules are not sure about.
    pub model_intents: bool,
    /// Let the model judge free-text answers the teacher's ideas cannot decide (only where its
    /// measured agreement allows; otherwise the student rates their own answer).
    pub model_judge: bool,
    /// The course's notes, material and glossary, for the student's questions.
    material: Option<material::LessonMaterial>,
    /// The student's last line, quoted back in their own words.
    last_line: Option<String>,
    /// Per guiding question, which of its expected ideas the student has said so far (a reply
    /// to a follow-up adds to what the first reply said).
    ideas_said: Vec<Vec<bool>>,
    /// The answer to the question the student just asked.
    question_answer: Option<String>,
    conversation: Conversation,
    student_words: Vec<String>,
    check_started: Option<Instant>,
    last_answer: Option<String>,
    last_reason: Option<String>,
    diagnosis: Option<String>,
    awaiting_self_rating: bool,
    /// Sampling for tutor replies.
    pub params: GenParams,
    /// Tutor-reply latencies (ms to the end of each model reply), for `tutor eval`.
    pub latencies_ms: Vec<f64>,
    /// Every model reply made (prompt, what was kept, engine stats).
    pub replies: Vec<ReplyTrace>,
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
        )
        .with_expects(
            concept
                .questions
                .iter()
                .map(|q| !q.expect.is_empty())
                .collect(),
        )
        .with_choices(
            concept
                .checks
                .iter()
                .map(|c| {
                    if c.kind == CheckKind::Choice {
                        c.choices.len()
                    } else {
                        0
                    }
                })
                .collect(),
        );
        let ideas_said = concept
            .questions
            .iter()
            .map(|q| vec![false; q.expect.len()])
            .collect();
        let guard = Guard::new(&concept.checks);
        let all = Guard::new(&concept.checks);
        let system = prompt::system(&course, &concept, &|s| all.redact(s));
        Some(Self {
            course,
            concept,
            policy,
            guard,
            voice: VoiceLevel::default(),
            model_intents: false,
            model_judge: false,
            material: None,
            last_line: None,
            ideas_said,
            question_answer: None,
            conversation: Conversation::new(system),
            student_words: Vec::new(),
            check_started: None,
            last_answer: None,
            last_reason: None,
            diagnosis: None,
            awaiting_self_rating: false,
            params: GenParams {
                temperature: 0.6,
                max_tokens: 80,
                repeat_penalty: 1.15,
                ..GenParams::default()
            },
            latencies_ms: Vec::new(),
            replies: Vec::new(),
            interrupt: crate::engine::CancelToken::default(),
        })
    }

    /// Whether the lesson is over.
    pub fn done(&self) -> bool {
        self.policy.done()
    }

    /// The conversation as the model sees it (system message excluded).
    pub fn conversation(&self) -> &Conversation {
        &self.conversation
    }

    /// Opens the lesson (the warm-up move).
    pub fn begin(&mut self, backend: &dyn ChatBackend, sink: &mut Sink<'_>) {
        let mv = self.policy.start();
        self.perform(&mv, backend, sink);
    }

    /// Skips the talk and starts with the checks (for review-style lessons and evaluation).
    pub fn skip_to_checks(&mut self, backend: &dyn ChatBackend, sink: &mut Sink<'_>) {
        let moves = self.policy.skip_to_checks();
        for mv in moves {
            self.perform(&mv, backend, sink);
        }
    }

    fn contract(&self) -> ReplyContract {
        let pending = self
            .concept
            .checks
            .iter()
            .filter(|c| self.guard.is_pending(&c.id))
            .collect();
        ReplyContract::new(ContractInput {
            course: &self.course,
            concept: &self.concept,
            pending,
            student_words: &self.student_words,
            voice: self.voice,
        })
    }

    /// Handles one line from the student.
    pub fn student(&mut self, line: &str, backend: &dyn ChatBackend, sink: &mut Sink<'_>) {
        let line = line.trim();
        if line.is_empty() || self.done() {
            return;
        }
        self.conversation.student(line);
        self.student_words.push(line.to_string());
        self.last_line = Some(line.to_string());
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
            Stage::Check { index } => match self.check_turn(index, line, backend, sink) {
                Some(t) => t,
                None => return,
            },
            _ => self.talk_turn(line, backend),
        };
        if let StudentTurn::Said {
            misconception: Some(i),
        }
        | StudentTurn::Replied {
            misconception: Some(i),
            ..
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
        if turn == StudentTurn::Question {
            self.question_answer = Some(self.answer_question(line, backend));
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
        self.run_moves(moves, source, None, backend, sink);
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
        let moves = if correct {
            self.policy.on_turn(&StudentTurn::Answered {
                correct: true,
                misconception: None,
            })
        } else {
            self.policy.on_turn(&StudentTurn::GaveUp)
        };
        // A self/partial rating overrides the rule-derived one for this check.
        self.run_moves(moves, source, rating.map(|r| (index, r)), backend, sink);
    }

    fn run_moves(
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
                self.check_started = Some(Instant::now());
                self.diagnosis = None;
                self.last_reason = None;
                self.conversation.tutor(&authored::check_text(c));
                sink(LessonEvent::Check {
                    index: *index,
                    id: c.id.clone(),
                    prompt: c.display_prompt(),
                    choices: c.choices.clone(),
                });
            }
            Move::Feedback { check, correct } => {
                let reason = self.last_reason.take();
                let text =
                    authored::feedback(&self.concept.checks[*check], *correct, reason.as_deref());
                self.conversation.tutor(&text);
                sink(LessonEvent::Feedback {
                    correct: *correct,
                    text,
                });
            }
            Move::Summarize => sink(LessonEvent::Summary(self.summary())),
            _ => self.speak(mv, backend, sink),
        }
    }

    /// The end-of-lesson summary.
    pub fn summary(&self) -> String {
        summary::summary(
            &self.concept,
            &self.policy.results,
            &self.policy.posed,
            &self.policy.misconceptions_met,
        )
    }

    /// The authored text of a spoken move (what level 0 shows, and every fallback): the
    /// teacher's words as written, the student's own words quoted back as said.
    fn authored(&self, mv: &Move) -> String {
        authored::text(
            &self.concept,
            mv,
            &authored::Said {
                line: self.last_line.as_deref(),
                reason: self.last_reason.as_deref(),
                diagnosis: self.diagnosis.as_deref(),
                attempts: self.policy.attempts,
                answer: self.question_answer.as_deref(),
            },
        )
    }

    /// Speaks a conversational move at the lesson's voice level.
    fn speak(&mut self, mv: &Move, backend: &dyn ChatBackend, sink: &mut Sink<'_>) {
        let name = mv.name().to_string();
        self.interrupt.reset();
        sink(LessonEvent::TutorStart { mv: name.clone() });
        let contract = self.contract();
        let authored = self.authored(mv);
        let instr = prompt::instruction(
            &self.concept,
            mv,
            self.voice,
            &authored,
            self.diagnosis.as_deref(),
        );
        let Some(instr) = instr else {
            sink(LessonEvent::Token(authored.clone()));
            self.conversation.tutor(&authored);
            sink(LessonEvent::TutorEnd {
                mv: name,
                text: authored,
            });
            return;
        };
        let messages = self.conversation.prompt(&instr);
        let speech = speak::Speech {
            backend,
            params: &self.params,
            interrupt: &self.interrupt,
            contract: &contract,
            voice: self.voice,
        };
        let (model, mut trace, latency, stopped) = speech.model_reply(messages, sink);
        let text = match (model, stopped) {
            (Some(m), _) if self.voice == VoiceLevel::Acknowledge => {
                sink(LessonEvent::Token(format!(" {authored}")));
                format!("{m} {authored}")
            }
            (Some(m), _) => m,
            (None, Some(shown)) => {
                // Stopped by the student: what was shown stays on screen; the conversation
                // keeps the teacher's move, never the cut-off text.
                trace.committed = authored.clone();
                self.conversation.commit(&instr, &authored);
                self.replies.push(trace);
                let shown = if shown.trim().is_empty() {
                    "…".to_string()
                } else {
                    shown
                };
                sink(LessonEvent::TutorEnd {
                    mv: name,
                    text: shown,
                });
                return;
            }
            (None, None) => {
                trace.fell_back = true;
                sink(LessonEvent::Token(authored.clone()));
                authored
            }
        };
        self.latencies_ms.push(latency);
        trace.committed = text.clone();
        self.conversation.commit(&instr, &text);
        self.replies.push(trace);
        sink(LessonEvent::TutorEnd { mv: name, text });
    }
}
