//! Ask the course: a student's question answered from the teacher's own material (the course's
//! `material` files, concept notes and glossary), with the source of every part, never invented.
//!
//! - [`passages`]: material files → passages (file, heading, line).
//! - [`index`]: the FTS5 index in the progress database, rebuilt per content hash.
//! - [`retrieve`]: BM25 candidates and the coverage rule that decides "not in the material".
//! - [`answer`]: trimming, withholding during a check, grounded model wording.
//! - [`bench`]: the retrieval benchmark over `eval/ask.toml` (`tutor ask --bench`, `tutor eval`).
//! - [`text`]: words, stems, sentences and numbers.
//!
//! A lesson answers its student's questions (a line starting with [`QUESTION_PREFIX`], or one
//! the lesson reads as a question) through [`answer`], with the concept notes indexed beside the
//! material (`crate::tutor::lesson::material`).

pub mod answer;
pub mod bench;
pub mod index;
pub mod passages;
pub mod retrieve;
pub mod text;

pub use answer::{Answer, Outcome, Part, Source, answer};
pub use index::AskIndex;

use crate::curriculum::material::MaterialError;

/// In plain mode, a line starting with this is a question for the material, not an answer.
pub const QUESTION_PREFIX: &str = "?? ";

/// Why a question could not be answered (not "no answer in the material", which is an
/// [`Outcome`]).
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    #[error(
        "this SQLite was built without full-text search (FTS5), which `tutor ask` needs; \
         use a tutor built with the bundled SQLite (the default)"
    )]
    NoFts5,
    #[error("the material index failed: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error(transparent)]
    Material(#[from] MaterialError),
}

/// The question in a plain-mode line (`"?? why are leaves green"` → `"why are leaves green"`),
/// or `None` when the line is not a question for the material.
pub fn question_in(line: &str) -> Option<&str> {
    let q = line.trim_start().strip_prefix(QUESTION_PREFIX)?.trim();
    (!q.is_empty()).then_some(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_prefix() {
        assert_eq!(question_in("?? why green"), Some("why green"));
        assert_eq!(question_in("  ??   why"), Some("why"));
        assert_eq!(question_in("??"), None);
        assert_eq!(question_in("???"), None);
        assert_eq!(question_in("3/8"), None);
    }
}
