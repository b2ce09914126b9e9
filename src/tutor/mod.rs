//! The Socratic tutor: the lesson [`policy`] decides each move (pure, unit-tested); [`prompt`]
//! grounds the model in the course and re-states the plan every turn; the reply [`contract`]
//! checks every model reply before a student sees it ([`guard`] is its answer-leak rule for
//! older callers); [`voice`] says how much a model may say, measured per model; [`judge`]
//! grades free text with a grammar; [`lesson`] ties them together for the plain mode and the
//! TUI; [`eval`] measures it, with a detector of its own.

pub mod contract;
pub mod eval;
pub mod guard;
pub mod judge;
pub mod lesson;
pub mod policy;
pub mod prompt;
pub mod voice;
