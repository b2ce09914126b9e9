//! Cards: the review queue and recording answers.
//!
//! Queue order: due reviews first (the lowest recall probability first), then new cards in
//! prerequisite order, never from a concept whose prerequisites are not yet mastered, within the
//! profile's daily new-card limit. Recording an answer is one transaction that re-reads the card,
//! so two processes answering at once never lose a review.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, Row, params};

use super::{Result, Store, StoreError};
use crate::srs::{self, CardMemory, CardState, Rating, Scheduled, Scheduler};

/// Who decided a grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GradeSource {
    /// The deterministic curriculum grader.
    Rule,
    /// The model's constrained judging call.
    Judge,
    /// The student rated themselves.
    #[serde(rename = "self")]
    SelfRated,
}

impl GradeSource {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rule => "rule",
            Self::Judge => "judge",
            Self::SelfRated => "self",
        }
    }
}

/// One card with where it belongs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CardRow {
    pub id: i64,
    pub profile_id: i64,
    pub course_id: String,
    pub check_id: String,
    pub concept_id: String,
    pub memory: CardMemory,
}

/// An answer to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub rating: Rating,
    pub source: GradeSource,
    pub correct: bool,
    pub attempts: u32,
    pub hints_used: u32,
    pub response_ms: u64,
    pub text: Option<String>,
}

const CARD_COLS: &str = "c.id, c.profile_id, c.course_id, c.check_id, k.concept_id, c.state, c.stability, \
                         c.difficulty, c.due, c.last_review, c.reps, c.lapses";

fn card_from_row(r: &Row<'_>) -> rusqlite::Result<CardRow> {
    Ok(CardRow {
        id: r.get(0)?,
        profile_id: r.get(1)?,
        course_id: r.get(2)?,
        check_id: r.get(3)?,
        concept_id: r.get(4)?,
        memory: CardMemory {
            state: CardState::parse(&r.get::<_, String>(5)?),
            stability: r.get(6)?,
            difficulty: r.get(7)?,
            due: r.get(8)?,
            last_review: r.get(9)?,
            reps: r.get(10)?,
            lapses: r.get(11)?,
        },
    })
}

/// A concept's place in its course, as synced.
#[derive(Debug, Clone)]
struct ConceptRow {
    id: String,
    requires: Vec<String>,
}

impl Store {
    /// One card by id.
    pub fn card(&self, id: i64) -> Result<CardRow> {
        Ok(self.conn.query_row(
            &format!("SELECT {CARD_COLS} FROM cards c JOIN checks k ON k.course_id = c.course_id AND k.id = c.check_id WHERE c.id = ?1"),
            [id],
            card_from_row,
        )?)
    }

