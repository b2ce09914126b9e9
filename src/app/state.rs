//! What the screens show: plain data, filled in by the driver from the store and the engine.

use std::time::Instant;

use crate::curriculum::CheckKind;
use crate::store::stats::Stats;

/// Where the model is.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelStatus {
    Loading(f32),
    Ready(String),
    /// No model file: the message says what to do.
    Missing(String),
    Failed(String),
}

/// One course on Home.
#[derive(Debug, Clone, PartialEq)]
pub struct CourseSummary {
    pub id: String,
    pub title: String,
    pub mastery: f64,
    pub due: u32,
}

/// Home's numbers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HomeData {
    pub profile: String,
    pub courses: Vec<CourseSummary>,
    pub due_today: u32,
    pub streak: u32,
    /// (course id, concept id, "Course › Concept")
    pub next_lesson: Option<(String, String, String)>,
    /// Course files that could not be loaded, with the first problem.
    pub problems: Vec<String>,
    /// The numbers have been read (false only before the first read, at start-up).
    pub loaded: bool,
}

/// A concept's state on the course map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConceptState {
    Locked,
    Available,
    InProgress,
    Mastered,
}

/// One row of the course map.
#[derive(Debug, Clone, PartialEq)]
pub struct ConceptRow {
    pub id: String,
    pub title: String,
    pub mastery: f64,
    pub state: ConceptState,
    pub requires: Vec<String>,
}

/// The course map of one course.
#[derive(Debug, Clone, PartialEq)]
pub struct CourseMap {
    pub course_id: String,
    pub title: String,
    pub concepts: Vec<ConceptRow>,
}

/// Who wrote a transcript entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Tutor,
    Student,
    Check,
    Feedback,
    Note,
    /// An answer from the course material (`?? ` questions).
    Material,
}

/// One entry of the lesson transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub who: Who,
    pub text: String,
}

/// The lesson screen.
#[derive(Debug, Clone, PartialEq)]
pub struct LessonView {
    pub course_id: String,
    pub concept_id: String,
    pub title: String,
    pub entries: Vec<Entry>,
    /// A reply is streaming into the last entry.
    pub streaming: bool,
    pub input: String,
    /// Lines scrolled up from the bottom.
    pub scroll: u16,
    pub awaiting_rating: bool,
    pub done: bool,
    /// The picture of the check on screen, until its feedback.
    pub picture: Option<crate::ui::picture::PictureView>,
    /// The concept's picture, shown when no check has one.
    pub concept_picture: Option<crate::ui::picture::PictureView>,
}

/// A review card on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewCard {
    pub card_id: i64,
    pub course_id: String,
    pub check_id: String,
    pub concept_title: String,
    pub kind: CheckKind,
    pub prompt: String,
    pub choices: Vec<String>,
    pub answer: String,
    pub accept: Vec<String>,
    pub tolerance: Option<f64>,
    pub hints: Vec<String>,
    pub explanation: String,
    pub shown_at: Instant,
    /// The whole check as this student sees it (choices shuffled); `None` = built from the
    /// fields above.
    pub check: Option<Box<crate::curriculum::Check>>,
}

/// The review screen.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReviewView {
    pub card: Option<ReviewCard>,
    pub input: String,
    pub hints_shown: usize,
    pub attempts: u32,
    /// (correct, message) after grading.
    pub feedback: Option<(bool, String)>,
    /// "next review in 3 days" once saved.
    pub saved: Option<String>,
    pub awaiting_rating: bool,
    pub done_today: u32,
    pub remaining: u32,
    pub empty: bool,
}

/// One profile in the picker.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileItem {
    pub name: String,
    pub has_pin: bool,
}

/// Teacher view rows (from `Store::report`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TeacherData {
    pub rows: Vec<crate::store::stats::ReportRow>,
    /// (profile, course, check, lapses): the most-lapsed items.
    pub stuck: Vec<(String, String, String, u32)>,
    pub transcripts: Vec<crate::store::sessions::SessionInfo>,
}

/// The editable settings.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingsView {
    pub model_path: String,
    pub gpu_layers: Option<u32>,
    pub threads: u32,
    pub temperature: f32,
    pub retention: f32,
    pub high_contrast: bool,
    pub dirty: bool,
}

/// What the stats screen shows.
pub type StatsData = Stats;
