//! The reply contract every model reply must pass before a student sees it.
//!
//! STUB: this file only fixes the API the lesson uses; the real contract (leaks in every form,
//! claims, grounding, one speaker, shape) replaces it. The stub delegates to the answer-leak
//! [`Guard`] over the pending checks.

use serde::{Deserialize, Serialize};

use super::guard::Guard;
use crate::curriculum::{Check, Concept, Course};

/// How much the model may say in a lesson, measured per model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
pub enum VoiceLevel {
    /// The teacher's text only; the model only classifies and judges.
    #[default]
    Authored = 0,
    /// The teacher's text plus a short model acknowledgement of the student's words.
    Acknowledge = 1,
    /// The model rephrases the teacher's move.
    Rephrase = 2,
    /// Free Socratic replies.
    Free = 3,
}

/// What a reply is checked against.
pub struct ContractInput<'a> {
    pub course: &'a Course,
    pub concept: &'a Concept,
    /// Checks whose answers must not be revealed.
    pub pending: Vec<&'a Check>,
    /// Everything the student has said in this lesson.
    pub student_words: &'a [String],
    pub voice: VoiceLevel,
}

/// One way a reply breaks the contract.
#[derive(Debug, Clone, PartialEq)]
pub enum Violation {
    Leak { check_id: String, form: String },
    Claim { check_id: String },
    Ungrounded { term: String },
    Roleplay { line: String },
    Shape { reason: String },
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Leak { check_id, form } => write!(f, "reveals the answer to {check_id} ({form})"),
            Self::Claim { check_id } => write!(f, "claims an answer to {check_id}"),
            Self::Ungrounded { term } => write!(f, "ungrounded term {term:?}"),
            Self::Roleplay { line } => write!(f, "speaks in another voice: {line:?}"),
            Self::Shape { reason } => write!(f, "shape: {reason}"),
        }
    }
}

/// The contract for one reply.
pub struct ReplyContract {
    guard: Guard,
}

/// Characters held back while streaming (a secret may still be completing).
const HOLD: usize = 12;

impl ReplyContract {
    /// The contract for a reply given `input`.
    pub fn new(input: ContractInput<'_>) -> Self {
        Self {
            guard: Guard::new(input.pending),
        }
    }

    /// Whether `reply` may be shown.
    pub fn check(&self, reply: &str) -> Result<(), Vec<Violation>> {
        match self.guard.leak(reply) {
            Some(check_id) => Err(vec![Violation::Leak {
                check_id,
                form: "text".into(),
            }]),
            None => Ok(()),
        }
    }

    /// How many bytes of a reply still streaming may be shown now.
    pub fn safe_prefix_len(&self, streamed_so_far: &str) -> usize {
        if self.guard.leak(streamed_so_far).is_some() {
            return 0;
        }
        let mut safe = streamed_so_far.len().saturating_sub(HOLD);
        while !streamed_so_far.is_char_boundary(safe) {
            safe -= 1;
        }
        safe
    }

    /// `text` with every pending answer hidden.
    pub fn redact(&self, text: &str) -> String {
        self.guard.redact(text)
    }
}
