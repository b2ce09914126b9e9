//! One class view from many laptops, without a network: `tutor class export` writes this
//! laptop's log to one file (for a USB stick); `tutor class import` on the teacher's laptop
//! merges any number of them.
//!
//! Design: a union of append-only logs, not SQLite's session extension. Every review, lesson
//! and transcript line has a globally unique id (migration v4), so merging is "insert what is
//! not there yet": importing twice changes nothing, and the order of files does not matter.
//! Card state is then replayed from the merged review log ([`super::replay`]), which gives the
//! same state whatever the order the reviews arrived in. Changesets would record row changes
//! keyed by local integer ids (card 17 on one laptop is another check on the next), need the
//! same schema and rows on both sides, and resolve conflicts row by row: the wrong tool for
//! logs from 30 independent databases that never shared ids.
//!
//! File format: one JSON header line (`format`, `version`, the SHA-256 of the rest, the laptop)
//! and one JSON payload line. A file that is not a tutor export, is damaged (checksum), or is
//! from a newer tutor is refused before anything is written; an import is one transaction.
//!
//! Profiles are matched by id, then by a link the teacher confirmed earlier, then by name: a
//! profile from another laptop with the name of a different profile here is a [`Conflict`] the
//! caller resolves ([`SameName`]), and a "same student" answer is remembered.

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Result, Store, StoreError};

/// The `format` of an export's header.
pub const FORMAT: &str = "tutor-class-export";
/// The newest export version this tutor reads and the one it writes.
pub const VERSION: u32 = 1;

/// Why a file cannot be imported (nothing was changed).
#[derive(Debug, thiserror::Error)]
pub enum ExportFileError {
    #[error("{file}: not a tutor class export ({why}); nothing was imported")]
    Foreign { file: String, why: String },
    #[error(
        "{file}: the file is damaged ({why}); nothing was imported. Export it again on its laptop and copy it once more"
    )]
    Damaged { file: String, why: String },
    #[error(
        "{file}: made by a newer tutor (export version {found}, this one reads {VERSION}); nothing was imported. Update tutor on this laptop"
    )]
    TooNew { file: String, found: u32 },
}

/// The first line of an export.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    /// Lowercase hex SHA-256 of the payload line.
    pub sha256: String,
    pub laptop_id: String,
    pub laptop: String,
    pub exported_at: i64,
}

/// A laptop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaptopRow {
    pub id: String,
    pub name: String,
}

/// A profile, by its global id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileRow {
    pub uid: String,
    pub name: String,
    pub created_at: i64,
}

/// A course snapshot row (so the teacher's laptop knows courses it never installed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseRow {
    pub id: String,
    pub title: String,
    pub version: String,
    pub content_hash: String,
    pub origin: String,
    pub synced_at: i64,
}

/// A concept row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConceptRow {
    pub course_id: String,
    pub id: String,
    pub title: String,
    pub position: i64,
    pub requires: String,
    pub retired: bool,
}

/// A check row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckRow {
    pub course_id: String,
    pub id: String,
    pub concept_id: String,
    pub kind: String,
    pub prompt: String,
    pub position: i64,
    pub retired: bool,
}

/// One review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewRow {
    pub uid: String,
    /// The profile's uid.
    pub profile: String,
    pub course_id: String,
    pub check_id: String,
    pub reviewed_at: i64,
    pub rating: u8,
    pub source: String,
    pub elapsed_days: f64,
    pub attempts: i64,
    pub hints_used: i64,
    pub response_ms: i64,
    pub correct: bool,
    pub state_before: String,
    pub answer: Option<String>,
    /// The laptop it happened on.
    pub origin: String,
}

/// One lesson.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRow {
    pub uid: String,
    pub profile: String,
    pub course_id: String,
    pub concept_id: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub summary: Option<String>,
    pub origin: String,
}

/// One transcript line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineRow {
    pub uid: String,
    /// The session's uid.
    pub session: String,
    pub at: i64,
    pub role: String,
    pub r#move: Option<String>,
    pub content: String,
}

/// Everything a laptop knows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Payload {
    pub laptops: Vec<LaptopRow>,
    pub profiles: Vec<ProfileRow>,
    pub courses: Vec<CourseRow>,
    pub concepts: Vec<ConceptRow>,
    pub checks: Vec<CheckRow>,
    pub reviews: Vec<ReviewRow>,
    pub sessions: Vec<SessionRow>,
    pub lines: Vec<LineRow>,
}

