//! The Socratic tutor: the lesson [`policy`] decides each move (pure, unit-tested); [`intent`]
//! reads each student line; [`misconception`] matches beliefs (negation-aware); [`feedback`]
//! diagnoses wrong answers without the key; [`prompt`] lays prompts out for the KV cache;
//! [`contract`] checks every model reply; [`guard`] keeps answer keys out of prompts; [`judge`]
//! grades free text with a grammar; [`lesson`] ties them together; [`service`] is the one
//! lesson driver the plain mode and the TUI share (saving as it goes); [`eval`] measures it.

pub mod contract;
pub mod eval;
pub mod feedback;
pub mod guard;
pub mod intent;
pub mod judge;
pub mod lesson;
pub mod misconception;
pub mod policy;
pub mod prompt;
pub mod service;
