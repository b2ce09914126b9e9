//! Pure transition tests of `update`: navigation, streaming, cancel, hints, the review flow,
//! prompts and overlays. No terminal, database or model.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keymap::{Keymap, parse_key};
use super::state::*;
use super::*;
use crate::tutor::lesson::LessonEvent;

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

fn app() -> App {
    let mut a = App::new(Screen::Home, Theme::Default, Keymap::default());
    a.home = HomeData {
        loaded: true,
        profile: "ana".into(),
        courses: vec![
            CourseSummary {
                id: "fractions".into(),
                title: "Fractions".into(),
                mastery: 0.4,
                due: 2,
            },
            CourseSummary {
                id: "probability".into(),
                title: "Chance".into(),
                mastery: 0.0,
                due: 0,
            },
        ],
        due_today: 2,
        streak: 3,
        next_lesson: Some((
            "fractions".into(),
            "equivalent-fractions".into(),
            "Fractions › Equivalent fractions".into(),
        )),
        problems: vec![],
    };
    a
}

fn step(a: &mut App, m: Msg) -> Vec<Effect> {
    update(a, m, Instant::now())
}

fn typed(a: &mut App, s: &str) {
    for c in s.chars() {
        step(a, ch(c));
    }
}

fn card(kind: crate::curriculum::CheckKind, answer: &str) -> Box<ReviewCard> {
    Box::new(ReviewCard {
        card_id: 7,
        course_id: "fractions".into(),
        check_id: "fq-1".into(),
        concept_title: "Fractions of a quantity".into(),
        kind,
        prompt: "What is 1/3 of 12?".into(),
        choices: vec![],
        answer: answer.into(),
        accept: vec![],
        tolerance: None,
        hints: vec!["Split 12 into 3 equal groups.".into(), "12 ÷ 3 = ?".into()],
        explanation: "12 ÷ 3 = 4.".into(),
        shown_at: Instant::now() - Duration::from_secs(20),
        check: None,
    })
}

#[test]
fn home_navigation_opens_course_map_review_stats_and_back() {
    let mut a = app();
    assert_eq!(step(&mut a, key(KeyCode::Down)), vec![]);
    assert_eq!(a.selected, 1);
    step(&mut a, key(KeyCode::Down));
    assert_eq!(a.selected, 1, "clamped to the last course");
    assert_eq!(
        step(&mut a, key(KeyCode::Enter)),
        vec![Effect::LoadCourseMap("probability".into())]
    );
    assert_eq!(step(&mut a, ch('r')), vec![Effect::NextReviewCard]);
    assert_eq!(step(&mut a, ch('s')), vec![Effect::LoadStats]);
    assert_eq!(
        step(&mut a, ch('c')),
        vec![Effect::StartLesson {
            course_id: "fractions".into(),
            concept_id: "equivalent-fractions".into()
        }]
    );
    step(&mut a, ch(','));
    assert_eq!(a.screen, Screen::Settings);
    assert_eq!(step(&mut a, key(KeyCode::Esc)), vec![Effect::LoadHome]);
    assert_eq!(a.screen, Screen::Home);
    assert_eq!(step(&mut a, ch('q')), vec![Effect::EndLesson, Effect::Quit]);
    assert!(a.quit);
}

#[test]
fn locked_concepts_do_not_start() {
    let mut a = app();
    step(
        &mut a,
        Msg::CourseMap(CourseMap {
            course_id: "fractions".into(),
            title: "Fractions".into(),
            concepts: vec![
                ConceptRow {
                    id: "a".into(),
                    title: "A".into(),
                    mastery: 0.9,
                    state: ConceptState::Mastered,
                    requires: vec![],
                },
                ConceptRow {
                    id: "b".into(),
                    title: "B".into(),
                    mastery: 0.0,
                    state: ConceptState::Locked,
                    requires: vec!["c".into()],
                },
            ],
        }),
    );
    assert_eq!(a.screen, Screen::CourseMap);
    step(&mut a, key(KeyCode::Down));
    assert_eq!(step(&mut a, key(KeyCode::Enter)), vec![]);
    assert!(a.status.as_deref().unwrap().contains("Locked"));
    step(&mut a, key(KeyCode::Up));
    assert_eq!(
        step(&mut a, key(KeyCode::Enter)),
        vec![Effect::StartLesson {
            course_id: "fractions".into(),
            concept_id: "a".into()
        }]
    );
}

fn in_lesson() -> App {
    let mut a = app();
    step(
        &mut a,
        Msg::LessonStarted {
            course_id: "fractions".into(),
            concept_id: "x".into(),
            title: "Fractions › X".into(),
        },
    );
    a
}

