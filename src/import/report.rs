//! The import report: per file, how many items mapped, and per item (with `file:line`) what
//! did not map and why, with counts by reason.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::Origin;

/// Why something in the source did not make it into the course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gap {
    /// Moodle matching questions (`->`).
    Matching,
    /// An essay / free answer without a model answer.
    Essay,
    /// Moodle's embedded-answers (Cloze) syntax inside GIFT: `{1:SHORTANSWER:…}`.
    EmbeddedCloze,
    /// Several right options the course format cannot express (any one of several, or marks
    /// that do not add up to 100 %).
    SeveralCorrect,
    /// Answers worth part of the marks.
    PartialCredit,
    /// More than one full-credit numeric answer.
    SeveralNumbers,
    /// Feedback for one specific wrong answer that could not be kept (it gives the answer away,
    /// is for a range, or names an answer the check accepts).
    WrongAnswerFeedback,
    /// Pictures whose files are not next to the source (a course image needs its file).
    Images,
    /// OATutor problems with randomised parameters.
    Variabilized,
    /// An answer that is an algebraic expression or equation.
    Expression,
    /// No answer given.
    NoAnswer,
    /// An Anki note type this importer does not know.
    NoteType,
    /// Syntax the reader could not parse.
    Unreadable,
    /// The course validator rejected the mapped check.
    Invalid,
}

impl Gap {
    /// Why, in words a teacher understands.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Matching => "matching question: the course format has no matching kind yet",
            Self::Essay => "essay without a model answer: a text check needs one",
            Self::EmbeddedCloze => {
                "embedded answers (Cloze) syntax: blanks of different kinds (choices, numbers, words) in one question are not in the course format"
            }
            Self::SeveralCorrect => {
                "several correct choices that the course format cannot express (its `answers` means: pick all of them)"
            }
            Self::PartialCredit => "partial credit: checks are graded right or wrong",
            Self::SeveralNumbers => {
                "several full-credit numbers: a numeric check has one answer (with a tolerance or range); only the first is kept"
            }
            Self::WrongAnswerFeedback => "feedback for specific wrong answers not kept",
            Self::Images => {
                "images: the picture files are not next to the source; add `image` and `image_alt` by hand"
            }
            Self::Variabilized => {
                "randomised parameters (variabilization): a check has one fixed answer"
            }
            Self::Expression => {
                "algebraic expression answer: needs a grader for equivalent expressions"
            }
            Self::NoAnswer => "no answer in the source",
            Self::NoteType => "note type not supported",
            Self::Unreadable => "could not be read",
            Self::Invalid => "rejected by the course validator",
        }
    }
}

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

/// One line of the report about one item.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub origin: String,
    /// Whether the item became a check (with this part dropped) or was left out.
    pub kept: bool,
    pub gap: Gap,
    pub what: String,
    pub detail: String,
}

/// What happened to one file's items.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileReport {
    pub file: String,
    /// Items that became checks.
    pub mapped: usize,
    /// Of those, how many lost a part.
    pub partial: usize,
    /// Items that did not become checks.
    pub skipped: usize,
    /// Description items kept as concept notes.
    pub notes_kept: usize,
    pub lines: Vec<Line>,
    pub file_notes: Vec<String>,
}

impl FileReport {
    /// Items left out, by reason.
    pub fn skipped_by_gap(&self) -> BTreeMap<Gap, usize> {
        let mut m = BTreeMap::new();
        for l in self.lines.iter().filter(|l| !l.kept) {
            *m.entry(l.gap).or_insert(0) += 1;
        }
        m
    }

    /// Parts dropped from kept items, by reason (one count per item and reason).
    pub fn dropped_by_gap(&self) -> BTreeMap<Gap, usize> {
        let mut m = BTreeMap::new();
        let mut seen = std::collections::HashSet::new();
        for l in self.lines.iter().filter(|l| l.kept) {
            if seen.insert((l.origin.clone(), l.gap)) {
                *m.entry(l.gap).or_insert(0) += 1;
            }
        }
        m
    }
}

/// The whole import's report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub files: Vec<FileReport>,
}

impl Report {
    pub(crate) fn file(&mut self, name: &str) -> &mut FileReport {
        let i = match self.files.iter().position(|f| f.file == name) {
            Some(i) => i,
            None => {
                self.files.push(FileReport {
                    file: name.to_string(),
                    ..FileReport::default()
                });
                self.files.len() - 1
            }
        };
        &mut self.files[i]
    }

    pub(crate) fn line(&mut self, origin: &Origin, kept: bool, gap: Gap, what: &str, detail: &str) {
        self.file(&origin.file).lines.push(Line {
            origin: origin.to_string(),
            kept,
            gap,
            what: what.to_string(),
            detail: detail.to_string(),
        });
    }

    /// Checks written, over all files.
    pub fn mapped(&self) -> usize {
        self.files.iter().map(|f| f.mapped).sum()
    }

    /// The summary lines (per file: counts and counts by reason), without the per-item lines.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        for f in &self.files {
            s.push_str(&format!(
                "{}: {} items: {} mapped ({} with a part dropped), {} not mapped",
                f.file,
                f.mapped + f.skipped,
                f.mapped,
                f.partial,
                f.skipped
            ));
            if f.notes_kept > 0 {
                s.push_str(&format!("; {} description(s) kept as notes", f.notes_kept));
            }
            s.push('\n');
            for (g, n) in f.skipped_by_gap() {
                s.push_str(&format!("  not mapped  {n:>5}  {g}\n"));
            }
            for (g, n) in f.dropped_by_gap() {
                s.push_str(&format!("  dropped     {n:>5}  {g}\n"));
            }
            for n in &f.file_notes {
                s.push_str(&format!("  note: {n}\n"));
            }
        }
        s
    }
}

/// Every item line (`file:line: not mapped: …`, then `file:line: dropped …`), then the summary.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Items left out first, then parts dropped from kept items.
        for kept in [false, true] {
            for l in self.files.iter().flat_map(|file| &file.lines) {
                if l.kept != kept {
                    continue;
                }
                let detail = if l.detail.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", l.detail)
                };
                if l.kept {
                    writeln!(f, "{}: dropped from the check: {}{detail}", l.origin, l.gap)?;
                } else {
                    writeln!(
                        f,
                        "{}: not mapped: {:?}: {}{detail}",
                        l.origin, l.what, l.gap
                    )?;
                }
            }
        }
        f.write_str(&self.summary())
    }
}
