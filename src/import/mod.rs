//! `tutor import`: teachers' existing material (Moodle GIFT, Anki, OATutor) → a course file.
//!
//! Each reader turns its files into the same typed model ([`Source`] → [`Section`] →
//! [`Item`] with an [`Answer`]), keeping everything the source says (partial credit, per-answer
//! feedback, tags, images, scaffolds) whether or not the course format can hold it yet. The
//! [`writer`] then maps that model onto the current course format, runs every check through the
//! real validator, and records in the [`report`] what did not map and why, per item with its
//! `file:line`. When the course format gains a field, only the writer's mapping changes.
//!
//! - [`gift`]: Moodle GIFT. [`anki`]: Anki's plain-text note export. [`csv_deck`]: CSV with a
//!   header row. [`apkg`]: Anki packages (zip + SQLite). [`oatutor`]: OATutor lesson JSON.
//! - [`text`]: HTML and LaTeX to plain text, ids. `decimal`: GIFT numbers and ranges, exactly.

pub mod anki;
pub mod apkg;
pub mod csv_deck;
mod decimal;
pub mod gift;
pub mod oatutor;
pub mod report;
pub mod text;
pub mod writer;

use std::fmt;
use std::path::{Path, PathBuf};

pub use report::{Gap, Report};
pub use writer::Imported;

/// The formats `tutor import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Gift,
    Anki,
    Oatutor,
}

