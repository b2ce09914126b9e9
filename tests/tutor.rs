//! The Socratic tutor with the real SmolLM2 model (the adversarial set is in `tests/eval.rs`):
//! deterministic graders 100 % right on the labelled answers, and an end-to-end lesson
//! through `tutor learn --plain` that saves its transcript and grades. Then the lesson that
//! listens (non-answers, hints on every kind, no elimination, guided answers, negation, the
//! summary), driven through the real engine with no model loaded (the teacher's words only),
//! the labelled intent set, and lessons whose database fails mid-lesson.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use tutor::curriculum::library::Library;
use tutor::tutor::eval;
use tutor::tutor::lesson::{Lesson, LessonEvent};

#[test]
fn rule_graders_agree_with_every_label() {
    let lib = Library::load(None, &[]);
    let (n, errors) = eval::rule_grading(&lib);
    assert!(n >= 100, "{n} labelled rule-graded answers");
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert!(eval::labelled().len() >= 100);
}

#[test]
fn a_lesson_asks_hints_grades_and_summarises() {
    let e = common::engine();
    let lib = Library::load(None, &[]);
    let course = lib.get("fractions").unwrap().course.clone();
    let mut lesson = Lesson::new(course, "fraction-of-quantity").unwrap();
    let mut events = Vec::new();
    lesson.begin(&*e, &mut |ev| events.push(ev));
    assert!(matches!(events.first(), Some(LessonEvent::TutorStart { mv }) if mv == "warm-up"));
    // The three guiding questions, each answered with its idea.
    for line in [
        "sharing things out",
        "4",
        "multiply by 3",
        "to make equal groups",
    ] {
        lesson.student(line, &*e, &mut |ev| events.push(ev));
    }
    // At the first check (1/3 of 12): a hint, a wrong answer, then the right one.
    assert!(
        events
            .iter()
            .any(|ev| matches!(ev, LessonEvent::Check { id, .. } if id == "fq-1")),
        "{events:#?}"
    );
    lesson.student("h", &*e, &mut |ev| events.push(ev));
    lesson.student("3", &*e, &mut |ev| events.push(ev));
    lesson.student("4", &*e, &mut |ev| events.push(ev));
    let graded = events.iter().find_map(|ev| match ev {
        LessonEvent::Graded {
            check_id,
            correct,
            rating,
            hints_used,
            attempts,
            ..
        } if check_id == "fq-1" => Some((*correct, *rating, *hints_used, *attempts)),
        _ => None,
    });
    assert_eq!(graded, Some((true, tutor::srs::Rating::Hard, 1, 2)));
    // Give up on the rest: the lesson ends with a summary naming what to review.
    while !lesson.done() {
        lesson.student("?", &*e, &mut |ev| events.push(ev));
    }
    let summary = events.iter().rev().find_map(|ev| match ev {
        LessonEvent::Summary(s) => Some(s.clone()),
        _ => None,
    });
    let summary = summary.expect("summary");
    assert!(
        summary.contains("1 of 3") && !summary.contains("fq-2"),
        "{summary}"
    );
}

#[test]
fn learn_plain_saves_the_transcript_and_the_graded_check() {
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tutor"))
        .args(["learn", "probability", "outcomes", "--plain", "--model"])
        .arg(common::model_path())
        .env("TUTOR_HOME", home.path())
        .env("USER", "lea")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"heads or tails\n5 and 6\nmake a list\n6\n:q\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(
            "[check] How many possible outcomes are there when you roll one ordinary six-sided die?"
        ),
        "{text}"
    );
    assert!(text.contains("✓ saved: next review"), "{text}");
    let list = Command::new(env!("CARGO_BIN_EXE_tutor"))
        .args(["transcripts"])
        .env("TUTOR_HOME", home.path())
        .env("USER", "lea")
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&list.stdout);
    assert!(
        listing.contains("probability") && listing.contains("outcomes"),
        "{listing}"
    );
    let export = home.path().join("t.jsonl");
    let st = Command::new(env!("CARGO_BIN_EXE_tutor"))
        .args(["transcripts", "--export"])
        .arg(&export)
        .env("TUTOR_HOME", home.path())
        .env("USER", "lea")
        .status()
        .unwrap();
    assert!(st.success());
    let line = std::fs::read_to_string(&export).unwrap();
    let v: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    let msgs = v["messages"].as_array().unwrap();
    assert_eq!(msgs[0]["role"], "system");
    assert!(
        msgs.iter()
            .any(|m| m["role"] == "user" && m["content"] == "6")
    );
    assert!(msgs.iter().any(|m| m["role"] == "assistant"));
    let stats = Command::new(env!("CARGO_BIN_EXE_tutor"))
        .args(["stats", "--json"])
        .env("TUTOR_HOME", home.path())
        .env("USER", "lea")
        .output()
        .unwrap();
    let s: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(s["reviews_total"], 1);
}

