//! `tutor import` through the real binary: every file in `../shared/data/import/` becomes a
//! course that `tutor check` accepts (and is never written over without `--force`); a review
//! (course installed in the curricula dir, used by id) and a lesson (course given by path, real
//! model) run on imported courses with piped stdin.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tutor::curriculum::{Course, load_str};

fn data(rel: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/import")
        .join(rel);
    assert!(p.exists(), "{} is missing (shared test data)", p.display());
    p
}

fn tutor(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tutor"));
    c.env("TUTOR_HOME", home)
        .env("USER", "tester")
        .env_remove("TUTOR_PIN");
    c
}

#[test]
fn every_shared_file_imports_to_a_course_tutor_check_accepts() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("out");
    let inputs: Vec<(String, Vec<PathBuf>)> = vec![
        (
            "gift1".into(),
            vec![data("gift/fuhrmanator_numerical1.gift")],
        ),
        (
            "gift2".into(),
            vec![data("gift/fuhrmanator_options1_moodle-doc-examples.gift")],
        ),
        (
            "apkg".into(),
            vec![data(
                "anki/french-cloze/My_french_words_and_phrases_20260328.apkg",
            )],
        ),
        ("tsv".into(), vec![data("anki/french-cloze/notes.tsv")]),
        ("geo".into(), vec![data("anki/ultimate-geography")]),
        (
            "capital".into(),
            vec![data("anki/ultimate-geography/capital.csv")],
        ),
        (
            "oat1".into(),
            vec![data(
                "oatutor/college-algebra-6.7-exp-log-models.bundle.json",
            )],
        ),
        (
            "oat2".into(),
            vec![data(
                "oatutor/elementary-algebra-3.1-problem-solving-strategy.bundle.json",
            )],
        ),
    ];
    for (name, files) in inputs {
        let target = out.join(format!("{name}.toml"));
        let o = tutor(home.path())
            .arg("import")
            .args(&files)
            .arg("-o")
            .arg(&target)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{name}: {stdout}\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(stdout.contains(" mapped ("), "{stdout}");
        let c = tutor(home.path())
            .arg("check")
            .arg(&target)
            .output()
            .unwrap();
        assert!(
            c.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&c.stdout)
        );
        // Never overwrites without --force.
        let again = tutor(home.path())
            .arg("import")
            .args(&files)
            .arg("-o")
            .arg(&target)
            .output()
            .unwrap();
        assert!(!again.status.success());
        assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    }
    // A file with nothing to answer says why and what to do.
    let o = tutor(home.path())
        .args(["import", "--from", "anki"])
        .arg(data("anki/ultimate-geography/country.csv"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no column holds answers"));
}

/// Spawns `tutor ARGS` and returns its stdout lines on a channel.
fn spawn(home: &Path, args: &[&str]) -> (std::process::Child, mpsc::Receiver<String>) {
    let mut child = tutor(home)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// The answer of the check whose prompt starts with `first_line`.
fn answer_for(course: &Course, first_line: &str) -> Option<String> {
    course
        .checks()
        .find(|(_, k)| k.prompt.lines().next() == Some(first_line))
        .map(|(_, k)| k.answer.clone())
}

#[test]
fn review_and_lesson_run_on_imported_courses() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "[review]\nnew_cards_per_day = 1000\n",
    )
    .unwrap();
    // Installed into the user's curricula dir, then reviewed by id.
    let o = tutor(home.path())
        .args(["import", "--install", "--id", "gift-demo"])
        .arg(data("gift/fuhrmanator_options1_moodle-doc-examples.gift"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let installed = home.path().join("curricula/gift-demo.toml");
    let course = load_str("c", &std::fs::read_to_string(&installed).unwrap())
        .valid_course()
        .unwrap();
    // Every card, so the kinds the import maps onto (several right choices, true/false, choice
    // feedback, ranges) are reviewed through the real binary.
    let cards = course.checks().count();
    assert_eq!(cards, 14);
    assert!(course.checks().any(|(_, k)| k.answers.len() == 2));
    assert!(
        course
            .checks()
            .any(|(_, k)| k.kind == tutor::curriculum::CheckKind::TrueFalse)
    );
    let (mut child, rx) = spawn(home.path(), &["review", "gift-demo", "--plain"]);
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = Vec::new();
    let mut expect_prompt = false;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut answered = 0;
    while Instant::now() < deadline && answered < cards {
        let Ok(l) = rx.recv_timeout(Duration::from_secs(10)) else {
            break;
        };
        if expect_prompt {
            let a = answer_for(&course, &l).unwrap_or_else(|| panic!("unknown prompt {l:?}"));
            stdin.write_all(format!("{a}\n").as_bytes()).unwrap();
            answered += 1;
        }
        expect_prompt = l.starts_with("[gift-demo › ");
        lines.push(l);
    }
    stdin.write_all(b":q\n").unwrap();
    drop(stdin);
    child.wait().unwrap();
    // The verdict on the last answer arrives after it was sent: read to the end.
    while let Ok(l) = rx.recv_timeout(Duration::from_secs(10)) {
        lines.push(l);
    }
    let text = lines.join("\n");
    assert_eq!(answered, cards, "{text}");
    let correct = lines
        .iter()
        .filter(|l| l.trim_start_matches("> ") == "Correct!")
        .count();
    assert_eq!(correct, cards, "{text}");
    assert_eq!(text.matches("✓ saved ").count(), cards, "{text}");

    // A lesson on an imported course given by path: the real model, the check from the file.
    let oat = home.path().join("oat.toml");
    let o = tutor(home.path())
        .arg("import")
        .arg(data(
            "oatutor/elementary-algebra-3.1-problem-solving-strategy.bundle.json",
        ))
        .arg("-o")
        .arg(&oat)
        .output()
        .unwrap();
    assert!(o.status.success());
    let course = load_str("c", &std::fs::read_to_string(&oat).unwrap())
        .valid_course()
        .unwrap();
    let model = common::model_path();
    let (mut child, rx) = spawn(
        home.path(),
        &[
            "learn",
            oat.to_str().unwrap(),
            "--plain",
            "--model",
            model.to_str().unwrap(),
        ],
    );
    let mut stdin = child.stdin.take().unwrap();
    // The reply to the warm-up; the first check follows it (the concept has no guiding questions).
    stdin
        .write_all(b"I want to practise solving number problems\n")
        .unwrap();
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(240);
    let mut sent = false;
    while Instant::now() < deadline {
        let l = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(l) => l,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // Still talking before the check (e.g. asked to stay on topic): reply again.
                if !sent {
                    stdin.write_all(b"Let us solve number problems\n").unwrap();
                }
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        };
        if let Some(p) = l.strip_prefix("[check] ") {
            if sent {
                lines.push(l);
                break;
            }
            let a = answer_for(&course, p).unwrap_or_else(|| panic!("unknown check {p:?}"));
            stdin.write_all(format!("{a}\n").as_bytes()).unwrap();
            sent = true;
        }
        let done = l.starts_with("✓ saved");
        lines.push(l);
        if done {
            break;
        }
    }
    let _ = stdin.write_all(b":q\n");
    drop(stdin);
    let _ = child.wait();
    let text = lines.join("\n");
    assert!(
        text.contains("[check] Find three consecutive integers whose sum is -42."),
        "{text}"
    );
    assert!(text.contains("✓ saved: next review"), "{text}");
}
