//! The typed import model → course TOML in the current format, item by item: what maps is
//! written, what does not is recorded in the [`Report`] with its `file:line` and reason. Every
//! check is run through the real validator ([`crate::curriculum::load_str`]) before it is kept,
//! so the file `tutor import` writes is one `tutor check` accepts.
//!
//! When the course format gains a field (per-choice feedback, several correct choices, ranges,
//! tags, images …), the mapping of that part moves from a `drop(...)` to a field here.

use std::collections::HashSet;

use serde::Serialize;

use super::report::{Gap, Report};
use super::{Answer, ImportError, Item, NumValue, Options, Source, Weighted, text};
use crate::curriculum::{MAX_FIELD_CHARS, Severity, load_str, validate::valid_id};

/// Most checks per concept; larger decks are split into numbered parts.
pub const MAX_CHECKS_PER_CONCEPT: usize = 50;

/// The result: the course text and what happened to every item.
#[derive(Debug, Clone)]
pub struct Imported {
    pub toml: String,
    pub course_id: String,
    pub title: String,
    pub checks: usize,
    pub concepts: usize,
    pub report: Report,
}

#[derive(Serialize)]
struct CourseOut {
    course: Header,
    concept: Vec<ConceptOut>,
}

#[derive(Serialize)]
struct Header {
    id: String,
    title: String,
    version: String,
    language: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
}

#[derive(Serialize)]
struct ConceptOut {
    id: String,
    title: String,
    objective: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    notes: String,
    check: Vec<CheckOut>,
}

#[derive(Serialize, Clone)]
struct CheckOut {
    id: String,
    kind: &'static str,
    prompt: String,
    answer: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    accept: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tolerance: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    choices: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hints: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    explanation: String,
}

/// Writes one course from all sources.
pub fn write(sources: Vec<Source>, opts: &Options) -> Result<Imported, ImportError> {
    let title = opts
        .title
        .clone()
        .or_else(|| sources.iter().find_map(|s| s.title.clone()))
        .unwrap_or_else(|| "Imported questions".to_string());
    let id = match &opts.id {
        Some(id) if valid_id(id) => id.clone(),
        Some(id) => {
            return Err(ImportError::bad(
                "--id",
                format!("{id:?} may only use lowercase letters, digits and '-'"),
            ));
        }
        None => Some(text::slug(&title, 40))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "imported".to_string()),
    };
    let language = opts
        .lang
        .clone()
        .or_else(|| sources.iter().find_map(|s| s.language.clone()))
        .unwrap_or_else(|| "en".to_string());
    let files: Vec<String> = sources.iter().map(|s| s.file.clone()).collect();
    let mut report = Report::default();
    let mut concepts: Vec<ConceptOut> = Vec::new();
    let mut concept_ids = HashSet::new();
    let mut check_ids = HashSet::new();
    for src in sources {
        for f in src.file.split(" + ") {
            report.file(f);
        }
        report
            .file(src.file.split(" + ").next().unwrap_or(&src.file))
            .file_notes = src.notes.clone();
        for s in &src.skipped {
            report.line(&s.origin, false, s.gap, &s.what, &s.detail);
            report.file(&s.origin.file).skipped += 1;
        }
        for section in src.sections {
            let notes_kept = section.notes.len();
            let mut notes = section.notes.join("\n\n");
            if notes.chars().count() > MAX_FIELD_CHARS {
                notes = notes.chars().take(MAX_FIELD_CHARS - 1).collect::<String>() + "…";
            }
            if let Some(f) = src.file.split(" + ").next() {
                report.file(f).notes_kept += notes_kept;
            }
            let parts = section.items.len().div_ceil(MAX_CHECKS_PER_CONCEPT).max(1);
            let mut items = section.items.into_iter();
            for part in 1..=parts {
                let ctitle = if parts > 1 {
                    format!("{} ({part} of {parts})", section.title)
                } else {
                    section.title.clone()
                };
                let cid = unique(&mut concept_ids, &text::slug(&ctitle, 40), "concept");
                let mut checks = Vec::new();
                for item in items.by_ref().take(MAX_CHECKS_PER_CONCEPT) {
                    let origin = item.origin.clone();
                    let what = text::excerpt(&item.prompt, 60);
                    match map_item(item, &mut check_ids) {
                        Ok((check, dropped)) => {
                            let fr = report.file(&origin.file);
                            fr.mapped += 1;
                            if !dropped.is_empty() {
                                fr.partial += 1;
                            }
                            for (gap, detail) in dropped {
                                report.line(&origin, true, gap, &what, &detail);
                            }
                            checks.push(check);
                        }
                        Err((gap, detail)) => {
                            report.line(&origin, false, gap, &what, &detail);
                            report.file(&origin.file).skipped += 1;
                        }
                    }
                }
                if checks.is_empty() && notes.is_empty() {
                    continue;
                }
                concepts.push(ConceptOut {
                    id: cid,
                    objective: format!(
                        "The student can answer the questions on {}.",
                        section.title
                    ),
                    title: ctitle,
                    notes: if part == 1 {
                        notes.clone()
                    } else {
                        String::new()
                    },
                    check: checks,
                });
            }
        }
    }
    let checks: usize = concepts.iter().map(|c| c.check.len()).sum();
    if checks == 0 {
        return Err(ImportError::Empty {
            files: files.join(", "),
            report: report.to_string(),
        });
    }
    let course = CourseOut {
        course: Header {
            id: id.clone(),
            title: title.clone(),
            version: "1.0".to_string(),
            language,
            description: format!("Imported from {}.", files.join(", ")),
        },
        concept: concepts,
    };
    let body = toml::to_string(&course)
        .map_err(|e| ImportError::bad("course", format!("cannot write TOML: {e}")))?;
    let toml = format!(
        "# Written by `tutor import` from {}.\n# Review it, then run `tutor check` on it; the import report lists what did not map.\n\n{body}",
        files.join(", ")
    );
    let loaded = load_str(&id, &toml);
    if let Some(d) = loaded
        .diagnostics
        .iter()
        .find(|d| d.severity == Severity::Error)
    {
        return Err(ImportError::bad(
            "course",
            format!("the written course does not pass `tutor check`: {d}"),
        ));
    }
    Ok(Imported {
        toml,
        course_id: id,
        title,
        checks,
        concepts: course.concept.len(),
        report,
    })
}

