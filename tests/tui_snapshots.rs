//! `insta` snapshots of every screen (and the help overlay and prompts) on ratatui's
//! `TestBackend`, at 80×24 and 120×40, including loading, empty and error states.

use std::time::Instant;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tutor::app::keymap::Keymap;
use tutor::app::state::*;
use tutor::app::{App, Msg, Prompt, Screen, Theme, update};
use tutor::curriculum::CheckKind;
use tutor::store::stats::{ConceptStats, CourseStats, DayCount, ReportRow, Stats};
use tutor::tutor::lesson::LessonEvent;

fn draw(app: &App, name: &str) {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| tutor::ui::render(app, f)).unwrap();
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
    }
}

fn base() -> App {
    let mut a = App::new(Screen::Home, Theme::NoColor, Keymap::default());
    a.model = ModelStatus::Ready("Smollm2 135M, Q4_1".into());
    a.home = HomeData {
        loaded: true,
        profile: "ana".into(),
        courses: vec![
            CourseSummary {
                id: "fractions".into(),
                title: "Fractions".into(),
                mastery: 0.62,
                due: 3,
            },
            CourseSummary {
                id: "photosynthesis".into(),
                title: "Photosynthesis".into(),
                mastery: 0.15,
                due: 0,
            },
            CourseSummary {
                id: "probability".into(),
                title: "Chance and probability".into(),
                mastery: 0.0,
                due: 0,
            },
        ],
        due_today: 3,
        streak: 4,
        next_lesson: Some((
            "fractions".into(),
            "comparing".into(),
            "Fractions › Comparing fractions".into(),
        )),
        problems: vec![],
    };
    a
}

fn step(a: &mut App, m: Msg) {
    update(a, m, Instant::now());
}

#[test]
fn home_ready_loading_and_empty() {
    draw(&base(), "home");
    let mut a = base();
    a.model = ModelStatus::Loading(0.4);
    draw(&a, "home_loading");
    let mut a = base();
    a.home.courses.clear();
    a.home.next_lesson = None;
    a.home.problems = vec![
        "/home/ana/.local/share/tutor/curricula/broken.toml: TOML syntax: unclosed table".into(),
    ];
    a.model = ModelStatus::Missing(
        "no model found. Put a .gguf file in ./models or pass --model PATH".into(),
    );
    draw(&a, "home_empty_no_model");
    // The first frame, before the courses have been read: not "No courses found".
    let mut a = base();
    a.home = HomeData::default();
    draw(&a, "home_first_frame");
    let mut a = base();
    a.status = Some(
        "the progress database is busy (another tutor is writing); try again in a moment".into(),
    );
    draw(&a, "home_error_status");
}

#[test]
fn help_overlay() {
    let mut a = base();
    a.help = true;
    draw(&a, "help_home");
    let mut a = lesson();
    a.help = true;
    draw(&a, "help_lesson");
}

#[test]
fn profile_picker_and_prompts() {
    let mut a = App::new(Screen::ProfilePicker, Theme::NoColor, Keymap::default());
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
    draw(&a, "profiles");
    a.prompt = Some(Prompt::Pin {
        profile: "ben".into(),
        input: "47".into(),
        error: Some("Wrong PIN, try again.".into()),
    });
    draw(&a, "pin_prompt");
    a.prompt = Some(Prompt::NewProfile {
        input: "Cleo".into(),
        error: None,
    });
    draw(&a, "new_profile_prompt");
}

#[test]
fn course_map() {
    let mut a = base();
    let row = |id: &str, title: &str, m: f64, s: ConceptState| ConceptRow {
        id: id.into(),
        title: title.into(),
        mastery: m,
        state: s,
        requires: vec!["what-is-a-fraction".into()],
    };
    step(
        &mut a,
        Msg::CourseMap(CourseMap {
            course_id: "fractions".into(),
            title: "Fractions".into(),
            concepts: vec![
                row(
                    "what-is-a-fraction",
                    "What is a fraction?",
                    0.93,
                    ConceptState::Mastered,
                ),
                row(
                    "numerator-denominator",
                    "Numerator and denominator",
                    0.41,
                    ConceptState::InProgress,
                ),
                row(
                    "number-line",
                    "Fractions on a number line",
                    0.0,
                    ConceptState::Available,
                ),
                row(
                    "comparing",
                    "Comparing fractions",
                    0.0,
                    ConceptState::Locked,
                ),
            ],
        }),
    );
    draw(&a, "course_map");
}

