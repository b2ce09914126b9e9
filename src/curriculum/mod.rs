//! Courses: the teacher's TOML format, its validator, graders and the course library.
//!
//! - [`parse`]: TOML (with spans) → [`Course`], reporting every shape problem with its position.
//! - [`validate`]: rules across the course (ids, duplicates, prerequisites, cycles, answers
//!   that fail their own grader, warnings).
//! - [`grade`]: the deterministic graders shared by validation and lessons.
//! - [`library`]: bundled courses, the user's curricula dir and paths on the command line.
//! - [`diag`]: `file:line:col: error: message` diagnostics.
//! - [`material`]: reference material files and the glossary (`tutor ask` answers from them).

pub mod diag;
pub mod grade;
pub mod library;
pub mod material;
pub mod parse;
pub mod validate;

use serde::Serialize;

pub use diag::{Diagnostic, Pos, Severity};

/// Largest course file accepted.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// Longest text field accepted.
pub const MAX_FIELD_CHARS: usize = 20_000;

/// One course: what a teacher writes in one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Course {
    pub id: String,
    pub title: String,
    pub version: String,
    pub language: String,
    pub audience: String,
    pub description: String,
    pub concepts: Vec<Concept>,
    #[serde(skip)]
    pub id_pos: Pos,
    /// Reference material files (`[course] material = [...]`), relative to the course file.
    pub material: Vec<material::Material>,
    /// `[[glossary]]` entries.
    pub glossary: Vec<material::GlossaryEntry>,
}

impl Course {
    /// The concept with `id`.
    pub fn concept(&self, id: &str) -> Option<&Concept> {
        self.concepts.iter().find(|c| c.id == id)
    }

    /// All checks with their concept.
    pub fn checks(&self) -> impl Iterator<Item = (&Concept, &Check)> {
        self.concepts
            .iter()
            .flat_map(|c| c.checks.iter().map(move |k| (c, k)))
    }

    /// The check with `id`.
    pub fn check(&self, id: &str) -> Option<(&Concept, &Check)> {
        self.checks().find(|(_, k)| k.id == id)
    }

    /// Concepts ordered so that every concept comes after its prerequisites (file order among
    /// equals). Cycles (rejected by validation) are broken by file order.
    pub fn topological_order(&self) -> Vec<&Concept> {
        let mut done: Vec<&str> = Vec::new();
        let mut out = Vec::new();
        while out.len() < self.concepts.len() {
            let next = self
                .concepts
                .iter()
                .find(|c| {
                    !done.contains(&c.id.as_str())
                        && c.requires.iter().all(|r| done.contains(&r.as_str()))
                })
                .or_else(|| {
                    self.concepts
                        .iter()
                        .find(|c| !done.contains(&c.id.as_str()))
                });
            let Some(c) = next else { break };
            done.push(&c.id);
            out.push(c);
        }
        out
    }
}

/// One concept: a unit of teaching with its checks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Concept {
    pub id: String,
    pub title: String,
    pub requires: Vec<String>,
    pub objective: String,
    pub notes: String,
    pub questions: Vec<String>,
    pub misconceptions: Vec<Misconception>,
    pub checks: Vec<Check>,
    #[serde(skip)]
    pub id_pos: Pos,
    #[serde(skip)]
    pub requires_pos: Vec<Pos>,
}

/// A wrong belief students often hold, and how the tutor should address it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Misconception {
    pub belief: String,
    pub response: String,
}

/// How a check is answered and graded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckKind {
    Short,
    Numeric,
    Choice,
    Text,
}

impl CheckKind {
    /// Parses the `kind` field.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "short" => Self::Short,
            "numeric" => Self::Numeric,
            "choice" => Self::Choice,
            "text" => Self::Text,
            _ => return None,
        })
    }
}

