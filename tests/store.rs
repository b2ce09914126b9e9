//! Progress store on a real SQLite file: migrations, refusal of newer/corrupt files, course
//! sync, profiles and PINs, the queue, answers, stats, reports, backup and restore.

use rusqlite::Connection;
use tutor::curriculum::library::{BUNDLED, Library};
use tutor::curriculum::{Course, load_str};
use tutor::srs::{CardState, DAY, Rating, Scheduler};
use tutor::store::backup::{auto_backups, check_backup, restore};
use tutor::store::cards::{Answer, GradeSource};
use tutor::store::migrations::{LATEST, MIGRATIONS};
use tutor::store::stats::report_csv;
use tutor::store::{APPLICATION_ID, Store, StoreError};

const T0: i64 = 1_800_000_000;

fn course(name: &str) -> (Course, String) {
    let text = BUNDLED.iter().find(|(n, _)| *n == name).unwrap().1;
    (
        load_str(name, text).valid_course().unwrap(),
        format!("hash-{}", text.len()),
    )
}

fn sched() -> Scheduler {
    let mut s = Scheduler::new(&[], 0.9).unwrap();
    s.fuzz = false;
    s
}

fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("tutor.sqlite3")).unwrap();
    (dir, store)
}

fn answer(rating: Rating) -> Answer {
    Answer {
        rating,
        source: GradeSource::Rule,
        correct: rating != Rating::Again,
        attempts: 1,
        hints_used: 0,
        response_ms: 4000,
        text: Some("x".into()),
    }
}

#[test]
fn migrates_an_empty_database() {
    let (_d, store) = fresh();
    assert_eq!(store.schema_version().unwrap(), LATEST);
    let app: i64 = store
        .conn()
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app, APPLICATION_ID);
    let mode: String = store
        .conn()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn migrates_a_database_at_every_earlier_version() {
    for version in 1..LATEST as usize {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tutor.sqlite3");
        {
            let conn = Connection::open(&path).unwrap();
            for m in &MIGRATIONS[..version] {
                conn.execute_batch(m).unwrap();
            }
            conn.pragma_update(None, "user_version", version as i64)
                .unwrap();
            conn.pragma_update(None, "application_id", APPLICATION_ID)
                .unwrap();
            conn.execute(
                "INSERT INTO profiles(name, created_at) VALUES ('old-student', 1)",
                [],
            )
            .unwrap();
        }
        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), LATEST, "from v{version}");
        assert!(
            store.profile("old-student").unwrap().is_some(),
            "data kept from v{version}"
        );
        let (c, h) = course("fractions.toml");
        store.sync_course(&c, &h, "bundled").unwrap();
        let s = store
            .start_session(1, "fractions", "what-is-a-fraction")
            .unwrap();
        store.append_line(s, "tutor", Some("ask"), "hi").unwrap();
    }
}

fn file_hash(p: &std::path::Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

#[test]
fn a_newer_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tutor.sqlite3");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE future(x)").unwrap();
        conn.pragma_update(None, "user_version", LATEST + 1)
            .unwrap();
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
    }
    let before = file_hash(&path);
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::TooNew { .. }), "{err}");
    assert!(err.to_string().contains("newer tutor"));
    assert_eq!(before, file_hash(&path));
    assert!(!dir.path().join("tutor.sqlite3-wal").exists());
}

#[test]
fn a_corrupt_database_gives_the_restore_command_and_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tutor.sqlite3");
    std::fs::write(
        &path,
        b"this is definitely not sqlite, just some bytes that used to be a database".repeat(100),
    )
    .unwrap();
    let before = file_hash(&path);
    let err = Store::open(&path).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{msg}");
    assert!(msg.contains("tutor restore"), "{msg}");
    assert_eq!(before, file_hash(&path));
    // Another program's SQLite file is not ours either.
    let other = dir.path().join("other.sqlite3");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE notes(x)")
        .unwrap();
    assert!(matches!(
        Store::open(&other).unwrap_err(),
        StoreError::Corrupt { .. }
    ));
}

