//! The typed import model → course TOML in the current format, item by item: what maps is
//! written, what does not is recorded in the [`Report`] with its `file:line` and reason. Every
//! check is run through the real validator ([`crate::curriculum::load_str`]) before it is kept,
//! so the file `tutor import` writes is one `tutor check` accepts.
//!
//! Mapped onto the format's fields: several right choices (Moodle's multiple-answer questions,
//! whose right options add up to 100 %) → `answers`; feedback on wrong choices →
//! `choice_feedback`; feedback on specific wrong short or numeric answers →
//! `[[concept.check.wrong]]` (each one through the validator: it must be marked wrong and must not
//! give the answer away); ranges → `min`/`max`; true/false → `truefalse`; a card with several
//! blanks → `cloze` with `blanks`; tags → `tags`. What the format cannot hold (partial credit,
//! either-of several right choices, several right numbers, images without their files) stays
//! in the report. When the course format gains a field, the mapping of that part moves from a
//! report line to a field here.

use std::collections::HashSet;

use serde::Serialize;

use super::decimal::number_with_tolerance;
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
    #[serde(skip_serializing_if = "String::is_empty")]
    answer: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    accept: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    answers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tolerance: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    choices: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    choice_feedback: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    blanks: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hints: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    explanation: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    /// `[[concept.check.wrong]]`: common wrong answers with their feedback.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    wrong: Vec<WrongOut>,
}

