//! The course library: bundled courses (compiled in, so `tutor` works from any directory), the
//! user's curricula dir, and paths given on the command line, in rising precedence: a user
//! course with a bundled course's id replaces it. An invalid file never stops the app; it is
//! listed with its diagnostics.

use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Course, Diagnostic, Loaded, load_file, load_str};

/// The courses that ship inside the binary.
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "fractions.toml",
        include_str!("../../curricula/fractions.toml"),
    ),
    (
        "photosynthesis.toml",
        include_str!("../../curricula/photosynthesis.toml"),
    ),
    (
        "probability.toml",
        include_str!("../../curricula/probability.toml"),
    ),
];

/// The bundled courses' reference material, by the path the course lists (relative to
/// `curricula/`), compiled in like the courses themselves.
pub const BUNDLED_MATERIAL: &[(&str, &str)] = &[
    (
        "material/fractions.md",
        include_str!("../../curricula/material/fractions.md"),
    ),
    (
        "material/photosynthesis.md",
        include_str!("../../curricula/material/photosynthesis.md"),
    ),
    (
        "material/probability.md",
        include_str!("../../curricula/material/probability.md"),
    ),
];

/// Where a course came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "path", rename_all = "lowercase")]
pub enum Origin {
    Bundled,
    User(PathBuf),
    Path(PathBuf),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Bundled => f.write_str("bundled"),
            Self::User(p) => write!(f, "user: {}", p.display()),
            Self::Path(p) => write!(f, "path: {}", p.display()),
        }
    }
}

/// A valid course in the library.
#[derive(Debug, Clone)]
pub struct Entry {
    pub course: Course,
    pub origin: Origin,
    /// sha256 of the file text: re-syncing an unchanged file is a no-op.
    pub content_hash: String,
    pub warnings: Vec<Diagnostic>,
}

/// A file that could not be used, with why.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub source: String,
    pub diagnostics: Vec<Diagnostic>,
}

/// All courses found, plus the files that failed.
#[derive(Debug, Clone, Default)]
pub struct Library {
    pub courses: Vec<Entry>,
    pub problems: Vec<Problem>,
}

fn hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `.toml` files in `dir` (sorted), or `dir` itself when it is a file.
pub fn course_files(path: &Path) -> Vec<PathBuf> {
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        files
    } else {
        vec![path.to_path_buf()]
    }
}

impl Library {
    /// Bundled courses, then `user_dir`, then `extra` paths (files or directories).
    pub fn load(user_dir: Option<&Path>, extra: &[PathBuf]) -> Self {
        let mut lib = Self::default();
        for (name, text) in BUNDLED {
            lib.add(
                load_str(&format!("<bundled>/{name}"), text),
                Origin::Bundled,
                hash(text),
            );
        }
        if let Some(dir) = user_dir.filter(|d| d.is_dir()) {
            for f in course_files(dir) {
                lib.add_file(&f, Origin::User(f.clone()));
            }
        }
        for p in extra {
            for f in course_files(p) {
                lib.add_file(&f, Origin::Path(f.clone()));
            }
        }
        lib
    }

    fn add_file(&mut self, path: &Path, origin: Origin) {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        self.add(load_file(path), origin, hash(&text));
    }

    fn add(&mut self, loaded: Loaded, origin: Origin, content_hash: String) {
        let source = loaded
            .diagnostics
            .first()
            .map(|d| d.file.clone())
            .unwrap_or_else(|| origin.to_string());
        if loaded.failed(false) {
            tracing::warn!(%source, "skipping invalid course file");
            self.problems.push(Problem {
                source,
                diagnostics: loaded.diagnostics,
            });
            return;
        }
        let Some(course) = loaded.course else { return };
        let entry = Entry {
            course,
            origin,
            content_hash,
            warnings: loaded.diagnostics,
        };
        match self
            .courses
            .iter_mut()
            .find(|e| e.course.id == entry.course.id)
        {
            Some(existing) => {
                tracing::info!(id = %entry.course.id, from = %entry.origin, "course overrides an earlier one with the same id");
                *existing = entry;
            }
            None => self.courses.push(entry),
        }
    }

    /// The course with `id`.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.courses.iter().find(|e| e.course.id == id)
    }

    /// A course by id, or by path to a course file (loaded on the spot).
    pub fn resolve(&self, id_or_path: &str) -> Result<Entry, Vec<Diagnostic>> {
        if let Some(e) = self.get(id_or_path) {
            return Ok(e.clone());
        }
        let path = Path::new(id_or_path);
        if path.is_file() {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let loaded = load_file(path);
            if loaded.failed(false) {
                return Err(loaded.diagnostics);
            }
            let diags = loaded.diagnostics.clone();
            if let Some(course) = loaded.course {
                return Ok(Entry {
                    course,
                    origin: Origin::Path(path.into()),
                    content_hash: hash(&text),
                    warnings: diags,
                });
            }
        }
        Err(Vec::new())
    }
}