use tutor::curriculum::Course;
use tutor::engine::EngineHandle;
use tutor::srs::Rating;

fn course(id: &str) -> Course {
    Library::load(None, &[]).get(id).unwrap().course.clone()
}

/// A lesson (teacher's words only: the engine has no model) started at check `check_id`.
fn at_check(
    e: &EngineHandle,
    course_id: &str,
    concept: &str,
    check_id: &str,
) -> (Lesson, Vec<LessonEvent>) {
    let mut lesson = Lesson::new(course(course_id), concept).unwrap();
    let mut events = Vec::new();
    lesson.skip_to_checks(e, &mut |ev| events.push(ev));
    while !events
        .iter()
        .any(|ev| matches!(ev, LessonEvent::Check { id, .. } if id == check_id))
    {
        assert!(!lesson.done(), "no check {check_id}");
        lesson.student("?", e, &mut |ev| events.push(ev));
    }
    events.clear();
    (lesson, events)
}

fn say(l: &mut Lesson, e: &EngineHandle, line: &str) -> Vec<LessonEvent> {
    let mut ev = Vec::new();
    l.student(line, e, &mut |x| ev.push(x));
    ev
}

fn graded(events: &[LessonEvent]) -> Option<(bool, Rating, u32, u32, Option<String>)> {
    events.iter().find_map(|ev| match ev {
        LessonEvent::Graded {
            correct,
            rating,
            attempts,
            hints_used,
            answer,
            ..
        } => Some((*correct, *rating, *attempts, *hints_used, answer.clone())),
        _ => None,
    })
}

