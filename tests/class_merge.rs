//! One class across laptops: three laptops' real SQLite databases with overlapping history
//! (a student with a profile on two laptops, a laptop that already imported another's file),
//! exported and merged on a teacher's laptop in every order and twice give the same report, no
//! duplicate and no lost review; card state replayed from the log equals the stored state; a
//! damaged or foreign file is refused and changes nothing; the `tutor class` commands ask for
//! the teacher PIN.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;

use tutor::curriculum::library::BUNDLED;
use tutor::curriculum::{Course, load_str};
use tutor::srs::{DAY, Rating, Scheduler};
use tutor::store::cards::{Answer, GradeSource};
use tutor::store::merge::{ExportFile, SameName, read_export};
use tutor::store::migrations::MIGRATIONS;
use tutor::store::profiles::Profile;
use tutor::store::{APPLICATION_ID, Store};

const T0: i64 = 1_800_000_000;

fn course(name: &str) -> (Course, String) {
    let text = BUNDLED.iter().find(|(n, _)| *n == name).unwrap().1;
    (
        load_str(name, text).valid_course().unwrap(),
        format!("hash-{}", text.len()),
    )
}

/// The scheduler the merge replays with: the profile's (defaults), fuzz on.
fn sched() -> Scheduler {
    Scheduler::new(&[], 0.9).unwrap()
}

fn laptop(dir: &Path, name: &str) -> Store {
    let mut s = Store::open(&dir.join(format!("{name}.sqlite3"))).unwrap();
    for c in ["fractions.toml", "probability.toml"] {
        let (course, hash) = course(c);
        s.sync_course(&course, &hash, "bundled").unwrap();
    }
    s.laptop(Some(name)).unwrap();
    s
}

fn profile(s: &mut Store, name: &str) -> Profile {
    match s.profile(name).unwrap() {
        Some(p) => p,
        None => s.add_profile(name, None).unwrap(),
    }
}

/// `n` answers of `who` on probability checks, starting at `t`, a day apart; returns how many.
fn study(s: &mut Store, who: &str, t: i64, n: usize, seed: usize) -> usize {
    let p = profile(s, who);
    s.ensure_cards(p.id).unwrap();
    let checks = ["oc-die", "oc-even", "oc-coin", "sc-impossible"];
    for i in 0..n {
        let check = checks[(i + seed) % checks.len()];
        let card = s.card_for(p.id, "probability", check).unwrap().unwrap();
        let rating = Rating::from_u8(((i * 7 + seed) % 4 + 1) as u8).unwrap();
        let a = Answer {
            rating,
            source: GradeSource::Rule,
            correct: rating != Rating::Again,
            attempts: 1,
            hints_used: 0,
            response_ms: 3000 + i as u64,
            text: Some(format!("{who} {i}")),
        };
        s.record_answer(card.id, &a, &sched(), t + i as i64 * DAY)
            .unwrap();
    }
    n
}

fn lesson(s: &mut Store, who: &str, lines: usize) {
    let p = profile(s, who);
    let id = s.start_session(p.id, "probability", "outcomes").unwrap();
    for i in 0..lines {
        let role = if i % 2 == 0 { "tutor" } else { "student" };
        s.append_line(id, role, None, &format!("{who} line {i}"))
            .unwrap();
    }
    s.end_session(id, "done").unwrap();
}

fn export(s: &mut Store, name: &str) -> ExportFile {
    let bytes = s.export_class(None, T0).unwrap();
    read_export(name, &bytes).unwrap()
}

/// Merges with "the same student" for every name conflict.
fn import(s: &mut Store, files: &[ExportFile]) {
    let decisions: HashMap<String, SameName> = s
        .class_conflicts(files)
        .unwrap()
        .into_iter()
        .map(|c| (c.uid, SameName::Merge))
        .collect();
    s.import_class(files, &decisions).unwrap();
}

