//! Spaced repetition: FSRS-6 scheduling (the `fsrs` crate, as in Anki), mastery and unlocking.
//!
//! Everything here is pure: `now` (unix seconds) is passed in, so every rule is tested with
//! fixed clocks. Storage lives in `store`; this module only decides.

use fsrs::{DEFAULT_PARAMETERS, FSRS, MemoryState};
use serde::{Deserialize, Serialize};

pub const DAY: i64 = 86_400;
/// An "Again" comes back the same day, after this many seconds.
pub const RELEARN_SECS: i64 = 10 * 60;
/// Default probability of recall at the moment a review falls due.
pub const DEFAULT_RETENTION: f32 = 0.90;
/// A concept unlocks when every prerequisite reaches this mastery.
pub const DEFAULT_UNLOCK: f64 = 0.8;
/// Reviews needed before `tutor optimize` fits personal parameters.
pub const MIN_REVIEWS_TO_OPTIMIZE: usize = 400;

/// The four answer ratings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Rating {
    Again = 1,
    Hard = 2,
    Good = 3,
    Easy = 4,
}

impl Rating {
    /// From 1–4.
    pub fn from_u8(n: u8) -> Option<Self> {
        Some(match n {
            1 => Self::Again,
            2 => Self::Hard,
            3 => Self::Good,
            4 => Self::Easy,
            _ => return None,
        })
    }

    /// The rating of a graded answer: failed → Again; needed hints or several tries → Hard;
    /// first try without hints → Good, or Easy when answered quickly.
    pub fn from_outcome(correct: bool, attempts: u32, hints_used: u32, response_ms: u64) -> Self {
        if !correct {
            Self::Again
        } else if hints_used > 0 || attempts > 1 {
            Self::Hard
        } else if response_ms < 8_000 {
            Self::Easy
        } else {
            Self::Good
        }
    }
}

/// Where a card is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CardState {
    New,
    Learning,
    Review,
    Relearning,
}

impl CardState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Learning => "learning",
            Self::Review => "review",
            Self::Relearning => "relearning",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Self {
        match s {
            "learning" => Self::Learning,
            "review" => Self::Review,
            "relearning" => Self::Relearning,
            _ => Self::New,
        }
    }
}

/// The scheduling part of a card.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CardMemory {
    pub state: CardState,
    pub stability: Option<f64>,
    pub difficulty: Option<f64>,
    pub due: Option<i64>,
    pub last_review: Option<i64>,
    pub reps: u32,
    pub lapses: u32,
}

impl CardMemory {
    /// A card never answered.
    pub const NEW: Self = Self {
        state: CardState::New,
        stability: None,
        difficulty: None,
        due: None,
        last_review: None,
        reps: 0,
        lapses: 0,
    };
}

/// The outcome of scheduling one answer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scheduled {
    pub memory: CardMemory,
    /// Seconds until the card is due again.
    pub interval_secs: i64,
    pub elapsed_days: f64,
}

/// Scheduling failures (only from invalid parameters).
#[derive(Debug, thiserror::Error)]
#[error("FSRS: {0:?}")]
pub struct SrsError(pub fsrs::FSRSError);

/// An FSRS scheduler with one profile's parameters and desired retention.
pub struct Scheduler {
    fsrs: FSRS,
    params: Vec<f32>,
    pub desired_retention: f32,
    /// Spread review days a little (Anki's fuzz) so cards learned together don't stay together.
    pub fuzz: bool,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("desired_retention", &self.desired_retention)
            .finish()
    }
}

impl Scheduler {
    /// A scheduler with `params` (empty = FSRS-6 defaults).
    pub fn new(params: &[f32], desired_retention: f32) -> Result<Self, SrsError> {
        let params = if params.is_empty() {
            DEFAULT_PARAMETERS.to_vec()
        } else {
            params.to_vec()
        };
        let fsrs = FSRS::new(&params).map_err(SrsError)?;
        Ok(Self {
            fsrs,
            params,
            desired_retention: desired_retention.clamp(0.7, 0.99),
            fuzz: true,
        })
    }

    /// The forgetting-curve decay (FSRS-6 parameter w20).
    pub fn decay(&self) -> f32 {
        self.params
            .get(20)
            .copied()
            .unwrap_or(fsrs::FSRS6_DEFAULT_DECAY)
    }

    /// Probability of recall `now` (0 for a new card).
    pub fn retrievability(&self, m: &CardMemory, now: i64) -> f64 {
        match (m.stability, m.last_review) {
            (Some(s), Some(last)) if s > 0.0 => {
                let days = ((now - last).max(0) as f64 / DAY as f64) as f32;
                let state = MemoryState {
                    stability: s as f32,
                    difficulty: m.difficulty.unwrap_or(5.0) as f32,
                };
                f64::from(fsrs::current_retrievability(state, days, self.decay()))
            }
            _ => 0.0,
        }
    }

