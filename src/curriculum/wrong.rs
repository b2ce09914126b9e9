//! Teachers' common wrong answers per check: `[[concept.check.wrong]]` with the wrong `answer`,
//! the `feedback` to give, and optionally the `misconception` (0-based index into the concept's
//! `misconceptions`) it shows. Parsed and validated here, matched by [`matching`].

use serde::Serialize;
use toml_edit::{Item, TableLike, Value};

use super::diag::{Pos, Sink};
use super::grade::{self, fold_accents, normalize, parse_number};
use super::parse::suggest;
use super::{Check, CheckKind, Concept, MAX_FIELD_CHARS};

const KEYS: &[&str] = &["answer", "feedback", "misconception"];

/// One common wrong answer to a check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WrongAnswer {
    /// The wrong answer, written as a student would (graded like the check's own answer).
    pub answer: String,
    /// What to tell a student who gives it (must not give the right answer away).
    pub feedback: String,
    /// The misconception (index into the concept's list) this answer shows.
    pub misconception: Option<usize>,
    #[serde(skip)]
    pub pos: Pos,
    #[serde(skip)]
    pub answer_pos: Pos,
    #[serde(skip)]
    pub misconception_pos: Pos,
}

/// Parses the check's `wrong` key (absent = none), reporting every shape problem.
pub(super) fn parse(sink: &mut Sink<'_>, check: &dyn TableLike) -> Vec<WrongAnswer> {
    let Some((k, item)) = check.get_key_value("wrong") else {
        return Vec::new();
    };
    let kpos = sink.pos(k.span());
    let tables: Vec<(&dyn TableLike, Pos)> = match item {
        Item::ArrayOfTables(a) => a
            .iter()
            .map(|t| {
                let pos = t.span().map_or(kpos, |s| sink.header_pos(Some(s)));
                (t as &dyn TableLike, pos)
            })
            .collect(),
        Item::Value(Value::Array(a)) => a
            .iter()
            .filter_map(|v| match v {
                Value::InlineTable(t) => Some((t as &dyn TableLike, sink.pos(t.span()).max(kpos))),
                other => {
                    let p = sink.pos(other.span());
                    sink.error(
                        p,
                        "each wrong answer must be { answer = \"...\", feedback = \"...\" }",
                        None,
                    );
                    None
                }
            })
            .collect(),
        _ => {
            sink.error(
                kpos,
                "`wrong` must be [[concept.check.wrong]] sections",
                Some("write [[concept.check.wrong]] with answer = \"...\" and feedback = \"...\" under its check".to_string()),
            );
            Vec::new()
        }
    };
    tables
        .into_iter()
        .map(|(t, pos)| parse_one(sink, t, pos))
        .collect()
}