fn lesson() -> App {
    let mut a = base();
    step(
        &mut a,
        Msg::LessonStarted {
            course_id: "fractions".into(),
            concept_id: "equivalent-fractions".into(),
            title: "Fractions › Equivalent fractions".into(),
        },
    );
    for ev in [
        LessonEvent::TutorStart {
            mv: "warm-up".into(),
        },
        LessonEvent::TutorEnd {
            mv: "warm-up".into(),
            text: "Hi! What do you already know about **equivalent** fractions?".into(),
        },
    ] {
        step(&mut a, Msg::Lesson(ev));
    }
    a.lesson.as_mut().unwrap().entries.push(Entry {
        who: Who::Student,
        text: "they are the same amount".into(),
    });
    for ev in [
        LessonEvent::Check {
            index: 0,
            id: "eq-3".into(),
            prompt: "Which fraction is NOT equivalent to 3/4?".into(),
            choices: vec!["6/8".into(), "9/12".into(), "4/5".into()],
        },
        LessonEvent::TutorStart { mv: "hint".into() },
        LessonEvent::Token("Check each one: were the top and ".into()),
    ] {
        step(&mut a, Msg::Lesson(ev));
    }
    a.lesson.as_mut().unwrap().input = "is it 4/".into();
    a
}

#[test]
fn lesson_streaming_and_finished() {
    draw(&lesson(), "lesson_streaming");
    let mut a = lesson();
    for ev in [
        LessonEvent::TutorEnd {
            mv: "hint".into(),
            text: "Check each one: were the top and bottom multiplied by the same number?".into(),
        },
        LessonEvent::Feedback {
            correct: true,
            text: "That's right, well done! 6/8 and 9/12 come from multiplying by 2 and 3.".into(),
        },
        LessonEvent::Summary(
            "Lesson summary: Equivalent fractions. You answered 1 of 1 checks correctly.".into(),
        ),
    ] {
        step(&mut a, Msg::Lesson(ev));
    }
    a.lesson.as_mut().unwrap().input.clear();
    draw(&a, "lesson_done");
}

#[test]
fn a_lesson_write_that_fails_is_shown() {
    let mut a = lesson();
    for ev in [
        LessonEvent::TutorEnd {
            mv: "hint".into(),
            text: "Check each one: were the top and bottom multiplied by the same number?".into(),
        },
        LessonEvent::Graded {
            check_id: "eq-3".into(),
            correct: true,
            rating: tutor::srs::Rating::Good,
            source: tutor::store::cards::GradeSource::Rule,
            attempts: 1,
            hints_used: 1,
            response_ms: 9000,
            answer: Some("c".into()),
        },
    ] {
        step(&mut a, Msg::Lesson(ev));
    }
    step(
        &mut a,
        Msg::LessonNotSaved(
            "Not saved: your answer and its review date (database or disk is full). Everything before this is kept; ask your teacher to check the disk space.".into(),
        ),
    );
    a.lesson.as_mut().unwrap().input.clear();
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    t.draw(|f| tutor::ui::render(&a, f)).unwrap();
    let screen: String = t
        .backend()
        .buffer()
        .content()
        .chunks(120)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>() + "\n")
        .collect();
    // In the transcript (as a note) and in the status line.
    assert!(
        screen
            .matches("Not saved: your answer and its review date")
            .count()
            >= 2,
        "{screen}"
    );
    assert!(screen.contains("note:"), "{screen}");
}

fn review_card() -> Box<ReviewCard> {
    Box::new(ReviewCard {
        card_id: 1,
        course_id: "fractions".into(),
        check_id: "cmp-2".into(),
        concept_title: "Comparing fractions".into(),
        kind: CheckKind::Choice,
        prompt: "Which is larger: 1/3 or 1/5?".into(),
        choices: vec!["1/3".into(), "1/5".into(), "they are equal".into()],
        answer: "1/3".into(),
        accept: vec![],
        tolerance: None,
        hints: vec!["Both have one piece. Which piece is bigger?".into()],
        explanation: "Thirds are bigger pieces than fifths, so 1/3 > 1/5.".into(),
        shown_at: Instant::now(),
        check: None,
    })
}

#[test]
fn review_card_feedback_and_empty() {
    let mut a = base();
    step(&mut a, Msg::ReviewCard(Some(review_card()), 4));
    a.review.hints_shown = 1;
    a.review.input = "a".into();
    draw(&a, "review_card");
    a.review.input.clear();
    a.review.feedback = Some((
        true,
        "Correct! Thirds are bigger pieces than fifths, so 1/3 > 1/5.".into(),
    ));
    a.review.saved = Some("in 3 days".into());
    draw(&a, "review_saved");
    step(&mut a, Msg::ReviewCard(None, 0));
    draw(&a, "review_empty");
}

