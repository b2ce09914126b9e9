//! `tutor review --plain` as a real child process on a real SQLite file: crash safety under
//! SIGKILL at random points, and two processes on one database at once.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rusqlite::Connection;

fn tutor(home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tutor"));
    c.args(args)
        .env("TUTOR_HOME", home)
        .env("USER", "tester")
        .env_remove("TUTOR_PIN");
    c
}

/// Starts a review; stdout lines arrive on the returned channel.
fn spawn_review(home: &Path, profile: Option<&str>) -> (Child, mpsc::Receiver<String>) {
    // Without a profile: the fractions course; with one: every course.
    let mut args = if profile.is_some() {
        vec!["review", "--plain"]
    } else {
        vec!["review", "fractions", "--plain"]
    };
    if let Some(p) = profile {
        args.extend(["--profile", p]);
    }
    let mut child = tutor(home, &args)
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

fn saved_ids(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|l| l.split("✓ saved ").nth(1))
        .filter_map(|rest| rest.split(':').next())
        .map(str::to_string)
        .collect()
}

fn db(home: &Path) -> Connection {
    Connection::open(home.join("tutor.sqlite3")).unwrap()
}

fn logged(conn: &Connection, profile: &str) -> Vec<String> {
    // A process killed before its first migration committed leaves no tables (on a busy
    // machine start-up can outlast the kill time): nothing can have been acknowledged then.
    let migrated: bool = conn
        .query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'review_log'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    if !migrated {
        return Vec::new();
    }
    let mut st = conn
        .prepare(
            "SELECT c.check_id FROM review_log l JOIN cards c ON c.id = l.card_id JOIN profiles p ON p.id = l.profile_id
             WHERE p.name = ?1 ORDER BY l.id",
        )
        .unwrap();
    st.query_map([profile], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn sigkill_at_random_points_never_loses_an_acknowledged_answer() {
    let home = tempfile::tempdir().unwrap();
    // Enough new cards a day that every round has something to answer.
    std::fs::write(
        home.path().join("config.toml"),
        "[review]\nnew_cards_per_day = 1000\n",
    )
    .unwrap();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut rand = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let mut acked_total: Vec<String> = Vec::new();
    for _round in 0..30 {
        let (mut child, rx) = spawn_review(home.path(), None);
        let mut stdin = child.stdin.take().unwrap();
        let kill_after = Duration::from_millis(rand(400));
        let started = Instant::now();
        let mut lines = Vec::new();
        // Answer as fast as the prompts come ("?" reveals the answer and records an Again;
        // other answers are graded), until the kill time.
        let answers = ["?", "3/8", "b", "5", "2", "?", "4/8"];
        let mut i = 0;
        while started.elapsed() < kill_after {
            let _ = stdin.write_all(format!("{}\n", answers[i % answers.len()]).as_bytes());
            i += 1;
            while let Ok(l) = rx.recv_timeout(Duration::from_millis(2)) {
                lines.push(l);
            }
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        while let Ok(l) = rx.try_recv() {
            lines.push(l);
        }
        acked_total.extend(saved_ids(&lines));
        let conn = db(home.path());
        let in_db = logged(&conn, "tester");
        assert!(
            in_db.len() >= acked_total.len(),
            "acknowledged {} answers, database has {}",
            acked_total.len(),
            in_db.len()
        );
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
    }
    // Every acknowledged answer, in order, is a subsequence of the log.
    let in_db = logged(&db(home.path()), "tester");
    let mut it = in_db.iter();
    for id in &acked_total {
        assert!(
            it.any(|x| x == id),
            "acknowledged {id} missing from the log"
        );
    }
    assert!(
        !acked_total.is_empty(),
        "no answer was ever acknowledged: the test did not exercise anything"
    );
}

fn review_to_the_end(home: &Path, profile: &str) -> Vec<String> {
    let (mut child, rx) = spawn_review(home, Some(profile));
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(l) => {
                let done = l.starts_with("Session over");
                lines.push(l);
                if done {
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = stdin.write_all(b"?\n");
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    drop(stdin);
    assert!(child.wait().unwrap().success(), "{lines:#?}");
    lines
}

#[test]
fn two_processes_on_one_database_lose_nothing() {
    let home = tempfile::tempdir().unwrap();
    assert!(
        tutor(home.path(), &["profile", "add", "ana"])
            .status()
            .unwrap()
            .success()
    );
    assert!(
        tutor(home.path(), &["profile", "add", "ben"])
            .status()
            .unwrap()
            .success()
    );
    // Both start at once: both open, migrate-check, sync the library and review.
    let h1 = home.path().to_path_buf();
    let h2 = home.path().to_path_buf();
    let a = std::thread::spawn(move || review_to_the_end(&h1, "ana"));
    let b = std::thread::spawn(move || review_to_the_end(&h2, "ben"));
    let (la, lb) = (a.join().unwrap(), b.join().unwrap());
    for l in la.iter().chain(&lb) {
        assert!(!l.contains("error") && !l.contains("busy"), "{l}");
    }
    let conn = db(home.path());
    let (sa, sb) = (saved_ids(&la), saved_ids(&lb));
    // Giving up on everything: the first concept of each of the three courses (3 checks each)
    // is unlocked, and failed cards come back only after 10 minutes.
    assert_eq!((sa.len(), sb.len()), (9, 9));
    assert_eq!(logged(&conn, "ana"), sa);
    assert_eq!(logged(&conn, "ben"), sb);
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

#[test]
fn plain_review_grades_hints_and_ends_on_eof() {
    let home = tempfile::tempdir().unwrap();
    let mut child = tutor(home.path(), &["review", "fractions", "--plain"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // First card: "wf-equal-parts". Its choices are shuffled per student (stable for the first
    // profile): the right one is shown as c). Ask a hint, answer wrong, then right.
    child.stdin.take().unwrap().write_all(b"h\na\nc\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("Is each piece one quarter of the bar?"),
        "{text}"
    );
    assert!(
        text.contains("  c) No, because the pieces are not equal"),
        "{text}"
    );
    assert!(
        text.contains("Hint 1/3: Think about what makes sharing fair."),
        "{text}"
    );
    assert!(text.contains("Not quite. Try again"), "{text}");
    assert!(text.contains("Correct!"), "{text}");
    assert!(
        text.contains("✓ saved wf-equal-parts: next review"),
        "{text}"
    );
    assert!(
        text.contains("Session over: 1 answered, 1 correct."),
        "{text}"
    );
    let row: (i64, i64, i64, String) = db(home.path())
        .query_row(
            "SELECT rating, attempts, hints_used, source FROM review_log",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        row,
        (2, 2, 1, "rule".to_string()),
        "hinted second try = Hard"
    );
    // stats --json sees it.
    let stats = tutor(home.path(), &["stats", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(v["reviews_total"], 1);
    // Too few reviews to fit personal FSRS parameters: it says how many more are needed.
    let opt = tutor(home.path(), &["optimize"]).output().unwrap();
    let text = String::from_utf8_lossy(&opt.stdout);
    assert!(
        opt.status.success() && text.contains("needs at least 400: 399 more"),
        "{text}"
    );
}
