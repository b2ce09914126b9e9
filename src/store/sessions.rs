//! Tutoring sessions and their transcripts, saved line by line as a lesson happens.
//! Every query is scoped to one profile: one student never sees another's transcripts.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Result, Store, StoreError, now};

/// A lesson, as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionInfo {
    pub id: i64,
    pub profile: String,
    pub course_id: String,
    pub concept_id: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub turns: u32,
    pub summary: Option<String>,
}

/// One line of a transcript.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub at: i64,
    /// `tutor`, `student` or `system`.
    pub role: String,
    /// The tutor's move (ask, hint, pose-check, ...), when it is a tutor line.
    pub r#move: Option<String>,
    pub content: String,
}

impl Store {
    /// Starts a lesson record.
    pub fn start_session(
        &mut self,
        profile_id: i64,
        course_id: &str,
        concept_id: &str,
    ) -> Result<i64> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO sessions(profile_id, course_id, concept_id, started_at) VALUES (?1, ?2, ?3, ?4)",
                params![profile_id, course_id, concept_id, now()],
            )?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Appends one transcript line (durable when this returns).
    pub fn append_line(
        &mut self,
        session_id: i64,
        role: &str,
        mv: Option<&str>,
        content: &str,
    ) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO transcript(session_id, at, role, move, content) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![session_id, now(), role, mv, content],
            )?;
            Ok(())
        })
    }

    /// Closes a lesson with its summary.
    pub fn end_session(&mut self, session_id: i64, summary: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE sessions SET ended_at = ?1, summary = ?2 WHERE id = ?3",
                params![now(), summary, session_id],
            )?;
            Ok(())
        })
    }

    /// Lessons of one profile (or every profile, for the teacher, when `None`), newest first.
    pub fn sessions(&self, profile_id: Option<i64>) -> Result<Vec<SessionInfo>> {
        let mut st = self.conn.prepare(
            "SELECT s.id, p.name, s.course_id, s.concept_id, s.started_at, s.ended_at,
                    (SELECT count(*) FROM transcript t WHERE t.session_id = s.id), s.summary
             FROM sessions s JOIN profiles p ON p.id = s.profile_id
             WHERE ?1 IS NULL OR s.profile_id = ?1 ORDER BY s.started_at DESC, s.id DESC",
        )?;
        let rows = st.query_map([profile_id], |r| {
            Ok(SessionInfo {
                id: r.get(0)?,
                profile: r.get(1)?,
                course_id: r.get(2)?,
                concept_id: r.get(3)?,
                started_at: r.get(4)?,
                ended_at: r.get(5)?,
                turns: r.get(6)?,
                summary: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The lines of a lesson, if it belongs to `profile_id` (any profile when `None`).
    pub fn transcript(&self, session_id: i64, profile_id: Option<i64>) -> Result<Vec<Line>> {
        let owner: Option<i64> = self
            .conn
            .query_row(
                "SELECT profile_id FROM sessions WHERE id = ?1",
                [session_id],
                |r| r.get(0),
            )
            .optional()?;
        match (owner, profile_id) {
            (None, _) => return Err(StoreError::Invalid(format!("no transcript {session_id}"))),
            (Some(o), Some(p)) if o != p => {
                return Err(StoreError::Invalid(format!(
                    "transcript {session_id} belongs to another profile"
                )));
            }
            _ => {}
        }
        let mut st = self.conn.prepare(
            "SELECT at, role, move, content FROM transcript WHERE session_id = ?1 ORDER BY id",
        )?;
        let rows = st.query_map([session_id], |r| {
            Ok(Line {
                at: r.get(0)?,
                role: r.get(1)?,
                r#move: r.get(2)?,
                content: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
