//! The Socratic tutor: the lesson policy decides each move; prompts are grounded in the course;
//! answer keys never reach the tutoring prompt; the model only words the move.

pub mod policy;