/// Everything the teacher sees, plus the raw log, as one comparable value.
fn class_view(s: &Store) -> (String, BTreeSet<String>, BTreeSet<String>, i64) {
    let report = serde_json::to_string(&s.report(T0 + 40 * DAY).unwrap()).unwrap();
    let col = |sql: &str| -> BTreeSet<String> {
        let mut st = s.conn().prepare(sql).unwrap();
        st.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let reviews = col("SELECT uid FROM review_log");
    let lines = col(
        "SELECT s.uid || '/' || t.uid || '/' || t.content FROM transcript t JOIN sessions s ON s.id = t.session_id",
    );
    let n: i64 = s
        .conn()
        .query_row("SELECT count(*) FROM review_log", [], |r| r.get(0))
        .unwrap();
    (report, reviews, lines, n)
}

fn cards_match_replay(s: &Store) {
    let mut st = s
        .conn()
        .prepare("SELECT DISTINCT card_id FROM review_log")
        .unwrap();
    let ids: Vec<i64> = st
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!ids.is_empty());
    for id in ids {
        let stored = s.card(id).unwrap().memory;
        let replayed = s.replayed_card(id, &sched()).unwrap();
        assert_eq!(stored, replayed, "card {id}");
    }
}

struct Class {
    _dir: tempfile::TempDir,
    files: Vec<ExportFile>,
    /// Reviews made on each laptop (counted as they were made, not from any database).
    made: usize,
}

/// Laptop A: Ana and Ben. Laptop B: another "Ben" profile (the same boy) and Cleo; B imported
/// an early export of A. Laptop C: Dan; C imported B's export (so A's early rows too). Then
/// everyone goes on studying, and each laptop exports.
fn three_laptops() -> Class {
    let dir = tempfile::tempdir().unwrap();
    let mut a = laptop(dir.path(), "lab-a");
    let mut b = laptop(dir.path(), "lab-b");
    let mut c = laptop(dir.path(), "lab-c");
    let mut made = 0;
    made += study(&mut a, "Ana", T0, 6, 0);
    made += study(&mut a, "Ben", T0, 3, 1);
    lesson(&mut a, "Ana", 4);
    let early_a = export(&mut a, "a-early.json");
    made += study(&mut b, "Ben", T0 + 10 * DAY, 4, 2);
    made += study(&mut b, "Cleo", T0, 5, 3);
    lesson(&mut b, "Cleo", 6);
    import(&mut b, std::slice::from_ref(&early_a));
    let mid_b = export(&mut b, "b-mid.json");
    made += study(&mut c, "Dan", T0, 4, 0);
    import(&mut c, std::slice::from_ref(&mid_b));
    made += study(&mut a, "Ana", T0 + 20 * DAY, 3, 2);
    made += study(&mut b, "Cleo", T0 + 20 * DAY, 2, 1);
    lesson(&mut c, "Dan", 2);
    for s in [&a, &b, &c] {
        cards_match_replay(s);
    }
    let files = vec![
        export(&mut a, "a.json"),
        export(&mut b, "b.json"),
        export(&mut c, "c.json"),
    ];
    Class {
        _dir: dir,
        files,
        made,
    }
}