#[derive(Serialize, Clone)]
struct WrongOut {
    answer: String,
    feedback: String,
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

impl CheckOut {
    fn new(item: &Item) -> Self {
        Self {
            id: String::new(),
            kind: "short",
            prompt: item.prompt.clone(),
            answer: String::new(),
            accept: Vec::new(),
            answers: Vec::new(),
            tolerance: None,
            min: None,
            max: None,
            choices: Vec::new(),
            choice_feedback: Vec::new(),
            blanks: Vec::new(),
            hints: item
                .hints
                .iter()
                .filter(|h| !h.trim().is_empty())
                .cloned()
                .collect(),
            explanation: String::new(),
            tags: Vec::new(),
            wrong: Vec::new(),
        }
    }
}

/// Options worth part of the marks, as `"text" 50%`.
fn partial(opts: &[&Weighted]) -> Option<(Gap, String)> {
    let p: Vec<String> = opts
        .iter()
        .filter(|o| o.credit > 0.0 && o.credit < 100.0)
        .map(|o| format!("{:?} {}%", o.text, o.credit))
        .collect();
    (!p.is_empty()).then(|| (Gap::PartialCredit, p.join(", ")))
}

/// One item → one check and the parts it lost, or why it cannot be a check.
fn map_item(item: Item, ids: &mut HashSet<String>) -> Result<(CheckOut, Dropped), (Gap, String)> {
    let mut dropped: Dropped = item.dropped.clone();
    let mut explanation: Vec<String> = item.feedback.clone();
    let mut check = CheckOut::new(&item);
    // Feedback for specific wrong answers, each put through the validator below.
    let mut wrong: Vec<(String, String)> = Vec::new();
    // Wrong-answer feedback that found no place, as report details.
    let mut unplaced: Vec<String> = Vec::new();
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
            dropped.extend(partial(&alts.iter().collect::<Vec<_>>()));
            // Answers worth less than full marks are marked wrong here: their feedback is
            // what a student who gives them should read.
            wrong.extend(
                alts.iter()
                    .filter(|a| a.credit < 100.0 && !a.feedback.trim().is_empty())
                    .map(|a| (a.text.clone(), a.feedback.clone())),
            );
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
            if let NumValue::Range { min, max } = &first.value {
                // The course format's own range: the answer shown is the midpoint.
                let (a, b) = (min.parse::<f64>(), max.parse::<f64>());
                let (Ok(a), Ok(b)) = (a, b) else {
                    return Err((Gap::Unreadable, format!("{min}..{max}")));
                };
                (check.min, check.max) = (Some(a.min(b)), Some(a.max(b)));
                explanation.push(format!("Any number from {min} to {max} is right."));
            } else {
                check.tolerance = tol;
            }
            if full.iter().skip(1).any(|n| n.value != first.value) {
                dropped.push((
                    Gap::SeveralNumbers,
                    format!(
                        "{} full-credit answers: {}",
                        full.len(),
                        full.iter()
                            .map(|n| describe(&n.value))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
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
            for n in nums
                .iter()
                .filter(|n| n.credit < 100.0 && !n.feedback.trim().is_empty())
            {
                match &n.value {
                    NumValue::Exact { value, tolerance }
                        if tolerance
                            .as_deref()
                            .is_none_or(|t| t.parse::<f64>().is_ok_and(|t| t == 0.0)) =>
                    {
                        wrong.push((value.clone(), n.feedback.clone()));
                    }
                    v => unplaced.push(format!(
                        "for {}: a common wrong answer is one number, not a range",
                        describe(v)
                    )),
                }
            }
        }
        Answer::Choice(opts) => {
            let full: Vec<&Weighted> = opts.iter().filter(|o| o.credit >= 100.0).collect();
            let positive: Vec<&Weighted> = opts.iter().filter(|o| o.credit > 0.0).collect();
            let sum: f64 = positive.iter().map(|o| o.credit).sum();
            // Moodle's "multiple answers": no option is worth 100 %, and the right ones add
            // up to 100 %: picking all of them (and nothing else) is right, as `answers` says.
            let several = full.is_empty() && positive.len() > 1 && (sum - 100.0).abs() < 1.0;
            let right: Vec<&Weighted> = if several {
                positive.clone()
            } else if full.len() > 1 {
                return Err((
                    Gap::SeveralCorrect,
                    format!(
                        "{} options are each fully right on their own: {}",
                        full.len(),
                        full.iter()
                            .map(|o| format!("{:?}", o.text))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            } else if full.is_empty() && positive.len() > 1 {
                return Err((
                    Gap::SeveralCorrect,
                    format!(
                        "{} options carry marks adding up to {sum}%, not 100%",
                        positive.len()
                    ),
                ));
            } else if let Some(r) = full.first() {
                vec![*r]
            } else {
                return Err((Gap::NoAnswer, "no option is worth full marks".into()));
            };
            check.kind = "choice";
            check.choices = opts.iter().map(|o| o.text.clone()).collect();
            let is_right = |o: &Weighted| right.iter().any(|r| std::ptr::eq(*r, o));
            if several {
                check.answers = right.iter().map(|o| o.text.clone()).collect();
                let free = opts.iter().any(|o| o.credit == 0.0);
                dropped.push((
                    Gap::PartialCredit,
                    format!(
                        "{}; here {} must be picked{}",
                        right
                            .iter()
                            .map(|o| format!("{:?} {}%", o.text, o.credit))
                            .collect::<Vec<_>>()
                            .join(", "),
                        if right.len() == 2 {
                            "both".to_string()
                        } else {
                            format!("all {}", right.len())
                        },
                        if free {
                            ", and a wrong one picked as well is wrong (in Moodle it costs nothing)"
                        } else {
                            ""
                        }
                    ),
                ));
            } else {
                check.answer = right[0].text.clone();
                dropped.extend(partial(&opts.iter().collect::<Vec<_>>()));
            }
            explanation.extend(right.iter().map(|o| o.feedback.clone()));
            // Shown when a student picks that option (a wrong one: the right ones' feedback
            // is the explanation).
            check.choice_feedback = opts
                .iter()
                .map(|o| {
                    if is_right(o) {
                        String::new()
                    } else {
                        o.feedback.clone()
                    }
                })
                .collect();
        }
        Answer::TrueFalse(v) => {
            check.kind = "truefalse";
            check.answer = v.to_string();
        }
        Answer::Cloze(blanks) => {
            check.kind = "cloze";
            for alts in blanks {
                if let Some(a) = alts.iter().find(|a| a.contains('|')) {
                    return Err((
                        Gap::Unreadable,
                        format!(
                            "the blank's answer {a:?} contains '|', which separates alternatives"
                        ),
                    ));
                }
                check.blanks.push(alts.join("|"));
            }
        }
        Answer::Text(Some(model)) => {
            check.kind = "text";
            check.answer = model.clone();
        }
        Answer::Text(None) => return Err((Gap::Essay, String::new())),
    }
    for (answer, feedback) in &item.wrong_feedback {
        let at = check.choices.iter().position(|c| c == answer);
        match (check.kind, at) {
            ("short" | "numeric", _) => wrong.push((answer.clone(), feedback.clone())),
            ("choice", Some(i)) if check.choice_feedback[i].is_empty() => {
                check.choice_feedback[i] = feedback.clone();
            }
            _ => unplaced.push(format!(
                "for {answer:?}: no place for it on a {} check",
                check.kind
            )),
        }
    }
    if check.choice_feedback.iter().all(|f| f.trim().is_empty()) {
        check.choice_feedback.clear();
    }
    let mut seen = HashSet::new();
    check.tags = item
        .tags
        .iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty() && seen.insert(t.clone()))
        .collect();
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
    // Each common wrong answer on its own through the validator: it must be one the check marks
    // wrong, and its feedback must not give the answer away; the rest stays in the report.
    let mut seen = HashSet::new();
    for (answer, feedback) in wrong {
        if !seen.insert(answer.trim().to_lowercase()) {
            continue;
        }
        let mut probe = check.clone();
        probe.wrong = vec![WrongOut { answer, feedback }];
        match validate_one(&probe) {
            Ok(()) => check.wrong.extend(probe.wrong),
            Err((_, why)) => unplaced.push(why),
        }
    }
    if !unplaced.is_empty() {
        dropped.push((Gap::WrongAnswerFeedback, unplaced.join("; ")));
    }
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
