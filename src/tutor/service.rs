//! The one lesson driver that the TUI, the plain mode and the tests all use: it owns the
//! [`Lesson`] and its session in the store, saves every line and grade as it happens, and
//! reports [`LessonUpdate`]s for the front ends to show. A write that fails is reported to
//! the student ([`LessonUpdate::NotSaved`]); a grade is only reported saved
//! ([`LessonUpdate::Saved`]) after its transaction committed.
//!
//! A line starting with [`crate::ask::QUESTION_PREFIX`] (`?? `; the TUI's ask key writes it) is
//! a question for the course material, not an answer: it is answered by [`crate::ask`] with
//! the check on screen withheld, saved in the transcript, and never graded.

use super::lesson::{Lesson, LessonEvent};
use crate::ask::{self, AskIndex};
use crate::curriculum::images::Picture;
use crate::curriculum::library::Entry;
use crate::engine::ChatBackend;
use crate::srs::{Scheduler, describe_interval};
use crate::store::cards::Answer;
use crate::store::profiles::Profile;
use crate::store::{Store, StoreError, now};

/// What a front end shows, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum LessonUpdate {
    /// Something the lesson said or did.
    Event(LessonEvent),
    /// A graded check was saved; the words say when it comes back for review. `correct`: how
    /// it was graded (a check given up on or failed is not shown as done).
    Saved { next_review: String, correct: bool },
    /// A write failed: tell the student (nothing they did before is lost).
    NotSaved(String),
    /// The answer to a `?? ` question, from the course material, sources included.
    MaterialReply(String),
    /// A picture to show: the concept's (at the start) or the check's just posed. Its alt text
    /// is also in the check's prompt, so line mode and screen readers lose nothing.
    Picture(Picture),
}

/// The words shown when a write fails.
pub fn not_saved_message(what: &str, e: &StoreError) -> String {
    format!(
        "Not saved: {what} ({e}). Everything before this is kept; ask your teacher to check the disk space."
    )
}

/// Where a lesson's events are saved.
struct Recorder {
    session_id: i64,
    profile: Profile,
    sched: Scheduler,
    course_id: String,
    concept_id: String,
}

/// A lesson with its session in the store.
pub struct LessonService {
    pub lesson: Lesson,
    rec: Recorder,
    /// Writes that failed in this lesson.
    pub failed_writes: usize,
    /// The course (its pictures; its material is the lesson's, for questions).
    entry: Option<Entry>,
    /// The concept's checks that carry a picture (set with the material).
    check_images: Vec<(String, crate::curriculum::Image)>,
}

impl Recorder {
    /// Saves what `ev` changes; returns the next-review words for a graded check.
    fn record(&self, store: &mut Store, ev: &LessonEvent) -> Result<Option<String>, StoreError> {
        let (sid, course, concept) = (
            self.session_id,
            self.course_id.as_str(),
            self.concept_id.as_str(),
        );
        match ev {
            LessonEvent::TutorEnd { mv, text } => {
                store.append_line(sid, "tutor", Some(mv), text)?
            }
            LessonEvent::Check {
                prompt, choices, ..
            } => {
                let mut t = prompt.clone();
                for c in choices {
                    t.push_str(&format!("\n- {c}"));
                }
                store.append_line(sid, "tutor", Some("pose-check"), &t)?;
            }
            LessonEvent::Feedback { text, .. } => {
                store.append_line(sid, "tutor", Some("feedback"), text)?
            }
            LessonEvent::Misconception { belief, .. } => {
                store.append_line(sid, "system", Some("misconception"), belief)?;
                store.pull_forward_concept(self.profile.id, course, concept, now())?;
            }
            LessonEvent::Graded {
                check_id,
                correct,
                rating,
                source,
                attempts,
                hints_used,
                response_ms,
                answer,
            } => {
                if let Some(card) = store.card_for(self.profile.id, course, check_id)? {
                    let a = Answer {
                        rating: *rating,
                        source: *source,
                        correct: *correct,
                        attempts: *attempts,
                        hints_used: *hints_used,
                        response_ms: *response_ms,
                        text: answer.clone(),
                    };
                    let s = store.record_answer(card.id, &a, &self.sched, now())?;
                    return Ok(Some(describe_interval(s.interval_secs)));
                }
            }
            LessonEvent::Summary(text) => {
                store.append_line(sid, "tutor", Some("summarize"), text)?;
                store.end_session(sid, text)?;
            }
            _ => {}
        }
        Ok(None)
    }