    /// The card of `profile_id` for a check.
    pub fn card_for(
        &self,
        profile_id: i64,
        course_id: &str,
        check_id: &str,
    ) -> Result<Option<CardRow>> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {CARD_COLS} FROM cards c JOIN checks k ON k.course_id = c.course_id AND k.id = c.check_id
                     WHERE c.profile_id = ?1 AND c.course_id = ?2 AND c.check_id = ?3"
                ),
                params![profile_id, course_id, check_id],
                card_from_row,
            )
            .optional()?)
    }

    /// Active cards of a profile in a course, in check order.
    pub fn course_cards(&self, profile_id: i64, course_id: &str) -> Result<Vec<CardRow>> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {CARD_COLS} FROM cards c JOIN checks k ON k.course_id = c.course_id AND k.id = c.check_id
             WHERE c.profile_id = ?1 AND c.course_id = ?2 AND k.retired = 0 ORDER BY k.position"
        ))?;
        let rows = st.query_map(params![profile_id, course_id], card_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The most urgent due review: due now, lowest recall probability first.
    pub fn next_due(
        &self,
        profile_id: i64,
        course: Option<&str>,
        now: i64,
    ) -> Result<Option<CardRow>> {
        // For one profile the forgetting curve is the same for every card, so a larger
        // (now - last_review) / stability means a lower recall probability.
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {CARD_COLS} FROM cards c JOIN checks k ON k.course_id = c.course_id AND k.id = c.check_id
             WHERE c.profile_id = ?1 AND c.due <= ?2 AND c.state != 'new' AND k.retired = 0
               AND (?3 IS NULL OR c.course_id = ?3)
             ORDER BY CAST(?2 - c.last_review AS REAL) / max(c.stability, 0.001) DESC, c.id LIMIT 1"
        ))?;
        Ok(st
            .query_row(params![profile_id, now, course], card_from_row)
            .optional()?)
    }

    /// New cards this profile started since `day_start`.
    pub fn new_started_since(&self, profile_id: i64, day_start: i64) -> Result<u32> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM review_log WHERE profile_id = ?1 AND reviewed_at >= ?2 AND state_before = 'new'",
            params![profile_id, day_start],
            |r| r.get(0),
        )?)
    }

    fn concepts_of(&self, course_id: &str) -> Result<Vec<ConceptRow>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT id, requires FROM concepts WHERE course_id = ?1 AND retired = 0 ORDER BY position")?;
        let rows = st.query_map([course_id], |r| {
            let req: String = r.get(1)?;
            Ok(ConceptRow {
                id: r.get(0)?,
                requires: serde_json::from_str(&req).unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Mastery (0..1) of every active concept of a course, keyed by concept id.
    pub fn concept_mastery(
        &self,
        profile_id: i64,
        course_id: &str,
        sched: &Scheduler,
        now: i64,
    ) -> Result<HashMap<String, f64>> {
        let mut by_concept: HashMap<String, Vec<CardMemory>> = HashMap::new();
        for c in self.concepts_of(course_id)? {
            by_concept.entry(c.id).or_default();
        }
        for card in self.course_cards(profile_id, course_id)? {
            by_concept
                .entry(card.concept_id)
                .or_default()
                .push(card.memory);
        }
        Ok(by_concept
            .into_iter()
            .map(|(k, v)| {
                let m = srs::concept_mastery(sched, &v, now);
                (k, m)
            })
            .collect())
    }

    /// Concepts of a course whose prerequisites are all mastered (≥ `threshold`), in order.
    pub fn unlocked_concepts(
        &self,
        profile_id: i64,
        course_id: &str,
        sched: &Scheduler,
        now: i64,
        threshold: f64,
    ) -> Result<Vec<String>> {
        let mastery = self.concept_mastery(profile_id, course_id, sched, now)?;
        let concepts = self.concepts_of(course_id)?;
        Ok(topo(&concepts)
            .into_iter()
            .filter(|c| {
                let pre: Vec<f64> = c
                    .requires
                    .iter()
                    .map(|r| mastery.get(r).copied().unwrap_or(0.0))
                    .collect();
                srs::unlocked(&pre, threshold)
            })
            .map(|c| c.id.clone())
            .collect())
    }

    /// The next new card: in prerequisite order, from an unlocked concept, within the daily limit.
    pub fn next_new(
        &self,
        profile: &super::profiles::Profile,
        course: Option<&str>,
        sched: &Scheduler,
        now: i64,
        day_start: i64,
    ) -> Result<Option<CardRow>> {
        if self.new_started_since(profile.id, day_start)? >= profile.new_per_day {
            return Ok(None);
        }
        let courses = match course {
            Some(c) => vec![c.to_string()],
            None => self.course_ids()?,
        };
        for course_id in courses {
            let unlocked =
                self.unlocked_concepts(profile.id, &course_id, sched, now, srs::DEFAULT_UNLOCK)?;
            let cards = self.course_cards(profile.id, &course_id)?;
            for concept in &unlocked {
                if let Some(card) = cards
                    .iter()
                    .find(|c| &c.concept_id == concept && c.memory.state == CardState::New)
                {
                    return Ok(Some(card.clone()));
                }
            }
        }
        Ok(None)
    }

    /// The next card to study: a due review, else a new card.
    pub fn next_card(
        &self,
        profile: &super::profiles::Profile,
        course: Option<&str>,
        sched: &Scheduler,
        now: i64,
        day_start: i64,
    ) -> Result<Option<CardRow>> {
        match self.next_due(profile.id, course, now)? {
            Some(c) => Ok(Some(c)),
            None => self.next_new(profile, course, sched, now, day_start),
        }
    }

    /// Schedules and records an answer, durably, in one transaction. Returns the new schedule.
    pub fn record_answer(
        &mut self,
        card_id: i64,
        answer: &Answer,
        sched: &Scheduler,
        now: i64,
    ) -> Result<Scheduled> {
        self.write(|tx| {
            let card = tx.query_row(
                &format!("SELECT {CARD_COLS} FROM cards c JOIN checks k ON k.course_id = c.course_id AND k.id = c.check_id WHERE c.id = ?1"),
                [card_id],
                card_from_row,
            )?;
            // The review's id seeds the fuzz, so replaying the log anywhere gives this state.
            let uid = super::replay::new_uid();
            let seed = super::replay::fuzz_seed(&uid);
            let s = sched.schedule(&card.memory, answer.rating, now, seed).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let m = &s.memory;
            tx.execute(
                "UPDATE cards SET state = ?1, stability = ?2, difficulty = ?3, due = ?4, last_review = ?5, reps = ?6, lapses = ?7 WHERE id = ?8",
                params![m.state.as_str(), m.stability, m.difficulty, m.due, m.last_review, m.reps, m.lapses, card.id],
            )?;
            tx.execute(
                "INSERT INTO review_log(card_id, profile_id, reviewed_at, rating, source, elapsed_days, attempts, hints_used,
                   response_ms, correct, state_before, answer, uid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    card.id,
                    card.profile_id,
                    now,
                    answer.rating as i64,
                    answer.source.as_str(),
                    s.elapsed_days,
                    answer.attempts,
                    answer.hints_used,
                    answer.response_ms as i64,
                    answer.correct,
                    card.memory.state.as_str(),
                    answer.text,
                    uid,
                ],
            )?;
            Ok(s)
        })
    }

    /// A profile's review history as FSRS training items (one per review after the first of
    /// each card), for `tutor optimize`.
    pub fn fsrs_items(&self, profile_id: i64) -> Result<(Vec<fsrs::FSRSItem>, usize)> {
        let mut st = self
            .conn
            .prepare("SELECT card_id, reviewed_at, rating FROM review_log WHERE profile_id = ?1 ORDER BY card_id, reviewed_at")?;
        let rows: Vec<(i64, i64, u32)> = st
            .query_map([profile_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let total = rows.len();
        let mut items = Vec::new();
        let mut i = 0;
        while i < rows.len() {
            let card = rows[i].0;
            let mut history: Vec<fsrs::FSRSReview> = Vec::new();
            let mut last = rows[i].1;
            while i < rows.len() && rows[i].0 == card {
                let delta_t = ((rows[i].1 - last).max(0) / srs::DAY) as u32;
                history.push(fsrs::FSRSReview {
                    rating: rows[i].2,
                    delta_t,
                });
                last = rows[i].1;
                if history.len() > 1 && history.last().is_some_and(|r| r.delta_t > 0) {
                    items.push(fsrs::FSRSItem {
                        reviews: history.clone(),
                    });
                }
                i += 1;
            }
        }
        Ok((items, total))
    }
}

fn topo(concepts: &[ConceptRow]) -> Vec<&ConceptRow> {
    let mut done: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    while out.len() < concepts.len() {
        let next = concepts
            .iter()
            .find(|c| {
                !done.contains(&c.id.as_str())
                    && c.requires.iter().all(|r| done.contains(&r.as_str()))
            })
            .or_else(|| concepts.iter().find(|c| !done.contains(&c.id.as_str())));
        let Some(c) = next else { break };
        done.push(&c.id);
        out.push(c);
    }
    out
}

impl Store {
    /// Brings a concept's learned cards due now (a misconception showed up in a lesson), so what
    /// went wrong comes back in the next review.
    pub fn pull_forward_concept(
        &mut self,
        profile_id: i64,
        course_id: &str,
        concept_id: &str,
        now: i64,
    ) -> Result<usize> {
        self.write(|tx| {
            Ok(tx.execute(
                "UPDATE cards SET due = min(due, ?4) WHERE profile_id = ?1 AND course_id = ?2 AND state != 'new'
                   AND check_id IN (SELECT id FROM checks WHERE course_id = ?2 AND concept_id = ?3)",
                params![profile_id, course_id, concept_id, now],
            )?)
        })
    }
}
