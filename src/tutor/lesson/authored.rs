//! The teacher's own words for every move: what the student sees at voice level 0, what
//! levels 1–2 build on, and the fallback whenever a model reply fails the contract.

use super::super::policy::Move;
use crate::curriculum::grade::choice_letter;
use crate::curriculum::{Check, Concept};

/// The first sentence of the concept's notes that gives nothing away (`redact` must leave it
/// unchanged), for helping a student who is unsure.
pub fn notes_sentence(concept: &Concept, redact: &dyn Fn(&str) -> String) -> Option<String> {
    concept
        .notes
        .split_inclusive(['.', '!'])
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|s| s.len() >= 12)
        .find(|s| redact(s) == *s)
}

/// The text of a check as posed (prompt and lettered choices).
pub fn check_text(c: &Check) -> String {
    let mut text = c.display_prompt();
    for (i, ch) in c.choices.iter().enumerate() {
        text.push_str(&format!("\n  {}) {ch}", choice_letter(i)));
    }
    text
}

/// The authored text of a spoken move. `diagnosis` is what is wrong with the last answer (for
/// a probe); `redact` hides pending answers.
pub fn text(
    concept: &Concept,
    mv: &Move,
    diagnosis: Option<&str>,
    redact: &dyn Fn(&str) -> String,
) -> String {
    let question = |i: usize| concept.questions.get(i).cloned().unwrap_or_default();
    let t = match mv {
        Move::WarmUp => format!(
            "Let's start: {}. What do you already know about it?",
            concept.title
        ),
        Move::AskGuiding { index } => question(*index),
        Move::Encourage { index } => {
            let help = notes_sentence(concept, redact)
                .map(|s| format!(" Here is something to start from: {s}"))
                .unwrap_or_default();
            format!(
                "That's okay, not knowing yet is where learning starts.{help} Have a guess: {}",
                question(*index)
            )
        }
        Move::Hint { check, rung } => {
            let hint = concept
                .checks
                .get(*check)
                .and_then(|c| c.hints.get(*rung))
                .cloned()
                .unwrap_or_else(|| "Read the question again slowly: what is it asking for?".into());
            format!("Here's a hint: {hint}")
        }
        Move::Probe { .. } => match diagnosis {
            Some(d) => format!("Not quite. {d} Try once more."),
            None => "Not quite yet. How did you work that out? Try once more.".to_string(),
        },
        Move::AddressMisconception { index } => {
            let belief = concept
                .misconceptions
                .get(*index)
                .map_or("", |m| m.belief.as_str());
            match diagnosis {
                Some(d) => format!("Not quite. {d}"),
                None => format!(
                    "Careful: many people think \"{}\", but that is a common mix-up. Let's test that idea together.",
                    belief.trim_end_matches(['.', '!'])
                ),
            }
        }
        Move::Redirect => format!("Let's get back to {}.", concept.title),
        Move::PoseCheck { index } => concept
            .checks
            .get(*index)
            .map(check_text)
            .unwrap_or_default(),
        Move::Feedback { .. } | Move::Summarize => String::new(),
    };
    redact(&t)
}

/// Praise or consolation with the teacher's explanation, after a check.
pub fn feedback(c: &Check, correct: bool, redact: &dyn Fn(&str) -> String) -> String {
    let head = if correct {
        "That's right, well done!"
    } else {
        "Not quite this time, and that's okay."
    };
    let body = if c.explanation.is_empty() {
        format!("The answer: {}.", c.answer)
    } else {
        c.explanation.clone()
    };
    // This check is answered; the explanation must not give away a later one.
    format!("{head} {}", redact(&body))
}