    /// Saves and forwards `ev`; returns whether a write failed.
    fn save_and_emit(
        &self,
        store: &mut Store,
        ev: LessonEvent,
        emit: &mut dyn FnMut(LessonUpdate),
    ) -> bool {
        if matches!(
            ev,
            LessonEvent::Token(_) | LessonEvent::TutorStart { .. } | LessonEvent::Retract
        ) {
            emit(LessonUpdate::Event(ev));
            return false;
        }
        let result = self.record(store, &ev);
        let what = match ev {
            LessonEvent::Graded { .. } => "your answer and its review date",
            LessonEvent::Summary(_) => "the lesson summary",
            LessonEvent::Misconception { .. } => "a note for your teacher",
            _ => "the tutor's last message",
        };
        let correct = matches!(ev, LessonEvent::Graded { correct: true, .. });
        emit(LessonUpdate::Event(ev));
        match result {
            Ok(Some(words)) => emit(LessonUpdate::Saved {
                next_review: words,
                correct,
            }),
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e, what, "lesson write failed");
                emit(LessonUpdate::NotSaved(not_saved_message(what, &e)));
                return true;
            }
        }
        false
    }
}

impl LessonService {
    /// Starts a session for `lesson` (nothing is shown until it is saved).
    pub fn start(
        store: &mut Store,
        profile: Profile,
        sched: Scheduler,
        lesson: Lesson,
    ) -> Result<Self, StoreError> {
        let session_id = store.start_session(profile.id, &lesson.course.id, &lesson.concept.id)?;
        Ok(Self {
            rec: Recorder {
                session_id,
                profile,
                sched,
                course_id: lesson.course.id.clone(),
                concept_id: lesson.concept.id.clone(),
            },
            lesson,
            failed_writes: 0,
            entry: None,
            check_images: Vec::new(),
        })
    }

    /// Shows `entry`'s pictures and lets the student ask its material (`?? question`), with
    /// the index in the database file `db` (the progress database). Without it a question gets
    /// a sentence saying the material cannot be searched, and no picture is sent.
    pub fn with_material(mut self, entry: &Entry, db: &std::path::Path) -> Self {
        match AskIndex::open(db) {
            Ok(index) => self.lesson.set_material(index, Some(entry.clone())),
            Err(e) => tracing::warn!(error = %e, "the material index cannot be opened"),
        }
        self.entry = Some(entry.clone());
        self.check_images = self
            .lesson
            .concept
            .checks
            .iter()
            .filter_map(|c| Some((c.id.clone(), c.image.clone()?)))
            .collect();
        self
    }

    /// The session's id in the store.
    pub fn session_id(&self) -> i64 {
        self.rec.session_id
    }

    /// Runs `f` on the lesson, saving and forwarding every event it reports as it comes (a
    /// posed check with a picture is followed by [`LessonUpdate::Picture`]).
    fn drive(
        &mut self,
        store: &mut Store,
        emit: &mut dyn FnMut(LessonUpdate),
        f: impl FnOnce(&mut Lesson, &mut dyn FnMut(LessonEvent)),
    ) {
        let Self {
            lesson,
            rec,
            failed_writes,
            entry,
            check_images: images,
            ..
        } = self;
        let origin = entry.as_ref().map(|e| &e.origin);
        let mut sink = |ev: LessonEvent| {
            let posed = match &ev {
                LessonEvent::Check { id, .. } => Some(id.clone()),
                _ => None,
            };
            if rec.save_and_emit(store, ev, emit) {
                *failed_writes += 1;
            }
            let picture = posed.and_then(|id| images.iter().find(|(c, _)| *c == id));
            if let (Some((id, img)), Some(origin)) = (picture, origin) {
                emit(LessonUpdate::Picture(Picture::load(origin, img, Some(id))));
            }
        };
        f(lesson, &mut sink);
    }