#[test]
fn a_failed_lesson_write_is_shown_in_the_transcript_and_the_status_line() {
    let mut a = in_lesson();
    step(
        &mut a,
        Msg::LessonNotSaved("Not saved: your last line (disk full).".into()),
    );
    let l = a.lesson.as_ref().unwrap();
    assert_eq!(l.entries.last().unwrap().who, Who::Note);
    assert!(
        l.entries
            .last()
            .unwrap()
            .text
            .contains("Not saved: your last line")
    );
    assert_eq!(
        a.status.as_deref(),
        Some("Not saved: your last line (disk full).")
    );
}

#[test]
fn streaming_tokens_fill_one_reply_and_retract_clears_it() {
    let mut a = in_lesson();
    assert_eq!(a.screen, Screen::Lesson);
    step(
        &mut a,
        Msg::Lesson(LessonEvent::TutorStart {
            mv: "warm-up".into(),
        }),
    );
    for t in ["What ", "do you ", "think?"] {
        step(&mut a, Msg::Lesson(LessonEvent::Token(t.into())));
    }
    let l = a.lesson.as_ref().unwrap();
    assert!(l.streaming);
    assert_eq!(l.entries.last().unwrap().text, "What do you think?");
    step(&mut a, Msg::Lesson(LessonEvent::Retract));
    assert_eq!(a.lesson.as_ref().unwrap().entries.last().unwrap().text, "");
    step(
        &mut a,
        Msg::Lesson(LessonEvent::TutorEnd {
            mv: "warm-up".into(),
            text: "Hello?".into(),
        }),
    );
    let l = a.lesson.as_ref().unwrap();
    assert!(!l.streaming);
    assert_eq!(l.entries.len(), 1);
}

#[test]
fn typing_sends_on_enter_but_not_while_streaming_and_esc_stops_the_reply() {
    let mut a = in_lesson();
    step(
        &mut a,
        Msg::Lesson(LessonEvent::TutorStart {
            mv: "warm-up".into(),
        }),
    );
    typed(&mut a, "half");
    assert_eq!(
        step(&mut a, key(KeyCode::Enter)),
        vec![],
        "no send while the tutor is talking"
    );
    assert_eq!(step(&mut a, key(KeyCode::Esc)), vec![Effect::StopReply]);
    step(
        &mut a,
        Msg::Lesson(LessonEvent::TutorEnd {
            mv: "warm-up".into(),
            text: "Hi?".into(),
        }),
    );
    step(
        &mut a,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT)),
    );
    typed(&mut a, "x");
    assert_eq!(a.lesson.as_ref().unwrap().input, "half\nx");
    step(&mut a, key(KeyCode::Backspace));
    assert_eq!(
        step(&mut a, key(KeyCode::Enter)),
        vec![Effect::LessonSay("half".into())]
    );
    let l = a.lesson.as_ref().unwrap();
    assert_eq!(l.entries.last().unwrap().who, Who::Student);
    assert!(l.input.is_empty());
    // Esc when nothing streams leaves the lesson (and ends it).
    assert_eq!(
        step(&mut a, key(KeyCode::Esc)),
        vec![Effect::EndLesson, Effect::LoadHome]
    );
    assert_eq!(a.screen, Screen::Home);
}

#[test]
fn ctrl_h_asks_for_a_hint_and_checks_show_distinctly() {
    let mut a = in_lesson();
    step(
        &mut a,
        Msg::Lesson(LessonEvent::Check {
            index: 0,
            id: "c".into(),
            prompt: "Pick one".into(),
            choices: vec!["x".into(), "y".into()],
        }),
    );
    assert_eq!(a.lesson.as_ref().unwrap().entries[0].who, Who::Check);
    assert!(a.lesson.as_ref().unwrap().entries[0].text.contains("b) y"));
    let hint = Msg::Key(KeyEvent::new(KeyCode::Char('h'), KeyModifiers::CONTROL));
    assert_eq!(step(&mut a, hint), vec![Effect::LessonSay(":hint".into())]);
    step(&mut a, Msg::Lesson(LessonEvent::Summary("done".into())));
    assert!(a.lesson.as_ref().unwrap().done);
}

#[test]
fn scrollback_moves_and_new_text_returns_to_the_bottom() {
    let mut a = in_lesson();
    step(&mut a, key(KeyCode::PageUp));
    step(&mut a, key(KeyCode::PageUp));
    assert_eq!(a.lesson.as_ref().unwrap().scroll, 10);
    step(&mut a, key(KeyCode::PageDown));
    assert_eq!(a.lesson.as_ref().unwrap().scroll, 5);
    step(
        &mut a,
        Msg::Lesson(LessonEvent::TutorStart { mv: "ask".into() }),
    );
    assert_eq!(a.lesson.as_ref().unwrap().scroll, 0);
}