impl Format {
    /// Parses a `--from` value.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "gift" | "moodle" => Self::Gift,
            "anki" | "apkg" | "csv" => Self::Anki,
            "oatutor" => Self::Oatutor,
            _ => return None,
        })
    }

    /// The format of `path`, from its extension and, failing that, its first bytes.
    pub fn detect(path: &Path, head: &[u8]) -> Option<Self> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("gift") => return Some(Self::Gift),
            Some("apkg" | "colpkg" | "csv" | "tsv") => return Some(Self::Anki),
            Some("json") => return Some(Self::Oatutor),
            _ => {}
        }
        if head.starts_with(b"PK\x03\x04") {
            return Some(Self::Anki);
        }
        let text = String::from_utf8_lossy(head);
        let t = text.trim_start_matches('\u{feff}').trim_start();
        if t.starts_with('{') && (t.contains("\"problems\"") || t.contains("\"steps\"")) {
            Some(Self::Oatutor)
        } else if t.starts_with("#separator:") || t.starts_with("#html:") {
            Some(Self::Anki)
        } else if t.contains("::") && t.contains('{') || t.contains("$CATEGORY:") {
            Some(Self::Gift)
        } else {
            None
        }
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--from`: the format of every file (otherwise detected per file).
    pub from: Option<Format>,
    /// `--id`: the course id (otherwise made from the title).
    pub id: Option<String>,
    /// `--title`: the course title (otherwise from the material).
    pub title: Option<String>,
    /// `--lang`: which language to take from multilingual material, and the course language.
    pub lang: Option<String>,
}

impl Options {
    /// The language asked for, `en` by default.
    pub fn lang(&self) -> &str {
        self.lang.as_deref().unwrap_or("en")
    }
}

/// Why an import could not run at all (problems with single items go to the [`Report`]).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path}: cannot tell the format; name it with --from gift, --from anki or --from oatutor"
    )]
    UnknownFormat { path: String },
    #[error("{path}: {message}")]
    Bad { path: String, message: String },
    #[error("{report}nothing could be imported from {files} (each item is listed above with why)")]
    Empty { files: String, report: String },
}

impl ImportError {
    pub(crate) fn bad(path: &str, message: impl Into<String>) -> Self {
        Self::Bad {
            path: path.to_string(),
            message: message.into(),
        }
    }
}

/// Where an item came from: `file:line` (or `file:note 123` where the source has no lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: usize,
    /// Used instead of the line where the source has none (e.g. `note 1751469140799`).
    pub label: Option<String>,
}

impl Origin {
    pub fn line(file: &str, line: usize) -> Self {
        Self {
            file: file.to_string(),
            line,
            label: None,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.label {
            Some(l) => write!(f, "{}:{l}", self.file),
            None => write!(f, "{}:{}", self.file, self.line),
        }
    }
}

/// What one file (or one set of joined CSV files) holds.
#[derive(Debug, Clone, Default)]
pub struct Source {
    /// The name used in the report.
    pub file: String,
    /// A course title the material suggests.
    pub title: Option<String>,
    /// The language the material is in, where it says.
    pub language: Option<String>,
    pub sections: Vec<Section>,
    /// Items the reader could not turn into questions at all.
    pub skipped: Vec<Skipped>,
    /// Notes about the whole file (e.g. columns that were not used).
    pub notes: Vec<String>,
}

impl Source {
    pub fn new(file: &str) -> Self {
        Self {
            file: file.to_string(),
            ..Self::default()
        }
    }

    /// The section titled `title`, created at the end if new.
    pub fn section(&mut self, title: &str) -> &mut Section {
        let i = match self.sections.iter().position(|s| s.title == title) {
            Some(i) => i,
            None => {
                self.sections.push(Section {
                    title: title.to_string(),
                    ..Section::default()
                });
                self.sections.len() - 1
            }
        };
        &mut self.sections[i]
    }

    pub fn skip(&mut self, origin: Origin, what: &str, gap: Gap, detail: impl Into<String>) {
        self.skipped.push(Skipped {
            origin,
            what: text::excerpt(what, 60),
            gap,
            detail: detail.into(),
        });
    }
}

/// A group of items: becomes one concept (a GIFT category, an Anki deck or tag, an OATutor
/// learning objective).
#[derive(Debug, Clone, Default)]
pub struct Section {
    pub title: String,
    /// Background text (GIFT description items).
    pub notes: Vec<String>,
    pub items: Vec<Item>,
}

/// One question as the source states it.
#[derive(Debug, Clone)]
pub struct Item {
    pub origin: Origin,
    /// A stable seed for the check id (a question name, a note id, a step id, a row key).
    pub key: String,
    pub prompt: String,
    pub answer: Answer,
    /// Hint rungs, in order.
    pub hints: Vec<String>,
    /// Feedback for the right answer and general feedback: shown after answering.
    pub feedback: Vec<String>,
    /// Feedback the source gives for specific wrong answers: `(answer, feedback)`.
    pub wrong_feedback: Vec<(String, String)>,
    pub tags: Vec<String>,
    /// Image references (file names or alt text).
    pub images: Vec<String>,
    /// What the reader already had to drop from this item.
    pub dropped: Vec<(Gap, String)>,
}

impl Item {
    pub fn new(origin: Origin, key: &str, prompt: &str, answer: Answer) -> Self {
        Self {
            origin,
            key: key.to_string(),
            prompt: prompt.to_string(),
            answer,
            hints: Vec::new(),
            feedback: Vec::new(),
            wrong_feedback: Vec::new(),
            tags: Vec::new(),
            images: Vec::new(),
            dropped: Vec::new(),
        }
    }
}

/// The answer as the source states it.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Typed words; every alternative with its credit in percent (100 = full).
    Short(Vec<Weighted>),
    /// Numbers with tolerances or ranges, each with its credit.
    Numeric(Vec<NumAnswer>),
    /// Options to pick from, each with its credit (several may be right).
    Choice(Vec<Weighted>),
    /// True or false.
    TrueFalse(bool),
    /// Several blanks in one prompt (each marked `___` there), in order; each blank with its
    /// right answers (alternatives).
    Cloze(Vec<Vec<String>>),
    /// A free answer with a model answer (`None` when the source gives none, e.g. an essay).
    Text(Option<String>),
}

/// An answer text with its credit (percent) and feedback.
#[derive(Debug, Clone, PartialEq)]
pub struct Weighted {
    pub text: String,
    pub credit: f64,
    pub feedback: String,
}

impl Weighted {
    pub fn full(text: &str) -> Self {
        Self {
            text: text.to_string(),
            credit: 100.0,
            feedback: String::new(),
        }
    }
}

/// One accepted number: written as decimal text so no precision is lost.
#[derive(Debug, Clone, PartialEq)]
pub struct NumAnswer {
    pub value: NumValue,
    pub credit: f64,
    pub feedback: String,
}

/// A number with an optional margin, or an inclusive range.
#[derive(Debug, Clone, PartialEq)]
pub enum NumValue {
    Exact {
        value: String,
        tolerance: Option<String>,
    },
    Range {
        min: String,
        max: String,
    },
}

/// An item the reader could not turn into a question.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub origin: Origin,
    /// The start of the item's text.
    pub what: String,
    pub gap: Gap,
    pub detail: String,
}

/// Reads every file with its format, then writes one course.
pub fn import_paths(paths: &[PathBuf], opts: &Options) -> Result<Imported, ImportError> {
    let mut sources = Vec::new();
    let mut csvs: Vec<PathBuf> = Vec::new();
    for path in expand(paths)? {
        let name = path.display().to_string();
        let head = read_head(&path)?;
        let format = match opts.from {
            Some(f) => f,
            None => Format::detect(&path, &head)
                .ok_or_else(|| ImportError::UnknownFormat { path: name.clone() })?,
        };
        let is_zip = head.starts_with(b"PK\x03\x04");
        match format {
            Format::Gift => sources.push(gift::read(&name, &read_text(&path)?)),
            Format::Oatutor => sources.push(oatutor::read(&name, &read_text(&path)?)?),
            Format::Anki if is_zip => sources.push(apkg::read(&path, opts)?),
            Format::Anki => {
                let text = read_text(&path)?;
                if anki::is_note_export(&path, &text) {
                    sources.push(anki::read_notes(&name, &text, opts)?);
                } else {
                    csvs.push(path);
                }
            }
        }
    }
    if !csvs.is_empty() {
        let mut tables = Vec::new();
        for p in &csvs {
            tables.push((p.display().to_string(), read_text(p)?));
        }
        sources.extend(csv_deck::read_csv_tables(&tables, opts)?);
    }
    writer::write(sources, opts)
}

/// Files named, with folders replaced by their files (sorted).
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ImportError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|source| ImportError::Read {
                    path: p.display().to_string(),
                    source,
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.is_file()
                        && f.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                            ["gift", "csv", "tsv", "txt", "apkg", "colpkg", "json"]
                                .contains(&e.to_ascii_lowercase().as_str())
                        })
                })
                .collect();
            files.sort();
            out.extend(files);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn read_head(path: &Path) -> Result<Vec<u8>, ImportError> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|source| ImportError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let mut buf = vec![0; 4096];
    let n = f.read(&mut buf).map_err(|source| ImportError::Read {
        path: path.display().to_string(),
        source,
    })?;
    buf.truncate(n);
    Ok(buf)
}

fn read_text(path: &Path) -> Result<String, ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        ImportError::bad(
            &path.display().to_string(),
            format!(
                "not UTF-8 text (byte {}); save it as UTF-8 and import again",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    Ok(text.trim_start_matches('\u{feff}').to_string())
}