    /// Opens the lesson.
    pub fn begin(
        &mut self,
        store: &mut Store,
        backend: &dyn ChatBackend,
        emit: &mut dyn FnMut(LessonUpdate),
    ) {
        if let (Some(entry), Some(img)) = (&self.entry, &self.lesson.concept.image) {
            emit(LessonUpdate::Picture(Picture::load(
                &entry.origin,
                img,
                None,
            )));
        }
        self.drive(store, emit, |l, sink| l.begin(backend, sink));
    }

    /// The student said `line`: it is saved first, then the lesson answers.
    pub fn student(
        &mut self,
        line: &str,
        store: &mut Store,
        backend: &dyn ChatBackend,
        emit: &mut dyn FnMut(LessonUpdate),
    ) {
        let line = line.trim();
        if line.is_empty() || self.lesson.done() {
            return;
        }
        if let Some(question) = ask::question_in(line) {
            return self.ask(line, question, store, backend, emit);
        }
        if let Err(e) = store.append_line(self.rec.session_id, "student", None, line) {
            self.failed_writes += 1;
            tracing::error!(error = %e, "saving the student's line failed");
            emit(LessonUpdate::NotSaved(not_saved_message(
                "your last line",
                &e,
            )));
        }
        self.drive(store, emit, |l, sink| l.student(line, backend, sink));
    }

    /// A `?? ` question: answered from the material (the check on screen withheld), saved in
    /// the transcript, and not passed to the lesson (nothing is graded, no attempt counted).
    fn ask(
        &mut self,
        line: &str,
        question: &str,
        store: &mut Store,
        backend: &dyn ChatBackend,
        emit: &mut dyn FnMut(LessonUpdate),
    ) {
        let reply = self.lesson.answer_question(question, backend);
        let sid = self.rec.session_id;
        let saved = store
            .append_line(sid, "student", Some("ask"), line)
            .and_then(|_| store.append_line(sid, "tutor", Some("material"), &reply));
        emit(LessonUpdate::MaterialReply(reply));
        if let Err(e) = saved {
            self.failed_writes += 1;
            tracing::error!(error = %e, "saving a question failed");
            emit(LessonUpdate::NotSaved(not_saved_message(
                "your question",
                &e,
            )));
        }
    }

    /// Ends the lesson early (the student left): saves the summary so far.
    pub fn end(&mut self, store: &mut Store, emit: &mut dyn FnMut(LessonUpdate)) {
        if self.lesson.done() {
            return;
        }
        let summary = self.lesson.summary();
        if let Err(e) = store.end_session(self.rec.session_id, &summary) {
            emit(LessonUpdate::NotSaved(not_saved_message(
                "the lesson summary",
                &e,
            )));
        }
    }
}

/// The voice level a teacher forces with `TUTOR_VOICE` (`0`–`3`, or `authored`,
/// `acknowledge`, `rephrase`, `free`), if set and readable.
pub fn voice_override() -> Option<super::contract::VoiceLevel> {
    use super::contract::VoiceLevel;
    let v = std::env::var("TUTOR_VOICE").ok()?;
    Some(match v.trim().to_lowercase().as_str() {
        "0" | "authored" => VoiceLevel::Authored,
        "1" | "acknowledge" => VoiceLevel::Acknowledge,
        "2" | "rephrase" => VoiceLevel::Rephrase,
        "3" | "free" => VoiceLevel::Free,
        other => {
            tracing::warn!(value = other, "TUTOR_VOICE is not 0-3; ignored");
            return None;
        }
    })
}