#[test]
fn review_flow_grades_hints_saves_and_moves_on() {
    let mut a = app();
    step(
        &mut a,
        Msg::ReviewCard(Some(card(crate::curriculum::CheckKind::Numeric, "4")), 3),
    );
    assert_eq!(a.screen, Screen::Review);
    step(
        &mut a,
        Msg::Key(KeyEvent::new(KeyCode::Char('h'), KeyModifiers::CONTROL)),
    );
    assert_eq!(a.review.hints_shown, 1);
    typed(&mut a, "5");
    assert_eq!(
        step(&mut a, key(KeyCode::Enter)),
        vec![],
        "first wrong answer: try again"
    );
    assert!(a.status.as_deref().unwrap().starts_with("Not quite"));
    typed(&mut a, "12/3");
    let fx = step(&mut a, key(KeyCode::Enter));
    match &fx[..] {
        [Effect::SaveReview { card_id: 7, answer }] => {
            assert!(answer.correct);
            assert_eq!(
                (answer.attempts, answer.hints_used, answer.rating),
                (2, 1, crate::srs::Rating::Hard)
            );
            assert!(answer.response_ms >= 20_000);
        }
        other => panic!("{other:?}"),
    }
    step(&mut a, Msg::ReviewSaved("in 2 days".into()));
    assert_eq!(a.review.done_today, 1);
    assert_eq!(
        step(&mut a, key(KeyCode::Enter)),
        vec![Effect::NextReviewCard]
    );
    step(&mut a, Msg::ReviewCard(None, 0));
    assert!(a.review.empty);
    assert_eq!(a.review.done_today, 1);
}

#[test]
fn review_unreadable_and_give_up_and_self_rating() {
    let mut a = app();
    step(
        &mut a,
        Msg::ReviewCard(Some(card(crate::curriculum::CheckKind::Numeric, "4")), 1),
    );
    typed(&mut a, "four-ish");
    assert_eq!(step(&mut a, key(KeyCode::Enter)), vec![]);
    assert!(
        a.status
            .as_deref()
            .unwrap()
            .contains("could not read a number")
    );
    typed(&mut a, "?");
    let fx = step(&mut a, key(KeyCode::Enter));
    assert!(
        matches!(&fx[..], [Effect::SaveReview { answer, .. }] if answer.rating == crate::srs::Rating::Again)
    );
    // A text card: the student rates themselves with 1–4.
    step(
        &mut a,
        Msg::ReviewCard(
            Some(card(crate::curriculum::CheckKind::Text, "a model answer")),
            1,
        ),
    );
    typed(&mut a, "my explanation");
    assert_eq!(step(&mut a, key(KeyCode::Enter)), vec![]);
    assert!(a.review.awaiting_rating);
    let fx = step(&mut a, ch('3'));
    assert!(
        matches!(&fx[..], [Effect::SaveReview { answer, .. }] if answer.rating == crate::srs::Rating::Good && answer.source == crate::store::cards::GradeSource::SelfRated)
    );
}

#[test]
fn profile_picker_asks_for_a_pin_and_creates_profiles() {
    let mut a = App::new(Screen::ProfilePicker, Theme::Default, Keymap::default());
    step(
        &mut a,
        Msg::Profiles(vec![
            ProfileItem {
                name: "ana".into(),
                has_pin: false,
            },
            ProfileItem {
                name: "ben".into(),
                has_pin: true,
            },
        ]),
    );
    assert_eq!(
        step(&mut a, key(KeyCode::Enter)),
        vec![Effect::ChooseProfile {
            name: "ana".into(),
            pin: None
        }]
    );
    step(&mut a, key(KeyCode::Down));
    assert_eq!(step(&mut a, key(KeyCode::Enter)), vec![]);
    assert!(matches!(a.prompt, Some(Prompt::Pin { .. })));
    typed(&mut a, "4711");
    assert_eq!(
        step(&mut a, key(KeyCode::Enter)),
        vec![Effect::ChooseProfile {
            name: "ben".into(),
            pin: Some("4711".into())
        }]
    );
    step(&mut a, Msg::PinRejected("ben".into()));
    assert!(
        matches!(&a.prompt, Some(Prompt::Pin { error: Some(_), input, .. }) if input.is_empty())
    );
    step(&mut a, key(KeyCode::Esc));
    assert!(a.prompt.is_none());
    step(&mut a, ch('n'));
    typed(&mut a, "Cleo");
    assert_eq!(
        step(&mut a, key(KeyCode::Enter)),
        vec![Effect::CreateProfile("Cleo".into())]
    );
    step(&mut a, Msg::ProfileCreated("Cleo".into()));
    assert_eq!(a.screen, Screen::Home);
}

