//! Scheduler rules with fixed clocks, against the fsrs crate's documented behaviour.

use super::*;

const T0: i64 = 1_800_000_000;

fn sched() -> Scheduler {
    let mut s = Scheduler::new(&[], 0.9).unwrap();
    s.fuzz = false;
    s
}

#[test]
fn first_good_matches_the_fsrs_default_interval() {
    let s = sched();
    let r = s.schedule(&CardMemory::NEW, Rating::Good, T0, 1).unwrap();
    // fsrs docs: a new card rated Good gets stability 2.3065 → interval 2.3065 → 2 days.
    assert_eq!(r.memory.state, CardState::Review);
    assert!((r.memory.stability.unwrap() - 2.3065).abs() < 1e-3);
    assert_eq!(r.interval_secs, 2 * DAY);
}

#[test]
fn intervals_grow_with_good() {
    let s = sched();
    let mut m = CardMemory::NEW;
    let mut now = T0;
    let mut last = 0;
    for _ in 0..6 {
        let r = s.schedule(&m, Rating::Good, now, 0).unwrap();
        assert!(r.interval_secs > last, "{} <= {last}", r.interval_secs);
        last = r.interval_secs;
        m = r.memory;
        now = m.due.unwrap();
    }
    assert!(
        last > 60 * DAY,
        "after six Goods the interval is {} days",
        last / DAY
    );
}

#[test]
fn again_relearns_the_same_day_and_counts_a_lapse() {
    let s = sched();
    let m = s
        .schedule(&CardMemory::NEW, Rating::Good, T0, 0)
        .unwrap()
        .memory;
    let due = m.due.unwrap();
    let r = s.schedule(&m, Rating::Again, due, 0).unwrap();
    assert_eq!(r.memory.state, CardState::Relearning);
    assert_eq!(r.interval_secs, RELEARN_SECS);
    assert_eq!(r.memory.lapses, 1);
    assert!(r.memory.stability.unwrap() < m.stability.unwrap());
    // A new card failed is in learning, not a lapse.
    let r = s.schedule(&CardMemory::NEW, Rating::Again, T0, 0).unwrap();
    assert_eq!((r.memory.state, r.memory.lapses), (CardState::Learning, 0));
}

#[test]
fn higher_retention_means_shorter_intervals() {
    let mut hi = Scheduler::new(&[], 0.97).unwrap();
    let mut lo = Scheduler::new(&[], 0.80).unwrap();
    hi.fuzz = false;
    lo.fuzz = false;
    let mut mh = CardMemory::NEW;
    let mut ml = CardMemory::NEW;
    for _ in 0..3 {
        mh = hi
            .schedule(&mh, Rating::Good, mh.due.unwrap_or(T0), 0)
            .unwrap()
            .memory;
        ml = lo
            .schedule(&ml, Rating::Good, ml.due.unwrap_or(T0), 0)
            .unwrap()
            .memory;
    }
    let ih = mh.due.unwrap() - mh.last_review.unwrap();
    let il = ml.due.unwrap() - ml.last_review.unwrap();
    assert!(
        ih < il,
        "0.97 → {} days, 0.80 → {} days",
        ih / DAY,
        il / DAY
    );
}

#[test]
fn easy_beats_good_beats_hard() {
    let s = sched();
    let i = |r| {
        s.schedule(&CardMemory::NEW, r, T0, 0)
            .unwrap()
            .interval_secs
    };
    assert!(i(Rating::Easy) > i(Rating::Good));
    assert!(i(Rating::Good) >= i(Rating::Hard));
}

#[test]
fn fuzz_stays_in_range_and_is_reproducible() {
    for days in [3.0, 10.0, 40.0, 200.0] {
        let mut seen = std::collections::HashSet::new();
        for seed in 0..200 {
            let f = fuzz_days(days, seed);
            assert!(
                (f - days).abs() <= (days * 0.16).max(1.0) + 0.5,
                "{days} → {f}"
            );
            assert_eq!(f, fuzz_days(days, seed));
            seen.insert(f as i64);
        }
        assert!(seen.len() > 1, "no spread at {days} days");
    }
    assert_eq!(fuzz_days(1.0, 5), 1.0);
}

#[test]
fn retrievability_falls_over_time_and_mastery_drops_on_lapse() {
    let s = sched();
    let m = s
        .schedule(&CardMemory::NEW, Rating::Good, T0, 0)
        .unwrap()
        .memory;
    let m = s
        .schedule(&m, Rating::Good, m.due.unwrap(), 0)
        .unwrap()
        .memory;
    let r_now = s.retrievability(&m, m.last_review.unwrap());
    let r_due = s.retrievability(&m, m.due.unwrap());
    let r_late = s.retrievability(&m, m.due.unwrap() + 60 * DAY);
    assert!((r_now - 1.0).abs() < 1e-6);
    assert!((r_due - 0.9).abs() < 0.03, "{r_due}");
    assert!(r_late < r_due);
    let before = concept_mastery(&s, &[m], m.last_review.unwrap() + DAY);
    let lapsed = s
        .schedule(&m, Rating::Again, m.due.unwrap(), 0)
        .unwrap()
        .memory;
    let after = concept_mastery(&s, &[lapsed], m.due.unwrap() + 60);
    assert!(before > 0.8 && after == 0.0, "{before} → {after}");
}

#[test]
fn ratings_from_outcomes() {
    assert_eq!(Rating::from_outcome(false, 1, 0, 1000), Rating::Again);
    assert_eq!(Rating::from_outcome(true, 1, 1, 1000), Rating::Hard);
    assert_eq!(Rating::from_outcome(true, 2, 0, 1000), Rating::Hard);
    assert_eq!(Rating::from_outcome(true, 1, 0, 3000), Rating::Easy);
    assert_eq!(Rating::from_outcome(true, 1, 0, 30_000), Rating::Good);
}

#[test]
fn unlock_needs_every_prerequisite() {
    assert!(unlocked(&[], 0.8));
    assert!(unlocked(&[0.9, 0.81], 0.8));
    assert!(!unlocked(&[0.9, 0.5], 0.8));
}

#[test]
fn intervals_read_as_words() {
    assert_eq!(describe_interval(600), "in 10 minutes");
    assert_eq!(describe_interval(DAY), "tomorrow");
    assert_eq!(describe_interval(3 * DAY), "in 3 days");
    assert_eq!(describe_interval(90 * DAY), "in 3 months");
}
