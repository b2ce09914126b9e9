//! The TUI application core: [`App`] state, [`Msg`] in, [`Effect`]s out, and a pure
//! [`update`] (no terminal, database or model in here; the [`driver`] runs the effects).
//!
//! - [`keymap`]: keys as data per screen, overridable in the config file.
//! - [`state`]: what each screen shows.
//! - [`driver`]: terminal guard, the `tokio::select!` loop, and the effect runner.

pub mod driver;
pub mod effects;
mod input;
pub mod keymap;
pub mod state;
#[cfg(test)]
mod tests;

use std::time::Instant;

use crossterm::event::KeyEvent;

use crate::curriculum::grade;
use crate::store::cards::Answer;
use crate::tutor::lesson::LessonEvent;
use input::on_key;
use keymap::Keymap;
use state::*;

/// The screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Screen {
    ProfilePicker,
    Home,
    CourseMap,
    Lesson,
    Review,
    Stats,
    Teacher,
    Settings,
}

/// Colours, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Default,
    HighContrast,
    /// `NO_COLOR` is set.
    NoColor,
}

/// A text prompt over the current screen (PIN, new profile name).
#[derive(Debug, Clone, PartialEq)]
pub enum Prompt {
    /// The teacher PIN (before the teacher view).
    Teacher {
        input: String,
        error: Option<String>,
    },
    Pin {
        profile: String,
        input: String,
        error: Option<String>,
    },
    NewProfile {
        input: String,
        error: Option<String>,
    },
}

/// Everything the UI shows.
#[derive(Debug, Clone)]
pub struct App {
    pub screen: Screen,
    pub back: Vec<Screen>,
    pub help: bool,
    pub model: ModelStatus,
    pub profiles: Vec<ProfileItem>,
    pub selected: usize,
    pub home: HomeData,
    pub course_map: Option<CourseMap>,
    pub lesson: Option<LessonView>,
    pub review: ReviewView,
    pub stats: Option<StatsData>,
    pub stats_scroll: u16,
    pub teacher: Option<TeacherData>,
    /// In the teacher view: the lessons list has the focus (else the mastery table).
    pub teacher_lessons: bool,
    pub settings: SettingsView,
    pub prompt: Option<Prompt>,
    /// A one-line message (saved, error, ...).
    pub status: Option<String>,
    pub theme: Theme,
    /// A teacher PIN is set: the teacher view asks for it.
    pub teacher_locked: bool,
    pub keymap: Keymap,
    pub quit: bool,
}

/// Inputs of [`update`].
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize,
    Model(ModelStatus),
    Profiles(Vec<ProfileItem>),
    Home(HomeData),
    CourseMap(CourseMap),
    LessonStarted {
        course_id: String,
        concept_id: String,
        title: String,
    },
    Lesson(LessonEvent),
    /// A lesson write failed: shown in the transcript and the status line.
    LessonNotSaved(String),
    /// The course material's answer to a `?? ` question (sources included).
    MaterialReply(String),
    /// A picture for the lesson (the concept's, or the check's just posed).
    Picture(crate::ui::picture::PictureView),
    ReviewCard(Option<Box<ReviewCard>>, u32),
    ReviewSaved(String),
    Stats(Box<StatsData>),
    Teacher(Box<TeacherData>),
    /// A saved lesson, opened read-only from the teacher view.
    Transcript {
        title: String,
        entries: Vec<Entry>,
    },
    PinRejected(String),
    TeacherPinRejected,
    ProfileCreated(String),
    Status(String),
    /// SIGTERM / SIGHUP: leave cleanly.
    Terminate,
}

/// What the driver must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Quit,
    LoadHome,
    ChooseProfile {
        name: String,
        pin: Option<String>,
    },
    CreateProfile(String),
    LoadCourseMap(String),
    StartLesson {
        course_id: String,
        concept_id: String,
    },
    LessonSay(String),
    StopReply,
    EndLesson,
    NextReviewCard,
    SaveReview {
        card_id: i64,
        answer: Answer,
    },
    LoadStats,
    LoadTeacher,
    /// Check the teacher PIN, then open the teacher view.
    TeacherPin(String),
    OpenTranscript(i64),
    ExportReport,
    SaveSettings(SettingsView),
}