/// `base`, or `base-2`, `base-3` … so that it is unused; `fallback` when `base` is empty.
fn unique(used: &mut HashSet<String>, base: &str, fallback: &str) -> String {
    let base = if base.is_empty() { fallback } else { base };
    let mut id = base.to_string();
    let mut n = 2;
    while !used.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

type Dropped = Vec<(Gap, String)>;

/// One item → one check and the parts it lost, or why it cannot be a check.
fn map_item(item: Item, ids: &mut HashSet<String>) -> Result<(CheckOut, Dropped), (Gap, String)> {
    let mut dropped: Dropped = item.dropped.clone();
    let mut explanation: Vec<String> = item.feedback.clone();
    let mut check = CheckOut {
        id: String::new(),
        kind: "short",
        prompt: item.prompt.clone(),
        answer: String::new(),
        accept: Vec::new(),
        tolerance: None,
        choices: Vec::new(),
        hints: item
            .hints
            .iter()
            .filter(|h| !h.trim().is_empty())
            .cloned()
            .collect(),
        explanation: String::new(),
    };
    let partial = |opts: &[Weighted], dropped: &mut Dropped| {
        let p: Vec<String> = opts
            .iter()
            .filter(|o| o.credit > 0.0 && o.credit < 100.0)
            .map(|o| format!("{:?} {}%", o.text, o.credit))
            .collect();
        if !p.is_empty() {
            dropped.push((Gap::PartialCredit, p.join(", ")));
        }
    };
    let wrong = |opts: &[Weighted], dropped: &mut Dropped| {
        let w: Vec<String> = opts
            .iter()
            .filter(|o| o.credit <= 0.0 && !o.feedback.is_empty())
            .map(|o| format!("{:?}", o.text))
            .collect();
        if !w.is_empty() {
            dropped.push((Gap::WrongAnswerFeedback, format!("for {}", w.join(", "))));
        }
    };
    match &item.answer {
        Answer::Short(alts) => {
            let full: Vec<&Weighted> = alts.iter().filter(|a| a.credit >= 100.0).collect();
            let Some(first) = full.first() else {
                return Err((Gap::NoAnswer, "no answer is worth full marks".into()));
            };
            check.answer = first.text.clone();
            let mut seen = HashSet::from([first.text.to_lowercase()]);
            check.accept = full[1..]
                .iter()
                .filter(|a| seen.insert(a.text.to_lowercase()))
                .map(|a| a.text.clone())
                .collect();
            explanation.extend(full.iter().map(|a| a.feedback.clone()));
            partial(alts, &mut dropped);
            wrong(alts, &mut dropped);
        }
        Answer::Numeric(nums) => {
            let full: Vec<_> = nums.iter().filter(|n| n.credit >= 100.0).collect();
            let Some(first) = full.first() else {
                return Err((Gap::NoAnswer, "no number is worth full marks".into()));
            };
            check.kind = "numeric";
            let (answer, tol) = number_with_tolerance(&first.value)
                .ok_or_else(|| (Gap::Unreadable, format!("{:?}", first.value)))?;
            check.answer = answer;
            check.tolerance = tol;
            if let NumValue::Range { min, max } = &first.value {
                explanation.push(format!("Any number from {min} to {max} is right."));
            }
            if full.iter().skip(1).any(|n| n.value != first.value) {
                dropped.push((
                    Gap::SeveralNumbers,
                    format!("{} full-credit answers", full.len()),
                ));
            }
            explanation.extend(full.iter().map(|n| n.feedback.clone()));
            let p: Vec<String> = nums
                .iter()
                .filter(|n| n.credit > 0.0 && n.credit < 100.0)
                .map(|n| format!("{} {}%", describe(&n.value), n.credit))
                .collect();
            if !p.is_empty() {
                dropped.push((Gap::PartialCredit, p.join(", ")));
            }
            let w: Vec<String> = nums
                .iter()
                .filter(|n| n.credit <= 0.0 && !n.feedback.is_empty())
                .map(|n| describe(&n.value))
                .collect();
            if !w.is_empty() {
                dropped.push((Gap::WrongAnswerFeedback, format!("for {}", w.join(", "))));
            }
        }
        Answer::Choice(opts) => {
            let full: Vec<&Weighted> = opts.iter().filter(|o| o.credit >= 100.0).collect();
            let positive = opts.iter().filter(|o| o.credit > 0.0).count();
            if full.len() > 1 || (full.is_empty() && positive > 1) {
                return Err((
                    Gap::SeveralCorrect,
                    format!("{positive} options carry marks"),
                ));
            }
            let Some(right) = full.first() else {
                return Err((Gap::NoAnswer, "no option is worth full marks".into()));
            };
            check.kind = "choice";
            check.answer = right.text.clone();
            check.choices = opts.iter().map(|o| o.text.clone()).collect();
            explanation.push(right.feedback.clone());
            partial(opts, &mut dropped);
            wrong(opts, &mut dropped);
        }
        Answer::TrueFalse(v) => {
            check.kind = "choice";
            let (t, f) = ("True", "False");
            check.choices = vec![t.to_string(), f.to_string()];
            check.answer = if *v { t } else { f }.to_string();
        }
        Answer::Text(Some(model)) => {
            check.kind = "text";
            check.answer = model.clone();
        }
        Answer::Text(None) => return Err((Gap::Essay, String::new())),
    }
    if !item.wrong_feedback.is_empty() {
        dropped.push((
            Gap::WrongAnswerFeedback,
            format!("{} answers", item.wrong_feedback.len()),
        ));
    }
    if !item.tags.is_empty() {
        dropped.push((Gap::Tags, item.tags.join(" ")));
    }
    if !item.images.is_empty() {
        dropped.push((Gap::Images, item.images.join(", ")));
    }
    let mut seen = HashSet::new();
    explanation.retain(|e| !e.trim().is_empty() && seen.insert(e.clone()));
    check.explanation = explanation.join("\n");
    let base = text::slug(&item.key, 60);
    // Validate before taking the id, so a rejected item does not use one up.
    check.id = if base.is_empty() {
        "q".into()
    } else {
        base.clone()
    };
    validate_one(&check)?;
    check.id = unique(ids, &base, "q");
    Ok((check, dropped))
}

/// The check alone in a minimal course, through the real validator.
fn validate_one(check: &CheckOut) -> Result<(), (Gap, String)> {
    let one = CourseOut {
        course: Header {
            id: "x".into(),
            title: "x".into(),
            version: "1".into(),
            language: "en".into(),
            description: String::new(),
        },
        concept: vec![ConceptOut {
            id: "x".into(),
            title: "x".into(),
            objective: "x".into(),
            notes: String::new(),
            check: vec![check.clone()],
        }],
    };
    let toml = toml::to_string(&one).map_err(|e| (Gap::Invalid, e.to_string()))?;
    let loaded = load_str("check", &toml);
    match loaded
        .diagnostics
        .iter()
        .find(|d| d.severity == Severity::Error)
    {
        Some(d) => Err((Gap::Invalid, d.message.clone())),
        None if loaded.course.is_none() => Err((Gap::Invalid, "unreadable".into())),
        None => Ok(()),
    }
}

fn describe(v: &NumValue) -> String {
    match v {
        NumValue::Exact {
            value,
            tolerance: Some(t),
        } => format!("{value}±{t}"),
        NumValue::Exact { value, .. } => value.clone(),
        NumValue::Range { min, max } => format!("{min}..{max}"),
    }
}

/// The answer and tolerance for a number: a range `a..b` becomes its midpoint with half its
/// width (exact decimal arithmetic, so `3.141..3.142` is `3.1415 ± 0.0005`).
fn number_with_tolerance(v: &NumValue) -> Option<(String, Option<f64>)> {
    match v {
        NumValue::Exact { value, tolerance } => {
            let tol = match tolerance {
                Some(t) => Some(t.parse::<f64>().ok()?.abs()),
                None => None,
            };
            Some((value.clone(), tol.filter(|t| *t > 0.0)))
        }
        NumValue::Range { min, max } => {
            let (a, b) = (Decimal::parse(min), Decimal::parse(max));
            match (a, b) {
                (Some(a), Some(b)) => {
                    let (lo, hi) = if a.le(&b) { (a, b) } else { (b, a) };
                    let (mid, half) = lo.mid_half(&hi);
                    Some((mid, Some(half.parse().ok()?)))
                }
                _ => {
                    let (a, b): (f64, f64) = (min.parse().ok()?, max.parse().ok()?);
                    Some((format!("{}", (a + b) / 2.0), Some((b - a).abs() / 2.0)))
                }
            }
        }
    }
}

/// A decimal number as an integer mantissa and a count of decimals.
#[derive(Debug, Clone, Copy)]
struct Decimal {
    mantissa: i128,
    scale: u32,
}

impl Decimal {
    fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (neg, digits) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if int.is_empty() && frac.is_empty()
            || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit())
            || int.len() + frac.len() > 30
        {
            return None;
        }
        let m: i128 = format!("{int}{frac}").parse().ok()?;
        Some(Self {
            mantissa: if neg { -m } else { m },
            scale: frac.len() as u32,
        })
    }

    fn at(&self, scale: u32) -> i128 {
        self.mantissa * 10i128.pow(scale - self.scale)
    }

    fn le(&self, o: &Self) -> bool {
        let s = self.scale.max(o.scale);
        self.at(s) <= o.at(s)
    }

    /// (midpoint, half the distance) of `self..=hi`, as decimal text.
    fn mid_half(&self, hi: &Self) -> (String, String) {
        let s = self.scale.max(hi.scale);
        let (a, b) = (self.at(s), hi.at(s));
        // (a + b) / 2 and (b - a) / 2 exactly: multiply by 5, one more decimal.
        (fmt_dec((a + b) * 5, s + 1), fmt_dec((b - a) * 5, s + 1))
    }
}

fn fmt_dec(m: i128, scale: u32) -> String {
    let neg = m < 0;
    let digits = m.unsigned_abs().to_string();
    let scale = scale as usize;
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    let frac = frac.trim_end_matches('0');
    let body = if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    };
    if neg && body != "0" {
        format!("-{body}")
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_become_midpoint_and_half_width_exactly() {
        let r = |a: &str, b: &str| {
            number_with_tolerance(&NumValue::Range {
                min: a.into(),
                max: b.into(),
            })
            .unwrap()
        };
        assert_eq!(r("1", "5"), ("3".to_string(), Some(2.0)));
        assert_eq!(r("3.141", "3.142"), ("3.1415".to_string(), Some(0.0005)));
        assert_eq!(r("-3.142", "-3.141"), ("-3.1415".to_string(), Some(0.0005)));
        assert_eq!(r("-5", "5"), ("0".to_string(), Some(5.0)));
    }
}
