//! Keys: what each key does on each screen (after the keymap has named it), including the
//! review flow's grading and the text prompts.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keymap::Action;
use super::state::*;
use super::{App, Effect, Prompt, Screen, Theme, input_of};
use crate::curriculum::grade::{self, Verdict};
use crate::curriculum::{Check, CheckKind};
use crate::srs::Rating;
use crate::store::cards::{Answer, GradeSource};

fn review_check(card: &ReviewCard) -> Check {
    if let Some(c) = &card.check {
        return (**c).clone();
    }
    let mut c = Check::new(&card.check_id, card.kind, &card.prompt, &card.answer);
    c.accept = card.accept.clone();
    c.tolerance = card.tolerance;
    c.choices = card.choices.clone();
    c
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

pub(super) fn on_key(app: &mut App, k: KeyEvent, now: Instant) -> Vec<Effect> {
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
                // Applies at once (NO_COLOR stays in force).
                if app.theme != Theme::NoColor {
                    app.theme = if app.settings.high_contrast {
                        Theme::HighContrast
                    } else {
                        Theme::Default
                    };
                }
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
        Action::Teacher if app.teacher_locked => {
            app.prompt = Some(Prompt::Teacher {
                input: String::new(),
                error: None,
            });
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
        Action::Ask => ask_key(app),
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
        Prompt::Pin { input, error, .. }
        | Prompt::NewProfile { input, error }
        | Prompt::Teacher { input, error } => (input, error),
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
            Prompt::Teacher { input, .. } => Some(Effect::TeacherPin(input.clone())),
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

/// The ask key: an empty input becomes `?? ` (type the question, Enter asks); typed text is
/// sent as a question at once. Either way it goes through the lesson's `?? ` line, the same
/// code as plain mode.
fn ask_key(app: &mut App) -> Vec<Effect> {
    let Some(l) = app.lesson.as_mut() else {
        return vec![];
    };
    if l.done || l.awaiting_rating {
        return vec![];
    }
    let typed = l.input.trim();
    if typed.is_empty() || typed == crate::ask::QUESTION_PREFIX.trim() {
        l.input = crate::ask::QUESTION_PREFIX.to_string();
        return vec![];
    }
    if crate::ask::question_in(typed).is_none() {
        l.input = format!("{}{typed}", crate::ask::QUESTION_PREFIX);
    }
    send_lesson(app)
}

fn send_lesson(app: &mut App) -> Vec<Effect> {
    let Some(l) = app.lesson.as_mut() else {
        return vec![];
    };
    if l.streaming || l.input.trim().is_empty() {
        return vec![];
    }
    // `?? ` with no question yet: wait for it (never sent as an answer).
    if l.input.trim() == crate::ask::QUESTION_PREFIX.trim() {
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
    let (verdict, feedback) = if give_up {
        (Verdict::Incorrect, None)
    } else {
        let g = grade::grade_full(&review_check(&card), &text);
        (g.verdict, g.feedback)
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
                app.status = Some(format!(
                    "{}Not quite. Try again (Ctrl+H for a hint, ? to see the answer).",
                    feedback.map(|f| format!("{f} ")).unwrap_or_default()
                ));
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
