//! Numbers for students (`tutor stats`) and teachers (`tutor report`).
//!
//! Days are local calendar days: callers pass `utc_offset` (seconds east of UTC) so that tests
//! use fixed clocks.

use std::collections::BTreeMap;

use rusqlite::params;
use serde::Serialize;

use super::{Result, Store};
use crate::srs::{self, DAY, Scheduler};

/// The local day number of a unix time.
pub fn day_of(t: i64, utc_offset: i64) -> i64 {
    (t + utc_offset).div_euclid(DAY)
}

/// Unix time of the start of the local day containing `t`.
pub fn day_start(t: i64, utc_offset: i64) -> i64 {
    day_of(t, utc_offset) * DAY - utc_offset
}

/// The machine's current UTC offset in seconds.
pub fn local_offset() -> i64 {
    i64::from(chrono::Local::now().offset().local_minus_utc())
}

fn iso_date(day: i64) -> String {
    chrono::DateTime::from_timestamp(day * DAY, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn day_counts(days: &BTreeMap<i64, u32>) -> Vec<DayCount> {
    days.iter()
        .map(|(d, c)| DayCount {
            date: iso_date(*d),
            count: *c,
        })
        .collect()
}

/// One day's count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayCount {
    pub date: String,
    pub count: u32,
}

/// A concept's mastery.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConceptStats {
    pub id: String,
    pub title: String,
    pub mastery: f64,
    pub cards: u32,
    pub due: u32,
}

/// A course's mastery.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CourseStats {
    pub id: String,
    pub title: String,
    pub mastery: f64,
    pub concepts: Vec<ConceptStats>,
}

/// Everything `tutor stats` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub profile: String,
    pub reviews_total: u64,
    pub due_today: u32,
    pub streak_days: u32,
    /// Share of answers to review cards (not new ones) that were right, last 30 days.
    pub retention: Option<f64>,
    pub reviews_per_day: Vec<DayCount>,
    pub forecast: Vec<DayCount>,
    pub courses: Vec<CourseStats>,
}