/// A checked export file.
#[derive(Debug, Clone)]
pub struct ExportFile {
    /// Where it came from (for messages).
    pub name: String,
    pub header: Header,
    pub payload: Payload,
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads and checks an export; `name` is used in messages.
pub fn read_export(name: &str, bytes: &[u8]) -> std::result::Result<ExportFile, ExportFileError> {
    let file = name.to_string();
    let foreign = |why: String| ExportFileError::Foreign {
        file: file.clone(),
        why,
    };
    let damaged = |why: String| ExportFileError::Damaged {
        file: file.clone(),
        why,
    };
    let split = bytes.iter().position(|&b| b == b'\n');
    let (head, body) = match split {
        Some(i) => (&bytes[..i], &bytes[i + 1..]),
        None => (bytes, &[][..]),
    };
    let header: Header = serde_json::from_slice(head)
        .map_err(|e| foreign(format!("its first line is not an export header: {e}")))?;
    if header.format != FORMAT {
        return Err(foreign(format!("its format is {:?}", header.format)));
    }
    if header.version > VERSION {
        return Err(ExportFileError::TooNew {
            file,
            found: header.version,
        });
    }
    let body = body.strip_suffix(b"\n").unwrap_or(body);
    let have = sha256_hex(body);
    if have != header.sha256 {
        return Err(damaged("its checksum does not match its contents".into()));
    }
    let payload: Payload =
        serde_json::from_slice(body).map_err(|e| damaged(format!("unreadable contents: {e}")))?;
    validate(&payload).map_err(damaged)?;
    Ok(ExportFile {
        name: file,
        header,
        payload,
    })
}

fn valid_uid(u: &str) -> bool {
    (8..=64).contains(&u.len()) && u.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Checks what SQL constraints would otherwise catch halfway through.
fn validate(p: &Payload) -> std::result::Result<(), String> {
    let profiles: HashSet<&str> = p.profiles.iter().map(|x| x.uid.as_str()).collect();
    let sessions: HashSet<&str> = p.sessions.iter().map(|x| x.uid.as_str()).collect();
    let checks: HashSet<(&str, &str)> = p
        .checks
        .iter()
        .map(|k| (k.course_id.as_str(), k.id.as_str()))
        .collect();
    let concepts: HashSet<(&str, &str)> = p
        .concepts
        .iter()
        .map(|k| (k.course_id.as_str(), k.id.as_str()))
        .collect();
    let courses: HashSet<&str> = p.courses.iter().map(|c| c.id.as_str()).collect();
    if let Some(x) = p
        .profiles
        .iter()
        .find(|x| !valid_uid(&x.uid) || x.name.trim().is_empty())
    {
        return Err(format!("profile {:?} has no usable id or name", x.name));
    }
    if let Some(c) = p
        .concepts
        .iter()
        .find(|c| !courses.contains(c.course_id.as_str()))
    {
        return Err(format!("concept {} of an unknown course", c.id));
    }
    if let Some(k) = p
        .checks
        .iter()
        .find(|k| !concepts.contains(&(k.course_id.as_str(), k.concept_id.as_str())))
    {
        return Err(format!("check {} of an unknown concept", k.id));
    }
    for r in &p.reviews {
        if !valid_uid(&r.uid) || !(1..=4).contains(&r.rating) {
            return Err(format!("review {:?} is malformed", r.uid));
        }
        if !profiles.contains(r.profile.as_str()) {
            return Err(format!("review {} names an unknown profile", r.uid));
        }
        if !checks.contains(&(r.course_id.as_str(), r.check_id.as_str())) {
            return Err(format!("review {} names an unknown check", r.uid));
        }
    }
    for s in &p.sessions {
        if !valid_uid(&s.uid) || !profiles.contains(s.profile.as_str()) {
            return Err(format!("lesson {:?} is malformed", s.uid));
        }
    }
    for l in &p.lines {
        if !valid_uid(&l.uid)
            || !sessions.contains(l.session.as_str())
            || !matches!(l.role.as_str(), "tutor" | "student" | "system")
        {
            return Err(format!("transcript line {:?} is malformed", l.uid));
        }
    }
    Ok(())
}

/// A profile from another laptop whose name is taken here by a different profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The other laptop's profile id.
    pub uid: String,
    pub name: String,
    /// The laptop (name) the file came from.
    pub laptop: String,
    pub file: String,
}

/// What to do with a [`Conflict`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameName {
    /// The same student: merge into the profile here (remembered for later imports).
    Merge,
    /// Another student: import as "NAME (LAPTOP)".
    Apart,
    /// Leave this profile out of this import.
    Skip,
}