/// A question with a known answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub id: String,
    pub kind: CheckKind,
    pub prompt: String,
    pub answer: String,
    pub accept: Vec<String>,
    pub tolerance: Option<f64>,
    pub choices: Vec<String>,
    pub hints: Vec<String>,
    pub explanation: String,
    pub rubric: Vec<String>,
    #[serde(skip)]
    pub id_pos: Pos,
    #[serde(skip)]
    pub answer_pos: Pos,
    /// Where each key of the check is written (for precise diagnostics).
    #[serde(skip)]
    pub key_pos: std::collections::BTreeMap<String, Pos>,
}

impl Check {
    /// A check with only its essentials (no hints, choices or explanation); for code that
    /// builds checks rather than reading them from a file.
    pub fn new(id: &str, kind: CheckKind, prompt: &str, answer: &str) -> Self {
        Self {
            id: id.into(),
            kind,
            prompt: prompt.into(),
            answer: answer.into(),
            accept: Vec::new(),
            tolerance: None,
            choices: Vec::new(),
            hints: Vec::new(),
            explanation: String::new(),
            rubric: Vec::new(),
            id_pos: Pos::default(),
            answer_pos: Pos::default(),
            key_pos: Default::default(),
        }
    }

    /// Where `key` is written, else where the check's id is.
    pub fn pos_of(&self, key: &str) -> Pos {
        self.key_pos.get(key).copied().unwrap_or(self.id_pos)
    }
}

/// The result of loading one file: the course (when its shape was readable) and all problems.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub course: Option<Course>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    /// Whether any error (or, under `strict`, any warning) was found.
    pub fn failed(&self, strict: bool) -> bool {
        self.course.is_none()
            || self.diagnostics.iter().any(|d| {
                d.severity == Severity::Error || (strict && d.severity == Severity::Warning)
            })
    }

    /// The course if it has no errors.
    pub fn valid_course(self) -> Option<Course> {
        if self.failed(false) {
            None
        } else {
            self.course
        }
    }
}

/// Parses and validates course text; `file` names it in diagnostics. Never panics.
pub fn load_str(file: &str, text: &str) -> Loaded {
    let mut sink = diag::Sink::new(file, text);
    if text.len() > MAX_FILE_BYTES {
        sink.error(
            Pos::START,
            format!(
                "file is {} bytes; the limit is {MAX_FILE_BYTES} (5 MB)",
                text.len()
            ),
            Some("split the course into several files".to_string()),
        );
        return Loaded {
            course: None,
            diagnostics: sink.diags,
        };
    }
    let course = parse::parse(&mut sink);
    if let Some(c) = &course {
        validate::validate(c, &mut sink);
    }
    let mut diagnostics = sink.diags;
    diagnostics.sort_by_key(|d| (d.pos, d.severity));
    Loaded {
        course,
        diagnostics,
    }
}

/// Reads and loads a course file.
pub fn load_file(path: &std::path::Path) -> Loaded {
    let name = path.display().to_string();
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_FILE_BYTES as u64 => {
            let mut sink = diag::Sink::new(&name, "");
            sink.error(
                Pos::START,
                format!(
                    "file is {} bytes; the limit is {MAX_FILE_BYTES} (5 MB)",
                    m.len()
                ),
                Some("split the course into several files".to_string()),
            );
            return Loaded {
                course: None,
                diagnostics: sink.diags,
            };
        }
        _ => {}
    }
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => {
                let mut loaded = load_str(&name, &text);
                material::check_loaded(&mut loaded, path, &name, &text);
                loaded
            }
            Err(e) => {
                let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let offset = e.utf8_error().valid_up_to();
                let mut sink = diag::Sink::new(&name, &text);
                sink.error(
                    Pos::at(&text, offset),
                    "the file is not valid UTF-8 text",
                    Some("save it as UTF-8 in your editor".to_string()),
                );
                Loaded {
                    course: None,
                    diagnostics: sink.diags,
                }
            }
        },
        Err(e) => {
            let mut sink = diag::Sink::new(&name, "");
            sink.error(Pos::START, format!("cannot read the file: {e}"), None);
            Loaded {
                course: None,
                diagnostics: sink.diags,
            }
        }
    }
}
