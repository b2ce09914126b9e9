//! The TUI application core: [`App`] state, [`Msg`] in, [`Effect`]s out, and a pure
//! [`update`] (no terminal, database or model in here; the [`driver`] runs the effects).
//!
//! - [`keymap`]: keys as data per screen, overridable in the config file.
//! - [`state`]: what each screen shows.
//! - [`driver`]: terminal guard, the `tokio::select!` loop, and the effect runner.

pub mod driver;
pub mod keymap;
pub mod state;
#[cfg(test)]
mod tests;

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::curriculum::grade::{self, Verdict};
use crate::curriculum::{Check, CheckKind};
use crate::srs::Rating;
use crate::store::cards::{Answer, GradeSource};
use crate::tutor::lesson::LessonEvent;
use keymap::{Action, Keymap};
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
                selected: 0,
                dirty: false,
            },
            prompt: None,
            status: None,
            theme,
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

fn is_text_key(k: &KeyEvent) -> Option<char> {
    match k.code {
        KeyCode::Char(c)
            if !k
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    }
}

fn review_check(card: &ReviewCard) -> Check {
    let mut c = Check::new(&card.check_id, card.kind, &card.prompt, &card.answer);
    c.accept = card.accept.clone();
    c.tolerance = card.tolerance;
    c.choices = card.choices.clone();
    c
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
            });
            app.go(Screen::Lesson);
            vec![]
        }
        Msg::Lesson(ev) => {
            on_lesson_event(app, ev);
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

fn input_of(app: &mut App) -> Option<&mut String> {
    if let Some(p) = app.prompt.as_mut() {
        return Some(match p {
            Prompt::Pin { input, .. } | Prompt::NewProfile { input, .. } => input,
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
        LessonEvent::Feedback { text, .. } => l.entries.push(Entry {
            who: Who::Feedback,
            text,
        }),
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

fn on_key(app: &mut App, k: KeyEvent, now: Instant) -> Vec<Effect> {
    app.status = None;
    if let Some(prompt) = app.prompt.as_mut() {
        return on_prompt_key(prompt, k).map_or_else(
            || {
                if k.code == KeyCode::Esc {
                    app.prompt = None;
                }
                vec![]
            },
            |e| vec![e],
        );
    }
    let action = app.keymap.action(app.screen, &k);
    if app.help {
        if matches!(action, Some(Action::Help | Action::Back | Action::Quit))
            || k.code == KeyCode::Esc
        {
            app.help = false;
        }
        return vec![];
    }
    // Text entry screens take printable keys first.
    if matches!(app.screen, Screen::Lesson | Screen::Review)
        && let Some(c) = is_text_key(&k)
    {
        if app.screen == Screen::Review && app.review.awaiting_rating && ('1'..='4').contains(&c) {
            return rate_review(app, c as u8 - b'0', now);
        }
        if app.screen == Screen::Review && app.review.saved.is_some() {
            return vec![Effect::NextReviewCard];
        }
        if let Some(input) = input_of(app) {
            input.push(c);
        }
        return vec![];
    }
    if matches!(app.screen, Screen::Lesson | Screen::Review) && k.code == KeyCode::Backspace {
        if let Some(input) = input_of(app) {
            input.pop();
        }
        return vec![];
    }
    let Some(action) = action else { return vec![] };
    let rows = app.rows();
    match action {
        Action::Quit => {
            app.quit = true;
            vec![Effect::EndLesson, Effect::Quit]
        }
        Action::Help => {
            app.help = true;
            vec![]
        }
        Action::Back => {
            if app.screen == Screen::Home || app.screen == Screen::ProfilePicker {
                return vec![];
            }
            let mut fx = Vec::new();
            if app.screen == Screen::Lesson {
                fx.push(Effect::EndLesson);
            }
            if app.screen == Screen::Settings && app.settings.dirty {
                app.settings.dirty = false;
                fx.push(Effect::SaveSettings(app.settings.clone()));
            }
            app.go_back();
            fx.push(Effect::LoadHome);
            fx
        }
        Action::Up => {
            app.selected = app.selected.saturating_sub(1);
            vec![]
        }
        Action::Down => {
            if rows > 0 {
                app.selected = (app.selected + 1).min(rows - 1);
            }
            vec![]
        }
        Action::Open => match app.screen {
            Screen::ProfilePicker => match app.profiles.get(app.selected) {
                Some(p) if p.has_pin => {
                    app.prompt = Some(Prompt::Pin {
                        profile: p.name.clone(),
                        input: String::new(),
                        error: None,
                    });
                    vec![]
                }
                Some(p) => vec![Effect::ChooseProfile {
                    name: p.name.clone(),
                    pin: None,
                }],
                None => vec![],
            },
            Screen::Home => app
                .home
                .courses
                .get(app.selected)
                .map(|c| vec![Effect::LoadCourseMap(c.id.clone())])
                .unwrap_or_default(),
            Screen::CourseMap => {
                let Some(m) = app.course_map.as_ref() else {
                    return vec![];
                };
                match m.concepts.get(app.selected) {
                    Some(c) if c.state == ConceptState::Locked => {
                        app.status =
                            Some(format!("Locked: first master {}.", c.requires.join(", ")));
                        vec![]
                    }
                    Some(c) => vec![Effect::StartLesson {
                        course_id: m.course_id.clone(),
                        concept_id: c.id.clone(),
                    }],
                    None => vec![],
                }
            }
            Screen::Settings => {
                settings_change(&mut app.settings, app.selected, 1);
                vec![]
            }
            Screen::Teacher if app.teacher_lessons => app
                .teacher
                .as_ref()
                .and_then(|t| t.transcripts.get(app.selected))
                .map(|s| vec![Effect::OpenTranscript(s.id)])
                .unwrap_or_default(),
            _ => vec![],
        },
        Action::SwitchPane => {
            app.teacher_lessons = !app.teacher_lessons;
            app.selected = 0;
            vec![]
        }
        Action::Continue => match &app.home.next_lesson {
            Some((course, concept, _)) => vec![Effect::StartLesson {
                course_id: course.clone(),
                concept_id: concept.clone(),
            }],
            None => {
                app.status =
                    Some("Nothing new to learn right now: review, or pick a course.".into());
                vec![]
            }
        },
        Action::Review => vec![Effect::NextReviewCard],
        Action::Stats => vec![Effect::LoadStats],
        Action::Courses => app
            .home
            .courses
            .get(app.selected)
            .map(|c| vec![Effect::LoadCourseMap(c.id.clone())])
            .unwrap_or_default(),
        Action::Settings => {
            app.go(Screen::Settings);
            vec![]
        }
        Action::Teacher => vec![Effect::LoadTeacher],
        Action::Profiles => {
            app.go(Screen::ProfilePicker);
            vec![]
        }
        Action::NewProfile => {
            app.prompt = Some(Prompt::NewProfile {
                input: String::new(),
                error: None,
            });
            vec![]
        }
        Action::Export => vec![Effect::ExportReport],
        Action::Send => match app.screen {
            Screen::Lesson => send_lesson(app),
            Screen::Review => submit_review(app, now),
            _ => vec![],
        },
        Action::Newline => {
            if let Some(input) = input_of(app) {
                input.push('\n');
            }
            vec![]
        }
        Action::Hint => match app.screen {
            Screen::Lesson => {
                if app.lesson.as_ref().is_some_and(|l| l.streaming || l.done) {
                    return vec![];
                }
                vec![Effect::LessonSay(":hint".into())]
            }
            Screen::Review => {
                if let Some(card) = &app.review.card
                    && app.review.feedback.is_none()
                    && app.review.hints_shown < card.hints.len()
                {
                    app.review.hints_shown += 1;
                }
                vec![]
            }
            _ => vec![],
        },
        Action::StopReply => {
            if app.lesson.as_ref().is_some_and(|l| l.streaming) {
                vec![Effect::StopReply]
            } else {
                app.go_back();
                vec![Effect::EndLesson, Effect::LoadHome]
            }
        }
        Action::ScrollUp => {
            match app.screen {
                Screen::Lesson => {
                    if let Some(l) = app.lesson.as_mut() {
                        l.scroll = l.scroll.saturating_add(5);
                    }
                }
                Screen::Stats => app.stats_scroll = app.stats_scroll.saturating_sub(5),
                Screen::Settings => settings_change(&mut app.settings, app.selected, -1),
                _ => {}
            }
            vec![]
        }
        Action::ScrollDown => {
            match app.screen {
                Screen::Lesson => {
                    if let Some(l) = app.lesson.as_mut() {
                        l.scroll = l.scroll.saturating_sub(5);
                    }
                }
                Screen::Stats => app.stats_scroll = app.stats_scroll.saturating_add(5),
                Screen::Settings => settings_change(&mut app.settings, app.selected, 1),
                _ => {}
            }
            vec![]
        }
        Action::Rate1 | Action::Rate2 | Action::Rate3 | Action::Rate4 => vec![],
    }
}

fn on_prompt_key(prompt: &mut Prompt, k: KeyEvent) -> Option<Effect> {
    let (input, error) = match prompt {
        Prompt::Pin { input, error, .. } | Prompt::NewProfile { input, error } => (input, error),
    };
    match k.code {
        KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
            input.push(c);
            *error = None;
            None
        }
        KeyCode::Backspace => {
            input.pop();
            None
        }
        KeyCode::Enter => match prompt {
            Prompt::Pin { profile, input, .. } => Some(Effect::ChooseProfile {
                name: profile.clone(),
                pin: Some(input.clone()),
            }),
            Prompt::NewProfile { input, error } => {
                if input.trim().is_empty() {
                    *error = Some("Type a name first.".into());
                    None
                } else {
                    Some(Effect::CreateProfile(input.trim().to_string()))
                }
            }
        },
        _ => None,
    }
}

fn settings_change(s: &mut SettingsView, row: usize, dir: i32) {
    s.dirty = true;
    match row {
        1 => s.gpu_layers = Some((s.gpu_layers.unwrap_or(0) as i32 + dir * 8).clamp(0, 999) as u32),
        2 => s.threads = (s.threads as i32 + dir).clamp(1, 64) as u32,
        3 => {
            s.temperature = ((s.temperature + dir as f32 * 0.1) * 10.0)
                .round()
                .clamp(0.0, 15.0)
                / 10.0
        }
        4 => {
            s.retention = ((s.retention + dir as f32 * 0.01) * 100.0)
                .round()
                .clamp(70.0, 99.0)
                / 100.0
        }
        5 => s.high_contrast = !s.high_contrast,
        _ => s.dirty = false,
    }
}

fn send_lesson(app: &mut App) -> Vec<Effect> {
    let Some(l) = app.lesson.as_mut() else {
        return vec![];
    };
    if l.streaming || l.input.trim().is_empty() {
        return vec![];
    }
    if l.done {
        return vec![];
    }
    let text = std::mem::take(&mut l.input);
    l.entries.push(Entry {
        who: Who::Student,
        text: text.trim().to_string(),
    });
    l.awaiting_rating = false;
    l.scroll = 0;
    vec![Effect::LessonSay(text.trim().to_string())]
}

fn submit_review(app: &mut App, now: Instant) -> Vec<Effect> {
    let r = &mut app.review;
    if r.saved.is_some() || r.empty {
        return vec![Effect::NextReviewCard];
    }
    let Some(card) = r.card.clone() else {
        return vec![];
    };
    if r.feedback.is_some() || r.awaiting_rating {
        return vec![];
    }
    let text = std::mem::take(&mut r.input);
    let text = text.trim().to_string();
    if text.is_empty() {
        return vec![];
    }
    let give_up = text == "?";
    let verdict = if give_up {
        Verdict::Incorrect
    } else {
        grade::grade(&review_check(&card), &text)
    };
    match verdict {
        Verdict::Unreadable(why) => {
            r.feedback = None;
            app.status = Some(why);
            vec![]
        }
        Verdict::NeedsJudge => {
            r.attempts += 1;
            r.awaiting_rating = true;
            r.feedback = Some((true, format!("A model answer: {}", card.answer)));
            vec![]
        }
        Verdict::Correct => {
            r.attempts += 1;
            let ms = now.saturating_duration_since(card.shown_at).as_millis() as u64;
            let rating = Rating::from_outcome(true, r.attempts, r.hints_shown as u32, ms);
            r.feedback = Some((true, format!("Correct! {}", card.explanation)));
            vec![save(
                card.card_id,
                rating,
                GradeSource::Rule,
                true,
                r.attempts,
                r.hints_shown as u32,
                ms,
                text,
            )]
        }
        Verdict::Incorrect => {
            r.attempts += 1;
            if r.attempts < 3 && !give_up {
                app.status =
                    Some("Not quite. Try again (Ctrl+H for a hint, ? to see the answer).".into());
                return vec![];
            }
            let ms = now.saturating_duration_since(card.shown_at).as_millis() as u64;
            r.feedback = Some((
                false,
                format!("The answer: {}. {}", card.answer, card.explanation),
            ));
            vec![save(
                card.card_id,
                Rating::Again,
                GradeSource::Rule,
                false,
                r.attempts,
                r.hints_shown as u32,
                ms,
                text,
            )]
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn save(
    card_id: i64,
    rating: Rating,
    source: GradeSource,
    correct: bool,
    attempts: u32,
    hints: u32,
    ms: u64,
    text: String,
) -> Effect {
    Effect::SaveReview {
        card_id,
        answer: Answer {
            rating,
            source,
            correct,
            attempts,
            hints_used: hints,
            response_ms: ms,
            text: Some(text),
        },
    }
}

fn rate_review(app: &mut App, n: u8, now: Instant) -> Vec<Effect> {
    let r = &mut app.review;
    let Some(card) = r.card.clone() else {
        return vec![];
    };
    let Some(rating) = Rating::from_u8(n) else {
        return vec![];
    };
    r.awaiting_rating = false;
    let ms = now.saturating_duration_since(card.shown_at).as_millis() as u64;
    if card.kind == CheckKind::Text && !card.explanation.is_empty() {
        r.feedback = Some((rating != Rating::Again, card.explanation.clone()));
    }
    vec![save(
        card.card_id,
        rating,
        GradeSource::SelfRated,
        rating != Rating::Again,
        r.attempts.max(1),
        r.hints_shown as u32,
        ms,
        String::new(),
    )]
}