/// What one file added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub file: String,
    pub laptop: String,
    pub profiles: usize,
    pub new_profiles: usize,
    pub reviews: usize,
    pub new_reviews: usize,
    pub lessons: usize,
    pub new_lessons: usize,
    pub new_lines: usize,
    pub skipped_profiles: usize,
}

/// A student's latest activity: where and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastSeen {
    pub profile: String,
    pub laptop: String,
    pub at: i64,
}

impl Store {
    /// This laptop's id and name (created on first use; `name` renames it).
    pub fn laptop(&mut self, name: Option<&str>) -> Result<LaptopRow> {
        let id = match self.meta("laptop_id")? {
            Some(id) => id,
            None => {
                let id = super::replay::new_uid();
                self.set_meta("laptop_id", &id)?;
                id
            }
        };
        let stored: Option<String> = self
            .conn
            .query_row("SELECT name FROM laptops WHERE id = ?1", [&id], |r| {
                r.get(0)
            })
            .optional()?;
        let name = match (name.map(str::trim).filter(|n| !n.is_empty()), stored) {
            (Some(n), _) => n.to_string(),
            (None, Some(n)) => n,
            (None, None) => host_name(),
        };
        self.conn.execute(
            "INSERT INTO laptops(id, name) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET name = excluded.name",
            params![id, name],
        )?;
        Ok(LaptopRow { id, name })
    }

    /// The whole log of this database as an export file's bytes.
    pub fn export_class(&mut self, laptop_name: Option<&str>, now: i64) -> Result<Vec<u8>> {
        let me = self.laptop(laptop_name)?;
        let payload = self.payload(&me.id)?;
        let body = serde_json::to_vec(&payload).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let header = Header {
            format: FORMAT.into(),
            version: VERSION,
            sha256: sha256_hex(&body),
            laptop_id: me.id,
            laptop: me.name,
            exported_at: now,
        };
        let mut out =
            serde_json::to_vec(&header).map_err(|e| StoreError::Invalid(e.to_string()))?;
        out.push(b'\n');
        out.extend_from_slice(&body);
        out.push(b'\n');
        Ok(out)
    }

