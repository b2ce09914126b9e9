//! The course as a place to look things up during a lesson: a student's question ("what does
//! denominator mean?", or a `?? ` line) is answered from the concept notes, the material files
//! and the glossary through [`crate::ask`], with the answer of the check on screen withheld.
//! Without the course file (a lesson built in code) the notes and glossary are indexed in
//! memory.

use super::Lesson;
use crate::ask::{self, AskIndex};
use crate::curriculum::Check;
use crate::curriculum::library::Entry;
use crate::engine::ChatBackend;

/// The lesson's index of its course, and the course's file when known.
pub struct LessonMaterial {
    pub index: AskIndex,
    pub entry: Option<Entry>,
}

impl Lesson {
    /// Answers questions from `entry`'s notes, material and glossary, indexed in `index`.
    pub fn set_material(&mut self, index: AskIndex, entry: Option<Entry>) {
        self.material = Some(LessonMaterial { index, entry });
    }

    /// The check on screen whose answer is withheld from answers, if any. (In the talk before
    /// the checks a question is answered in full: the concept is what is being taught.)
    pub fn pending_check(&self) -> Option<&Check> {
        self.policy
            .current_check()
            .and_then(|i| self.concept.checks.get(i))
            .filter(|c| self.guard.is_pending(&c.id))
    }

    /// The answer to `question` from the course, as shown to the student (sources included).
    /// Never graded; the check on screen keeps its attempts and hints.
    pub fn answer_question(&mut self, question: &str, backend: &dyn ChatBackend) -> String {
        if self.material.is_none() {
            match AskIndex::in_memory() {
                Ok(index) => self.material = Some(LessonMaterial { index, entry: None }),
                Err(e) => {
                    tracing::warn!(error = %e, "no index for the lesson's questions");
                    return "Your course material cannot be searched just now; ask your teacher."
                        .into();
                }
            }
        }
        let voice = self.voice as u8;
        let pending: Vec<Check> = self.pending_check().cloned().into_iter().collect();
        let pending: Vec<&Check> = pending.iter().collect();
        let backend = (voice >= ask::answer::MODEL_VOICE).then_some(backend);
        let Some(m) = self.material.as_mut() else {
            return "Your course material cannot be searched just now; ask your teacher.".into();
        };
        let ready = match &m.entry {
            Some(entry) => m.index.ensure_entry(entry),
            None => m.index.ensure_course(&self.course),
        };
        let result = ready
            .and_then(|_| ask::answer(&m.index, &self.course, question, &pending, voice, backend));
        match result {
            Ok(a) => a.render_plain(),
            Err(e) => {
                tracing::warn!(error = %e, "ask failed");
                format!("I could not search your course material just now ({e}).")
            }
        }
    }
}
