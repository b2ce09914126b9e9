//! Bringing the database in line with a course file, in one transaction.
//!
//! Ids are the key: new checks become new cards, edited text keeps progress, removed checks are
//! retired (kept, hidden from queues, back if the teacher restores them). An unchanged file
//! (same content hash) is a no-op.

use rusqlite::{OptionalExtension, params};

use super::{Result, Store, now};
use crate::curriculum::{CheckKind, Course};

/// What a sync changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    pub unchanged: bool,
    pub added_checks: usize,
    pub updated_checks: usize,
    pub retired_checks: usize,
    pub new_cards: usize,
}

fn kind_str(k: CheckKind) -> &'static str {
    k.name()
}

impl Store {
    /// Imports `course` (hash of its file: `content_hash`) and creates cards for every profile.
    pub fn sync_course(
        &mut self,
        course: &Course,
        content_hash: &str,
        origin: &str,
    ) -> Result<SyncReport> {
        let stored: Option<String> = self
            .conn
            .query_row(
                "SELECT content_hash FROM courses WHERE id = ?1",
                [&course.id],
                |r| r.get(0),
            )
            .optional()?;
        if stored.as_deref() == Some(content_hash) {
            return Ok(SyncReport {
                unchanged: true,
                ..Default::default()
            });
        }
        self.write(|tx| {
            let mut report = SyncReport::default();
            tx.execute(
                "INSERT INTO courses(id, title, version, content_hash, origin, synced_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(id) DO UPDATE SET title = excluded.title, version = excluded.version,
                   content_hash = excluded.content_hash, origin = excluded.origin, synced_at = excluded.synced_at",
                params![course.id, course.title, course.version, content_hash, origin, now()],
            )?;
            let active_before: i64 = tx.query_row(
                "SELECT count(*) FROM checks WHERE course_id = ?1 AND retired = 0",
                [&course.id],
                |r| r.get(0),
            )?;
            tx.execute("UPDATE concepts SET retired = 1 WHERE course_id = ?1", [&course.id])?;
            tx.execute("UPDATE checks SET retired = 1 WHERE course_id = ?1", [&course.id])?;
            for (pos, c) in course.concepts.iter().enumerate() {
                tx.execute(
                    "INSERT INTO concepts(course_id, id, title, position, requires, retired) VALUES (?1, ?2, ?3, ?4, ?5, 0)
                     ON CONFLICT(course_id, id) DO UPDATE SET title = excluded.title, position = excluded.position,
                       requires = excluded.requires, retired = 0",
                    params![course.id, c.id, c.title, pos as i64, serde_json::to_string(&c.requires).unwrap_or_default()],
                )?;
            }
            let mut pos = 0i64;
            for c in &course.concepts {
                for k in &c.checks {
                    let old: Option<(String, String, bool)> = tx
                        .query_row(
                            "SELECT prompt, concept_id, retired FROM checks WHERE course_id = ?1 AND id = ?2",
                            [&course.id, &k.id],
                            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                        )
                        .optional()?;
                    match &old {
                        None => report.added_checks += 1,
                        Some((prompt, concept, _)) if prompt != &k.prompt || concept != &c.id => report.updated_checks += 1,
                        _ => {}
                    }
                    tx.execute(
                        "INSERT INTO checks(course_id, id, concept_id, kind, prompt, position, retired) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)
                         ON CONFLICT(course_id, id) DO UPDATE SET concept_id = excluded.concept_id, kind = excluded.kind,
                           prompt = excluded.prompt, position = excluded.position, retired = 0",
                        params![course.id, k.id, c.id, kind_str(k.kind), k.prompt, pos],
                    )?;
                    pos += 1;
                }
            }
            let active_after: i64 = tx.query_row(
                "SELECT count(*) FROM checks WHERE course_id = ?1 AND retired = 0",
                [&course.id],
                |r| r.get(0),
            )?;
            report.retired_checks = (active_before + report.added_checks as i64 - active_after).max(0) as usize;
            report.new_cards = tx.execute(
                "INSERT OR IGNORE INTO cards(profile_id, course_id, check_id)
                 SELECT p.id, k.course_id, k.id FROM profiles p, checks k WHERE k.course_id = ?1 AND k.retired = 0",
                [&course.id],
            )?;
            Ok(report)
        })
    }

    /// Makes sure `profile_id` has a card for every active check of every synced course.
    pub fn ensure_cards(&mut self, profile_id: i64) -> Result<usize> {
        self.write(|tx| {
            Ok(tx.execute(
                "INSERT OR IGNORE INTO cards(profile_id, course_id, check_id)
                 SELECT ?1, course_id, id FROM checks WHERE retired = 0",
                [profile_id],
            )?)
        })
    }

    /// Ids of the courses in the database.
    pub fn course_ids(&self) -> Result<Vec<String>> {
        let mut st = self.conn.prepare("SELECT id FROM courses ORDER BY id")?;
        let rows = st.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