#[test]
fn help_overlay_opens_and_swallows_keys() {
    let mut a = app();
    step(&mut a, ch('?'));
    assert!(a.help);
    assert_eq!(
        step(&mut a, ch('r')),
        vec![],
        "keys do not leak through the overlay"
    );
    step(&mut a, key(KeyCode::Esc));
    assert!(!a.help);
}

#[test]
fn settings_change_and_save_on_leave() {
    let mut a = app();
    step(&mut a, ch(','));
    step(&mut a, key(KeyCode::Down));
    step(&mut a, key(KeyCode::Down));
    step(&mut a, key(KeyCode::Right));
    assert_eq!(a.settings.threads, 3);
    let fx = step(&mut a, key(KeyCode::Esc));
    assert!(matches!(&fx[0], Effect::SaveSettings(s) if s.threads == 3));
}

#[test]
fn a_theme_change_applies_when_settings_are_saved() {
    let mut a = app();
    step(&mut a, ch(','));
    for _ in 0..5 {
        step(&mut a, key(KeyCode::Down));
    }
    step(&mut a, key(KeyCode::Right));
    assert!(a.settings.high_contrast);
    let fx = step(&mut a, key(KeyCode::Esc));
    assert!(matches!(&fx[0], Effect::SaveSettings(s) if s.high_contrast));
    assert_eq!(a.theme, Theme::HighContrast, "applied without a restart");
    // NO_COLOR wins over the setting.
    let mut b = App::new(Screen::Home, Theme::NoColor, Keymap::default());
    step(&mut b, ch(','));
    for _ in 0..5 {
        step(&mut b, key(KeyCode::Down));
    }
    step(&mut b, key(KeyCode::Right));
    step(&mut b, key(KeyCode::Esc));
    assert_eq!(b.theme, Theme::NoColor);
}

#[test]
fn terminate_ends_the_lesson_and_quits() {
    let mut a = in_lesson();
    assert_eq!(
        step(&mut a, Msg::Terminate),
        vec![Effect::EndLesson, Effect::Quit]
    );
}

#[test]
fn keymap_overrides_from_config() {
    let mut o = std::collections::BTreeMap::new();
    o.insert("hint".to_string(), "alt-h".to_string());
    o.insert("bogus".to_string(), "x".to_string());
    let (map, problems) = Keymap::with_overrides(&o);
    assert_eq!(
        map.action(Screen::Lesson, &parse_key("alt-h").unwrap()),
        Some(keymap::Action::Hint)
    );
    assert_eq!(problems, vec!["ui.keys.bogus: no such action".to_string()]);
    assert_eq!(
        parse_key("ctrl-h"),
        Some(KeyEvent::new(KeyCode::Char('h'), KeyModifiers::CONTROL))
    );
    assert_eq!(
        parse_key("f1"),
        Some(KeyEvent::new(KeyCode::F(1), KeyModifiers::NONE))
    );
}

#[test]
fn teacher_view_opens_a_lesson_read_only() {
    let mut a = app();
    step(
        &mut a,
        Msg::Teacher(Box::new(TeacherData {
            rows: vec![],
            stuck: vec![],
            transcripts: vec![crate::store::sessions::SessionInfo {
                id: 12,
                profile: "ben".into(),
                course_id: "fractions".into(),
                concept_id: "x".into(),
                started_at: 0,
                ended_at: None,
                turns: 2,
                summary: None,
            }],
        })),
    );
    assert_eq!(a.screen, Screen::Teacher);
    assert_eq!(
        step(&mut a, key(KeyCode::Enter)),
        vec![],
        "the table has the focus"
    );
    step(&mut a, key(KeyCode::Tab));
    assert_eq!(
        step(&mut a, key(KeyCode::Enter)),
        vec![Effect::OpenTranscript(12)]
    );
    step(
        &mut a,
        Msg::Transcript {
            title: "Lesson #12".into(),
            entries: vec![Entry {
                who: Who::Student,
                text: "hi".into(),
            }],
        },
    );
    assert_eq!(a.screen, Screen::Lesson);
    typed(&mut a, "x");
    assert_eq!(step(&mut a, key(KeyCode::Enter)), vec![], "read-only");
}

#[test]
fn the_teacher_view_asks_for_the_teacher_pin_when_one_is_set() {
    let mut a = app();
    assert_eq!(step(&mut a, ch('t')), vec![Effect::LoadTeacher]);
    a.teacher_locked = true;
    assert_eq!(step(&mut a, ch('t')), vec![]);
    typed(&mut a, "2468");
    assert_eq!(
        step(&mut a, key(KeyCode::Enter)),
        vec![Effect::TeacherPin("2468".into())]
    );
    step(&mut a, Msg::TeacherPinRejected);
    assert!(matches!(
        &a.prompt,
        Some(Prompt::Teacher { error: Some(_), .. })
    ));
}
