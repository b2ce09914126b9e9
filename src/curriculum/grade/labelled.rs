//! The labelled grading set: `eval/grading.toml`, cases a teacher labelled by hand (the check,
//! a student's response, the verdict a teacher gives). [`labelled_set_accuracy`] grades them all
//! with the real graders; `tutor eval` reports it as `rule_grading_accuracy`.

use serde::Deserialize;

use super::{Verdict, grade};
use crate::curriculum::{Check, CheckKind, Forgive, NumberForm};

/// The set, compiled in so `tutor eval` needs no files.
pub const GRADING_SET: &str = include_str!("../../../eval/grading.toml");

/// One labelled case.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub kind: String,
    #[serde(default)]
    pub answer: String,
    #[serde(default)]
    pub accept: Vec<String>,
    pub tolerance: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub unit: Option<String>,
    pub form: Option<String>,
    #[serde(default)]
    pub choices: Vec<String>,
    #[serde(default)]
    pub answers: Vec<String>,
    #[serde(default)]
    pub choice_feedback: Vec<String>,
    #[serde(default)]
    pub blanks: Vec<String>,
    #[serde(default)]
    pub items: Vec<String>,
    pub language: Option<String>,
    #[serde(default)]
    pub strict: Vec<String>,
    pub response: String,
    /// `correct`, `incorrect`, `unreadable` (asked again, no attempt lost) or `judge` (a text
    /// answer left to the model).
    pub expect: String,
    /// Feedback text the grader must give (a substring), if any.
    pub feedback: Option<String>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize)]
struct Set {
    case: Vec<Case>,
}

impl Case {
    /// The check this case describes (options shown in the written order).
    pub fn check(&self) -> Result<Check, String> {
        let kind = CheckKind::parse(&self.kind).ok_or(format!("unknown kind {:?}", self.kind))?;
        let mut c = Check::new("case", kind, "?", &self.answer);
        c.accept = self.accept.clone();
        c.tolerance = self.tolerance;
        c.min = self.min;
        c.max = self.max;
        c.unit = self.unit.clone();
        c.form = match &self.form {
            Some(f) => Some(NumberForm::parse(f).ok_or(format!("unknown form {f:?}"))?),
            None => None,
        };
        c.choices = self.choices.clone();
        c.answers = self.answers.clone();
        c.choice_feedback = self.choice_feedback.clone();
        c.blanks = self.blanks.clone();
        c.items = self.items.clone();
        c.shuffle = false;
        if let Some(l) = &self.language {
            c.language = l.clone();
        }
        let mut forgive = Forgive::default();
        for k in &self.strict {
            if !forgive.set(k, false) {
                return Err(format!("unknown forgive key {k:?}"));
            }
        }
        c.forgive = forgive;
        if kind == CheckKind::Ordering {
            c.choices = c.items.clone();
        }
        Ok(c)
    }
}

/// The outcome of grading the labelled set.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LabelledReport {
    pub cases: usize,
    pub agreed: usize,
    /// Graded correct where the teacher's label is not.
    pub false_accepts: usize,
    /// Graded wrong or unreadable where the teacher's label is correct.
    pub false_rejects: usize,
    /// `agreed / cases`.
    pub accuracy: f64,
    /// One line per disagreement.
    pub failures: Vec<String>,
}

fn label(v: &Verdict) -> &'static str {
    match v {
        Verdict::Correct => "correct",
        Verdict::Incorrect => "incorrect",
        Verdict::Unreadable(_) => "unreadable",
        Verdict::NeedsJudge => "judge",
    }
}

/// Grades every case of `text` (the format of `eval/grading.toml`).
pub fn run_set(text: &str) -> Result<LabelledReport, String> {
    let set: Set = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut r = LabelledReport {
        cases: set.case.len(),
        ..Default::default()
    };
    for (i, case) in set.case.iter().enumerate() {
        let check = case.check().map_err(|e| format!("case {}: {e}", i + 1))?;
        if !matches!(
            case.expect.as_str(),
            "correct" | "incorrect" | "unreadable" | "judge"
        ) {
            return Err(format!("case {}: unknown expect {:?}", i + 1, case.expect));
        }
        let got = super::grade_full(&check, &case.response);
        let l = label(&got.verdict);
        let feedback_ok = case.feedback.as_ref().is_none_or(|f| {
            got.feedback
                .as_deref()
                .is_some_and(|g| g.contains(f.as_str()))
        });
        if l == case.expect && feedback_ok {
            r.agreed += 1;
        } else {
            if l == "correct" {
                r.false_accepts += 1;
            }
            if case.expect == "correct" {
                r.false_rejects += 1;
            }
            r.failures.push(format!(
                "case {} ({} {:?}, response {:?}): expected {}, got {l} {:?}",
                i + 1,
                case.kind,
                case.answer,
                case.response,
                case.expect,
                got
            ));
        }
    }
    r.accuracy = if r.cases == 0 {
        0.0
    } else {
        r.agreed as f64 / r.cases as f64
    };
    Ok(r)
}

/// Grades the bundled labelled set (`rule_grading_accuracy` in `tutor eval`).
pub fn labelled_set_accuracy() -> LabelledReport {
    run_set(GRADING_SET).unwrap_or_else(|e| LabelledReport {
        failures: vec![format!("eval/grading.toml: {e}")],
        ..Default::default()
    })
}

/// Grades a check built directly (for callers that have one).
pub fn grade_case(case: &Case) -> Result<Verdict, String> {
    Ok(grade(&case.check()?, &case.response))
}