impl App {
    /// A fresh app on `screen`.
    pub fn new(screen: Screen, theme: Theme, keymap: Keymap) -> Self {
        Self {
            screen,
            back: Vec::new(),
            help: false,
            model: ModelStatus::Loading(0.0),
            profiles: Vec::new(),
            selected: 0,
            home: HomeData::default(),
            course_map: None,
            lesson: None,
            review: ReviewView::default(),
            stats: None,
            stats_scroll: 0,
            teacher: None,
            teacher_lessons: false,
            settings: SettingsView {
                model_path: String::new(),
                gpu_layers: None,
                threads: 2,
                temperature: 0.6,
                retention: 0.9,
                high_contrast: false,
                dirty: false,
            },
            prompt: None,
            status: None,
            theme,
            teacher_locked: false,
            keymap,
            quit: false,
        }
    }

    fn go(&mut self, screen: Screen) {
        if self.screen != screen {
            self.back.push(self.screen);
            self.screen = screen;
        }
        self.selected = 0;
        self.help = false;
    }

    fn go_back(&mut self) {
        if let Some(s) = self.back.pop() {
            self.screen = s;
            self.selected = 0;
        }
    }

    /// How many selectable rows the current screen has.
    fn rows(&self) -> usize {
        match self.screen {
            Screen::ProfilePicker => self.profiles.len(),
            Screen::Home => self.home.courses.len(),
            Screen::CourseMap => self.course_map.as_ref().map_or(0, |m| m.concepts.len()),
            Screen::Teacher if self.teacher_lessons => {
                self.teacher.as_ref().map_or(0, |t| t.transcripts.len())
            }
            Screen::Teacher => self.teacher.as_ref().map_or(0, |t| t.rows.len()),
            Screen::Settings => 6,
            _ => 0,
        }
    }
}

/// Applies one message; returns what the driver must do. `now` stamps response times.
pub fn update(app: &mut App, msg: Msg, now: Instant) -> Vec<Effect> {
    match msg {
        Msg::Key(k) => on_key(app, k, now),
        Msg::Paste(text) => {
            if let Some(input) = input_of(app) {
                input.push_str(&text);
            }
            vec![]
        }
        Msg::Resize => vec![],
        Msg::Model(m) => {
            app.model = m;
            vec![]
        }
        Msg::Profiles(p) => {
            app.profiles = p;
            vec![]
        }
        Msg::Home(h) => {
            app.home = h;
            vec![]
        }
        Msg::CourseMap(m) => {
            app.course_map = Some(m);
            app.go(Screen::CourseMap);
            vec![]
        }
        Msg::LessonStarted {
            course_id,
            concept_id,
            title,
        } => {
            app.lesson = Some(LessonView {
                course_id,
                concept_id,
                title,
                entries: Vec::new(),
                streaming: false,
                input: String::new(),
                scroll: 0,
                awaiting_rating: false,
                done: false,
                picture: None,
                concept_picture: None,
            });
            app.go(Screen::Lesson);
            vec![]
        }
        Msg::Lesson(ev) => {
            on_lesson_event(app, ev);
            vec![]
        }
        Msg::LessonNotSaved(why) => {
            if let Some(l) = app.lesson.as_mut() {
                l.entries.push(Entry {
                    who: Who::Note,
                    text: format!("⚠ {why}"),
                });
                l.scroll = 0;
            }
            app.status = Some(why);
            vec![]
        }
        Msg::MaterialReply(text) => {
            if let Some(l) = app.lesson.as_mut() {
                l.entries.push(Entry {
                    who: Who::Material,
                    text,
                });
                l.scroll = 0;
            }
            vec![]
        }
        Msg::Picture(p) => {
            if let Some(l) = app.lesson.as_mut() {
                if p.check.is_some() {
                    l.picture = Some(p);
                } else {
                    l.concept_picture = Some(p);
                }
            }
            vec![]
        }
        Msg::ReviewCard(card, remaining) => {
            let done = app.review.done_today;
            app.review = ReviewView {
                empty: card.is_none(),
                card: card.map(|c| *c),
                remaining,
                done_today: done,
                ..Default::default()
            };
            if app.screen != Screen::Review {
                app.go(Screen::Review);
            }
            vec![]
        }
        Msg::ReviewSaved(words) => {
            app.review.saved = Some(words);
            app.review.done_today += 1;
            vec![]
        }
        Msg::Stats(s) => {
            app.stats = Some(*s);
            app.stats_scroll = 0;
            app.go(Screen::Stats);
            vec![]
        }
        Msg::Teacher(t) => {
            app.prompt = None;
            app.teacher = Some(*t);
            app.go(Screen::Teacher);
            vec![]
        }
        Msg::Transcript { title, entries } => {
            app.lesson = Some(LessonView {
                course_id: String::new(),
                concept_id: String::new(),
                title,
                entries,
                streaming: false,
                input: String::new(),
                scroll: 0,
                awaiting_rating: false,
                done: true,
                picture: None,
                concept_picture: None,
            });
            app.go(Screen::Lesson);
            vec![]
        }
        Msg::PinRejected(profile) => {
            app.prompt = Some(Prompt::Pin {
                profile,
                input: String::new(),
                error: Some("Wrong PIN, try again.".into()),
            });
            vec![]
        }
        Msg::TeacherPinRejected => {
            app.prompt = Some(Prompt::Teacher {
                input: String::new(),
                error: Some("Wrong PIN, try again.".into()),
            });
            vec![]
        }
        Msg::ProfileCreated(_) => {
            // A profile was chosen (or created): its Home.
            app.prompt = None;
            app.back.clear();
            app.screen = Screen::Home;
            app.selected = 0;
            vec![]
        }
        Msg::Status(s) => {
            app.status = Some(s);
            vec![]
        }
        Msg::Terminate => {
            app.quit = true;
            vec![Effect::EndLesson, Effect::Quit]
        }
    }
}

