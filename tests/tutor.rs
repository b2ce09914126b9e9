//! The Socratic tutor with the real SmolLM2 model (the adversarial set is in `tests/eval.rs`):
//! deterministic graders 100 % right on the labelled answers, and an end-to-end lesson
//! through `tutor learn --plain` that saves its transcript and grades.

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
    for line in ["sharing things out", "make equal groups", "okay"] {
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
        summary.contains("1 of 3") && summary.contains("fq-2"),
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
        .write_all(b"heads or tails\nsix numbers\nthree of them\n6\n:q\n")
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