fn moves(events: &[LessonEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|ev| match ev {
            LessonEvent::TutorStart { mv } => Some(mv.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn non_answers_do_not_use_up_attempts() {
    let e = EngineHandle::spawn();
    let (mut l, _) = at_check(&e, "fractions", "what-is-a-fraction", "wf-pizza");
    for line in [
        "I am not sure what comes next",
        "print the answer",
        "can you give me a hint",
    ] {
        let ev = say(&mut l, &e, line);
        assert!(graded(&ev).is_none(), "{line}: {ev:#?}");
        assert!(
            !moves(&ev).contains(&"probe".to_string()),
            "{line}: {ev:#?}"
        );
    }
    let ev = say(&mut l, &e, "3/8");
    let (correct, _, attempts, hints, _) = graded(&ev).expect("graded");
    assert!(correct);
    assert_eq!(attempts, 1, "only the real answer counts as an attempt");
    assert!(hints >= 1);
}

#[test]
fn a_hint_request_on_a_choice_check_gets_the_next_hint() {
    let e = EngineHandle::spawn();
    let (mut l, _) = at_check(&e, "fractions", "what-is-a-fraction", "wf-equal-parts");
    let ev = say(&mut l, &e, "Can you give me a hint");
    assert_eq!(moves(&ev), vec!["hint".to_string()], "{ev:#?}");
    let text: String = ev
        .iter()
        .filter_map(|x| match x {
            LessonEvent::TutorEnd { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert!(
        text.contains("Think about what makes sharing fair."),
        "{text}"
    );
    let ev = say(&mut l, &e, "just tell me which one is right");
    assert_eq!(moves(&ev), vec!["hint".to_string()], "{ev:#?}");
    assert!(!ev.iter().any(|x| matches!(x, LessonEvent::Unreadable(_))));
}

#[test]
fn a_choice_check_cannot_be_won_by_elimination() {
    let e = EngineHandle::spawn();
    let (mut l, _) = at_check(&e, "fractions", "what-is-a-fraction", "wf-equal-parts");
    assert!(graded(&say(&mut l, &e, "a")).is_none());
    // Two of three choices tried and wrong: the explanation, rated Again; no third try.
    let ev = say(&mut l, &e, "c");
    let (correct, rating, attempts, _, _) = graded(&ev).expect("graded after choices - 1");
    assert!(!correct);
    assert_eq!(rating, Rating::Again);
    assert_eq!(attempts, 2);
    assert!(ev.iter().any(
        |x| matches!(x, LessonEvent::Feedback { correct: false, text } if text.contains("EQUAL parts"))
    ));
    assert!(
        ev.iter()
            .any(|x| matches!(x, LessonEvent::Check { id, .. } if id == "wf-pizza"))
    );
}

#[test]
fn an_answer_with_a_reason_is_graded_and_the_reason_kept() {
    let e = EngineHandle::spawn();
    let (mut l, _) = at_check(&e, "fractions", "what-is-a-fraction", "wf-pizza");
    let ev = say(&mut l, &e, "I think it's 3/8 because she ate 3 of 8 slices");
    let (correct, _, attempts, _, answer) = graded(&ev).expect("graded");
    assert!(correct && attempts == 1);
    assert_eq!(
        answer.as_deref(),
        Some("3/8 (because she ate 3 of 8 slices)")
    );
    let (mut l, _) = at_check(&e, "fractions", "what-is-a-fraction", "wf-pizza");
    let ev = say(&mut l, &e, "maybe 3/5 because there are 5 left");
    assert!(graded(&ev).is_none());
    let probe: String = ev
        .iter()
        .filter_map(|x| match x {
            LessonEvent::TutorEnd { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert!(probe.contains("there are 5 left"), "{probe}");
}

#[test]
fn guided_answers_change_the_next_move() {
    let e = EngineHandle::spawn();
    let mut l = Lesson::new(course("fractions"), "what-is-a-fraction").unwrap();
    l.begin(&e, &mut |_| {});
    let ev = say(&mut l, &e, "I know a pizza can be cut into slices");
    assert_eq!(moves(&ev), vec!["take-up", "ask-guiding"]);
    // Unsure: helped in and asked the same question again, not moved on.
    let ev = say(&mut l, &e, "I don't know");
    assert_eq!(moves(&ev), vec!["encourage".to_string()], "{ev:#?}");
    let text = ev
        .iter()
        .find_map(|x| match x {
            LessonEvent::TutorEnd { text, .. } => Some(text.clone()),
            _ => None,
        })
        .unwrap();
    assert!(
        text.contains("If you share a sandwich fairly between two people"),
        "{text}"
    );
    // A misconception is addressed before moving on; an answer moves on.
    let ev = say(
        &mut l,
        &e,
        "any two pieces are halves even if they are different sizes",
    );
    assert_eq!(moves(&ev), vec!["address-misconception".to_string()]);
    let ev = say(&mut l, &e, "each person gets half");
    assert_eq!(moves(&ev), vec!["affirm", "ask-guiding"]);
}

#[test]
fn a_negated_misconception_is_not_matched() {
    let e = EngineHandle::spawn();
    for (line, expected) in [
        (
            "I don't think bigger denominators mean bigger fractions",
            false,
        ),
        ("bigger denominators mean bigger fractions", true),
    ] {
        let mut l = Lesson::new(course("fractions"), "equivalent-fractions").unwrap();
        l.begin(&e, &mut |_| {});
        let ev = say(&mut l, &e, line);
        let matched = ev
            .iter()
            .any(|x| matches!(x, LessonEvent::Misconception { index: 0, .. }));
        assert_eq!(matched, expected, "{line}: {ev:#?}");
    }
}

#[test]
fn the_summary_names_titles_and_states_what_was_corrected() {
    let e = EngineHandle::spawn();
    let mut l = Lesson::new(course("fractions"), "what-is-a-fraction").unwrap();
    let mut events = Vec::new();
    l.begin(&e, &mut |x| events.push(x));
    for line in [
        "Any two pieces are halves, even if they are different sizes.",
        "they get half each",
        "the pieces must be equal",
        "okay",
        "b",
        "?",
        "?",
    ] {
        l.student(line, &e, &mut |x| events.push(x));
    }
    assert!(l.done(), "{events:#?}");
    let summary = l.summary();
    assert!(summary.contains("What is a fraction?"), "{summary}");
    assert!(summary.contains("1 of 3"), "{summary}");
    assert!(
        summary.contains("A pizza is cut into 8 equal slices") && !summary.contains("wf-pizza"),
        "checks to review are named by their question, not their id: {summary}"
    );
    assert!(
        summary
            .contains("A mistaken idea we corrected (it is not true): \"Any two pieces are halves"),
        "{summary}"
    );
    assert!(!summary.contains("Ideas we worked on"), "{summary}");
}

#[test]
fn labelled_student_lines_are_classified_and_matched() {
    let lib = Library::load(None, &[]);
    let s = tutor::tutor::intent::labelled_accuracy(&lib, None);
    assert!(s.items >= 200, "{} labelled lines", s.items);
    println!(
        "intent_accuracy {:.3}, misconception precision {:.3} recall {:.3} f1 {:.3}",
        s.intent_accuracy, s.misconception_precision, s.misconception_recall, s.misconception_f1
    );
    assert!(
        s.intent_accuracy >= 0.85,
        "intent accuracy {:.3}:\n{}",
        s.intent_accuracy,
        s.errors.join("\n")
    );
    assert!(
        s.misconception_f1 >= 0.7,
        "misconception F1 {:.3}:\n{}",
        s.misconception_f1,
        s.errors.join("\n")
    );
}

use tutor::store::Store;
use tutor::tutor::service::{LessonService, LessonUpdate};

/// A real store file with the fractions course and a profile; returns the store and profile.
fn lesson_store(dir: &std::path::Path) -> (Store, tutor::store::profiles::Profile) {
    let lib = Library::load(None, &[]);
    let mut store = Store::open(&dir.join("tutor.db")).unwrap();
    let e = lib.get("fractions").unwrap();
    store
        .sync_course(&e.course, &e.content_hash, "bundled")
        .unwrap();
    let p = store.add_profile("lea", None).unwrap();
    store.ensure_cards(p.id).unwrap();
    (store, p)
}

fn transcript_texts(store: &Store, session: i64) -> Vec<String> {
    store
        .transcript(session, None)
        .unwrap()
        .into_iter()
        .map(|l| l.content)
        .collect()
}

#[test]
fn a_lesson_on_a_database_that_fills_up_or_turns_read_only_says_so_and_keeps_what_was_saved() {
    let e = EngineHandle::spawn();
    let dir = tempfile::tempdir().unwrap();
    let (mut store, profile) = lesson_store(dir.path());
    let sched = tutor::srs::Scheduler::new(&[], 0.9).unwrap();
    let lesson = Lesson::new(course("fractions"), "what-is-a-fraction").unwrap();
    let mut svc = LessonService::start(&mut store, profile, sched, lesson).unwrap();
    let mut updates = Vec::new();
    svc.begin(&mut store, &e, &mut |u| updates.push(u));
    for line in ["sharing things", "half each", "the pieces must be equal"] {
        svc.student(line, &mut store, &e, &mut |u| updates.push(u));
    }
    assert!(
        !updates
            .iter()
            .any(|u| matches!(u, LessonUpdate::NotSaved(_)))
    );
    let before = transcript_texts(&store, svc.session_id());
    assert!(before.contains(&"half each".to_string()), "{before:#?}");

    // The disk is full: no page may be added, and a long line needs new pages.
    let pages: i64 = store
        .conn()
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    store
        .conn()
        .pragma_update(None, "max_page_count", pages)
        .unwrap();
    let long = format!("b {}", "because the pieces are not equal ".repeat(400));
    let mut full = Vec::new();
    svc.student(&long, &mut store, &e, &mut |u| full.push(u));
    assert!(
        matches!(full.first(), Some(LessonUpdate::NotSaved(m)) if m.contains("your last line") && m.contains("full")),
        "{full:#?}"
    );

    // Read-only: every write fails; the grade is reported unsaved, never "saved".
    store
        .conn()
        .pragma_update(None, "query_only", true)
        .unwrap();
    let mut ro = Vec::new();
    svc.student("3/8", &mut store, &e, &mut |u| ro.push(u));
    assert!(
        ro.iter()
            .any(|u| matches!(u, LessonUpdate::Event(LessonEvent::Graded { .. }))),
        "{ro:#?}"
    );
    assert!(
        !ro.iter().any(|u| matches!(u, LessonUpdate::Saved { .. })),
        "{ro:#?}"
    );
    assert!(
        ro.iter()
            .any(|u| matches!(u, LessonUpdate::NotSaved(m) if m.contains("your answer"))),
        "{ro:#?}"
    );
    assert!(svc.failed_writes >= 3, "{}", svc.failed_writes);

    // Nothing acknowledged before the failures was lost.
    store
        .conn()
        .pragma_update(None, "query_only", false)
        .unwrap();
    drop(svc);
    drop(store);
    let store = Store::open(&dir.path().join("tutor.db")).unwrap();
    let sessions = store.sessions(None).unwrap();
    let after = transcript_texts(&store, sessions[0].id);
    assert_eq!(
        after[..before.len()],
        before[..],
        "every line saved before the failures is kept"
    );
    assert!(
        !after.contains(&long.trim().to_string()),
        "the unsaved line is not there"
    );
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

/// The lesson's prompts are laid out for the KV cache: each reply's prompt starts with the
/// previous prompt plus the previous reply (asserted on the rendered text), and (once the
/// engine keeps one cache per slot) a judge call in between does not cost the lesson its
/// cache: turns 2.. prefill about only what is new (asserted on the engine's stats).
#[test]
fn lesson_prompts_grow_by_appending_and_reuse_the_cache() {
    use tutor::engine::template::render_chatml;
    use tutor::tutor::contract::VoiceLevel;
    let e = common::engine();
    let c = course("fractions");
    let mut lesson = Lesson::new(c.clone(), "what-is-a-fraction").unwrap();
    lesson.voice = VoiceLevel::Free;
    lesson.params.max_tokens = 40;
    let judge_check = c.check("nd-explain").unwrap().1.clone();
    let judge = || {
        tutor::tutor::judge::judge_text(&*e, &judge_check, "how many parts the whole has");
    };
    lesson.begin(&*e, &mut |_| {});
    for (i, line) in [
        "sharing things out",
        "each person gets half",
        "I don't know",
        "they must be the same size",
        "can you give me a hint",
        "a",
    ]
    .into_iter()
    .enumerate()
    {
        if i % 2 == 1 {
            judge();
        }
        lesson.student(line, &*e, &mut |_| {});
    }
    let r = &lesson.replies;
    assert!(r.len() >= 5, "{} model replies", r.len());
    for w in r.windows(2) {
        let before = render_chatml(&w[0].messages, true) + &w[0].committed;
        let next = render_chatml(&w[1].messages, true);
        assert!(
            next.starts_with(&before),
            "the next prompt does not extend the previous prompt and reply:\n--- previous\n{before}\n--- next\n{next}"
        );
    }
    let mut report = Vec::new();
    let mut over = Vec::new();
    for w in r.windows(2) {
        let (a, b) = (w[0].stats.clone().unwrap(), w[1].stats.clone().unwrap());
        let new = b.prompt_tokens.saturating_sub(a.prompt_tokens);
        report.push(format!(
            "prompt {} reused {} prefilled {} (new {new})",
            b.prompt_tokens, b.reused_tokens, b.prefill_tokens
        ));
        if b.prefill_tokens as f64 > 1.3 * new as f64 + 8.0 {
            over.push(report.last().unwrap().clone());
        }
    }
    println!("{}", report.join("\n"));
    assert!(
        over.is_empty(),
        "turns that prefilled more than the new tokens (a judge call in between reset the lesson's cache?):\n{}",
        over.join("\n")
    );
}

/// Runs `tutor learn fractions --plain` in a fresh home with `lines` (then `:q`); returns the
/// printed text, the saved transcript as (role, move, content) rows, and the saved grades as
/// (check, attempts, correct).
type Rows = Vec<(String, String, String)>;
fn plain_fractions_lesson(lines: &[String]) -> (String, Rows, Vec<(String, i64, bool)>) {
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tutor"))
        .args(["learn", "fractions", "--plain", "--model"])
        .arg(common::model_path())
        .env("TUTOR_HOME", home.path())
        .env("USER", "maya")
        .env_remove("TUTOR_VOICE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut input = lines.join("\n");
    input.push_str("\n:q\n");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    let db = rusqlite::Connection::open(home.path().join("tutor.sqlite3")).unwrap();
    let mut st = db
        .prepare("SELECT role, coalesce(move, ''), content FROM transcript ORDER BY id")
        .unwrap();
    let rows = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut st = db
        .prepare(
            "SELECT c.check_id, r.attempts, r.correct FROM review_log r \
             JOIN cards c ON c.id = r.card_id ORDER BY r.id",
        )
        .unwrap();
    let graded = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    (text, rows, graded)
}

/// What the tutor said after each student line: (line, tutor rows until the next line).
fn replies(rows: &[(String, String, String)]) -> Vec<(String, Vec<(String, String)>)> {
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for (role, mv, content) in rows {
        if role == "student" {
            out.push((content.clone(), Vec::new()));
        } else if role == "tutor"
            && let Some(last) = out.last_mut()
        {
            last.1.push((mv.clone(), content.clone()));
        }
    }
    out
}

/// Issue 19's transcript, replayed in plain mode with the student's own lines at the default
/// settings (the teacher's words, level 0). "It's not c, right?" named the right choice of the
/// student's shuffled order; it no longer closes the check, so the student then picks it, and
/// the rest of their lines land on the pizza check as they did.
#[test]
fn the_issue_19_lesson_listens() {
    // The first profile of a fresh home has id 1: its shuffle is the lesson's.
    let right = common::right_letter("fractions", "wf-equal-parts", "1");
    let lines: Vec<String> = [
        "I know a pizza can be cut into slices",
        "half of it, if the halves are the same size",
        "Each slice is a part of the whole",
        &format!("It's not {right}, right?"),
        &right.to_string(),
        "I think it's 8/3 because 8 slices and 3 eaten",
        "ok",
        "3/8 because she ate 3 of the 8 equal slices",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (text, rows, graded) = plain_fractions_lesson(&lines);
    println!("{text}");
    let said = replies(&rows);
    let reply = |i: usize| -> String {
        said[i]
            .1
            .iter()
            .map(|(_, c)| c.as_str())
            .collect::<Vec<_>>()
            .join(" / ")
    };
    let moves = |i: usize| -> Vec<&str> { said[i].1.iter().map(|(m, _)| m.as_str()).collect() };
    assert_eq!(said.len(), lines.len(), "every line saved: {rows:#?}");
    // The warm-up: no seam, the title used as a title.
    let opening = &rows[0].2;
    assert!(!opening.contains("?."), "{opening}");
    // The pizza is taken up in the student's words.
    assert!(
        reply(0).contains("a pizza can be cut into slices"),
        "{}",
        reply(0)
    );
    // The sandwich answer is affirmed in the student's words, the second guiding question
    // (already answered) is skipped, and the lesson moves to the checks.
    assert!(
        reply(1).contains("half of it, if the halves are the same size"),
        "{}",
        reply(1)
    );
    assert!(moves(1).contains(&"affirm"), "{:?}", moves(1));
    let second = "What has to be true about the pieces for us to call them halves?";
    assert!(!text.contains(second), "{text}");
    assert!(moves(1).contains(&"pose-check"), "{:?}", moves(1));
    // No praise after the ruled-out guess, and the check stays open.
    let r3 = reply(3);
    assert!(
        !r3.contains("That's right")
            && !r3.contains("well done")
            && !moves(3).contains(&"feedback"),
        "{r3}"
    );
    // Picked: right.
    assert!(reply(4).contains("That's right"), "{}", reply(4));
    // "ok" costs nothing: no "Not quite", no grade, and the pizza check is graded on two
    // attempts (8/3, then 3/8).
    let r6 = reply(6);
    assert!(
        !r6.contains("Not quite") && !moves(6).contains(&"feedback"),
        "{r6}"
    );
    assert_eq!(
        graded,
        vec![
            ("wf-equal-parts".to_string(), 1, true),
            ("wf-pizza".to_string(), 2, true)
        ]
    );
    assert!(reply(7).contains("That's right"), "{}", reply(7));
    // No holes anywhere: the teacher's text and the student's words are shown as written.
    for (role, _, content) in &rows {
        assert!(!content.contains("[…]"), "{role}: {content}");
        assert!(!content.contains("?."), "{role}: {content}");
    }
    // The student's reason is taken up; the teacher's explanation is whole.
    assert!(
        reply(7).contains("she ate 3 of the 8 equal slices"),
        "{}",
        reply(7)
    );
    assert!(reply(5).contains("8 slices and 3 eaten"), "{}", reply(5));
}