#[test]
fn course_sync_keeps_progress_by_id_retires_and_is_idempotent() {
    let (_d, mut store) = fresh();
    let p = store.default_profile("ana").unwrap();
    let (c, h) = course("fractions.toml");
    let r = store.sync_course(&c, &h, "bundled").unwrap();
    let n_checks = c.checks().count();
    assert_eq!((r.added_checks, r.new_cards), (n_checks, n_checks));
    assert!(store.sync_course(&c, &h, "bundled").unwrap().unchanged);
    // Answer one card, then edit the course: change a prompt, remove a check, add one.
    let card = store.card_for(p.id, "fractions", "eq-1").unwrap().unwrap();
    store
        .record_answer(card.id, &answer(Rating::Good), &sched(), T0)
        .unwrap();
    let mut edited = c.clone();
    let eq = edited
        .concepts
        .iter_mut()
        .find(|k| k.id == "equivalent-fractions")
        .unwrap();
    eq.checks[0].prompt = "Write a fraction equal to 1/2 whose denominator is 8.".into();
    let removed = eq.checks.remove(1);
    let mut added = eq.checks[0].clone();
    added.id = "eq-new".into();
    eq.checks.push(added);
    let r = store.sync_course(&edited, "hash-2", "bundled").unwrap();
    assert_eq!(
        (
            r.added_checks,
            r.updated_checks,
            r.retired_checks,
            r.new_cards
        ),
        (1, 1, 1, 1)
    );
    let kept = store.card_for(p.id, "fractions", "eq-1").unwrap().unwrap();
    assert_eq!(kept.memory.reps, 1, "progress survives a text edit");
    assert!(
        store
            .course_cards(p.id, "fractions")
            .unwrap()
            .iter()
            .all(|c| c.check_id != removed.id),
        "retired check hidden"
    );
    assert!(
        store
            .card_for(p.id, "fractions", &removed.id)
            .unwrap()
            .is_some(),
        "retired card kept"
    );
    // Restoring the check brings its card back.
    store.sync_course(&c, &h, "bundled").unwrap();
    assert!(
        store
            .course_cards(p.id, "fractions")
            .unwrap()
            .iter()
            .any(|c| c.check_id == removed.id)
    );
}

