//! A course's reference material (`[course] material = ["material/notes.md", ...]`, paths
//! relative to the course file) and its glossary (`[[glossary]] term = "..." definition = "..."`).
//!
//! `tutor check` runs [`check_files`]: every listed file must exist, be readable UTF-8 text of a
//! supported kind (Markdown, plain text, HTML) and fit the size limit, reported at the
//! `file:line:col` of its entry. Bundled courses carry their material inside the binary
//! ([`super::library::BUNDLED_MATERIAL`]); a copy of a bundled course saved elsewhere keeps
//! using that built-in material when the file is not next to it. PDF is not accepted: no well-kept pure-Rust crate
//! extracts text from arbitrary PDFs reliably (columns, ligatures and hyphenation come out
//! scrambled), so teachers export the text instead.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::diag::{Pos, Sink};
use super::library::{BUNDLED_MATERIAL, Origin};
use super::{Course, Loaded};

/// Largest material file accepted.
pub const MAX_MATERIAL_BYTES: u64 = 5 * 1024 * 1024;

/// One material file listed by a course.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Material {
    /// As written in the course: relative to the course file.
    pub path: String,
    #[serde(skip)]
    pub pos: Pos,
}

/// One glossary entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GlossaryEntry {
    pub term: String,
    pub definition: String,
    #[serde(skip)]
    pub pos: Pos,
}

/// How a material file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Markdown,
    Text,
    Html,
}

impl Format {
    /// The format of `path`, from its extension.
    pub fn of(path: &str) -> Option<Self> {
        let ext = Path::new(path).extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "md" | "markdown" => Self::Markdown,
            "txt" | "text" => Self::Text,
            "html" | "htm" => Self::Html,
            _ => return None,
        })
    }
}

/// The text of one material file.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    /// The path as the course writes it (shown to students as the source).
    pub path: String,
    pub format: Format,
    pub text: String,
}

/// Why material could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MaterialError {
    #[error("cannot read material file {path}: {reason}. Run `tutor check` on the course")]
    Unreadable { path: PathBuf, reason: String },
    #[error("bundled material {0} is missing from this build")]
    NotBundled(String),
}

/// Why one listed file cannot be used (`None`: it can).
fn problem(base: &Path, m: &Material) -> Option<(String, String)> {
    if Path::new(&m.path).is_absolute() {
        return Some((
            format!(
                "material path {:?} must be relative to the course file",
                m.path
            ),
            "put the file next to the course (e.g. material/notes.md) and write that path".into(),
        ));
    }
    if Format::of(&m.path).is_none() {
        return Some((
            format!("material {:?} is not Markdown, plain text or HTML", m.path),
            "use a .md, .txt or .html file (for a PDF, save or export its text)".into(),
        ));
    }
    let full = base.join(&m.path);
    if !full.exists() && bundled(&m.path).is_some() {
        return None;
    }
    let meta = match std::fs::metadata(&full) {
        Ok(m) => m,
        Err(e) => {
            return Some((
                format!("material file {:?} cannot be read: {e}", m.path),
                format!(
                    "check the spelling; the path is relative to the course file's folder ({})",
                    base.display()
                ),
            ));
        }
    };
    if !meta.is_file() {
        return Some((
            format!("material {:?} is not a file", m.path),
            "list files, not folders".into(),
        ));
    }
    if meta.len() > MAX_MATERIAL_BYTES {
        return Some((
            format!(
                "material file {:?} is {} bytes; the limit is {MAX_MATERIAL_BYTES} (5 MB)",
                m.path,
                meta.len()
            ),
            "split it into several files".into(),
        ));
    }
    match std::fs::read(&full).map(String::from_utf8) {
        Ok(Ok(_)) => None,
        Ok(Err(_)) => Some((
            format!("material file {:?} is not UTF-8 text", m.path),
            "save it as UTF-8 in your editor".into(),
        )),
        Err(e) => Some((
            format!("material file {:?} cannot be read: {e}", m.path),
            "check the file's permissions".into(),
        )),
    }
}

/// The built-in copy of a bundled course's material file, by its listed path.
fn bundled(path: &str) -> Option<&'static str> {
    BUNDLED_MATERIAL
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, t)| *t)
}

/// Reports every listed material file that is missing or unusable (relative to `base`), and
/// repeated entries and glossary terms.
pub fn check_files(course: &Course, base: &Path, sink: &mut Sink<'_>) {
    let mut seen = std::collections::HashSet::new();
    for m in &course.material {
        if !seen.insert(m.path.as_str()) {
            sink.warn(
                m.pos,
                format!("material {:?} is listed twice", m.path),
                None,
            );
            continue;
        }
        if let Some((message, hint)) = problem(base, m) {
            sink.error(m.pos, message, Some(hint));
        }
    }
    check_glossary(course, sink);
}

/// Glossary terms written twice (ignoring case).
pub fn check_glossary(course: &Course, sink: &mut Sink<'_>) {
    let mut terms = std::collections::HashMap::new();
    for g in &course.glossary {
        let key = super::grade::normalize(&g.term);
        if let Some(first) = terms.insert(key, g.pos) {
            sink.warn(
                g.pos,
                format!(
                    "glossary term {:?} is defined twice (first at line {})",
                    g.term, first.line
                ),
                Some("keep one definition".to_string()),
            );
        }
    }
}

/// Adds the material diagnostics of a loaded course file at `path` (text `text`).
pub fn check_loaded(loaded: &mut Loaded, path: &Path, name: &str, text: &str) {
    let Some(course) = &loaded.course else { return };
    let mut sink = Sink::new(name, text);
    let base = path.parent().unwrap_or(Path::new("."));
    check_files(course, base, &mut sink);
    super::images::check_images(course, base, &mut sink);
    loaded.diagnostics.append(&mut sink.diags);
    loaded.diagnostics.sort_by_key(|d| (d.pos, d.severity));
}

/// The text of a course's material files, read from beside the course file (or from the binary
/// for a bundled course).
pub fn read_docs(course: &Course, origin: &Origin) -> Result<Vec<Doc>, MaterialError> {
    course
        .material
        .iter()
        .map(|m| {
            let format = Format::of(&m.path).unwrap_or(Format::Text);
            let text = match origin {
                Origin::Bundled => bundled(&m.path)
                    .map(str::to_string)
                    .ok_or_else(|| MaterialError::NotBundled(m.path.clone()))?,
                Origin::User(file) | Origin::Path(file) => {
                    let full = file.parent().unwrap_or(Path::new(".")).join(&m.path);
                    match (std::fs::read_to_string(&full), bundled(&m.path)) {
                        (Ok(text), _) => text,
                        (Err(e), Some(text)) if e.kind() == std::io::ErrorKind::NotFound => {
                            text.to_string()
                        }
                        (Err(e), _) => {
                            return Err(MaterialError::Unreadable {
                                path: full.clone(),
                                reason: e.to_string(),
                            });
                        }
                    }
                }
            };
            Ok(Doc {
                path: m.path.clone(),
                format,
                text,
            })
        })
        .collect()
}
