//! Courses: the teacher's TOML format, its validator, graders and the course library.
//!
//! - [`parse`]: TOML (with spans) → [`Course`], reporting every shape problem with its position.
//! - [`validate`]: rules across the course (ids, duplicates, prerequisites, cycles, answers
//!   that fail their own grader, warnings).
//! - [`grade`]: the deterministic graders shared by validation and lessons.
//! - [`library`]: bundled courses, the user's curricula dir and paths on the command line.
//! - [`validate_format`]: rules for the newer fields (several answers, ranges, units, forms,
//!   cloze, ordering, images) and the teaching warnings (leaky hints, short ladders, answer
//!   positions).
//! - [`diag`]: `file:line:col: error: message` diagnostics.
//! - [`wrong`]: teachers' common wrong answers per check, with feedback.
//! - [`material`]: reference material files and the glossary (`tutor ask` answers from them).
//! - [`images`]: pictures on concepts and checks (checked files, bundled copies).

pub mod diag;
pub mod grade;
pub mod images;
pub mod library;
pub mod material;
pub mod parse;
pub mod validate;
pub mod validate_format;
pub mod wrong;

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
    /// Guiding questions, in the order the teacher wrote them.
    pub questions: Vec<Question>,
    pub misconceptions: Vec<Misconception>,
    pub checks: Vec<Check>,
    /// Labels for grouping and search.
    pub tags: Vec<String>,
    /// Estimated teaching time in minutes.
    pub minutes: Option<u32>,
    /// An optional picture (shown as its alt text in the terminal).
    pub image: Option<Image>,
    #[serde(skip)]
    pub id_pos: Pos,
    #[serde(skip)]
    pub requires_pos: Vec<Pos>,
    /// Where each guiding question is written.
    #[serde(skip)]
    pub questions_pos: Vec<Pos>,
    /// Where `notes` is written.
    #[serde(skip)]
    pub notes_pos: Pos,
}

/// A guiding question: what the tutor asks, the ideas a good reply contains (each a list of
/// alternative wordings), what to say when one is missing, and the idea stated plainly. A plain
/// string in the file is a question with no expected idea (an open question).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Question {
    pub ask: String,
    /// Each idea: its alternative wordings (`"equal | same size"` → two alternatives).
    pub expect: Vec<Vec<String>>,
    /// The teacher's nudge when an expected idea is missing or wrong.
    pub follow_up: Option<String>,
    /// The idea stated plainly: confirms a right reply, or is said after a second miss.
    pub explain: Option<String>,
}

impl Question {
    /// A question with no expected idea.
    pub fn open(ask: &str) -> Self {
        Self {
            ask: ask.to_string(),
            ..Self::default()
        }
    }

    /// Splits an idea written as `"a | b | c"` into its alternatives.
    pub fn idea(written: &str) -> Vec<String> {
        written
            .split('|')
            .map(|a| a.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|a| !a.is_empty())
            .collect()
    }

    /// Every teacher-written text of the question (ask, follow-up, explanation).
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.ask.as_str())
            .chain(self.follow_up.as_deref())
            .chain(self.explain.as_deref())
    }
}

/// A picture with its description; the terminal shows the description.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Image {
    /// Path relative to the course file.
    pub path: String,
    /// What the picture shows, in words.
    pub alt: String,
    /// Where `image` is written.
    #[serde(skip)]
    pub pos: Pos,
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
    /// True or false.
    #[serde(rename = "truefalse")]
    TrueFalse,
    /// Several blanks (`___`) in the prompt, each a short answer.
    Cloze,
    /// Items to put in order.
    Ordering,
}

impl CheckKind {
    /// Every kind, in the order the docs list them.
    pub const ALL: [Self; 7] = [
        Self::Short,
        Self::Numeric,
        Self::Choice,
        Self::Text,
        Self::TrueFalse,
        Self::Cloze,
        Self::Ordering,
    ];

    /// Parses the `kind` field.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == s)
    }

    /// The name written in course files.
    pub fn name(self) -> &'static str {
        match self {
            Self::Short => "short",
            Self::Numeric => "numeric",
            Self::Choice => "choice",
            Self::Text => "text",
            Self::TrueFalse => "truefalse",
            Self::Cloze => "cloze",
            Self::Ordering => "ordering",
        }
    }

    /// Whether the student picks among lettered options.
    pub fn has_options(self) -> bool {
        matches!(self, Self::Choice | Self::Ordering)
    }
}

/// The written form a numeric answer must take (`form = "..."`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NumberForm {
    Fraction,
    Simplest,
    Mixed,
    Decimal,
    Percent,
    Whole,
}

impl NumberForm {
    /// Every form, as written in course files.
    pub const ALL: [(&'static str, Self); 6] = [
        ("fraction", Self::Fraction),
        ("simplest", Self::Simplest),
        ("mixed", Self::Mixed),
        ("decimal", Self::Decimal),
        ("percent", Self::Percent),
        ("whole", Self::Whole),
    ];

    /// Parses the `form` field.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == s).map(|(_, f)| *f)
    }

    /// How a student is asked for this form.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Fraction => "as a fraction (like 3/4)",
            Self::Simplest => "as a fraction in simplest form",
            Self::Mixed => "as a mixed number (like 1 1/2)",
            Self::Decimal => "as a decimal (like 0.75)",
            Self::Percent => "as a percentage (like 75%)",
            Self::Whole => "as a whole number",
        }
    }
}

