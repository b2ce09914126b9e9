//! The answer-leak guard the lesson used before the [`contract`](super::contract): now a thin
//! view of the contract's rule (a) over a set of checks, kept for the code that still calls it
//! (the lesson's prompt redaction). It no longer releases an answer because the student said
//! it: "is it 12 or 15?" unlocks nothing.

use super::contract::leak::{Secret, leaks, redact_spans};
use super::contract::text;
use crate::curriculum::Check;

/// The answers of the checks not yet answered.
pub struct Guard {
    secrets: Vec<Secret>,
    lang: text2num::Language,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.secrets.iter().map(|s| s.check_id.as_str()).collect();
        f.debug_struct("Guard").field("pending", &ids).finish()
    }
}

impl Guard {
    /// A guard over `checks` (English number words).
    pub fn new<'a>(checks: impl IntoIterator<Item = &'a Check>) -> Self {
        let lang = text::language("en");
        Self {
            secrets: checks.into_iter().map(|c| Secret::of(c, &lang)).collect(),
            lang,
        }
    }

    /// Stops guarding a check (answered, or revealed by the lesson itself).
    pub fn release(&mut self, check_id: &str) {
        self.secrets.retain(|s| s.check_id != check_id);
    }

    /// The id of a check whose answer `text` reveals, if any.
    pub fn leak(&self, text: &str) -> Option<String> {
        leaks(&self.secrets, text, &self.lang)
            .into_iter()
            .next()
            .map(|l| l.check_id)
    }

    /// `text` with every pending answer replaced by `[…]`.
    pub fn redact(&self, text: &str) -> String {
        redact_spans(text, &leaks(&self.secrets, text, &self.lang))
    }

    /// Formerly released the answers the student mentioned. A student's guess ("is it 12 or
    /// 15?") releases nothing now; the method stays only so older callers compile.
    pub fn student_said(&mut self, _text: &str) {}

    /// Whether `check_id` is still pending (its answer still protected).
    pub fn is_pending(&self, check_id: &str) -> bool {
        self.secrets.iter().any(|s| s.check_id == check_id)
    }
}