impl Store {
    /// (id, title) of a course's active concepts, in file order.
    fn concept_titles(&self, course_id: &str) -> Result<Vec<(String, String)>> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, title FROM concepts WHERE course_id = ?1 AND retired = 0 ORDER BY position",
        )?;
        let rows = st.query_map([course_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The statistics of one profile at `now`.
    pub fn stats(
        &self,
        profile: &super::profiles::Profile,
        sched: &Scheduler,
        now: i64,
        utc_offset: i64,
    ) -> Result<Stats> {
        let pid = profile.id;
        let today = day_of(now, utc_offset);
        let today_start = day_start(now, utc_offset);
        let tomorrow_start = today_start + DAY;
        let reviews_total: u64 = self.conn.query_row(
            "SELECT count(*) FROM review_log WHERE profile_id = ?1",
            [pid],
            |r| r.get(0),
        )?;
        let due_today: u32 = self.conn.query_row(
            "SELECT count(*) FROM cards c JOIN checks k ON k.course_id = c.course_id AND k.id = c.check_id
             WHERE c.profile_id = ?1 AND c.state != 'new' AND c.due < ?2 AND k.retired = 0",
            params![pid, tomorrow_start],
            |r| r.get(0),
        )?;
        // Reviews per day, last 30 days (index range scan).
        let since = today_start - 29 * DAY;
        let mut per_day: BTreeMap<i64, u32> = (today - 29..=today).map(|d| (d, 0)).collect();
        let mut correct_reviews = (0u32, 0u32);
        {
            let mut st = self.conn.prepare_cached(
                "SELECT reviewed_at, correct, state_before FROM review_log WHERE profile_id = ?1 AND reviewed_at >= ?2",
            )?;
            let mut rows = st.query(params![pid, since])?;
            while let Some(r) = rows.next()? {
                let t: i64 = r.get(0)?;
                *per_day.entry(day_of(t, utc_offset)).or_default() += 1;
                if r.get::<_, String>(2)? == "review" {
                    correct_reviews.1 += 1;
                    correct_reviews.0 += u32::from(r.get::<_, bool>(1)?);
                }
            }
        }
        let reviews_per_day = day_counts(&per_day);
        // Streak: consecutive days with a review, ending today (or yesterday, if not yet today).
        let mut streak = 0u32;
        let mut day = if per_day.get(&today).copied().unwrap_or(0) > 0 {
            today
        } else {
            today - 1
        };
        let mut exists = self.conn.prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM review_log WHERE profile_id = ?1 AND reviewed_at >= ?2 AND reviewed_at < ?3)",
        )?;
        loop {
            let start = day * DAY - utc_offset;
            if !exists.query_row(params![pid, start, start + DAY], |r| r.get::<_, bool>(0))? {
                break;
            }
            streak += 1;
            day -= 1;
        }
        // 30-day due forecast (today includes overdue cards).
        let mut forecast: BTreeMap<i64, u32> = (today..today + 30).map(|d| (d, 0)).collect();
        {
            let mut st = self.conn.prepare_cached(
                "SELECT c.due FROM cards c JOIN checks k ON k.course_id = c.course_id AND k.id = c.check_id
                 WHERE c.profile_id = ?1 AND c.state != 'new' AND k.retired = 0 AND c.due < ?2",
            )?;
            let mut rows = st.query(params![pid, today_start + 30 * DAY])?;
            while let Some(r) = rows.next()? {
                let d = day_of(r.get::<_, i64>(0)?, utc_offset).max(today);
                *forecast.entry(d).or_default() += 1;
            }
        }
        let forecast = day_counts(&forecast);
        let mut courses = Vec::new();
        let course_rows: Vec<(String, String)> = {
            let mut st = self
                .conn
                .prepare_cached("SELECT id, title FROM courses ORDER BY id")?;
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        for (cid, ctitle) in course_rows {
            let cards = self.course_cards(pid, &cid)?;
            let mut concepts = Vec::new();
            let rows = self.concept_titles(&cid)?;
            for (id, title) in rows {
                let mine: Vec<_> = cards.iter().filter(|c| c.concept_id == id).collect();
                let mem: Vec<_> = mine.iter().map(|c| c.memory).collect();
                concepts.push(ConceptStats {
                    mastery: srs::concept_mastery(sched, &mem, now),
                    cards: mine.len() as u32,
                    due: mine
                        .iter()
                        .filter(|c| {
                            c.memory.state != srs::CardState::New
                                && c.memory.due.is_some_and(|d| d < tomorrow_start)
                        })
                        .count() as u32,
                    id,
                    title,
                });
            }
            let mastery = if concepts.is_empty() {
                0.0
            } else {
                concepts.iter().map(|c| c.mastery).sum::<f64>() / concepts.len() as f64
            };
            courses.push(CourseStats {
                id: cid,
                title: ctitle,
                mastery,
                concepts,
            });
        }
        Ok(Stats {
            profile: profile.name.clone(),
            reviews_total,
            due_today,
            streak_days: streak,
            retention: (correct_reviews.1 > 0)
                .then(|| f64::from(correct_reviews.0) / f64::from(correct_reviews.1)),
            reviews_per_day,
            forecast,
            courses,
        })
    }

    /// The teacher's report: one row per profile × concept.
    pub fn report(&self, now: i64) -> Result<Vec<ReportRow>> {
        let mut out = Vec::new();
        let seen = self.last_seen()?;
        for p in self.profiles()? {
            let (laptop, laptop_seen) = seen.get(&p.name).map_or((None, None), |s| {
                (
                    Some(s.laptop.clone()),
                    chrono::DateTime::from_timestamp(s.at, 0).map(|d| d.to_rfc3339()),
                )
            });
            let sched = Scheduler::new(&p.fsrs_params, p.desired_retention).unwrap_or_else(|_| {
                Scheduler::new(&[], p.desired_retention).expect("default FSRS parameters are valid")
            });
            let mut st = self.conn.prepare_cached(
                "SELECT k.course_id, k.concept_id, count(l.id), coalesce(sum(l.rating = 1 AND l.state_before = 'review'), 0),
                        max(l.reviewed_at), coalesce(sum(l.response_ms), 0)
                 FROM cards c JOIN checks k ON k.course_id = c.course_id AND k.id = c.check_id
                 LEFT JOIN review_log l ON l.card_id = c.id
                 WHERE c.profile_id = ?1 AND k.retired = 0
                 GROUP BY k.course_id, k.concept_id",
            )?;
            let agg: HashMapRows = st
                .query_map([p.id], |r| {
                    Ok((
                        (r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                        (r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?),
                    ))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let lesson_secs: std::collections::HashMap<(String, String), i64> = {
                let mut st = self.conn.prepare_cached(
                    "SELECT course_id, concept_id, coalesce(sum(coalesce(ended_at, started_at) - started_at), 0)
                     FROM sessions WHERE profile_id = ?1 GROUP BY course_id, concept_id",
                )?;
                st.query_map([p.id], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?
                    .collect::<rusqlite::Result<_>>()?
            };
            for cid in self.course_ids()? {
                let mastery = self.concept_mastery(p.id, &cid, &sched, now)?;
                let rows = self.concept_titles(&cid)?;
                for (concept, title) in rows {
                    let key = (cid.clone(), concept.clone());
                    let (reviews, lapses, last, ms) =
                        agg.get(&key).copied().unwrap_or((0, 0, None, 0));
                    out.push(ReportRow {
                        profile: p.name.clone(),
                        course: cid.clone(),
                        concept: concept.clone(),
                        concept_title: title,
                        mastery: (mastery.get(&concept).copied().unwrap_or(0.0) * 1000.0).round()
                            / 1000.0,
                        reviews,
                        lapses,
                        last_seen: last
                            .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                            .map(|d| d.to_rfc3339()),
                        time_spent_s: ms / 1000 + lesson_secs.get(&key).copied().unwrap_or(0),
                        laptop: laptop.clone(),
                        laptop_seen: laptop_seen.clone(),
                    });
                }
            }
        }
        Ok(out)
    }
}

type HashMapRows = std::collections::HashMap<(String, String), (u32, u32, Option<i64>, i64)>;

/// One line of the teacher's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportRow {
    pub profile: String,
    pub course: String,
    pub concept: String,
    pub concept_title: String,
    pub mastery: f64,
    pub reviews: u32,
    pub lapses: u32,
    pub last_seen: Option<String>,
    pub time_spent_s: i64,
    /// The laptop of the student's latest review or lesson (any concept), and when.
    pub laptop: Option<String>,
    pub laptop_seen: Option<String>,
}

/// RFC 4180 CSV: a header row, CRLF line ends, fields quoted when they need it.
pub fn report_csv(rows: &[ReportRow]) -> String {
    fn field(s: &str) -> String {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    }
    let mut out = String::from(
        "profile,course,concept,concept_title,mastery,reviews,lapses,last_seen,time_spent_s,laptop,laptop_seen\r\n",
    );
    for r in rows {
        let cells = [
            field(&r.profile),
            field(&r.course),
            field(&r.concept),
            field(&r.concept_title),
            format!("{:.3}", r.mastery),
            r.reviews.to_string(),
            r.lapses.to_string(),
            r.last_seen.clone().unwrap_or_default(),
            r.time_spent_s.to_string(),
            field(r.laptop.as_deref().unwrap_or_default()),
            r.laptop_seen.clone().unwrap_or_default(),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}
