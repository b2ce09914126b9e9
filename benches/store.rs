//! Store benchmarks at classroom scale: 100,000 cards (40 profiles × 2,500 checks) and
//! 1,000,000 review-log rows in a real SQLite file.
//!
//! - `next_card`: the queue query for one profile (target < 5 ms)
//! - `stats`: everything `tutor stats` computes for one profile (target < 200 ms)
//! - `record_answer/full`: a durable answer with `synchronous=FULL` (target < 10 ms)
//! - `record_answer/normal`: the same with `synchronous=NORMAL`, to justify the choice
//!
//! Under `cargo test` (no `--bench` flag) the data set is small so the suite stays fast.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rusqlite::params;
use tutor::curriculum::{Check, CheckKind, Concept, Course};
use tutor::srs::{DAY, Rating, Scheduler};
use tutor::store::Store;
use tutor::store::cards::{Answer, GradeSource};
use tutor::store::profiles::Profile;

const NOW: i64 = 1_800_000_000;

fn course(checks: usize) -> Course {
    let per = checks / 10;
    let concepts = (0..10)
        .map(|c| Concept {
            id: format!("c{c}"),
            title: format!("Concept {c}"),
            requires: if c == 0 {
                vec![]
            } else {
                vec![format!("c{}", c - 1)]
            },
            objective: "o".into(),
            notes: String::new(),
            questions: vec![],
            misconceptions: vec![],
            checks: (0..per)
                .map(|k| {
                    Check::new(
                        &format!("k{c}-{k}"),
                        CheckKind::Short,
                        &format!("Question {c}/{k}"),
                        "a",
                    )
                })
                .collect(),
            id_pos: Default::default(),
            requires_pos: vec![],
            notes_pos: Default::default(),
            tags: vec![],
            minutes: None,
            image: None,
            questions_pos: vec![],
        })
        .collect();
    Course {
        id: "bench".into(),
        title: "Bench".into(),
        version: "1".into(),
        language: "en".into(),
        audience: String::new(),
        description: String::new(),
        concepts,
        id_pos: Default::default(),
        material: Vec::new(),
        glossary: Vec::new(),
    }
}

fn setup(
    dir: &std::path::Path,
    profiles: usize,
    checks: usize,
    log_rows: usize,
) -> (Store, Profile) {
    let mut store = Store::open(&dir.join("tutor.sqlite3")).unwrap();
    for p in 0..profiles {
        store.add_profile(&format!("student{p}"), None).unwrap();
    }
    store.sync_course(&course(checks), "h", "bench").unwrap();
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = move |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    store
        .write(|tx| {
            // 70 % of cards reviewed, due from 60 days ago to 120 days ahead.
            let ids: Vec<i64> = {
                let mut st = tx.prepare("SELECT id FROM cards")?;
                st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
            };
            {
                let mut up = tx.prepare(
                    "UPDATE cards SET state = 'review', stability = ?1, difficulty = 5.0, due = ?2, last_review = ?3, reps = ?4 WHERE id = ?5",
                )?;
                for &id in &ids {
                    if rnd(10) < 7 {
                        let s = 1.0 + rnd(60) as f64;
                        let due = NOW - 60 * DAY + rnd(180) as i64 * DAY;
                        up.execute(params![s, due, due - (s as i64) * DAY, 1 + rnd(8), id])?;
                    }
                }
            }
            let mut ins = tx.prepare(
                "INSERT INTO review_log(card_id, profile_id, reviewed_at, rating, source, elapsed_days, attempts, hints_used,
                   response_ms, correct, state_before) SELECT ?1, profile_id, ?2, ?3, 'rule', 3.0, 1, 0, 5000, ?4, 'review'
                 FROM cards WHERE id = ?1",
            )?;
            for _ in 0..log_rows {
                let id = ids[rnd(ids.len() as u64) as usize];
                let rating = 1 + rnd(4) as i64;
                ins.execute(params![id, NOW - rnd(365) as i64 * DAY, rating, rating > 1])?;
            }
            Ok(())
        })
        .unwrap();
    let p = store
        .profile(&format!("student{}", profiles / 2))
        .unwrap()
        .unwrap();
    (store, p)
}

fn benches(c: &mut Criterion) {
    let full = std::env::args().any(|a| a == "--bench");
    let (profiles, checks, logs) = if full {
        (40, 2500, 1_000_000)
    } else {
        (2, 100, 2000)
    };
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let (mut store, profile) = setup(dir.path(), profiles, checks, logs);
    let cards: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM cards", [], |r| r.get(0))
        .unwrap();
    let rows: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM review_log", [], |r| r.get(0))
        .unwrap();
    eprintln!(
        "data: {cards} cards, {rows} review-log rows (built in {:.1?})",
        started.elapsed()
    );
    let mut sched = Scheduler::new(&[], 0.9).unwrap();
    sched.fuzz = true;
    let day0 = NOW - NOW % DAY;
    c.bench_function("next_card", |b| {
        b.iter(|| black_box(store.next_card(&profile, None, &sched, NOW, day0).unwrap()))
    });
    c.bench_function("stats", |b| {
        b.iter(|| black_box(store.stats(&profile, &sched, NOW, 0).unwrap()))
    });
    let ids: Vec<i64> = {
        let mut st = store
            .conn()
            .prepare("SELECT id FROM cards WHERE profile_id = ?1")
            .unwrap();
        st.query_map([profile.id], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let answer = Answer {
        rating: Rating::Good,
        source: GradeSource::Rule,
        correct: true,
        attempts: 1,
        hints_used: 0,
        response_ms: 4000,
        text: Some("a".into()),
    };
    for mode in ["full", "normal"] {
        store
            .conn()
            .pragma_update(None, "synchronous", mode)
            .unwrap();
        let mut i = 0usize;
        c.bench_function(&format!("record_answer/{mode}"), |b| {
            b.iter(|| {
                i += 1;
                black_box(
                    store
                        .record_answer(ids[i % ids.len()], &answer, &sched, NOW + i as i64)
                        .unwrap(),
                )
            })
        });
    }
}

criterion_group! {
    name = store;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    targets = benches
}
criterion_main!(store);