    fn payload(&self, me: &str) -> Result<Payload> {
        let c = &self.conn;
        let laptops = all(c, "SELECT id, name FROM laptops ORDER BY id", [], |r| {
            Ok(LaptopRow {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        })?;
        let profiles = all(
            c,
            "SELECT uid, name, created_at FROM profiles ORDER BY uid",
            [],
            |r| {
                Ok(ProfileRow {
                    uid: r.get(0)?,
                    name: r.get(1)?,
                    created_at: r.get(2)?,
                })
            },
        )?;
        let courses = all(
            c,
            "SELECT id, title, version, content_hash, origin, synced_at FROM courses ORDER BY id",
            [],
            |r| {
                Ok(CourseRow {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    version: r.get(2)?,
                    content_hash: r.get(3)?,
                    origin: r.get(4)?,
                    synced_at: r.get(5)?,
                })
            },
        )?;
        let concepts = all(
            c,
            "SELECT course_id, id, title, position, requires, retired FROM concepts ORDER BY course_id, position",
            [],
            |r| {
                Ok(ConceptRow {
                    course_id: r.get(0)?,
                    id: r.get(1)?,
                    title: r.get(2)?,
                    position: r.get(3)?,
                    requires: r.get(4)?,
                    retired: r.get(5)?,
                })
            },
        )?;
        let checks = all(
            c,
            "SELECT course_id, id, concept_id, kind, prompt, position, retired FROM checks ORDER BY course_id, position",
            [],
            |r| {
                Ok(CheckRow {
                    course_id: r.get(0)?,
                    id: r.get(1)?,
                    concept_id: r.get(2)?,
                    kind: r.get(3)?,
                    prompt: r.get(4)?,
                    position: r.get(5)?,
                    retired: r.get(6)?,
                })
            },
        )?;
        let reviews = all(
            c,
            "SELECT l.uid, p.uid, c.course_id, c.check_id, l.reviewed_at, l.rating, l.source, l.elapsed_days,
                    l.attempts, l.hints_used, l.response_ms, l.correct, l.state_before, l.answer, coalesce(l.origin, ?1)
             FROM review_log l JOIN cards c ON c.id = l.card_id JOIN profiles p ON p.id = c.profile_id
             ORDER BY l.reviewed_at, l.uid",
            [me],
            |r| {
                Ok(ReviewRow {
                    uid: r.get(0)?,
                    profile: r.get(1)?,
                    course_id: r.get(2)?,
                    check_id: r.get(3)?,
                    reviewed_at: r.get(4)?,
                    rating: r.get(5)?,
                    source: r.get(6)?,
                    elapsed_days: r.get(7)?,
                    attempts: r.get(8)?,
                    hints_used: r.get(9)?,
                    response_ms: r.get(10)?,
                    correct: r.get(11)?,
                    state_before: r.get(12)?,
                    answer: r.get(13)?,
                    origin: r.get(14)?,
                })
            },
        )?;
        let sessions = all(
            c,
            "SELECT s.uid, p.uid, s.course_id, s.concept_id, s.started_at, s.ended_at, s.summary, coalesce(s.origin, ?1)
             FROM sessions s JOIN profiles p ON p.id = s.profile_id ORDER BY s.started_at, s.uid",
            [me],
            |r| {
                Ok(SessionRow {
                    uid: r.get(0)?,
                    profile: r.get(1)?,
                    course_id: r.get(2)?,
                    concept_id: r.get(3)?,
                    started_at: r.get(4)?,
                    ended_at: r.get(5)?,
                    summary: r.get(6)?,
                    origin: r.get(7)?,
                })
            },
        )?;
        let lines = all(
            c,
            "SELECT t.uid, s.uid, t.at, t.role, t.move, t.content FROM transcript t JOIN sessions s ON s.id = t.session_id
             ORDER BY s.started_at, s.uid, t.id",
            [],
            |r| {
                Ok(LineRow {
                    uid: r.get(0)?,
                    session: r.get(1)?,
                    at: r.get(2)?,
                    role: r.get(3)?,
                    r#move: r.get(4)?,
                    content: r.get(5)?,
                })
            },
        )?;
        Ok(Payload {
            laptops,
            profiles,
            courses,
            concepts,
            checks,
            reviews,
            sessions,
            lines,
        })
    }

    /// The profile here a profile uid already maps to (its own, or a confirmed link).
    fn mapped_profile(&self, uid: &str) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM profiles WHERE uid = ?1
                 UNION ALL SELECT profile_id FROM profile_links WHERE uid = ?1 LIMIT 1",
                [uid],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The name conflicts importing `files` would meet, in file order. A profile that appears
    /// in several files is asked about once.
    pub fn class_conflicts(&self, files: &[ExportFile]) -> Result<Vec<Conflict>> {
        let mut out = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        // Names that profiles created earlier in this import will take (lowercase -> uid).
        let mut planned: HashMap<String, &str> = HashMap::new();
        for f in files {
            for p in &f.payload.profiles {
                if !seen.insert(&p.uid) || self.mapped_profile(&p.uid)?.is_some() {
                    continue;
                }
                let key = p.name.to_lowercase();
                let taken_here = self.profile(&p.name)?.is_some();
                if taken_here || planned.get(&key).is_some_and(|u| *u != p.uid) {
                    out.push(Conflict {
                        uid: p.uid.clone(),
                        name: p.name.clone(),
                        laptop: f.header.laptop.clone(),
                        file: f.name.clone(),
                    });
                } else {
                    planned.insert(key, &p.uid);
                }
            }
        }
        Ok(out)
    }

    /// Merges `files` in one transaction. `decisions` answers every conflict from
    /// [`Store::class_conflicts`] (by profile uid).
    pub fn import_class(
        &mut self,
        files: &[ExportFile],
        decisions: &HashMap<String, SameName>,
    ) -> Result<Vec<ImportSummary>> {
        self.write(|tx| {
            let mut summaries = Vec::new();
            let mut touched: Vec<i64> = Vec::new();
            for f in files {
                summaries.push(import_one(tx, f, decisions, &mut touched)?);
            }
            touched.sort_unstable();
            touched.dedup();
            Store::rebuild_cards(tx, &touched)?;
            Ok(summaries)
        })
    }

    /// Each profile's latest review or lesson: on which laptop, when. Profiles with no
    /// activity are left out.
    pub fn last_seen(&self) -> Result<BTreeMap<String, LastSeen>> {
        let me = self.meta("laptop_id")?.unwrap_or_default();
        let mut st = self.conn.prepare(
            "SELECT p.name, coalesce(n.name, CASE WHEN a.origin = ?1 THEN 'this laptop' ELSE a.origin END), a.at FROM (
                 SELECT c.profile_id AS pid, coalesce(l.origin, ?1) AS origin, l.reviewed_at AS at
                   FROM review_log l JOIN cards c ON c.id = l.card_id
                 UNION ALL
                 SELECT profile_id, coalesce(origin, ?1), coalesce(ended_at, started_at) FROM sessions
             ) a JOIN profiles p ON p.id = a.pid LEFT JOIN laptops n ON n.id = a.origin
             ORDER BY a.at, 2",
        )?;
        let rows = st.query_map([&me], |r| {
            Ok(LastSeen {
                profile: r.get(0)?,
                laptop: r.get(1)?,
                at: r.get(2)?,
            })
        })?;
        let mut out = BTreeMap::new();
        for row in rows {
            let row = row?;
            out.insert(row.profile.clone(), row);
        }
        Ok(out)
    }
}

/// Every row of a query.
fn all<T>(
    c: &rusqlite::Connection,
    sql: &str,
    p: impl rusqlite::Params,
    f: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut st = c.prepare(sql)?;
    let rows = st.query_map(p, f)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "laptop".into())
}