#[test]
fn stats_screen() {
    let mut a = base();
    let days: Vec<DayCount> = (0..30)
        .map(|i| DayCount {
            date: format!("2026-11-{:02}", i % 28 + 1),
            count: (i * 7 % 5) as u32,
        })
        .collect();
    let forecast: Vec<DayCount> = (0..30)
        .map(|i| DayCount {
            date: String::new(),
            count: ((30 - i) % 6) as u32,
        })
        .collect();
    step(
        &mut a,
        Msg::Stats(Box::new(Stats {
            profile: "ana".into(),
            reviews_total: 214,
            due_today: 3,
            streak_days: 4,
            retention: Some(0.87),
            reviews_per_day: days,
            forecast,
            courses: vec![CourseStats {
                id: "fractions".into(),
                title: "Fractions".into(),
                mastery: 0.62,
                concepts: vec![
                    ConceptStats {
                        id: "a".into(),
                        title: "What is a fraction?".into(),
                        mastery: 0.93,
                        cards: 3,
                        due: 0,
                    },
                    ConceptStats {
                        id: "b".into(),
                        title: "Equivalent fractions".into(),
                        mastery: 0.31,
                        cards: 3,
                        due: 2,
                    },
                ],
            }],
        })),
    );
    draw(&a, "stats");
}

#[test]
fn teacher_view() {
    let mut a = base();
    let row = |p: &str, c: &str, m: f64, r: u32, l: u32| ReportRow {
        profile: p.into(),
        course: "fractions".into(),
        concept: c.into(),
        concept_title: c.into(),
        mastery: m,
        reviews: r,
        lapses: l,
        last_seen: None,
        time_spent_s: 60,
        laptop: Some(if p == "ana" { "lab-1" } else { "lab-2" }.into()),
        laptop_seen: Some("2026-11-20T10:00:00+00:00".into()),
    };
    step(
        &mut a,
        Msg::Teacher(Box::new(TeacherData {
            rows: vec![
                row("ana", "what-is-a-fraction", 0.93, 6, 0),
                row("ben", "what-is-a-fraction", 0.2, 9, 3),
                row("ben", "comparing", 0.0, 0, 0),
            ],
            stuck: vec![("ben".into(), "fractions".into(), "wf-pizza".into(), 3)],
            transcripts: vec![tutor::store::sessions::SessionInfo {
                id: 12,
                profile: "ben".into(),
                course_id: "fractions".into(),
                concept_id: "what-is-a-fraction".into(),
                started_at: 0,
                ended_at: None,
                turns: 9,
                summary: None,
            }],
        })),
    );
    draw(&a, "teacher");
}

#[test]
fn settings_screen() {
    let mut a = base();
    a.screen = Screen::Settings;
    a.settings.model_path = "models/SmolLM2-135M-Instruct.Q4_1.gguf".into();
    a.selected = 3;
    draw(&a, "settings");
}

/// The bundled fractions course and its check with a picture.
fn fractions_entry() -> tutor::curriculum::library::Entry {
    let lib = tutor::curriculum::library::Library::load(None, &[]);
    lib.get("fractions").expect("bundled").clone()
}

#[test]
fn an_ask_reply_in_the_lesson_screen() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut a = lesson();
    a.lesson.as_mut().unwrap().input.clear();
    step(
        &mut a,
        Msg::Lesson(LessonEvent::TutorEnd {
            mv: "hint".into(),
            text: "Check each one: were the top and bottom multiplied by the same number?".into(),
        }),
    );
    // The ask key (Ctrl+A) starts a `?? ` question; Enter sends it as a lesson line.
    let ctrl_a = KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL);
    assert!(update(&mut a, Msg::Key(ctrl_a), Instant::now()).is_empty());
    assert_eq!(a.lesson.as_ref().unwrap().input, "?? ");
    for c in "what does the denominator tell you".chars() {
        step(
            &mut a,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
    }
    let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
    let fx = update(&mut a, Msg::Key(enter), Instant::now());
    let question = "?? what does the denominator tell you";
    assert_eq!(fx, vec![tutor::app::Effect::LessonSay(question.into())]);
    // The reply comes from the lesson's own hook, the one plain mode uses, over the real
    // bundled material and notes (no model: the teacher's words).
    let entry = fractions_entry();
    let index = tutor::ask::AskIndex::in_memory().unwrap();
    let q = tutor::ask::question_in(question).unwrap();
    let mut l =
        tutor::tutor::lesson::Lesson::new(entry.course.clone(), "numerator-denominator").unwrap();
    l.set_material(index, Some(entry));
    let engine = tutor::engine::EngineHandle::spawn();
    let reply = l.answer_question(q, &engine);
    engine.shutdown();
    assert!(reply.contains("(source: "), "{reply}");
    step(&mut a, Msg::MaterialReply(reply));
    draw(&a, "lesson_ask_reply");
}

