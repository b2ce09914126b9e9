//! Learner progress in one SQLite file: profiles, course snapshots, cards with FSRS state,
//! the review log, tutoring sessions and transcripts.
//!
//! Opening checks the file before touching it (a corrupt file or one from a newer tutor is
//! refused, never modified), then sets WAL, `foreign_keys`, `busy_timeout` and
//! `synchronous=FULL` (measured: see `benches/store.rs`; a durable answer costs well under the
//! 10 ms budget, and classroom laptops lose power). Every change of progress is one
//! `BEGIN IMMEDIATE` transaction, so two tutor processes on one file serialise cleanly.
//!
//! Modules: [`migrations`] (schema), [`profiles`], [`sync`] (course import), [`cards`]
//! (queue and answers), [`stats`] (reports), [`backup`], [`sessions`] (lesson transcripts),
//! [`replay`] (card state from the review log), [`merge`] (one class from many laptops).

pub mod backup;
pub mod cards;
pub mod merge;
pub mod migrations;
pub mod profiles;
pub mod replay;
pub mod sessions;
pub mod stats;
pub mod sync;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

/// Marks a SQLite file as a tutor database ("TUTR").
pub const APPLICATION_ID: i64 = 0x5455_5452;

/// Storage failures, each saying what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the progress database {path} is damaged or not a tutor database ({reason}). It was left untouched. \
         Restore a backup with `tutor restore {backups}/<file>` (see `ls {backups}`)"
    )]
    Corrupt {
        path: PathBuf,
        backups: PathBuf,
        reason: String,
    },
    #[error(
        "the progress database {path} was written by a newer tutor (schema {found}, this tutor knows {known}). \
         It was left untouched: update tutor, or use --data-dir for a separate database"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("the progress database is busy (another tutor is writing); try again in a moment")]
    Busy,
    #[error("cannot create {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no profile named {0:?}; see `tutor profile list`")]
    NoProfile(String),
    #[error("a profile named {0:?} already exists")]
    ProfileExists(String),
    #[error("wrong PIN for profile {0:?}")]
    WrongPin(String),
    #[error("{0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                Self::Busy
            }
            _ => Self::Sql(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An open progress database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
    )
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.into(),
                source,
            })?;
        }
        let corrupt = |reason: String| StoreError::Corrupt {
            path: path.into(),
            backups: path.parent().unwrap_or(Path::new(".")).join("backups"),
            reason,
        };
        let exists = path.exists()
            && std::fs::metadata(path)
                .map(|m| m.len() > 0)
                .unwrap_or(false);
        if exists {
            // Inspect read-only first: nothing is written to a file we do not recognise.
            let ro = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(|e| corrupt(e.to_string()))?;
            ro.busy_timeout(Duration::from_secs(5))?;
            let probe = ro
                .query_row("PRAGMA application_id", [], |r| r.get::<_, i64>(0))
                .and_then(|app| {
                    let version =
                        ro.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))?;
                    let tables = ro.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                        r.get::<_, i64>(0)
                    })?;
                    Ok((app, version, tables))
                });
            match probe {
                Ok((app, version, tables)) => {
                    if app != APPLICATION_ID && tables > 0 {
                        return Err(corrupt(format!("application id {app:#x}")));
                    }
                    if version > migrations::LATEST {
                        return Err(StoreError::TooNew {
                            path: path.into(),
                            found: version,
                            known: migrations::LATEST,
                        });
                    }
                }
                Err(e) if is_corruption(&e) => return Err(corrupt(e.to_string())),
                Err(e) => return Err(e.into()),
            }
        }
        let conn = Connection::open(path).map_err(|e| {
            if is_corruption(&e) {
                corrupt(e.to_string())
            } else {
                e.into()
            }
        })?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Self {
            conn,
            path: path.into(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection (for queries in this module's children and in tests).
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The schema version on disk.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    fn migrate(&mut self) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > migrations::LATEST {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                known: migrations::LATEST,
            });
        }
        for (i, sql) in migrations::MIGRATIONS
            .iter()
            .enumerate()
            .skip(version as usize)
        {
            tracing::info!(to = i + 1, "migrating the progress database");
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        }
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.commit()?;
        Ok(())
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction, committed only if `f` succeeds.
    pub fn write<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// `PRAGMA integrity_check` ("ok" when sound).
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    /// A small persistent fact.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Stores a small persistent fact.
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
