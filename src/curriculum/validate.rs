//! Rules across a whole course: id syntax, duplicates, prerequisites and cycles, kind-specific
//! consistency, answers that fail their own grader, and teaching warnings.

use std::collections::{HashMap, HashSet};

use super::diag::{Pos, Sink};
use super::grade::{self, Verdict};
use super::parse::suggest;
use super::{Check, CheckKind, Course};

/// Whether `id` is lowercase letters, digits and '-', starting with a letter or digit.
pub fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn check_id(sink: &mut Sink<'_>, what: &str, id: &str, pos: Pos) {
    if !id.is_empty() && !valid_id(id) {
        let fixed: String = id
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>()
            .trim_matches('-')
            .to_string();
        sink.error(
            pos,
            format!("{what} id {id:?} may only use lowercase letters, digits and '-'"),
            Some(format!(
                "for example \"{fixed}\"; ids are how progress is kept, so choose them once"
            )),
        );
    }
}

/// Runs every rule on `course`.
pub fn validate(course: &Course, sink: &mut Sink<'_>) {
    check_id(sink, "course", &course.id, course.id_pos);
    if course.concepts.is_empty() {
        sink.warn(
            course.id_pos,
            "the course has no concepts",
            Some("add [[concept]] sections".to_string()),
        );
    }
    let mut concept_ids: HashMap<&str, Pos> = HashMap::new();
    let mut check_ids: HashMap<&str, Pos> = HashMap::new();
    for c in &course.concepts {
        check_id(sink, "concept", &c.id, c.id_pos);
        if !c.id.is_empty()
            && let Some(first) = concept_ids.insert(&c.id, c.id_pos)
        {
            sink.error(
                c.id_pos,
                format!(
                    "duplicate concept id {:?} (first used at line {})",
                    c.id, first.line
                ),
                Some("give each concept its own id".to_string()),
            );
        }
        for k in &c.checks {
            check_id(sink, "check", &k.id, k.id_pos);
            if !k.id.is_empty()
                && let Some(first) = check_ids.insert(&k.id, k.id_pos)
            {
                sink.error(
                    k.id_pos,
                    format!(
                        "duplicate check id {:?} (first used at line {})",
                        k.id, first.line
                    ),
                    Some("check ids must be unique within the course".to_string()),
                );
            }
            validate_check(k, sink);
            super::wrong::validate(c, k, sink);
        }
        if c.checks.is_empty() {
            sink.warn(
                c.id_pos,
                format!("concept {:?} has no checks", c.id),
                Some("add at least one [[concept.check]] so progress can be measured".to_string()),
            );
        }
        if c.misconceptions.is_empty() {
            sink.warn(
                c.id_pos,
                format!("concept {:?} lists no misconceptions", c.id),
                Some("add misconceptions = [{ belief = \"...\", response = \"...\" }]".to_string()),
            );
        }
        if c.questions.is_empty() {
            sink.warn(
                c.id_pos,
                format!("concept {:?} has no guiding questions", c.id),
                Some("add questions = [\"...\"] for the tutor to ask".to_string()),
            );
        }
    }
    let ids: Vec<&str> = course.concepts.iter().map(|c| c.id.as_str()).collect();
    for c in &course.concepts {
        for (i, r) in c.requires.iter().enumerate() {
            let pos = c.requires_pos.get(i).copied().unwrap_or(c.id_pos);
            if r == &c.id {
                sink.error(pos, format!("concept {:?} requires itself", c.id), None);
            } else if !concept_ids.contains_key(r.as_str()) {
                let hint = suggest(r, &ids).map_or_else(
                    || format!("known concepts: {}", ids.join(", ")),
                    |s| format!("did you mean {s:?}?"),
                );
                sink.error(
                    pos,
                    format!("`requires` names unknown concept {r:?}"),
                    Some(hint),
                );
            }
        }
    }
    super::validate_format::validate_format(course, sink);
    if let Some(cycle) = find_cycle(course) {
        let pos = course.concept(&cycle[0]).map_or(Pos::START, |c| c.id_pos);
        sink.error(
            pos,
            format!("prerequisite cycle: {}", cycle.join(" -> ")),
            Some(
                "remove one of these `requires` so the concepts can be taught in order".to_string(),
            ),
        );
    }
}