#[test]
fn a_check_with_a_picture_in_half_blocks() {
    use tutor::curriculum::images::Picture;
    use tutor::ui::picture::{Graphics, PictureView};
    let entry = fractions_entry();
    let (_, check) = entry.course.check("nd-shaded").expect("the pictured check");
    let img = check.image.as_ref().expect("it has a picture");
    let mut a = base();
    step(
        &mut a,
        Msg::LessonStarted {
            course_id: "fractions".into(),
            concept_id: "numerator-denominator".into(),
            title: "Fractions › Numerator and denominator".into(),
        },
    );
    step(
        &mut a,
        Msg::Lesson(LessonEvent::Check {
            index: 3,
            id: check.id.clone(),
            prompt: check.display_prompt(),
            choices: vec![],
        }),
    );
    let picture = Picture::load(&entry.origin, img, Some(&check.id));
    let view = PictureView::new(&picture, Graphics::Halfblocks);
    assert!(view.is_drawn(), "{view:?}");
    step(&mut a, Msg::Picture(view));
    draw(&a, "lesson_picture");
    // The drawing itself: in the picture's middle row, about 3 of every 4 parts of the bar are
    // blue and 1 is white (the colours are not in the text snapshot).
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| tutor::ui::render(&a, f)).unwrap();
    let buf = t.backend().buffer().clone();
    let blue = |c: ratatui::style::Color| matches!(c, ratatui::style::Color::Rgb(r, g, b) if b > 150 && r < 120 && g < 170);
    let white = |c: ratatui::style::Color| matches!(c, ratatui::style::Color::Rgb(r, g, b) if r > 200 && g > 200 && b > 200);
    let rows: Vec<u16> = (0..24)
        .filter(|&y| (0..80).any(|x| blue(buf[(x, y)].fg) || blue(buf[(x, y)].bg)))
        .collect();
    assert!(rows.len() >= 3, "the picture is drawn over several rows");
    let mid = rows[rows.len() / 2];
    let cells: Vec<&ratatui::buffer::Cell> = (0..80).map(|x| &buf[(x, mid)]).collect();
    let n_blue = cells.iter().filter(|c| blue(c.bg)).count();
    let n_white = cells.iter().filter(|c| white(c.bg)).count();
    let share = n_blue as f64 / (n_blue + n_white) as f64;
    assert!(
        (0.6..=0.85).contains(&share),
        "{n_blue} blue and {n_white} white columns"
    );
    // The alt text is on screen as words, beside the picture and in the check.
    let text: String = (0..24)
        .map(|y| (0..80).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect();
    assert!(
        text.contains("Picture: A bar cut into 4 equal parts."),
        "{text}"
    );
    // The check's feedback takes the picture away.
    step(
        &mut a,
        Msg::Lesson(LessonEvent::Feedback {
            correct: true,
            text: "That's right.".into(),
        }),
    );
    assert!(a.lesson.as_ref().unwrap().picture.is_none());
}

#[test]
fn a_picture_that_cannot_be_read_shows_its_words() {
    use tutor::curriculum::images::{ImageError, Picture};
    use tutor::ui::picture::{Graphics, PictureView};
    let mut a = lesson();
    let broken = Picture {
        alt: "A leaf cut across, seen from the side.".into(),
        path: "images/leaf.png".into(),
        bytes: Ok(std::sync::Arc::from(&b"\x89PNG\r\n\x1a\nnot really"[..])),
        check: Some("eq-3".into()),
    };
    let missing = Picture {
        bytes: Err(ImageError::NotBundled("images/leaf.png".into())),
        ..broken.clone()
    };
    for p in [broken, missing] {
        let view = PictureView::new(&p, Graphics::Halfblocks);
        assert!(!view.is_drawn() && view.problem.is_some(), "{view:?}");
        step(&mut a, Msg::Picture(view));
        draw(&a, "lesson_picture_unreadable");
    }
}