fn parse_one(sink: &mut Sink<'_>, t: &dyn TableLike, pos: Pos) -> WrongAnswer {
    for (key, _) in t.iter() {
        if !KEYS.contains(&key) {
            let kpos = sink.pos(t.key(key).and_then(|k| k.span()));
            let hint = suggest(key, KEYS).map_or_else(
                || format!("allowed here: {}", KEYS.join(", ")),
                |s| format!("did you mean `{s}`?"),
            );
            sink.error(
                kpos,
                format!("unknown key `{key}` in a wrong answer"),
                Some(hint),
            );
        }
    }
    let value_pos = |sink: &Sink<'_>, key: &str| match t.get_key_value(key) {
        Some((k, item)) => sink.pos(
            item.span()
                .or_else(|| item.as_value().and_then(Value::span))
                .or_else(|| k.span()),
        ),
        None => pos,
    };
    let text = |sink: &mut Sink<'_>, key: &str| -> (String, Pos) {
        let p = value_pos(&*sink, key);
        match t.get(key) {
            None => {
                sink.error(
                    pos,
                    format!("a wrong answer is missing required field `{key}`"),
                    Some(format!("add `{key} = \"...\"`")),
                );
                (String::new(), p)
            }
            Some(item) => match item.as_str() {
                Some(s) if s.trim().is_empty() => {
                    sink.error(p, format!("`{key}` is empty"), None);
                    (String::new(), p)
                }
                Some(s) if s.chars().count() > MAX_FIELD_CHARS => {
                    sink.error(
                        p,
                        format!("`{key}` is longer than {MAX_FIELD_CHARS} characters"),
                        None,
                    );
                    (String::new(), p)
                }
                Some(s) => (s.to_string(), p),
                None => {
                    sink.error(
                        p,
                        format!("`{key}` must be text in quotes, not {}", item.type_name()),
                        Some(format!("write {key} = \"...\"")),
                    );
                    (String::new(), p)
                }
            },
        }
    };
    let (answer, answer_pos) = text(sink, "answer");
    let (feedback, _) = text(sink, "feedback");
    let misconception_pos = value_pos(&*sink, "misconception");
    let misconception = match t.get("misconception") {
        None => None,
        Some(item) => match item.as_integer() {
            Some(i) if i >= 0 => Some(i as usize),
            _ => {
                sink.error(
                    misconception_pos,
                    "`misconception` must be the number of a misconception in this concept (0 = the first)",
                    Some("write misconception = 0".to_string()),
                );
                None
            }
        },
    };
    WrongAnswer {
        answer,
        feedback,
        misconception,
        pos,
        answer_pos,
        misconception_pos,
    }
}

/// Whether `response` gives the wrong answer `w` to `check` (graded like the check's answer).
pub fn is_this(check: &Check, w: &WrongAnswer, response: &str) -> bool {
    if w.answer.trim().is_empty() {
        return false;
    }
    let mut as_key = check.clone();
    as_key.answer = w.answer.clone();
    as_key.accept.clear();
    as_key.tolerance = None;
    match check.kind {
        CheckKind::Text => fold_accents(response) == fold_accents(&w.answer),
        _ => grade::grade(&as_key, response).is_correct(),
    }
}

/// The teacher's wrong answer that `response` gives, if any.
pub fn matching<'c>(check: &'c Check, response: &str) -> Option<&'c WrongAnswer> {
    check.wrong.iter().find(|w| is_this(check, w, response))
}

/// Whether `text` states `check`'s answer (a word-bounded phrase, or the numeric value).
fn gives_away(check: &Check, text: &str) -> bool {
    let t = format!(" {} ", fold_accents(text));
    let phrase_hit = std::iter::once(&check.answer)
        .chain(&check.accept)
        .map(|a| fold_accents(a))
        .filter(|a| !a.is_empty())
        .any(|a| {
            t.match_indices(&a).any(|(i, _)| {
                let before = t[..i].chars().next_back();
                let after = t[i + a.len()..].chars().next();
                before.is_none_or(|c| !c.is_alphanumeric())
                    && after.is_none_or(|c| !c.is_alphanumeric())
            })
        });
    let value_hit = (check.kind == CheckKind::Numeric)
        .then(|| parse_number(&check.answer))
        .flatten()
        .is_some_and(|v| {
            text.split(|c: char| c.is_whitespace() || "()[],;:!?".contains(c))
                .filter_map(parse_number)
                .any(|n| (n - v).abs() <= 1e-9 * v.abs().max(1.0))
        });
    phrase_hit || value_hit
}

