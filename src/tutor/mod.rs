//! The Socratic tutor: the lesson [`policy`] decides each move (pure, unit-tested); [`intent`]
//! reads each student line; [`misconception`] matches beliefs (negation-aware); [`feedback`]
//! diagnoses wrong answers without the key; [`prompt`] lays prompts out for the KV cache; the
//! reply [`contract`] checks every model reply before a student sees it ([`guard`] is its
//! answer-leak rule, also keeping answer keys out of prompts); [`voice`] says how much a model
//! may say, measured per model; [`judge`] grades free text with a grammar; [`lesson`] ties them
//! together; [`service`] is the one lesson driver the plain mode and the TUI share (saving as it
//! goes); [`eval`] measures it, with a detector of its own.

pub mod contract;
pub mod eval;
pub mod feedback;
pub mod guard;
pub mod ideas;
pub mod intent;
pub mod judge;
pub mod lesson;
pub mod misconception;
pub mod policy;
pub mod prompt;
pub mod service;
pub mod voice;