    /// Schedules answer `rating` to a card at time `now`; `fuzz_seed` makes fuzz reproducible.
    pub fn schedule(
        &self,
        m: &CardMemory,
        rating: Rating,
        now: i64,
        fuzz_seed: u64,
    ) -> Result<Scheduled, SrsError> {
        let elapsed_secs = m.last_review.map_or(0, |l| (now - l).max(0));
        let elapsed_days = elapsed_secs as f64 / DAY as f64;
        let prev = match (m.stability, m.difficulty) {
            (Some(s), Some(d)) => Some(MemoryState {
                stability: s as f32,
                difficulty: d as f32,
            }),
            _ => None,
        };
        let next = self
            .fsrs
            .next_states(prev, self.desired_retention, elapsed_days.floor() as u32)
            .map_err(SrsError)?;
        let chosen = match rating {
            Rating::Again => next.again,
            Rating::Hard => next.hard,
            Rating::Good => next.good,
            Rating::Easy => next.easy,
        };
        let (state, interval_secs) = match rating {
            Rating::Again => {
                let s = if m.state == CardState::New || m.state == CardState::Learning {
                    CardState::Learning
                } else {
                    CardState::Relearning
                };
                (s, RELEARN_SECS)
            }
            _ => {
                let days = f64::from(chosen.interval).round().max(1.0);
                let days = if self.fuzz {
                    fuzz_days(days, fuzz_seed)
                } else {
                    days
                };
                (CardState::Review, (days as i64) * DAY)
            }
        };
        let lapses = m.lapses + u32::from(rating == Rating::Again && m.state == CardState::Review);
        Ok(Scheduled {
            memory: CardMemory {
                state,
                stability: Some(f64::from(chosen.memory.stability)),
                difficulty: Some(f64::from(chosen.memory.difficulty)),
                due: Some(now + interval_secs),
                last_review: Some(now),
                reps: m.reps + 1,
                lapses,
            },
            interval_secs,
            elapsed_days,
        })
    }
}

/// Anki's fuzz: intervals of 2.5 days and more move by up to 15 % (short) to 5 % (long).
pub fn fuzz_days(days: f64, seed: u64) -> f64 {
    if days < 2.5 {
        return days;
    }
    let mut delta = 1.0;
    for (start, end, factor) in [(2.5, 7.0, 0.15), (7.0, 20.0, 0.1), (20.0, f64::MAX, 0.05)] {
        delta += factor * (days.min(end) - start).max(0.0);
    }
    let lo = (days - delta).round().max(2.0);
    let hi = (days + delta).round();
    // splitmix64 → uniform in [lo, hi]
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let span = (hi - lo) as u64 + 1;
    lo + (z % span) as f64
}

/// "in 3 days", "in 10 minutes", "tomorrow".
pub fn describe_interval(secs: i64) -> String {
    let mins = secs / 60;
    let days = (secs as f64 / DAY as f64).round() as i64;
    match secs {
        s if s < 3_600 => format!(
            "in {} minute{}",
            mins.max(1),
            if mins == 1 { "" } else { "s" }
        ),
        s if s < DAY => format!("in {} hours", (s / 3_600).max(1)),
        _ if days == 1 => "tomorrow".into(),
        _ if days < 31 => format!("in {days} days"),
        _ if days < 365 => format!("in {} months", (days as f64 / 30.4).round() as i64),
        _ => format!("in {:.1} years", days as f64 / 365.0),
    }
}

/// How much a card says about mastery: nothing when new or just failed; its recall
/// probability, weighted by evidence (one review counts half), otherwise.
pub fn card_mastery(s: &Scheduler, m: &CardMemory, now: i64) -> f64 {
    match m.state {
        CardState::New | CardState::Relearning | CardState::Learning => 0.0,
        CardState::Review => s.retrievability(m, now) * (f64::from(m.reps) / 2.0).min(1.0),
    }
}

/// Mastery of a concept in 0..1: the mean of its active cards' [`card_mastery`].
pub fn concept_mastery(s: &Scheduler, cards: &[CardMemory], now: i64) -> f64 {
    if cards.is_empty() {
        return 0.0;
    }
    cards.iter().map(|m| card_mastery(s, m, now)).sum::<f64>() / cards.len() as f64
}

/// Whether a concept is unlocked, given its prerequisites' mastery.
pub fn unlocked(prereq_mastery: &[f64], threshold: f64) -> bool {
    prereq_mastery.iter().all(|&m| m >= threshold)
}

#[cfg(test)]
mod tests;