#[test]
fn older_databases_get_an_id_on_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite3");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        for m in &MIGRATIONS[..3] {
            conn.execute_batch(m).unwrap();
        }
        conn.pragma_update(None, "user_version", 3).unwrap();
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        conn.execute_batch(
            "INSERT INTO profiles(name, created_at) VALUES ('old', 1);
             INSERT INTO courses VALUES ('c', 'C', '1', 'h', 'bundled', 1);
             INSERT INTO concepts(course_id, id, title, position) VALUES ('c', 'k', 'K', 0);
             INSERT INTO checks(course_id, id, concept_id, kind, prompt, position) VALUES ('c', 'q', 'k', 'numeric', 'Q?', 0);
             INSERT INTO cards(profile_id, course_id, check_id) VALUES (1, 'c', 'q');
             INSERT INTO review_log(card_id, profile_id, reviewed_at, rating, source, elapsed_days, attempts,
               hints_used, response_ms, correct, state_before) VALUES
               (1, 1, 100, 3, 'rule', 0, 1, 0, 10, 1, 'new'), (1, 1, 100, 1, 'rule', 0, 1, 0, 10, 0, 'review');
             INSERT INTO sessions(profile_id, course_id, concept_id, started_at) VALUES (1, 'c', 'k', 100);
             INSERT INTO transcript(session_id, at, role, content) VALUES (1, 100, 'tutor', 'a'), (1, 100, 'student', 'b');",
        )
        .unwrap();
    }
    let mut s = Store::open(&path).unwrap();
    for table in ["profiles", "review_log", "sessions", "transcript"] {
        let (n, distinct, nulls): (i64, i64, i64) = s
            .conn()
            .query_row(
                &format!("SELECT count(*), count(DISTINCT uid), sum(uid IS NULL) FROM {table}"),
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert!(
            n > 0 && n == distinct && nulls == 0,
            "{table}: {n} {distinct} {nulls}"
        );
    }
    // Same-second reviews keep their order in the ids.
    let uids: Vec<String> = {
        let mut st = s
            .conn()
            .prepare("SELECT uid FROM review_log ORDER BY id")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert!(uids[0] < uids[1], "{uids:?}");
    // New rows get ids too, and the file exports.
    s.add_profile("new", None).unwrap();
    let f = export(&mut s, "old.json");
    assert_eq!(f.payload.reviews.len(), 2);
    assert_eq!(f.payload.profiles.len(), 2);
}

#[test]
fn replaying_the_log_gives_the_stored_card_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = laptop(dir.path(), "lab-a");
    study(&mut s, "Ana", T0, 40, 0);
    study(&mut s, "Ben", T0, 25, 3);
    cards_match_replay(&s);
    // A replay with a different fuzz seed would differ somewhere: the check can fail.
    let mut other = sched();
    other.fuzz = false;
    let ids: Vec<i64> = {
        let mut st = s
            .conn()
            .prepare("SELECT DISTINCT card_id FROM review_log")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let differs = ids
        .iter()
        .any(|&id| s.card(id).unwrap().memory != s.replayed_card(id, &other).unwrap());
    assert!(
        differs,
        "fuzz never changed a due date: the replay check proves nothing"
    );
}

#[test]
fn merging_in_every_order_and_twice_gives_one_class() {
    let class = three_laptops();
    let orders = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    let mut views = Vec::new();
    for (i, order) in orders.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let mut teacher = Store::open(&dir.path().join("teacher.sqlite3")).unwrap();
        // Half the orders one file at a time, half all at once.
        if i % 2 == 0 {
            for &f in order {
                import(&mut teacher, std::slice::from_ref(&class.files[f]));
            }
        } else {
            let files: Vec<ExportFile> = order.iter().map(|&f| class.files[f].clone()).collect();
            import(&mut teacher, &files);
        }
        let once = class_view(&teacher);
        // Twice: nothing changes.
        let all: Vec<ExportFile> = order.iter().map(|&f| class.files[f].clone()).collect();
        import(&mut teacher, &all);
        assert_eq!(
            class_view(&teacher),
            once,
            "importing again changed the class"
        );
        cards_match_replay(&teacher);
        views.push(once);
    }
    for v in &views[1..] {
        assert_eq!(v, &views[0], "the order of imports changed the class");
    }
    let (report, reviews, lines, n) = &views[0];
    // No duplicate, no lost review: exactly the reviews made, each once.
    assert_eq!(*n as usize, class.made);
    assert_eq!(reviews.len(), class.made);
    assert_eq!(lines.len(), 4 + 6 + 2);
    // One Ben (merged), last seen on lab-b; every student with a laptop.
    let rows: Vec<serde_json::Value> = serde_json::from_str(report).unwrap();
    let names: BTreeSet<&str> = rows.iter().filter_map(|r| r["profile"].as_str()).collect();
    assert_eq!(names, BTreeSet::from(["Ana", "Ben", "Cleo", "Dan"]));
    let seen = |who: &str| {
        rows.iter()
            .find(|r| r["profile"] == who)
            .map(|r| r["laptop"].as_str().unwrap_or("").to_string())
            .unwrap()
    };
    assert_eq!(seen("Ben"), "lab-b");
    assert_eq!(seen("Ana"), "lab-a");
    assert_eq!(seen("Dan"), "lab-c");
    let ben_reviews: u64 = rows
        .iter()
        .filter(|r| r["profile"] == "Ben")
        .filter_map(|r| r["reviews"].as_u64())
        .sum();
    assert_eq!(ben_reviews, 3 + 4);
}

