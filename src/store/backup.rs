//! Backups with SQLite's online backup API: automatic (at most once a day, the last 7 kept),
//! manual (`tutor backup [PATH]`), and restore (checked first; the current file kept aside).

use std::path::{Path, PathBuf};

use rusqlite::{Connection, MAIN_DB, OpenFlags};

use super::{APPLICATION_ID, Result, Store, StoreError, migrations};

/// Automatic backups kept.
pub const KEEP: usize = 7;

fn stamp(now: i64) -> String {
    chrono::DateTime::from_timestamp(now, 0)
        .map(|d| d.format("%Y%m%d-%H%M%S").to_string())
        .unwrap_or_default()
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.into(),
        source,
    }
}

/// Automatic backups in `dir`, oldest first.
pub fn auto_backups(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("auto-") && n.ends_with(".sqlite3"))
        })
        .collect();
    v.sort();
    v
}

impl Store {
    /// Copies the live database to `dest` (consistent even while in use).
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let tmp = dest.with_extension("partial");
        let _ = std::fs::remove_file(&tmp);
        self.conn.backup(MAIN_DB, &tmp, None)?;
        std::fs::rename(&tmp, dest).map_err(io(dest))?;
        Ok(())
    }

    /// Backs up into `dir` unless the newest automatic backup is less than a day old; keeps the
    /// last [`KEEP`]. Returns the new file, if one was made.
    pub fn auto_backup(&self, dir: &Path, now: i64) -> Result<Option<PathBuf>> {
        let existing = auto_backups(dir);
        let newest_age = existing
            .last()
            .and_then(|p| std::fs::metadata(p).ok()?.modified().ok())
            .and_then(|m| m.elapsed().ok())
            .map(|d| d.as_secs() as i64);
        if newest_age.is_some_and(|a| a < crate::srs::DAY) {
            return Ok(None);
        }
        let dest = dir.join(format!("auto-{}.sqlite3", stamp(now)));
        self.backup_to(&dest)?;
        let all = auto_backups(dir);
        for old in all.iter().take(all.len().saturating_sub(KEEP)) {
            let _ = std::fs::remove_file(old);
        }
        tracing::info!(path = %dest.display(), "automatic backup");
        Ok(Some(dest))
    }
}

/// Checks that `path` is a sound tutor database this build can read; returns its schema version.
pub fn check_backup(path: &Path) -> Result<i64> {
    let bad = |reason: String| {
        StoreError::Invalid(format!(
            "{} is not a usable tutor backup: {reason}",
            path.display()
        ))
    };
    if !path.is_file() {
        return Err(bad("no such file".into()));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| bad(e.to_string()))?;
    let app: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|e| bad(e.to_string()))?;
    if app != APPLICATION_ID {
        return Err(bad("it was not written by tutor".into()));
    }
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| bad(e.to_string()))?;
    if version > migrations::LATEST {
        return Err(bad(format!("it is from a newer tutor (schema {version})")));
    }
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| bad(e.to_string()))?;
    if check != "ok" {
        return Err(bad(format!("integrity check: {check}")));
    }
    Ok(version)
}

/// Replaces the database at `db` with the backup `from` (checked first). The current file (if
/// any) is kept as `<db>.before-restore-<time>`; returns that path.
pub fn restore(db: &Path, from: &Path, now: i64) -> Result<Option<PathBuf>> {
    check_backup(from)?;
    let aside = db.with_extension(format!("sqlite3.before-restore-{}", stamp(now)));
    let kept = if db.exists() {
        std::fs::rename(db, &aside).map_err(io(db))?;
        for suffix in ["-wal", "-shm"] {
            let side = PathBuf::from(format!("{}{suffix}", db.display()));
            if side.exists() {
                let _ =
                    std::fs::rename(&side, PathBuf::from(format!("{}{suffix}", aside.display())));
            }
        }
        Some(aside)
    } else {
        None
    };
    let tmp = db.with_extension("restoring");
    std::fs::copy(from, &tmp).map_err(io(&tmp))?;
    std::fs::rename(&tmp, db).map_err(io(db))?;
    Ok(kept)
}
