//! Card state derived from the review log: globally unique review ids and FSRS replay.
//!
//! The review log is the source of truth. A card's scheduling state is what replaying its
//! reviews in order (`reviewed_at`, then id) through FSRS gives; the fuzz that spreads review
//! days is seeded from each review's id, so a replay on any laptop gives the same state as the
//! answer did when it was recorded. `cards` keeps that state only as a fast cache.
//!
//! Not in the log, so not replayed: a misconception in a lesson pulling a concept's due dates
//! forward (`Store::pull_forward_concept`); a replay sets due dates back to what the reviews give.

use rusqlite::params;

use super::{Result, Store, StoreError};
use crate::srs::{CardMemory, Rating, Scheduler};

/// A new review id: the time in milliseconds (12 hex digits, so ids sort by time) and 80 random
/// bits. 32 lowercase hex digits, like the ids the schema gives older rows.
pub fn new_uid() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
        & 0xFFFF_FFFF_FFFF;
    let r: u128 = rand::random::<u128>() & ((1u128 << 80) - 1);
    format!("{ms:012x}{r:020x}")
}

/// The fuzz seed of a review: its id's last 16 hex digits (random in every id).
pub fn fuzz_seed(uid: &str) -> u64 {
    let tail = &uid[uid.len().saturating_sub(16)..];
    u64::from_str_radix(tail, 16).unwrap_or_else(|_| {
        // Not hex (never written by tutor): still deterministic.
        tail.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
    })
}

/// Replays `reviews` (rating, time, id; in log order) from a new card.
pub fn replay(sched: &Scheduler, reviews: &[(Rating, i64, String)]) -> Result<CardMemory> {
    let mut m = CardMemory::NEW;
    for (rating, at, uid) in reviews {
        m = sched
            .schedule(&m, *rating, *at, fuzz_seed(uid))
            .map_err(|e| StoreError::Invalid(e.to_string()))?
            .memory;
    }
    Ok(m)
}

impl Store {
    /// A card's reviews in log order.
    pub fn card_reviews(&self, card_id: i64) -> Result<Vec<(Rating, i64, String)>> {
        let mut st = self.conn.prepare_cached(
            "SELECT rating, reviewed_at, uid FROM review_log WHERE card_id = ?1 ORDER BY reviewed_at, uid",
        )?;
        let rows = st.query_map([card_id], |r| {
            Ok((
                r.get::<_, u8>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (rating, at, uid) = row?;
            let rating = Rating::from_u8(rating)
                .ok_or_else(|| StoreError::Invalid(format!("review {uid} has rating {rating}")))?;
            out.push((rating, at, uid));
        }
        Ok(out)
    }

    /// A card's state as its review log gives it.
    pub fn replayed_card(&self, card_id: i64, sched: &Scheduler) -> Result<CardMemory> {
        replay(sched, &self.card_reviews(card_id)?)
    }

    /// Recomputes cards from the log (after a merge brought in reviews) with each card's
    /// profile's own scheduler; writes them in the caller's transaction.
    pub(crate) fn rebuild_cards(tx: &rusqlite::Transaction<'_>, card_ids: &[i64]) -> Result<()> {
        for &card_id in card_ids {
            let profile_id: i64 = tx.query_row(
                "SELECT profile_id FROM cards WHERE id = ?1",
                [card_id],
                |r| r.get(0),
            )?;
            let (params, retention): (Option<String>, f64) = tx.query_row(
                "SELECT fsrs_params, desired_retention FROM profiles WHERE id = ?1",
                [profile_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let params: Vec<f32> = params
                .and_then(|p| serde_json::from_str(&p).ok())
                .unwrap_or_default();
            let sched = Scheduler::new(&params, retention as f32)
                .or_else(|_| Scheduler::new(&[], retention as f32))
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            let mut st = tx.prepare_cached(
                "SELECT rating, reviewed_at, uid FROM review_log WHERE card_id = ?1 ORDER BY reviewed_at, uid",
            )?;
            let rows: Vec<(u8, i64, String)> = st
                .query_map([card_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let mut reviews = Vec::with_capacity(rows.len());
            for (n, at, uid) in rows {
                let rating = Rating::from_u8(n)
                    .ok_or_else(|| StoreError::Invalid(format!("review {uid} has rating {n}")))?;
                reviews.push((rating, at, uid));
            }
            let m = replay(&sched, &reviews)?;
            write_memory(tx, card_id, &m)?;
        }
        Ok(())
    }
}

fn write_memory(tx: &rusqlite::Transaction<'_>, card_id: i64, m: &CardMemory) -> Result<()> {
    tx.execute(
        "UPDATE cards SET state = ?1, stability = ?2, difficulty = ?3, due = ?4, last_review = ?5, reps = ?6, lapses = ?7
         WHERE id = ?8",
        params![
            m.state.as_str(),
            m.stability,
            m.difficulty,
            m.due,
            m.last_review,
            m.reps,
            m.lapses,
            card_id
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_time_and_seed_from_their_random_part() {
        let a = new_uid();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = new_uid();
        assert_eq!(a.len(), 32);
        assert!(a < b, "{a} {b}");
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(fuzz_seed(&a), fuzz_seed(&b));
        assert_eq!(fuzz_seed(&a), fuzz_seed(&a.clone()));
    }
}