fn profile_by_name(tx: &rusqlite::Transaction<'_>, name: &str) -> Result<Option<i64>> {
    Ok(tx
        .query_row("SELECT id FROM profiles WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?)
}

fn create_profile(tx: &rusqlite::Transaction<'_>, p: &ProfileRow, name: &str) -> Result<i64> {
    tx.execute(
        "INSERT INTO profiles(name, uid, created_at) VALUES (?1, ?2, ?3)",
        params![name, p.uid, p.created_at],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute(
        "INSERT OR IGNORE INTO cards(profile_id, course_id, check_id)
         SELECT ?1, course_id, id FROM checks WHERE retired = 0",
        [id],
    )?;
    Ok(id)
}

fn import_one(
    tx: &rusqlite::Transaction<'_>,
    f: &ExportFile,
    decisions: &HashMap<String, SameName>,
    touched: &mut Vec<i64>,
) -> Result<ImportSummary> {
    let p = &f.payload;
    let mut sum = ImportSummary {
        file: f.name.clone(),
        laptop: f.header.laptop.clone(),
        profiles: p.profiles.len(),
        reviews: p.reviews.len(),
        lessons: p.sessions.len(),
        ..Default::default()
    };
    for l in &p.laptops {
        tx.execute(
            "INSERT OR IGNORE INTO laptops(id, name) VALUES (?1, ?2)",
            params![l.id, l.name],
        )?;
    }
    tx.execute(
        "INSERT INTO laptops(id, name) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET name = excluded.name",
        params![f.header.laptop_id, f.header.laptop],
    )?;
    for c in &p.courses {
        tx.execute(
            "INSERT OR IGNORE INTO courses(id, title, version, content_hash, origin, synced_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![c.id, c.title, c.version, c.content_hash, c.origin, c.synced_at],
        )?;
    }
    for c in &p.concepts {
        tx.execute(
            "INSERT OR IGNORE INTO concepts(course_id, id, title, position, requires, retired) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![c.course_id, c.id, c.title, c.position, c.requires, c.retired],
        )?;
    }
    for k in &p.checks {
        tx.execute(
            "INSERT OR IGNORE INTO checks(course_id, id, concept_id, kind, prompt, position, retired) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![k.course_id, k.id, k.concept_id, k.kind, k.prompt, k.position, k.retired],
        )?;
    }
    // Profile uid -> profile here (None: skipped).
    let mut map: HashMap<&str, Option<i64>> = HashMap::new();
    for pr in &p.profiles {
        let mapped: Option<i64> = tx
            .query_row(
                "SELECT id FROM profiles WHERE uid = ?1
                 UNION ALL SELECT profile_id FROM profile_links WHERE uid = ?1 LIMIT 1",
                [&pr.uid],
                |r| r.get(0),
            )
            .optional()?;
        let id = match (mapped, profile_by_name(tx, &pr.name)?) {
            (Some(id), _) => Some(id),
            (None, None) => {
                sum.new_profiles += 1;
                Some(create_profile(tx, pr, &pr.name)?)
            }
            (None, Some(here)) => match decisions.get(&pr.uid) {
                Some(SameName::Merge) => {
                    tx.execute(
                        "INSERT OR IGNORE INTO profile_links(uid, profile_id) VALUES (?1, ?2)",
                        params![pr.uid, here],
                    )?;
                    Some(here)
                }
                Some(SameName::Apart) => {
                    let mut name = format!("{} ({})", pr.name, f.header.laptop);
                    let mut n = 2;
                    while profile_by_name(tx, &name)?.is_some() {
                        name = format!("{} ({} {n})", pr.name, f.header.laptop);
                        n += 1;
                    }
                    sum.new_profiles += 1;
                    Some(create_profile(tx, pr, &name)?)
                }
                Some(SameName::Skip) => {
                    sum.skipped_profiles += 1;
                    None
                }
                None => {
                    return Err(StoreError::Invalid(format!(
                        "profile {:?} from {} has the name of a profile here: say whether it is the same student",
                        pr.name, f.name
                    )));
                }
            },
        };
        map.insert(&pr.uid, id);
    }
    for r in &p.reviews {
        let Some(Some(pid)) = map.get(r.profile.as_str()) else {
            continue;
        };
        tx.execute(
            "INSERT OR IGNORE INTO cards(profile_id, course_id, check_id) VALUES (?1, ?2, ?3)",
            params![pid, r.course_id, r.check_id],
        )?;
        let card: i64 = tx.query_row(
            "SELECT id FROM cards WHERE profile_id = ?1 AND course_id = ?2 AND check_id = ?3",
            params![pid, r.course_id, r.check_id],
            |row| row.get(0),
        )?;
        let added = tx.execute(
            "INSERT OR IGNORE INTO review_log(card_id, profile_id, reviewed_at, rating, source, elapsed_days, attempts,
               hints_used, response_ms, correct, state_before, answer, uid, origin)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                card,
                pid,
                r.reviewed_at,
                r.rating,
                r.source,
                r.elapsed_days,
                r.attempts,
                r.hints_used,
                r.response_ms,
                r.correct,
                r.state_before,
                r.answer,
                r.uid,
                r.origin
            ],
        )?;
        if added > 0 {
            sum.new_reviews += 1;
            touched.push(card);
        }
    }
    let mut skipped_sessions: HashSet<&str> = HashSet::new();
    for s in &p.sessions {
        let Some(Some(pid)) = map.get(s.profile.as_str()) else {
            skipped_sessions.insert(&s.uid);
            continue;
        };
        let exists: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM sessions WHERE uid = ?1)",
            [&s.uid],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO sessions(profile_id, course_id, concept_id, started_at, ended_at, summary, uid, origin)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT(uid) DO UPDATE SET ended_at = coalesce(sessions.ended_at, excluded.ended_at),
               summary = coalesce(sessions.summary, excluded.summary)",
            params![pid, s.course_id, s.concept_id, s.started_at, s.ended_at, s.summary, s.uid, s.origin],
        )?;
        if !exists {
            sum.new_lessons += 1;
        }
    }
    for l in &p.lines {
        if skipped_sessions.contains(l.session.as_str()) {
            continue;
        }
        let session: i64 = tx.query_row(
            "SELECT id FROM sessions WHERE uid = ?1",
            [&l.session],
            |r| r.get(0),
        )?;
        sum.new_lines += tx.execute(
            "INSERT OR IGNORE INTO transcript(session_id, at, role, move, content, uid) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![session, l.at, l.role, l.r#move, l.content, l.uid],
        )?;
    }
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_foreign_and_damaged_files() {
        let e = read_export("a.json", b"{\"hello\": 1}\n{}").unwrap_err();
        assert!(matches!(e, ExportFileError::Foreign { .. }), "{e}");
        let e = read_export("b.csv", b"profile,course\n").unwrap_err();
        assert!(matches!(e, ExportFileError::Foreign { .. }), "{e}");
        let body = serde_json::to_vec(&Payload::default()).unwrap();
        let header = Header {
            format: FORMAT.into(),
            version: VERSION,
            sha256: sha256_hex(&body),
            laptop_id: "0123456789abcdef".into(),
            laptop: "lab-1".into(),
            exported_at: 0,
        };
        let mut ok = serde_json::to_vec(&header).unwrap();
        ok.push(b'\n');
        ok.extend_from_slice(&body);
        assert!(read_export("ok", &ok).is_ok());
        let mut bad = ok.clone();
        let last = bad.len() - 2;
        bad[last] = b' ';
        let e = read_export("c", &bad).unwrap_err().to_string();
        assert!(
            e.contains("damaged") && e.contains("nothing was imported"),
            "{e}"
        );
        let newer = String::from_utf8(ok)
            .unwrap()
            .replacen("\"version\":1", "\"version\":9", 1);
        let e = read_export("d", newer.as_bytes()).unwrap_err();
        assert!(matches!(e, ExportFileError::TooNew { found: 9, .. }), "{e}");
    }
}
