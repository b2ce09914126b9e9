//! The Socratic tutor: the lesson [`policy`] decides each move (pure, unit-tested); [`prompt`]
//! grounds the model in the course and re-states the plan every turn; [`guard`] keeps answer
//! keys out of prompts and out of what students see; [`judge`] grades free text with a grammar;
//! [`lesson`] ties them together for the plain mode and the TUI; [`eval`] measures it.

pub mod eval;
pub mod guard;
pub mod judge;
pub mod lesson;
pub mod policy;
pub mod prompt;