/// Checks every wrong answer of `check` (in `concept`).
pub(super) fn validate(concept: &Concept, check: &Check, sink: &mut Sink<'_>) {
    if check.kind == CheckKind::Text && !check.wrong.is_empty() {
        sink.error(
            check.pos_of("wrong"),
            "`wrong` answers only apply to short, numeric and choice checks",
            Some("describe typical mistakes in the check's `rubric` instead".to_string()),
        );
        return;
    }
    let mut seen: Vec<String> = Vec::new();
    for w in &check.wrong {
        if let Some(m) = w.misconception
            && m >= concept.misconceptions.len()
        {
            sink.error(
                w.misconception_pos,
                format!(
                    "`misconception = {m}` but concept {:?} lists {} misconception(s), numbered from 0",
                    concept.id,
                    concept.misconceptions.len()
                ),
                Some("use the number of a misconception in this concept's list, or remove the line".to_string()),
            );
        }
        if w.answer.trim().is_empty() {
            continue;
        }
        let key = normalize(&w.answer);
        if seen.contains(&key) {
            sink.error(
                w.answer_pos,
                format!("wrong answer {:?} is listed twice", w.answer),
                None,
            );
        }
        seen.push(key);
        match grade::grade(check, &w.answer) {
            v if v.is_correct() => sink.error(
                w.answer_pos,
                format!(
                    "wrong answer {:?} is accepted as right by check {:?}",
                    w.answer, check.id
                ),
                Some("list only answers that the check marks wrong".to_string()),
            ),
            grade::Verdict::Unreadable(_) => sink.error(
                w.answer_pos,
                format!(
                    "wrong answer {:?} cannot be read as an answer to check {:?}",
                    w.answer, check.id
                ),
                Some(match check.kind {
                    CheckKind::Numeric => "write a number such as 12, 0.5, 3/4 or 25%".to_string(),
                    _ => "write it like one of the `choices`".to_string(),
                }),
            ),
            _ => {}
        }
        if gives_away(check, &w.feedback) {
            sink.error(
                w.pos,
                format!(
                    "the feedback for wrong answer {:?} gives away the answer",
                    w.answer
                ),
                Some("say what the mistake is, not what the right answer is".to_string()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::curriculum::{Severity, load_str};

    const COURSE: &str = r#"[course]
id = "f"
title = "F"

[[concept]]
id = "add"
title = "Adding"
objective = "Add fractions."
misconceptions = [{ belief = "Add tops and bottoms.", response = "Use pizza." }]

[[concept.check]]
id = "a1"
kind = "short"
prompt = "What is 1/4 + 1/4?"
answer = "2/4"
accept = ["1/2"]
hints = ["Same size pieces."]

[[concept.check.wrong]]
answer = "2/8"
feedback = "You added the bottoms too: are the pieces smaller now?"
misconception = 0
"#;

    fn errors(text: &str) -> Vec<String> {
        load_str("t.toml", text)
            .diagnostics
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.to_string())
            .collect()
    }

    #[test]
    fn parses_wrong_answers_and_matches_them_like_the_grader() {
        let loaded = load_str("t.toml", COURSE);
        assert!(errors(COURSE).is_empty(), "{:?}", errors(COURSE));
        let course = loaded.course.unwrap();
        let check = &course.concepts[0].checks[0];
        assert_eq!(check.wrong.len(), 1);
        assert_eq!(check.wrong[0].misconception, Some(0));
        assert_eq!((check.wrong[0].pos.line, check.wrong[0].pos.col), (19, 1));
        assert!(super::matching(check, " 2/8 ").is_some());
        assert!(super::matching(check, "2/4").is_none());
    }

    #[test]
    fn bad_wrong_answers_are_reported_at_their_position() {
        let bad = COURSE
            .replace("misconception = 0", "misconception = 3\nanswr = \"x\"")
            .replace("answer = \"2/8\"", "answer = \"1/2\"");
        let e = errors(&bad);
        let want = [
            "t.toml:22:17: error: `misconception = 3` but concept \"add\" lists 1 misconception(s)",
            "t.toml:23:1: error: unknown key `answr` in a wrong answer",
            "t.toml:20:10: error: wrong answer \"1/2\" is accepted as right by check \"a1\"",
        ];
        for w in want {
            assert!(e.iter().any(|x| x.starts_with(w)), "{w}\n{e:#?}");
        }
        let leaky = COURSE.replace("are the pieces smaller now?", "it is 2/4.");
        assert!(
            errors(&leaky)
                .iter()
                .any(|x| x.contains("gives away the answer")),
            "{:?}",
            errors(&leaky)
        );
    }
}