pub(crate) fn input_of(app: &mut App) -> Option<&mut String> {
    if let Some(p) = app.prompt.as_mut() {
        return Some(match p {
            Prompt::Pin { input, .. }
            | Prompt::NewProfile { input, .. }
            | Prompt::Teacher { input, .. } => input,
        });
    }
    match app.screen {
        Screen::Lesson => app.lesson.as_mut().map(|l| &mut l.input),
        Screen::Review => Some(&mut app.review.input),
        _ => None,
    }
}

fn on_lesson_event(app: &mut App, ev: LessonEvent) {
    let Some(l) = app.lesson.as_mut() else { return };
    match ev {
        LessonEvent::TutorStart { .. } => {
            l.entries.push(Entry {
                who: Who::Tutor,
                text: String::new(),
            });
            l.streaming = true;
        }
        LessonEvent::Token(t) => {
            if let Some(e) = l.entries.last_mut().filter(|e| e.who == Who::Tutor) {
                e.text.push_str(&t);
            }
        }
        LessonEvent::Retract => {
            if let Some(e) = l.entries.last_mut().filter(|e| e.who == Who::Tutor) {
                e.text.clear();
            }
        }
        LessonEvent::TutorEnd { text, .. } => {
            if let Some(e) = l.entries.last_mut().filter(|e| e.who == Who::Tutor) {
                e.text = text;
            }
            l.streaming = false;
        }
        LessonEvent::Check {
            prompt, choices, ..
        } => {
            let mut text = prompt;
            for (i, c) in choices.iter().enumerate() {
                text.push_str(&format!("\n  {}) {c}", grade::choice_letter(i)));
            }
            l.entries.push(Entry {
                who: Who::Check,
                text,
            });
        }
        LessonEvent::Unreadable(why) => l.entries.push(Entry {
            who: Who::Note,
            text: why,
        }),
        LessonEvent::Graded { .. } => {}
        LessonEvent::Feedback { text, .. } => {
            // The check is over: its picture goes (the concept's, if any, comes back).
            l.picture = None;
            l.entries.push(Entry {
                who: Who::Feedback,
                text,
            })
        }
        LessonEvent::NeedSelfRating { model_answer } => {
            l.awaiting_rating = true;
            l.entries.push(Entry {
                who: Who::Note,
                text: format!("A model answer: {model_answer}\nHow well did you know it? Press 1 (not at all) to 4 (easy)."),
            });
        }
        LessonEvent::Misconception { .. } => {}
        LessonEvent::Summary(s) => {
            l.entries.push(Entry {
                who: Who::Feedback,
                text: s,
            });
            l.done = true;
            l.streaming = false;
        }
    }
    l.scroll = 0;
}