#[test]
fn a_name_clash_can_be_kept_apart_or_skipped() {
    let class = three_laptops();
    let dir = tempfile::tempdir().unwrap();
    let mut teacher = Store::open(&dir.path().join("t.sqlite3")).unwrap();
    let conflicts = teacher.class_conflicts(&class.files).unwrap();
    // Ben of lab-b is a different profile from Ben of lab-a. B merged them, so B's and C's
    // files carry one Ben: the teacher is asked once.
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].name, "Ben");
    let d = HashMap::from([(conflicts[0].uid.clone(), SameName::Apart)]);
    teacher.import_class(&class.files, &d).unwrap();
    let names: BTreeSet<String> = teacher
        .profiles()
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert!(
        names.contains("Ben") && names.iter().any(|n| n.starts_with("Ben (")),
        "{names:?}"
    );
    // Without an answer nothing is written.
    let dir2 = tempfile::tempdir().unwrap();
    let mut t2 = Store::open(&dir2.path().join("t.sqlite3")).unwrap();
    assert!(t2.import_class(&class.files, &HashMap::new()).is_err());
    assert!(t2.profiles().unwrap().is_empty());
}

fn tutor(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tutor"));
    c.env("TUTOR_HOME", home).env("USER", "teacher");
    c
}

#[test]
fn the_commands_refuse_damaged_and_foreign_files_and_ask_for_the_pin() {
    let dir = tempfile::tempdir().unwrap();
    let laptop_home = dir.path().join("laptop");
    let teacher_home = dir.path().join("teacher");
    // A laptop with some progress, through the real binary.
    {
        std::fs::create_dir_all(&laptop_home).unwrap();
        let mut s = Store::open(&laptop_home.join("tutor.sqlite3")).unwrap();
        let (c, h) = course("probability.toml");
        s.sync_course(&c, &h, "bundled").unwrap();
        study(&mut s, "Ana", T0, 5, 0);
    }
    let good = dir.path().join("lab.json");
    let out = tutor(&laptop_home)
        .args(["class", "export", "--laptop", "lab-1", "-o"])
        .arg(&good)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The teacher's laptop has a PIN.
    let st = tutor(&teacher_home)
        .args(["teacher-pin"])
        .env("TUTOR_PIN", "4711")
        .output()
        .unwrap();
    assert!(st.status.success());
    let snapshot = |home: &Path| {
        let s = Store::open(&home.join("tutor.sqlite3")).unwrap();
        class_view(&s)
    };
    let before = snapshot(&teacher_home);
    // A damaged copy (one byte changed), a foreign file, a wrong PIN: refused, nothing changes.
    let mut bytes = std::fs::read(&good).unwrap();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'1' { b'2' } else { b'1' };
    let damaged = dir.path().join("damaged.json");
    std::fs::write(&damaged, &bytes).unwrap();
    let foreign = dir.path().join("report.csv");
    std::fs::write(&foreign, "profile,course\r\nAna,probability\r\n").unwrap();
    for (files, pin, want) in [
        (vec![&good, &damaged], "4711", "damaged"),
        (vec![&foreign], "4711", "not a tutor class export"),
        (vec![&good], "0000", "wrong teacher PIN"),
    ] {
        let out = tutor(&teacher_home)
            .args(["class", "import"])
            .args(files)
            .env("TUTOR_TEACHER_PIN", pin)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains(want), "{err}");
        assert!(err.contains("nothing was imported"), "{err}");
        assert_eq!(
            snapshot(&teacher_home),
            before,
            "a refused import changed the database"
        );
    }
    // The right PIN: merged, and the report names the laptop.
    let out = tutor(&teacher_home)
        .args(["class", "import"])
        .arg(&good)
        .env("TUTOR_TEACHER_PIN", "4711")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = tutor(&teacher_home)
        .args(["report"])
        .env("TUTOR_TEACHER_PIN", "4711")
        .output()
        .unwrap();
    let csv = String::from_utf8_lossy(&report.stdout);
    assert!(
        csv.lines()
            .any(|l| l.starts_with("Ana,probability,outcomes") && l.contains(",lab-1,")),
        "{csv}"
    );
}
