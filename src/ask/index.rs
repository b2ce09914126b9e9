//! The passage index: SQLite FTS5 tables in the progress database (or in memory), rebuilt for a
//! course only when its material's content hash changes.
//!
//! It is derived data, so its tables are created here lazily (`CREATE ... IF NOT EXISTS`), not by
//! a numbered migration: deleting them loses nothing. FTS5 is compiled into the bundled SQLite
//! (`libsqlite3-sys` builds it with `SQLITE_ENABLE_FTS5`); [`AskIndex`] checks at open time and
//! refuses with a clear message if it is missing.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::AskError;
use super::passages::{self, Passage};
use crate::curriculum::Course;
use crate::curriculum::library::Entry;
use crate::curriculum::material::{Doc, Format, GlossaryEntry, read_docs};

/// Bumped when passage splitting changes, so old indexes are rebuilt.
const INDEX_VERSION: &str = "ask-index-1";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS ask_indexed (
    course TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    passages INTEGER NOT NULL,
    indexed_at INTEGER NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS ask_passages USING fts5(
    course UNINDEXED, file UNINDEXED, heading, line UNINDEXED, body,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
";

/// Full-text index of course material.
#[derive(Debug)]
pub struct AskIndex {
    conn: Connection,
}

impl AskIndex {
    /// Opens the index inside the database file at `path` (normally the progress database,
    /// already opened and migrated by [`crate::store::Store::open`]).
    pub fn open(path: &Path) -> Result<Self, AskError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        Self::with(conn)
    }

    /// An index that lives in memory only (benchmarks, tests, a read-only data dir).
    pub fn in_memory() -> Result<Self, AskError> {
        Self::with(Connection::open_in_memory()?)
    }

    fn with(conn: Connection) -> Result<Self, AskError> {
        let fts5: bool =
            conn.query_row("SELECT sqlite_compileoption_used('ENABLE_FTS5')", [], |r| {
                r.get(0)
            })?;
        if !fts5 {
            return Err(AskError::NoFts5);
        }
        conn.execute_batch(SCHEMA)?;
        Ok(Self { conn })
    }

    /// The connection (retrieval queries).
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Makes sure `entry`'s material and glossary are indexed; returns whether it (re)indexed.
    pub fn ensure_entry(&mut self, entry: &Entry) -> Result<bool, AskError> {
        let mut docs = read_docs(&entry.course, &entry.origin)?;
        docs.extend(notes_docs(&entry.course));
        self.ensure(&entry.course.id, &docs, &entry.course.glossary)
    }

    /// Makes sure `course`'s concept notes and glossary are indexed (no material files: for a
    /// course known without its file).
    pub fn ensure_course(&mut self, course: &Course) -> Result<bool, AskError> {
        self.ensure(&course.id, &notes_docs(course), &course.glossary)
    }

    /// Indexes `docs` and `glossary` for `course` unless the same content is indexed already.
    pub fn ensure(
        &mut self,
        course: &str,
        docs: &[Doc],
        glossary: &[GlossaryEntry],
    ) -> Result<bool, AskError> {
        let hash = content_hash(docs, glossary);
        let current: Option<String> = self
            .conn
            .query_row(
                "SELECT content_hash FROM ask_indexed WHERE course = ?1",
                [course],
                |r| r.get(0),
            )
            .optional()?;
        if current.as_deref() == Some(hash.as_str()) {
            return Ok(false);
        }
        let mut all: Vec<Passage> = docs.iter().flat_map(passages::split).collect();
        all.extend(passages::glossary(glossary));
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM ask_passages WHERE course = ?1", [course])?;
        {
            let mut ins = tx.prepare(
                "INSERT INTO ask_passages(course, file, heading, line, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for p in &all {
                ins.execute(params![course, p.file, p.heading, p.line as i64, p.text])?;
            }
        }
        tx.execute(
            "INSERT INTO ask_indexed(course, content_hash, passages, indexed_at) VALUES (?1, ?2, ?3, strftime('%s','now'))
             ON CONFLICT(course) DO UPDATE SET content_hash = excluded.content_hash,
               passages = excluded.passages, indexed_at = excluded.indexed_at",
            params![course, hash, all.len() as i64],
        )?;
        tx.commit()?;
        tracing::info!(course, passages = all.len(), "indexed course material");
        Ok(true)
    }

    /// How many passages `course` has in the index.
    pub fn passage_count(&self, course: &str) -> Result<usize, AskError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM ask_passages WHERE course = ?1",
            [course],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }
}

/// Each concept's notes as a text document, shown under "notes: TITLE".
pub fn notes_docs(course: &Course) -> Vec<Doc> {
    course
        .concepts
        .iter()
        .filter(|c| !c.notes.trim().is_empty())
        .map(|c| Doc {
            path: format!("notes: {}", c.title),
            format: Format::Text,
            text: c.notes.clone(),
        })
        .collect()
}

fn content_hash(docs: &[Doc], glossary: &[GlossaryEntry]) -> String {
    let mut h = Sha256::new();
    h.update(INDEX_VERSION.as_bytes());
    for d in docs {
        for part in [d.path.as_bytes(), b"\0", d.text.as_bytes(), b"\0"] {
            h.update(part);
        }
    }
    for g in glossary {
        for part in [g.term.as_bytes(), b"\0", g.definition.as_bytes(), b"\0"] {
            h.update(part);
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