/// Which differences a short answer forgives (`forgive = { ... }`); all on by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Forgive {
    pub articles: bool,
    pub plurals: bool,
    pub case: bool,
    pub accents: bool,
    pub punctuation: bool,
    pub typos: bool,
}

impl Default for Forgive {
    fn default() -> Self {
        Self {
            articles: true,
            plurals: true,
            case: true,
            accents: true,
            punctuation: true,
            typos: true,
        }
    }
}

impl Forgive {
    /// The keys of `forgive = { ... }`.
    pub const KEYS: [&'static str; 6] = [
        "articles",
        "plurals",
        "case",
        "accents",
        "punctuation",
        "typos",
    ];

    /// Sets the flag named `key` (one of [`Self::KEYS`]); false for an unknown key.
    pub fn set(&mut self, key: &str, on: bool) -> bool {
        let flag = match key {
            "articles" => &mut self.articles,
            "plurals" => &mut self.plurals,
            "case" => &mut self.case,
            "accents" => &mut self.accents,
            "punctuation" => &mut self.punctuation,
            "typos" => &mut self.typos,
            _ => return false,
        };
        *flag = on;
        true
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
    /// For `text`: the key ideas a right answer contains (each its alternative wordings).
    pub ideas: Vec<Vec<String>>,
    /// Common wrong answers with the teacher's feedback (`[[concept.check.wrong]]`).
    pub wrong: Vec<wrong::WrongAnswer>,
    /// Several right choices (all must be picked); empty = just `answer`.
    pub answers: Vec<String>,
    /// Feedback per choice, parallel to `choices` ("" = none).
    pub choice_feedback: Vec<String>,
    /// Whether choices/items are shown shuffled (per student and check).
    pub shuffle: bool,
    /// A numeric range that counts as right.
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// The unit a numeric answer is in.
    pub unit: Option<String>,
    /// The written form a numeric answer must take.
    pub form: Option<NumberForm>,
    /// What a short answer forgives.
    pub forgive: Forgive,
    /// Cloze: the answer of each blank (`|` separates alternatives).
    pub blanks: Vec<String>,
    /// Ordering: the items in the right order.
    pub items: Vec<String>,
    pub tags: Vec<String>,
    pub image: Option<Image>,
    /// The course language (number forms, articles, true/false words).
    pub language: String,
    #[serde(skip)]
    pub id_pos: Pos,
    #[serde(skip)]
    pub answer_pos: Pos,
    /// Where each key of the check is written (for precise diagnostics).
    #[serde(skip)]
    pub key_pos: std::collections::BTreeMap<String, Pos>,
    /// Where each hint is written.
    #[serde(skip)]
    pub hints_pos: Vec<Pos>,
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
            ideas: Vec::new(),
            wrong: Vec::new(),
            answers: Vec::new(),
            choice_feedback: Vec::new(),
            shuffle: true,
            min: None,
            max: None,
            unit: None,
            form: None,
            forgive: Forgive::default(),
            blanks: Vec::new(),
            items: Vec::new(),
            tags: Vec::new(),
            image: None,
            language: "en".into(),
            id_pos: Pos::default(),
            answer_pos: Pos::default(),
            key_pos: Default::default(),
            hints_pos: Vec::new(),
        }
    }

    /// The right choices of a choice check (`answers`, else `answer`).
    pub fn correct_choices(&self) -> Vec<&str> {
        if self.answers.is_empty() {
            vec![self.answer.as_str()]
        } else {
            self.answers.iter().map(String::as_str).collect()
        }
    }

    /// This check as one student sees it: options shuffled with a seed from `student` and the
    /// check id (stable across sessions), unless `shuffle = false`. Grading the returned check
    /// reads letters against the shown order; per-choice feedback moves with its choice.
    pub fn for_student(&self, student: &str) -> Check {
        let mut c = self.clone();
        if !self.shuffle || !self.kind.has_options() {
            if self.kind == CheckKind::Ordering {
                c.choices = self.items.clone();
            }
            return c;
        }
        let n = if self.kind == CheckKind::Ordering {
            self.items.len()
        } else {
            self.choices.len()
        };
        let order = shuffle_order(n, &format!("{student}\u{0}{}", self.id));
        let pick = |v: &[String]| -> Vec<String> {
            if v.len() == n {
                order.iter().map(|&i| v[i].clone()).collect()
            } else {
                v.to_vec()
            }
        };
        if self.kind == CheckKind::Ordering {
            // The right order stays in `answer`; `choices` carries the shown order.
            c.choices = pick(&self.items);
        } else {
            c.choices = pick(&self.choices);
            c.choice_feedback = pick(&self.choice_feedback);
        }
        c
    }

    /// The prompt as the terminal shows it (an image as its alt text).
    pub fn display_prompt(&self) -> String {
        match &self.image {
            Some(img) => format!("{}\n[picture: {}]", self.prompt, img.alt),
            None => self.prompt.clone(),
        }
    }

    /// Where `key` is written, else where the check's id is.
    pub fn pos_of(&self, key: &str) -> Pos {
        self.key_pos.get(key).copied().unwrap_or(self.id_pos)
    }
}

/// A permutation of `0..n` from a stable hash of `seed` (FNV-1a + xorshift; no rand state, so
/// the same student sees the same order every time).
pub fn shuffle_order(n: usize, seed: &str) -> Vec<usize> {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut next = move || {
        h ^= h << 13;
        h ^= h >> 7;
        h ^= h << 17;
        h
    };
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
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
