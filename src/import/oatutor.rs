//! OATutor lesson JSON (a lesson with its problems → steps → default hint pathway, as in
//! OATutor-Content's `content-pool`, bundled per lesson). Each step becomes a check: answer type
//! `mc` / problem type `MultipleChoice` → choice, `arithmetic` → numeric (an algebraic
//! expression is reported: no grader for equivalent expressions yet), `string` → short answer
//! (a lone amount like `$42,000` → numeric). `$$…$$` LaTeX is turned into text. Hints and
//! scaffolds (sub-questions with their own answers) become hint rungs in pathway order.
//! Problems with randomised parameters (`variabilization`, `@{name}`) are reported.
//! Concepts are the steps' skills (the lesson's learning objectives).

use serde_json::Value;

use super::{Answer, Gap, ImportError, Item, NumAnswer, NumValue, Origin, Source, Weighted, text};
use crate::curriculum::grade;

/// Reads one OATutor bundle (`{"lesson": …, "problems": [...]}`), a list of problems, or one
/// problem.
pub fn read(file: &str, content: &str) -> Result<Source, ImportError> {
    let v: Value = serde_json::from_str(content)
        .map_err(|e| ImportError::bad(file, format!("not valid JSON: {e}")))?;
    let problems: Vec<&Value> = match &v {
        Value::Object(o) if o.contains_key("problems") => v["problems"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        Value::Object(o) if o.contains_key("steps") => vec![&v],
        Value::Array(a) => a.iter().collect(),
        _ => {
            return Err(ImportError::bad(
                file,
                "no \"problems\" or \"steps\": not an OATutor lesson; name the format with --from",
            ));
        }
    };
    let mut src = Source::new(file);
    src.language = Some("en".to_string());
    let lesson = &v["lesson"];
    let course = lesson["courseName"]
        .as_str()
        .or_else(|| problems.first().and_then(|p| p["courseName"].as_str()));
    let topic = lesson["lesson"]["topics"]
        .as_str()
        .or_else(|| problems.first().and_then(|p| p["lesson"].as_str()));
    let name = lesson["lesson"]["name"].as_str();
    src.title = match (course, name, topic) {
        (Some(c), Some(n), Some(t)) => Some(format!("{c} — {n}: {t}")),
        (Some(c), _, Some(t)) => Some(format!("{c} — {t}")),
        (_, _, Some(t)) => Some(t.to_string()),
        (Some(c), _, _) => Some(c.to_string()),
        _ => None,
    };
    let line_of = |id: &str| {
        content
            .find(&format!("\"{id}\""))
            .map_or(1, |i| content[..i].matches('\n').count() + 1)
    };
    for p in problems {
        let body = clean(p["body"].as_str().unwrap_or(""));
        let pvars = vars(&p["variabilization"]);
        for s in p["steps"].as_array().into_iter().flatten() {
            let id = s["id"].as_str().unwrap_or("");
            let origin = Origin::line(file, line_of(id));
            let title = clean(s["stepTitle"].as_str().unwrap_or(""));
            let sbody = clean(s["stepBody"].as_str().unwrap_or(""));
            let prompt = [body.as_str(), title.as_str(), sbody.as_str()]
                .into_iter()
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join("\n");
            let answers: Vec<String> = s["stepAnswer"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            let mut names = pvars.clone();
            names.extend(vars(&s["variabilization"]));
            if !names.is_empty() || answers.iter().any(|a| a.contains("@{")) {
                src.skip(origin, &prompt, Gap::Variabilized, names.join(", "));
                continue;
            }
            let choices: Vec<String> = s["choices"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(clean)
                .collect();
            let answer = match step_answer(
                s["problemType"].as_str().unwrap_or(""),
                s["answerType"].as_str().unwrap_or(""),
                &answers,
                &choices,
            ) {
                Ok(a) => a,
                Err((gap, detail)) => {
                    src.skip(origin, &prompt, gap, detail);
                    continue;
                }
            };
            let mut item = Item::new(origin, &text::slug(id, 60), &prompt, answer);
            for h in s["tutoring_DefaultPathway"]
                .as_array()
                .into_iter()
                .flatten()
            {
                if let Some(rung) = hint_rung(h) {
                    item.hints.push(rung);
                }
            }
            let skill = s["skills"]
                .as_array()
                .and_then(|a| a.first())
                .and_then(Value::as_str)
                .map_or_else(
                    || p["title"].as_str().unwrap_or("Problems").to_string(),
                    text::humanize,
                );
            src.section(&skill).items.push(item);
        }
    }
    Ok(src)
}

fn clean(s: &str) -> String {
    text::html_to_text(&text::strip_latex(s)).0
}

fn vars(v: &Value) -> Vec<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// A hint as one rung; a scaffold as its question with its answer, so the ladder still helps
/// when the tutor cannot ask the sub-question itself.
fn hint_rung(h: &Value) -> Option<String> {
    let title = clean(h["title"].as_str().unwrap_or(""));
    let body = clean(h["text"].as_str().unwrap_or(""));
    let mut rung = match (title.is_empty(), body.is_empty()) {
        (true, true) => return None,
        (false, true) => title,
        (true, false) => body,
        (false, false) => format!("{title}: {body}"),
    };
    if h["type"].as_str() == Some("scaffold") {
        let ans: Vec<String> = h["hintAnswer"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(clean)
            .collect();
        if !ans.is_empty() {
            rung.push_str(&format!(" (It is {}.)", ans.join(" or ")));
        }
    }
    Some(rung)
}

/// A lone amount or number: `$42,000` → `42000`, `-0.0666` → itself.
fn as_number(s: &str) -> Option<String> {
    let t = s.trim().trim_start_matches('$').trim();
    let plain = t.replace(',', "");
    let grouped = t.split(',').skip(1).all(|g| {
        let int = g.split('.').next().unwrap_or("");
        int.len() == 3 && int.chars().all(|c| c.is_ascii_digit())
    });
    if !grouped || plain.parse::<f64>().is_err() {
        return None;
    }
    Some(plain)
}

fn step_answer(
    problem_type: &str,
    answer_type: &str,
    answers: &[String],
    choices: &[String],
) -> Result<Answer, (Gap, String)> {
    let cleaned: Vec<String> = answers
        .iter()
        .map(|a| clean(a))
        .filter(|a| !a.is_empty())
        .collect();
    let Some(first) = cleaned.first() else {
        return Err((Gap::NoAnswer, "empty stepAnswer".into()));
    };
    if problem_type == "MultipleChoice" || answer_type == "mc" {
        let opts = choices
            .iter()
            .map(|c| Weighted {
                text: c.clone(),
                credit: if cleaned.contains(c) { 100.0 } else { 0.0 },
                feedback: String::new(),
            })
            .collect();
        return Ok(Answer::Choice(opts));
    }
    match answer_type {
        "arithmetic" => {
            let nums: Option<Vec<String>> = cleaned
                .iter()
                .map(|a| as_number(a).filter(|n| grade::parse_number(n).is_some()))
                .collect();
            match nums {
                Some(n) => Ok(Answer::Numeric(
                    n.into_iter()
                        .map(|value| NumAnswer {
                            value: NumValue::Exact {
                                value,
                                tolerance: None,
                            },
                            credit: 100.0,
                            feedback: String::new(),
                        })
                        .collect(),
                )),
                None => Err((Gap::Expression, first.clone())),
            }
        }
        _ => {
            if cleaned.len() == 1
                && first.starts_with('$')
                && let Some(n) = as_number(first)
            {
                return Ok(Answer::Numeric(vec![NumAnswer {
                    value: NumValue::Exact {
                        value: n,
                        tolerance: None,
                    },
                    credit: 100.0,
                    feedback: String::new(),
                }]));
            }
            let mut alts = Vec::new();
            for a in &cleaned {
                alts.push(Weighted::full(a));
                // A list of numbers: "8,13" also as "8, 13" and "8 and 13".
                let parts: Vec<&str> = a.split(',').map(str::trim).collect();
                if parts.len() > 1 && parts.iter().all(|p| p.parse::<f64>().is_ok()) {
                    for v in [parts.join(", "), parts.join(" and ")] {
                        if v != *a {
                            alts.push(Weighted::full(&v));
                        }
                    }
                }
            }
            Ok(Answer::Short(alts))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_lists() {
        assert_eq!(as_number("$42,000").as_deref(), Some("42000"));
        assert_eq!(as_number("8,13"), None);
        assert_eq!(as_number("-0.0666").as_deref(), Some("-0.0666"));
        let Answer::Short(a) = step_answer("TextBox", "string", &["8,13".into()], &[]).unwrap()
        else {
            panic!()
        };
        let texts: Vec<&str> = a.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, vec!["8,13", "8, 13", "8 and 13"]);
    }
}