#[test]
fn profiles_pins_rename_and_remove() {
    let (dir, mut store) = fresh();
    let d = store.default_profile("maria").unwrap();
    assert_eq!(d.name, "maria");
    assert!(d.is_default);
    assert_eq!(
        store.default_profile("someone-else").unwrap().id,
        d.id,
        "created once"
    );
    let p = store.add_profile("Tom", Some("4711")).unwrap();
    assert!(p.has_pin);
    assert!(store.verify_pin(&p, "4711").is_ok());
    assert!(matches!(
        store.verify_pin(&p, "1234"),
        Err(StoreError::WrongPin(_))
    ));
    assert!(matches!(
        store.add_profile("tom", None),
        Err(StoreError::ProfileExists(_))
    ));
    let hash: String = store
        .conn()
        .query_row(
            "SELECT pin_hash FROM profiles WHERE name = 'Tom'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(hash.starts_with("$argon2id$") && !hash.contains("4711"));
    drop(store);
    let raw = std::fs::read(dir.path().join("tutor.sqlite3")).unwrap();
    assert!(!raw.windows(4).any(|w| w == b"4711"), "PIN stored in clear");
    let mut store = Store::open(&dir.path().join("tutor.sqlite3")).unwrap();
    store.rename_profile("Tom", "Thomas").unwrap();
    assert!(store.profile("thomas").unwrap().is_some());
    store.remove_profile("Thomas").unwrap();
    assert_eq!(store.profiles().unwrap().len(), 1);
    assert!(matches!(
        store.remove_profile("nobody"),
        Err(StoreError::NoProfile(_))
    ));
}

#[test]
fn queue_serves_due_reviews_first_then_unlocked_new_cards_in_order() {
    let (_d, mut store) = fresh();
    let mut p = store.default_profile("ana").unwrap();
    let (c, h) = course("fractions.toml");
    store.sync_course(&c, &h, "bundled").unwrap();
    let s = sched();
    let day0 = T0 - T0 % DAY;
    // New cards come from the first concept (no prerequisites) in check order.
    let first = store
        .next_card(&p, Some("fractions"), &s, T0, day0)
        .unwrap()
        .unwrap();
    assert_eq!(
        (first.concept_id.as_str(), first.check_id.as_str()),
        ("what-is-a-fraction", "wf-equal-parts")
    );
    // Concepts needing "what-is-a-fraction" stay locked until it is mastered.
    let unlocked = store
        .unlocked_concepts(p.id, "fractions", &s, T0, 0.8)
        .unwrap();
    assert_eq!(unlocked, vec!["what-is-a-fraction".to_string()]);
    for k in ["wf-equal-parts", "wf-pizza", "wf-whole"] {
        let card = store.card_for(p.id, "fractions", k).unwrap().unwrap();
        let r = store
            .record_answer(card.id, &answer(Rating::Good), &s, T0)
            .unwrap();
        store
            .record_answer(card.id, &answer(Rating::Good), &s, r.memory.due.unwrap())
            .unwrap();
    }
    let later = T0 + 5 * DAY;
    let unlocked = store
        .unlocked_concepts(p.id, "fractions", &s, later, 0.8)
        .unwrap();
    assert!(
        unlocked.contains(&"numerator-denominator".to_string()),
        "{unlocked:?}"
    );
    assert!(!unlocked.contains(&"equivalent-fractions".to_string()));
    let next = store
        .next_card(&p, Some("fractions"), &s, later, later - later % DAY)
        .unwrap()
        .unwrap();
    assert_eq!(next.concept_id, "numerator-denominator");
    // Due reviews come before new cards, the lowest recall probability first.
    let far = T0 + 400 * DAY;
    let due = store
        .next_card(&p, Some("fractions"), &s, far, far - far % DAY)
        .unwrap()
        .unwrap();
    assert_eq!(due.concept_id, "what-is-a-fraction");
    assert_ne!(due.memory.state, CardState::New);
    // The daily limit stops new cards.
    p.new_per_day = 3;
    let none_new = store
        .next_new(&p, Some("fractions"), &s, T0 + 60, day0)
        .unwrap();
    assert!(none_new.is_none(), "3 new cards already started today");
}

#[test]
fn an_again_comes_back_the_same_day_and_lowers_mastery() {
    let (_d, mut store) = fresh();
    let p = store.default_profile("ana").unwrap();
    let (c, h) = course("fractions.toml");
    store.sync_course(&c, &h, "bundled").unwrap();
    let s = sched();
    let card = store
        .card_for(p.id, "fractions", "wf-pizza")
        .unwrap()
        .unwrap();
    let r = store
        .record_answer(card.id, &answer(Rating::Good), &s, T0)
        .unwrap();
    let t1 = r.memory.due.unwrap();
    let r2 = store
        .record_answer(card.id, &answer(Rating::Good), &s, t1)
        .unwrap();
    let m_before = store
        .concept_mastery(p.id, "fractions", &s, t1 + 60)
        .unwrap()["what-is-a-fraction"];
    let t2 = r2.memory.due.unwrap();
    let r3 = store
        .record_answer(card.id, &answer(Rating::Again), &s, t2)
        .unwrap();
    assert_eq!(r3.interval_secs, 600);
    assert_eq!(r3.memory.lapses, 1);
    let m_after = store
        .concept_mastery(p.id, "fractions", &s, t2 + 60)
        .unwrap()["what-is-a-fraction"];
    assert!(m_after < m_before, "{m_before} → {m_after}");
    let due = store
        .next_due(p.id, Some("fractions"), t2 + 601)
        .unwrap()
        .unwrap();
    assert_eq!(due.check_id, "wf-pizza");
    let log: (i64, String, i64) = store
        .conn()
        .query_row(
            "SELECT count(*), max(source), max(hints_used) FROM review_log WHERE card_id = ?1",
            [card.id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(log, (3, "rule".into(), 0));
}

#[test]
fn stats_and_report() {
    let (_d, mut store) = fresh();
    let p = store.default_profile("ana").unwrap();
    store.add_profile("Ben, \"the\" tester", None).unwrap();
    let lib = Library::load(None, &[]);
    for e in &lib.courses {
        store
            .sync_course(&e.course, &e.content_hash, "bundled")
            .unwrap();
    }
    let s = sched();
    // Three days in a row of reviews.
    for (i, k) in ["wf-pizza", "wf-whole", "wf-equal-parts"]
        .iter()
        .enumerate()
    {
        let card = store.card_for(p.id, "fractions", k).unwrap().unwrap();
        store
            .record_answer(card.id, &answer(Rating::Good), &s, T0 + i as i64 * DAY)
            .unwrap();
    }
    let now = T0 + 2 * DAY + 3600;
    let st = store.stats(&p, &s, now, 0).unwrap();
    assert_eq!(st.reviews_total, 3);
    assert_eq!(st.streak_days, 3);
    assert_eq!(st.reviews_per_day.len(), 30);
    assert_eq!(st.reviews_per_day.iter().map(|d| d.count).sum::<u32>(), 3);
    assert_eq!(st.forecast.len(), 30);
    assert_eq!(st.forecast.iter().map(|d| d.count).sum::<u32>(), 3);
    assert_eq!(st.courses.len(), 3);
    let fr = st.courses.iter().find(|c| c.id == "fractions").unwrap();
    let wf = fr
        .concepts
        .iter()
        .find(|c| c.id == "what-is-a-fraction")
        .unwrap();
    assert!(wf.mastery > 0.0 && wf.mastery <= 1.0);
    let json = serde_json::to_value(&st).unwrap();
    for key in ["reviews_total", "due_today", "streak_days", "courses"] {
        assert!(json.get(key).is_some(), "{key}");
    }
    assert!(json["courses"][0]["concepts"][0]["mastery"].is_number());
    // A gap breaks the streak.
    assert_eq!(
        store.stats(&p, &s, now + 3 * DAY, 0).unwrap().streak_days,
        0
    );
    let rows = store.report(now).unwrap();
    let concepts: usize = lib.courses.iter().map(|e| e.course.concepts.len()).sum();
    assert_eq!(rows.len(), 2 * concepts);
    let csv = report_csv(&rows);
    assert!(csv.starts_with(
        "profile,course,concept,concept_title,mastery,reviews,lapses,last_seen,time_spent_s,laptop,laptop_seen\r\n"
    ));
    assert!(
        csv.contains("\"Ben, \"\"the\"\" tester\""),
        "RFC 4180 quoting"
    );
    assert_eq!(csv.matches("\r\n").count(), rows.len() + 1);
    let wf_row = rows
        .iter()
        .find(|r| r.profile == "ana" && r.concept == "what-is-a-fraction")
        .unwrap();
    assert_eq!((wf_row.reviews, wf_row.time_spent_s), (3, 12));
}

#[test]
fn backup_restore_and_automatic_backups() {
    let (dir, mut store) = fresh();
    let p = store.default_profile("ana").unwrap();
    let (c, h) = course("fractions.toml");
    store.sync_course(&c, &h, "bundled").unwrap();
    let backup = dir.path().join("b/manual.sqlite3");
    store.backup_to(&backup).unwrap();
    assert_eq!(check_backup(&backup).unwrap(), LATEST);
    let card = store
        .card_for(p.id, "fractions", "wf-pizza")
        .unwrap()
        .unwrap();
    store
        .record_answer(card.id, &answer(Rating::Good), &sched(), T0)
        .unwrap();
    let db = store.path().to_path_buf();
    drop(store);
    let aside = restore(&db, &backup, T0).unwrap().unwrap();
    assert!(aside.exists());
    let store = Store::open(&db).unwrap();
    assert_eq!(
        store
            .card_for(p.id, "fractions", "wf-pizza")
            .unwrap()
            .unwrap()
            .memory
            .reps,
        0
    );
    // Refuses what is not a tutor backup, leaving the database alone.
    let junk = dir.path().join("junk.sqlite3");
    std::fs::write(&junk, b"nope").unwrap();
    assert!(restore(&db, &junk, T0).is_err());
    assert!(Store::open(&db).is_ok());
    // Automatic: at most once a day, the last 7 kept.
    let auto = dir.path().join("auto");
    assert!(store.auto_backup(&auto, T0).unwrap().is_some());
    assert!(
        store.auto_backup(&auto, T0 + 60).unwrap().is_none(),
        "once a day"
    );
    for i in 0..9 {
        let f = auto_backups(&auto).pop().unwrap();
        // Age the newest so the next call makes another.
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86_400);
        std::fs::File::options()
            .write(true)
            .open(&f)
            .unwrap()
            .set_modified(old)
            .unwrap();
        store.auto_backup(&auto, T0 + (i + 1) * DAY).unwrap();
    }
    assert_eq!(auto_backups(&auto).len(), 7);
}

#[test]
fn transcripts_are_private_to_their_profile() {
    let (_d, mut store) = fresh();
    let a = store.default_profile("ana").unwrap();
    let b = store.add_profile("ben", None).unwrap();
    let s = store
        .start_session(a.id, "fractions", "what-is-a-fraction")
        .unwrap();
    store
        .append_line(s, "tutor", Some("ask"), "What is a half?")
        .unwrap();
    store
        .append_line(s, "student", None, "one of two equal parts")
        .unwrap();
    store.end_session(s, "mastered: none").unwrap();
    assert_eq!(store.transcript(s, Some(a.id)).unwrap().len(), 2);
    assert!(store.transcript(s, Some(b.id)).is_err());
    assert!(store.sessions(Some(b.id)).unwrap().is_empty());
    assert_eq!(store.sessions(None).unwrap()[0].turns, 2);
}