fn validate_check(k: &Check, sink: &mut Sink<'_>) {
    let not_here = |sink: &mut Sink<'_>, key: &str, only: &str| {
        sink.error(
            k.pos_of(key),
            format!(
                "`{key}` only applies to {only} checks (this one is {:?})",
                kind_name(k.kind)
            ),
            Some(format!("remove `{key}` or change `kind`")),
        );
    };
    if k.tolerance.is_some() && k.kind != CheckKind::Numeric {
        not_here(sink, "tolerance", "numeric");
    }
    if k.key_pos.contains_key("choices") && k.kind != CheckKind::Choice {
        not_here(sink, "choices", "choice");
    }
    if !k.rubric.is_empty() && k.kind != CheckKind::Text {
        not_here(sink, "rubric", "text");
    }
    if k.tolerance.is_some_and(|t| !(t >= 0.0 && t.is_finite())) {
        sink.error(
            k.pos_of("tolerance"),
            "`tolerance` must be zero or positive",
            None,
        );
    }
    if k.kind == CheckKind::Choice {
        if k.choices.len() < 2 {
            sink.error(
                k.pos_of("choices").max(k.id_pos),
                "a choice check needs at least two `choices`",
                Some("add choices = [\"...\", \"...\"] including the answer".to_string()),
            );
        }
        let mut seen = HashSet::new();
        for c in &k.choices {
            if !seen.insert(grade::normalize(c)) {
                sink.error(
                    k.pos_of("choices"),
                    format!("choice {c:?} is listed twice"),
                    None,
                );
            }
        }
    }
    if k.hints.is_empty() {
        sink.warn(
            k.id_pos,
            format!("check {:?} has no hints", k.id),
            Some(
                "add hints = [\"nudge\", \"scaffold\", \"worked example\"] (the hint ladder)"
                    .to_string(),
            ),
        );
    }
    if k.answer.trim().is_empty() {
        return;
    }
    let choice_missing = k.kind == CheckKind::Choice
        && grade::choice::correct_indices(k).len() != k.correct_choices().len();
    match (k.kind, grade::grade(k, &k.answer)) {
        (CheckKind::Text, _) => {}
        (CheckKind::Numeric, Verdict::Unreadable(why)) => {
            if grade::numeric::key(k).is_none() {
                sink.error(
                    k.answer_pos,
                    format!("numeric answer {:?} is not a number", k.answer),
                    Some("write a number such as 12, 0.5, 3/4 or 25%".to_string()),
                );
            } else {
                sink.error(
                    k.answer_pos,
                    format!("answer {:?} does not pass its own grader: {why}", k.answer),
                    Some("write the answer in the `form` the check asks for".to_string()),
                );
            }
        }
        (CheckKind::Choice, _) if choice_missing && k.choices.len() >= 2 => {
            sink.error(
                k.answer_pos,
                format!("answer {:?} is not one of the choices", k.answer),
                Some(format!(
                    "the answer must be written exactly like one of: {}",
                    k.choices
                        .iter()
                        .map(|c| format!("{c:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
        (CheckKind::Choice, _) => {}
        (_, v) if !v.is_correct() => {
            sink.error(
                k.answer_pos,
                format!("answer {:?} does not pass its own grader", k.answer),
                None,
            );
        }
        _ => {}
    }
    if matches!(k.kind, CheckKind::Short | CheckKind::Numeric) {
        for a in &k.accept {
            if !grade::grade(k, a).is_correct() {
                sink.error(
                    k.pos_of("accept"),
                    format!("accepted answer {a:?} is not readable as an answer"),
                    None,
                );
            }
        }
        if k.kind == CheckKind::Numeric && !k.accept.is_empty() {
            sink.warn(
                k.pos_of("accept"),
                "`accept` is not needed on numeric checks: equal numbers in any form are accepted",
                None,
            );
        }
    }
}

fn kind_name(k: CheckKind) -> &'static str {
    k.name()
}

/// A prerequisite cycle as ids `[a, b, ..., a]`, if any.
pub fn find_cycle(course: &Course) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let index: HashMap<&str, usize> = course
        .concepts
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let mut mark = vec![Mark::New; course.concepts.len()];
    fn dfs(
        i: usize,
        course: &Course,
        index: &HashMap<&str, usize>,
        mark: &mut [Mark],
        stack: &mut Vec<usize>,
    ) -> Option<Vec<String>> {
        mark[i] = Mark::Active;
        stack.push(i);
        for r in &course.concepts[i].requires {
            let Some(&j) = index.get(r.as_str()) else {
                continue;
            };
            if j == i {
                continue;
            }
            match mark[j] {
                Mark::Active => {
                    let start = stack.iter().position(|&s| s == j).unwrap_or(0);
                    let mut cyc: Vec<String> = stack[start..]
                        .iter()
                        .map(|&s| course.concepts[s].id.clone())
                        .collect();
                    cyc.push(course.concepts[j].id.clone());
                    return Some(cyc);
                }
                Mark::New => {
                    if let Some(c) = dfs(j, course, index, mark, stack) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        mark[i] = Mark::Done;
        None
    }
    for i in 0..course.concepts.len() {
        if mark[i] == Mark::New
            && let Some(c) = dfs(i, course, &index, &mut mark, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}
